"""The probe runner: one Chromium per worker, a fresh context per probe, every connection
through the egress guard; gathers artifacts, evaluates them and judges them per criterion."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from checker.corpus import CONTROL, CorpusPage, CorpusServer, load_url_list, sample
from checker.criteria import load_set
from checker.logs import log_context
from checker.probes.base import Finding, Measurement, judge, text
from checker.probes.browser_launch import LaunchPlan, guard_schemes
from checker.probes.browser_launch import plan as launch_plan
from checker.probes.egress import EgressGuard, EgressPolicy, Refusal
from checker.probes.manifest import Manifest, redact
from checker.probes.registry import Probe, all_probes
from checker.settings import CheckerSettings, split_list

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright, Request

log = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
    "--no-default-browser-check",
    "--disable-features=Translate,MediaRouter,AutofillServerCommunication,OptimizationHints",
    # Chromium sends loopback and *.localhost straight out, around any proxy; the probes must
    # not go around the product's filter or our egress guard, ever.
    "--proxy-bypass-list=<-loopback>",
]
CORPUS_PROBES = {"content_filtering", "rta_label", "filter_bypass", "block_page", "filter_overhead"}


@dataclass
class ProbeSettings:
    """Operator settings for probe runs, built from the one settings object (`from_settings`)."""

    chromium: str = "/usr/bin/chromium"
    allowed_networks: tuple[str, ...] = ()  # private networks probes may reach (tests: 127.0.0.0/8)
    # Exact "address:port" endpoints probes may reach though the address is private (the demo's own products).
    allowed_endpoints: tuple[str, ...] = ()
    ignore_tls_errors: bool = False
    page_timeout_ms: int = 15_000
    run_timeout_s: float = 900.0
    pool_pages: int = 3
    corpus_per_category: int | None = None
    max_browser_restarts: int = 2
    # How long privacy_before_consent watches the network after a load and after each interaction:
    # trackers are often injected by a timer seconds after load.
    consent_watch_s: float = 10.0
    # Independent probes run side by side (the `product` and `site` lanes of their definitions); False: one
    # after another, in the registry's order.
    parallel_lanes: bool = True
    browser_user: str = "vcsc-browser"  # as root: the unprivileged user Chromium runs as

    @classmethod
    def from_settings(cls, settings: CheckerSettings, **overrides: Any) -> ProbeSettings:
        """The probe settings of the one settings object (the service's `Settings` is a `CheckerSettings`)."""
        values: dict[str, Any] = {
            "chromium": settings.chromium,
            "browser_user": settings.browser_user,
            "allowed_networks": split_list(settings.probe_allow_networks),
            "allowed_endpoints": split_list(settings.probe_allow_endpoints),
            "ignore_tls_errors": settings.probe_ignore_tls_errors,
            "page_timeout_ms": settings.probe_page_timeout_ms,
            "run_timeout_s": settings.probe_run_timeout_s,
            "corpus_per_category": settings.corpus_per_category,
            "consent_watch_s": settings.probe_consent_watch_s,
        }
        values.update(overrides)
        return cls(**values)

    @classmethod
    def from_env(cls, **overrides: Any) -> ProbeSettings:
        """Standalone use (the checker without the service, tests, benchmarks): read `CheckerSettings` once."""
        return cls.from_settings(CheckerSettings(), **overrides)


class BrowserHost:
    """One Chromium for a worker; restarted when it crashes."""

    def __init__(self, settings: ProbeSettings):
        self.settings = settings
        self.restarts = 0
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()
        self.launch_plan: LaunchPlan | None = None

    async def browser(self) -> Browser:
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self._playwright is None:
                from playwright.async_api import async_playwright

                self._playwright = await async_playwright().start()
            elif self._browser is not None:
                self.restarts += 1
                log.warning("Chromium was lost; restarting (%d)", self.restarts)
            # As root: an unprivileged user, Chromium's sandbox and a URL policy that allows only
            # http(s) navigations; every fallback is logged (checker/probes/browser_launch.py).
            self.launch_plan = launch_plan(self.settings.chromium, self.settings.browser_user)
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.launch_plan.executable_path,
                args=CHROMIUM_ARGS,
                chromium_sandbox=self.launch_plan.chromium_sandbox,
                env=self.launch_plan.env,
                headless=True,
            )
            return self._browser

    def connected(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                await self._playwright.stop()
        self._browser = self._playwright = None

    async def __aenter__(self) -> BrowserHost:
        await self.browser()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class BrowserLost(Exception):
    """The browser died during a probe."""


def _is_browser_lost(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return any(_is_browser_lost(e) for e in exc.exceptions)
    message = str(exc)
    return any(
        s in message
        for s in (
            "Target page, context or browser has been closed",
            "Browser has been closed",
            "Target closed",
            "browser has disconnected",
            "Connection closed",
        )
    )


class ProbeContext:
    """What a probe's `gather` gets: the manifest, a proxied browser context, the corpus."""

    def __init__(self, run: ProbeRun, probe: Probe, browser_context: BrowserContext, state: dict[str, Any]):
        self.run = run
        self.probe = probe
        self.manifest: Manifest = run.manifest
        self.settings: ProbeSettings = run.settings
        self.browser_context = browser_context
        self.state = state  # survives a browser restart within the run: long probes resume from it
        self.requests: list[dict[str, Any]] = []
        self._pages: list[Page] = []
        self._extra_contexts: list[BrowserContext] = []
        self.page_timeout_ms = run.settings.page_timeout_ms
        self._watch(browser_context)

    def _watch(self, browser_context: BrowserContext) -> None:
        def on_request(request: Request) -> None:
            try:
                frame_url = request.frame.url if request.frame else ""
            except Exception:
                frame_url = ""
            self.requests.append(
                {
                    "url": request.url,
                    "method": request.method,
                    "resource_type": request.resource_type,
                    "frame_url": frame_url,
                    "t": time.time(),
                }
            )

        browser_context.on("request", on_request)

    @property
    def corpus(self) -> list[CorpusPage]:
        return self.run.corpus

    @property
    def controls(self) -> list[CorpusPage]:
        """Reachability controls: harmless pages the product must let through (not measured)."""
        return self.run.controls

    @property
    def shared(self) -> dict[str, Any]:
        """Measurements one probe of the run leaves for the next (reachability, pages measured blocked)."""
        return self.run.shared

    async def page(self) -> Page:
        return (await self.pages(1))[0]

    async def pages(self, count: int) -> list[Page]:
        """`count` reused pages of this probe's context (at most the pool size)."""
        count = max(1, min(count, self.settings.pool_pages))
        while len(self._pages) < count:
            self._pages.append(await self.browser_context.new_page())
        return self._pages[:count]

    async def new_context(self, *, through_product: bool = True) -> BrowserContext:
        """Another fresh context (a second session, or the direct baseline without the product)."""
        ctx = await self.run.new_browser_context(through_product=through_product)
        self._extra_contexts.append(ctx)
        self._watch(ctx)
        return ctx

    def progress(self, done: int, total: int) -> None:
        self.run.report_progress(self.probe.id, done, total)

    async def screenshot(self, page: Page, name: str) -> str | None:
        path = self.run.out_dir / "screenshots" / f"{self.probe.id}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            await page.screenshot(path=str(path), timeout=5000)
        except Exception as exc:  # a screenshot is evidence, not a reason to fail the probe
            log.info("screenshot %s failed: %s", name, exc)
            return None
        return str(path.relative_to(self.run.out_dir))

    def refusals(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.run.refusals()]

    async def close(self) -> None:
        for ctx in [*self._extra_contexts, self.browser_context]:
            with contextlib.suppress(Exception):
                await ctx.close()


@dataclass
class ProbeOutcome:
    probe_id: str
    artifact: dict[str, Any]
    measurement: Measurement | None  # None only when evaluating the artifact failed
    findings: list[Any]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "probe_id": self.probe_id,
            "seconds": round(self.seconds, 3),
            "measurement": self.measurement.to_dict() if self.measurement else None,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class RunResult:
    manifest: dict[str, Any]
    criteria_version: str
    outcomes: list[ProbeOutcome] = field(default_factory=list)
    out_dir: str = ""
    browser_restarts: int = 0

    def findings(self) -> list[Any]:
        return [f for o in self.outcomes for f in o.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "manifest": {k: v for k, v in self.manifest.items() if k not in ("accounts", "login_steps")},
            "criteria_version": self.criteria_version,
            "out_dir": self.out_dir,
            "browser_restarts": self.browser_restarts,
            "probes": [o.to_dict() for o in self.outcomes],
        }


def evaluate_artifact(
    probe: Probe, artifact: dict[str, Any], criteria_version: str, product_type: str
) -> tuple[Measurement, list[Finding]]:
    """Pure: artifact -> measurement -> findings (no browser)."""
    measurement = probe.evaluate(artifact)
    return measurement, judge(measurement, load_set(criteria_version), product_type)


def _inapplicable_artifact(probe: Probe, manifest: Manifest) -> dict[str, Any] | None:
    """An artifact saying the probe has nothing to measure, or None when it applies."""
    missing = []
    for need in probe.needs:
        if need == "proxy" and not manifest.proxy:
            missing.append(need)
        elif need == "start_page" and not manifest.start_url:
            missing.append(need)
        elif need == "signup" and not manifest.page("signup"):
            missing.append(need)
        elif need == "login" and not manifest.page("login"):
            missing.append(need)
        elif need == "settings" and not manifest.page("settings"):
            missing.append(need)
        elif need == "accounts" and not (manifest.account("child") and manifest.login_steps):
            missing.append(need)
    if not missing:
        return None
    return {"applicable": False, "missing": missing, "complete": True}


class ProbeRun:
    """One run of some probes against one product."""

    def __init__(
        self,
        manifest: Manifest,
        *,
        settings: ProbeSettings,
        browser_host: BrowserHost,
        out_dir: Path,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.manifest = manifest
        self.settings = settings
        self.browser_host = browser_host
        self.out_dir = out_dir
        self._progress = progress
        self.corpus: list[CorpusPage] = []
        self.controls: list[CorpusPage] = []
        self.shared: dict[str, Any] = {}
        self._guards: dict[bool, EgressGuard] = {}
        self._corpus_server: CorpusServer | None = None

    def report_progress(self, probe_id: str, done: int, total: int) -> None:
        if self._progress:
            self._progress(probe_id, done, total)

    def refusals(self) -> list[Refusal]:
        return [r for g in self._guards.values() for r in g.refusals]

    async def prepare(self, probes: list[Probe]) -> None:
        hosts = set(self.manifest.hosts())
        if any(p.id in CORPUS_PROBES for p in probes):
            self.corpus = self._load_corpus()
            for page in self.corpus + self.controls:
                for url in (page.url, page.alternate_url):
                    if url and (host := urlsplit(url).hostname):
                        hosts.add(host)
        endpoints = self.settings.allowed_endpoints
        if self._corpus_server is not None:  # the checker's own corpus, on a loopback port of this process
            endpoints += (f"{self._corpus_server.host}:{self._corpus_server.port}",)
        policy = EgressPolicy(hosts, allowed_networks=self.settings.allowed_networks, allowed_endpoints=endpoints)
        self._guards[True] = await EgressGuard(policy, upstream=self.manifest.proxy).start()
        self._guards[False] = await EgressGuard(policy, upstream=None).start()

    def _load_corpus(self) -> list[CorpusPage]:
        spec = self.manifest.data.get("corpus", {})
        if (csv := self.manifest.corpus_csv()) is not None:  # corpus.csv is set
            pages = load_url_list(csv)
            self.controls = [p for p in pages if p.category == CONTROL]
            pages = [p for p in pages if p.category != CONTROL]
        else:
            self._corpus_server = CorpusServer()
            self._corpus_server.start()
            pages = self._corpus_server.pages
            self.controls = self._corpus_server.controls
        per_category = spec.get("sample_per_category") or self.settings.corpus_per_category
        return sample(pages, per_category, seed=2024) if per_category else pages

    async def new_browser_context(self, *, through_product: bool = True) -> BrowserContext:
        browser = await self.browser_host.browser()
        guard = self._guards[through_product]
        ctx = await browser.new_context(
            proxy={"server": f"http://{guard.address}"},
            ignore_https_errors=self.settings.ignore_tls_errors,
            locale="vi-VN",
            viewport={"width": 1280, "height": 900},
            service_workers="block",
        )
        ctx.set_default_timeout(self.settings.page_timeout_ms)
        ctx.set_default_navigation_timeout(self.settings.page_timeout_ms)
        if self.browser_host.launch_plan is None or self.browser_host.launch_plan.needs_route_guard:
            await guard_schemes(ctx)  # no browser policy: the context refuses non-http(s) itself
        return ctx

    async def run_probe(self, probe: Probe) -> dict[str, Any]:
        """Gather one probe's artifact; restarts the browser and resumes if it dies."""
        inapplicable = _inapplicable_artifact(probe, self.manifest)
        if inapplicable is not None:
            return inapplicable
        state: dict[str, Any] = {}
        attempts = 0
        while True:
            ctx = ProbeContext(self, probe, await self.new_browser_context(), state)
            try:
                artifact = await asyncio.wait_for(probe.gather(ctx), timeout=self.settings.run_timeout_s)
                artifact.setdefault("complete", True)
                artifact["refusals"] = ctx.refusals()
                # A page that echoes a password or the parent PIN must not put it into stored evidence.
                redacted: dict[str, Any] = redact(artifact, self.manifest.secrets())
                return redacted
            except TimeoutError:
                return {
                    **state,
                    "complete": False,
                    "error": text("Hết thời gian cho phép của probe.", "The probe ran out of time."),
                    "refusals": ctx.refusals(),
                }
            except Exception as exc:
                if not (_is_browser_lost(exc) or not self.browser_host.connected()):
                    raise
                attempts += 1
                if attempts > self.settings.max_browser_restarts:
                    return {
                        **state,
                        "complete": False,
                        "error": text(
                            "Trình duyệt gặp sự cố nhiều lần; kết quả chưa đầy đủ.",
                            "The browser crashed repeatedly; results are partial.",
                        ),
                        "refusals": ctx.refusals(),
                    }
                log.warning("%s: browser lost (%s); resuming", probe.id, exc)
            finally:
                with contextlib.suppress(Exception):
                    await ctx.close()

    async def close(self) -> None:
        for guard in self._guards.values():
            await guard.stop()
        if self._corpus_server is not None:
            self._corpus_server.stop()


def schedule(probes: list[Probe], *, parallel: bool = True) -> list[list[list[Probe]]]:
    """Stages of lanes: the stages run one after another, the lanes of a stage side by side, the probes of a lane
    in the registry's order. First the `product` lane (each may use what the ones before measured) beside the
    `site` lane; then each `alone` probe by itself (it times page loads or changes the product's settings)."""
    if not parallel:
        return [[[p]] for p in probes]
    lanes = [[p for p in probes if p.lane == name] for name in ("product", "site")]
    first = [lane for lane in lanes if lane]
    return ([first] if first else []) + [[[p]] for p in probes if p.lane == "alone"]


async def side_by_side(coroutines: list[Any]) -> None:
    """Run `coroutines` together; the first failure cancels the others and is raised as it is."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        finished, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_probes(
    manifest: Manifest,
    *,
    criteria_version: str,
    only: list[str] | None = None,
    settings: ProbeSettings | None = None,
    browser_host: BrowserHost | None = None,
    out_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    done: dict[str, dict[str, Any]] | None = None,
    on_artifact: Callable[[ProbeOutcome], None] | None = None,
) -> RunResult:
    """Run the probes (all, or `only`) against the product described by `manifest`.

    `done` holds artifacts of probes already gathered (a resumed job); they are evaluated
    again, not re-run. `on_artifact` is called with each newly gathered probe's outcome (artifact,
    measurement and findings) as soon as it is evaluated.
    """
    settings = settings or ProbeSettings.from_env()
    probes = list(all_probes().values())
    if only:
        unknown = sorted(set(only) - set(all_probes()))
        if unknown:
            raise KeyError(f"không có probe / unknown probe(s): {', '.join(unknown)}")
        probes = [p for p in probes if p.id in only]
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="vcsc-probe-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    own_host = browser_host is None
    browser_host = browser_host or BrowserHost(settings)
    done = dict(done or {})
    result = RunResult(manifest.data, criteria_version, out_dir=str(out_dir))
    run = ProbeRun(manifest, settings=settings, browser_host=browser_host, out_dir=out_dir, progress=progress)
    restarts_before = browser_host.restarts
    outcomes: dict[str, ProbeOutcome] = {}

    async def one(probe: Probe) -> None:
        with log_context(probe=probe.id):  # on the log lines of this probe (its lane's task only)
            await _one(probe)

    async def _one(probe: Probe) -> None:
        started = time.perf_counter()
        artifact = done.get(probe.id)
        gathered = artifact is None
        if artifact is None:
            artifact = await run.run_probe(probe)
            (out_dir / f"{probe.id}.json").write_text(
                json.dumps(artifact, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        # Each artifact is evaluated once, here; `on_artifact` stores that evaluation as it is.
        try:
            measurement, findings = evaluate_artifact(probe, artifact, criteria_version, manifest.product_type)
        except Exception:
            if gathered and on_artifact:  # keep the artifact: a fixed evaluate can replay it
                on_artifact(ProbeOutcome(probe.id, artifact, None, [], time.perf_counter() - started))
            raise
        outcome = outcomes[probe.id] = ProbeOutcome(
            probe.id, artifact, measurement, findings, time.perf_counter() - started
        )
        if gathered and on_artifact:
            on_artifact(outcome)

    async def in_order(lane: list[Probe]) -> None:
        for probe in lane:
            await one(probe)

    try:
        await run.prepare([p for p in probes if p.id not in done])
        for stage in schedule(probes, parallel=settings.parallel_lanes):
            await side_by_side([in_order(lane) for lane in stage])
        result.outcomes.extend(outcomes[p.id] for p in probes)  # the registry's order, whatever finished first
    finally:
        await run.close()
        result.browser_restarts = browser_host.restarts - restarts_before
        if own_host:
            await browser_host.close()
    return result
