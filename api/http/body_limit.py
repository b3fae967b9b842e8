"""ASGI middleware refusing request bodies over VCSC_MAX_BODY_BYTES with 413, by Content-Length and by count,
and bodies that do not arrive in full within VCSC_BODY_TIMEOUT_SECONDS with 408."""

from __future__ import annotations

import asyncio
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.errors import bilingual, problem_response


class BodyLimit:
    """Reads the whole body (at most `max_bytes`) before the app runs, then replays it.

    Counting while streaming catches chunked uploads that carry no Content-Length; reading first
    means a route never sees half a body and nothing is written before the 413.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        timeout_seconds: float | None = None,
        larger: tuple[tuple[re.Pattern[str], int], ...] = (),
    ):
        self.app = app
        self.max_bytes = max_bytes
        # (path pattern, limit) for the few routes that take more than a JSON body, e.g. evidence file uploads.
        self.larger = larger
        # One deadline for the whole body, not per chunk: a client trickling a byte at a time cannot hold a
        # worker for longer than this.
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = next(
            (
                limit
                for pattern, limit in self.larger
                if scope.get("method") == "POST" and pattern.fullmatch(scope.get("path", ""))
            ),
            self.max_bytes,
        )
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(scope, receive, send, max_bytes)
            return
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.timeout_seconds):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":  # client went away
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > max_bytes:
                        await self._refuse(scope, receive, send, max_bytes)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            response = problem_response(
                408,
                bilingual(
                    f"Nội dung yêu cầu không đến đủ trong {self.timeout_seconds:g} giây",
                    f"The request body did not arrive in full within {self.timeout_seconds:g} seconds",
                ),
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = problem_response(
            413,
            bilingual(f"Nội dung yêu cầu vượt quá {max_bytes} byte", f"The request body exceeds {max_bytes} bytes"),
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
