"""Public well-known documents: the keys that verify VCSC certificates, their status, and security.txt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from api.core.errors import bilingual, not_found
from api.domain.credentials import key_status_document, load_or_create_key, published_jwks

router = APIRouter(tags=["public"])
SECURITY_TXT_DAYS = 180  # RFC 9116 asks for an Expires under a year; served live, it rolls forward


@router.get(
    "/.well-known/jwks.json",
    include_in_schema=False,
    summary="Khoá công khai ký chứng nhận / Public keys that sign certificates",
)
def jwks(request: Request) -> JSONResponse:
    """The active and retired keys (a compromised key is left out, so any JWKS verifier refuses what it signed)."""
    folder = request.app.state.settings.keys_dir
    load_or_create_key(folder)
    return JSONResponse(published_jwks(folder), headers={"Cache-Control": "public, max-age=3600"})


@router.get(
    "/.well-known/vcsc-key-status.json",
    include_in_schema=False,
    summary="Trạng thái các khoá ký / Every signing key ever used, with its status",
)
def key_status(request: Request) -> JSONResponse:
    """JWKS-shaped: each key with "status" active, retired or compromised (and the dates)."""
    folder = request.app.state.settings.keys_dir
    load_or_create_key(folder)
    return JSONResponse(key_status_document(folder), headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/security.txt", include_in_schema=False, response_class=PlainTextResponse)
def security_txt(request: Request) -> PlainTextResponse:
    """RFC 9116, from VCSC_SECURITY_CONTACT; 404 when the deployment names no contact."""
    settings = request.app.state.settings
    if not settings.security_contact:
        raise not_found(
            "địa chỉ báo lỗi bảo mật (VCSC_SECURITY_CONTACT chưa đặt)",
            "Security contact (VCSC_SECURITY_CONTACT is not set)",
        )
    expires = (datetime.now(UTC) + timedelta(days=SECURITY_TXT_DAYS)).replace(microsecond=0)
    lines = [
        f"# {bilingual('Báo lỗ hổng bảo mật cho câu lạc bộ VCSC', 'Report vulnerabilities to the VCSC club')}",
        f"Contact: {settings.security_contact}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: vi, en",
        f"Canonical: {settings.base_url}/.well-known/security.txt",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", headers={"Cache-Control": "public, max-age=86400"})
