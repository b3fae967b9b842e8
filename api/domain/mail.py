"""E-mail through the club's SMTP server (settings `smtp_*`); no host set: no e-mail at all.

Two ways to send:

- `send(settings, message)`: now, on this thread (account mail such as a password reset link). True when the server
  took the message, False (nothing sent) when SMTP is not configured; raises `MailError` when the server cannot be
  reached or refuses it.
- `enqueue(session, settings, message)`: into the outbox (table `mail_outbox`) inside the caller's transaction, so
  the mail exists if and only if the domain write commits; it is delivered after that commit on a background thread,
  and again by the worker's periodic `deliver_due` while the server is down (growing pause, `smtp_max_attempts`).
  A failed delivery is logged and never touches the domain write.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from api.core.db import affected
from api.core.models import MailOutbox, utcnow
from api.core.settings import Settings

log = logging.getLogger("vcsc.mail")

# While one process delivers a queued mail, no other takes it for this long (then it counts as abandoned).
CLAIM_SECONDS = 300
BATCH = 100
# Sent mail (names, addresses, texts) is kept this long for support questions, then deleted.
SENT_KEPT_DAYS = 30


class MailError(Exception):
    """The SMTP server could not be reached, or refused the message."""


@dataclass(frozen=True)
class Message:
    to: tuple[str, ...]
    subject: str  # already in the recipient's language (Vietnamese first when both)
    text: str  # plain-text body
    html: str | None = None


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


SETTINGS_INFO_KEY = "vcsc.mail.settings"


def attach(sessions: sessionmaker, settings: Settings) -> None:
    """Give every session of `sessions` the settings mail is sent with (the server, the workers and the CLI do)."""
    sessions.configure(info={**sessions.kw.get("info", {}), SETTINGS_INFO_KEY: settings})


def settings_of(session: Session) -> Settings | None:
    """The settings attached to `session`'s factory; None: this session sends no mail (in-app notices only)."""
    return session.info.get(SETTINGS_INFO_KEY)


def build(settings: Settings, message: Message) -> EmailMessage:
    """The MIME message: UTF-8 text (and an HTML alternative when given)."""
    if not message.to:
        raise ValueError("a message needs at least one recipient")
    mime = EmailMessage()
    mime["From"] = settings.smtp_from
    mime["To"] = ", ".join(message.to)
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "localhost"
    mime["Message-ID"] = make_msgid(domain=domain)
    mime.set_content(message.text)
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html")
    return mime


def _tls_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context()  # the server's certificate and host name are checked
    if settings.smtp_ca_file is not None:
        context.load_verify_locations(cafile=str(settings.smtp_ca_file))
    return context


def send(settings: Settings, message: Message, *, tls_context: ssl.SSLContext | None = None) -> bool:
    """Deliver `message` now. False (and nothing sent) when SMTP is not configured; MailError when delivery fails.
    `tls_context` (tests: trust a self-signed certificate) defaults to the system's trusted roots."""
    if not configured(settings):
        return False
    mime = build(settings, message)
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds
    assert host is not None  # configured(settings)
    try:
        context = tls_context or _tls_context(settings)
        if settings.smtp_tls == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if settings.smtp_tls == "starttls":
                client.starttls(context=context)
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                client.login(settings.smtp_username, password)
            refused = client.send_message(mime)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        log.warning("mail: server refused recipients %s", sorted(refused))
    return True


# --- the outbox ------------------------------------------------------------------------------


def enqueue(session: Session, settings: Settings, message: Message) -> bool:
    """Queue `message` in the caller's transaction; delivered after it commits. False (nothing stored) when SMTP is
    not configured."""
    if not configured(settings):
        return False
    build(settings, message)  # a malformed message fails here, in the caller, not later in the worker
    session.add(
        MailOutbox(
            recipients=list(message.to),
            subject=message.subject,
            text=message.text,
            html=message.html,
            next_attempt_at=utcnow(),
        )
    )
    _deliver_after_commit(session, settings)
    return True


_PENDING = "vcsc.mail.deliver_after_commit"  # session.info key: the settings to deliver with after commit


def _deliver_after_commit(session: Session, settings: Settings) -> None:
    session.info[_PENDING] = settings


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    settings = session.info.pop(_PENDING, None)
    if settings is None:
        return
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    threading.Thread(target=_deliver_quietly, args=(engine, settings), name="vcsc-mail", daemon=True).start()


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _deliver_quietly(engine: sa.Engine, settings: Settings) -> None:
    try:
        deliver_due(engine, settings)
    except Exception:  # the worker's periodic delivery tries again
        log.exception("mail: delivery after commit failed")


def _pause(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def deliver_due(
    engine: sa.Engine | sessionmaker, settings: Settings, *, tls_context: ssl.SSLContext | None = None
) -> int:
    """Deliver the queued mail that is due; returns how many were sent. Each mail is claimed by a conditional update
    first, so concurrent deliverers (server threads, workers) never send one twice."""
    if not configured(settings):
        return 0
    bind = engine.kw["bind"] if isinstance(engine, sessionmaker) else engine
    sent = 0
    now = utcnow()
    with Session(bind) as session:
        session.execute(
            sa.delete(MailOutbox)
            .where(MailOutbox.sent_at < now - timedelta(days=SENT_KEPT_DAYS))
            .execution_options(synchronize_session=False)
        )
        session.commit()
        due = list(
            session.scalars(
                sa.select(MailOutbox.id)
                .where(MailOutbox.sent_at.is_(None), MailOutbox.failed_at.is_(None), MailOutbox.next_attempt_at <= now)
                .order_by(MailOutbox.id)
                .limit(BATCH)
            )
        )
    for mail_id in due:
        with Session(bind) as session:
            now = utcnow()
            claimed = affected(
                session.execute(
                    sa.update(MailOutbox)
                    .where(
                        MailOutbox.id == mail_id,
                        MailOutbox.sent_at.is_(None),
                        MailOutbox.failed_at.is_(None),
                        MailOutbox.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=MailOutbox.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
            )
            session.commit()
            if claimed != 1:
                continue
            mail = session.get_one(MailOutbox, mail_id)  # claimed above
            message = Message(to=tuple(mail.recipients), subject=mail.subject, text=mail.text, html=mail.html)
            try:
                send(settings, message, tls_context=tls_context)
            except MailError as exc:
                mail.last_error = str(exc)[:500]
                if mail.attempts >= settings.smtp_max_attempts:
                    mail.failed_at = utcnow()
                    log.error("mail %s: giving up after %s attempts: %s", mail_id, mail.attempts, exc)
                else:
                    mail.next_attempt_at = utcnow() + _pause(mail.attempts)
                    log.warning("mail %s: attempt %s failed, retrying later: %s", mail_id, mail.attempts, exc)
                session.commit()
                break  # the server is likely down: the rest wait for the next round instead of each timing out
            mail.sent_at, mail.last_error = utcnow(), None
            sent += 1
            session.commit()
    return sent
