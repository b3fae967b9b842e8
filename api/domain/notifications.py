"""Notifications to people of the service: in the app (read, count, mark read) and by e-mail (api.domain.mail).
Made by the domain modules that have something to say (a submission arrives, a reviewer decides, monitoring
flags a certificate, a certificate expires soon, …), in the transaction of the change they report."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from api.core.db import affected
from api.core.errors import not_found
from api.core.models import Certificate, Notification, ReviewComment, Submission, User, utcnow
from api.core.settings import Settings
from api.domain import audit, mail
from checker.glossary import term

log = logging.getLogger("vcsc.notifications")

LIMIT = 200  # the newest; older ones stay in the database


def of_user(session: Session, user: User, *, unread: bool = False) -> list[Notification]:
    where = [Notification.user_id == user.id] + ([Notification.read_at.is_(None)] if unread else [])
    return list(session.scalars(sa.select(Notification).where(*where).order_by(Notification.id.desc()).limit(LIMIT)))


def unread_count(session: Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read (someone else's reads as 404)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise not_found("thông báo", "Notification")
    note.read_at = note.read_at or utcnow()
    return note


# --- telling people: a notice in the app and, when SMTP is set up, an e-mail ---------------------------------
# Users have no language preference, so each e-mail says everything in Vietnamese first, then in English.

Text = dict[str, str]  # {"vi": ..., "en": ...}

FOOTER = {
    "vi": "Thư tự động của Câu lạc bộ Bảo vệ trẻ em Việt Nam trên môi trường mạng (VCSC); xin đừng trả lời thư này.",
    "en": "An automatic e-mail from the Vietnam Cyber Safety for Children Club (VCSC); please do not reply.",
}
GREETING = {"vi": "Xin chào {name},", "en": "Hello {name},"}
DETAILS = {"vi": "Xem chi tiết: {url}", "en": "Details: {url}"}
NOTHING = dict.fromkeys(("vi", "en"), "")  # an optional part of a text, absent


def vendors_of(session: Session, organisation_id: int) -> list[User]:
    """The active vendor users of one organisation (and nobody of any other)."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.organisation_id == organisation_id, User.role == "vendor", User.active.is_(True))
            .order_by(User.id)
        )
    )


def reviewers_for(session: Session, organisation_id: int) -> list[User]:
    """The active reviewers and admins who may review a product of `organisation_id` (not its own people)."""
    return list(
        session.scalars(
            sa.select(User)
            .where(User.role.in_(("reviewer", "admin")), User.active.is_(True), User.organisation_id != organisation_id)
            .order_by(User.id)
        )
    )


def mail_for(settings: Settings, user: User, subject: Text, body: Text, path: str) -> mail.Message:
    """The e-mail to `user`: subject and body in Vietnamese, then in English, with the page's address."""
    url = settings.base_url + path
    parts = []
    for lang in ("vi", "en"):
        parts.append("\n\n".join([GREETING[lang].format(name=user.name), body[lang], DETAILS[lang].format(url=url)]))
    text = "\n\n———\n\n".join(parts) + "\n\n-- \n" + FOOTER["vi"] + "\n" + FOOTER["en"] + "\n"
    return mail.Message(
        to=(user.email,),
        subject=f"[VCSC] {subject['vi']} / {subject['en']}",
        text=text,
        html=_html(user, subject, body, url),
    )


def _html(user: User, subject: Text, body: Text, url: str) -> str:
    """The same e-mail as HTML: each language marked (screen readers switch voice), quotes as blockquotes."""

    def paragraphs(text: str) -> str:
        out = []
        for block in text.split("\n\n"):
            lines = block.splitlines()
            if lines and all(line.startswith(">") for line in lines):
                out.append("<blockquote>" + "<br>".join(escape(line[1:].strip()) for line in lines) + "</blockquote>")
            else:
                out.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
        return "".join(out)

    link = escape(url, quote=True)
    sections = "<hr>".join(
        f'<div lang="{lang}"><p>{escape(GREETING[lang].format(name=user.name))}</p>{paragraphs(body[lang])}'
        f'<p><a href="{link}">{escape(DETAILS[lang].format(url=url))}</a></p></div>'
        for lang in ("vi", "en")
    )
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(subject["vi"])}</title>'
        f'</head><body>{sections}<hr><p lang="vi"><small>{escape(FOOTER["vi"])}</small></p>'
        f'<p lang="en"><small>{escape(FOOTER["en"])}</small></p></body></html>'
    )


def notify(
    session: Session,
    users: list[User],
    kind: str,
    object_type: str,
    object_id: Any,
    subject: Text,
    body: Text,
    path: str,
) -> int:
    """A notice in the app for each of `users` and, if this session's factory has mail settings with an SMTP host,
    an e-mail each (queued in this transaction, sent after it commits). Returns how many people were told."""
    settings = mail.settings_of(session)
    now = utcnow()
    for user in users:
        session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                object_type=object_type,
                object_id=str(object_id),
                message=dict(subject),
                created_at=now,
            )
        )
        if settings is not None:
            mail.enqueue(session, settings, mail_for(settings, user, subject, body, path))
    return len(users)


