"""How `vcsc serve` runs uvicorn: h11 with a bounded request head, a keep-alive timeout, and a request-head timeout.

uvicorn (0.55) has no timeout for a request head that never completes: its keep-alive timer only runs between
requests and stops at the first byte of the next one, and nothing is armed on a fresh connection, so a client that
sends half a request line and waits keeps the connection open for ever. `HeadTimeoutH11Protocol` closes any
connection whose request head is not complete `header_timeout` seconds after the connection opened, or after the
first byte of a kept-alive connection's next request (the idea of nginx's client_header_timeout). The body has its
own deadline in api.http.body_limit.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.core.settings import Settings


class HeadTimeoutH11Protocol(H11Protocol):
    header_timeout: float = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # still waiting for (the rest of) a request head
            if self._head_timer is None:
                self._arm_head_timer()
        else:
            self._cancel_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        # Between requests the keep-alive timeout governs; the head timer starts again with the next byte.
        self._cancel_head_timer()
        super().on_response_complete()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        # IDLE: no complete request head in this cycle (a request being answered is past IDLE).
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closing a connection whose request head did not arrive within %gs", self.header_timeout)
            self.transport.close()


def protocol_class(header_timeout: float) -> type[HeadTimeoutH11Protocol]:
    return type("HeadTimeoutH11Protocol", (HeadTimeoutH11Protocol,), {"header_timeout": header_timeout})


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run / uvicorn.Config from the settings."""
    # log_config None: uvicorn keeps its hands off logging; its loggers (the access log too) propagate to the
    # handler checker.logs.configure installed, in VCSC_LOG_FORMAT with the request id.
    return {
        "http": protocol_class(settings.header_timeout_seconds),
        "h11_max_incomplete_event_size": settings.max_request_head_bytes,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "log_config": None,
    }
