"""Errors as RFC 9457 problem+json, bilingual (Vietnamese / English), with JSON pointers for bad input."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from checker.logs import REQUEST_ID_HEADER, current_request_id

log = logging.getLogger("vcsc.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_ERRORS = 100  # a hostile 1 MiB body could otherwise fill a response with thousands of errors

# status -> (type slug, title)
_STATUS = {
    400: ("bad-request", "Yêu cầu không hợp lệ / Bad request"),
    401: ("unauthenticated", "Chưa xác thực / Not authenticated"),
    403: ("forbidden", "Không có quyền / Forbidden"),
    404: ("not-found", "Không tìm thấy / Not found"),
    405: ("method-not-allowed", "Phương thức không được hỗ trợ / Method not allowed"),
    408: ("request-timeout", "Hết thời gian chờ yêu cầu / Request timeout"),
    409: ("conflict", "Xung đột / Conflict"),
    413: ("content-too-large", "Nội dung quá lớn / Content too large"),
    414: ("uri-too-long", "Địa chỉ yêu cầu quá dài / URI too long"),
    415: ("unsupported-media-type", "Kiểu nội dung không được hỗ trợ / Unsupported media type"),
    422: ("invalid-input", "Dữ liệu không hợp lệ / Invalid input"),
    429: ("too-many-requests", "Quá nhiều yêu cầu / Too many requests"),
    500: ("server-error", "Lỗi máy chủ / Internal server error"),
}


def bilingual(vi: str, en: str) -> str:
    return f"{vi} / {en}"


class ProblemItem(BaseModel):
    pointer: str | None = None
    parameter: str | None = None
    message: str


class Problem(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] = []
    request_id: str | None = None  # the request's X-Request-ID: quote it when reporting a problem


# For the OpenAPI document: every route may answer with a problem.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": title}
    for status, (_, title) in _STATUS.items()
    if status in (400, 401, 403, 404, 409, 413, 422)
}


class ApiError(Exception):
    """Raised anywhere in a request; rendered as problem+json and the transaction rolled back."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict] | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers, self.extra = status, detail, errors or [], headers, extra


def not_found(what_vi: str, what_en: str) -> ApiError:
    return ApiError(404, bilingual(f"Không tìm thấy {what_vi}", f"{what_en} not found"))


def forbidden(
    vi: str = "Vai trò của bạn không được làm việc này", en: str = "Your role is not allowed to do this"
) -> ApiError:
    return ApiError(403, bilingual(vi, en))


def unauthenticated(
    vi: str = "Cần đăng nhập (Authorization: Bearer <token>)",
    en: str = "Authentication required (Authorization: Bearer <token>)",
) -> ApiError:
    return ApiError(401, bilingual(vi, en), headers={"WWW-Authenticate": "Bearer"})


