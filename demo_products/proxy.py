"""An HTTP forward proxy with a pluggable filtering policy: the engine of both demo products.

Browsers (and the probes' egress guard) send it absolute-URI requests (`GET http://host/p`)
and `CONNECT host:443` for HTTPS. For plain HTTP the policy sees the request first and,
when it lets it through, the whole upstream response, so it can judge the content; it
either allows (returns None) or blocks (returns the product's block page as a
`ProxyResponse`). HTTPS is tunnelled without interception, so for CONNECT the policy
judges the host and port alone, as a real filter without a man-in-the-middle does.

It runs its own asyncio loop in a background thread (see `netutil.ThreadedTCPServer`):

    with ForwardProxy(policy) as proxy:
        print(proxy.address)          # "127.0.0.1:PORT"

Upstream connections are kept alive and reused, so a benchmark loading a thousand pages
through it pays for a TCP handshake only now and then. By default it connects only to
loopback addresses: the demo products live in a local test bed and must never turn into
an open proxy onto the Internet (`allow_remote=True` lifts that).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import inspect
import ipaddress
import logging
import re
import time
import zlib
from collections.abc import Awaitable, Iterable, Iterator
from dataclasses import dataclass

from demo_products.netutil import MAX_HEAD_BYTES, ThreadedTCPServer, pipe
from demo_products.resolve import is_loopback_name, resolve_host

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024  # bodies are buffered for inspection; larger ones are refused
CLIENT_IDLE_SECONDS = 75.0
UPSTREAM_TIMEOUT_SECONDS = 20.0
# Reuse an idle upstream connection only while it is younger than common server keep-alive
# timeouts (uvicorn closes idle connections after 5 s), so reuse rarely meets a closed socket.
POOL_IDLE_SECONDS = 3.0
POOL_PER_ORIGIN = 8

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
REASONS = {
    200: "OK",
    301: "Moved Permanently",
    400: "Bad Request",
    403: "Forbidden",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


class Headers:
    """An ordered list of header fields (repeats kept, e.g. Set-Cookie), looked up without case."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()):
        self.items: list[tuple[str, str]] = [(str(k), str(v)) for k, v in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.items:
            if key.lower() == name:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.items if key.lower() == name]

    def without(self, names: Iterable[str]) -> Headers:
        drop = {n.lower() for n in names}
        return Headers((k, v) for k, v in self.items if k.lower() not in drop)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __repr__(self) -> str:
        return f"Headers({self.items!r})"


@dataclass(frozen=True)
class ProxyRequest:
    """One request as the client sent it; nothing normalised, so a policy sees the tricks too."""

    method: str
    scheme: str  # "http" for absolute-URI requests, "https" for CONNECT tunnels
    host: str  # as written by the client: case, trailing dot and IP literals kept
    port: int
    target: str  # path and query as sent, still percent-encoded ("" for CONNECT)
    headers: Headers
    body: bytes = b""

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 80 if self.scheme == "http" else 443
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


