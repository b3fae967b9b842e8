"""Evidence files: what a vendor uploads per criterion of a draft revision (a test report for CF-01, say).

Rules, in one place for the API and the pages:
- Only PDF, PNG, JPEG and plain text, told by the content (magic bytes; for text: UTF-8 without NUL or other
  control characters, that does not look like HTML, SVG, XML or a script), never by the file's name or the Content-Type the client sent: 415.
- At most VCSC_EVIDENCE_MAX_FILE_BYTES per file and VCSC_EVIDENCE_MAX_SUBMISSION_BYTES per revision: 413.
- Files change only while the revision is a draft (the submission's row lock, then its state): 409 after submit.
  A new revision (after "changes requested", or a renewal) gets copies of the rows, naming the same blobs, so the
  earlier revision's list never changes.
- Each row keeps the SHA-256, the size, the detected type and the vendor's file name, sanitised, for display only;
  the blob's key is the SHA-256 (api.core.storage), never the name.
- Nothing half-saved: the blob is written under a lock on its key, after every check, and a rolled-back upload
  removes a blob no committed row names; a deleted row's blob goes once no row names it (`_sweep`).
- Uploads and deletions are audit events of the submission.

Files count as evidence of kind "document" when the answers are evaluated (`with_files`): an answer with a value
whose criterion has files gets one document item per file (its name and SHA-256) for the evaluation; the stored
answers are not changed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.db import lock_for_update
from api.core.errors import ApiError, bilingual, conflict, invalid, not_found
from api.core.models import EvidenceFile, Submission
from api.core.settings import Settings
from api.core.storage import BlobStore, blob_key
from api.domain import audit, lifecycle
from api.domain.audit import Actor
from checker.assessment import checker_for

log = logging.getLogger("vcsc.evidence")

PDF, PNG, JPEG, TEXT = "application/pdf", "image/png", "image/jpeg", "text/plain"
MEDIA_TYPES = (PDF, PNG, JPEG, TEXT)
EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg"), TEXT: (".txt", ".text", ".log", ".csv", ".md")}
MAX_FILES_PER_CRITERION = 20  # as many as an answer may list evidence items
MAX_NAME = 150
# Markup a browser (or an old one sniffing) could take for HTML, SVG or XML, anywhere in a "text" file.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|!--|\?xml|html|head|body|script|iframe|frame|svg|object|embed|applet|meta|"
    rb"link|style|img|image|form|base|title|a\s|div|table|math|xml|x:script)",
    re.IGNORECASE,
)
_PENDING = "evidence_blobs"  # session.info: {"new": set of keys written in this transaction, "freed": keys let go}


# --- what a file is -----------------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The media type of `data` by its content (one of MEDIA_TYPES), or None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return TEXT if _plain_text(data) else None


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # NUL and the other controls text does not use


def _plain_text(data: bytes) -> bool:
    if _CONTROL.search(data):  # NUL first of all: binary data, not text
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    body = text.lstrip("\ufeff \t\r\n\f")
    # WHATWG MIME sniffing takes a resource starting with a tag for HTML; a script or markup anywhere is refused.
    return not body.startswith("<") and _MARKUP.search(data) is None


def display_name(filename: str | None, media_type: str) -> str:
    """The vendor's file name for display and as the download's name: no folders, no control or quoting
    characters, at most MAX_NAME characters, and ending in an extension of the detected type."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in name)
    name = re.sub(r'["<>:*?|;%`$]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    extensions = EXTENSIONS[media_type]
    stem, dot, ext = name.rpartition(".")
    if not dot or "." + ext.lower() not in extensions:
        stem = name
    stem = stem[: MAX_NAME - 6].strip(" .") or "bang-chung"
    suffix = ("." + ext.lower()) if dot and "." + ext.lower() in extensions else extensions[0]
    return stem + suffix


# --- reading ------------------------------------------------------------------------------------------


def files_of(session: Session, submission_id: int) -> list[EvidenceFile]:
    return list(
        session.scalars(
            sa.select(EvidenceFile)
            .where(EvidenceFile.submission_id == submission_id)
            .order_by(EvidenceFile.criterion_id, EvidenceFile.id)
        )
    )


def by_criterion(files: list[EvidenceFile]) -> dict[str, list[EvidenceFile]]:
    out: dict[str, list[EvidenceFile]] = {}
    for f in files:
        out.setdefault(f.criterion_id, []).append(f)
    return out


def as_dict(f: EvidenceFile) -> dict[str, Any]:
    """A file as the report and the pages list it (no storage key)."""
    return {
        "id": f.id,
        "criterion_id": f.criterion_id,
        "name": f.name,
        "media_type": f.media_type,
        "size": f.size,
        "sha256": f.sha256,
        "created_at": f.created_at.isoformat(),
    }


def load_file(session: Session, submission: Submission, file_id: int) -> EvidenceFile:
    """A file of this submission (the caller checked the submission's access); another's reads as 404."""
    found = session.get(EvidenceFile, file_id)
    if found is None or found.submission_id != submission.id:
        raise not_found("tệp bằng chứng", "Evidence file")
    return found


def content(store: BlobStore, f: EvidenceFile) -> bytes:
    data = store.get(f.storage_key)
    if blob_key(data) != f.sha256:  # a changed or damaged blob is never served as the vendor's file
        raise RuntimeError(f"evidence file {f.id}: stored bytes do not match its SHA-256")
    return data


def with_files(answers: dict[str, Any], files: list[EvidenceFile]) -> dict[str, Any]:
    """`answers` as evaluated: each answer with a value gets its criterion's files as document evidence."""
    out = dict(answers)
    for cid, group in by_criterion(files).items():
        answer = out.get(cid)
        if not isinstance(answer, dict) or "value" not in answer or answer.get("not_applicable"):
            continue
        evidence = list(answer.get("evidence") or [])
        known = {e.get("sha256") for e in evidence if isinstance(e, dict)}
        evidence += [{"kind": "document", "title": f.name, "sha256": f.sha256} for f in group if f.sha256 not in known]
        out[cid] = {**answer, "evidence": evidence}
    return out


def effective_answers(session: Session, submission: Submission) -> dict[str, Any]:
    return with_files(submission.answers, files_of(session, submission.id))


# --- changing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    max_file: int
    max_submission: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.evidence_max_file_bytes, settings.evidence_max_submission_bytes)


