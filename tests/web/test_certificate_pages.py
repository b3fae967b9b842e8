"""Certificates for their holders and the club: the list and its filters, the signed credential, the badge code,
renewal, suspension, reinstatement and revocation with a reason, clearing a monitoring flag; notifications;
and the public check of a signed credential pasted or uploaded."""

from __future__ import annotations

import sqlalchemy as sa

from api.core.models import AuditEvent, Certificate, Notification, Submission, utcnow
from tests.web.conftest import approved, text_of


def cert_status(world, cert_id: str) -> str:
    with world.api.sessions() as session:
        return session.get(Certificate, cert_id).status


def test_vendor_sees_own_certificates_and_downloads_the_signed_credential(world):
    cert = approved(world)
    other = approved(world, world.product_b)
    vendor = world.site.browser("vendor_a")
    listing = vendor.get("/dashboard/certificates")
    assert listing.status_code == 200
    assert f'href="/dashboard/certificates/{cert.id}"' in listing.text and other.id not in listing.text
    page = vendor.get(f"/dashboard/certificates/{cert.id}")
    text = text_of(page.text)
    assert "Chứng nhận này còn hiệu lực." in text and "Bảo vệ trẻ em A" in text
    assert f'href="/dashboard/certificates/{cert.id}/credential"' in page.text
    assert f"http://testserver/badge/{cert.id}.svg" in page.text and 'role="img"' in page.text  # code and preview
    assert "Bắt đầu gia hạn" in text and "Tạm đình chỉ" not in text  # vendors renew; the club suspends

    download = vendor.get(f"/dashboard/certificates/{cert.id}/credential")
    assert download.status_code == 200 and download.headers["content-type"] == "application/vc+jwt"
    assert download.headers["content-disposition"] == f'attachment; filename="{cert.id}.jwt"'
    assert download.text == cert.credential_jws and download.text.count(".") == 2

    for path in (f"/dashboard/certificates/{other.id}", f"/dashboard/certificates/{other.id}/credential"):
        refused = vendor.get(path)
        assert refused.status_code == 404 and "Lá chắn gia đình B" not in refused.text
    assert vendor.post(f"/dashboard/certificates/{other.id}/renew", page="/dashboard").status_code == 404
    assert (
        vendor.post(f"/dashboard/certificates/{cert.id}/status/suspend", {"reason": "x"}, page="/dashboard").status_code
        == 403
    )
    assert cert_status(world, cert.id) == "valid"


def test_renewal_starts_a_linked_self_assessment(world):
    cert = approved(world)
    vendor = world.site.browser("vendor_a")
    page = f"/dashboard/certificates/{cert.id}"
    renewed = vendor.post(f"{page}/renew", page=page)
    assert renewed.status_code == 303
    with world.api.sessions() as session:
        draft = session.scalar(sa.select(Submission).where(Submission.renews_certificate_id == cert.id))
    assert renewed.headers["location"] == f"/dashboard/submissions/{draft.id}/steps/documentation?done=renewal_started"
    again = vendor.post(f"{page}/renew", page=page)  # a draft exists: the domain's 409, on the page
    assert again.status_code == 409 and f"Sản phẩm đã có bản nháp #{draft.id}" in again.text


