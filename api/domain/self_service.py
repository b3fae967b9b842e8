"""Self-service accounts: a vendor signs up (organisation + first user, inactive until the e-mailed link is followed),
and anyone resets a forgotten password by an e-mailed link.

The links carry a single-use secret of 256 bits; only its sha256 is stored (`account_tokens`), it expires
(VCSC_VERIFY_TOKEN_TTL_HOURS, VCSC_RESET_TOKEN_TTL_MINUTES) and is spent in the transaction that uses it (row lock).
No answer tells whether an address has an account: a sign-up with a registered address answers as a new one would
and mails the address's owner instead; a reset request always answers the same. The functions return the mail to
send; the ways in send it after their transaction commits (`deliver`), so a link never points at a rolled-back row,
and the secret is never written anywhere but into the mail.

A self-signed-up organisation needs no approval by an administrator before it may submit: the verified e-mail
address is the gate, and nothing a vendor does is public before reviewers approve a submission.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.db import affected
from api.core.errors import bilingual, invalid
from api.core.models import AccountToken, Token, User, utcnow
from api.core.settings import Settings
from api.domain import audit, mail
from api.domain.accounts import check_password, create_organisation, create_user, ensure_name_free
from api.domain.identity import hash_password, token_digest

log = logging.getLogger("vcsc.accounts")

VERIFY, RESET = "verify", "reset"
VERIFY_PATH, RESET_PATH = "/verify-email", "/reset-password"  # the pages the links open

FOOTER = (
    "Thư tự động của Câu lạc bộ Bảo vệ trẻ em Việt Nam trên môi trường mạng (VCSC); xin đừng trả lời thư này.",
    "An automatic e-mail from the Vietnam Cyber Safety for Children Club (VCSC); please do not reply.",
)


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- the single-use secrets -------------------------------------------------------------------


def _issue(session: Session, user: User, purpose: str, ttl: timedelta) -> str:
    """A new secret for `user`; earlier unspent ones of the same purpose stop working (only the newest link does)."""
    now = utcnow()
    session.execute(
        sa.delete(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    secret = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id, purpose=purpose, token_hash=token_digest(secret), created_at=now, expires_at=now + ttl
        )
    )
    session.flush()
    return secret


def _refused() -> Exception:
    return invalid(
        [
            {
                "pointer": "/token",
                "message": bilingual(
                    "Liên kết không đúng, đã được dùng hoặc đã hết hạn; hãy yêu cầu liên kết mới",
                    "The link is wrong, already used or expired; ask for a new one",
                ),
            }
        ],
        "Liên kết không dùng được",
        "The link cannot be used",
    )


def _spend(session: Session, secret: str, purpose: str) -> AccountToken:
    """The unspent, unexpired token of `purpose` behind `secret`, locked and marked spent; 422 at /token otherwise
    (one answer for wrong, spent and expired: the page says what to do next either way)."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        raise _refused()
    digest = token_digest(secret)
    token = session.scalar(
        sa.select(AccountToken)
        .where(AccountToken.token_hash == digest)
        .with_for_update(of=AccountToken)
        .execution_options(populate_existing=True)
    )
    # The lookup is by digest; the explicit constant-time comparison keeps it so whatever the index does.
    if (
        token is None
        or not hmac.compare_digest(token.token_hash, digest)
        or token.purpose != purpose
        or token.used_at is not None
        or token.expires_at <= utcnow()
    ):
        raise _refused()
    token.used_at = utcnow()
    return token


def _locked_user(session: Session, user_id: int) -> User:
    return session.scalars(
        sa.select(User).where(User.id == user_id).with_for_update(of=User).execution_options(populate_existing=True)
    ).one()


# --- the mail ---------------------------------------------------------------------------------


def _message(settings: Settings, to: str, name: str, subject: tuple[str, str], body: tuple[str, str]) -> mail.Message:
    """Vietnamese first, then English (users have no language preference before they sign in)."""
    greeting = (f"Xin chào {name},", f"Hello {name},")
    parts = [f"{greeting[i]}\n\n{body[i]}" for i in (0, 1)]
    text = "\n\n———\n\n".join(parts) + f"\n\n-- \n{FOOTER[0]}\n{FOOTER[1]}\n"
    return mail.Message(to=(to,), subject=f"[VCSC] {subject[0]} / {subject[1]}", text=text)


