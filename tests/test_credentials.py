"""Signed certificates: key storage, OB 3.0 credential, JWS signing/verification, status lists, `vcsc cert`."""

from __future__ import annotations

import base64
import gzip
import json
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from jwt.api_jws import PyJWS

from api.cli.cert import cert
from api.domain.credentials import (
    build_credential,
    build_status_list_credential,
    encode_status_list,
    is_set,
    jwk_thumbprint,
    load_or_create_key,
    public_jwks,
    sign_credential,
    status_of,
    verify_credential,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DIGEST = "ab" * 32


def _credential(**overrides):
    args = dict(
        certificate_id="3f2b8c1e-7d4a-4c5b-9e8f-0a1b2c3d4e5f",
        issued_at=NOW - timedelta(days=30),
        valid_until=NOW + timedelta(days=335),
        issuer={"id": "https://vcsc.example.vn", "name": "VCSC"},
        product={"id": "42", "name": "Bé Học Vui", "url": "https://behocvui.example.vn"},
        vendor={"name": "Công ty Ví Dụ"},
        criteria_version="2025.1",
        level={"id": "basic", "title": {"vi": "Cơ bản", "en": "Basic"}},
        report_digest=f"sha256:{DIGEST}",
        status_list_url="https://vcsc.example.vn/api/v1/public/status/1",
        status_index=7,
    )
    args.update(overrides)
    return build_credential(**args)


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return load_or_create_key(tmp_path_factory.mktemp("keys") / "keys")


@pytest.fixture(scope="module")
def other_key(tmp_path_factory):
    return load_or_create_key(tmp_path_factory.mktemp("other"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _messages(result) -> str:
    return " | ".join(f"{e['vi']} / {e['en']}" for e in result.errors)


# --- key -----------------------------------------------------------------------------------------


def test_key_created_once_reused_private(tmp_path):
    folder = tmp_path / "var" / "keys"
    first = load_or_create_key(folder)
    again = load_or_create_key(folder)
    assert first.kid == again.kid
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert list(folder.iterdir()) == [first.path]  # no temporary files left behind
    assert first.path.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_concurrent_first_calls_make_one_key(tmp_path):
    folder, kids, barrier = tmp_path / "keys", [], threading.Barrier(8)

    def start():
        barrier.wait()
        kids.append(load_or_create_key(folder).kid)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(kids)) == 1 and len(kids) == 8
    assert [p.name for p in folder.iterdir()] == ["ed25519.pem"]


def test_jwks_and_kid_is_rfc7638_thumbprint(key):
    jwks = public_jwks(key)
    (jwk,) = jwks["keys"]
    assert {k: jwk[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
    }
    assert "d" not in jwk
    assert jwk["kid"] == key.kid == jwk_thumbprint(jwk)
    assert len(_unb64(jwk["x"])) == 32


def test_rfc8037_thumbprint_example():
    # RFC 8037 appendix A.3
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert jwk_thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


# --- credential ----------------------------------------------------------------------------------


def test_credential_shape():
    c = _credential()
    assert c["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert c["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert c["id"] == "urn:uuid:3f2b8c1e-7d4a-4c5b-9e8f-0a1b2c3d4e5f"
    assert c["issuer"] == {"id": "https://vcsc.example.vn", "type": ["Profile"], "name": "VCSC"}
    assert c["validFrom"] == "2026-05-02T00:00:00Z" and c["validUntil"] == "2027-05-02T00:00:00Z"
    subject = c["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"] == "https://behocvui.example.vn"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert "2025.1" in achievement["criteria"]["narrative"]
    assert "Cơ bản" in achievement["criteria"]["narrative"] and "Basic" in achievement["criteria"]["narrative"]
    (evidence,) = c["evidence"]
    assert evidence["type"] == ["Evidence"] and evidence["id"] == f"urn:vcsc:report:sha256:{DIGEST}"
    assert evidence["digestSRI"] == "sha256-" + base64.b64encode(bytes.fromhex(DIGEST)).decode()
    assert c["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert c["credentialStatus"]["statusPurpose"] == "revocation"
    assert status_of(c) == ("https://vcsc.example.vn/api/v1/public/status/1", 7)
    assert status_of(_credential(status_list_url=None, status_index=None)) is None
    with pytest.raises(ValueError):
        _credential(report_digest="not-a-digest")


# --- signing and verifying -----------------------------------------------------------------------


def test_sign_then_verify(key):
    token = sign_credential(_credential(), key)
    header = json.loads(_unb64(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "cty": "vc", "kid": key.kid, "typ": "vc+jwt"}
    assert json.loads(_unb64(token.split(".")[1])) == _credential()
    result = verify_credential(token, public_jwks(key), now=NOW)
    assert result.valid_signature and not result.expired and result.errors == [] and result.ok
    assert result.credential == _credential()


def _assert_bilingual_failure(result):
    assert not result.valid_signature and not result.ok and result.credential is None
    assert result.errors and all(e["vi"] and e["en"] and e["vi"] != e["en"] for e in result.errors)


def test_tampered_payload_fails(key):
    header, payload, signature = sign_credential(_credential(), key).split(".")
    doc = json.loads(_unb64(payload))
    doc["validUntil"] = "2099-01-01T00:00:00Z"
    result = verify_credential(".".join([header, _b64(json.dumps(doc).encode()), signature]), public_jwks(key), now=NOW)
    _assert_bilingual_failure(result)
    assert "Invalid signature" in result.errors[0]["en"] and "Chữ ký không hợp lệ" in result.errors[0]["vi"]


def test_tampered_signature_fails(key):
    header, payload, signature = sign_credential(_credential(), key).split(".")
    raw = bytearray(_unb64(signature))
    raw[0] ^= 1
    _assert_bilingual_failure(
        verify_credential(".".join([header, payload, _b64(bytes(raw))]), public_jwks(key), now=NOW)
    )


def test_other_issuers_jwks_fails(key, other_key):
    token = sign_credential(_credential(), key)
    result = verify_credential(token, public_jwks(other_key), now=NOW)
    _assert_bilingual_failure(result)
    assert "Unknown signing key" in result.errors[0]["en"]


def test_wrong_kid_fails(key, other_key):
    # Another key signs a well-formed token that claims the issuer's kid.
    payload = json.dumps(_credential()).encode()
    forged = PyJWS().encode(
        payload, other_key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": "vc+jwt"}
    )
    result = verify_credential(forged, public_jwks(key), now=NOW)
    _assert_bilingual_failure(result)
    assert "Invalid signature" in result.errors[0]["en"]
    # A published key whose kid is not its own thumbprint is refused as well.
    jwks = public_jwks(other_key)
    jwks["keys"][0]["kid"] = key.kid
    result = verify_credential(forged, jwks, now=NOW)
    _assert_bilingual_failure(result)
    assert "kid" in result.errors[0]["en"]


def test_alg_none_refused(key):
    header = _b64(json.dumps({"alg": "none", "kid": key.kid, "typ": "vc+jwt"}).encode())
    payload = _b64(json.dumps(_credential()).encode())
    result = verify_credential(f"{header}.{payload}.", public_jwks(key), now=NOW)
    _assert_bilingual_failure(result)
    assert "'none'" in result.errors[0]["en"]


def test_garbage_is_not_a_jws(key):
    _assert_bilingual_failure(verify_credential("not a token", public_jwks(key), now=NOW))


def test_expired(key):
    token = sign_credential(_credential(), key)
    result = verify_credential(token, public_jwks(key), now=NOW + timedelta(days=400))
    assert result.valid_signature and result.expired and not result.ok


# --- status list ---------------------------------------------------------------------------------


def test_status_list_round_trip():
    encoded = encode_status_list({3, 100000})
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(_unb64(encoded[1:]))
    assert len(raw) == 131072 // 8
    assert raw[0] == 0b00010000  # bit 0 is the left-most bit
    assert is_set(encoded, 3) and is_set(encoded, 100000)
    assert not any(is_set(encoded, i) for i in (0, 2, 4, 99999, 100001, 131071))
    status_list = build_status_list_credential(
        "https://vcsc.example.vn/status/1", {"id": "https://vcsc.example.vn", "name": "VCSC"}, encoded, valid_from=NOW
    )
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_list["credentialSubject"] == {
        "id": "https://vcsc.example.vn/status/1#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": encoded,
    }
    with pytest.raises(ValueError):
        encode_status_list({131072})


# --- `vcsc cert verify` --------------------------------------------------------------------------


def _run(*args):
    return CliRunner().invoke(cert, ["verify", *map(str, args)])


def test_cli_verify_valid_from_key_folder_and_jwks_file(tmp_path, key):
    token_file = tmp_path / "cert.jws"
    token_file.write_text(sign_credential(_credential(valid_until=datetime.now(UTC) + timedelta(days=1)), key))
    result = _run(token_file, "--jwks", key.path.parent, "--offline")
    assert result.exit_code == 0, result.output
    assert "HỢP LỆ / VALID" in result.output and "Bé Học Vui" in result.output
    assert "không kiểm tra (--offline) / not checked (--offline)" in result.output
    # Without a status entry the current status cannot be known: not "valid".
    unknown = _run(token_file, "--jwks", key.path.parent)
    assert unknown.exit_code == 3 and "CHƯA RÕ TRẠNG THÁI / STATUS UNKNOWN" in unknown.output
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(public_jwks(key)))
    wrapped = tmp_path / "cert.json"
    wrapped.write_text(json.dumps({"credential_jws": token_file.read_text()}))
    result = _run(wrapped, "--jwks", jwks_file, "--json", "--offline")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True


def test_cli_verify_invalid_or_expired_exits_1(tmp_path, key, other_key):
    token_file = tmp_path / "cert.jws"
    token_file.write_text(sign_credential(_credential(), other_key))
    result = _run(token_file, "--jwks", key.path.parent)
    assert result.exit_code == 1 and "KHÔNG HỢP LỆ / INVALID" in result.output
    token_file.write_text(
        sign_credential(
            _credential(valid_until=datetime(2020, 1, 1, tzinfo=UTC), issued_at=datetime(2019, 1, 1, tzinfo=UTC)), key
        )
    )
    result = _run(token_file, "--jwks", key.path.parent)
    assert result.exit_code == 1 and "HẾT HẠN / EXPIRED" in result.output


def test_cli_verify_unreadable_input_exits_2(tmp_path, key):
    result = _run(tmp_path / "missing.jws", "--jwks", key.path.parent)
    assert result.exit_code == 2 and result.stderr.startswith("vcsc: lỗi / error:")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert _run(bad, "--jwks", key.path.parent).exit_code == 2
    token_file = tmp_path / "cert.jws"
    token_file.write_text(sign_credential(_credential(), key))
    result = _run(token_file, "--jwks", tmp_path / "no-keys-here")
    assert result.exit_code == 2 and result.stderr.startswith("vcsc: lỗi / error:")
    empty_keys = tmp_path / "empty-keys"
    empty_keys.mkdir()
    assert _run(token_file, "--jwks", empty_keys).exit_code == 2  # verifying never creates a key
    assert not any(empty_keys.iterdir())


def test_the_service_publishes_its_key_and_cli_verifies_with_it(tmp_path):
    """The key made at first start is published at /.well-known/jwks.json; a certificate it signs verifies."""
    import datetime as _dt
    import json as _json

    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.cli import main
    from api.core.db import upgrade
    from api.core.settings import Settings
    from api.domain.credentials import build_credential, load_key, sign_credential

    url = f"sqlite:///{tmp_path / 'v.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, jobs_worker=False, keys_dir=tmp_path / "keys"))
    with TestClient(app) as client:
        response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.json()["keys"][0]["crv"] == "Ed25519"
    key = load_key(tmp_path / "keys")
    credential = build_credential(
        certificate_id="VCSC-2026-000001",
        issued_at=_dt.datetime(2026, 11, 1, tzinfo=_dt.UTC),
        valid_until=_dt.datetime(2099, 11, 1, tzinfo=_dt.UTC),
        issuer={"id": "https://vcsc.vn", "name": "VCSC"},
        product={"id": "1", "name": "SafeKid", "url": "https://safekid.vn"},
        vendor={"name": "SafeKid"},
        criteria_version="vcsc-2025.1",
        level={"id": "basic", "title": {"vi": "Cơ bản", "en": "Basic"}},
        report_digest="a" * 64,
    )
    (tmp_path / "cert.jws").write_text(sign_credential(credential, key))
    (tmp_path / "jwks.json").write_text(_json.dumps(response.json()))
    result = CliRunner().invoke(
        main, ["cert", "verify", str(tmp_path / "cert.jws"), "--jwks", str(tmp_path / "jwks.json"), "--offline"]
    )
    assert result.exit_code == 0, result.output
