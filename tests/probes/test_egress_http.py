"""The egress guard's HTTP parsing: malformed and ambiguous requests are answered 400, never
forwarded, never crash or hang the guard; a request hidden in another's body never leaves."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.probes import egress
from checker.probes.egress import EgressGuard, EgressPolicy

LOOPBACK = ("127.0.0.0/8",)
SEEN: list[str] = []


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, body: bytes):
        SEEN.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._answer(f"ok {self.path} host={self.headers.get('Host')}".encode())

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(length)
        self._answer(b"got " + data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def guard():
    """One guard on its own loop thread for the module (the fuzz test sends many requests)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    policy = EgressPolicy({"site.localhost"}, allowed_networks=LOOPBACK)
    g = asyncio.run_coroutine_threadsafe(EgressGuard(policy).start(), loop).result(10)
    yield g
    asyncio.run_coroutine_threadsafe(g.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)


async def _exchange(address: str, data: bytes, timeout: float = 10.0) -> bytes:
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(data)
    await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()
    try:
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


def send(guard, data: bytes, timeout: float = 10.0) -> bytes:
    return asyncio.new_event_loop().run_until_complete(_exchange(guard.address, data, timeout))


def statuses(data: bytes) -> list[int]:
    """The status codes of the responses in `data`, read one after another by Content-Length."""
    codes = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        assert sep and lines[0].startswith(b"HTTP/1.1 "), data[:200]
        codes.append(int(lines[0].split(b" ")[1]))
        length = [int(line.split(b":", 1)[1]) for line in lines[1:] if line.lower().startswith(b"content-length:")]
        assert len(length) == 1, head
        data = rest[length[0] :]
    return codes


def test_a_plain_request_and_keep_alive_pipelining_work(guard, site):
    one = f"GET http://site.localhost:{site}/a HTTP/1.1\r\nHost: site.localhost:{site}\r\n\r\n".encode()
    two = f"GET http://site.localhost:{site}/b HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n".encode()
    data = send(guard, one + two)
    assert statuses(data) == [200, 200]
    assert b"ok /a" in data and b"ok /b" in data
    assert f"host=site.localhost:{site}".encode() in data  # Host follows the target, not the client's claim


def test_bodies_are_forwarded_by_length_and_chunked(guard, site):
    base = f"POST http://site.localhost:{site}/p HTTP/1.1\r\nHost: site.localhost\r\n"
    data = send(
        guard,
        (base + "Content-Length: 5\r\n\r\nhello").encode()
        + (
            base + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n"
        ).encode(),
    )
    assert statuses(data) == [200, 200]
    assert b"got hello" in data and b"got abcde" in data


SMUGGLED = "/SMUGGLED"

