"""Logging (checker/logs.py): VCSC_LOG_FORMAT=json gives one JSON object a line with the request id and context,
text gives readable key=value lines, and a real uvicorn server's access line carries the request's id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import socket
import threading
import time
import urllib.request

import pytest
import uvicorn

from api.core.settings import Settings
from api.http.request_id import RequestId
from api.http.server import uvicorn_options
from checker.logs import (
    ContextFilter,
    JsonFormatter,
    TextFormatter,
    configure,
    log_context,
    request_context,
    valid_request_id,
)
from checker.settings import CheckerSettings

ISO_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def capture():
    """configure() writing into a buffer; the handler is taken off again afterwards."""
    handlers = []

    def start(log_format: str, level: str = "INFO") -> io.StringIO:
        stream = io.StringIO()
        handlers.append(configure(CheckerSettings(log_format=log_format, log_level=level), stream=stream))
        return stream

    root = logging.getLogger()
    level = root.level
    yield start
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def test_json_lines_parse_with_time_level_logger_message_request_id_and_extras(capture):
    stream = capture("json")
    log = logging.getLogger("vcsc.test")
    with request_context("abc-123", run_id=7):
        log.info("probe run %s: %d probe(s)", 7, 2, extra={"probes": ["transport", "rta_label"]})
        try:
            raise ValueError("hỏng / broken")
        except ValueError:
            log.exception("probe run failed")
    log.warning("outside")
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "probe run 7: 2 probe(s)" and first["level"] == "INFO" and first["logger"] == "vcsc.test"
    assert first["request_id"] == "abc-123" and first["run_id"] == 7 and first["probes"] == ["transport", "rta_label"]
    assert re.fullmatch(ISO_UTC, first["time"])
    assert second["level"] == "ERROR" and "ValueError: hỏng / broken" in second["exc_info"]
    assert third["message"] == "outside" and third["request_id"] is None and "run_id" not in third


def test_text_lines_are_readable_key_value(capture):
    stream = capture("text")
    with request_context("req-1", product="Lá chắn gia đình"):
        logging.getLogger("vcsc.api").info("đã lưu / saved")
    line = stream.getvalue().rstrip("\n")
    assert "\n" not in line
    time_part, level, logger, rest = line.split(" ", 3)
    assert level == "INFO" and logger == "vcsc.api"
    assert rest == 'đã lưu / saved request_id=req-1 product="Lá chắn gia đình"'
    assert not line.startswith("{")


def test_the_level_setting_filters_and_a_second_configure_replaces_the_first(capture):
    first = capture("text", level="WARNING")
    logging.getLogger("vcsc.test").info("hidden")
    second = capture("json")
    logging.getLogger("vcsc.test").info("shown once")
    assert first.getvalue() == ""
    assert [json.loads(line)["message"] for line in second.getvalue().splitlines()] == ["shown once"]
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_vcsc_handler", False)]
    assert len(ours) == 1


def test_a_bad_format_is_refused_by_the_settings():
    with pytest.raises(ValueError):
        CheckerSettings(log_format="xml")


def test_context_stays_with_its_task():
    """Two probe lanes side by side: each line carries its own lane's probe, never the other's."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.addFilter(ContextFilter())
    handler.emit = records.append  # type: ignore[method-assign]
    log = logging.getLogger("vcsc.lanes")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    async def lane(probe: str) -> None:
        with log_context(probe=probe):
            for step in range(3):
                await asyncio.sleep(0)
                log.info("%s step %d", probe, step)

    async def both() -> None:
        with request_context("run-9"):
            await asyncio.gather(lane("transport"), lane("rta_label"))

    try:
        asyncio.run(both())
    finally:
        log.removeHandler(handler)
    assert len(records) == 6
    assert all(r.getMessage().startswith(r.probe) and r.request_id == "run-9" for r in records)


@pytest.mark.parametrize(
    "value, ok",
    [
        ("a", True),
        ("A.b_c-9", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("", False),
        (None, False),
        ("a b", False),
        ("a\nb", False),
        ("é", False),
    ],
)
def test_which_incoming_ids_are_kept(value, ok):
    assert valid_request_id(value) is ok


def test_formatters_leave_uvicorns_colour_copy_out():
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "Started", None, None)
    record.color_message = "\x1b[32mStarted\x1b[0m"
    record.request_id = None
    assert "color_message" not in json.loads(JsonFormatter().format(record))
    assert "\x1b" not in TextFormatter().format(record)


def test_a_real_uvicorn_servers_access_line_carries_the_request_id(capture):
    async def hello(scope, receive, send):
        logging.getLogger("vcsc.test").info("handling")
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    stream = capture("json")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(RequestId(hello), lifespan="off", **uvicorn_options(Settings())))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/hello", headers={"X-Request-ID": "from-the-lb"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["X-Request-ID"] == "from-the-lb"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    handling = next(line for line in lines if line["message"] == "handling")
    access = next(line for line in lines if line["logger"] == "uvicorn.access")
    assert handling["request_id"] == access["request_id"] == "from-the-lb"
    assert '"GET /hello HTTP/1.1" 200' in access["message"]


def test_a_line_break_in_a_message_cannot_forge_a_text_line(capture):
    stream = capture("text")
    logging.getLogger("vcsc.api").error("unhandled error on GET %s", "/x\n2026-12-07T00:00:00.000Z INFO fake line")
    assert len(stream.getvalue().splitlines()) == 1
    assert "/x\\n2026-12-07" in stream.getvalue()
