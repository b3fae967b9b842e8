"""Where uploaded evidence files are kept: a small content-addressed blob store behind one interface.

A blob's key is the SHA-256 (hex) of its bytes, so the key never comes from a file name the client chose and two
revisions that carry the same file share one blob. `FileSystemStore` keeps blobs under VCSC_STORAGE_DIR as
`<aa>/<bb>/<sha256>`, written to a temporary file in the same folder tree, flushed to disk, then renamed into place
(`os.replace` is atomic on one file system): a reader never sees half a blob and a crash leaves only a stray
temporary file, never a wrong blob. Writing the same bytes again is harmless (same key, same content).

No S3-compatible back end is offered: the interface (`BlobStore`) is what one would implement.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

KEY = re.compile(r"^[0-9a-f]{64}$")


def blob_key(data: bytes) -> str:
    """The key of `data`: its SHA-256 in lowercase hex."""
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    """Content-addressed blobs: `put` returns the key (the SHA-256 of the bytes)."""

    def put(self, data: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class FileSystemStore:
    """Blobs as files under `root` (made on first write, folders 0700, files 0600)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not KEY.match(key):  # keys are made here, never taken from a request; refuse anything else
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        target = self.path(key)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = target.parent / f".{key}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