def _verify_mail(settings: Settings, user: User, secret: str) -> mail.Message:
    link = f"{settings.base_url}{VERIFY_PATH}?token={secret}"
    hours = f"{settings.verify_token_ttl_hours:g}"
    return _message(
        settings,
        user.email,
        user.name,
        ("Xác nhận địa chỉ e-mail", "Confirm your e-mail address"),
        (
            f"Tổ chức «{user.organisation.name}» đã được đăng ký trên VCSC với địa chỉ này. Để kích hoạt tài khoản, "
            f"hãy mở liên kết sau (dùng được một lần, trong {hours} giờ):\n\n{link}\n\n"
            "Nếu bạn không đăng ký, hãy bỏ qua thư này: tài khoản sẽ không được kích hoạt.",
            f"The organisation “{user.organisation.name}” was signed up on VCSC with this address. To activate the "
            f"account, open this link (it works once, for {hours} hours):\n\n{link}\n\n"
            "If you did not sign up, ignore this e-mail: the account stays inactive.",
        ),
    )


def _already_registered_mail(settings: Settings, user: User) -> mail.Message:
    sign_in, reset = f"{settings.base_url}/sign-in", f"{settings.base_url}/forgot-password"
    return _message(
        settings,
        user.email,
        user.name,
        ("Địa chỉ này đã có tài khoản", "This address has an account"),
        (
            "Có người (có thể là bạn) vừa đăng ký tài khoản mới trên VCSC bằng địa chỉ e-mail này, nhưng địa chỉ đã "
            f"có tài khoản. Không có gì được tạo thêm.\n\nĐăng nhập: {sign_in}\nQuên mật khẩu: {reset}\n\n"
            "Nếu không phải bạn, bạn không cần làm gì.",
            "Someone (perhaps you) has just tried to sign up on VCSC with this e-mail address, which already has an "
            f"account. Nothing new was created.\n\nSign in: {sign_in}\nForgotten password: {reset}\n\n"
            "If it was not you, there is nothing to do.",
        ),
    )


def _reset_mail(settings: Settings, user: User, secret: str) -> mail.Message:
    link = f"{settings.base_url}{RESET_PATH}?token={secret}"
    minutes = f"{settings.reset_token_ttl_minutes:g}"
    return _message(
        settings,
        user.email,
        user.name,
        ("Đặt lại mật khẩu", "Reset your password"),
        (
            f"Có yêu cầu đặt lại mật khẩu VCSC của bạn. Để chọn mật khẩu mới, hãy mở liên kết sau (dùng được một lần, "
            f"trong {minutes} phút):\n\n{link}\n\nMọi phiên đăng nhập và mã API của bạn sẽ bị thu hồi. "
            "Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu vẫn giữ nguyên.",
            f"Someone asked to reset your VCSC password. To choose a new one, open this link (it works once, for "
            f"{minutes} minutes):\n\n{link}\n\nEvery session and API token of yours will be revoked. "
            "If you did not ask, ignore this e-mail: your password stays as it is.",
        ),
    )


def deliver(settings: Settings, messages: list[mail.Message]) -> int:
    """Send `messages` now (after the transaction that made them has committed); how many went. A server that is
    down is logged, never shown: the answer must not differ between addresses (the person can ask again)."""
    sent = 0
    for message in messages:
        try:
            sent += bool(mail.send(settings, message))
        except mail.MailError as exc:
            log.error("account mail to %d recipient(s) not sent: %s", len(message.to), exc)
    return sent


# --- the flows ---------------------------------------------------------------------------------


def sign_up(
    session: Session,
    settings: Settings,
    *,
    organisation_name: str,
    name: str,
    email: str,
    password: str,
    website: str | None = None,
    contact_email: str | None = None,
) -> list[mail.Message]:
    """A vendor organisation and its first user (role vendor, inactive until the link in the mail is followed).
    Checks that do not depend on the address come first (password rules, organisation name: 422, 409), so the
    answer for a registered address is the same as for a new one: then nothing is created, and the owner is
    mailed (a new verification link while their own sign-up is still unconfirmed)."""
    email = normalise_email(email)
    check_password(password, email, name, organisation_name)
    ensure_name_free(session, organisation_name, pointer="/organisation_name")
    existing = session.scalar(sa.select(User).where(User.email == email))
    if existing is not None:
        hash_password(password)  # the same argon2 work as a real sign-up: no timing oracle
        audit.record(
            session,
            email,
            "user.sign_up_repeated",
            "user",
            existing.id,
            existing.organisation_id,
            None,
            {"organisation_name": organisation_name},
        )
        if not existing.active and _awaits_verification(session, existing):
            return [_verify_mail(settings, existing, _issue(session, existing, VERIFY, _verify_ttl(settings)))]
        return [_already_registered_mail(settings, existing)]
    # Nobody is signed in yet: the events name the registering address as their actor.
    org = create_organisation(
        session,
        organisation_name,
        "vendor",
        contact_email=contact_email or email,
        website=website,
        pointer="/organisation_name",
        actor=email,
    )
    user = create_user(
        session, org, email=email, name=name, password=password, role="vendor", actor=email, active=False
    )
    secret = _issue(session, user, VERIFY, _verify_ttl(settings))
    audit.record(
        session,
        email,
        "user.verification_sent",
        "user",
        user.id,
        org.id,
        None,
        {"expires_in_hours": settings.verify_token_ttl_hours},
    )
    return [_verify_mail(settings, user, secret)]


