"""Loading a page through the product and saying whether it was allowed, blocked or never
reached, and how: shared by the probes that load the corpus.

Three questions, in this order, for every page:
1. Did the product answer with its own network-error page (its DNS or connection failed)?
   Then the page is *unreachable* through the product: not blocked, not allowed.
2. Did the page's own marker reach the rendered page? Then it is *allowed*.
3. Otherwise the answer is compared with a DIRECT fetch of the same URL (skipping the
   product's proxy, still through our egress guard): when the direct fetch fails too, the
   page is not judged; a similar page is allowed; a different page, block signals or an
   error status are blocked.
"""

from __future__ import annotations

import asyncio
import html as html_lib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from checker.probes.egress import REFUSED_HEADER
from checker.probes.signals import BLOCK_EXPLAINS, fold

if TYPE_CHECKING:
    from playwright.async_api import APIRequestContext, Page

    from checker.corpus import CorpusPage
    from checker.probes.runner import ProbeContext

BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"
TITLE_AND_TEXT_JS = "() => [document.title, document.body ? document.body.innerText : '']"
ALLOWED, BLOCKED, UNDETERMINED, UNREACHABLE = "allowed", "blocked", "undetermined", "unreachable"

# Chromium's own errors that mean "nothing answered", as opposed to a product that cut the
# connection on purpose (ERR_CONNECTION_RESET, ERR_EMPTY_RESPONSE: a way of blocking).
UNREACHABLE_NET_ERRORS = frozenset(
    {
        "ERR_NAME_NOT_RESOLVED",
        "ERR_NAME_RESOLUTION_FAILED",
        "ERR_PROXY_CONNECTION_FAILED",
        "ERR_TUNNEL_CONNECTION_FAILED",
        "ERR_ADDRESS_UNREACHABLE",
        "ERR_INTERNET_DISCONNECTED",
        "ERR_NETWORK_CHANGED",
        "ERR_PROXY_CERTIFICATE_INVALID",
        "ERR_PROXY_AUTH_UNSUPPORTED",
        "ERR_MANDATORY_PROXY_CONFIGURATION_FAILED",
    }
)
# Gateway statuses: a proxy answering for a server it could not reach.
GATEWAY_STATUSES = frozenset({502, 503, 504})
# Squid names its error pages in a header; these mean the origin was not reached.
SQUID_NETWORK_ERRORS = (
    "ERR_DNS_FAIL",
    "ERR_CONNECT_FAIL",
    "ERR_READ_TIMEOUT",
    "ERR_CANNOT_FORWARD",
    "ERR_ZERO_SIZE_OBJECT",
    "ERR_READ_ERROR",
    "ERR_WRITE_ERROR",
    "ERR_GATEWAY_FAILURE",
    "ERR_SOCKET_FAILURE",
    "ERR_LIFETIME_EXP",
    "ERR_FORWARDING_DENIED",
    "ERR_TOO_BIG",
    "ERR_INVALID_RESP",
)
# The wording of proxies' own "could not reach the site" pages (matched on folded text:
# no diacritics, lower case), in Vietnamese and English.
NETWORK_ERROR_TEXT = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            r"could not be resolved",
            r"unable to (?:resolve|determine ip address|connect|forward)",
            r"cannot resolve",
            r"(?:dns|name) (?:lookup|resolution) (?:failed|error)",
            r"no such (?:domain|host)",
            r"\bdns (?:error|failure)\b",
            r"(?:server|site|host|domain) (?:was )?not found",
            r"connect(?:ion)? (?:failed|refused|timed out|timeout)",
            r"(?:cannot|could not|can't|unable to) (?:connect|be established|reach)",
            r"connection to .{1,80} could not be established",
            r"gateway time-?out",
            r"\bbad gateway\b",
            r"forwarding failure",
            r"no server or forwarder data",
            r"err_name_not_resolved",
            r"err_connection_refused",
            r"err_dns_fail",
            r"err_connect_fail",
            r"khong (?:the )?(?:ket noi|truy cap) (?:duoc )?(?:toi |den |voi )?(?:may chu|trang|ten mien)",
            r"khong tim thay (?:may chu|trang web|ten mien|dia chi)",
            r"khong phan giai duoc",
            r"loi (?:ket noi|dns|ten mien)",
            r"het thoi gian (?:cho|ket noi)",
        )
    )
)
SIMILAR_WORDS = 0.6  # word-set overlap (Jaccard) of a page that arrived as itself
SAME_WITHOUT_TITLE = 0.85  # overlap enough when the title differs (a proxy that rewrites titles)
SIZE_RANGE = (0.5, 2.0)  # visible text through the product / directly


