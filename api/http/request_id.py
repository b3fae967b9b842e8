"""ASGI middleware giving every HTTP request a request id (the outermost layer, so every answer has one).

A client's `X-Request-ID` is kept when it is 1–64 characters of [A-Za-z0-9._-]; otherwise (absent, too long, other
characters) a new one is made (uuid4, hex). The id is the context variable `checker.logs.request_id_var` while the
request runs, so it is on every log line of the request (uvicorn's access line too), in every problem+json body
(`request_id`, api.core.errors.problem_response), in every audit event the request records (api.domain.audit), and
in the `X-Request-ID` response header.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from checker.logs import REQUEST_ID_HEADER, new_request_id, request_id_var, valid_request_id


class RequestId:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = incoming if valid_request_id(incoming) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in headers:
                    headers.append(REQUEST_ID_HEADER, request_id)
            await send(message)

        # Not reset when the app raises: Starlette's outer ServerErrorMiddleware then renders the 500 (and uvicorn
        # logs the error) in this same task, still under this id. Each request runs in a task of its own.
        token = request_id_var.set(request_id)
        await self.app(scope, receive, send_with_id)
        request_id_var.reset(token)
