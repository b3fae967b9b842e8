"""HTTP routes under /api/v1, one module per domain."""
from api.routes import auth, criteria, organisations, products, public, submissions, users

ROUTERS = [auth.router, users.router, organisations.router, products.router, submissions.router,
           criteria.router, public.router]
