"""The certification domain: life cycle, assessments, verdicts, review, certificates, monitoring, audit.

Service functions take a Session and a User and return objects; they never import the ways in
(api.routes, api.web, api.cli, api.jobs)."""
