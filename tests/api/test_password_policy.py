"""New passwords must be strong (the bundled common list and zxcvbn) wherever one is set: API registration, user
creation, password change, the admin page and `vcsc users create`. A password change ends the user's sessions and,
if asked, their API tokens; an API token cannot mint more tokens. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from api.core.models import AuditEvent, Token, User
from api.domain.passwords import common_passwords, password_problem
from tests.api.conftest import API, PASSWORD, unique
from tests.web.conftest import Browser

WEAK = ["aaaaaaaaaa", " " * 10, "1234567890", "password12", "matkhau123", "qwertyuiop", "Password123"]
NEW = "mat-khau-moi-456789"


def _problem(response) -> tuple[str, str]:
    assert response.status_code == 422, response.text
    item = next(e for e in response.json()["errors"] if e["pointer"] == "/password")
    vi, en = item["message"].split(" / ", 1)
    return vi, en


@pytest.mark.parametrize("weak", WEAK)
def test_weak_passwords_are_refused_with_a_pointer_and_a_bilingual_reason(world, weak):
    api = world.api
    registered = api.request(
        "POST",
        "/auth/register",
        json={
            "organisation_name": unique("Nhà cung cấp "),
            "email": unique("dk") + "@example.vn",
            "name": "Chủ",
            "password": weak,
        },
    )
    vi, en = _problem(registered)
    assert "Mật khẩu" in vi and "password" in en.lower()
    created = api.request(
        "POST",
        "/users",
        "admin",
        json={
            "email": unique("moi") + "@example.vn",
            "name": "Mới",
            "password": weak,
            "organisation_id": world.org_a.id,
        },
    )
    _problem(created)
    me = api.users["vendor_a"]
    changed = api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"password": weak, "current_password": PASSWORD})
    _problem(changed)
    with api.sessions() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.in_(("user.created", "user.password_changed")))
            )
            == 0
        )


def test_the_reasons_say_why():
    assert password_problem(" " * 12)[1] == "The password must not be only spaces"
    assert "list of common passwords" in password_problem("1234567890")[1]
    assert "Repeats" in password_problem("aaaaaaaaaa")[1] and "lặp lại" in password_problem("aaaaaaaaaa")[0]
    assert password_problem(PASSWORD) is None and password_problem(NEW) is None
    assert "1234567890" in common_passwords() and len(common_passwords()) > 1000


def test_a_password_made_of_ones_own_name_or_email_is_refused(world):
    api = world.api
    response = api.request(
        "POST",
        "/auth/register",
        json={
            "organisation_name": unique("Nhà cung cấp "),
            "email": "lamchauthanh@example.vn",
            "name": "Lâm Châu Thanh",
            "password": "lamchauthanh77",
        },
    )
    vi, en = _problem(response)
    assert "email, tên" in vi and "your email, name" in en
    assert password_problem("lamchauthanh77") is None  # only weak for this person


def test_cli_users_create_refuses_a_weak_password(api_client, database_url, monkeypatch):
    from api.cli.service import users

    monkeypatch.setenv("DATABASE_URL", database_url)
    made = CliRunner().invoke(
        users,
        [
            "create",
            "--email",
            "qt@vcsc.example.vn",
            "--name",
            "Quản trị",
            "--role",
            "admin",
            "--organisation",
            "VCSC",
            "--password",
            "password12",
        ],
    )
    assert made.exit_code != 0 and "danh sách mật khẩu phổ biến" in made.output
    assert "common passwords" in made.output
    named = CliRunner().invoke(
        users,
        [
            "create",
            "--email",
            "quantri@vcsc.example.vn",
            "--name",
            "Quản Trị",
            "--role",
            "admin",
            "--organisation",
            "VCSC",
            "--password",
            "quantri2025!",
        ],
    )
    assert named.exit_code != 0 and "your email, name" in named.output
    assert api_client.count(User) == 0


def test_the_admin_page_refuses_a_weak_password(world):
    from tests.web.conftest import text_of

    api = world.api
    browser = Browser(api.app)
    browser.sign_in(api.users["admin"].email)
    page = browser.post(
        "/admin/users",
        {
            "name": "Trần Thị Mới",
            "email": "moi@vcsc.example",
            "password": "1234567890",
            "role": "reviewer",
            "organisation_id": str(world.club.id),
        },
        page="/admin/users/new",
    )
    assert page.status_code == 422
    assert "danh sách mật khẩu phổ biến" in text_of(page.text)


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _login(api, email: str, password: str = PASSWORD):
    response = api.client.post(f"{API}/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return _bearer(response.json()["access_token"])


def test_an_api_token_cannot_mint_tokens(world):
    api = world.api
    created = api.request("POST", "/users/me/tokens", "vendor_a", json={"name": "ci"})
    assert created.status_code == 201
    script = _bearer(created.json()["token"])
    minted = api.client.post(f"{API}/users/me/tokens", headers=script, json={"name": "more"})
    assert minted.status_code == 403
    assert "mã API không tạo được" in minted.json()["detail"] and "an API token cannot" in minted.json()["detail"]
    assert api.client.get(f"{API}/users/me/tokens", headers=script).status_code == 200  # it still reads
    with api.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Token).where(Token.kind == "api")) == 1


def _me_status(api, headers) -> int:
    return api.client.get(f"{API}/users/me", headers=headers).status_code


def test_a_password_change_ends_sessions_and_keeps_api_tokens_unless_asked(world):
    api = world.api
    me = api.users["vendor_a"]
    other_login = _login(api, me.email)
    page = Browser(api.app)
    page.sign_in(me.email)
    assert page.get("/dashboard").status_code == 200
    script = _bearer(api.request("POST", "/users/me/tokens", "vendor_a", json={"name": "ci"}).json()["token"])

    changed = api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"password": NEW, "current_password": PASSWORD})
    assert changed.status_code == 200, changed.text
    assert _me_status(api, other_login) == 401  # another API login
    assert page.get("/dashboard").status_code in (303, 401)  # the page session
    assert _me_status(api, api.headers["vendor_a"]) == 200  # the session that made the change
    assert _me_status(api, script) == 200  # not asked: the API token stays
    with api.sessions() as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.password_changed")).one()
    assert event.after == {"sessions_revoked": 2, "api_tokens_revoked": 0}

    again = api.request(
        "PATCH",
        f"/users/{me.id}",
        "vendor_a",
        json={"password": PASSWORD + "-x", "current_password": NEW, "revoke_api_tokens": True},
    )
    assert again.status_code == 200, again.text
    assert _me_status(api, script) == 401
    with api.sessions() as session:
        last = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "user.password_changed").order_by(AuditEvent.id.desc())
        ).first()
    assert last.after == {"sessions_revoked": 0, "api_tokens_revoked": 1}


def test_revoking_api_tokens_needs_a_new_password(world):
    api = world.api
    me = api.users["vendor_a"]
    refused = api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"revoke_api_tokens": True})
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/revoke_api_tokens"