@dataclass
class ProxyResponse:
    """A complete response: from upstream, or made by the policy (its block page)."""

    status: int
    headers: Headers
    body: bytes = b""
    reason: str = ""

    @classmethod
    def html(cls, status: int, html: str, extra_headers: Iterable[tuple[str, str]] = ()) -> ProxyResponse:
        headers = Headers([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"), *extra_headers])
        return cls(status, headers, html.encode("utf-8"), REASONS.get(status, ""))

    @classmethod
    def plain(cls, status: int, message: str) -> ProxyResponse:
        headers = Headers([("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")])
        return cls(status, headers, message.encode("utf-8"), REASONS.get(status, ""))

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def decoded_body(self) -> bytes:
        """The body without its Content-Encoding (gzip or deflate), for content analysis."""
        encoding = (self.headers.get("content-encoding") or "").strip().lower()
        try:
            if encoding in ("gzip", "x-gzip"):
                return gzip.decompress(self.body)
            if encoding == "deflate":
                try:
                    return zlib.decompress(self.body)
                except zlib.error:
                    return zlib.decompress(self.body, -zlib.MAX_WBITS)
        except (OSError, zlib.error, EOFError):
            return b""
        return self.body

    def text(self) -> str:
        """The body decoded with the charset of Content-Type, else of a <meta charset>, else UTF-8."""
        body = self.decoded_body()
        match = re.search(r"charset=[\"']?([\w.:-]+)", self.headers.get("content-type") or "", re.I)
        meta = None if match else re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", body[:4096], re.I)
        charset = match.group(1) if match else meta.group(1).decode("ascii", "replace") if meta else "utf-8"
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            return body.decode("utf-8", errors="replace")


class Policy:
    """What a product's filter decides. The default allows everything.

    Each method returns None to allow, or the `ProxyResponse` to send instead (the block
    page). Either may be a coroutine function, e.g. to wait for a remote category look-up.
    """

    def check_request(self, request: ProxyRequest) -> ProxyResponse | None | Awaitable[ProxyResponse | None]:
        """Before anything is sent upstream; the only check a CONNECT tunnel gets."""
        return None

    def check_response(
        self, request: ProxyRequest, response: ProxyResponse
    ) -> ProxyResponse | None | Awaitable[ProxyResponse | None]:
        """After the whole upstream response of a plain-HTTP request has arrived."""
        return None


class UpstreamError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.response = ProxyResponse.plain(status, message + "\n")


class _Connection:
    __slots__ = ("reader", "writer", "idle_since")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer, self.idle_since = reader, writer, 0.0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class _Pool:
    """Idle keep-alive connections per upstream (address, port)."""

    def __init__(self):
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    def take(self, key: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(key, [])
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if now - conn.idle_since < POOL_IDLE_SECONDS and not conn.reader.at_eof():
                return conn
            conn.close()
        return None

    def put(self, key: tuple[str, int], conn: _Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) >= POOL_PER_ORIGIN:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


def parse_head(head: bytes) -> tuple[str, Headers]:
    """(start line, headers) of a message head ending in CRLF CRLF."""
    lines = head.decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t":  # an obsolete folded continuation line
            if headers:
                headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip() and name == name.strip():
            headers.append((name, value.strip()))
    return lines[0], Headers(headers)


def split_authority(authority: str, default_port: int) -> tuple[str, int]:
    """("host", port) of "host:port" or "[v6]:port"; raises ValueError for a bad port."""
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = authority.rpartition(":")
    if sep and ":" not in host:
        value = int(port)
        if not 0 < value < 65536:
            raise ValueError(f"bad port {port}")
        return host, value
    return authority, default_port


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """The next message head, or None at a clean end of stream."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise ConnectionError("connection closed inside a message head") from None
        return None
    except asyncio.LimitOverrunError:
        raise ValueError("message head too large") from None


async def _read_chunked(reader: asyncio.StreamReader, limit: int) -> bytes:
    parts: list[bytes] = []
    size_total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailer fields are dropped
                pass
            return b"".join(parts)
        size_total += size
        if size_total > limit:
            raise OverflowError("body too large")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _read_body(
    reader: asyncio.StreamReader, headers: Headers, limit: int, *, until_close: bool
) -> tuple[bytes, bool]:
    """(body, framed): framed is False when the body ended with the connection."""
    if "chunked" in (headers.get("transfer-encoding") or "").lower():
        return await _read_chunked(reader, limit), True
    length = headers.get("content-length")
    if length is not None:
        size = int(length.split(",")[0].strip())
        if size > limit:
            raise OverflowError("body too large")
        return (await reader.readexactly(size) if size else b""), True
    if not until_close:
        return b"", True
    parts, total = [], 0
    while chunk := await reader.read(65536):
        total += len(chunk)
        if total > limit:
            raise OverflowError("body too large")
        parts.append(chunk)
    return b"".join(parts), False


def _wants_close(version: str, headers: Headers) -> bool:
    tokens = {t.strip().lower() for t in (headers.get("connection") or "").split(",")}
    if version == "HTTP/1.0":
        return "keep-alive" not in tokens
    return "close" in tokens


def _connection_tokens(headers: Headers) -> set[str]:
    """Header names listed in Connection, which are hop-by-hop too (RFC 9110, 7.6.1)."""
    return {t.strip().lower() for t in (headers.get("connection") or "").split(",") if t.strip()}


async def _maybe_await(value):
    return await value if inspect.isawaitable(value) else value


class ForwardProxy(ThreadedTCPServer):
    """A threaded HTTP forward proxy consulting `policy` for every request."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        name: str = "proxy",
    ):
        super().__init__(host=host, port=port)
        self.policy = policy or Policy()
        self.allow_remote = allow_remote
        self.name = name
        self._pool = _Pool()

    async def on_stop(self) -> None:
        self._pool.close()

    # ---- one client connection ---------------------------------------------------------
    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await asyncio.wait_for(_read_head(reader), CLIENT_IDLE_SECONDS)
            except (TimeoutError, ConnectionError):
                return
            except ValueError:
                await self._send(writer, ProxyResponse.plain(400, "Request head too large\n"), "GET", close=True)
                return
            if head is None:
                return
            request_line, headers = parse_head(head)
            parts = request_line.split(" ")
            if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                await self._send(writer, ProxyResponse.plain(400, "Bad request line\n"), "GET", close=True)
                return
            method, target, version = parts
            if method == "CONNECT":
                await self._tunnel(reader, writer, target, headers)
                return
            close = _wants_close(version, headers)
            try:
                request = await self._read_request(reader, writer, method, target, headers)
            except (ValueError, OverflowError) as exc:
                status = 413 if isinstance(exc, OverflowError) else 400
                await self._send(writer, ProxyResponse.plain(status, f"{exc}\n"), method, close=True)
                return
            response = await self._handle(request)
            await self._send(writer, response, method, close=close)
            if close:
                return

    async def _read_request(self, reader, writer, method: str, target: str, headers: Headers) -> ProxyRequest:
        if not target.lower().startswith("http://"):
            # Origin-form requests mean a client that is not configured for a proxy.
            raise ValueError("This is an HTTP proxy: send absolute URIs (http://host/path) or CONNECT")
        rest = target[len("http://") :].split("#", 1)[0]
        cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
        authority, path = rest[:cut], rest[cut:]
        authority = authority.rpartition("@")[2]  # user:password@ in a proxy URI is never forwarded
        host, port = split_authority(authority, 80)
        if not host:
            raise ValueError("The request URI has no host")
        if not path.startswith("/"):
            path = "/" + path
        if (headers.get("expect") or "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
        body, _ = await _read_body(reader, headers, MAX_BODY_BYTES, until_close=False)
        return ProxyRequest(method, "http", host, port, path, headers, body)

    async def _handle(self, request: ProxyRequest) -> ProxyResponse:
        try:
            blocked = await _maybe_await(self.policy.check_request(request))
            if blocked is not None:
                return blocked
            response = await self._fetch(request)
            blocked = await _maybe_await(self.policy.check_response(request, response))
            return blocked if blocked is not None else response
        except UpstreamError as exc:
            return exc.response

    # ---- upstream ----------------------------------------------------------------------
    async def _address_for(self, host: str) -> str:
        if is_loopback_name(host):
            addresses = resolve_host(host)
        elif not self.allow_remote:
            # Refused before any DNS query: nothing about the page leaves the machine.
            raise UpstreamError(502, f"{self.name} connects only to the local test bed, not to {host}")
        else:
            try:
                addresses = await asyncio.get_running_loop().run_in_executor(None, resolve_host, host)
            except OSError:
                raise UpstreamError(502, f"Cannot resolve {host}") from None
        if not addresses:
            raise UpstreamError(502, f"Cannot resolve {host}")
        address = addresses[0]
        if not self.allow_remote and not ipaddress.ip_address(address).is_loopback:
            raise UpstreamError(502, f"{self.name} connects only to the local test bed, not to {host}")
        return address

    async def _open(self, address: str, port: int) -> _Connection:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(address, port, limit=MAX_HEAD_BYTES), UPSTREAM_TIMEOUT_SECONDS
            )
        except TimeoutError:
            raise UpstreamError(504, f"Timed out connecting to {address}:{port}") from None
        except OSError as exc:
            raise UpstreamError(502, f"Cannot connect to {address}:{port}: {exc.strerror or exc}") from None
        return _Connection(reader, writer)

    def _upstream_head(self, request: ProxyRequest) -> bytes:
        drop = (
            HOP_BY_HOP | _connection_tokens(request.headers) | {"host", "content-length", "expect", "accept-encoding"}
        )
        lines = [f"{request.method} {request.target} HTTP/1.1", f"Host: {request.authority}"]
        lines += [f"{k}: {v}" for k, v in request.headers.without(drop)]
        # Ask for an identity body: the filter must read the page, and re-encoding buys
        # nothing on a loopback hop.
        lines.append("Accept-Encoding: identity")
        if request.body or request.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(request.body)}")
        lines.append("Connection: keep-alive")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")

    async def _fetch(self, request: ProxyRequest) -> ProxyResponse:
        key = (await self._address_for(request.host), request.port)
        payload = self._upstream_head(request) + request.body
        for attempt in range(2):
            # POSTs always get a fresh connection: resending one after a dropped reused
            # socket could submit a form twice.
            conn = self._pool.take(key) if request.method in IDEMPOTENT and attempt == 0 else None
            reused = conn is not None
            if conn is None:
                conn = await self._open(*key)
            try:
                conn.writer.write(payload)
                await conn.writer.drain()
                response, reusable = await asyncio.wait_for(
                    self._read_response(conn.reader, request.method), UPSTREAM_TIMEOUT_SECONDS
                )
            except TimeoutError:
                conn.close()
                raise UpstreamError(504, f"{request.authority} did not answer in time") from None
            except OverflowError:
                conn.close()
                raise UpstreamError(502, f"The response from {request.authority} is too large to filter") from None
            except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.LimitOverrunError) as exc:
                conn.close()
                if reused:
                    continue  # the server had closed the idle connection; try once on a fresh one
                raise UpstreamError(502, f"Bad response from {request.authority}: {exc}") from None
            if reusable:
                self._pool.put(key, conn)
            else:
                conn.close()
            return response
        raise UpstreamError(502, f"No response from {request.authority}")

    async def _read_response(self, reader: asyncio.StreamReader, method: str) -> tuple[ProxyResponse, bool]:
        while True:
            head = await _read_head(reader)
            if head is None:
                raise ConnectionError("upstream closed the connection")
            status_line, headers = parse_head(head)
            version, _, rest = status_line.partition(" ")
            code, _, reason = rest.partition(" ")
            status = int(code)
            if 100 <= status < 200 and status != 101:
                continue  # interim responses (100 Continue, 103 Early Hints) are not forwarded
            break
        if method == "HEAD" or status in (204, 304) or status == 101:
            body, framed = b"", True
        else:
            body, framed = await _read_body(reader, headers, MAX_BODY_BYTES, until_close=True)
        reusable = framed and status != 101 and not _wants_close(version, headers)
        return ProxyResponse(status, headers, body, reason), reusable

    # ---- to the client -----------------------------------------------------------------
    async def _send(self, writer: asyncio.StreamWriter, response: ProxyResponse, method: str, *, close: bool) -> None:
        drop = HOP_BY_HOP | _connection_tokens(response.headers) | {"content-length"}
        lines = [f"HTTP/1.1 {response.status} {response.reason or REASONS.get(response.status, '')}".rstrip()]
        lines += [f"{k}: {v}" for k, v in response.headers.without(drop)]
        no_body = method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        if method == "HEAD":
            length = response.headers.get("content-length")
            if length is not None:  # a HEAD answer tells the length of the GET body
                lines.append(f"Content-Length: {length}")
        elif response.status not in (204, 304):
            lines.append(f"Content-Length: {len(response.body)}")
        lines.append("Connection: close" if close else "Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        writer.write(head if no_body else head + response.body)
        await writer.drain()

    # ---- CONNECT tunnels ---------------------------------------------------------------
    async def _tunnel(self, reader, writer, target: str, headers: Headers) -> None:
        try:
            host, port = split_authority(target, 443)
        except ValueError:
            await self._send(writer, ProxyResponse.plain(400, "Bad CONNECT target\n"), "CONNECT", close=True)
            return
        request = ProxyRequest("CONNECT", "https", host, port, "", headers)
        try:
            blocked = await _maybe_await(self.policy.check_request(request))
            if blocked is not None:
                await self._send(writer, blocked, "CONNECT", close=True)
                return
            upstream = await self._open(await self._address_for(host), port)
        except UpstreamError as exc:
            await self._send(writer, exc.response, "CONNECT", close=True)
            return
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        try:
            await asyncio.gather(pipe(reader, upstream.writer), pipe(upstream.reader, writer))
        finally:
            upstream.close()
