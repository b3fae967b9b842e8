"""What the HTTP ways in (api.routes and api.web) share: request bodies, authentication, limits."""
