"""Private key files kept outside the database (VCSC_KEYS_DIR): written once, mode 0600, race-free."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def write_private_key(path: Path, private_key: Ed25519PrivateKey) -> bool:
    """Write the key's PEM to `path` (0600) unless a file is there already; False when another process was
    first. Written to a temporary file and hard-linked into place, so a reader never sees half a key and of two
    processes starting together the second keeps the first's key."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        os.unlink(tmp)
    return True


def read_private_key(path: Path, error: type[Exception], what_vi: str, what_en: str) -> Ed25519PrivateKey:
    """The Ed25519 key in `path`; `error` (with a bilingual message naming the file) when it is missing,
    unreadable or of another kind."""
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise error(f"{path}: không có {what_vi} / no {what_en}") from None
    except (OSError, ValueError, TypeError) as exc:
        raise error(f"{path}: {what_vi} không đọc được / unreadable {what_en}: {exc}") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise error(f"{path}: không phải khoá Ed25519 / not an Ed25519 key")
    return private_key
