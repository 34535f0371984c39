"""In-app notifications: create, list (own only, newest first), mark read."""
from __future__ import annotations

import pytest

from portal.errors import NotFound
from portal.extensions import db
from portal.notify import services


def test_notify_list_and_unread_count(make_user):
    user, other = make_user(), make_user()
    first = services.notify(user, "case", "督查事项已登记", link="/cases/1")
    second = services.notify(user, "case", "整改通知已下发")
    services.notify(other, "case", "别人的通知")
    db.session.commit()
    listed = db.session.scalars(services.notifications_query(user)).all()
    assert listed == [second, first]  # newest first (same second: by id)
    assert services.unread_count(user) == 2
    services.mark_read(user, first.id)
    assert services.unread_count(user) == 1
    assert db.session.scalars(services.notifications_query(user, unread_only=True)).all() == [second]


def test_subject_is_cut_to_the_column(make_user):
    note = services.notify(make_user(), "x", "长" * 300)
    db.session.commit()
    assert len(note.subject) == services.SUBJECT_MAX


def test_someone_elses_notification_is_not_found(make_user):
    user, other = make_user(), make_user()
    note = services.notify(other, "x", "私密")
    db.session.commit()
    with pytest.raises(NotFound):
        services.mark_read(user, note.id)
    assert note.read_at is None


def test_mark_all_read_only_touches_the_users_own(make_user):
    user, other = make_user(), make_user()
    for n in range(3):
        services.notify(user, "x", f"第{n}条")
    services.notify(other, "x", "别人的")
    db.session.commit()
    assert services.mark_all_read(user) == 3
    assert services.mark_all_read(user) == 0
    assert services.unread_count(other) == 1
