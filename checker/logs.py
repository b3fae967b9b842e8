"""Logging of the server, the worker and probe runs: plain stdlib `logging` calls everywhere, configured once here.

`configure(settings)` (called by `vcsc serve`, `vcsc worker` and `vcsc probe`, never on import) puts one handler
on the root logger, to stderr, in the format VCSC_LOG_FORMAT names, at VCSC_LOG_LEVEL:

* `text`: one human line per record, `2026-12-07T14:20:01.123Z INFO vcsc.jobs probe run 7 started
  request_id=… run_id=7` (the message, then the context as key=value; values with spaces are quoted);
* `json`: one JSON object per line with `time` (ISO 8601, UTC), `level`, `logger`, `message`, `request_id`, the
  context fields, any `extra={...}` fields of the call and, for exceptions, `exc_info` (the traceback).

Context. `request_id` is a context variable: the HTTP middleware (api.http.request_id) sets it per request, a
probe job sets one per execution. `log_context(run_id=…, probe=…)` adds fields to every record logged inside it,
in this thread or task only (contextvars), so concurrent requests and probe lanes do not mix. uvicorn's own loggers
(its access log too) go through the same handler, so they carry the same fields.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, TypeGuard

from checker.settings import CheckerSettings

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("vcsc_request_id", default=None)
_fields_var: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("vcsc_log_fields", default=None)

# The attributes every LogRecord has: anything else on a record came from `extra=` (or from our filter).
# uvicorn adds `color_message` (its message with ANSI colours) to its records: not for a log file.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}
_HANDLER_MARK = "_vcsc_handler"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


# --- request ids and context -----------------------------------------------------------------------------------


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> TypeGuard[str]:
    """A client's X-Request-ID is kept only if it is 1–64 characters of [A-Za-z0-9._-] (no spaces, quotes or
    control characters that could forge log lines or headers)."""
    return value is not None and _REQUEST_ID.fullmatch(value) is not None


def current_request_id() -> str | None:
    return request_id_var.get()


@contextlib.contextmanager
def request_context(request_id: str | None = None, **fields: Any) -> Iterator[str]:
    """Run the block under `request_id` (a new one unless given and valid) and extra context fields."""
    rid = request_id if valid_request_id(request_id) else new_request_id()
    token = request_id_var.set(rid)
    try:
        with log_context(**fields):
            yield rid
    finally:
        request_id_var.reset(token)


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` (e.g. run_id, probe, worker) to every record logged in the block; None values are left out."""
    token = _fields_var.set({**(_fields_var.get() or {}), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _fields_var.reset(token)


class ContextFilter(logging.Filter):
    """Puts the current request id and context fields on each record (a call's own `extra=` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        for key, value in (_fields_var.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        k: v
        for k, v in vars(record).items()
        if k not in _RECORD_ATTRIBUTES and k != "request_id" and not k.startswith("_") and v is not None
    }


def _iso_utc(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- formats -----------------------------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, then the context and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _iso_utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in _extra_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_BARE = re.compile(r"[^\s\"=]+")


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if _BARE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger> <message> request_id=… key=value…`: for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {"request_id": getattr(record, "request_id", None), **_extra_fields(record)}
        pairs = " ".join(f"{k}={_text_value(v)}" for k, v in fields.items() if v is not None)
        # A message may quote a client's input (a decoded path): its line breaks must not start a forged line.
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        line = f"{_iso_utc(record.created)} {record.levelname} {record.name} {message}"
        line = f"{line} {pairs}" if pairs else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return TextFormatter()
    raise ValueError(f"VCSC_LOG_FORMAT: text hoặc json / text or json, not {log_format!r}")


def configure(settings: CheckerSettings, stream: IO[str] | None = None) -> logging.Handler:
    """Set up logging from `settings` (log_format, log_level): one handler on the root logger, replacing the one a
    previous call installed (other handlers, e.g. pytest's, are left alone). uvicorn's loggers lose their own
    handlers and levels and propagate to it, so the access log has the same format."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter(settings.log_format))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.setLevel(logging.NOTSET)
        uvicorn_logger.propagate = True
    return handler
