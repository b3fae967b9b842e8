"""The egress guard: a small HTTP proxy in front of every probe browser context that lets
connections reach only the hosts a run was pointed at, checked at connection time."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import ipaddress
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import h11

from checker.corpus.resolve import resolve_host
from checker.probes import special_addresses

MAX_HEADER_BYTES = 64 * 1024
REFUSED_HEADER = "X-VCSC-Egress"


class Refused(Exception):
    def __init__(self, reason_vi: str, reason_en: str):
        super().__init__(f"{reason_vi} / {reason_en}")
        self.reason = {"vi": reason_vi, "en": reason_en}


def _is_special(ip: ipaddress._BaseAddress) -> bool:
    """True for every address the IANA special-purpose registries do not mark globally
    reachable (the table, its sources and the rules are in special_addresses.py)."""
    return special_addresses.refusal(ip) is not None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass
class EgressPolicy:
    """Which hosts a probe run may reach. Patterns may start with '*.' for sub-domains.

    Private, loopback, link-local and other special addresses are refused unless they lie in
    `allowed_networks` (an operator setting; the tests allow 127.0.0.0/8), or unless the exact address and
    port are one of `allowed_endpoints` ("127.0.0.1:8441": the demo's own products, the checker's own corpus
    server), which opens that one port and nothing else of the address.
    """

    hosts: set[str]
    allowed_networks: tuple[str, ...] = ()
    ips: set[str] = field(default_factory=set)
    allowed_endpoints: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.hosts = {h.lower().rstrip(".") for h in self.hosts}
        self._networks = [ipaddress.ip_network(n, strict=False) for n in self.allowed_networks]
        self._endpoints = {endpoint_key(e) for e in self.allowed_endpoints}
        # Raw-IP requests are allowed only to addresses that allowed names resolve to
        # (the filter-bypass probe asks for a blocked page by its IP).
        for host in self.hosts:
            if _ip_literal(host):
                self.ips.add(str(_ip_literal(host)))
            elif not host.startswith("*."):
                try:
                    self.ips.update(resolve_host(host))
                except OSError:
                    pass

    def host_allowed(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        ip = _ip_literal(name)
        if ip is not None:
            return str(ip) in self.ips
        return any(name == h or (h.startswith("*.") and fnmatch.fnmatch(name, h)) for h in self.hosts)

    async def check(self, host: str, port: int | None = None) -> list[str]:
        """The addresses `host` may be reached at (on `port`, when one is given), or Refused."""
        if not self.host_allowed(host):
            raise Refused(
                f"máy chủ {host} không nằm trong phạm vi được phép", f"host {host} is outside the allowed hosts"
            )
        loop = asyncio.get_running_loop()
        try:
            addresses = await loop.run_in_executor(None, resolve_host, host.strip("[]").rstrip("."))
        except OSError:
            raise Refused(f"không phân giải được {host}", f"cannot resolve {host}") from None
        if not addresses:
            raise Refused(f"không phân giải được {host}", f"cannot resolve {host}")
        for address in addresses:
            row = special_addresses.refusal(address, self._networks)
            if row is not None and port is not None and endpoint_key(f"{address}:{port}") in self._endpoints:
                continue
            if row is not None:
                shown = special_addresses.describe(address)
                raise Refused(
                    f"{host} trỏ tới địa chỉ nội bộ/đặc biệt {shown} ({row.name}, {row.source})",
                    f"{host} resolves to the private/special address {shown} ({row.name}, {row.source})",
                )
        return addresses


def endpoint_key(endpoint: str) -> str:
    """ "address:port" in one spelling ("[::1]:80" and "::1:80" alike; the address normalised); ValueError if it
    is not an IP address and a port."""
    address, sep, port = endpoint.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not address:port: {endpoint!r}")
    return f"{ipaddress.ip_address(address.strip('[]'))}:{int(port)}"


@dataclass
class Refusal:
    host: str
    reason: dict[str, Any]
    at: float

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "reason": self.reason, "at": self.at}


class BadRequest(Exception):
    """A request the guard will not forward: answered 400 and the connection closed."""


HEAD_TIMEOUT_S = 30.0  # an unfinished request head is not kept open longer than this
_HOST_RE = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?)+$|^\[[0-9A-Fa-f:.]+\]$")


def _strict_lines(data: bytes, what: str) -> None:
    """Refuse what h11 would tolerate but a strict reading must not: bare LF or CR line ends,
    NUL bytes and obsolete line folding (a header line starting with a space or tab)."""
    if b"\x00" in data:
        raise BadRequest(f"NUL in {what}")
    if data.count(b"\n") != data.count(b"\r\n") or data.count(b"\r") != data.count(b"\r\n"):
        raise BadRequest(f"bare CR or LF in {what}")
    for line in data.split(b"\r\n")[1:]:
        if line[:1] in (b" ", b"\t"):
            raise BadRequest(f"folded header line in {what}")


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """One request head, exactly (nothing past its blank line is read), or None at a clean EOF."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise BadRequest("request head cut short") from None
    except asyncio.LimitOverrunError:
        raise BadRequest("request head too large") from None
    except TimeoutError:
        raise BadRequest("request head not finished in time") from None
    if head.startswith(b"\r\n"):
        raise BadRequest("empty line before the request line")
    _strict_lines(head, "request head")
    return head


