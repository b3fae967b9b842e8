"""Plumbing shared by the demo products' network servers: listening sockets and a TCP server
running its own asyncio loop in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 64 * 1024


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound, listening TCP socket whose accepted connections get TCP_NODELAY.

    asyncio turns Nagle's algorithm off only for sockets whose protocol number is
    IPPROTO_TCP, and `socket.create_server` leaves it 0; with Nagle on, a response
    written in two pieces waits for a delayed ACK and every page costs 40 ms more.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(256)
    except OSError:
        sock.close()
        raise
    return sock


class ThreadedTCPServer:
    """A TCP server on its own asyncio loop in a daemon thread; a context manager.

    Subclasses implement `handle(reader, writer)` for one connection. The socket is bound
    in the caller's thread, so a port clash is raised to the caller, and port 0 picks a
    free port (see `address`).
    """

    name = "server"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self._bind = (host, port)
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._tasks: set[asyncio.Task] = set()
        self._address = ""

    @property
    def address(self) -> str:
        """ "127.0.0.1:PORT" while running."""
        if not self._address:
            raise RuntimeError(f"{self.name} is not running")
        return self._address

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    def start(self):
        if self._thread is not None:
            return self
        self._socket = listening_socket(*self._bind)
        host, port = self._socket.getsockname()[:2]
        self._address = f"{host}:{port}"
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-loop", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError(f"{self.name} failed to start") from self._error
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop may already be gone
                self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)
        self._thread = None
        self._address = ""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def on_stop(self) -> None:
        """Called in the loop after the last connection was cancelled."""

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
            self._ready.set()
            log.exception("%s stopped with an error", self.name)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._serve, sock=self._socket, limit=MAX_HEAD_BYTES)
        self._ready.set()
        async with server:
            await self._stopping.wait()
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.on_stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # a connection of the server is served in a task
        self._tasks.add(task)
        try:
            await self.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # Only stop() cancels connections. Ending normally instead of re-raising keeps
            # asyncio's stream callback (3.11) from logging a traceback for each of them.
            pass
        except Exception:
            log.exception("%s: unexpected error on a connection", self.name)
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            self._tasks.discard(task)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes until end of stream, then half-close, so a TLS close_notify still gets through."""
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        with contextlib.suppress(Exception):
            writer.close()