def _file_problem(status: int, vi: str, en: str) -> ApiError:
    return ApiError(status, bilingual(vi, en), [{"pointer": "/file", "message": bilingual(vi, en)}])


def _criterion_ids(submission: Submission) -> set[str]:
    return {c.id for c in checker_for(submission.criteria_version, submission.product.product_type).applicable}


def check_upload(submission: Submission, criterion_id: str, data: bytes, limits: Limits) -> str:
    """The detected media type, after the checks that need no lock: the criterion, the size, the content."""
    if criterion_id not in _criterion_ids(submission):
        raise invalid(
            [
                {
                    "pointer": "/criterion_id",
                    "message": bilingual(
                        f"Tiêu chí '{criterion_id[:40]}' không áp dụng cho bản tự đánh giá này",
                        f"Criterion '{criterion_id[:40]}' does not apply to this self-assessment",
                    ),
                }
            ]
        )
    if not data:
        raise invalid([{"pointer": "/file", "message": bilingual("Tệp rỗng", "The file is empty")}])
    if len(data) > limits.max_file:
        raise _file_problem(
            413,
            f"Tệp lớn hơn giới hạn {limits.max_file} byte",
            f"The file is larger than the limit of {limits.max_file} bytes",
        )
    media_type = sniff(data)
    if media_type is None:
        raise _file_problem(
            415,
            "Chỉ nhận tệp PDF, PNG, JPEG hoặc văn bản thuần (UTF-8, không phải HTML)",
            "Only PDF, PNG, JPEG or plain text (UTF-8, not HTML) files are accepted",
        )
    return media_type


def add_file(
    session: Session,
    store: BlobStore,
    limits: Limits,
    actor: Actor,
    submission: Submission,
    criterion_id: str,
    filename: str | None,
    data: bytes,
) -> EvidenceFile:
    """Attach `data` to `criterion_id` of a draft. Refused: 409 once submitted; 413 too large (the file, or the
    revision's files together); 415 not an accepted type; 422 an unknown criterion, an empty file, too many files;
    409 also for the same file twice on one criterion."""
    media_type = check_upload(submission, criterion_id, data, limits)
    lock_for_update(session, submission)  # a submit that committed meanwhile is seen here, and refused
    lifecycle.require_editable(submission.status)
    used, count = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(EvidenceFile.size), 0),
            sa.func.count().filter(EvidenceFile.criterion_id == criterion_id),
        ).where(EvidenceFile.submission_id == submission.id)
    ).one()
    if used + len(data) > limits.max_submission:
        raise _file_problem(
            413,
            f"Các tệp của bản tự đánh giá vượt quá {limits.max_submission} byte",
            f"The revision's files together would exceed {limits.max_submission} bytes",
        )
    if count >= MAX_FILES_PER_CRITERION:
        raise invalid(
            [
                {
                    "pointer": "/file",
                    "message": bilingual(
                        f"Mỗi tiêu chí có tối đa {MAX_FILES_PER_CRITERION} tệp",
                        f"At most {MAX_FILES_PER_CRITERION} files per criterion",
                    ),
                }
            ]
        )
    key = blob_key(data)
    if (
        session.scalar(
            sa.select(EvidenceFile.id).where(
                EvidenceFile.submission_id == submission.id,
                EvidenceFile.criterion_id == criterion_id,
                EvidenceFile.sha256 == key,
            )
        )
        is not None
    ):
        raise conflict("Tệp này đã được đính kèm cho tiêu chí", "This file is already attached to the criterion")
    attach_store(session, store)
    _lock_blob(session, key)
    row = EvidenceFile(
        submission_id=submission.id,
        criterion_id=criterion_id,
        name=display_name(filename, media_type),
        media_type=media_type,
        size=len(data),
        sha256=key,
        storage_key=key,
        uploaded_by_id=getattr(actor, "id", None),
    )
    session.add(row)
    session.flush()
    _pending(session)["new"].add(key)
    store.put(data)  # last: every check passed; a rollback from here on sweeps the blob (no orphan)
    audit.record(
        session,
        actor,
        "submission.evidence_file_added",
        "submission",
        submission.id,
        submission.product.organisation_id,
        None,
        {
            "file_id": row.id,
            "criterion_id": criterion_id,
            "name": row.name,
            "media_type": media_type,
            "size": row.size,
            "sha256": key,
        },
    )
    return row


