"""Evidence files per criterion (api/domain/evidence.py, api/routes/evidence.py): uploads to a draft checked by
content and size, stored by SHA-256, served as attachments to those who may read the submission, frozen once
submitted and carried to the next revision without changing the earlier one."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

import api.domain.evidence
from api.cli.demo import sample_answers
from api.core.models import AuditEvent, EvidenceFile, Submission
from tests.api.conftest import VERSION, World
from tests.concurrency import race, slowed

TYPE = "filtering_app"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
TEXT = "Báo cáo kiểm thử lọc nội dung: chặn 99,2% trang người lớn.\n".encode()


def _draft(world: World, answers: dict | None = None) -> int:
    response = world.api.request(
        "POST",
        f"/products/{world.product_a.id}/submissions",
        "vendor_a",
        json={"criteria_version": VERSION, "answers": sample_answers(VERSION, TYPE) if answers is None else answers},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _upload(
    world: World,
    submission_id: int,
    data: bytes,
    name: str = "bao-cao.pdf",
    criterion: str = "CF-01",
    role: str = "vendor_a",
    content_type: str = "application/pdf",
):
    return world.api.request(
        "POST",
        f"/submissions/{submission_id}/evidence-files",
        role,
        data={"criterion_id": criterion},
        files={"file": (name, data, content_type)},
    )


def _blobs(world: World) -> list:
    root = world.api.app.state.settings.storage_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _rows(world: World, submission_id: int) -> list[EvidenceFile]:
    with world.api.sessions() as session:
        return list(session.scalars(sa.select(EvidenceFile).where(EvidenceFile.submission_id == submission_id)))


def test_upload_stores_the_hash_and_the_detected_type(world):
    submission_id = _draft(world)
    response = _upload(world, submission_id, PDF, name="../../etc/Báo cáo\u202e kiểm thử.pdf", content_type="text/html")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["size"] == len(PDF) and body["media_type"] == "application/pdf"  # not the client's text/html
    assert body["name"] == "Báo cáo kiểm thử.pdf"  # no folders, no bidi override
    blobs = _blobs(world)
    assert [p.name for p in blobs] == [body["sha256"]]  # content-addressed, the name plays no part
    assert blobs[0].read_bytes() == PDF
    listed = world.api.request("GET", f"/submissions/{submission_id}/evidence-files", "vendor_a").json()
    assert [f["id"] for f in listed] == [body["id"]]
    with world.api.sessions() as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "submission.evidence_file_added"))
    assert event.object_id == str(submission_id) and event.after["sha256"] == body["sha256"]


@pytest.mark.parametrize(
    "data, name",
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "report.pdf"),  # HTML renamed .pdf
        (b"  \n<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "chart.png"),
        (b"Ket qua: <script>fetch('/api')</script>", "notes.txt"),  # a script inside "text"
        (b"text with a \x00 NUL", "notes.txt"),
        ("Latin-1 bá".encode("latin-1"), "notes.txt"),  # not UTF-8
        (b"PK\x03\x04 a zip archive", "report.pdf"),
    ],
)
def test_a_file_is_judged_by_its_content_not_its_name(world, data, name):
    submission_id = _draft(world)
    response = _upload(world, submission_id, data, name=name)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/file"
    assert _rows(world, submission_id) == [] and _blobs(world) == []


def test_size_limits_per_file_and_per_submission(world):
    settings = world.api.app.state.settings
    settings.evidence_max_file_bytes, settings.evidence_max_submission_bytes = 1000, 2500
    submission_id = _draft(world)
    too_big = _upload(world, submission_id, b"a" * 1001, name="big.txt")
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["pointer"] == "/file"
    for n in range(2):
        assert _upload(world, submission_id, b"%c" % (65 + n) * 1000, name=f"{n}.txt").status_code == 201
    over = _upload(world, submission_id, b"c" * 600, name="third.txt")
    assert over.status_code == 413, over.text
    assert "2500" in over.json()["detail"] and over.json()["errors"][0]["pointer"] == "/file"
    assert len(_rows(world, submission_id)) == 2 and len(_blobs(world)) == 2  # nothing half-saved


def test_unknown_criterion_and_empty_file_are_422_with_pointers(world):
    submission_id = _draft(world)
    wrong = _upload(world, submission_id, PDF, criterion="ZZ-99")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "/criterion_id"
    empty = _upload(world, submission_id, b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["pointer"] == "/file"
    missing = world.api.request(
        "POST", f"/submissions/{submission_id}/evidence-files", "vendor_a", data={"criterion_id": "CF-01"}
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["pointer"] == "/file"


def test_who_may_read_and_download(world):
    submission_id = _draft(world)
    file_id = _upload(world, submission_id, TEXT, name="ket-qua.txt").json()["id"]
    path = f"/submissions/{submission_id}/evidence-files/{file_id}"
    assert world.api.request("GET", path).status_code == 401
    assert world.api.request("GET", path, "vendor_b").status_code == 404
    assert world.api.request("GET", f"/submissions/{submission_id}/evidence-files", "vendor_b").status_code == 404
    assert _upload(world, submission_id, PDF, role="vendor_b").status_code == 404
    assert _upload(world, submission_id, PDF, role="reviewer").status_code == 403
    assert world.api.request("DELETE", path, "vendor_b").status_code == 404
    for role in ("vendor_a", "reviewer", "admin"):
        response = world.api.request("GET", path, role)
        assert response.status_code == 200, role
        assert response.content == TEXT
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["content-disposition"].startswith('attachment; filename="ket-qua.txt"')
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "sandbox" in response.headers["content-security-policy"]
    # A file of another submission, asked for through one's own, is not there either.
    other = _draft_b(world)
    assert world.api.request("GET", f"/submissions/{other}/evidence-files/{file_id}", "vendor_b").status_code == 404


def _draft_b(world: World) -> int:
    response = world.api.request(
        "POST",
        f"/products/{world.product_b.id}/submissions",
        "vendor_b",
        json={"criteria_version": VERSION, "answers": {}},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_delete_from_a_draft_removes_row_and_unused_blob(world):
    submission_id = _draft(world)
    file_id = _upload(world, submission_id, PNG, name="anh.png").json()["id"]
    assert len(_blobs(world)) == 1
    response = world.api.request("DELETE", f"/submissions/{submission_id}/evidence-files/{file_id}", "vendor_a")
    assert response.status_code == 204, response.text
    assert _rows(world, submission_id) == [] and _blobs(world) == []
    with world.api.sessions() as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "submission.evidence_file_removed"))
    assert event.before["file_id"] == file_id


def test_files_are_frozen_once_submitted_and_carried_to_the_next_revision(world):
    answers = sample_answers(VERSION, TYPE)
    answers["CF-01"].pop("evidence", None)  # only the file stands for CF-01's document evidence
    submission_id = _draft(world, answers)
    evaluation = world.api.request("GET", f"/submissions/{submission_id}/evaluation", "vendor_a").json()
    assert next(c for c in evaluation["results"] if c["criterion_id"] == "CF-01")["outcome"] == "cantTell"
    file_id = _upload(world, submission_id, PDF).json()["id"]
    evaluation = world.api.request("GET", f"/submissions/{submission_id}/evaluation", "vendor_a").json()
    assert next(c for c in evaluation["results"] if c["criterion_id"] == "CF-01")["outcome"] == "passed"
    assert world.api.request("POST", f"/submissions/{submission_id}/submit", "vendor_a").status_code == 200
    assert _upload(world, submission_id, TEXT, name="x.txt").status_code == 409
    path = f"/submissions/{submission_id}/evidence-files/{file_id}"
    assert world.api.request("DELETE", path, "vendor_a").status_code == 409
    with world.api.sessions.begin() as session:  # the club sends it back
        session.get(Submission, submission_id).status = "changes_requested"
    revision_2 = world.api.request(
        "POST", f"/products/{world.product_a.id}/submissions", "vendor_a", json={"criteria_version": VERSION}
    ).json()["id"]
    carried = _rows(world, revision_2)
    assert [(f.criterion_id, f.sha256) for f in carried] == [("CF-01", hashlib.sha256(PDF).hexdigest())]
    assert (
        world.api.request("DELETE", f"/submissions/{revision_2}/evidence-files/{carried[0].id}", "vendor_a").status_code
        == 204
    )
    assert [f.id for f in _rows(world, submission_id)] == [file_id]  # the submitted revision's list is unchanged
    download = world.api.request("GET", path, "reviewer")
    assert download.status_code == 200 and download.content == PDF  # its blob is still there


def test_uploads_racing_a_submit_never_land_on_a_submitted_revision(world, monkeypatch):
    """The upload checks the state under the submission's row lock: each upload either lands before the submit
    (and is in the evaluation's revision) or is refused with 409, leaving no row and no blob."""
    slowed(monkeypatch, api.domain.evidence, "check_upload", 0.05)
    submission_id = _draft(world)
    uploads = [lambda n=n: _upload(world, submission_id, b"ban %d\n" % n, name=f"{n}.txt") for n in range(6)]
    results = race(uploads + [lambda: world.api.request("POST", f"/submissions/{submission_id}/submit", "vendor_a")])
    *upload_results, submitted = results
    assert submitted.status_code == 200, submitted.text
    assert {r.status_code for r in upload_results} <= {201, 409}
    accepted = {r.json()["id"] for r in upload_results if r.status_code == 201}
    rows = _rows(world, submission_id)
    assert {f.id for f in rows} == accepted
    with world.api.sessions() as session:
        submitted_at = session.get(Submission, submission_id).submitted_at
    assert all(f.created_at <= submitted_at for f in rows)  # nothing was added after the submit
    assert len(_blobs(world)) == len(rows)  # refused uploads left no file behind


def test_a_file_larger_than_a_json_body_is_accepted_up_to_its_own_limit(world):
    """The JSON body limit (VCSC_MAX_BODY_BYTES, 1 MiB) does not cap uploads; the file limit does."""
    settings = world.api.app.state.settings
    data = b"".join(b"Dong %07d cua bao cao kiem thu\n" % n for n in range(60_000))  # about 1.9 MB of text
    assert settings.max_body_bytes < len(data) < settings.evidence_max_file_bytes
    response = _upload(world, _draft(world), data, name="nhat-ky.txt")
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(data)