def test_the_club_suspends_reinstates_and_revokes_with_reasons(world):
    cert = approved(world)
    reviewer = world.site.browser("reviewer")
    page = f"/dashboard/certificates/{cert.id}"
    assert "Tải tệp chứng nhận đã ký" in reviewer.get(page).text
    assert reviewer.post(f"{page}/renew", page=page).status_code == 403  # reviewers decide; vendors renew
    no_reason = reviewer.post(f"{page}/status/suspend", {"reason": " "}, page=page)
    assert no_reason.status_code == 422
    assert "Cần nêu lý do" in no_reason.text and 'href="#suspend-reason"' in no_reason.text
    assert cert_status(world, cert.id) == "valid"
    suspended = reviewer.post(f"{page}/status/suspend", {"reason": "Đang điều tra phản ánh"}, page=page)
    assert suspended.status_code == 303 and suspended.headers["location"] == f"{page}?done=cert_suspend"
    after = text_of(reviewer.get(suspended.headers["location"]).text)
    assert "Đã tạm đình chỉ chứng nhận." in after and "Tạm đình chỉ — Đang điều tra phản ánh" in after
    assert reviewer.post(f"{page}/status/reinstate", page=page).status_code == 303
    assert cert_status(world, cert.id) == "valid"
    assert reviewer.post(f"{page}/status/revoke", {"reason": "Vi phạm nghiêm trọng"}, page=page).status_code == 303
    assert cert_status(world, cert.id) == "revoked"
    revoked = reviewer.get(page).text
    assert "Trạng thái này không đổi được nữa." in revoked and "Bắt đầu gia hạn" not in revoked
    refused = reviewer.post(f"{page}/status/suspend", {"reason": "lần nữa"}, page=page)
    assert refused.status_code == 409
    assert "Không thể 'suspend' chứng nhận đang “Đã thu hồi”" in text_of(refused.text)
    assert "Lúc này không thể làm gì thêm với mục này." in refused.text
    with world.api.sessions() as session:
        actions = list(
            session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == cert.id).order_by(AuditEvent.id))
        )
    assert actions[0] == "certificate.issued" and actions[2:] == ["certificate.reinstated", "certificate.revoked"]
    assert actions[1] == "certificate.suspended"
    listed = reviewer.get("/dashboard/certificates", params={"status": "revoked"}).text
    assert cert.id in listed
    assert cert.id not in reviewer.get("/dashboard/certificates", params={"status": "valid"}).text


def test_monitoring_flag_is_shown_and_cleared_with_a_comment(world):
    cert = approved(world)
    flagged_at = utcnow()
    with world.api.sessions.begin() as session:
        row = session.get(Certificate, cert.id)
        row.flagged_at = flagged_at
        row.flag_reason = {
            "probe_run_id": 999,
            "regressions": [
                {"criterion_id": "CF-01", "probe_id": "content_filtering", "approved_outcome": "passed", "failures": []}
            ],
        }
    reviewer = world.site.browser("reviewer")
    flagged = reviewer.get("/dashboard/certificates", params={"flagged": "yes"}).text
    assert cert.id in flagged and "Gắn cờ ngày" in flagged
    assert cert.id not in reviewer.get("/dashboard/certificates", params={"flagged": "no"}).text
    page = f"/dashboard/certificates/{cert.id}"
    text = text_of(reviewer.get(page).text)
    assert "CF-01 — bài kiểm tra “Lọc nội dung qua sản phẩm”; khi phê duyệt: Đạt" in text
    blank = reviewer.post(f"{page}/clear-flag", {"comment": ""}, page=page)
    assert blank.status_code == 422 and 'id="clear-comment-err1"' in blank.text
    cleared = reviewer.post(f"{page}/clear-flag", {"comment": "Đã kiểm tra lại, lỗi tạm thời"}, page=page)
    assert cleared.status_code == 303
    with world.api.sessions() as session:
        assert session.get(Certificate, cert.id).flagged_at is None


