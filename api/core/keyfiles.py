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
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
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
