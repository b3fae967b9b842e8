"""ASGI middleware refusing over-long request targets (path + query) with 414 problem+json, before routing."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from api.core.errors import bilingual, problem_response


class UrlLimit:
    """The request target's length in bytes as the client sent it (raw path and query string).

    uvicorn/h11 refuse a whole request head above their own limit with a plain-text 400 (`vcsc serve` sets that
    limit, VCSC_MAX_REQUEST_HEAD_BYTES, well above this one), so below it the client gets our problem+json."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
            length = len(path) + len(scope.get("query_string") or b"")
            if length > self.max_bytes:
                response = problem_response(
                    414,
                    bilingual(
                        f"Địa chỉ yêu cầu dài {length} byte, vượt quá {self.max_bytes} byte",
                        f"The request URL is {length} bytes long, over the limit of {self.max_bytes} bytes",
                    ),
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