def _verify_ttl(settings: Settings) -> timedelta:
    return timedelta(hours=settings.verify_token_ttl_hours)


def _awaits_verification(session: Session, user: User) -> bool:
    """Never verified: a verification token exists and none was spent (an account an admin deactivated later has
    a spent one, and is not reactivated by signing up again)."""
    spent = (
        session.execute(
            sa.select(AccountToken.used_at).where(AccountToken.user_id == user.id, AccountToken.purpose == VERIFY)
        )
        .scalars()
        .all()
    )
    return bool(spent) and all(used is None for used in spent)


def verify_email(session: Session, secret: str) -> User:
    """Follow a verification link: the user becomes active (once; 422 at /token for a wrong, spent or expired one)."""
    token = _spend(session, secret, VERIFY)
    user = _locked_user(session, token.user_id)
    if user.active:  # already verified by an earlier link: that one was spent then
        raise _refused()
    user.active = True
    audit.record(
        session, user, "user.email_verified", "user", user.id, user.organisation_id, {"active": False}, {"active": True}
    )
    return user


def request_reset(session: Session, settings: Settings, email: str) -> list[mail.Message]:
    """Mail a reset link to the active account with this address; a new verification link instead to an account
    whose sign-up is still unconfirmed (its first mail got lost); nothing (and the same answer) for any other."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is not None and not user.active and _awaits_verification(session, user):
        secret = _issue(session, user, VERIFY, _verify_ttl(settings))
        audit.record(
            session,
            user.email,
            "user.verification_sent",
            "user",
            user.id,
            user.organisation_id,
            None,
            {"expires_in_hours": settings.verify_token_ttl_hours},
        )
        return [_verify_mail(settings, user, secret)]
    if user is None or not user.active:
        return []
    secret = _issue(session, user, RESET, timedelta(minutes=settings.reset_token_ttl_minutes))
    audit.record(
        session,
        user,
        "user.password_reset_requested",
        "user",
        user.id,
        user.organisation_id,
        None,
        {"expires_in_minutes": settings.reset_token_ttl_minutes},
    )
    return [_reset_mail(settings, user, secret)]


def reset_target(session: Session, secret: str) -> User:
    """The user a reset link is for, without spending it (the page asks for the new password first)."""
    digest = token_digest(secret) if isinstance(secret, str) and 20 <= len(secret) <= 100 else ""
    token = session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == digest))
    if (
        token is None
        or not hmac.compare_digest(token.token_hash, digest)
        or token.purpose != RESET
        or token.used_at is not None
        or token.expires_at <= utcnow()
        or not token.user.active
    ):
        raise _refused()
    return token.user


def reset_password(session: Session, secret: str, password: str) -> User:
    """Set a new password by a reset link: the link is spent, and every session and API token of the user ends
    (whoever knew the old password is out). 422 at /token for a bad link, at /password for a weak password (the
    link is then not spent: the whole transaction rolls back)."""
    token = _spend(session, secret, RESET)
    user = _locked_user(session, token.user_id)
    if not user.active:
        raise _refused()
    check_password(password, user.email, user.name, user.organisation.name)
    user.password_hash = hash_password(password)
    sessions = affected(session.execute(sa.delete(Token).where(Token.user_id == user.id, Token.kind == "session")))
    api_tokens = affected(session.execute(sa.delete(Token).where(Token.user_id == user.id, Token.kind == "api")))
    audit.record(
        session,
        user,
        "user.password_reset",
        "user",
        user.id,
        user.organisation_id,
        None,
        {"sessions_revoked": sessions, "api_tokens_revoked": api_tokens},
    )
    return user
