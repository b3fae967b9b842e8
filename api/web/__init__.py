"""Server-rendered pages for vendors and the public, in Vietnamese (default) and English."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"


def mount_web(app: FastAPI) -> None:
    """Add the pages and their static files (/static) to `app`; call after the API routers."""
    from api.web import account, dashboard, public

    for module in (public, account, dashboard):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
