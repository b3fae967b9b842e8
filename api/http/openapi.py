"""The OpenAPI document's contract parts: stable operation ids, each operation's problem+json errors, and examples.

Operation ids are part of the API contract (generated clients name their functions after them): the id is the
route function's name in camelCase (`list_products` -> `listProducts`), so renaming a route function renames the
operation. Published ids are pinned in tests/api/test_openapi.py; never rename or reuse one within /api/v1.

The errors an operation documents follow from the route itself, in one place (`document_operations`):
- 400 malformed JSON, 413 body too large, 415 not JSON, 422 invalid input: operations that take a JSON body;
- 422 also: operations with any path, query or header parameter;
- 401: operations that need a bearer token (`current_user` among their dependencies);
- 403: authenticated operations behind a role guard (`require_roles`) or that change something;
- 404: operations with path parameters (the object named by the path does not exist or is not yours);
- 409: operations that change something (a state that does not allow it, a duplicate, a concurrent change);
plus what a route declares itself (`responses=`, e.g. 429 on POST /auth/token) and the corrections in `EXTRA`
and `NEVER` below, each with its reason. Descriptions are the route functions' docstrings; request and response
examples are the models' own (api.http.examples), restored here because FastAPI drops nulls from the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.core.errors import _STATUS, PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES, bilingual
from api.http import schemas
from api.http.auth import current_user
from api.http.examples import UNTYPED_RESPONSES

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# Statuses the rules above miss (keyed by operation id).
EXTRA: dict[str, set[int]] = {
    "login": {401},  # public, but a wrong password is a 401
    "diff": {404},  # the two versions are query parameters
    "createProduct": {404},  # organisation_id in the body names an organisation you cannot see
    "addUser": {404},  # likewise
}
# Statuses the rules above would claim but that cannot happen.
NEVER: dict[str, set[int]] = {
    "login": {409},  # issues a token, nothing that can conflict
    "verify": {409},  # POST only to carry a long credential; reads
    "checkProbeRun": {403, 409},  # a dry run anyone who can read the submission may do; nothing is stored
    "logout": {403, 409},  # anyone may drop the token they are using
    "deleteToken": {403, 409},  # only your own tokens, others read as 404
    "readNotification": {403, 409},  # only your own notifications, others read as 404
    "statusList": {404},  # the path parameter is an enum: anything else is a 422
}


def operation_id(route: APIRoute) -> str:
    """`generate_unique_id_function` for FastAPI: the camelCase name of the route function."""
    head, *rest = route.name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]*$")


def _tree(dependant: Dependant) -> list[Dependant]:
    """The dependant and all its sub-dependencies, depth first."""
    found = [dependant]
    for sub in dependant.dependencies:
        found.extend(_tree(sub))
    return found


def _role_guarded(calls: list[Any]) -> bool:
    return any(getattr(call, "__qualname__", "").startswith("require_roles.") for call in calls)


def problem_statuses(route: APIRoute) -> set[int]:
    """The problem+json statuses `route` can answer with (see the module docstring)."""
    tree = _tree(route.dependant)
    calls = [d.call for d in tree[1:]]
    path_params = any(d.path_params for d in tree)
    has_body = any(d.body_params for d in tree)
    has_params = any(d.path_params or d.query_params or d.header_params or d.cookie_params for d in tree)
    authenticated = current_user in calls
    writes = bool((route.methods or set()) & WRITES)
    statuses: set[int] = set()
    if has_body:
        statuses |= {400, 413, 415, 422}
    if has_params:
        statuses.add(422)
    if authenticated:
        statuses.add(401)
        if writes or _role_guarded(calls):
            statuses.add(403)
    if path_params:
        statuses.add(404)
    if writes:
        statuses.add(409)
    name = operation_id(route)
    return (statuses | EXTRA.get(name, set())) - NEVER.get(name, set())


def _problem(status: int, detail: str, errors: list[dict] | None = None, **extra: Any) -> dict[str, Any]:
    slug, title = _STATUS[status]
    return {
        "type": f"https://vcsc.vn/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors or [],
        **extra,
    }


# One example per status, as the handlers in api.core.errors write them.
PROBLEM_EXAMPLES: dict[int, dict[str, Any]] = {
    400: _problem(
        400,
        bilingual("Không đọc được JSON ở vị trí 17", "Cannot parse JSON at position 17: Expecting ',' delimiter"),
        [{"pointer": "", "message": bilingual("JSON không hợp lệ", "malformed JSON: Expecting ',' delimiter")}],
    )
    | {"type": "https://vcsc.vn/problems/malformed-json", "title": bilingual("JSON không hợp lệ", "Malformed JSON")},
    401: _problem(
        401,
        bilingual(
            "Cần đăng nhập (Authorization: Bearer <token>)", "Authentication required (Authorization: Bearer <token>)"
        ),
    ),
    403: _problem(403, bilingual("Người thẩm định chỉ được xem", "Reviewers have read-only access")),
    404: _problem(404, bilingual("Không tìm thấy sản phẩm", "Product not found")),
    409: _problem(
        409,
        bilingual(
            "Sản phẩm đã có bản nháp #12; hãy sửa bản đó", "The product already has a draft (#12); edit that one"
        ),
        draft_id=12,
    ),
    413: _problem(413, bilingual("Nội dung yêu cầu vượt quá 1048576 byte", "The request body exceeds 1048576 bytes")),
    415: _problem(
        415,
        bilingual("Hãy gửi JSON với Content-Type: application/json", "Send JSON with Content-Type: application/json"),
    ),
    422: _problem(
        422,
        bilingual("Dữ liệu gửi lên sai kiểu hoặc thiếu trường", "Wrong types or missing fields"),
        [
            {"pointer": "/name", "message": bilingual("Thiếu trường bắt buộc", "Field required")},
            {
                "parameter": "query.page",
                "message": bilingual("Giá trị quá nhỏ", "Input should be greater than or equal to 1"),
            },
        ],
    ),
    429: _problem(
        429,
        bilingual(
            "Quá nhiều lần đăng nhập sai; hãy thử lại sau 15 phút",
            "Too many failed sign-ins; try again in 15 minute(s)",
        ),
        retry_after=900,
    ),
}


def _api_routes(routes: Any) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI >= 0.16x keeps those as `original_router`)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif getattr(route, "original_router", None) is not None:
            yield from _api_routes(route.original_router.routes)


def _problem_content(status: int) -> dict[str, Any]:
    return {
        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": PROBLEM_EXAMPLES[status]}
    }


def _models() -> dict[str, type[BaseModel]]:
    return {
        name: value
        for name, value in vars(schemas).items()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == schemas.__name__
    }


def _restore_examples(schema: dict) -> None:
    """FastAPI writes the document without nulls (exclude_none), nulls inside examples too; put the models' own back."""
    models = _models()
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        model = models.get(name.split("-")[0])
        extra = model.model_config.get("json_schema_extra") if model else None
        if isinstance(extra, dict) and "examples" in extra and "examples" in component:
            component["examples"] = extra["examples"]