def _quoted(text: str | None) -> str:
    return "\n".join("> " + line for line in (text or "").strip().splitlines())


def _product(submission: Submission) -> str:
    return f"{submission.product.name}"


def submission_sent(session: Session, submission: Submission) -> None:
    """After submit: the vendor's people hear it was received; the club's reviewers that there is work."""
    org, product, sid = submission.product.organisation_id, _product(submission), submission.id
    again = submission.status == "resubmitted"
    status = term("submission_status", submission.status)
    notify(
        session,
        vendors_of(session, org),
        "submission.received",
        "submission",
        sid,
        {"vi": f"Đã nhận bản tự đánh giá của {product}", "en": f"Self-assessment of {product} received"},
        {
            "vi": f"Câu lạc bộ đã nhận bản tự đánh giá số {sid} của sản phẩm {product} (trạng thái: {status['vi']}). "
            "Người thẩm định sẽ xem xét và báo lại cho bạn.",
            "en": f"The club has received self-assessment {sid} of {product} (status: {status['en']}). "
            "A reviewer will look at it and get back to you.",
        },
        f"/dashboard/submissions/{sid}",
    )
    notify(
        session,
        reviewers_for(session, org),
        "submission.resubmitted" if again else "submission.submitted",
        "submission",
        sid,
        {
            "vi": f"{'Bản nộp lại' if again else 'Bản tự đánh giá mới'}: {product}",
            "en": f"{'Resubmitted' if again else 'New self-assessment'}: {product}",
        },
        {
            "vi": f"Sản phẩm {product} ({submission.product.organisation_name}) "
            f"{'đã nộp lại bản tự đánh giá sau khi được yêu cầu sửa đổi' if again else 'có bản tự đánh giá mới'} "
            f"(số {sid}), đang chờ thẩm định.",
            "en": f"{product} ({submission.product.organisation_name}) "
            f"{'resubmitted its self-assessment after changes were requested' if again else 'has a new self-assessment'} "
            f"(number {sid}), waiting for review.",
        },
        f"/review/submissions/{sid}",
    )


def changes_requested(
    session: Session, submission: Submission, comment: str | None, criteria_comments: dict[str, str]
) -> None:
    product, sid = _product(submission), submission.id
    lines = [_quoted(comment)] if (comment or "").strip() else []
    lines += [f"{cid}:\n{_quoted(text)}" for cid, text in sorted(criteria_comments.items())]
    said = "\n\n".join(lines)
    notify(
        session,
        vendors_of(session, submission.product.organisation_id),
        "submission.changes_requested",
        "submission",
        sid,
        {"vi": f"Cần sửa đổi: {product}", "en": f"Changes requested: {product}"},
        {
            "vi": f"Người thẩm định yêu cầu sửa đổi bản tự đánh giá số {sid} của {product}. Hãy sửa rồi nộp lại.\n\n"
            + said,
            "en": f"A reviewer requested changes to self-assessment {sid} of {product}. Please change it and "
            "submit it again.\n\n" + said,
        },
        f"/dashboard/submissions/{sid}",
    )


def reviewer_commented(session: Session, submission: Submission, comment: ReviewComment) -> None:
    product, sid = _product(submission), submission.id
    about = (
        {"vi": f" (tiêu chí {comment.criterion_id})", "en": f" (criterion {comment.criterion_id})"}
        if comment.criterion_id
        else NOTHING
    )
    notify(
        session,
        vendors_of(session, submission.product.organisation_id),
        "submission.comment",
        "submission",
        sid,
        {"vi": f"Bình luận của người thẩm định: {product}", "en": f"Reviewer comment: {product}"},
        {
            "vi": f"Người thẩm định đã bình luận về bản tự đánh giá số {sid} của {product}{about['vi']}:\n\n"
            + _quoted(comment.body),
            "en": f"A reviewer commented on self-assessment {sid} of {product}{about['en']}:\n\n"
            + _quoted(comment.body),
        },
        f"/dashboard/submissions/{sid}",
    )


def approved(session: Session, submission: Submission, cert: Certificate) -> None:
    product = _product(submission)
    until = cert.valid_until.date().isoformat()
    notify(
        session,
        vendors_of(session, submission.product.organisation_id),
        "submission.approved",
        "certificate",
        cert.id,
        {"vi": f"Đã phê duyệt: {product}, chứng nhận {cert.id}", "en": f"Approved: {product}, certificate {cert.id}"},
        {
            "vi": f"Bản tự đánh giá số {submission.id} của {product} đã được phê duyệt. Chứng nhận {cert.id} "
            f"còn hiệu lực đến {until}.",
            "en": f"Self-assessment {submission.id} of {product} was approved. Certificate {cert.id} is valid "
            f"until {until}.",
        },
        f"/dashboard/certificates/{cert.id}",
    )


