"""Notifications to people of the service (in the app): read, count, mark read. Made by the domain modules that
have something to say (monitoring flags a certificate, …)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.errors import not_found
from api.core.models import Notification, User, utcnow

LIMIT = 200  # the newest; older ones stay in the database


def of_user(session: Session, user: User, *, unread: bool = False) -> list[Notification]:
    where = [Notification.user_id == user.id] + ([Notification.read_at.is_(None)] if unread else [])
    return list(session.scalars(sa.select(Notification).where(*where).order_by(Notification.id.desc()).limit(LIMIT)))


def unread_count(session: Session, user: User) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Notification)
                          .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read (someone else's reads as 404)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise not_found("thông báo", "Notification")
    note.read_at = note.read_at or utcnow()
    return note