def too_many_requests(retry_after: int, vi: str, en: str) -> ApiError:
    """429 with Retry-After (seconds), also given in the body as `retry_after`."""
    return ApiError(429, bilingual(vi, en), headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def conflict(vi: str, en: str, **extra: Any) -> ApiError:
    return ApiError(409, bilingual(vi, en), **extra)


def invalid(
    errors: list[dict], vi: str = "Dữ liệu gửi lên không hợp lệ", en: str = "The submitted data is invalid"
) -> ApiError:
    return ApiError(422, bilingual(vi, en), errors)


def body_pointer(*tokens: Any) -> str:
    """An RFC 6901 JSON pointer from path tokens (dict keys, list indices)."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            # Pointers echo the client's keys; a lone surrogate in one must not turn a 422 into a 500.
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem_response(
    status: int,
    detail: str,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
    *,
    slug: str | None = None,
    title: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response; type and title follow from the status unless given. Inside a request it carries
    the request's id (`request_id`, as in the X-Request-ID header and the log lines; api.http.request_id)."""
    default_slug, default_title = _STATUS.get(status, ("error", bilingual("Lỗi", "Error")))
    body = {
        "type": f"https://vcsc.vn/problems/{slug or default_slug}",
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "errors": (errors or [])[:MAX_ERRORS],
        **extra,
    }
    request_id = current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
        # Also set here: a 500 is sent by Starlette's outermost layer, around the request-id middleware.
        headers = {**(headers or {}), REQUEST_ID_HEADER: request_id}
    return ProblemResponse(body, status_code=status, headers=headers)


# --- pydantic / FastAPI validation errors ---------------------------------------------------

# Vietnamese leads for pydantic's English messages; the English message follows unchanged.
_PYDANTIC_VI = {
    "missing": "Thiếu trường bắt buộc",
    "extra_forbidden": "Trường không được phép",
    "string_type": "Phải là chuỗi ký tự",
    "string_too_short": "Chuỗi quá ngắn",
    "string_too_long": "Chuỗi quá dài",
    "string_pattern_mismatch": "Chuỗi không đúng định dạng",
    "int_type": "Phải là số nguyên",
    "int_parsing": "Phải là số nguyên",
    "int_from_float": "Phải là số nguyên",
    "float_type": "Phải là số",
    "float_parsing": "Phải là số",
    "finite_number": "Phải là số hữu hạn",
    "bool_type": "Phải là true hoặc false",
    "bool_parsing": "Phải là true hoặc false",
    "greater_than": "Giá trị quá nhỏ",
    "greater_than_equal": "Giá trị quá nhỏ",
    "less_than": "Giá trị quá lớn",
    "less_than_equal": "Giá trị quá lớn",
    "literal_error": "Giá trị không nằm trong danh sách cho phép",
    "enum": "Giá trị không nằm trong danh sách cho phép",
    "list_type": "Phải là danh sách",
    "dict_type": "Phải là đối tượng JSON",
    "model_type": "Phải là đối tượng JSON",
    "model_attributes_type": "Phải là đối tượng JSON",
    "too_short": "Quá ít phần tử",
    "too_long": "Quá nhiều phần tử",
    "json_invalid": "JSON không hợp lệ",
    "json_type": "Phải là JSON",
}
CUSTOM_ERROR_TYPE = "vcsc"  # our own validators already write "Vietnamese / English"


def _validation_message(error: Mapping[str, Any]) -> str:
    msg = str(error.get("msg", ""))
    if error.get("type") == CUSTOM_ERROR_TYPE:
        return msg
    return bilingual(_PYDANTIC_VI.get(error.get("type", ""), "Giá trị không hợp lệ"), msg)


def validation_items(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI error locations as JSON pointers into the body, or parameter names for query/path/header."""
    items = []
    for error in errors:
        loc = list(error.get("loc", ()))
        where = loc.pop(0) if loc else "body"
        if where == "body":
            items.append({"pointer": body_pointer(*loc), "message": _validation_message(error)})
        else:
            items.append({"parameter": f"{where}.{'.'.join(map(str, loc))}", "message": _validation_message(error)})
    return items


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    malformed = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if malformed is not None:
        position = malformed.get("loc", ("body", "?"))[-1]
        reason = (malformed.get("ctx") or {}).get("error", "")
        return problem_response(
            400,
            bilingual(
                f"Không đọc được JSON ở vị trí {position}", f"Cannot parse JSON at position {position}: {reason}"
            ),
            [{"pointer": "", "message": bilingual("JSON không hợp lệ", f"malformed JSON: {reason}")}],
            slug="malformed-json",
            title=bilingual("JSON không hợp lệ", "Malformed JSON"),
        )
    if isinstance(exc.body, (bytes, bytearray)):
        # FastAPI parses bodies only when they are declared JSON; anything else arrives as bytes.
        return problem_response(
            415,
            bilingual(
                "Hãy gửi JSON với Content-Type: application/json", "Send JSON with Content-Type: application/json"
            ),
        )
    return problem_response(
        422,
        bilingual("Dữ liệu gửi lên sai kiểu hoặc thiếu trường", "Wrong types or missing fields"),
        validation_items(errors),
    )


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return problem_response(exc.status, exc.detail, exc.errors, exc.headers, **exc.extra)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    details = {
        404: bilingual(f"Không có đường dẫn {request.url.path}", f"No such path {request.url.path}"),
        405: bilingual(f"Đường dẫn không hỗ trợ {request.method}", f"The path does not support {request.method}"),
        400: bilingual("Không đọc được nội dung yêu cầu", "The request body could not be read"),
    }
    detail = details.get(exc.status_code, bilingual("Yêu cầu không thực hiện được", str(exc.detail)))
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    # Checks in the routes catch the usual cases; this covers races between two requests.
    log.info("integrity error: %s", exc.orig)
    return problem_response(
        409,
        bilingual(
            "Dữ liệu xung đột với bản ghi đã có, hãy thử lại", "The data conflicts with an existing record; try again"
        ),
    )


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        bilingual(
            "Đã có lỗi phía máy chủ; thay đổi chưa được lưu", "Something went wrong on the server; nothing was saved"
        ),
    )


def _document_problems(app: FastAPI) -> None:
    """FastAPI files response models under application/json; ours are sent as application/problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for operations in schema["paths"].values():
                for operation in operations.values():
                    for response in operation.get("responses", {}).values():
                        content = response.get("content", {})
                        if PROBLEM_MEDIA_TYPE in content and "application/json" in content:
                            content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        assert app.openapi_schema is not None  # generate() keeps the document it builds there
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to change the document


def install(app: FastAPI) -> None:
    _document_problems(app)
    # Starlette types a handler as taking any Exception; each of these takes the class it is registered for.
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _integrity_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _server_error)
