"""The FastAPI application: `create_app(settings)` wires settings, database, errors, limits and routes."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.core import errors
from api.domain.credentials import load_or_create_key
from api.http.body_limit import BodyLimit
from api.core.db import make_engine, session_factory
from api.jobs import make_queue
from api.routes import ROUTERS, public, well_known
from api.core.settings import Settings
from api.web import mount_web
from checker.criteria import list_versions, load_set

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app bound to `settings` (default: from the environment). The schema is made by `vcsc db upgrade`."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    sessions = session_factory(engine)
    jobs = make_queue(settings, sessions)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        load_or_create_key(settings.keys_dir)  # the certificate signing key, made on first start
        for version in list_versions():  # parse and validate the criteria once, before the first request
            load_set(version)
        jobs.start()  # the in-process back end's worker thread (nothing for Procrastinate)
        try:
            yield
        finally:
            jobs.stop()
            engine.dispose()

    app = FastAPI(
        title="VCSC — Kiểm tra chứng nhận an toàn trẻ em / Child-safety certification checker",
        version="1.0.0",
        description="Tự đánh giá sản phẩm bảo vệ trẻ em theo bộ tiêu chí VCSC và tra cứu sản phẩm được chứng nhận. / "
                    "Self-assess child-protection products against the VCSC criteria and look up certified products.",
        lifespan=lifespan,
        responses=errors.PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.jobs = jobs
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(well_known.router)
    app.include_router(public.badge_router)
    mount_web(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
