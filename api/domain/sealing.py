"""Probe-manifest secrets at rest: test-account passwords and parent PINs sealed with AES-256-GCM.

A manifest is stored as its *view* (the manifest with every secret masked, what pages and the API show) plus one
member `"$sealed"`: the whole original manifest, encrypted with a key kept outside the database
(`<VCSC_KEYS_DIR>/manifest-secrets.key`, 32 random bytes, file 0600, made on first start like the signing key).
The associated data binds a sealed manifest to its product, so a sealed value copied into another product's run
does not open. Only the worker (api/jobs/execute.py) and a reviewer's re-run open it; a monitoring re-probe of the
same product copies the sealed form as it is.

Rows written before sealing existed hold the plain manifest: `open_manifest` reads both forms, and
`seal_stored_manifests` (run by `vcsc db upgrade` and at every start) seals them in place.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("vcsc.sealing")
KEY_FILE = "manifest-secrets.key"
SEALED = "$sealed"  # not a manifest member: the manifest schema allows no "$" names
PREFIX = "v1"
MASK = "********"
SECRET_KEYS = ("password", "parental_pin")
PLACEHOLDERS = ("{username}", "{password}")


class SealError(Exception):
    """A sealed manifest cannot be opened (no key, another key, or altered)."""


@dataclass(frozen=True)
class ManifestBox:
    key: bytes
    path: Path

    @property
    def kid(self) -> str:
        """A short public name of the key (not secret: a hash), so a wrong key is named in errors."""
        return hashlib.sha256(b"vcsc-manifest-key:" + self.key).hexdigest()[:16]

    def _aad(self, product_id: int) -> bytes:
        return f"vcsc/probe-manifest/{PREFIX}/product:{int(product_id)}".encode("ascii")

    def seal(self, manifest: dict, product_id: int) -> str:
        nonce = os.urandom(12)
        plain = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        sealed = AESGCM(self.key).encrypt(nonce, plain, self._aad(product_id))
        return ".".join((PREFIX, self.kid, base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")))

    def open(self, token: str, product_id: int) -> dict:
        try:
            version, kid, data = str(token).split(".", 2)
            raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        except (ValueError, TypeError):
            raise SealError("Bí mật của manifest bị hỏng / The manifest's sealed secrets are malformed") from None
        if version != PREFIX:
            raise SealError(f"Dạng niêm phong không rõ {version!r} / Unknown sealed format {version!r}")
        if kid != self.kid:
            raise SealError(
                f"Bí mật của manifest được niêm phong bằng khoá {kid}, không phải khoá {self.kid} trong "
                f"VCSC_KEYS_DIR / The manifest's secrets were sealed with key {kid}, not with key "
                f"{self.kid} of VCSC_KEYS_DIR"
            )
        try:
            plain = AESGCM(self.key).decrypt(raw[:12], raw[12:], self._aad(product_id))
        except (InvalidTag, ValueError):
            raise SealError(
                "Không mở được bí mật của manifest (bị sửa hoặc thuộc sản phẩm khác) / The manifest's "
                "secrets do not open (altered, or sealed for another product)"
            ) from None
        return json.loads(plain.decode("utf-8"))


def _write_new_key(path: Path) -> None:
    """A fresh key at `path`, written 0600 to a temporary file and hard-linked into place (a process that lost
    the race to make it reads the winner's key)."""
    fd, tmp = tempfile.mkstemp(prefix=".manifest-key-", dir=path.parent)  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def load_box(folder: Path, *, create: bool = False) -> ManifestBox:
    folder = Path(folder)
    path = folder / KEY_FILE
    if create and not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_new_key(path)
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        raise SealError(f"{path}: không có khoá niêm phong manifest / no manifest sealing key") from None
    if len(key) != 32:
        raise SealError(f"{path}: khoá niêm phong phải dài 32 byte / the sealing key must be 32 bytes")
    return ManifestBox(key, path)


def load_or_create_box(folder: Path) -> ManifestBox:
    return load_box(folder, create=True)


# --- the stored form ---------------------------------------------------------------------------------


def is_sealed(stored: Any) -> bool:
    return isinstance(stored, dict) and isinstance(stored.get(SEALED), str)


def masked(manifest: dict) -> dict:
    """The manifest with every secret replaced by a mask: account passwords and parent PINs, and any typed login
    value other than the {username}/{password} placeholders (a vendor may spell a secret out there)."""
    shown = copy.deepcopy({k: v for k, v in manifest.items() if k != SEALED})
    accounts = shown.get("accounts")
    for account in accounts.values() if isinstance(accounts, dict) else ():
        if isinstance(account, dict):
            for key in SECRET_KEYS:
                if key in account:
                    account[key] = MASK
    steps = shown.get("login_steps")
    for step in steps if isinstance(steps, list) else ():
        if isinstance(step, dict) and isinstance(step.get("value"), str) and step["value"] not in PLACEHOLDERS:
            step["value"] = MASK
    return shown


def secrets_of(manifest: Any) -> list[str]:
    """Every password, PIN and typed login value of a manifest (longest first, for redaction)."""
    found: set[str] = set()
    accounts = manifest.get("accounts") if isinstance(manifest, dict) else None
    for account in accounts.values() if isinstance(accounts, dict) else ():
        if isinstance(account, dict):
            found.update(v for k, v in account.items() if k in SECRET_KEYS and isinstance(v, str) and v)
    steps = manifest.get("login_steps") if isinstance(manifest, dict) else None
    for step in steps if isinstance(steps, list) else ():
        if isinstance(step, dict) and isinstance(step.get("value"), str) and step["value"] not in PLACEHOLDERS:
            found.add(step["value"])
    return sorted((s for s in found if s), key=len, reverse=True)


def seal_manifest(manifest: dict, box: ManifestBox, product_id: int) -> dict:
    """The form to store: the masked view plus the sealed original. An already sealed form is kept as it is."""
    if is_sealed(manifest):
        return manifest
    return {**masked(manifest), SEALED: box.seal(manifest, product_id)}


def open_manifest(stored: dict, box: ManifestBox | None, product_id: int) -> dict:
    """The original manifest of a stored one (a row from before sealing is returned as it is)."""
    if not is_sealed(stored):
        return stored
    if box is None:
        raise SealError("Không có khoá niêm phong manifest / no manifest sealing key")
    return box.open(stored[SEALED], product_id)


def open_stored(stored: dict, keys_dir: Path, product_id: int) -> dict:
    """`open_manifest` with the key of `keys_dir`, read only when the manifest is sealed (never created here: a
    worker without the shared key folder must fail, not make a key of its own)."""
    return open_manifest(stored, load_box(keys_dir) if is_sealed(stored) else None, product_id)


def view(stored: dict) -> dict:
    """What may be shown of a stored manifest, sealed or not: no secrets, no ciphertext."""
    return masked(stored)


def seal_stored_manifests(session: Session, box: ManifestBox) -> int:
    """Seal, in place, every probe run's manifest still stored in plain form; returns how many were sealed."""
    from api.core.models import ProbeRun

    # Only rows whose text lacks the member's name can be plain: sealed rows are not read again at each start.
    maybe_plain = sa.cast(ProbeRun.manifest, sa.Text).not_like(f'%"{SEALED}"%')
    rows = session.execute(sa.select(ProbeRun.id, ProbeRun.product_id, ProbeRun.manifest).where(maybe_plain)).all()
    count = 0
    for row in rows:
        if isinstance(row.manifest, dict) and not is_sealed(row.manifest):
            session.execute(
                sa.update(ProbeRun)
                .where(ProbeRun.id == row.id)
                .values(manifest=seal_manifest(row.manifest, box, row.product_id))
                .execution_options(synchronize_session=False)
            )
            count += 1
    return count


def seal_legacy_manifests(sessions: sessionmaker[Session], box: ManifestBox) -> int:
    """`seal_stored_manifests` in a transaction of its own; nothing to do on a database not migrated yet."""
    with sessions.begin() as session:
        if not sa.inspect(session.connection()).has_table("probe_runs"):
            return 0
        count = seal_stored_manifests(session, box)
    if count:
        log.warning("sealed the secrets of %d probe manifest(s) stored in plain form", count)
    return count
