"""Signed certificates: Open Badges 3.0 / W3C Verifiable Credentials 2.0 secured as a compact JWS.

* The issuer keys are Ed25519 keys kept in PEM files outside the database (folder 0700, files 0600); the
  first is created on first use. Each key id is the RFC 7638 JWK thumbprint. Keys rotate (`rotate_key`,
  `vcsc keys rotate`): the newest signs, the retired ones stay published so older certificates still
  verify, and a retired key can be marked compromised (`compromise_key`). The key ring is
  `signing-keys.json` in the folder; `published_jwks` is the JWKS of `/.well-known/jwks.json` (trusted
  keys only), `key_status_document` the same keys plus the compromised ones, each with its status.
* `sign_credential` secures a credential VC-JOSE style (header alg EdDSA, kid, typ "vc+jwt", the
  payload is the credential JSON itself) with PyJWT's JWS layer; `verify_credential` checks it.
* Revocation uses a W3C Bitstring Status List v1.0; the current status of one certificate is looked
  up by the caller (the registry), from `status_of(credential)`.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.api_jws import PyJWS

from api.core.keyfiles import read_private_key, write_private_key

KEY_FILE = "ed25519.pem"
ALG = "EdDSA"
TYP = "vc+jwt"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_LIST_MIN_BITS = 131072  # 16 KiB, the spec's minimum for group privacy


class SigningKeyError(Exception):
    """The signing key cannot be read."""


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    kid: str
    path: Path

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint (SHA-256) of an OKP key: the required members, sorted, no whitespace."""
    members = {k: jwk[k] for k in ("crv", "kty", "x")}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _b64url(hashlib.sha256(canonical).digest())


def _signing_key(private_key: Ed25519PrivateKey, path: Path) -> SigningKey:
    return SigningKey(private_key, jwk_thumbprint(public_jwk(private_key.public_key())), path)


def load_key(folder: Path) -> SigningKey:
    """The active signing key in `folder` (never creates one)."""
    folder = Path(folder)
    active = next((e for e in keyring(folder) if e.status == "active"), None)
    key = _read_key(folder / (active.file if active else KEY_FILE))
    if active is not None and key.kid != active.kid:
        raise SigningKeyError(f"{key.path}: khoá không khớp danh sách khoá / the key does not match the key ring")
    return key


def load_or_create_key(folder: Path) -> SigningKey:
    """The active Ed25519 signing key in `folder`; the first one is created on the first call.

    The new key is written to a temporary file in the same folder and hard-linked to its final
    name, which fails if another process got there first; the loser then reads the winner's key.
    """
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if (folder / KEYRING_FILE).exists() or (folder / KEY_FILE).exists():
        return load_key(folder)
    private_key = Ed25519PrivateKey.generate()
    if not write_private_key(folder / KEY_FILE, private_key):
        return load_key(folder)
    return _signing_key(private_key, folder / KEY_FILE)


def public_jwks(key: SigningKey) -> dict[str, Any]:
    """A JWKS of one key (tests, and a verifier that trusts exactly one key)."""
    return {"keys": [{**public_jwk(key.public_key), "kid": key.kid, "alg": ALG, "use": "sig"}]}


# --- the key ring: rotation and compromise ------------------------------------------------------------

KEYRING_FILE = "signing-keys.json"
KEY_STATUSES = ("active", "retired", "compromised")
_LOCK_FILE = ".signing-keys.lock"


@dataclass
class KeyEntry:
    """One issuer key as the ring records it (the public half is kept, so a key stays listed by its status
    whatever becomes of its private file)."""

    kid: str
    file: str
    status: str
    x: str
    created_at: str | None = None
    retired_at: str | None = None
    compromised_at: str | None = None
    reason: str | None = None

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": self.kid,
            "alg": ALG,
            "use": "sig",
            "status": self.status,
        }
        for name in ("created_at", "retired_at", "compromised_at"):
            if getattr(self, name):
                jwk[name] = getattr(self, name)
        return jwk


def _now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _entry_of(key: SigningKey, file: str, status: str, created_at: str | None) -> KeyEntry:
    return KeyEntry(kid=key.kid, file=file, status=status, x=public_jwk(key.public_key)["x"], created_at=created_at)


