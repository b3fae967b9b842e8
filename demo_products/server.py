"""Serving a demo product's web app: uvicorn in a background thread, and for HTTPS a front
port that speaks both TLS and plain HTTP.

Real products listen on 80 and 443, and a probe checking "HTTP redirects to HTTPS" or
HSTS swaps the scheme of the same host. A browser that has seen HSTS upgrades
`http://host:PORT/` to `https://host:PORT/`, keeping the port. In a test bed every
product has one random port, so `DualSchemeFront` makes that one port behave like the
80/443 pair: a TLS ClientHello is passed through to the HTTPS app, anything else gets a
redirect to https on the same port.
"""

from __future__ import annotations

import asyncio
import html
import socket
import threading
import time

import uvicorn

from demo_products.netutil import ThreadedTCPServer, listening_socket, pipe
from demo_products.tls import CertificateFiles

TLS_HANDSHAKE = 0x16  # first byte of every TLS record carrying a handshake message


class AppServer:
    """An ASGI app served by uvicorn on 127.0.0.1 (port 0 = a free port), HTTPS when given a certificate."""

    def __init__(
        self,
        app,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        certificate: CertificateFiles | None = None,
        name: str = "app",
    ):
        self.app = app
        self.certificate = certificate
        self.name = name
        self._bind = (host, port)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.address = ""

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    def start(self) -> AppServer:
        self._socket = listening_socket(*self._bind)
        host, port = self._socket.getsockname()[:2]
        self.address = f"{host}:{port}"
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
            ssl_certfile=str(self.certificate.certfile) if self.certificate else None,
            ssl_keyfile=str(self.certificate.keyfile) if self.certificate else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=f"{self.name}-uvicorn", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: the web server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
        self.address = ""

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class DualSchemeFront(ThreadedTCPServer):
    """One public port: TLS goes to `tls_address`; plain HTTP is redirected to https on this port."""

    name = "https-front"

    def __init__(self, tls_address: str, *, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host=host, port=port)
        self.tls_address = tls_address

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await asyncio.wait_for(reader.readexactly(1), 30)
        except (TimeoutError, asyncio.IncompleteReadError):
            return
        if first[0] == TLS_HANDSHAKE:
            host, port = self.tls_address.rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            up_writer.write(first)
            try:
                await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
            finally:
                up_writer.close()
            return
        await self._redirect(first, reader, writer)

    async def _redirect(self, first: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # One answer per connection is enough: the client comes back over TLS.
        try:
            head = first + await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        host = next((line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("host:")), "")
        if len(parts) != 3 or not host:
            body = b"Bad request\n"
            writer.write(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
            return
        method, target = parts[0], parts[1]
        if target.startswith(("http://", "https://")):
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        if not target.startswith("/"):
            target = "/" + target
        if ":" not in host.rsplit("]", 1)[-1]:
            host = f"{host}:{self.port}"
        location = f"https://{host}{target}"
        # 301 keeps GET links working everywhere; 308 keeps the method and body of a form post.
        status = "301 Moved Permanently" if method in ("GET", "HEAD") else "308 Permanent Redirect"
        shown = html.escape(location)
        page = f'<!doctype html><title>HTTPS</title><p>Trang đã chuyển sang HTTPS / Moved to HTTPS: <a href="{shown}">{shown}</a></p>\n'
        data = page.encode("utf-8")
        writer.write(
            (
                f"HTTP/1.1 {status}\r\nLocation: {location}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
            ).encode("latin-1")
            + (b"" if method == "HEAD" else data)
        )
        await writer.drain()