def _browser_lost(exc: Exception) -> bool:
    return any(
        s in str(exc) for s in ("has been closed", "Target closed", "browser has disconnected", "Connection closed")
    )


def html_title_and_text(markup: str) -> tuple[str, str]:
    """(title, visible text) of an HTML document, without a browser: scripts, styles and tags dropped."""
    title = re.search(r"(?is)<title[^>]*>(.*?)</title>", markup or "")
    body = re.sub(r"(?is)<(script|style|head|template|noscript)\b.*?</\1\s*>", " ", markup or "")
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    body = re.sub(r"(?s)<[^>]+>", " ", body)

    def clean(s: str) -> str:
        return re.sub(r"\s+", " ", html_lib.unescape(s)).strip()

    return (clean(title.group(1)) if title else ""), clean(body)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def network_error_kind(status: int | None, headers: dict[str, Any], title: str, text: str) -> str | None:
    """Why an answer is the product's own "could not reach the site" page, or None.

    Gateway statuses (502/503/504) and Squid's X-Squid-Error names count whatever the body;
    other statuses (a "site not found" page with HTTP 200) count by their wording.
    """
    squid = (headers.get("x-squid-error") or "").split(" ")[0].upper()
    if squid in SQUID_NETWORK_ERRORS:
        return f"squid_{squid.lower()}"
    if status in GATEWAY_STATUSES:
        return f"gateway_{status}"
    folded = fold(f"{title}\n{text[:3000]}")
    match = NETWORK_ERROR_TEXT.search(folded)
    return f"error_text:{match.group(0)[:60]}" if match else None


def compare_with_direct(
    through: dict[str, Any], direct: dict[str, Any], block_markers: Sequence[str] = ()
) -> tuple[str, str, dict[str, Any]]:
    """(verdict, how, detail) of a page fetched through the product against the same URL fetched
    directly. Both are {"status", "title", "text"} (visible text). Pure.

    The direct fetch failing or erroring means the page itself is not there: not judged
    (UNREACHABLE, "direct_fetch_failed"). An error status only through the product, block
    signals only through the product, or a different page (title, words, size) are blocked.
    """
    d_status, t_status = direct.get("status"), through.get("status")
    if direct.get("error") or d_status is None or d_status >= 400:
        return UNREACHABLE, "direct_fetch_failed", {"direct_status": d_status, "direct_error": direct.get("error")}
    t_words, d_words = _words(through.get("text", "")), _words(direct.get("text", ""))
    union = t_words | d_words
    overlap = round(len(t_words & d_words) / len(union), 3) if union else 1.0
    size_ratio = round((len(through.get("text", "")) + 1) / (len(direct.get("text", "")) + 1), 3)
    title_same = fold(through.get("title", "")) == fold(direct.get("title", ""))
    detail = {"direct_status": d_status, "similarity": overlap, "size_ratio": size_ratio, "title_same": title_same}
    t_folded, d_folded = fold(through.get("text", "")), fold(direct.get("text", ""))
    marked = any(fold(m) in t_folded for m in block_markers if m)
    if t_status is not None and t_status >= 400:
        return BLOCKED, "error_status", detail
    similar = (
        overlap >= SIMILAR_WORDS
        and SIZE_RANGE[0] <= size_ratio <= SIZE_RANGE[1]
        and (title_same or overlap >= SAME_WITHOUT_TITLE)
    )
    if similar and not marked:
        return ALLOWED, "similar_to_direct", detail
    block_signal = marked or bool(
        BLOCK_EXPLAINS.search(f"{fold(through.get('title', ''))} {t_folded}")
        and not BLOCK_EXPLAINS.search(f"{fold(direct.get('title', ''))} {d_folded}")
    )
    return BLOCKED, ("block_page" if block_signal else "differs_from_direct"), detail


