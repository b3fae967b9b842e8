"""A vendor's manifest and pages cannot make the probe browser read our machine: only http(s)
navigations happen (file:, chrome:, data:, view-source: … are refused by the browser itself,
the same way whether a file exists or not), and Chromium runs sandboxed as an unprivileged
user when the service runs as root."""

from __future__ import annotations

import asyncio
import os
import pwd
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from checker.probes.browser_launch import BROWSER_USER, guard_schemes, plan
from checker.probes.login import run_login
from checker.probes.manifest import Manifest, validate_manifest

pytestmark = pytest.mark.slow

SECRET = "VCSC-LOCAL-SECRET-4242"


class _Vendor(BaseHTTPRequestHandler):
    """A hostile vendor page that tries to reach local files by itself."""

    PAGES = {
        "/nav": "<script>location.href='file:///etc/passwd'</script><p>nav</p>",
        "/frame": "<iframe id=f src='file:///etc/passwd'></iframe><iframe src='chrome://version'></iframe><p>frame</p>",
        "/open": "<script>window.open('file:///etc/passwd')</script><p>open</p>",
        "/data": "<script>location.href='data:text/html,<p>DATA-NAV</p>'</script><p>data</p>",
        "/redirect": None,
        "/ws": "<script>window.ws = new WebSocket('ws://evil.example/socket');"
        "window.wss = new WebSocket('wss://evil.example/socket')</script><p>ws</p>",
        "/login": "<form><input id=user><input id=pass type=password><button>Đăng nhập</button></form>",
    }

    def do_GET(self):
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.PAGES.get(self.path, "<p>ok</p>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def vendor():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Vendor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def local_secret(tmp_path_factory):
    """A file that exists, with content a page must never see (readable by everyone)."""
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(SECRET)
    path.chmod(0o644)
    path.parent.chmod(0o755)
    return path


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    children.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except OSError:
                continue
    out, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            out.append(child)
            stack.append(child)
    return out


def _chromium_processes() -> list[dict]:
    found = []
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a for a in fh.read().split(b"\0") if a]
            if len(argv) == 1:  # Chromium's child processes rewrite their command line as one string
                argv = argv[0].split(b" ")
            with open(f"/proc/{pid}/status") as fh:
                status = dict(line.split(":", 1) for line in fh.read().splitlines() if ":" in line)
        except OSError:
            continue
        if argv and argv[0].endswith(b"/chromium"):
            found.append(
                {
                    "pid": pid,
                    "argv": [a.decode(errors="replace") for a in argv if a],
                    "uid": int(status["Uid"].split()[1]),
                    "seccomp": int(status.get("Seccomp", "0").strip()),
                    "userns": os.readlink(f"/proc/{pid}/ns/user"),
                }
            )
    return found


async def _content(page) -> str:
    """The page's HTML and visible text once it has settled (an error page replaces a refused
    navigation); the HTML carries random template markers, the text does not."""
    for _ in range(20):
        try:
            await page.wait_for_load_state("domcontentloaded", timeout=2000)
            return (
                await page.content()
                + "\n<<TEXT>>\n"
                + await page.evaluate("document.body ? document.body.innerText : ''")
            )
        except Exception:
            await asyncio.sleep(0.1)
    return await page.content()


def test_as_root_the_browser_gets_its_own_user_sandbox_and_policy():
    if os.geteuid() != 0:
        pytest.skip("the service does not run as root here: Chromium keeps its sandbox as this user")
    launch = plan("/usr/bin/chromium")
    assert launch.user == BROWSER_USER, f"{launch.warnings} (scripts/setup creates {BROWSER_USER})"
    assert launch.chromium_sandbox and launch.policy and not launch.needs_route_guard, launch.warnings


def test_the_browser_runs_as_the_unprivileged_user_with_its_sandbox(event_loop_runner, browser_host, vendor):
    async def scenario():
        browser = await browser_host.browser()
        ctx = await browser.new_context()
        page = await ctx.new_page()
        await page.goto(vendor + "/page")  # a renderer process exists now
        processes = _chromium_processes()
        await ctx.close()
        return processes

    processes = event_loop_runner.run_until_complete(scenario())
    assert processes, "no Chromium process found under the test process"
    if os.geteuid() != 0:
        assert all(p["uid"] == os.geteuid() for p in processes)
    else:
        uid = pwd.getpwnam(BROWSER_USER).pw_uid
        assert {p["uid"] for p in processes} == {uid}, processes
    assert not any("--no-sandbox" in p["argv"] for p in processes), [p["argv"][:3] for p in processes]
    renderers = [p for p in processes if "--type=renderer" in p["argv"]]
    assert renderers and all(p["seccomp"] == 2 for p in renderers), "renderers run under the seccomp-bpf sandbox"
    browser_ns = {p["userns"] for p in processes if not any(a.startswith("--type=") for a in p["argv"])}
    assert all(p["userns"] not in browser_ns for p in renderers), "renderers run in their own user namespace"


