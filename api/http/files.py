"""What the API and the pages share about evidence files: reading an upload, and serving a file so that a browser
downloads it and never renders or runs it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response
from starlette.datastructures import UploadFile  # FastAPI's UploadFile and the pages' form files

from api.core.models import EvidenceFile
from api.core.storage import BlobStore
from api.domain import evidence

# What a downloaded file may do in a browser: nothing (no scripts, no plugins, no loads, a sandboxed origin).
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The uploaded bytes, at most one byte past `max_bytes` (enough to refuse a file that is too large)."""
    upload.file.seek(0)
    return upload.file.read(max_bytes + 1)


def file_response(store: BlobStore, row: EvidenceFile) -> Response:
    """The file as an attachment of its detected type, with nosniff and a CSP that allows nothing."""
    data = evidence.content(store, row)
    ascii_name = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in row.name)
    media_type = row.media_type + ("; charset=utf-8" if row.media_type == evidence.TEXT else "")
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": FILE_CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cache-Control": "private, no-store",
        },
    )
