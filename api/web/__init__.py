"""Server-rendered pages for the public, vendors, reviewers and admins, in Vietnamese (default) and English."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"


def mount_web(app: FastAPI) -> None:
    """Add the pages and their static files (/static) to `app`; call after the API routers."""
    from api.web import account, admin, certificates, dashboard, evidence, public, review, vendor_review

    for module in (public, account, dashboard, evidence, vendor_review, certificates, review, admin):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