def rejected(session: Session, submission: Submission, comment: str | None) -> None:
    product, sid = _product(submission), submission.id
    notify(
        session,
        vendors_of(session, submission.product.organisation_id),
        "submission.rejected",
        "submission",
        sid,
        {"vi": f"Bị từ chối: {product}", "en": f"Rejected: {product}"},
        {
            "vi": f"Bản tự đánh giá số {sid} của {product} bị từ chối. Lý do:\n\n" + _quoted(comment),
            "en": f"Self-assessment {sid} of {product} was rejected. The reason:\n\n" + _quoted(comment),
        },
        f"/dashboard/submissions/{sid}",
    )


def certificate_status_changed(session: Session, cert: Certificate) -> None:
    """After a suspension, reinstatement or revocation: the holder's people hear the new status and why."""
    product, status = cert.product.name, term("certificate_status", cert.status)
    reason = (
        {
            "vi": "\n\nLý do:\n\n" + _quoted(cert.status_reason),
            "en": "\n\nThe reason:\n\n" + _quoted(cert.status_reason),
        }
        if cert.status_reason
        else NOTHING
    )
    notify(
        session,
        vendors_of(session, cert.product.organisation_id),
        f"certificate.{cert.status}",
        "certificate",
        cert.id,
        {
            "vi": f"Chứng nhận {cert.id} ({product}): {status['vi']}",
            "en": f"Certificate {cert.id} ({product}): {status['en']}",
        },
        {
            "vi": f"Trạng thái chứng nhận {cert.id} của {product} nay là “{status['vi']}”." + reason["vi"],
            "en": f"The status of certificate {cert.id} of {product} is now “{status['en']}”." + reason["en"],
        },
        f"/dashboard/certificates/{cert.id}",
    )


def certificate_regressed(session: Session, cert: Certificate, criterion_ids: list[str]) -> None:
    """A monitoring re-probe failed MUST criteria that passed at approval: the holder's people hear it too."""
    product, ids = cert.product.name, ", ".join(criterion_ids)
    notify(
        session,
        vendors_of(session, cert.product.organisation_id),
        "certificate.flagged",
        "certificate",
        cert.id,
        {"vi": f"Kiểm tra định kỳ không đạt: {product}", "en": f"Scheduled check failed: {product}"},
        {
            "vi": f"Lần kiểm tra tự động định kỳ sản phẩm {product} (chứng nhận {cert.id}) không đạt các tiêu chí bắt "
            f"buộc {ids}, vốn đã đạt khi được phê duyệt. Người thẩm định sẽ xem xét; hãy khắc phục sớm.",
            "en": f"The scheduled re-probe of {product} (certificate {cert.id}) failed the MUST criteria {ids}, "
            "which passed at approval. A reviewer will look at it; please fix it soon.",
        },
        f"/dashboard/certificates/{cert.id}",
    )


def certificate_expiring(session: Session, cert: Certificate) -> None:
    product, until = cert.product.name, cert.valid_until.date().isoformat()
    notify(
        session,
        vendors_of(session, cert.product.organisation_id),
        "certificate.expiring",
        "certificate",
        cert.id,
        {"vi": f"Chứng nhận {cert.id} sắp hết hạn ({until})", "en": f"Certificate {cert.id} expires soon ({until})"},
        {
            "vi": f"Chứng nhận {cert.id} của {product} hết hạn ngày {until}. Hãy gia hạn (nộp bản tự đánh giá mới) "
            "trước ngày đó để sản phẩm không mất chứng nhận.",
            "en": f"Certificate {cert.id} of {product} expires on {until}. Renew it (a new self-assessment) before "
            "then so the product keeps its certification.",
        },
        f"/dashboard/certificates/{cert.id}",
    )


EXPIRY_ACTOR = "expiry-notice"


def notify_expiring(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> list[str]:
    """Tell the holders of valid certificates that expire within `expiry_notice_days` (once per certificate).
    Each certificate is claimed by a conditional update as the first statement of its own transaction, so
    concurrent workers (or a second run) never tell anyone twice. Returns the certificates told about now."""
    now = now or utcnow()
    horizon = now + timedelta(days=settings.expiry_notice_days)
    with sessions() as session:
        ids = list(
            session.scalars(
                sa.select(Certificate.id)
                .where(
                    Certificate.status == "valid",
                    Certificate.expiry_notified_at.is_(None),
                    Certificate.valid_until >= now,
                    Certificate.valid_until <= horizon,
                )
                .order_by(Certificate.valid_until)
            )
        )
    told = []
    for cert_id in ids:
        with sessions.begin() as session:
            claimed = affected(
                session.execute(
                    sa.update(Certificate)
                    .where(
                        Certificate.id == cert_id,
                        Certificate.expiry_notified_at.is_(None),
                        Certificate.status == "valid",
                    )
                    .values(expiry_notified_at=now)
                    .execution_options(synchronize_session=False)
                )
            )
            if claimed != 1:
                continue
            cert = session.get_one(Certificate, cert_id)  # claimed above
            certificate_expiring(session, cert)
            audit.record(
                session,
                EXPIRY_ACTOR,
                "certificate.expiry_notified",
                "certificate",
                cert.id,
                cert.product.organisation_id,
                None,
                {"valid_until": cert.valid_until.isoformat(), "notified_at": now.isoformat()},
            )
            told.append(cert_id)
    if told:
        log.info("expiry notices sent for %s", told)
    return told
