"""Self-service accounts through the API with a real SMTP server (aiosmtpd): sign-up confirmed by the link in the
e-mail, password reset by e-mail, each link single-use and expiring, wrong links refused, the same answer whatever
the address, the requests throttled, and API tokens (last use, revocation at once)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.core.db import upgrade
from api.core.models import AccountToken, AuditEvent, Organisation, User, utcnow
from api.domain import self_service
from tests.api.conftest import PASSWORD, Api
from tests.api.test_mail import BASE, _client, mail_settings, smtp_sink  # noqa: F401 (fixture)

NEW_PASSWORD = "sông-hồng-chảy-về-biển-2026"
LINK = re.compile(re.escape(BASE) + r"(/verify-email|/reset-password)\?token=([\w-]+)")


@pytest.fixture
def accounts(database_url, tmp_path, smtp_sink):  # noqa: F811
    upgrade(database_url)
    app, client = _client(
        mail_settings(
            database_url,
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=smtp_sink.port,
            smtp_tls="none",
            smtp_from="VCSC <thong-bao@vcsc.example.vn>",
        )
    )
    yield Api(client, app)
    client.__exit__(None, None, None)
    app.state.engine.dispose()


def sign_up(api: Api, email: str, organisation: str | None = None, password: str = PASSWORD):
    return api.request(
        "POST",
        "/auth/register",
        json={
            "organisation_name": organisation or f"Công ty {email.split('@')[0]}",
            "email": email,
            "name": "Lê An",
            "password": password,
        },
    )


def link_in(sink, address: str, kind: str, index: int = -1) -> str:
    """The token of the link of `kind` in the `index`-th mail to `address` (the newest by default)."""
    body = sink.to(address)[index].get_content()
    found = [token for path, token in LINK.findall(body) if path == kind]
    assert found and len(set(found)) == 1, body
    return found[0]


def login(api: Api, email: str, password: str = PASSWORD):
    return api.request("POST", "/auth/token", json={"email": email, "password": password})


def events(api: Api, action: str) -> list[AuditEvent]:
    with api.sessions() as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def expire(api: Api, purpose: str) -> None:
    with api.sessions.begin() as session:
        session.execute(
            sa.update(AccountToken)
            .where(AccountToken.purpose == purpose)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def test_sign_up_is_confirmed_by_the_mailed_link_once(accounts, smtp_sink):
    api = accounts
    answered = sign_up(api, "An@SafeKid.example.vn")
    assert answered.status_code == 202, answered.text
    assert login(api, "an@safekid.example.vn").status_code == 401  # inactive until the link is followed
    [message] = smtp_sink.to("an@safekid.example.vn")
    assert message["Subject"] == "[VCSC] Xác nhận địa chỉ e-mail / Confirm your e-mail address"
    body = message.get_content()
    assert body.index("Xin chào") < body.index("Hello") and "Công ty An" in body
    token = link_in(smtp_sink, "an@safekid.example.vn", "/verify-email")
    with api.sessions() as session:  # only the digest is stored, never the secret
        [row] = session.scalars(sa.select(AccountToken)).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in str(
            session.execute(sa.text("SELECT * FROM account_tokens")).all()
        )
    verified = api.request("POST", "/auth/verify-email", json={"token": token})
    assert verified.status_code == 200 and verified.json()["active"] is True and verified.json()["role"] == "vendor"
    assert login(api, "an@safekid.example.vn").status_code == 200
    again = api.request("POST", "/auth/verify-email", json={"token": token})
    assert again.status_code == 422 and again.json()["errors"][0]["pointer"] == "/token"
    assert len(events(api, "user.email_verified")) == 1 and len(events(api, "user.created")) == 1


def test_a_verification_link_expires_and_a_wrong_one_is_refused(accounts, smtp_sink):
    api = accounts
    sign_up(api, "binh@example.vn")
    token = link_in(smtp_sink, "binh@example.vn", "/verify-email")
    wrong = api.request("POST", "/auth/verify-email", json={"token": token[:-4] + "abcd"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "/token"
    expire(api, "verify")
    assert api.request("POST", "/auth/verify-email", json={"token": token}).status_code == 422
    assert login(api, "binh@example.vn").status_code == 401
    # The organisation's name is taken now (409 for anyone: it tells nothing about the address); the forgotten-
    # password form mails an unconfirmed account a new link instead (the same 202 as for anyone).
    assert sign_up(api, "binh@example.vn").status_code == 409
    assert api.request("POST", "/auth/password-reset", json={"email": "binh@example.vn"}).status_code == 202
    fresh = link_in(smtp_sink, "binh@example.vn", "/verify-email")
    assert fresh != token and api.count(Organisation) == 1 and api.count(User) == 1
    assert api.request("POST", "/auth/verify-email", json={"token": fresh}).status_code == 200


def without_request_id(body: dict) -> dict:
    return {key: value for key, value in body.items() if key != "request_id"}


def test_sign_up_with_a_registered_email_answers_the_same_and_mails_the_owner(accounts, smtp_sink):
    api = accounts
    first = sign_up(api, "chi@example.vn")
    api.request("POST", "/auth/verify-email", json={"token": link_in(smtp_sink, "chi@example.vn", "/verify-email")})
    again = sign_up(api, "chi@example.vn", organisation="Công ty Khác")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert api.count(Organisation) == 1 and api.count(User) == 1
    owner = smtp_sink.to("chi@example.vn")[-1]
    assert owner["Subject"] == "[VCSC] Địa chỉ này đã có tài khoản / This address has an account"
    assert f"{BASE}/forgot-password" in owner.get_content() and "token=" not in owner.get_content()
    assert len(events(api, "user.sign_up_repeated")) == 1
    # The checks that do not depend on the address come first: a weak password is refused for both alike.
    weak_new, weak_old = sign_up(api, "moi@example.vn", password="123"), sign_up(api, "chi@example.vn", password="123")
    assert weak_new.status_code == weak_old.status_code == 422
    assert without_request_id(weak_new.json()) == without_request_id(weak_old.json())  # each request has its own id


def test_password_reset_by_mail_ends_every_session_and_token(accounts, smtp_sink):
    api = accounts
    sign_up(api, "dung@example.vn")
    api.request("POST", "/auth/verify-email", json={"token": link_in(smtp_sink, "dung@example.vn", "/verify-email")})
    session_token = login(api, "dung@example.vn").json()["access_token"]
    me = {"Authorization": f"Bearer {session_token}"}
    script = api.client.post("/api/v1/users/me/tokens", json={"name": "CI"}, headers=me).json()["token"]
    known = api.request("POST", "/auth/password-reset", json={"email": "Dung@example.vn"})
    unknown = api.request("POST", "/auth/password-reset", json={"email": "khong-ai@example.vn"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) and known.status_code == 202
    assert smtp_sink.to("khong-ai@example.vn") == []
    token = link_in(smtp_sink, "dung@example.vn", "/reset-password")
    weak = api.request("POST", "/auth/password-reset/confirm", json={"token": token, "password": "dung@example.vn1"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["pointer"] == "/password"
    done = api.request("POST", "/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    for secret in (session_token, script):  # at once
        assert api.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert login(api, "dung@example.vn").status_code == 401
    assert login(api, "dung@example.vn", NEW_PASSWORD).status_code == 200
    reused = api.request("POST", "/auth/password-reset/confirm", json={"token": token, "password": PASSWORD})
    assert reused.status_code == 422 and reused.json()["errors"][0]["pointer"] == "/token"
    [reset] = events(api, "user.password_reset")
    assert reset.after == {"sessions_revoked": 1, "api_tokens_revoked": 1}
    assert len(events(api, "user.password_reset_requested")) == 1


def test_a_reset_link_expires_and_only_the_newest_works(accounts, smtp_sink):
    api = accounts
    sign_up(api, "em@example.vn")
    api.request("POST", "/auth/verify-email", json={"token": link_in(smtp_sink, "em@example.vn", "/verify-email")})
    api.request("POST", "/auth/password-reset", json={"email": "em@example.vn"})
    older = link_in(smtp_sink, "em@example.vn", "/reset-password")
    api.request("POST", "/auth/password-reset", json={"email": "em@example.vn"})
    newer = link_in(smtp_sink, "em@example.vn", "/reset-password")
    assert (
        api.request("POST", "/auth/password-reset/confirm", json={"token": older, "password": NEW_PASSWORD}).status_code
        == 422
    )
    expire(api, "reset")
    assert (
        api.request("POST", "/auth/password-reset/confirm", json={"token": newer, "password": NEW_PASSWORD}).status_code
        == 422
    )
    assert login(api, "em@example.vn").status_code == 200  # the password did not change


def test_mail_requests_are_throttled_alike_for_every_address(accounts, smtp_sink):
    api = accounts
    limit = api.app.state.settings.account_mails_per_email
    for email in ("giang@example.vn", "khong-co@example.vn"):
        for _ in range(limit):
            assert api.request("POST", "/auth/password-reset", json={"email": email}).status_code == 202
        refused = api.request("POST", "/auth/password-reset", json={"email": email})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert sign_up(api, "khong-co@example.vn").status_code == 429  # sign-up counts with the same limit


def test_api_token_shows_its_last_use_and_revocation_takes_effect_at_once(accounts, smtp_sink):
    api = accounts
    sign_up(api, "hoa@example.vn")
    api.request("POST", "/auth/verify-email", json={"token": link_in(smtp_sink, "hoa@example.vn", "/verify-email")})
    me = {"Authorization": f"Bearer {login(api, 'hoa@example.vn').json()['access_token']}"}
    created = api.client.post("/api/v1/users/me/tokens", json={"name": "Máy CI"}, headers=me).json()
    assert api.client.get("/api/v1/users/me/tokens", headers=me).json()[0]["last_used_at"] is None
    script = {"Authorization": f"Bearer {created['token']}"}
    assert api.client.get("/api/v1/users/me", headers=script).status_code == 200
    [listed] = api.client.get("/api/v1/users/me/tokens", headers=me).json()
    assert listed["name"] == "Máy CI" and listed["last_used_at"] is not None and "token" not in listed
    assert api.client.delete(f"/api/v1/users/me/tokens/{created['id']}", headers=me).status_code == 204
    assert api.client.get("/api/v1/users/me", headers=script).status_code == 401


def test_no_smtp_server_still_answers_the_same(api_client):
    """Without SMTP settings nothing is sent, and the answers do not change."""
    assert sign_up(api_client, "ich@example.vn").status_code == 202
    assert self_service.deliver(api_client.app.state.settings, []) == 0
    assert api_client.request("POST", "/auth/password-reset", json={"email": "ich@example.vn"}).status_code == 202
