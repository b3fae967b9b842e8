"""The FastAPI application: `create_app(settings)` wires settings, database, errors, limits and routes."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.core import errors, readcache
from api.core.db import make_engine, session_factory
from api.core.settings import Settings
from api.core.storage import make_store
from api.domain import mail, registry
from api.domain.audit import attach_sealer
from api.domain.credentials import load_or_create_key
from api.domain.login_throttle import LoginThrottle
from api.domain.sealing import load_or_create_box, seal_legacy_manifests
from api.http.body_limit import BodyLimit
from api.http.limits import UrlLimit
from api.http.openapi import document_operations, operation_id
from api.http.request_id import RequestId
from api.jobs import make_queue
from api.routes import ROUTERS, public, well_known
from api.web import mount_web
from checker.criteria import list_versions, load_set

API_PREFIX = "/api/v1"
# The routes that take an evidence file (the API's and the page's form): a larger body limit than JSON's.
UPLOAD_PATHS = re.compile(r"(/api/v1|/dashboard)/submissions/[0-9]{1,10}/evidence-files")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app bound to `settings` (default: from the environment). The schema is made by `vcsc db upgrade`."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    sessions = session_factory(engine)
    audit_sealer = attach_sealer(sessions, settings)  # signed checkpoints of the audit chain as events are recorded
    mail.attach(sessions, settings)  # notifications by e-mail (when an SMTP host is set)
    jobs = make_queue(settings, sessions)
    # Public answers kept in this process, emptied by every change: at once by this process's commits, by
    # PostgreSQL's NOTIFY (SQLite: its data version) for the others, and by expiry dates (api/core/readcache.py).
    public_cache = readcache.ReadCache(next_change=lambda now: registry.next_status_change(engine, now))
    readcache.watch_sessions(sessions, public_cache)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        load_or_create_key(settings.keys_dir)  # the certificate signing key, made on first start
        _ = audit_sealer.key  # the audit-head key (a separate one), made on first start
        seal_legacy_manifests(sessions, load_or_create_box(settings.keys_dir))  # and the manifest-secrets key
        for version in list_versions():  # parse and validate the criteria once, before the first request
            load_set(version)
        jobs.start()  # the in-process back end's worker thread (nothing for Procrastinate)
        listener = readcache.listen(engine, public_cache) if settings.public_cache else None
        try:
            yield
        finally:
            if listener is not None:
                listener.stop()
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
    app.state.account_mail_throttle = LoginThrottle.account_mail(settings)  # sign-up and password reset
    app.state.jobs = jobs
    app.state.public_cache = public_cache
    app.state.storage = make_store(settings)  # evidence files: folder or S3 bucket (api.core.storage)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(well_known.router)
    app.include_router(public.badge_router)
    document_operations(app)  # each operation's problem+json errors (derived from its route) and examples
    mount_web(app)
    # An evidence upload is one file plus a few form fields: its limit is the file's, with room for the envelope.
    uploads = ((UPLOAD_PATHS, max(settings.max_body_bytes, settings.evidence_max_file_bytes + 64 * 1024)),)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, timeout_seconds=settings.body_timeout_seconds, larger=uploads
    )
    app.add_middleware(UrlLimit, max_bytes=settings.max_url_bytes)  # before a body is read
    app.add_middleware(RequestId)  # outermost: every answer (a 414 too) and log line has the request's id
    return app
