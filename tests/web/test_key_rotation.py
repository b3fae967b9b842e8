"""Signing-key rotation: several keys in the JWKS by kid, the new key signs, old certificates still verify, and a
retired key marked compromised makes what it signed invalid in POST /public/verify, the web verify page and
`vcsc cert verify`; `vcsc keys list|rotate|compromise` are audited. Also /.well-known/security.txt."""

from __future__ import annotations

import json
import stat
from datetime import UTC

import jwt
import sqlalchemy as sa
from click.testing import CliRunner

from api.cli import main
from api.core.models import AuditEvent
from api.domain.credentials import KEYRING_FILE, compromise_key, keyring, rotate_key
from tests.web.conftest import text_of
from tests.web.test_certificate_pages import approved


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def _cli(world, monkeypatch, *args):
    settings = world.site.app.state.settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VCSC_KEYS_DIR", str(settings.keys_dir))
    return CliRunner().invoke(main, [str(a) for a in args])


def test_rotate_then_compromise_the_old_key(world, monkeypatch, tmp_path):
    api, settings = world.api, world.site.app.state.settings
    old_cert = approved(world)
    first_kid = _kid(old_cert.credential_jws)

    listed = _cli(world, monkeypatch, "keys", "list")
    assert listed.exit_code == 0 and first_kid in listed.output and "active" in listed.output

    rotated = _cli(world, monkeypatch, "keys", "rotate")
    assert rotated.exit_code == 0, rotated.output
    ring = keyring(settings.keys_dir)
    assert [e.status for e in ring] == ["retired", "active"] and ring[0].kid == first_kid
    new_kid = ring[1].kid
    assert new_kid != first_kid and new_kid in rotated.output
    for entry in ring:
        assert stat.S_IMODE((settings.keys_dir / entry.file).stat().st_mode) == 0o600

    new_cert = approved(world, world.api.product(world.org_a, "Sản phẩm mới A"))
    assert _kid(new_cert.credential_jws) == new_kid  # the new key signs new certificates...
    status_list = api.request("GET", "/public/status-lists/revocation").text
    assert _kid(status_list) == new_kid  # ...and the status lists
    jwks = api.client.get("/.well-known/jwks.json").json()
    assert {k["kid"]: k["status"] for k in jwks["keys"]} == {first_kid: "retired", new_kid: "active"}
    for cert in (old_cert, new_cert):  # both still verify
        checked = api.request("POST", "/public/verify", json={"credential": cert.credential_jws}).json()
        assert checked["ok"] is True and checked["signature_valid"] is True, checked

    # The old key leaks: mark it compromised.
    # ("--": a kid is base64url and may start with "-")
    active = _cli(world, monkeypatch, "keys", "compromise", "--", new_kid)
    assert active.exit_code == 2 and "vcsc keys rotate" in active.output  # not the active one
    compromised = _cli(world, monkeypatch, "keys", "compromise", "--reason", "Máy chủ cũ bị xâm nhập", "--", first_kid)
    assert compromised.exit_code == 0, compromised.output
    assert old_cert.id in compromised.output and new_cert.id not in compromised.output

    jwks = api.client.get("/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid]  # a JWKS-only verifier refuses it too
    status = api.client.get("/.well-known/vcsc-key-status.json").json()
    assert {k["kid"]: k["status"] for k in status["keys"]} == {first_kid: "compromised", new_kid: "active"}
    assert status["keys"][0]["compromised_at"]

    refused = api.request("POST", "/public/verify", json={"credential": old_cert.credential_jws}).json()
    assert refused["ok"] is False and refused["signature_valid"] is False
    assert any("compromised" in e["en"] and "bị lộ" in e["vi"] for e in refused["errors"]), refused
    still = api.request("POST", "/public/verify", json={"credential": new_cert.credential_jws}).json()
    assert still["ok"] is True, still

    page = world.site.browser().post(
        "/certificates/verify", {"credential": old_cert.credential_jws}, page="/certificates"
    )
    text = text_of(page.text)
    assert "Chứng nhận không hợp lệ" in text and "bị lộ" in text
    page = world.site.browser().post(
        "/certificates/verify", {"credential": new_cert.credential_jws}, page="/certificates"
    )
    assert "Chứng nhận hợp lệ" in text_of(page.text)

    token_file = tmp_path / "old.jws"
    token_file.write_text(old_cert.credential_jws)
    new_file = tmp_path / "new.jws"
    new_file.write_text(new_cert.credential_jws)
    published = tmp_path / "jwks.json"
    published.write_text(json.dumps(jwks))
    status_file = tmp_path / "status.json"
    status_file.write_text(json.dumps(status))
    for source in (settings.keys_dir, published, status_file):
        offline = _cli(world, monkeypatch, "cert", "verify", token_file, "--jwks", source, "--offline")
        assert offline.exit_code == 1 and "KHÔNG HỢP LỆ / INVALID" in offline.output, (source, offline.output)
        fine = _cli(world, monkeypatch, "cert", "verify", new_file, "--jwks", source, "--offline")
        assert fine.exit_code == 0, (source, fine.output)
    named = _cli(world, monkeypatch, "cert", "verify", token_file, "--jwks", status_file, "--offline")
    assert "compromised" in named.output

    with api.sessions() as session:
        events = session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.object_id, AuditEvent.after)
            .where(AuditEvent.object_type == "signing_key")
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.actor_label, e.object_id) for e in events] == [
        ("signing_key.rotated", "cli", new_kid),
        ("signing_key.compromised", "cli", first_kid),
    ]
    assert events[1].after["certificates_signed"] == [old_cert.id]


def test_a_folder_from_before_rotation_is_a_ring_of_one(tmp_path):
    from api.domain.credentials import KEY_FILE, load_key, load_or_create_key, published_jwks

    key = load_or_create_key(tmp_path / "keys")
    assert not (tmp_path / "keys" / KEYRING_FILE).exists() and (tmp_path / "keys" / KEY_FILE).exists()
    [entry] = keyring(tmp_path / "keys")
    assert entry.kid == key.kid and entry.status == "active"
    assert [k["kid"] for k in published_jwks(tmp_path / "keys")["keys"]] == [key.kid]
    old, new = rotate_key(tmp_path / "keys")
    assert old.kid == key.kid and load_key(tmp_path / "keys").kid == new.kid
    assert load_or_create_key(tmp_path / "keys").kid == new.kid
    again = compromise_key(tmp_path / "keys", key.kid)
    assert compromise_key(tmp_path / "keys", key.kid).compromised_at == again.compromised_at  # idempotent


def test_security_txt_names_the_configured_contact_or_is_404(world, tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app

    missing = world.api.client.get("/.well-known/security.txt")
    assert missing.status_code == 404 and "VCSC_SECURITY_CONTACT" in missing.json()["detail"]
    settings = world.site.app.state.settings.model_copy(
        update={"security_contact": "mailto:bao-mat@clb.example", "public_url": "https://vcsc.example.vn"}
    )
    app = create_app(settings)
    with TestClient(app) as client:
        response = client.get("/.well-known/security.txt")
    app.state.engine.dispose()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = dict(line.split(": ", 1) for line in response.text.splitlines() if not line.startswith("#"))
    assert lines["Contact"] == "mailto:bao-mat@clb.example" and lines["Preferred-Languages"] == "vi, en"
    assert lines["Canonical"] == "https://vcsc.example.vn/.well-known/security.txt"
    from datetime import datetime

    expires = datetime.fromisoformat(lines["Expires"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(UTC)).days < 366
