"""Migrations, settings, app start-up and the service commands (db upgrade, users create, demo)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from api.cli.demo import latest_published_version, sample_answers
from api.cli.service import db, demo, users
from api.core.db import current_revision, head_revision, make_engine, upgrade
from api.core.models import Base, Certificate, Organisation, Product, Submission, User
from api.core.search import index_only
from api.core.settings import Settings
from checker.assessment import checker_for
from checker.criteria import list_versions, load_vocabulary


def test_migrations_match_the_models(database_url):
    upgrade(database_url)
    upgrade(database_url)  # idempotent
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            # The search index (FTS5 tables, tsvector and trigram columns) exists beside the models, not in them.
            opts = {
                "compare_type": True,
                "include_name": lambda name, type_, parent: not index_only(name, type_, parent),
            }
            diff = compare_metadata(MigrationContext.configure(connection, opts=opts), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/nested/folder/vcsc.db")  # the folder is created
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    monkeypatch.setenv("VCSC_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("VCSC_TOKEN_TTL_HOURS", "3")
    settings = Settings()
    assert (settings.database_url, settings.max_body_bytes, settings.token_ttl_hours) == ("postgresql://u@h/d", 2048, 3)
    assert str(make_engine(settings.database_url).url).startswith("postgresql+psycopg://")


def test_create_app_without_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "VCSC_DATABASE_URL", "VCSC_MAX_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)
    from api.app import create_app

    app = create_app()
    assert app.state.settings.database_url == "sqlite:///./var/vcsc.db" and (tmp_path / "var").is_dir()
    assert app.state.settings.max_body_bytes == 1024 * 1024
    app.state.engine.dispose()


def test_every_route_has_a_response_model_and_tags(monkeypatch, tmp_path):
    from api.app import create_app

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db"))
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            assert operation.get("tags"), (method, path)
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, (method, path)
            if success != ["204"]:
                assert "content" in operation["responses"][success[0]], (method, path)
    app.state.engine.dispose()


def test_demo_answers_pass_every_current_criterion():
    """The demo's generated answers must keep up with criteria the criteria editors add."""
    for version in list_versions():
        for product_type in load_vocabulary().ids("product_types"):
            answers = sample_answers(version, product_type)
            checker = checker_for(version, product_type)
            doc = {"criteria_version": version, "product_type": product_type, "answers": answers}
            assert checker.validate(doc) == [] and checker.missing(answers) == [], (version, product_type)
            evaluation = checker.evaluate(answers)
            assert evaluation.counts["failed"] == evaluation.counts["cantTell"] == 0, (version, product_type)


def _counts(url: str) -> dict:
    engine = make_engine(url)
    with engine.connect() as connection:
        counts = {
            m.__name__: connection.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Organisation, User, Product, Submission, Certificate)
        }
    engine.dispose()
    return counts


def test_cli_upgrade_users_and_demo(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VCSC_KEYS_DIR", str(tmp_path / "keys"))  # demo certificates are signed
    monkeypatch.delenv("VCSC_PASSWORD", raising=False)
    runner = CliRunner()
    create = [
        "create",
        "--email",
        "Admin@VCSC.example.vn",
        "--name",
        "Quản trị",
        "--role",
        "admin",
        "--organisation",
        "VCSC",
    ]
    not_migrated = runner.invoke(users, [*create, "--password", "mat-khau-dai-123"])
    assert not_migrated.exit_code != 0 and "vcsc db upgrade" in not_migrated.output

    assert runner.invoke(db, ["upgrade"]).exit_code == 0
    no_password = runner.invoke(users, create, input="")  # stdin is not a terminal: no prompt
    assert no_password.exit_code != 0 and "VCSC_PASSWORD" in no_password.output
    short = runner.invoke(users, [*create, "--password", "ngan"])
    assert short.exit_code != 0 and "--password" in short.output
    monkeypatch.setenv("VCSC_PASSWORD", "mat-khau-dai-123")
    made = runner.invoke(users, [*create, "--json"])
    assert made.exit_code == 0, made.output
    assert '"email": "admin@vcsc.example.vn"' in made.output and "password" not in made.output
    again = runner.invoke(users, create)
    assert again.exit_code != 0 and "admin@vcsc.example.vn" in again.output
    misfit = runner.invoke(
        users, ["create", "--email", "v@example.vn", "--name", "V", "--role", "vendor", "--organisation", "VCSC"]
    )
    assert misfit.exit_code != 0 and "club" in misfit.output

    first = runner.invoke(demo, [])
    assert first.exit_code == 0, first.output
    assert "reviewer@vcsc.example" in first.output and "demo-reviewer-2025" in first.output
    counts = _counts(database_url)
    assert runner.invoke(demo, []).exit_code == 0
    assert _counts(database_url) == counts  # idempotent
    assert counts["Certificate"] == 2 and counts["Submission"] == 4  # two approved, one queued, one sent back

    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(Settings(database_url=database_url))
    with TestClient(app) as client:
        listed = client.get("/api/v1/public/products", params={"q": "bao ve tre em"}).json()
        assert [i["name"] for i in listed["items"]] == ["Bảo vệ trẻ em SafeKid"]
        assert "Demo" in listed["items"][0]["certificate"]["note"]
        assert listed["items"][0]["certificate"]["criteria_version"] == latest_published_version()
        cert_id = listed["items"][0]["certificate"]["id"]
        # A real, signed certificate issued through the review workflow.
        credential = client.post("/api/v1/public/verify", json={"certificate_id": cert_id}).json()
        assert credential["ok"] is True and credential["status"] == "valid"
        token = client.post(
            "/api/v1/auth/token", json={"email": "an@safekid.example", "password": "demo-safekid-2025"}
        ).json()["access_token"]
        mine = client.get("/api/v1/products", headers={"Authorization": f"Bearer {token}"}).json()
        assert len(mine) == 3
    app.state.engine.dispose()
