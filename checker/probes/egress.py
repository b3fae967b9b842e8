"""The egress guard: a small HTTP proxy in front of every probe browser context that lets
connections reach only the hosts a run was pointed at, checked at connection time."""
from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import time
from dataclasses import dataclass, field

from checker.corpus.resolve import resolve_host

MAX_HEADER_BYTES = 64 * 1024
REFUSED_HEADER = "X-VCSC-Egress"


class Refused(Exception):
    def __init__(self, reason_vi: str, reason_en: str):
        super().__init__(f"{reason_vi} / {reason_en}")
        self.reason = {"vi": reason_vi, "en": reason_en}


def _is_special(ip: ipaddress._BaseAddress) -> bool:
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass
class EgressPolicy:
    """Which hosts a probe run may reach. Patterns may start with '*.' for sub-domains.

    Private, loopback, link-local and other special addresses are refused unless they lie in
    `allowed_networks` (an operator setting; the tests and the demo allow 127.0.0.0/8).
    """
    hosts: set[str]
    allowed_networks: tuple[str, ...] = ()
    ips: set[str] = field(default_factory=set)

    def __post_init__(self):
        self.hosts = {h.lower().rstrip(".") for h in self.hosts}
        self._networks = [ipaddress.ip_network(n, strict=False) for n in self.allowed_networks]
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

    async def check(self, host: str) -> list[str]:
        """The addresses `host` may be reached at, or Refused."""
        if not self.host_allowed(host):
            raise Refused(f"máy chủ {host} không nằm trong phạm vi được phép", f"host {host} is outside the allowed hosts")
        loop = asyncio.get_running_loop()
        try:
            addresses = await loop.run_in_executor(None, resolve_host, host.strip("[]").rstrip("."))
        except OSError:
            raise Refused(f"không phân giải được {host}", f"cannot resolve {host}") from None
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if _is_special(ip) and not any(ip in net for net in self._networks):
                raise Refused(f"{host} trỏ tới địa chỉ nội bộ {address}", f"{host} resolves to the private address {address}")
        return addresses


@dataclass
class Refusal:
    host: str
    reason: dict
    at: float

    def to_dict(self) -> dict:
        return {"host": self.host, "reason": self.reason, "at": self.at}


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise ValueError("header too large")
    return head


def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line and ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _split_authority(authority: str, default_port: int) -> tuple[str, int]:
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = authority.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return authority, default_port


