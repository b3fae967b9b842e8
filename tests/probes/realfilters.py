"""Real, independently written filtering proxies for the filter-probe tests: Privoxy with a
block action file and Squid with squidGuard, each started on a loopback port from config
files generated in a temp dir (no system service), with blacklists built from the corpus.

Also the ground truth those tests compare the probes with, computed without the probes: a
plain HTTP client fetching each URL directly and through the proxy.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

PRIVOXY = "/usr/sbin/privoxy"
SQUID = "/usr/sbin/squid"
SQUIDGUARD = "/usr/bin/squidGuard"
PRIVOXY_TEMPLATES = "/etc/privoxy/templates"
SETUP_HINT = "run scripts/setup (it installs privoxy, squid and squidguard from Debian)"
PRIVOXY_REASON = "Blocked by the VCSC test blacklist"
SQUIDGUARD_BLOCK_TEXT = "Access denied / Truy cập bị từ chối"


def missing_binaries() -> list[str]:
    return [b for b in (PRIVOXY, SQUID, SQUIDGUARD) if not os.access(b, os.X_OK)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path | None, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"proxy exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:] if log and log.exists() else ''}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(
        f"proxy did not listen on {port}: {log.read_text(errors='replace')[-2000:] if log and log.exists() else ''}"
    )


def _url_key(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or 80, parts.path or "/"


@dataclass
class RunningProxy:
    name: str
    port: int
    proc: subprocess.Popen
    workdir: Path
    blocked_urls: list[str] = field(default_factory=list)
    extra: list = field(default_factory=list)  # helpers to stop with it (a block-page server)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        # Only the process this helper started, by its own handle.
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for helper in self.extra:
            helper.stop()
        if self.name.startswith("squid"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_privoxy(workdir: Path, blocked_urls: list[str], *, forward_to: str | None = None) -> RunningProxy:
    """Privoxy on a free loopback port, blocking `blocked_urls` with its block action (its own
    block page, HTTP 403). With `forward_to` (host:port of a dead parent), every request fails
    with Privoxy's own forwarding-failure page: a product that cannot reach the corpus."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    patterns = []
    for url in blocked_urls:
        host, url_port, path = _url_key(url)
        patterns.append(f"{host}:{url_port}{path}")
    (workdir / "vcsc.action").write_text(
        "{ +block{" + PRIVOXY_REASON + "} }\n" + "\n".join(patterns) + "\n", encoding="utf-8"
    )
    lines = [
        f"listen-address 127.0.0.1:{port}",
        f"confdir {workdir}",
        f"templdir {PRIVOXY_TEMPLATES}",
        f"logdir {workdir}",
        "logfile privoxy.log",
        "actionsfile vcsc.action",
        "toggle 1",
        "enable-remote-toggle 0",
        "enable-edit-actions 0",
        "enable-remote-http-toggle 0",
        "keep-alive-timeout 5",
        "socket-timeout 10",
        "max-client-connections 64",
        "debug 1",
    ]
    if forward_to:
        lines.append(f"forward / {forward_to}")
    (workdir / "config").write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = workdir / "privoxy.log"
    proc = subprocess.Popen(
        [PRIVOXY, "--no-daemon", str(workdir / "config")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    wait_for_port(port, proc, log)
    return RunningProxy("privoxy", port, proc, workdir, list(blocked_urls))


class _BlockPage(BaseHTTPRequestHandler):
    """The school's block page that squidGuard rewrites blocked requests to: HTTP 200, no reason."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Access denied</title></head>"
            f"<body><h1>{SQUIDGUARD_BLOCK_TEXT}</h1><p>Contact the network administrator.</p></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class BlockPageServer:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _BlockPage)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def start_squid(workdir: Path | None, blocked_urls: list[str], *, parent: str | None = None) -> RunningProxy:
    """Squid on a free loopback port with squidGuard as its URL rewriter: blocked URLs are
    rewritten (not redirected) to a block page, so the child sees HTTP 200 under the original
    URL. DNS goes to 127.0.0.1 only (names come from /etc/hosts). With `parent` (host:port of
    a dead parent proxy) every request fails with Squid's own error page."""
    # Squid and squidGuard drop to the "proxy" user, who must reach the files: a folder of our
    # own under /tmp (a pytest tmp_path sits under folders only root may enter).
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="vcsc-squid-", dir="/tmp"))
    os.chmod(workdir, 0o755)
    port = free_port()
    block = BlockPageServer()
    db = workdir / "db" / "vcsc"
    db.mkdir(parents=True, exist_ok=True)
    logdir = workdir / "log"
    logdir.mkdir(exist_ok=True)
    entries = []
    for url in blocked_urls:
        host, _, path = _url_key(url)
        entries.append(f"{host}{path}")
    (db / "urls").write_text("\n".join(entries) + "\n", encoding="utf-8")
    (db / "domains").write_text("", encoding="utf-8")
    (workdir / "squidGuard.conf").write_text(
        f"dbhome {workdir / 'db'}\nlogdir {logdir}\n\n"
        "dest vcsc {\n  domainlist vcsc/domains\n  urllist vcsc/urls\n}\n\n"
        "acl {\n  default {\n    pass !vcsc all\n"
        f"    redirect http://127.0.0.1:{block.port}/blocked?url=%u\n  }}\n}}\n",
        encoding="utf-8",
    )
    lines = [
        f"http_port 127.0.0.1:{port}",
        f"pid_filename {workdir / 'squid.pid'}",
        f"cache_log {logdir / 'cache.log'}",
        f"access_log {logdir / 'access.log'}",
        "cache deny all",
        "cache_mem 8 MB",
        f"coredump_dir {workdir}",
        "visible_hostname vcsc-test",
        "http_access allow all",
        "dns_nameservers 127.0.0.1",
        "hosts_file /etc/hosts",
        "icp_port 0",
        "htcp_port 0",
        "shutdown_lifetime 0 seconds",
        "netdb_filename none",
        "forwarded_for delete",
        "via off",
        f"url_rewrite_program {SQUIDGUARD} -c {workdir / 'squidGuard.conf'}",
        "url_rewrite_children 2 startup=2 idle=1 concurrency=0",
        "logfile_rotate 0",
    ]
    if parent:
        host, parent_port = parent.rsplit(":", 1)
        lines += [
            f"cache_peer {host} parent {parent_port} 0 no-query no-digest",
            "never_direct allow all",
            "connect_timeout 3 seconds",
        ]
    (workdir / "squid.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for entry in [workdir, *workdir.rglob("*")]:
        os.chmod(entry, 0o777 if entry.is_dir() else 0o666)
    log = logdir / "cache.log"
    proc = subprocess.Popen(
        [SQUID, "-N", "-f", str(workdir / "squid.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    try:
        wait_for_port(port, proc, log, seconds=40)
    except Exception:
        proc.kill()
        block.stop()
        raise
    running = RunningProxy("squid+squidGuard", port, proc, workdir, list(blocked_urls), extra=[block])
    # squidGuard starts with squid's first requests; wait until a blocked URL is really rewritten.
    if blocked_urls and not parent:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, body = fetch(blocked_urls[0], proxy=running.address)
            if SQUIDGUARD_BLOCK_TEXT.encode() in body:
                break
            time.sleep(0.3)
    return running


def fetch(url: str, *, proxy: str | None = None, timeout: float = 10.0) -> tuple[int | None, bytes]:
    """(status, body) of a GET with a plain HTTP client, directly or through `proxy` (absolute-form)."""
    parts = urlsplit(url)
    if proxy:
        host, port = proxy.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        target = url
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", target, headers={"Host": parts.netloc, "User-Agent": "vcsc-ground-truth"})
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return None, b""
    finally:
        conn.close()


def ground_truth_blocked(url: str, proxy: str) -> bool | None:
    """True when the proxy does not deliver the page it delivers directly; None when the page
    fails directly (nothing to judge)."""
    direct_status, direct_body = fetch(url)
    if direct_status is None or direct_status >= 400:
        return None
    status, body = fetch(url, proxy=proxy)
    return not (status == direct_status and body == direct_body)


def binaries_or_fail() -> None:
    import pytest

    missing = missing_binaries()
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: {SETUP_HINT}", pytrace=False)


def cleanup(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
