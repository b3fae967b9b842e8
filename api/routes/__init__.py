"""HTTP routes under /api/v1, one module per domain."""
from api.routes import audit, auth, criteria, organisations, probe_runs, products, public, reports, submissions, users

ROUTERS = [auth.router, users.router, organisations.router, products.router, submissions.router, probe_runs.router,
           criteria.router, public.router, audit.router, reports.router]