def keyring(folder: Path) -> list[KeyEntry]:
    """The issuer keys, oldest first. A folder from before rotation existed (only ed25519.pem) is a ring of that
    one active key; an empty folder is an empty ring."""
    folder = Path(folder)
    path = folder / KEYRING_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if (folder / KEY_FILE).exists():
            return [_entry_of(_read_key(folder / KEY_FILE), KEY_FILE, "active", None)]
        return []
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"{path}: danh sách khoá không đọc được / unreadable key ring: {exc}") from None
    try:
        entries = [
            KeyEntry(**{k: v for k, v in item.items() if k in KeyEntry.__dataclass_fields__}) for item in doc["keys"]
        ]
    except (KeyError, TypeError) as exc:
        raise SigningKeyError(f"{path}: danh sách khoá sai dạng / malformed key ring: {exc}") from None
    if sum(e.status == "active" for e in entries) != 1 or any(e.status not in KEY_STATUSES for e in entries):
        raise SigningKeyError(f"{path}: cần đúng một khoá đang dùng / exactly one active key is needed")
    return entries


def _write_keyring(folder: Path, entries: list[KeyEntry]) -> None:
    doc = {"version": 1, "keys": [asdict(e) for e in entries]}
    fd, tmp = tempfile.mkstemp(prefix=".keyring-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, ensure_ascii=False, indent=2)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / KEYRING_FILE)  # readers see the old ring or the new one, never half of one
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _ring_lock(folder: Path):
    """One ring change at a time across processes (an advisory lock on a file of the folder)."""
    import fcntl

    with os.fdopen(os.open(Path(folder) / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600), "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_key(path: Path) -> SigningKey:
    private_key = read_private_key(path, SigningKeyError, "khoá ký", "signing key")
    return _signing_key(private_key, path)


def rotate_key(folder: Path) -> tuple[KeyEntry, KeyEntry]:
    """A new key signs from now on; the active one is retired (still published, so what it signed verifies).
    Returns (retired, new)."""
    folder = Path(folder)
    load_or_create_key(folder)
    with _ring_lock(folder):
        entries = keyring(folder)
        private_key = Ed25519PrivateKey.generate()
        kid = jwk_thumbprint(public_jwk(private_key.public_key()))
        file = f"ed25519-{kid}.pem"
        key = _signing_key(private_key, folder / file)
        write_private_key(folder / file, private_key)
        now = _now_text()
        old = next(e for e in entries if e.status == "active")
        old.status, old.retired_at = "retired", now
        new = _entry_of(key, file, "active", now)
        _write_keyring(folder, [*entries, new])
    return old, new


def compromise_key(folder: Path, kid: str, reason: str | None = None) -> KeyEntry:
    """Mark a retired key compromised: it leaves the published JWKS, and whatever it signed reads as invalid.
    The active key cannot be marked: rotate first (so something trusted signs the status lists)."""
    folder = Path(folder)
    with _ring_lock(folder):
        entries = keyring(folder)
        entry = next((e for e in entries if e.kid == kid), None)
        if entry is None:
            raise SigningKeyError(f"không có khoá {kid!r} / no key {kid!r}")
        if entry.status == "active":
            raise SigningKeyError(
                f"khoá {kid} đang dùng để ký: chạy `vcsc keys rotate` trước / key {kid} is the "
                "active signing key: run `vcsc keys rotate` first"
            )
        if entry.status != "compromised":
            entry.status, entry.compromised_at, entry.reason = "compromised", _now_text(), reason
            _write_keyring(folder, entries)
    return entry


def published_jwks(folder: Path) -> dict[str, Any]:
    """The JWKS to publish at `/.well-known/jwks.json`: the active and retired keys. A compromised key is left
    out, so any verifier that trusts this JWKS (ours or not) refuses what it signed."""
    return {"keys": [e.jwk() for e in keyring(folder) if e.status != "compromised"]}


def key_status_document(folder: Path) -> dict[str, Any]:
    """Every key ever used, with its status (JWKS-shaped): what `/.well-known/vcsc-key-status.json` publishes and
    what our verifiers read, so a certificate signed by a compromised key is named as such."""
    return {"keys": [e.jwk() for e in keyring(folder)]}


# --- the credential ------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _uri(value: Any, kind: str) -> str:
    text = str(value)
    if re.match(r"^(urn:|https?://)", text):
        return text
    try:
        return uuid.UUID(text).urn
    except ValueError:
        return f"urn:vcsc:{kind}:{text}"


def _digest_hex(report_digest: str) -> str:
    hexdigest = report_digest.removeprefix("sha256:").lower()
    if not re.fullmatch(r"[0-9a-f]{64}", hexdigest):
        raise ValueError("report_digest must be a SHA-256 hex digest (optionally 'sha256:'-prefixed)")
    return hexdigest


def status_entry(status_list_url: str, status_index: int, purpose: str = "revocation") -> dict[str, str]:
    return {
        "id": f"{status_list_url}#{status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(status_index),
        "statusListCredential": status_list_url,
    }


def build_credential(
    *,
    certificate_id: str,
    issued_at: datetime,
    valid_until: datetime,
    issuer: dict[str, str],
    product: dict[str, Any],
    vendor: dict[str, Any],
    criteria_version: str,
    level: dict[str, Any],
    report_digest: str,
    verdict_digest: str | None = None,
    report_url: str | None = None,
    status_list_url: str | None = None,
    status_index: int | None = None,
    suspension_list_url: str | None = None,
) -> dict[str, Any]:
    """An OpenBadgeCredential (VC 2.0) for one certified product.

    Human-readable strings are bilingual "vi / en" plain strings, which the Open Badges 3.0 JSON
    schema requires (it does not accept language maps there).
    """
    if (status_list_url is None) != (status_index is None):
        raise ValueError("status_list_url and status_index go together")
    title_vi, title_en = level["title"]["vi"], level["title"]["en"]
    digest = _digest_hex(report_digest)
    subject_ids = [
        {"type": "IdentityObject", "identityType": "productId", "hashed": False, "identityHash": str(product["id"])},
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": str(product["name"])},
    ]
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if product.get("url"):
        subject["id"] = str(product["url"])
    subject["identifier"] = subject_ids
    subject["achievement"] = {
        "id": f"{issuer['id'].rstrip('/')}/achievements/{criteria_version}/{level['id']}",
        "type": ["Achievement"],
        "name": f"VCSC {criteria_version} — {title_vi} / {title_en}",
        "description": (
            f"Đạt mức “{title_vi}” của bộ tiêu chí an toàn trẻ em trên môi trường mạng VCSC "
            f"{criteria_version} / Meets level “{title_en}” of the VCSC child online-safety "
            f"criteria {criteria_version}"
        ),
        "criteria": {
            "narrative": (
                f"Sản phẩm đáp ứng mọi tiêu chí bắt buộc của mức “{title_vi}” trong bộ tiêu chí VCSC phiên bản "
                f"{criteria_version}, theo báo cáo đánh giá kèm theo.\n\n"
                f"The product meets every required criterion of level “{title_en}” in VCSC criteria version "
                f"{criteria_version}, as shown by the attached assessment report."
            )
        },
    }
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": _uri(certificate_id, "certificate"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer["id"], "type": ["Profile"], "name": issuer["name"]},
        "validFrom": _iso(issued_at),
        "validUntil": _iso(valid_until),
        "name": f"Chứng nhận VCSC — {title_vi} / VCSC certificate — {title_en}",
        "description": (f"{product['name']} ({vendor['name']}) — {title_vi} / {title_en}, VCSC {criteria_version}"),
        "credentialSubject": subject,
        "evidence": [
            {
                "id": report_url or f"urn:vcsc:report:sha256:{digest}",
                "type": ["Evidence"],
                "name": "Báo cáo đánh giá / Assessment report",
                "genre": "assessment report",
                "digestSRI": "sha256-" + base64.b64encode(bytes.fromhex(digest)).decode("ascii"),
            }
        ],
    }
    if verdict_digest is not None:  # the verdict the report renders (checker/verdict.py), by its own digest
        verdict_hex = _digest_hex(verdict_digest)
        credential["evidence"].append(
            {
                "id": f"urn:vcsc:verdict:sha256:{verdict_hex}",
                "type": ["Evidence"],
                "name": "Kết quả thẩm định / Verdict",
                "genre": "verdict",
                "digestSRI": "sha256-" + base64.b64encode(bytes.fromhex(verdict_hex)).decode("ascii"),
            }
        )
    if status_list_url is not None and status_index is not None:  # both or neither (checked above)
        credential["credentialStatus"] = status_entry(status_list_url, int(status_index))
        if suspension_list_url is not None:
            credential["credentialStatus"] = [
                credential["credentialStatus"],
                status_entry(suspension_list_url, int(status_index), "suspension"),
            ]
    return credential


def status_of(credential: dict[str, Any], purpose: str = "revocation") -> tuple[str, int] | None:
    """(status list credential URL, index) of the credential's status entry for `purpose`, if any."""
    entries = credential.get("credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries]:
        if (
            isinstance(entry, dict)
            and entry.get("type") == "BitstringStatusListEntry"
            and entry.get("statusPurpose") == purpose
        ):
            try:
                return str(entry["statusListCredential"]), int(entry["statusListIndex"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


# --- signing and verifying -----------------------------------------------------------------------


def sign_credential(credential: dict[str, Any], key: SigningKey) -> str:
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return PyJWS().encode(payload, key.private_key, algorithm=ALG, headers={"kid": key.kid, "typ": TYP, "cty": "vc"})


@dataclass
class VerificationResult:
    valid_signature: bool
    credential: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    expired: bool = False
    kid: str | None = None
    key_compromised: bool = False

    @property
    def ok(self) -> bool:
        return self.valid_signature and not self.expired and not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _error(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


def _bad(vi: str, en: str) -> VerificationResult:
    return VerificationResult(valid_signature=False, errors=[_error(vi, en)])


def verify_credential(token: str, jwks: dict[str, Any], *, now: datetime | None = None) -> VerificationResult:
    """Check the signature of a compact JWS credential against `jwks`, then its validity period.

    Only EdDSA with a key of the JWKS (by kid) is accepted; a key the JWKS marks `"status": "compromised"` (the
    key-status document does) is refused. Revocation is not checked here.
    """
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return _bad("Chứng nhận không đúng định dạng JWS", "The certificate is not a well-formed JWS")
    if header.get("alg") != ALG:
        return _bad(
            f"Thuật toán ký không được chấp nhận: {header.get('alg')!r}",
            f"Signature algorithm not accepted: {header.get('alg')!r}",
        )
    kid = header.get("kid")
    jwk = next(
        (
            k
            for k in (jwks or {}).get("keys", [])
            if isinstance(k, dict) and k.get("kid") == kid and k.get("kty") == "OKP" and k.get("crv") == "Ed25519"
        ),
        None,
    )
    if jwk is None:
        return _bad(
            f"Khoá ký không rõ (kid {kid!r}) — không phải do bên cấp này ký",
            f"Unknown signing key (kid {kid!r}) — not signed by this issuer",
        )
    if jwk.get("status") == "compromised":
        since = f" ({jwk['compromised_at']})" if jwk.get("compromised_at") else ""
        result = _bad(
            f"Ký bằng khoá {kid} đã bị lộ{since}: không thể tin chứng nhận này; hãy xin bên cấp bản cấp lại",
            f"Signed with key {kid}, marked compromised{since}: this certificate cannot be trusted; ask "
            "the issuer for a re-issued one",
        )
        result.kid, result.key_compromised = kid, True
        return result
    if jwk_thumbprint(jwk) != kid:
        return _bad("Mã khoá (kid) không khớp khoá công khai", "The key id (kid) does not match the public key")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
        decoded = PyJWS().decode_complete(token, key=public_key, algorithms=[ALG])
    except jwt.InvalidSignatureError:
        return _bad(
            "Chữ ký không hợp lệ — chứng nhận đã bị sửa đổi hoặc không do bên cấp này ký",
            "Invalid signature — the certificate was altered or not signed by this issuer",
        )
    except (jwt.PyJWTError, ValueError) as exc:
        return _bad(f"Không kiểm tra được chữ ký: {exc}", f"The signature cannot be checked: {exc}")
    result = VerificationResult(valid_signature=True, kid=kid)
    if header.get("typ") != TYP:
        result.errors.append(_error(f"Kiểu tài liệu không phải {TYP}", f"The document type is not {TYP}"))
    try:
        credential = json.loads(decoded["payload"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        credential = None
    if not isinstance(credential, dict) or "VerifiableCredential" not in credential.get("type", []):
        result.errors.append(
            _error(
                "Nội dung không phải chứng nhận (Verifiable Credential)", "The payload is not a Verifiable Credential"
            )
        )
        return result
    result.credential = credential
    now = now or datetime.now(UTC)
    try:
        if credential.get("validUntil") and _parse_iso(credential["validUntil"]) < now:
            result.expired = True
        if credential.get("validFrom") and _parse_iso(credential["validFrom"]) > now:
            result.errors.append(_error("Chứng nhận chưa có hiệu lực", "The certificate is not valid yet"))
    except (TypeError, ValueError):
        result.errors.append(_error("Ngày hiệu lực không hợp lệ", "Invalid validity dates"))
    return result


# --- W3C Bitstring Status List v1.0 --------------------------------------------------------------


def encode_status_list(revoked_indexes: set[int], size: int = STATUS_LIST_MIN_BITS) -> str:
    """encodedList: multibase base64url ("u", no padding) of the GZIP-compressed bitstring.

    Bit 0 is the left-most (most significant) bit of the first byte.
    """
    if size < STATUS_LIST_MIN_BITS or size % 8:
        raise ValueError(f"size must be a multiple of 8 and at least {STATUS_LIST_MIN_BITS}")
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside the list (size {size})")
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + _b64url(gzip.compress(bytes(bits), mtime=0))


def is_set(encoded: str, index: int) -> bool:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    bits = gzip.decompress(_b64url_decode(encoded[1:]))
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def build_status_list_credential(
    url: str,
    issuer: dict[str, str] | str,
    encoded: str,
    *,
    valid_from: datetime | None = None,
    purpose: str = "revocation",
) -> dict[str, Any]:
    """The BitstringStatusListCredential published at `url` (to be signed like any credential)."""
    issuer_id = issuer if isinstance(issuer, str) else issuer["id"]
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": _iso(valid_from or datetime.now(UTC)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
