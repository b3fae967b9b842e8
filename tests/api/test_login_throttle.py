"""Sign-in throttling on POST /api/v1/auth/token and the page's POST /sign-in (SQLite and PostgreSQL): failures
counted per account and per client address, 429 with Retry-After (problem+json / a page in both languages),
no password checked while locked, lock-outs audited."""

from __future__ import annotations

import time
import warnings

import pytest
import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from api.core.db import upgrade
from api.core.models import AuditEvent
from api.core.settings import Settings
from tests.api.conftest import API, PASSWORD, Api
from tests.web.conftest import Browser, text_of

WRONG = "sai-mat-khau-hoan-toan"


@pytest.fixture
def throttled(database_url, tmp_path):
    """An app allowing 3 failures per account and 5 per address in a 60 s window, with two vendor users."""

    def make(**limits):
        upgrade(database_url)
        settings = {
            "login_failures_per_account": 3,
            "login_failures_per_address": 5,
            "login_window_seconds": 60,
            **limits,
        }
        app = create_app(
            Settings(
                database_url=database_url,
                jobs_worker=False,
                artifacts_dir=tmp_path / "a",
                keys_dir=tmp_path / "keys",
                **settings,
            )
        )
        client = TestClient(app).__enter__()
        api = Api(client, app)
        org = api.org("Công ty A")
        made.append((client, app))
        return api, api.user(org), api.user(org)

    made = []
    yield make
    for client, app in made:
        client.__exit__(None, None, None)
        app.state.engine.dispose()


def _login(api: Api, email: str, password: str):
    return api.client.post(f"{API}/auth/token", json={"email": email, "password": password})


def _lockouts(api: Api) -> list[AuditEvent]:
    with api.sessions() as session:
        return list(
            session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "auth.locked_out").order_by(AuditEvent.id))
        )


def test_an_account_is_locked_after_its_failures_even_for_the_right_password(throttled):
    api, user, other = throttled()
    email, colleague = user.email, other.email
    assert [_login(api, email, WRONG).status_code for _ in range(3)] == [401] * 3
    locked = _login(api, email, PASSWORD)
    assert locked.status_code == 429, locked.text
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    body = locked.json()
    assert body["type"].endswith("/too-many-requests") and body["status"] == 429
    assert body["retry_after"] == int(locked.headers["Retry-After"])
    assert "Quá nhiều lần đăng nhập sai" in body["detail"] and "Too many failed sign-ins" in body["detail"]
    assert body["detail"].index("Quá nhiều") < body["detail"].index("Too many")  # Vietnamese first
    # Another account from the same address is not locked (2 more failures stay under the address limit).
    assert _login(api, colleague, PASSWORD).status_code == 200
    events = _lockouts(api)
    assert len(events) == 1
    assert events[0].object_type == "user" and events[0].object_id == str(user.id)
    assert events[0].organisation_id == user.organisation_id  # the vendor sees its own lock-outs
    assert events[0].after["scope"] == "account" and events[0].after["email"] == email
    assert events[0].after["failures"] == 3 and events[0].after["via"] == "api"
    # Locked attempts are not counted again, nor audited again.
    assert _login(api, email, WRONG).status_code == 429
    assert len(_lockouts(api)) == 1


