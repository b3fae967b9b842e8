"""Tests of the HTTP service (api/), each DB test on SQLite and PostgreSQL."""
