"""HTTP routes under /api/v1, one module per domain."""

from api.routes import (
    audit,
    auth,
    certificates,
    criteria,
    evidence,
    organisations,
    probe_runs,
    products,
    public,
    reports,
    review,
    submissions,
    users,
)

ROUTERS = [
    auth.router,
    users.router,
    organisations.router,
    products.router,
    submissions.router,
    probe_runs.router,
    criteria.router,
    public.router,
    audit.router,
    reports.router,
    review.router,
    certificates.router,
    evidence.router,
]
