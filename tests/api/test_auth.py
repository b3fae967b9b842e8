"""Authentication and user management rules: tokens, expiry, deactivation, roles, passwords."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher

from api.core.models import Organisation, Token, User, utcnow
from tests.api.conftest import PASSWORD


def login(api, email, password=PASSWORD):
    return api.request("POST", "/auth/token", json={"email": email, "password": password})


def test_login_and_bearer_rules(world):
    api = world.api
    email = api.users["vendor_a"].email
    wrong = login(api, email, "sai-mat-khau-roi")
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert login(api, "nobody@example.vn").status_code == 401
    assert login(api, email.upper()).status_code == 200  # emails are case-insensitive
    for header in ("Bearer vcsc_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer", ""):
        response = api.client.get("/api/v1/users/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_tokens_are_stored_hashed_and_expire(world):
    api = world.api
    secret = login(api, api.users["vendor_a"].email).json()["access_token"]
    with api.sessions() as session:
        stored = session.scalars(sa.select(Token.token_hash)).all()
    assert secret not in stored and all(len(h) == 64 for h in stored)
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.client.get("/api/v1/users/me", headers=headers).status_code == 200
    with api.sessions.begin() as session:
        session.execute(sa.update(Token).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert api.client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_api_tokens_are_shown_once_and_revocable(world):
    api = world.api
    created = api.request("POST", "/users/me/tokens", "vendor_a", json={"name": "ci", "expires_in_days": 30})
    assert created.status_code == 201
    token = created.json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert api.client.get("/api/v1/products", headers=headers).status_code == 200
    listed = api.request("GET", "/users/me/tokens", "vendor_a").json()
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0] and token["token"] not in str(listed)
    assert api.request("GET", "/users/me/tokens", "vendor_b").json() == []
    assert api.request("DELETE", f"/users/me/tokens/{token['id']}", "vendor_a").status_code == 204
    assert api.client.get("/api/v1/products", headers=headers).status_code == 401


def test_logout_revokes_the_session(world):
    api = world.api
    assert api.request("DELETE", "/auth/token", "vendor_a").status_code == 204
    assert api.request("GET", "/users/me", "vendor_a").status_code == 401


def test_deactivated_user_is_locked_out(world):
    api = world.api
    victim = api.users["vendor_b"]
    assert api.request("PATCH", f"/users/{victim.id}", "admin", json={"active": False}).json()["active"] is False
    assert api.request("GET", "/users/me", "vendor_b").status_code == 401
    assert login(api, victim.email).status_code == 401


def test_user_json_never_has_password_data(world):
    api = world.api
    responses = [
        api.request("GET", "/users", "admin"),
        api.request("GET", "/users/me", "vendor_a"),
        api.request(
            "POST", "/users", "vendor_a", json={"email": "moi@example.vn", "name": "Mới", "password": PASSWORD}
        ),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        assert "password" not in response.text and "$argon2" not in response.text


def test_role_rules(world):
    api = world.api
    colleague = api.request(
        "POST", "/users", "vendor_a", json={"email": "dn@example.vn", "name": "Đồng nghiệp", "password": PASSWORD}
    ).json()
    assert colleague["organisation_id"] == world.org_a.id and colleague["role"] == "vendor"
    assert (
        api.request(
            "POST",
            "/users",
            "vendor_a",
            json={"email": "x@example.vn", "name": "X", "password": PASSWORD, "role": "admin"},
        ).status_code
        == 403
    )
    # Admins create club users; roles must fit the organisation's kind.
    reviewer = api.request(
        "POST",
        "/users",
        "admin",
        json={
            "email": "r2@example.vn",
            "name": "R",
            "password": PASSWORD,
            "role": "reviewer",
            "organisation_id": world.club.id,
        },
    )
    assert reviewer.status_code == 201
    misfit = api.request("PATCH", f"/users/{colleague['id']}", "admin", json={"role": "reviewer"})
    assert misfit.status_code == 422 and misfit.json()["errors"][0]["pointer"] == "/role"
    assert (
        api.request(
            "POST",
            "/users",
            "admin",
            json={"email": "v@example.vn", "name": "V", "password": PASSWORD, "role": "vendor"},
        ).status_code
        == 422
    )  # org required
    # Vendors change only their own name and password, never their role.
    assert api.request("PATCH", f"/users/{colleague['id']}", "vendor_a", json={"name": "Khác"}).status_code == 403
    me = api.users["vendor_a"]
    assert api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"role": "admin"}).status_code == 403
    assert api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"name": "Tên mới"}).json()["name"] == "Tên mới"
    # Admins cannot lock themselves out.
    admin = api.users["admin"]
    assert api.request("PATCH", f"/users/{admin.id}", "admin", json={"active": False}).status_code == 409
    assert api.request("PATCH", f"/users/{admin.id}", "admin", json={"role": "reviewer"}).status_code == 409
    assert api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"active": None}).status_code == 422


def test_password_change_needs_the_current_password(world):
    api = world.api
    me = api.users["vendor_a"]
    new = "mat-khau-moi-456789"
    other_session = {"Authorization": f"Bearer {login(api, me.email).json()['access_token']}"}
    refused = api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"password": new})
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/current_password"
    assert (
        api.request(
            "PATCH", f"/users/{me.id}", "vendor_a", json={"password": new, "current_password": PASSWORD}
        ).status_code
        == 200
    )
    assert login(api, me.email).status_code == 401 and login(api, me.email, new).status_code == 200
    assert api.request("GET", "/users/me", "vendor_a").status_code == 200  # the session that changed it stays
    assert api.client.get("/api/v1/users/me", headers=other_session).status_code == 401
    assert api.request("PATCH", f"/users/{me.id}", "vendor_a", json={"password": "ngan"}).status_code == 422


def test_register_conflicts(world):
    api = world.api
    body = {"organisation_name": "Công ty A", "email": "khac@example.vn", "name": "Chủ", "password": PASSWORD}
    taken = api.request("POST", "/auth/register", json=body)
    assert taken.status_code == 409 and taken.json()["errors"][0]["pointer"] == "/organisation_name"
    assert api.count(Organisation) == 3 and api.count(User) == 4


def test_production_hashes_are_argon2id():
    assert PasswordHasher().hash("x" * 12).startswith("$argon2id$")