def _example_untyped(operation: dict) -> None:
    """Examples for the JSON responses that have no model (dict[str, Any]), from api.http.examples."""
    example = UNTYPED_RESPONSES.get(operation.get("operationId", ""))
    for status, response in operation.get("responses", {}).items():
        media = response.get("content", {}).get("application/json")
        if example is not None and status.startswith("2") and media is not None:
            media.setdefault("example", example)


def document_operations(app: FastAPI) -> None:
    """Narrow the app-wide problem responses (api.core.errors.PROBLEM_RESPONSES) of each operation to those its
    route can give, add the others it can (415, ...), give each problem response an example, and complete the
    examples of the request and response bodies.

    Works on the generated document, when it is first asked for, so routes included later are covered too."""
    generate = app.openapi
    defaults = set(PROBLEM_RESPONSES)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            statuses = {
                route.operation_id or operation_id(route): problem_statuses(route)
                for route in _api_routes(app.routes)
                if route.include_in_schema
            }
            for operations in schema["paths"].values():
                for operation in operations.values():
                    wanted = statuses.get(operation.get("operationId"))
                    if wanted is None:
                        continue
                    responses = operation.setdefault("responses", {})
                    for status in [s for s in responses if s.isdigit() and int(s) in defaults - wanted]:
                        if PROBLEM_MEDIA_TYPE in responses[status].get("content", {}):
                            del responses[status]
                    for status in sorted(wanted):
                        responses.setdefault(
                            str(status), {"description": _STATUS[status][1], "content": _problem_content(status)}
                        )
                    for status, response in responses.items():
                        media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                        if media is not None and status.isdigit() and int(status) in PROBLEM_EXAMPLES:
                            media.setdefault("example", PROBLEM_EXAMPLES[int(status)])
                    operation["responses"] = dict(sorted(responses.items()))
                    _example_untyped(operation)
            _restore_examples(schema)
        assert app.openapi_schema is not None  # generate() keeps the document it builds there
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to change the document