def _next(conn: h11.Connection) -> Any:  # an h11 event, or NEED_DATA / PAUSED
    try:
        return conn.next_event()
    except h11.RemoteProtocolError as exc:
        raise BadRequest(str(exc)) from None


def _request_framing(request: h11.Request) -> tuple[str, int]:
    """("length", n), ("chunked", 0) or ("none", 0); refuses ambiguous framing (smuggling)."""
    lengths = [v for k, v in request.headers if k == b"content-length"]
    encodings = [v for k, v in request.headers if k == b"transfer-encoding"]
    if lengths and encodings:
        raise BadRequest("both Content-Length and Transfer-Encoding")
    if encodings:
        if len(encodings) != 1 or encodings[0].strip().lower() != b"chunked":
            raise BadRequest("unsupported Transfer-Encoding")
        return "chunked", 0
    if lengths:
        if len(set(lengths)) != 1 or not lengths[0].isdigit() or len(lengths[0]) > 15:
            raise BadRequest("bad Content-Length")
        return "length", int(lengths[0])
    return "none", 0


async def _read_body_bytes(reader: asyncio.StreamReader, framing: tuple[str, int]) -> AsyncIterator[bytes]:
    """The raw bytes of one request body, exactly as framed (so nothing of a following request
    is read ahead of its own checks); h11 validates what is yielded."""
    kind, length = framing
    if kind == "length":
        remaining = length
        while remaining:
            chunk = await reader.read(min(remaining, 65536))
            if not chunk:
                raise BadRequest("body cut short")
            remaining -= len(chunk)
            yield chunk
    elif kind == "chunked":
        while True:
            try:
                line = await reader.readuntil(b"\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                raise BadRequest("bad chunk header") from None
            _strict_lines(line, "chunk header")
            yield line
            size_text = line[:-2].split(b";", 1)[0]
            if not size_text or len(size_text) > 15 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
                raise BadRequest("bad chunk size")
            size = int(size_text, 16)
            if size == 0:
                while True:  # trailer fields, then the blank line
                    try:
                        trailer = await reader.readuntil(b"\r\n")
                    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                        raise BadRequest("bad chunked trailer") from None
                    _strict_lines(trailer, "trailer")
                    if trailer[:1] in (b" ", b"\t"):
                        raise BadRequest("folded trailer line")
                    yield trailer
                    if trailer == b"\r\n":
                        return
            remaining = size + 2
            while remaining:
                chunk = await reader.read(min(remaining, 65536))
                if not chunk:
                    raise BadRequest("body cut short")
                remaining -= len(chunk)
                yield chunk


MAX_REQUEST_BODY = 8 * 1024 * 1024  # probes post login forms, not uploads


async def _read_request_body(
    reader: asyncio.StreamReader, down: h11.Connection, framing: tuple[str, int]
) -> list[bytes]:
    """Read one whole request body exactly as framed and let h11 validate it, before any of
    it is forwarded: a cut-short or malformed body never reaches the target."""
    data: list[bytes] = []
    size = 0
    async for chunk in _read_body_bytes(reader, framing):
        down.receive_data(chunk)
        while (event := _next(down)) is not h11.NEED_DATA:
            if isinstance(event, h11.Data):
                data.append(event.data)
                size += len(event.data)
                if size > MAX_REQUEST_BODY:
                    raise BadRequest("request body too large")
            elif isinstance(event, h11.EndOfMessage):
                break
    while down.their_state is h11.SEND_BODY:
        event = _next(down)
        if event is h11.NEED_DATA:
            raise BadRequest("body not complete")
        if isinstance(event, h11.Data):
            data.append(event.data)
    return data


def _split_authority(authority: str, default_port: int) -> tuple[str, int]:
    if "@" in authority or not authority:
        raise BadRequest("bad authority")
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        host, port_text = f"[{host}]", rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            raise BadRequest("bad authority")
    else:
        host, sep, port_text = authority.rpartition(":")
        if not sep:
            host, port_text = authority, ""
    if port_text and (not port_text.isdigit() or len(port_text) > 5):
        raise BadRequest("bad port")
    port = int(port_text) if port_text else default_port
    if not 0 < port < 65536 or not _HOST_RE.match(host):
        raise BadRequest("bad host or port")
    return host.strip("[]"), port


def _bad_request(writer: asyncio.StreamWriter, reason: str) -> None:
    body = f"VCSC egress guard: yêu cầu HTTP không hợp lệ / bad HTTP request ({reason})\n".encode()
    writer.write(
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


def _bad_gateway(writer: asyncio.StreamWriter, reason: str) -> None:
    body = f"VCSC egress guard: {reason}\n".encode()
    writer.write(
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


class _UpstreamError(Exception):
    """The target (or the product's proxy) answered something that is not HTTP/1.1."""


async def _up_event(conn: h11.Connection, reader: asyncio.StreamReader) -> Any:  # an h11 event
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as exc:
            raise _UpstreamError(str(exc)) from None
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(await reader.read(65536))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


_HOP_BY_HOP = {b"proxy-connection", b"proxy-authorization", b"proxy-authenticate", b"keep-alive"}


class _Upstream:
    def __init__(self, key: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.key, self.reader, self.writer = key, reader, writer
        self.conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass


class EgressGuard:
    """An HTTP/CONNECT proxy on 127.0.0.1 that checks every connection against a policy and
    forwards either straight to the target or through the product's own proxy (`upstream`).

    Requests are parsed with h11 plus stricter checks of our own (no folded lines, no bare
    LF, no Content-Length together with Transfer-Encoding, only `chunked`); anything else is
    answered 400 and the connection closed, so no request can hide inside another's body.
    """

    def __init__(self, policy: EgressPolicy, upstream: str | None = None):
        self.policy = policy
        self.upstream = upstream
        self.refusals: list[Refusal] = []
        self.requests = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def address(self) -> str:
        if self._server is None:
            raise RuntimeError("the egress guard is not started")
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"

    async def start(self) -> EgressGuard:
        if self.upstream:
            await self.policy.check(*_split_authority(self.upstream, 3128))
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_HEADER_BYTES)
        return self

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._server = None

    async def __aenter__(self) -> EgressGuard:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _refusal_response(self, host: str, refused: Refused) -> tuple[h11.Response, bytes]:
        self.refusals.append(Refusal(host, refused.reason, time.time()))
        body = (f"VCSC egress guard: {refused.reason['vi']} / {refused.reason['en']}\n").encode()
        return h11.Response(
            status_code=403,
            reason=b"Forbidden",
            headers=[
                (REFUSED_HEADER, "refused"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
            ],
        ), body

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.upstream:
            await self.policy.check(host, port)  # the target, even though the product's proxy connects to it
            up_host, up_port = _split_authority(self.upstream, 3128)
            addresses = await self.policy.check(up_host, up_port)
            return await asyncio.open_connection(addresses[0], up_port, limit=MAX_HEADER_BYTES)
        addresses = await self.policy.check(host, port)
        # Connect to the address that was checked, so DNS cannot answer differently twice.
        return await asyncio.open_connection(addresses[0], port, limit=MAX_HEADER_BYTES)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # a coroutine of the guard's server runs in a task
        self._tasks.add(task)
        upstream: _Upstream | None = None  # kept alive between requests to the same target
        down = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                down.receive_data(head)
                request = _next(down)
                if not isinstance(request, h11.Request):
                    raise BadRequest("not a request")
                if request.http_version not in (b"1.0", b"1.1"):
                    raise BadRequest("only HTTP/1.0 and HTTP/1.1")
                framing = _request_framing(request)
                self.requests += 1
                method = request.method.decode("ascii")
                target = request.target.decode("ascii")
                if method == "CONNECT":
                    if framing != ("none", 0):
                        raise BadRequest("CONNECT with a body")
                    await self._connect(reader, writer, target, down)
                    return
                if not target.lower().startswith("http://"):
                    raise BadRequest("the target must be an absolute http:// URL")
                authority = target[len("http://") :].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
                host, port = _split_authority(authority, 80)
                path = target[len("http://") + len(authority) :] or "/"
                if not path.startswith(("/", "?")):
                    raise BadRequest("bad path")
                if path.startswith("?"):
                    path = "/" + path
                key = self.upstream or f"{host.lower()}:{port}"
                body = await _read_request_body(reader, down, framing)
                refused = None
                try:
                    if upstream is None or upstream.key != key:
                        if upstream:
                            upstream.close()
                        upstream = None
                        up_reader, up_writer = await self._open(host, port)
                        upstream = _Upstream(key, up_reader, up_writer)
                    elif self.upstream:
                        await self.policy.check(host, port)
                except Refused as exc:
                    refused = exc
                except OSError as exc:
                    _bad_gateway(writer, f"không kết nối được / cannot connect to {host}:{port}: {exc}")
                    await writer.drain()
                    return
                if refused is not None:
                    response, refusal = self._refusal_response(host, refused)
                    writer.write(
                        down.send(response) + down.send(h11.Data(data=refusal)) + down.send(h11.EndOfMessage())
                    )
                    await writer.drain()
                    if down.our_state is h11.MUST_CLOSE or down.their_state is h11.MUST_CLOSE:
                        return
                    down.start_next_cycle()
                    continue
                assert upstream is not None  # connected above, or kept from the last request to `key`
                if not await self._forward(
                    request, target if self.upstream else path, authority, body, reader, writer, down, upstream
                ):
                    upstream.close()
                    upstream = None
                    return
                if upstream.conn.our_state is h11.DONE and upstream.conn.their_state is h11.DONE:
                    upstream.conn.start_next_cycle()
                else:
                    upstream.close()  # the server ends its side; the client's connection can go on
                    upstream = None
                if down.our_state is h11.MUST_CLOSE or down.their_state is h11.MUST_CLOSE:
                    return
                down.start_next_cycle()
        except BadRequest as exc:
            with contextlib.suppress(Exception):
                _bad_request(writer, str(exc)[:200])
                await writer.drain()
        except _UpstreamError as exc:
            with contextlib.suppress(Exception):
                if down.our_state is h11.SEND_RESPONSE:
                    _bad_gateway(writer, f"câu trả lời HTTP không hợp lệ / bad HTTP response: {str(exc)[:200]}")
                    await writer.drain()
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            asyncio.CancelledError,
            h11.LocalProtocolError,
            ValueError,
            UnicodeError,
        ):
            return  # a client or server went away, or the guard is stopping
        finally:
            if upstream:
                upstream.close()
            try:
                writer.close()
            except Exception:
                pass
            self._tasks.discard(task)

    async def _forward(
        self,
        request: h11.Request,
        target: str,
        authority: str,
        body: list[bytes],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        down: h11.Connection,
        upstream: _Upstream,
    ) -> bool:
        """Send one request upstream and its answer back; False when the connection must end."""
        up = upstream.conn
        headers = [(k, v) for k, v in request.headers if k not in _HOP_BY_HOP and k != b"host"]
        headers.insert(0, (b"host", authority.encode("ascii")))
        upstream.writer.write(
            up.send(h11.Request(method=request.method, target=target.encode("ascii"), headers=headers))
        )
        for data in body:
            upstream.writer.write(up.send(h11.Data(data=data)))
        upstream.writer.write(up.send(h11.EndOfMessage()))
        await upstream.writer.drain()
        while True:
            event = await _up_event(up, upstream.reader)
            if isinstance(event, h11.InformationalResponse):
                if event.status_code == 101:  # WebSocket upgrade: from here on, bytes both ways
                    writer.write(
                        down.send(
                            h11.InformationalResponse(status_code=101, headers=event.headers, reason=event.reason)
                        )
                    )
                    await writer.drain()
                    if up.trailing_data[0]:
                        writer.write(up.trailing_data[0])
                    if down.trailing_data[0]:
                        upstream.writer.write(down.trailing_data[0])
                    await asyncio.gather(_pipe(reader, upstream.writer), _pipe(upstream.reader, writer))
                    return False
                writer.write(down.send(event))
                continue
            if isinstance(event, h11.ConnectionClosed):
                raise _UpstreamError("connection closed before a response")
            break
        names = {k for k, _ in event.headers}
        if b"content-length" in names and b"transfer-encoding" in names:
            raise _UpstreamError("both Content-Length and Transfer-Encoding in the response")
        writer.write(down.send(h11.Response(status_code=event.status_code, headers=event.headers, reason=event.reason)))
        while True:
            event = await _up_event(up, upstream.reader)
            if isinstance(event, h11.Data):
                writer.write(down.send(h11.Data(data=event.data)))
                await writer.drain()
            elif isinstance(event, h11.EndOfMessage):
                writer.write(down.send(h11.EndOfMessage()))
                await writer.drain()
                return True
            else:  # ConnectionClosed in the middle of a framed body
                return False

    async def _connect(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, authority: str, down: h11.Connection
    ) -> None:
        host, port = _split_authority(authority, 443)
        try:
            up_reader, up_writer = await self._open(host, port)
        except Refused as refused:
            response, body = self._refusal_response(host, refused)
            writer.write(
                b"HTTP/1.1 403 Forbidden\r\n"
                + b"".join(k + b": " + v + b"\r\n" for k, v in response.headers)
                + b"Connection: close\r\n\r\n"
                + body
            )
            await writer.drain()
            return
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        if self.upstream:
            up_writer.write(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode("ascii"))
            await up_writer.drain()
        else:
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