def test_an_address_is_locked_after_failures_on_many_accounts(throttled):
    api, user, _ = throttled(login_failures_per_account=100)
    email = user.email
    for i in range(5):
        assert _login(api, f"khong-co-{i}@example.vn", WRONG).status_code == 401
    refused = _login(api, email, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    events = _lockouts(api)
    assert [(e.object_type, e.after["scope"]) for e in events] == [("client_address", "address")]
    assert events[0].object_id == "testclient"
    # Nonexistent accounts leave no email in the trail.
    assert all("khong-co" not in str(e.after) for e in events)


def test_a_success_clears_the_account_failures(throttled):
    api, user, _ = throttled(login_failures_per_address=100)
    email = user.email
    for _ in range(2):
        assert _login(api, email, WRONG).status_code == 401
    assert _login(api, email, PASSWORD).status_code == 200
    for _ in range(2):
        assert _login(api, email, WRONG).status_code == 401
    assert _login(api, email, PASSWORD).status_code == 200
    assert _lockouts(api) == []


def test_the_lock_ends_with_the_window(throttled):
    api, user, _ = throttled(login_window_seconds=1)
    email = user.email
    for _ in range(3):
        _login(api, email, WRONG)
    assert _login(api, email, PASSWORD).status_code == 429
    time.sleep(1.2)
    assert _login(api, email, PASSWORD).status_code == 200


def test_the_page_sign_in_is_throttled_too_and_says_so_in_both_languages(throttled):
    api, user, _ = throttled()
    email = user.email
    browser = Browser(api.app)
    for _ in range(3):
        assert browser.post("/sign-in", {"email": email, "password": WRONG}).status_code == 401
    locked = browser.post("/sign-in", {"email": email, "password": PASSWORD})
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 60
    text = text_of(locked.text)
    assert "Quá nhiều lần đăng nhập sai" in text and "Too many failed sign-ins" in text
    assert "vcsc_session" not in locked.headers.get("set-cookie", "")
    # The page and the API count the same failures.
    assert _login(api, email, PASSWORD).status_code == 429
    assert [e.after["via"] for e in _lockouts(api)] == ["web"]


NEW_PASSWORD = "hoa-sen-nở-giữa-hồ-2026"


def test_wrong_current_passwords_of_a_password_change_count_as_failed_sign_ins(throttled):
    """A stolen session is no way around the limit: guessing the current password through PATCH /users/{id} counts
    against the same account, and the lock holds for sign-in and for the change alike."""
    api, user, _ = throttled(login_failures_per_address=100)
    token = _login(api, user.email, PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def change(current: str):
        return api.client.patch(
            f"{API}/users/{user.id}", headers=headers, json={"current_password": current, "password": NEW_PASSWORD}
        )

    wrong = [change(f"{WRONG}-{i}") for i in range(3)]
    assert [r.status_code for r in wrong] == [422] * 3
    assert wrong[0].json()["errors"][0]["pointer"] == "/current_password"
    locked = change(PASSWORD)  # the right one, refused while locked, and not checked
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 60
    assert "Quá nhiều lần đăng nhập sai" in locked.json()["detail"]
    assert _login(api, user.email, PASSWORD).status_code == 429  # the same count as sign-in
    assert [(e.after["scope"], e.after["via"]) for e in _lockouts(api)] == [("account", "api")]
    assert api.client.get(f"{API}/users/me", headers=headers).status_code == 200  # the password did not change:
    # the session it would have ended still works


def test_a_right_current_password_clears_the_count(throttled):
    api, user, _ = throttled(login_failures_per_address=100)
    token = _login(api, user.email, PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        assert (
            api.client.patch(
                f"{API}/users/{user.id}", headers=headers, json={"current_password": WRONG, "password": NEW_PASSWORD}
            ).status_code
            == 422
        )
    assert (
        api.client.patch(
            f"{API}/users/{user.id}", headers=headers, json={"current_password": PASSWORD, "password": NEW_PASSWORD}
        ).status_code
        == 200
    )
    for _ in range(2):
        assert _login(api, user.email, WRONG).status_code == 401
    assert _login(api, user.email, NEW_PASSWORD).status_code == 200


def test_the_account_page_password_change_is_throttled_too(throttled):
    api, user, _ = throttled(login_failures_per_address=100)
    browser = Browser(api.app)
    browser.sign_in(user.email)
    for _ in range(3):
        wrong = browser.post(
            "/account/password", {"current_password": WRONG, "password": NEW_PASSWORD}, page="/account"
        )
        assert wrong.status_code == 422
    locked = browser.post(
        "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}, page="/account"
    )
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 60
    assert "Quá nhiều lần đăng nhập sai" in text_of(locked.text)  # in the reader's language
    english = browser.post(
        "/account/password?lang=en", {"current_password": PASSWORD, "password": NEW_PASSWORD}, page="/account?lang=en"
    )
    assert english.status_code == 429 and "Too many failed sign-ins" in text_of(english.text)
    assert [e.after["via"] for e in _lockouts(api)] == ["web"]
