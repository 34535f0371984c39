"""Fixtures for the accounts tests: an admin of the root office, a district office, discipline bodies."""
from __future__ import annotations

import pytest

from portal.extensions import db


@pytest.fixture()
def admin(make_user):
    return make_user("cityadmin", role="admin", display_name="市编办管理员")


@pytest.fixture()
def district(make_office):
    return make_office("330106", name="西湖区机构编制委员会办公室", short_name="西编")


@pytest.fixture()
def make_body(app, root_office):
    from portal.registry.models import DisciplineBody

    def factory(name: str = "杭州市纪委监委", office=None):
        body = DisciplineBody(name=name, office=office or root_office)
        db.session.add(body)
        db.session.commit()
        return body

    return factory


@pytest.fixture()
def audit_events(app):
    """``audit_events(action)``: the audit events with this action, oldest first."""
    from sqlalchemy import select

    from portal.audit.models import AuditEvent

    def query(action: str):
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).all()

    return query