async def _relay_body(reader, writer, headers, *, is_response: bool, status: int = 0, method: str = "GET") -> bool:
    """Copy one message body; returns False when the body ends with the connection."""
    if is_response and (method == "HEAD" or status in (204, 304) or 100 <= status < 200):
        return True
    if (_header(headers, "transfer-encoding") or "").lower().endswith("chunked"):
        while True:
            size_line = await reader.readuntil(b"\r\n")
            writer.write(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the empty line
                    line = await reader.readuntil(b"\r\n")
                    writer.write(line)
                    if line == b"\r\n":
                        return True
            writer.write(await reader.readexactly(size + 2))
            await writer.drain()
    length = _header(headers, "content-length")
    if length is not None:
        remaining = int(length)
        while remaining:
            chunk = await reader.read(min(remaining, 65536))
            if not chunk:
                raise ConnectionError("body cut short")
            writer.write(chunk)
            remaining -= len(chunk)
            await writer.drain()
        return True
    if not is_response:
        return True
    while chunk := await reader.read(65536):  # body delimited by close
        writer.write(chunk)
        await writer.drain()
    return False


async def _pipe(reader, writer):
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


class EgressGuard:
    """An HTTP/CONNECT proxy on 127.0.0.1 that checks every connection against a policy and
    forwards either straight to the target or through the product's own proxy (`upstream`)."""

    def __init__(self, policy: EgressPolicy, upstream: str | None = None):
        self.policy = policy
        self.upstream = upstream
        self.refusals: list[Refusal] = []
        self.requests = 0
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def address(self) -> str:
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"

    async def start(self) -> "EgressGuard":
        if self.upstream:
            await self.policy.check(self.upstream.rsplit(":", 1)[0])
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_HEADER_BYTES)
        return self

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._server = None

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc):
        await self.stop()

    def _refuse(self, writer, host: str, refused: Refused, keep_alive: bool) -> None:
        self.refusals.append(Refusal(host, refused.reason, time.time()))
        body = (f"VCSC egress guard: {refused.reason['vi']} / {refused.reason['en']}\n").encode()
        writer.write(b"HTTP/1.1 403 Forbidden\r\n" + f"{REFUSED_HEADER}: refused\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n".encode() + body)

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.upstream:
            await self.policy.check(host)  # the target, even though the product's proxy connects to it
            up_host, up_port = _split_authority(self.upstream, 3128)
            addresses = await self.policy.check(up_host)
            return await asyncio.open_connection(addresses[0], up_port, limit=MAX_HEADER_BYTES)
        addresses = await self.policy.check(host)
        # Connect to the address that was checked, so DNS cannot answer differently twice.
        return await asyncio.open_connection(addresses[0], port, limit=MAX_HEADER_BYTES)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        upstream: tuple | None = None  # (key, reader, writer) kept alive between requests
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                request_line, headers = _parse_head(head)
                method, target, version = (request_line.split(" ") + ["", ""])[:3]
                self.requests += 1
                if method == "CONNECT":
                    await self._connect(reader, writer, target, version)
                    return
                if not target.startswith("http://"):
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                connection = (_header(headers, "proxy-connection") or _header(headers, "connection") or "").lower()
                client_close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
                authority = target[len("http://"):].split("/", 1)[0]
                host, port = _split_authority(authority, 80)
                path = target[len("http://") + len(authority):] or "/"
                key = self.upstream or f"{host.lower()}:{port}"
                try:
                    if upstream is None or upstream[0] != key:
                        if upstream:
                            upstream[2].close()
                        upstream = None
                        up_reader, up_writer = await self._open(host, port)
                        upstream = (key, up_reader, up_writer)
                    elif self.upstream:
                        await self.policy.check(host)
                except Refused as refused:
                    await _relay_body(reader, _Sink(), headers, is_response=False)
                    self._refuse(writer, host, refused, keep_alive=not client_close)
                    await writer.drain()
                    if client_close:
                        return
                    continue
                except OSError as exc:
                    body = f"VCSC egress guard: cannot connect to {host}:{port}: {exc}\n".encode()
                    writer.write(b"HTTP/1.1 502 Bad Gateway\r\n" + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
                    return
                _, up_reader, up_writer = upstream
                kept = [(k, v) for k, v in headers if k.lower() not in ("proxy-connection", "proxy-authorization")]
                line = f"{method} {target if self.upstream else path} {version}\r\n"
                up_writer.write((line + "".join(f"{k}: {v}\r\n" for k, v in kept) + "\r\n").encode("latin-1"))
                await _relay_body(reader, up_writer, headers, is_response=False)
                await up_writer.drain()
                response_head = await _read_head(up_reader)
                if response_head is None:
                    return
                status_line, response_headers = _parse_head(response_head)
                status = int(status_line.split(" ")[1])
                writer.write(response_head)
                if status == 101:  # WebSocket upgrade: from here on, bytes both ways
                    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
                    return
                complete = await _relay_body(up_reader, writer, response_headers, is_response=True, status=status, method=method)
                await writer.drain()
                if not complete or client_close:
                    return
                if (_header(response_headers, "connection") or "").lower() == "close":
                    # The server ends its side; the client's connection can go on to a new one.
                    upstream[2].close()
                    upstream = None
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.LimitOverrunError,
                asyncio.CancelledError):
            return  # a client or server went away, or the guard is stopping
        finally:
            if upstream:
                upstream[2].close()
            try:
                writer.close()
            except Exception:
                pass
            self._tasks.discard(task)

    async def _connect(self, reader, writer, authority: str, version: str) -> None:
        host, port = _split_authority(authority, 443)
        try:
            up_reader, up_writer = await self._open(host, port)
        except Refused as refused:
            self._refuse(writer, host, refused, keep_alive=False)
            await writer.drain()
            return
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        if self.upstream:
            up_writer.write(f"CONNECT {authority} {version}\r\nHost: {authority}\r\n\r\n".encode("latin-1"))
            await up_writer.drain()
        else:
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


class _Sink:
    """A writer that drops what it is given (the body of a refused request)."""

    def write(self, data: bytes) -> None:
        pass

    async def drain(self) -> None:
        pass