NOT_WEB = [
    "file:///etc/passwd",
    "file:///etc/",
    "view-source:file:///etc/passwd",
    "chrome://version",
    "chrome://gpu",
    "devtools://devtools/bundled/inspector.html",
    "data:text/html,<p>DATA-GOTO</p>",
    "filesystem:http://x/temporary/a",
    "ftp://127.0.0.1/",
]


def test_browser_initiated_navigations_to_other_schemes_are_refused(event_loop_runner, browser_host, local_secret):
    async def scenario():
        browser = await browser_host.browser()
        ctx = await browser.new_context()
        out = {}
        for url in NOT_WEB + [local_secret.as_uri(), local_secret.as_uri() + ".missing"]:
            page = await ctx.new_page()
            try:
                await page.goto(url, timeout=5000)
                out[url] = ("loaded", page.url, await _content(page))
            except Exception as exc:
                out[url] = ("refused", str(exc).splitlines()[0].replace(url, "<url>"), await _content(page))
            await page.close()
        await ctx.close()
        return out

    results = event_loop_runner.run_until_complete(scenario())
    for url, (what, detail, content) in results.items():
        assert what == "refused", (url, detail)
        assert "root:x:0:0" not in content and SECRET not in content and "<p>DATA-GOTO</p>" not in content, url
    # The same answer whether the file exists or not: no oracle.
    exists, missing = results[local_secret.as_uri()], results[local_secret.as_uri() + ".missing"]

    def same(text: str, name: str) -> str:  # the error page names the URL it refused, nothing else differs
        return text.split("\n<<TEXT>>\n", 1)[-1].replace(name, "<name>")

    assert exists[1] == missing[1]
    assert same(exists[2], local_secret.name) == same(missing[2], local_secret.name + ".missing")
    if os.geteuid() == 0:
        assert "ERR_BLOCKED_BY_ADMINISTRATOR" in exists[1]


def test_a_login_step_goto_file_is_no_oracle(event_loop_runner, browser_host, local_secret):
    """`goto file://…` then `wait_for text=…`: the same failed first step, exists or not."""

    def manifest(url: str) -> Manifest:
        return Manifest(
            {
                "product_type": "kid_browser",
                "filtering": {"mode": "none"},
                "start_url": "http://127.0.0.1/",
                "accounts": {"child": {"username": "be", "password": "pw"}},
                "login_steps": [{"action": "goto", "url": url}, {"action": "wait_for", "selector": f"text={SECRET}"}],
            }
        )

    async def scenario():
        browser = await browser_host.browser()
        records = []
        for url in (local_secret.as_uri(), local_secret.as_uri() + ".missing", "file:///etc/passwd", "file:///nope"):
            ctx = await browser.new_context()
            page = await ctx.new_page()
            records.append(await run_login(page, manifest(url), "child", 3000))
            await ctx.close()
        return records

    records = event_loop_runner.run_until_complete(scenario())
    for record in records:
        assert record["ok"] is False and len(record["steps"]) == 1 and record["steps"][0]["ok"] is False, record
    assert len({(r["error"], r["final_url"]) for r in records}) == 1, records


def test_page_initiated_navigations_to_local_files_fail(event_loop_runner, browser_host, vendor):
    async def scenario():
        browser = await browser_host.browser()
        ctx = await browser.new_context()
        popups = []
        ctx.on("page", lambda p: popups.append(p))
        out = {}
        for path in ("/nav", "/frame", "/open", "/data"):
            page = await ctx.new_page()
            await page.goto(vendor + path)
            await page.wait_for_timeout(700)
            texts = []
            for frame in page.frames:
                try:  # a frame whose load was refused never commits, and has no content to give
                    texts.append(await asyncio.wait_for(frame.content(), 3))
                except Exception:
                    assert not frame.url.startswith("file:"), frame.url
            out[path] = (page.url, [f.url for f in page.frames], "\n".join(texts))
        try:
            page = await ctx.new_page()
            await page.goto(vendor + "/redirect")
            out["/redirect"] = ("loaded", page.url, await _content(page))
        except Exception as exc:
            out["/redirect"] = ("refused", str(exc).splitlines()[0], "")
        popup_contents = []
        for popup in popups:
            try:
                popup_contents.append((popup.url, await asyncio.wait_for(_content(popup), 10)))
            except Exception:
                pass
        await ctx.close()
        return out, popup_contents

    results, popups = event_loop_runner.run_until_complete(scenario())
    for path in ("/nav", "/frame", "/open", "/data"):
        url, frame_urls, content = results[path]
        assert url == vendor + path, (path, url)
        assert "root:x:0:0" not in content and "<body><p>DATA-NAV</p>" not in content, path
        assert not any(u.startswith(("file:", "data:", "chrome:")) for u in frame_urls), (path, frame_urls)
    assert results["/redirect"][0] == "refused" and "root:x:0:0" not in results["/redirect"][2]
    for url, content in popups:
        assert "root:x:0:0" not in content, url


