"""The built-in corpus over HTTP: a small threaded server that routes by path only.

The Host header is ignored on purpose: the filter-bypass probe asks for the same page by
its category host name, a mirror name, the raw IP, an upper-case or trailing-dot name,
and each must reach the same page, so whatever the filter lets through is measured.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from checker.corpus.generate import (
    CONTROL_PREFIX,
    DEFAULT_DOMAIN,
    DEFAULT_SEED,
    build_controls,
    build_corpus,
    render,
    render_control,
)
from checker.corpus.lists import to_csv
from checker.corpus.model import CATEGORIES, CATEGORY_TITLES, CorpusPage

log = logging.getLogger(__name__)

PAGE_PREFIX = "/p/"


def request_path(target: str) -> str:
    """The decoded path of a request target, origin-form or absolute-form.

    Proxies may forward "http://host/p/id" instead of "/p/id". Percent-encoding is
    decoded ("/p/adult%2Dvi%2D0007" is "/p/adult-vi-0007"); case is kept.
    """
    if target.startswith("/"):
        # Not urlsplit: it would read "//p/x" as a host name.
        path = target.split("?", 1)[0].split("#", 1)[0]
    else:
        path = urlsplit(target).path or "/"
    return unquote(path)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response has a Content-Length
    # Headers and body go out in separate writes; without TCP_NODELAY every page waits
    # ~40 ms for the delayed ACK, which would swamp the timings the probes measure.
    disable_nagle_algorithm = True
    server_version = "VCSC-Corpus/1.0"
    timeout = 30  # an idle keep-alive connection ends on its own

    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _route(self) -> tuple[int, dict[str, str], bytes]:
        corpus: CorpusServer = self.server.corpus
        path = request_path(self.path)
        if path.startswith(PAGE_PREFIX):
            return render(path[len(PAGE_PREFIX) :], corpus.seed)
        if path.startswith(CONTROL_PREFIX):
            return render_control(path[len(CONTROL_PREFIX) :], corpus.seed)
        if path == "/corpus.csv":
            return 200, {"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store"}, corpus.csv_bytes
        if path == "/healthz":
            body = json.dumps({"status": "ok", "pages": len(corpus.pages), "seed": corpus.seed}).encode()
            return 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, body
        return 404, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}, b"not found\n"

    def _respond(self, send_body: bool) -> None:
        status, headers, body = self._route()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        log.debug("%s %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], corpus: CorpusServer):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.corpus = corpus
        self.connections: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-response (a filter dropping a page, a browser moving
        # on) is ordinary here, not worth a traceback on stderr.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            log.debug("connection from %s ended: %s", client_address, exc)
        else:
            log.exception("error while serving %s", client_address)


class CorpusServer:
    """The built-in corpus on `host:port` (0 = a free port), served from a background thread.

    with CorpusServer() as server:
        server.port, server.pages   # pages carry URLs with the real port
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        domain: str = DEFAULT_DOMAIN,
        seed: int = DEFAULT_SEED,
        public_host: str | None = None,
    ):
        self.host = host
        self.seed = seed
        self.domain = domain
        self.public_host = public_host
        self._httpd = _HTTPServer((host, port), self)
        self.port: int = self._httpd.server_address[1]
        base = f"{host}:{self.port}" if ":" not in host else f"[{host}]:{self.port}"
        self.pages: list[CorpusPage] = build_corpus(base, domain, seed, public_host=public_host)
        # Harmless pages every filter must let through (category "control"), listed in the CSV too.
        self.controls: list[CorpusPage] = build_controls(base, domain, seed, public_host=public_host)
        self.csv_bytes = to_csv(self.pages + self.controls).encode("utf-8")
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def base_url(self) -> str:
        host = self.public_host or self.host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}"

    def counts(self) -> dict[str, int]:
        """Pages per category, in category order."""
        counter = Counter(page.category for page in self.pages)
        return {category: counter[category] for category in CATEGORIES if counter[category]}

    def start(self) -> CorpusServer:
        if self._closed:
            raise RuntimeError("the corpus server was stopped; make a new one")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"corpus-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close open keep-alive connections, free the port."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        # Handler threads wait on idle keep-alive sockets; shutting those down ends them
        # now instead of after the idle timeout.
        for conn in list(self._httpd.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._httpd.server_close()

    def __enter__(self) -> CorpusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    domain: str = DEFAULT_DOMAIN,
    seed: int = DEFAULT_SEED,
    out: TextIO | None = None,
    public_host: str | None = None,
    csv_path: str | None = None,
) -> None:
    """`vcsc corpus serve`: serve until Ctrl-C, after printing the base URL and page counts.

    `public_host` is the name or address the product's proxy reaches this machine by (every
    page is then on that host); `csv_path` is where to write the URL list (with markers and
    the reachability controls) that a manifest's `corpus.csv` points at.
    """

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    with CorpusServer(host, port, domain=domain, seed=seed, public_host=public_host) as server:
        say(f"Bộ trang thử / corpus: {server.base_url}  (seed {seed}, {len(server.pages)} trang / pages)")
        for category, count in server.counts().items():
            title = CATEGORY_TITLES[category]
            say(f"  {category:<15} {count:>5}  {title['vi']} / {title['en']}")
        say(f"Trang đối chứng / reachability controls: {', '.join(p.url for p in server.controls)}")
        say(f"Ví dụ / example: {server.pages[0].url}")
        if csv_path:
            from pathlib import Path

            Path(csv_path).write_bytes(server.csv_bytes)
            say(
                f"Đã ghi danh sách URL / URL list written: {csv_path}  (manifest: \"corpus\": {{\"csv\": \"{csv_path}\"}})"
            )
        say(f"Danh sách / list: {server.base_url}/corpus.csv — Ctrl-C để dừng / to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            say("Đã dừng / stopped")
