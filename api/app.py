"""The FastAPI application: `create_app(settings)` wires settings, database, errors, limits and routes."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.core import errors
from api.domain.audit import attach_sealer
from api.domain.credentials import load_or_create_key
from api.domain.login_throttle import LoginThrottle
from api.domain.sealing import load_or_create_box, seal_legacy_manifests
from api.http.body_limit import BodyLimit
from api.http.limits import UrlLimit
from api.http.openapi import document_operations, operation_id
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
    audit_sealer = attach_sealer(sessions, settings)  # signed checkpoints of the audit chain as events are recorded
    jobs = make_queue(settings, sessions)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        load_or_create_key(settings.keys_dir)  # the certificate signing key, made on first start
        _ = audit_sealer.key  # the audit-head key (a separate one), made on first start
        seal_legacy_manifests(sessions, load_or_create_box(settings.keys_dir))  # and the manifest-secrets key
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
        responses=errors.PROBLEM_RESPONSES,  # narrowed per operation by document_operations
        generate_unique_id_function=operation_id,  # operation ids are API contract: api/http/openapi.py
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.audit_sealer = audit_sealer
    app.state.login_throttle = LoginThrottle.from_settings(settings)
    app.state.jobs = jobs
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(well_known.router)
    app.include_router(public.badge_router)
    document_operations(app)  # each operation's problem+json errors (derived from its route) and examples
    mount_web(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout_seconds=settings.body_timeout_seconds)
    app.add_middleware(UrlLimit, max_bytes=settings.max_url_bytes)  # outermost: before a body is read
    return app