def test_the_context_route_layer_alone_refuses_file_urls(event_loop_runner, local_secret):
    """The fallback without the browser policy (a non-root service): the context's own route."""
    from playwright.async_api import async_playwright

    async def scenario():
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", chromium_sandbox=os.geteuid() != 0)
            ctx = await browser.new_context()
            await guard_schemes(ctx)
            page = await ctx.new_page()
            out = []
            for url in (local_secret.as_uri(), local_secret.as_uri() + ".missing"):
                try:
                    await page.goto(url, timeout=5000)
                    out.append(("loaded", await _content(page)))
                except Exception as exc:
                    out.append(("refused", str(exc).splitlines()[0].replace(url, "<url>")))
            await browser.close()
            return out

    (exists, missing) = event_loop_runner.run_until_complete(scenario())
    assert exists[0] == "refused" and exists == missing and SECRET not in str(exists)


@pytest.mark.parametrize(
    "change,pointer",
    [
        ({"login_steps": [{"action": "goto", "url": "file:///etc/passwd"}]}, "/login_steps/0/url"),
        (
            {
                "login_steps": [
                    {"action": "goto", "url": "https://kids.example.vn/"},
                    {"action": "goto", "url": "view-source:x"},
                ]
            },
            "/login_steps/1/url",
        ),
        ({"pages": {"settings": "file:///var/keys/"}}, "/pages/settings"),
        ({"pages": {"login": "javascript:alert(1)"}}, "/pages/login"),
        ({"start_url": "chrome://version"}, "/start_url"),
        ({"start_url": "data:text/html,x"}, "/start_url"),
        ({"start_url": "http://kids.example.vn/ok"}, None),
    ],
)
def test_the_manifest_validator_refuses_non_http_urls_with_a_pointer(change, pointer):
    data = {
        "product_type": "kid_browser",
        "start_url": "https://kids.example.vn/",
        "filtering": {"mode": "none"},
        **change,
    }
    pointers = {i.pointer for i in validate_manifest(data)}
    if pointer is None:
        assert pointers == set()
    else:
        assert pointer in pointers, pointers


def test_websockets_to_hosts_outside_the_manifest_are_refused_by_the_guard(event_loop_runner, browser_host, vendor):
    from checker.probes.egress import EgressGuard, EgressPolicy

    port = vendor.rsplit(":", 1)[1]

    async def scenario():
        policy = EgressPolicy({"vendor.localhost"}, allowed_networks=("127.0.0.0/8",))
        async with EgressGuard(policy) as guard:
            browser = await browser_host.browser()
            ctx = await browser.new_context(proxy={"server": f"http://{guard.address}"})
            page = await ctx.new_page()
            await page.goto(f"http://vendor.localhost:{port}/ws")
            await page.wait_for_timeout(1500)
            states = await page.evaluate("[window.ws.readyState, window.wss.readyState]")
            await ctx.close()
            return states, [r.host for r in guard.refusals]

    states, refused = event_loop_runner.run_until_complete(scenario())
    assert states == [3, 3]  # CLOSED: never opened
    assert refused.count("evil.example") >= 2


def test_fallbacks_are_logged_and_never_claim_a_sandbox(monkeypatch, caplog):
    """No browser user: root without the sandbox, said so; no mount namespace: no policy, so
    the contexts guard the schemes themselves."""
    from checker.probes import browser_launch

    if os.geteuid() != 0:
        launch = browser_launch.plan.__wrapped__("/usr/bin/chromium")
        assert launch.chromium_sandbox and not launch.policy and launch.needs_route_guard and launch.warnings
        return
    monkeypatch.setattr(browser_launch, "_browser_user", lambda name: None)
    with caplog.at_level("WARNING", logger="checker.probes.browser_launch"):
        launch = browser_launch.plan.__wrapped__("/usr/bin/chromium")
    assert not launch.chromium_sandbox and launch.user is None and launch.policy
    assert "VCSC_BROWSER_UID" not in launch.env
    assert any("WITHOUT its sandbox" in r.getMessage() for r in caplog.records)

    real_works = browser_launch._works
    monkeypatch.setattr(
        browser_launch, "_works", lambda argv: (False, "denied") if argv[0] == "unshare" else real_works(argv)
    )
    launch = browser_launch.plan.__wrapped__("/usr/bin/chromium")
    assert not launch.policy and launch.needs_route_guard
    assert any("mount namespace" in w for w in launch.warnings)