class DirectFetcher:
    """Fetches URLs directly (our egress guard only, not the product) once each, for comparison.

    `request` is a Playwright APIRequestContext of a context made with
    `new_context(through_product=False)`; no page is rendered, so a direct fetch costs little.
    """

    def __init__(self, request: APIRequestContext, timeout_ms: int):
        self.request = request
        self.timeout_ms = timeout_ms
        self._results: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.fetches = 0

    @classmethod
    async def for_probe(cls, ctx: ProbeContext) -> DirectFetcher:
        direct = await ctx.new_context(through_product=False)
        return cls(direct.request, ctx.page_timeout_ms)

    def prefetch(self, url: str) -> None:
        """Start fetching `url` now (while the product's answer is loading); `get` collects it."""
        if url not in self._results:
            self._results[url] = asyncio.ensure_future(self._fetch(url))

    async def get(self, url: str) -> dict[str, Any]:
        self.prefetch(url)
        return await asyncio.shield(self._results[url])

    async def _fetch(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        started = time.perf_counter()
        try:
            response = await self.request.get(url, timeout=self.timeout_ms, fail_on_status_code=False, max_redirects=10)
            headers = {k.lower(): v for k, v in response.headers.items()}
            raw = await response.text()
        except Exception as exc:
            message = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            return {"status": None, "error": message, "ms": round((time.perf_counter() - started) * 1000, 1)}
        title, text = html_title_and_text(raw)
        result = {
            "status": response.status,
            "title": title[:200],
            "text": text[:20000],
            "raw": raw[:200000],
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if headers.get(REFUSED_HEADER.lower()):
            result["refused"] = True
        return result


async def load_and_classify(
    page: Page,
    url: str,
    marker: str | None,
    block_markers: list[str],
    timeout_ms: int,
    direct: DirectFetcher | None = None,
) -> dict[str, Any]:
    """Load `url` in `page` through the product and classify the result (see the module's doc).

    Without `direct`, a page without a marker that loads with a 2xx/3xx status and no block
    signal counts as allowed (the old rule, kept for callers that cannot fetch directly).
    """
    record: dict[str, Any] = {"verdict": None, "how": None, "status": None}
    if direct is not None and marker is None:
        direct.prefetch(url)  # a page without a marker is always compared: fetch both at once
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    except Exception as exc:
        if _browser_lost(exc):
            raise
        message = str(exc)
        code = re.search(r"net::(ERR_[A-Z_]+)", message)
        timed_out = "Timeout" in message and not code
        record.update(error=code.group(1) if code else message.splitlines()[0][:200])
        if code and code.group(1) in UNREACHABLE_NET_ERRORS:
            record.update(verdict=UNREACHABLE, how="network_error")
            return record
        record.update(verdict=BLOCKED, how="timeout" if timed_out else "connection_error")
        if direct is not None:
            reference = await direct.get(url)
            if reference.get("refused"):
                record.update(verdict=UNDETERMINED, how="refused_by_egress_guard")
            elif reference.get("error") or reference.get("status") is None or reference["status"] >= 400:
                record.update(
                    verdict=UNREACHABLE,
                    how="direct_fetch_failed",
                    direct_status=reference.get("status"),
                    direct_error=reference.get("error"),
                )
        return record
    status = response.status if response else None
    record["status"] = status
    raw = ""
    try:
        # The response's headers as received (no extra round trip to the browser); our guard's
        # refusal header is an ordinary response header.
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        title, body = await page.evaluate(TITLE_AND_TEXT_JS)
    except Exception as exc:
        if _browser_lost(exc):
            raise
        body, headers, title = "", {}, ""
    record["title"] = title[:200]
    record["final_url"] = page.url
    if headers.get(REFUSED_HEADER.lower()):
        record.update(verdict=UNDETERMINED, how="refused_by_egress_guard")
        return record
    if marker is not None and marker in body:
        record.update(verdict=ALLOWED, how="marker_rendered")
        return record
    excerpt = re.sub(r"\s+", " ", body).strip()[:400]
    kind = network_error_kind(status, headers, title, body)
    if kind is not None and not any(fold(m) in fold(body) for m in block_markers if m):
        record.update(verdict=UNREACHABLE, how="product_network_error", network_error=kind, excerpt=excerpt)
        return record
    folded = fold(body)
    looks_blocked = any(fold(m) in folded for m in block_markers if m)
    if direct is not None:
        reference = await direct.get(url)
        if reference.get("refused"):
            record.update(verdict=UNDETERMINED, how="refused_by_egress_guard")
            return record
        if (
            marker is not None
            and not reference.get("error")
            and reference.get("status") is not None
            and reference["status"] < 400
            and marker in reference.get("raw", "")
        ):
            # The page is there directly, with its marker; through the product it is not.
            verdict, how, detail = BLOCKED, None, {"direct_status": reference["status"]}
        else:
            try:
                raw = await response.text() if response else ""
            except Exception as exc:
                if _browser_lost(exc):
                    raise
                raw = ""
            raw_title, raw_text = html_title_and_text(raw) if raw else (title, body)
            verdict, how, detail = compare_with_direct(
                {"status": status, "title": raw_title or title, "text": raw_text or body}, reference, block_markers
            )
        record.update(detail)
        if verdict != BLOCKED:
            record.update(verdict=verdict, how=how)
            if verdict == UNREACHABLE:
                record["excerpt"] = excerpt
            return record
        if how is not None and how != "error_status":
            record.update(verdict=BLOCKED, how=how, excerpt=excerpt)
            if how == "differs_from_direct" and (looks_blocked or BLOCK_EXPLAINS.search(folded)):
                record["how"] = "block_page"
            return record
    elif marker is None and status is not None and status < 400 and not looks_blocked:
        record.update(verdict=ALLOWED, how="page_loaded")
        return record
    if status is not None and status >= 400:
        record.update(verdict=BLOCKED, how="error_status")
    elif looks_blocked or BLOCK_EXPLAINS.search(folded):
        record.update(verdict=BLOCKED, how="block_page")
    else:
        record.update(verdict=BLOCKED, how="replaced_body")
    record["excerpt"] = excerpt
    return record


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per category and per blocking method; pages the product could not reach and pages
    our guard refused are counted apart, never as blocked or allowed."""
    categories: dict[str, dict[str, Any]] = {}
    methods: dict[str, int] = {}
    undetermined, unreachable = [], []
    for r in records:
        stats = categories.setdefault(
            r["category"], {"total": 0, "judged": 0, "blocked": 0, "allowed": 0, "unreachable": 0, "block_rate": None}
        )
        stats["total"] += 1
        if r["verdict"] == UNDETERMINED:
            undetermined.append(r["url"])
            continue
        if r["verdict"] == UNREACHABLE:
            stats["unreachable"] += 1
            unreachable.append(
                {
                    "url": r["url"],
                    "how": r.get("how"),
                    "status": r.get("status"),
                    "why": r.get("network_error") or r.get("error") or r.get("direct_error"),
                }
            )
            continue
        stats["judged"] += 1
        stats["blocked" if r["verdict"] == BLOCKED else "allowed"] += 1
        if r["verdict"] == BLOCKED:
            methods[r["how"]] = methods.get(r["how"], 0) + 1
    for stats in categories.values():
        if stats["judged"]:
            stats["block_rate"] = round(stats["blocked"] / stats["judged"], 4)
    return {"categories": categories, "methods": methods, "undetermined": undetermined, "unreachable": unreachable}


# ------------------------------------------------------------------ reachability controls

HOW_WORDS = {
    "product_network_error": (
        "sản phẩm trả trang lỗi mạng của chính nó",
        "the product answered its own network-error page",
    ),
    "network_error": ("trình duyệt báo lỗi mạng", "the browser reported a network error"),
    "direct_fetch_failed": ("chính trang cũng không tải được khi truy cập trực tiếp", "the page failed directly too"),
    "error_status": ("sản phẩm trả mã lỗi", "the product returned an error status"),
    "block_page": ("sản phẩm hiện trang chặn", "the product showed a block page"),
    "differs_from_direct": ("sản phẩm trả một trang khác", "the product returned a different page"),
    "replaced_body": ("nội dung bị thay thế", "the content was replaced"),
    "connection_error": ("kết nối bị ngắt", "the connection was cut"),
    "timeout": ("không có trả lời", "no answer in time"),
    "refused_by_egress_guard": ("bộ chặn lưu lượng của công cụ kiểm tra từ chối", "our egress guard refused it"),
}


def how_words(how: str | None) -> tuple[str, str]:
    return HOW_WORDS.get(how or "", (how or "không rõ", how or "unknown"))


async def check_controls(ctx: ProbeContext) -> dict[str, Any]:
    """Load the reachability controls through the product (once per run, shared by the probes).

    {"checked", "reached", "ok", "pages"}: ok is True when every control loaded through the
    product, False when one did not, None when the corpus has no controls.
    """
    shared = getattr(ctx, "shared", None)
    if shared is not None and "controls" in shared:
        found: dict[str, Any] = shared["controls"]
        return found
    controls = list(getattr(ctx, "controls", []) or [])
    if not controls:
        result: dict[str, Any] = {"checked": 0, "reached": 0, "ok": None, "pages": []}
    else:
        direct = await DirectFetcher.for_probe(ctx)
        page = await ctx.page()
        records = []
        for control in controls:
            record = await load_and_classify(
                page, control.url, control.marker, ctx.manifest.block_page_markers, ctx.page_timeout_ms, direct
            )
            record.update(url=control.url, page_id=control.page_id)
            records.append(record)
        reached = sum(r["verdict"] == ALLOWED for r in records)
        result = {"checked": len(records), "reached": reached, "ok": reached == len(records), "pages": records}
    if shared is not None:
        shared["controls"] = result
    return result


def controls_failed_reason(controls: dict[str, Any] | None) -> dict[str, Any] | None:
    """The bilingual reason every filter verdict is withheld, or None when the controls passed (or there were none)."""
    if not controls or controls.get("ok") is not False:
        return None
    failed = [r for r in controls.get("pages", []) if r.get("verdict") != ALLOWED]
    first = failed[0] if failed else {}
    vi_how, en_how = how_words(first.get("how"))
    status = f" (HTTP {first['status']})" if first.get("status") else ""
    return {
        "vi": f"Sản phẩm không mở được {len(failed)}/{controls['checked']} trang đối chứng vô hại (ví dụ {first.get('url')}: "
        f"{vi_how}{status}). Khi sản phẩm không tới được máy phục vụ bộ trang thử thì không phân biệt được "
        "“bị chặn” với “không tới được”, nên chưa kết luận về bộ lọc. Hãy cho proxy của sản phẩm truy cập được "
        "máy chạy `vcsc corpus serve` (tên hoặc địa chỉ mà proxy phân giải được) rồi chạy lại.",
        "en": f"The product could not open {len(failed)}/{controls['checked']} harmless control pages (e.g. {first.get('url')}: "
        f"{en_how}{status}). While the product cannot reach the test corpus server, “blocked” cannot be told "
        "from “unreachable”, so no filter verdict is given. Let the product's proxy reach the machine running "
        "`vcsc corpus serve` (by a name or address the proxy resolves) and run again.",
    }


def controls_evidence(controls: dict[str, Any] | None) -> dict[str, Any] | None:
    if not controls:
        return None
    return {
        "checked": controls.get("checked"),
        "reached": controls.get("reached"),
        "ok": controls.get("ok"),
        "pages": [
            {k: r.get(k) for k in ("url", "verdict", "how", "status", "network_error", "excerpt") if r.get(k)}
            for r in controls.get("pages", [])
        ],
    }


# ------------------------------------------------------------------ loading the corpus


def direct_for(marker: str | None, controls: dict[str, Any] | None, direct: DirectFetcher) -> DirectFetcher | None:
    """The direct fetcher a page needs: always without a marker (the only way to judge it); with a
    marker only when no reachability control proved the product reaches the corpus server (then
    a missing marker could be the page's own failure)."""
    if marker is None or not controls or controls.get("ok") is not True:
        return direct
    return None


def remember(ctx: ProbeContext, records: Iterable[dict[str, Any]]) -> None:
    """Keep what was measured for the other probes of the run (pages measured blocked or allowed)."""
    shared = getattr(ctx, "shared", None)
    if shared is None:
        return
    measured = shared.setdefault("measured", {})
    for r in records:
        if r.get("verdict") in (ALLOWED, BLOCKED):
            measured[r["url"]] = r["verdict"]


def measured_verdict(ctx: ProbeContext, url: str) -> str | None:
    shared = getattr(ctx, "shared", None)
    verdict: str | None = (shared or {}).get("measured", {}).get(url)
    return verdict


async def load_corpus_pages(
    ctx: ProbeContext,
    pages: list[CorpusPage],
    *,
    screenshot_when: Callable[[CorpusPage, dict[str, Any]], bool],
    max_screenshots: int,
) -> dict[str, Any]:
    """Check the reachability controls, then load `pages` through the product on the context's
    reused pages and classify each against a direct fetch.

    Resumable: records live in `ctx.state`, so after a browser restart only the pages not
    yet measured are loaded again. `screenshot_when(corpus_page, record)` says which
    results deserve a screenshot as evidence (the misjudged ones). When a control does not
    load through the product, no page is loaded: every verdict would be a guess.
    """
    controls = ctx.state.get("controls")
    if controls is None:
        controls = ctx.state["controls"] = await check_controls(ctx)
    if controls.get("ok") is False:
        return {"applicable": True, "total": len(pages), "pages": [], "controls": controls, "complete": True}
    results: dict[str, Any] = ctx.state.setdefault("results", {})  # page_id -> record
    shots: list[Any] = ctx.state.setdefault("screenshots", [])
    total = len(pages)
    queue: asyncio.Queue[CorpusPage] = asyncio.Queue()
    for p in pages:
        if p.page_id not in results:
            queue.put_nowait(p)
    direct = await DirectFetcher.for_probe(ctx)

    async def classify(page: Page, corpus_page: CorpusPage) -> dict[str, Any]:
        """The record of one corpus page loaded through the product and judged against a direct fetch."""
        record = await load_and_classify(
            page,
            corpus_page.url,
            corpus_page.marker,
            ctx.manifest.block_page_markers,
            ctx.page_timeout_ms,
            direct_for(corpus_page.marker, controls, direct),
        )
        record.update(
            page_id=corpus_page.page_id,
            category=corpus_page.category,
            language=corpus_page.language,
            url=corpus_page.url,
            harmful=corpus_page.harmful,
            rta=corpus_page.rta,
        )
        return record

    async def worker(page: Page) -> None:
        while not queue.empty():
            corpus_page = queue.get_nowait()
            started = time.perf_counter()
            record = await classify(page, corpus_page)
            record["ms"] = round((time.perf_counter() - started) * 1000, 1)
            if (
                record["verdict"] in (ALLOWED, BLOCKED)
                and screenshot_when(corpus_page, record)
                and len(shots) < max_screenshots
            ):
                shot = await ctx.screenshot(page, corpus_page.page_id)
                if shot:
                    record["screenshot"] = shot
                    shots.append(shot)
            results[corpus_page.page_id] = record
            ctx.progress(len(results), total)

    ctx.progress(len(results), total)
    if pages:
        async with asyncio.TaskGroup() as group:  # one page failing stops the others (a lost browser)
            for page in await ctx.pages(ctx.settings.pool_pages):
                group.create_task(worker(page))
        # A network error may be passing (a dropped keep-alive connection): those pages get one more load.
        retry = [
            p
            for p in pages
            if results.get(p.page_id, {}).get("verdict") == UNREACHABLE
            and results[p.page_id].get("how") in ("product_network_error", "network_error")
            and not results[p.page_id].get("retried")
        ]
        if retry:
            page = (await ctx.pages(1))[0]
            for corpus_page in retry:
                record = await classify(page, corpus_page)
                record.update(retried=True, first_try=results[corpus_page.page_id].get("how"))
                results[corpus_page.page_id] = record
    records = [results[p.page_id] for p in pages if p.page_id in results]
    remember(ctx, records)
    return {
        "applicable": True,
        "total": total,
        "pages": records,
        "controls": controls,
        "direct_fetches": direct.fetches,
        "complete": len(results) == total,
    }
