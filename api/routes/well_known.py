"""Public well-known documents: the key set that verifies VCSC certificates."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.domain.credentials import load_or_create_key, public_jwks

router = APIRouter(tags=["public"])


@router.get("/.well-known/jwks.json", include_in_schema=False, summary="Khoá công khai ký chứng nhận / Public keys that sign certificates")
def jwks(request: Request) -> JSONResponse:
    key = load_or_create_key(request.app.state.settings.keys_dir)
    return JSONResponse(public_jwks(key), headers={"Cache-Control": "public, max-age=3600"})