def test_notifications_list_and_mark_read(world):
    reviewer_id = world.site.people["reviewer"].id
    with world.api.sessions.begin() as session:
        note = Notification(
            user_id=reviewer_id,
            kind="certificate.flagged",
            object_type="certificate",
            object_id="VCSC-2025-000001",
            created_at=utcnow(),
            message={"vi": "Chứng nhận cần xem lại", "en": "The certificate needs a look"},
        )
        session.add(note)
        session.flush()
        note_id = note.id
    reviewer = world.site.browser("reviewer")
    assert "1 chưa đọc" in reviewer.get("/dashboard").text
    page = reviewer.get("/dashboard/notifications")
    assert "Chứng nhận cần xem lại" in page.text and 'href="/dashboard/certificates/VCSC-2025-000001"' in page.text
    assert "The certificate needs a look" in reviewer.get("/dashboard/notifications?lang=en").text
    assert (
        world.site.browser("vendor_a").post(f"/dashboard/notifications/{note_id}/read", page="/dashboard").status_code
        == 404
    )
    read = reviewer.post(f"/dashboard/notifications/{note_id}/read", page="/dashboard/notifications")
    assert read.status_code == 303
    assert "Đánh dấu đã đọc" not in reviewer.get("/dashboard/notifications").text


def test_public_verification_of_a_pasted_or_uploaded_credential(world):
    cert = approved(world)
    public = world.site.browser()
    form = public.get("/certificates")
    assert 'action="/certificates/verify"' in form.text and 'enctype="multipart/form-data"' in form.text
    pasted = public.post("/certificates/verify", {"credential": cert.credential_jws}, page="/certificates")
    assert pasted.status_code == 200
    text = text_of(pasted.text)
    for expected in (
        "Chứng nhận hợp lệ: chữ ký đúng và chứng nhận đang còn hiệu lực.",
        "Đúng chữ ký của VCSC",
        "Còn hiệu lực",
        cert.id,
        "Bảo vệ trẻ em A",
        "Công ty A",
        "Nâng cao",
        "vcsc-2025.1",
    ):
        assert expected in text, expected
    english = public.post("/certificates/verify?lang=en", {"credential": cert.credential_jws}, page="/certificates")
    assert "The certificate is genuine" in english.text and "Valid, signed by VCSC" in english.text

    # ?lang=en chose English from then on (a cookie); ?lang=vi chooses Vietnamese back.
    uploaded = public.post(
        "/certificates/verify?lang=vi",
        {"credential": ""},
        page="/certificates",
        files={"credential_file": (f"{cert.id}.jwt", cert.credential_jws.encode(), "application/vc+jwt")},
    )
    assert uploaded.status_code == 200 and "Chứng nhận hợp lệ" in uploaded.text

    head, body, signature = cert.credential_jws.split(".")
    tampered = public.post(
        "/certificates/verify", {"credential": f"{head}.{body}.{signature[:-4]}AAAA"}, page="/certificates"
    )
    text = text_of(tampered.text)
    assert "Chứng nhận không hợp lệ hoặc không còn hiệu lực." in text and "Sai hoặc không đọc được" in text
    assert "Các vấn đề tìm thấy" in text

    empty = public.post("/certificates/verify", {"credential": "  "}, page="/certificates")
    assert empty.status_code == 422 and "Hãy dán nội dung chứng nhận hoặc chọn tệp." in empty.text
    too_long = public.post("/certificates/verify", {"credential": "a" * 50_001}, page="/certificates")
    assert too_long.status_code == 422 and "Quá dài" in too_long.text

    with world.api.sessions.begin() as session:
        session.get(Certificate, cert.id).status = "revoked"
    revoked = text_of(
        public.post("/certificates/verify", {"credential": cert.credential_jws}, page="/certificates").text
    )
    assert "Chứng nhận không hợp lệ" in revoked and "Đã thu hồi" in revoked and "Đúng chữ ký của VCSC" in revoked


def test_product_page_shows_the_badge_and_a_verify_link(world):
    cert = approved(world)
    page = world.site.browser().get(f"/products/{world.product_a.id}")
    assert f'<img src="/badge/{cert.id}.svg" alt="Chứng nhận VCSC mức Nâng cao, số {cert.id}">' in page.text
    assert f'href="/certificates/{cert.id}">Kiểm tra chứng nhận này</a>' in page.text
    english = world.site.browser().get(f"/products/{world.product_a.id}?lang=en").text
    assert f'<img src="/badge/{cert.id}.svg?lang=en"' in english
