"""In-app notifications: create them, list them, mark them read.

``notify`` adds to the current transaction (no commit): the caller's action and its notification
land together. Subjects are short; anything sensitive stays behind the link.
"""
from __future__ import annotations

from sqlalchemy import Select, func, select, update

from portal.errors import NotFound
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import utcnow

SUBJECT_MAX = 200


def notify(user, kind: str, subject: str, link: str | None = None) -> Notification:
    """Queue one notification for ``user`` in the current transaction."""
    note = Notification(user_id=user.id, kind=kind, subject=subject[:SUBJECT_MAX], link=link)
    db.session.add(note)
    db.session.flush()
    return note


def notifications_query(user, *, unread_only: bool = False) -> Select:
    """The user's own notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def get_notification(user, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's is not found."""
    note = db.session.execute(
        notifications_query(user).where(Notification.id == notification_id)
    ).scalar_one_or_none()
    if note is None:
        raise NotFound()
    return note


def mark_read(user, notification_id: int) -> Notification:
    note = get_notification(user, notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.flush()
    return note


def mark_all_read(user) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0