def remove_file(session: Session, store: BlobStore, actor: Actor, submission: Submission, file_id: int) -> None:
    """Delete a file of a draft (its blob goes after commit, once no row names it). Refused: 404 for a file not
    of this submission; 409 once submitted."""
    attach_store(session, store)
    lock_for_update(session, submission)
    lifecycle.require_editable(submission.status)
    row = load_file(session, submission, file_id)
    before = {
        "file_id": row.id,
        "criterion_id": row.criterion_id,
        "name": row.name,
        "size": row.size,
        "sha256": row.sha256,
    }
    _pending(session)["freed"].add(row.storage_key)
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor,
        "submission.evidence_file_removed",
        "submission",
        submission.id,
        submission.product.organisation_id,
        before,
        None,
    )


def carry_forward(session: Session, previous: Submission, draft: Submission) -> int:
    """Copy the previous revision's file rows to the new draft (same blobs), for criteria that still apply."""
    wanted = _criterion_ids(draft)
    copied = 0
    for f in files_of(session, previous.id):
        if f.criterion_id in wanted:
            session.add(
                EvidenceFile(
                    submission_id=draft.id,
                    criterion_id=f.criterion_id,
                    name=f.name,
                    media_type=f.media_type,
                    size=f.size,
                    sha256=f.sha256,
                    storage_key=f.storage_key,
                    uploaded_by_id=f.uploaded_by_id,
                )
            )
            copied += 1
    session.flush()
    return copied


# --- blobs and transactions -----------------------------------------------------------------------------


def _lock_blob(db: Session | sa.Connection, key: str) -> None:
    """Serialise the writers and sweepers of one blob until the transaction ends."""
    dialect = db.get_bind().dialect if isinstance(db, Session) else db.dialect
    if dialect.name == "postgresql":
        db.execute(
            sa.text("SELECT pg_advisory_xact_lock(:k)"),
            {"k": int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)},
        )
    else:  # SQLite: the database's single write lock
        db.execute(sa.text("UPDATE evidence_files SET id = id WHERE 0"))


def _pending(session: Session) -> dict[str, Any]:  # {new, freed: set of keys; store: BlobStore | None}
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {"new": set(), "freed": set(), "store": None}
        sa.event.listen(session, "after_commit", _after_commit)
        sa.event.listen(session, "after_rollback", _after_rollback)
    return pending


def attach_store(session: Session, store: BlobStore) -> None:
    """The store the transaction's sweeps use (set by the ways in before they change files)."""
    _pending(session)["store"] = store


def _after_commit(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        freed, pending["new"], pending["freed"] = set(pending["freed"]), set(), set()
        _sweep(session, pending["store"], freed)


def _after_rollback(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        new, pending["new"], pending["freed"] = set(pending["new"]), set(), set()
        _sweep(session, pending["store"], new)


def _sweep(session: Session, store: BlobStore | None, keys: set[str]) -> None:
    """Remove each blob that no committed row names, each under its key's lock, in a transaction of its own."""
    if not keys or store is None:
        return
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    for key in sorted(keys):
        try:
            with engine.begin() as connection:
                _lock_blob(connection, key)
                named = connection.execute(
                    sa.select(sa.func.count()).select_from(EvidenceFile).where(EvidenceFile.storage_key == key)
                ).scalar()
                if not named:
                    store.delete(key)
        except Exception:  # the request's outcome stands; an unreferenced blob is only disk space
            log.exception("could not sweep evidence blob %s", key)