MALFORMED = {
    "content-length and transfer-encoding": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nContent-Length: 44\r\n"
    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET http://site.localhost:{port}"
    + SMUGGLED
    + " HTTP/1.1\r\nHost: h\r\n\r\n",
    "transfer-encoding and content-length": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
    "Content-Length: 4\r\n\r\n5c\r\nGET http://site.localhost:{port}" + SMUGGLED + " HTTP/1.1\r\n\r\n0\r\n\r\n",
    "folded header": "GET http://site.localhost:{port}/f HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded\r\n\r\n",
    "folded with a tab": "GET http://site.localhost:{port}/f HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\tTransfer-Encoding: chunked\r\n\r\n",
    "bare LF": "GET http://site.localhost:{port}/f HTTP/1.1\nHost: h\n\n\r\n\r\n",
    "bare CR": "GET http://site.localhost:{port}/f HTTP/1.1\rHost: h\r\n\r\n",
    "gzip transfer-encoding": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "two transfer-encodings": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "conflicting lengths": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "signed length": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc",
    "bad chunk size": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
    "chunk size with LF": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
    "space in header name": "GET http://site.localhost:{port}/f HTTP/1.1\r\nHost: h\r\nX A: 1\r\n\r\n",
    "no colon": "GET http://site.localhost:{port}/f HTTP/1.1\r\nHost: h\r\nnonsense\r\n\r\n",
    "NUL in a header": "GET http://site.localhost:{port}/f HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n",
    "origin-form target": "GET /f HTTP/1.1\r\nHost: site.localhost:{port}\r\n\r\n",
    "userinfo in the target": "GET http://evil@site.localhost:{port}/f HTTP/1.1\r\nHost: h\r\n\r\n",
    "bad port": "GET http://site.localhost:99999/f HTTP/1.1\r\nHost: h\r\n\r\n",
    "HTTP/2 version": "GET http://site.localhost:{port}/f HTTP/2.0\r\nHost: h\r\n\r\n",
    "missing host on 1.1": "GET http://site.localhost:{port}/f HTTP/1.1\r\n\r\n",
    "garbage": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    "cut short": "POST http://site.localhost:{port}/p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc",
    "empty line first": "\r\nGET http://site.localhost:{port}/f HTTP/1.1\r\nHost: h\r\n\r\n",
    "CONNECT with a body": "CONNECT site.localhost:{port} HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_requests_are_answered_400_and_not_forwarded(guard, site, name):
    before = len(SEEN)
    data = send(guard, MALFORMED[name].format(port=site).encode("latin-1"))
    assert statuses(data) == [400], (name, data[:200])
    assert b"Connection: close" in data
    assert SEEN[before:] == [], f"{name}: forwarded {SEEN[before:]}"


def test_an_unfinished_head_is_not_kept_open(guard, monkeypatch):
    monkeypatch.setattr(egress, "HEAD_TIMEOUT_S", 0.5)

    async def scenario():
        host, port = guard.address.split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET http://site.localhost/ HTTP/1.1\r\nHost: h\r\n")  # never finished
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return data

    assert statuses(asyncio.new_event_loop().run_until_complete(scenario())) == [400]


def _valid(port: int) -> bytes:
    return (
        f"POST http://site.localhost:{port}/v HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        f"GET http://site.localhost:{port}/w HTTP/1.1\r\nHost: h\r\n\r\n"
    ).encode()


_PIECES = st.sampled_from(
    [
        b"\r\n",
        b"\n",
        b"\r",
        b" ",
        b"\t",
        b":",
        b"0",
        b"5",
        b"ff",
        b";",
        b"\x00",
        b"\xff",
        b"Content-Length: 3\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: x\r\n",
        b"Content-Length: -1\r\n",
        b"\r\n\r\n",
        b"GET http://site.localhost/SMUGGLED HTTP/1.1\r\n",
        b"HTTP/1.1",
        b"CONNECT ",
        b"Host: h\r\n",
        b" folded\r\n",
        b"0\r\n\r\n",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_requests_never_crash_hang_or_smuggle(guard, site, data):
    base = _valid(site)
    position = data.draw(st.integers(0, len(base)))
    cut = data.draw(st.integers(0, 8))
    insert = b"".join(data.draw(st.lists(_PIECES | st.binary(max_size=6), max_size=4)))
    mutated = base[:position] + insert + base[position + cut :]
    before = len(SEEN)
    answer = send(guard, mutated, timeout=15)
    codes = statuses(answer)
    if mutated == base:
        assert codes == [200, 200]
    # Otherwise: answered by the guard (400/403/502) or, when the mutation is still valid
    # HTTP, by the site (which may dislike the method); `statuses` fails on anything unparsable.
    assert not any(SMUGGLED in seen for seen in SEEN[before:]), SEEN[before:]
    # The guard is still alive and serving.
    assert statuses(
        send(guard, f"GET http://site.localhost:{site}/alive HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".encode())
    ) == [200]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from([b"", b"GET ", b"POST http://site.localhost/ HTTP/1.1\r\n", b"CONNECT "]),
    noise=st.binary(max_size=300),
)
def test_random_bytes_are_answered_or_dropped_never_forwarded(guard, site, prefix, noise):
    before = len(SEEN)
    answer = send(guard, prefix + noise + b"\r\n\r\n", timeout=15)
    assert all(code in (400, 403, 502) for code in statuses(answer)), answer[:200]
    assert SEEN[before:] == []


def test_a_head_over_the_limit_is_400(guard, site):
    big = f"GET http://site.localhost:{site}/big HTTP/1.1\r\nHost: h\r\nX: {'a' * 70000}\r\n\r\n".encode()
    assert statuses(send(guard, big)) == [400]


def test_every_fuzz_answer_to_a_protocol_error_is_400(guard, site):
    """Hand-picked mutations of a valid request that must each be a 400, not a forward."""
    base = f"GET http://site.localhost:{site}/m HTTP/1.1\r\nHost: h\r\n"
    for extra in (
        "X: a\r\n b\r\n",
        "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
        "X\r\n",
        ": v\r\n",
        "Content-Length: 1 2\r\n",
        "Transfer-Encoding: chunked, identity\r\n",
    ):
        before = len(SEEN)
        assert statuses(send(guard, (base + extra + "\r\n").encode())) == [400], extra
        assert SEEN[before:] == [], extra
