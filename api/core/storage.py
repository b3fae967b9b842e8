"""Where uploaded evidence files are kept: a small content-addressed blob store behind one interface.

A blob's key is the SHA-256 (hex) of its bytes, so the key never comes from a file name the client chose and two
revisions that carry the same file share one blob. `FileSystemStore` keeps blobs under VCSC_STORAGE_DIR as
`<aa>/<bb>/<sha256>`, written to a temporary file in the same folder tree, flushed to disk, then renamed into place
(`os.replace` is atomic on one file system): a reader never sees half a blob and a crash leaves only a stray
temporary file, never a wrong blob. Writing the same bytes again is harmless (same key, same content).

`S3Store` keeps the same blobs, under the same `<aa>/<bb>/<sha256>` names (after VCSC_S3_PREFIX), in a bucket of
an S3-compatible service (AWS S3, MinIO, Ceph...), for several machines that share no folder. Each PUT carries the
SHA-256 of the bytes (`x-amz-checksum-sha256`): a service that checks it (AWS S3, MinIO) refuses any other bytes,
and the app checks the SHA-256 again before serving (api.domain.evidence.content). A single PUT is atomic (a
reader sees the whole object or none). boto3 (the `s3` extra) is imported only when this back end is chosen;
credentials come from boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role),
never from VCSC settings. Files are still served through the app, never by bucket URLs, so the app's access checks
stay the only way in.

`make_store(settings)` is the one place that chooses (VCSC_STORAGE_BACKEND = folder | s3).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from api.core.settings import Settings

KEY = re.compile(r"^[0-9a-f]{64}$")


class StorageConfigError(ValueError):
    """The storage settings cannot work (raised at start-up, naming the setting)."""


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
        return self.root / object_name(key)  # a ValueError for anything but a blob key

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


def object_name(key: str) -> str:
    """`<aa>/<bb>/<sha256>`: a blob's name below the store's root (folder) or prefix (bucket)."""
    if not KEY.match(key):  # keys are made here, never taken from a request; refuse anything else
        raise ValueError(f"not a blob key: {key!r}")
    return f"{key[:2]}/{key[2:4]}/{key}"


_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Store:
    """Blobs as objects of `bucket` (an S3-compatible service), named `<prefix><aa>/<bb>/<sha256>`.

    `client` is for tests and callers that built their own; otherwise one is made with boto3's credential chain,
    path-style addressing when `endpoint_url` is given (MinIO, Ceph), and standard retries."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        if client is None:
            boto3, config = _boto3()
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                config=config(
                    s3={"addressing_style": "path"} if endpoint_url else {},
                    retries={"mode": "standard", "max_attempts": 5},
                    connect_timeout=10,
                    read_timeout=60,
                ),
            )
        self.client = client

    def name(self, key: str) -> str:
        return self.prefix + object_name(key)

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.name(key),
            Body=data,
            ContentType="application/octet-stream",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(bytes.fromhex(key)).decode("ascii"),
        )
        return key

    def get(self, key: str) -> bytes:
        name = self.name(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if _error_code(exc) in _MISSING:  # as the folder store: a missing blob is FileNotFoundError
                raise FileNotFoundError(f"s3://{self.bucket}/{name}") from exc
            raise
        with response["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.name(key))
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.name(key))  # S3: a missing key is no error
        except Exception as exc:
            if _error_code(exc) not in _MISSING:  # some S3-compatible servers answer 404: gone is gone
                raise


def _error_code(exc: Exception) -> str | None:
    """The S3 error code of a botocore ClientError ("NoSuchKey", "404", ...), None for anything else."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code")) if isinstance(response, dict) else None


def _boto3() -> tuple[Any, Any]:
    """boto3 and botocore's Config, or a start-up error that says which setting needs them."""
    try:
        import boto3
        import boto3.session
        from botocore.config import Config
    except ImportError as exc:
        raise StorageConfigError(
            "VCSC_STORAGE_BACKEND=s3 cần gói boto3: pip install 'vcsc-checker[s3]' / "
            "VCSC_STORAGE_BACKEND=s3 needs the boto3 package: pip install 'vcsc-checker[s3]'"
        ) from exc
    return boto3, Config


def check_settings(settings: Settings) -> None:
    """Refuse settings the chosen back end cannot work with, before anything starts."""
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise StorageConfigError(
                "VCSC_STORAGE_BACKEND=s3 cần VCSC_S3_BUCKET (tên bucket chứa tệp bằng chứng) / "
                "VCSC_STORAGE_BACKEND=s3 needs VCSC_S3_BUCKET (the bucket of the evidence files)"
            )
        _boto3()


def make_store(settings: Settings) -> BlobStore:
    """The evidence-file store the settings choose: the folder VCSC_STORAGE_DIR, or an S3-compatible bucket."""
    check_settings(settings)
    if settings.storage_backend == "s3":
        assert settings.s3_bucket  # check_settings
        return S3Store(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
        )
    return FileSystemStore(settings.storage_dir)
