"""Request limits: forms with too many fields or files, over-long URLs, and a real uvicorn server on loopback that
closes connections whose request head or body never completes (api.http.limits, api.http.server, api.web.security)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from click.testing import CliRunner

from api.app import create_app
from api.core.db import upgrade
from api.core.settings import Settings
from api.http.server import uvicorn_options
from api.web.security import MAX_FORM_FIELDS, MAX_FORM_FILES
from tests.web.conftest import text_of

PROBLEM = "application/problem+json"


# --- forms (in-process client) ---------------------------------------------------------------------


def test_sign_in_with_too_many_fields_is_a_413_page_not_a_500(world):
    client = world.site.browser().client
    fields = [(f"f{i}", "x") for i in range(MAX_FORM_FIELDS + 1)]
    response = client.post("/sign-in", data=dict(fields))
    assert response.status_code == 413, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "Biểu mẫu quá lớn" in text_of(response.text)
    english = client.post("/sign-in?lang=en", data=dict(fields))
    assert english.status_code == 413 and "The form is too large" in text_of(english.text)
    # Just under the limit the form is read (and refused for its missing CSRF token, as any such form).
    assert client.post("/sign-in", data=dict(fields[: MAX_FORM_FIELDS - 1])).status_code == 403


def test_multipart_verify_with_too_many_fields_or_files_is_413(world):
    client = world.site.browser().client
    many_fields = {f"f{i}": "x" for i in range(MAX_FORM_FIELDS + 1)}
    response = client.post("/certificates/verify", data=many_fields, files={"credential_file": ("c.jwt", b"x")})
    assert response.status_code == 413 and "Biểu mẫu quá lớn" in text_of(response.text)
    files = [("credential_file", (f"c{i}.jwt", b"x")) for i in range(MAX_FORM_FILES + 1)]
    response = client.post("/certificates/verify", files=files)
    assert response.status_code == 413 and response.headers["content-type"].startswith("text/html")


def test_a_malformed_multipart_body_is_a_400_page(world):
    client = world.site.browser().client
    response = client.post(
        "/certificates/verify",
        content=b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 400 and "Không đọc được biểu mẫu" in text_of(response.text)


def test_over_long_urls_are_414_problem_json(world):
    client = world.api.client
    for path in ("/api/v1/public/products?q=" + "a" * 9000, "/?q=" + "b" * 9000, "/" + "c" * 9000):
        response = client.get(path)
        assert response.status_code == 414, path[:40]
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == 414 and "vượt quá 8192 byte" in body["detail"] and "8192 bytes" in body["detail"]
    assert client.get("/api/v1/public/products?q=" + "a" * 100).status_code == 200


# --- a real server on loopback ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    url = f"sqlite:///{folder / 'vcsc.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        jobs_worker=False,
        keys_dir=folder / "keys",
        artifacts_dir=folder / "a",
        header_timeout_seconds=1.0,
        keep_alive_seconds=1,
        body_timeout_seconds=1.0,
    )
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on", **uvicorn_options(settings)
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    port = instance.servers[0].sockets[0].getsockname()[1]
    yield ("127.0.0.1", port)
    instance.should_exit = True
    thread.join(10)


def _connect(address) -> socket.socket:
    sock = socket.create_connection(address, timeout=10)
    sock.settimeout(10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout fails the test)."""
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _closed_after(sock: socket.socket) -> tuple[float, bytes]:
    start = time.monotonic()
    data = _read_all(sock)
    return time.monotonic() - start, data


def test_a_request_head_that_never_completes_is_closed(server):
    with _connect(server) as sock:
        sock.sendall(b"GET /api/v1/criteria HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        waited, data = _closed_after(sock)
    assert data == b"" and 0.5 < waited < 5, waited


def test_a_silent_connection_is_closed(server):
    with _connect(server) as sock:
        waited, data = _closed_after(sock)
    assert data == b"" and waited < 5, waited


def test_a_kept_alive_connection_is_closed_when_idle_and_when_its_next_head_stalls(server):
    with _connect(server) as sock:
        sock.sendall(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        waited, _ = _closed_after(sock)  # keep-alive timeout: 1 s
    assert waited < 5
    with _connect(server) as sock:
        sock.sendall(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 1")  # the next request stops half-way: the head timer runs
        start = time.monotonic()
        while time.monotonic() - start < 4:  # keep trickling nothing more; the server must close by itself
            try:
                if sock.recv(65536) == b"":
                    break
            except TimeoutError:
                pytest.fail("the half-sent second request kept the connection open")
        assert time.monotonic() - start < 4


def test_a_body_that_never_completes_is_408_problem_json(server):
    with _connect(server) as sock:
        sock.sendall(
            b"POST /api/v1/public/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{\"certificate_id\":"
        )
        waited, data = _closed_after(sock)
    assert data.startswith(b"HTTP/1.1 408"), data[:200]
    assert b"application/problem+json" in data and waited < 5


def test_long_urls_get_problem_json_and_huge_heads_a_small_refusal(server):
    with _connect(server) as sock:  # over our 8 KiB URL limit, under the server's 16 KiB head limit
        sock.sendall(b"GET /api/v1/public/products?q=" + b"a" * 12_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = _read_all(sock)
    assert data.startswith(b"HTTP/1.1 414") and b"application/problem+json" in data
    with _connect(server) as sock:  # a head still growing past the server's 16 KiB: its own short refusal
        sock.sendall(b"GET /?q=")
        try:
            for _ in range(6):
                sock.sendall(b"a" * 8192)
                time.sleep(0.05)  # in pieces, so the server holds an unfinished head
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            data = _read_all(sock)
        except ConnectionResetError:
            data = b""
    assert data.startswith(b"HTTP/1.1 400") and len(data) < 400, data[:400]


def test_vcsc_serve_passes_the_limits_to_uvicorn(tmp_path, monkeypatch):
    from api.cli import main

    url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VCSC_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("VCSC_HEADER_TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("VCSC_KEEP_ALIVE_SECONDS", "3")
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    result = CliRunner().invoke(main, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["timeout_keep_alive"] == 3 and seen["h11_max_incomplete_event_size"] == 16 * 1024
    assert seen["http"].header_timeout == 7.0 and seen["port"] == 8123
