"""Signed certificates: Open Badges 3.0 / W3C Verifiable Credentials 2.0 secured as a compact JWS.

* The issuer key is an Ed25519 key kept in a PEM file outside the database (folder 0700, file 0600),
  created on first use; its key id is the RFC 7638 JWK thumbprint, and `public_jwks` gives the JWKS
  to publish at `/.well-known/jwks.json`.
* `sign_credential` secures a credential VC-JOSE style (header alg EdDSA, kid, typ "vc+jwt", the
  payload is the credential JSON itself) with PyJWT's JWS layer; `verify_credential` checks it.
* Revocation uses a W3C Bitstring Status List v1.0; the current status of one certificate is looked
  up by the caller (the registry), from `status_of(credential)`.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.api_jws import PyJWS

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
    """The existing key in `folder` (never creates one)."""
    path = Path(folder) / KEY_FILE
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyError(f"{path}: không có khoá ký / no signing key") from None
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: khoá ký không đọc được / unreadable signing key: {exc}") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: không phải khoá Ed25519 / not an Ed25519 key")
    return _signing_key(private_key, path)


def load_or_create_key(folder: Path) -> SigningKey:
    """The Ed25519 signing key in `folder`, created on the first call.

    The new key is written to a temporary file in the same folder and hard-linked to its final
    name, which fails if another process got there first; the loser then reads the winner's key.
    """
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / KEY_FILE
    if path.exists():
        return load_key(folder)
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=folder)  # created 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return load_key(folder)
    finally:
        os.unlink(tmp)
    return _signing_key(private_key, path)


def public_jwks(key: SigningKey) -> dict[str, Any]:
    """The JWKS to publish at `/.well-known/jwks.json`."""
    return {"keys": [{**public_jwk(key.public_key), "kid": key.kid, "alg": ALG, "use": "sig"}]}


# --- the credential ------------------------------------------------------------------------------

def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


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
    return {"id": f"{status_list_url}#{status_index}", "type": "BitstringStatusListEntry",
            "statusPurpose": purpose, "statusListIndex": str(status_index),
            "statusListCredential": status_list_url}


def build_credential(*, certificate_id: str, issued_at: datetime, valid_until: datetime,
                     issuer: dict[str, str], product: dict[str, Any], vendor: dict[str, str],
                     criteria_version: str, level: dict[str, Any], report_digest: str,
                     report_url: str | None = None, status_list_url: str | None = None,
                     status_index: int | None = None, suspension_list_url: str | None = None) -> dict[str, Any]:
    """An OpenBadgeCredential (VC 2.0) for one certified product.

    Human-readable strings are bilingual "vi / en" plain strings, which the Open Badges 3.0 JSON
    schema requires (it does not accept language maps there).
    """
    if (status_list_url is None) != (status_index is None):
        raise ValueError("status_list_url and status_index go together")
    title_vi, title_en = level["title"]["vi"], level["title"]["en"]
    digest = _digest_hex(report_digest)
    subject_ids = [{"type": "IdentityObject", "identityType": "productId", "hashed": False,
                    "identityHash": str(product["id"])},
                   {"type": "IdentityObject", "identityType": "name", "hashed": False,
                    "identityHash": str(product["name"])}]
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if product.get("url"):
        subject["id"] = str(product["url"])
    subject["identifier"] = subject_ids
    subject["achievement"] = {
        "id": f"{issuer['id'].rstrip('/')}/achievements/{criteria_version}/{level['id']}",
        "type": ["Achievement"],
        "name": f"VCSC {criteria_version} — {title_vi} / {title_en}",
        "description": (f"Đạt mức “{title_vi}” của bộ tiêu chí an toàn trẻ em trên môi trường mạng VCSC "
                        f"{criteria_version} / Meets level “{title_en}” of the VCSC child online-safety "
                        f"criteria {criteria_version}"),
        "criteria": {"narrative": (
            f"Sản phẩm đáp ứng mọi tiêu chí bắt buộc của mức “{title_vi}” trong bộ tiêu chí VCSC phiên bản "
            f"{criteria_version}, theo báo cáo đánh giá kèm theo.\n\n"
            f"The product meets every required criterion of level “{title_en}” in VCSC criteria version "
            f"{criteria_version}, as shown by the attached assessment report.")},
    }
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": _uri(certificate_id, "certificate"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer["id"], "type": ["Profile"], "name": issuer["name"]},
        "validFrom": _iso(issued_at),
        "validUntil": _iso(valid_until),
        "name": f"Chứng nhận VCSC — {title_vi} / VCSC certificate — {title_en}",
        "description": (f"{product['name']} ({vendor['name']}) — {title_vi} / {title_en}, "
                        f"VCSC {criteria_version}"),
        "credentialSubject": subject,
        "evidence": [{
            "id": report_url or f"urn:vcsc:report:sha256:{digest}",
            "type": ["Evidence"],
            "name": "Báo cáo đánh giá / Assessment report",
            "genre": "assessment report",
            "digestSRI": "sha256-" + base64.b64encode(bytes.fromhex(digest)).decode("ascii"),
        }],
    }
    if status_list_url is not None:
        credential["credentialStatus"] = status_entry(status_list_url, int(status_index))
        if suspension_list_url is not None:
            credential["credentialStatus"] = [credential["credentialStatus"],
                                              status_entry(suspension_list_url, int(status_index), "suspension")]
    return credential


def status_of(credential: dict[str, Any], purpose: str = "revocation") -> tuple[str, int] | None:
    """(status list credential URL, index) of the credential's status entry for `purpose`, if any."""
    entries = credential.get("credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries]:
        if (isinstance(entry, dict) and entry.get("type") == "BitstringStatusListEntry"
                and entry.get("statusPurpose") == purpose):
            try:
                return str(entry["statusListCredential"]), int(entry["statusListIndex"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


# --- signing and verifying -----------------------------------------------------------------------

def sign_credential(credential: dict[str, Any], key: SigningKey) -> str:
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return PyJWS().encode(payload, key.private_key, algorithm=ALG,
                          headers={"kid": key.kid, "typ": TYP, "cty": "vc"})


@dataclass
class VerificationResult:
    valid_signature: bool
    credential: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    expired: bool = False
    kid: str | None = None

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

    Only EdDSA with a key of the JWKS (by kid) is accepted. Revocation is not checked here.
    """
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return _bad("Chứng nhận không đúng định dạng JWS", "The certificate is not a well-formed JWS")
    if header.get("alg") != ALG:
        return _bad(f"Thuật toán ký không được chấp nhận: {header.get('alg')!r}",
                    f"Signature algorithm not accepted: {header.get('alg')!r}")
    kid = header.get("kid")
    jwk = next((k for k in (jwks or {}).get("keys", []) if isinstance(k, dict) and k.get("kid") == kid
                and k.get("kty") == "OKP" and k.get("crv") == "Ed25519"), None)
    if jwk is None:
        return _bad(f"Khoá ký không rõ (kid {kid!r}) — không phải do bên cấp này ký",
                    f"Unknown signing key (kid {kid!r}) — not signed by this issuer")
    if jwk_thumbprint(jwk) != kid:
        return _bad("Mã khoá (kid) không khớp khoá công khai", "The key id (kid) does not match the public key")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
        decoded = PyJWS().decode_complete(token, key=public_key, algorithms=[ALG])
    except jwt.InvalidSignatureError:
        return _bad("Chữ ký không hợp lệ — chứng nhận đã bị sửa đổi hoặc không do bên cấp này ký",
                    "Invalid signature — the certificate was altered or not signed by this issuer")
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
        result.errors.append(_error("Nội dung không phải chứng nhận (Verifiable Credential)",
                                    "The payload is not a Verifiable Credential"))
        return result
    result.credential = credential
    now = now or datetime.now(timezone.utc)
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


def build_status_list_credential(url: str, issuer: dict[str, str] | str, encoded: str, *,
                                 valid_from: datetime | None = None, purpose: str = "revocation") -> dict[str, Any]:
    """The BitstringStatusListCredential published at `url` (to be signed like any credential)."""
    issuer_id = issuer if isinstance(issuer, str) else issuer["id"]
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": _iso(valid_from or datetime.now(timezone.utc)),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": purpose, "encodedList": encoded},
    }
