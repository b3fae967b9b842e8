"""The egress rule: probes reach only the hosts they were pointed at, checked at connection
time, so redirects and DNS answers cannot lead them to private addresses."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from checker.probes import egress
from checker.probes.egress import EgressGuard, EgressPolicy, Refused

LOOPBACK = ("127.0.0.0/8",)


class _Site(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/to-metadata":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        elif self.path == "/to-elsewhere":
            self.send_response(302)
            self.send_header("Location", "http://evil.example/steal")
        else:
            body = b"<p>ok VCSC-OK-MARK</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def test_host_outside_the_policy_is_refused():
    policy = EgressPolicy({"site.localhost"}, allowed_networks=LOOPBACK)
    with pytest.raises(Refused):
        run(policy.check("evil.example"))
    assert run(policy.check("site.localhost")) == ["127.0.0.1"]
    assert policy.host_allowed("SITE.localhost.")


def test_private_addresses_refused_unless_allowed():
    with pytest.raises(Refused) as err:
        run(EgressPolicy({"site.localhost"}).check("site.localhost"))
    assert "127.0.0.1" in err.value.reason["en"]
    with pytest.raises(Refused):
        run(EgressPolicy({"169.254.169.254"}, allowed_networks=LOOPBACK).check("169.254.169.254"))


def test_dns_answer_pointing_inside_is_refused(monkeypatch):
    """An allowed name whose DNS answer is a private address (DNS rebinding) is refused."""
    monkeypatch.setattr(
        egress, "resolve_host", lambda host: ["10.1.2.3"] if host == "cdn.vendor.test" else ["127.0.0.1"]
    )
    policy = EgressPolicy({"cdn.vendor.test"}, allowed_networks=LOOPBACK)
    with pytest.raises(Refused) as err:
        run(policy.check("cdn.vendor.test"))
    assert "10.1.2.3" in err.value.reason["en"]


def test_raw_ip_only_when_an_allowed_name_resolves_to_it():
    policy = EgressPolicy({"site.localhost"}, allowed_networks=LOOPBACK)
    assert policy.host_allowed("127.0.0.1")
    assert not policy.host_allowed("127.0.0.2")


async def _fetch_through(guard_address: str, url: str) -> tuple[int, dict, bytes]:
    host, port = guard_address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_guard_forwards_allowed_and_refuses_the_rest(site):
    async def scenario():
        policy = EgressPolicy({"site.localhost"}, allowed_networks=LOOPBACK)
        async with EgressGuard(policy) as guard:
            ok = await _fetch_through(guard.address, f"http://site.localhost:{site}/page")
            refused = await _fetch_through(guard.address, "http://169.254.169.254/latest/meta-data/")
            elsewhere = await _fetch_through(guard.address, "http://evil.example/")
            return ok, refused, elsewhere, [r.host for r in guard.refusals]

    ok, refused, elsewhere, refusals = run(scenario())
    assert ok[0] == 200 and b"VCSC-OK-MARK" in ok[2]
    assert refused[0] == 403 and refused[1].get("X-VCSC-Egress") == "refused"
    assert elsewhere[0] == 403
    assert set(refusals) == {"169.254.169.254", "evil.example"}  # Chromium also asks for /favicon.ico


@pytest.mark.slow
def test_redirect_to_a_private_address_is_refused_in_chromium(site):
    """Chromium follows the redirect, but the connection is refused by the guard."""
    from checker.probes.runner import CHROMIUM_ARGS, ProbeSettings

    async def scenario():
        from playwright.async_api import async_playwright

        policy = EgressPolicy({"site.localhost"}, allowed_networks=LOOPBACK)
        async with EgressGuard(policy) as guard, async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=ProbeSettings().chromium, args=CHROMIUM_ARGS)
            context = await browser.new_context(proxy={"server": f"http://{guard.address}"})
            page = await context.new_page()
            results = {}
            for path in ("to-metadata", "to-elsewhere"):
                response = await page.goto(f"http://site.localhost:{site}/{path}")
                results[path] = (response.status, page.url, await page.evaluate("document.body.innerText"))
            await browser.close()
            return results, [r.host for r in guard.refusals]

    results, refusals = run(scenario())
    assert results["to-metadata"][0] == 403 and "169.254.169.254" in results["to-metadata"][1]
    assert "VCSC egress guard" in results["to-metadata"][2]
    assert results["to-elsewhere"][0] == 403
    assert set(refusals) == {"169.254.169.254", "evil.example"}  # Chromium also asks for /favicon.ico
