"""A small province of actors for the audit trail's scoping: a city office with a district below it
and a sibling district, people in each, and a helper to write events as any of them."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.accounts.models import UserPermission
from portal.audit import services as audit
from portal.extensions import db
from portal.registry.models import DisciplineBody


@pytest.fixture()
def grant(app):
    def do_grant(user, permission: str, granted: bool = True):
        user.permission_overrides.append(UserPermission(permission=permission, is_granted=granted))
        db.session.commit()
        return user

    return do_grant


@pytest.fixture()
def people(app, root_office, make_office, make_unit, make_user, grant):
    xihu = make_office("330106", name="西湖区机构编制委员会办公室")
    binjiang = make_office("330108", name="滨江区机构编制委员会办公室")
    xihu_unit = make_unit("西湖区财政局", region_code="330106")
    body = DisciplineBody(name="滨江区纪委监委", office=binjiang)
    db.session.add(body)
    db.session.commit()
    return SimpleNamespace(
        xihu=xihu, binjiang=binjiang,
        # the city's auditor: an inspector who holds audit.read (the audit duty, apart from the admin)
        city_auditor=grant(make_user("city_auditor", role="inspector"), "audit.read"),
        city_admin=make_user("city_admin", role="admin"),
        xihu_admin=make_user("xihu_admin", role="admin", office=xihu),
        xihu_inspector=make_user("xihu_inspector", role="inspector", office=xihu),
        xihu_unit_user=make_user("xihu_unit", role="unit", unit=xihu_unit),
        binjiang_inspector=make_user("binjiang_inspector", role="inspector", office=binjiang),
        binjiang_discipline=make_user("binjiang_jw", role="discipline", body=body),
    )


@pytest.fixture()
def write_event(app):
    """``write_event(actor, action="unit.update", ...)``: one committed event by ``actor`` (None: system)."""

    def do_write(actor=None, action: str = "unit.update", object_type: str = "unit", object_id=1, **kwargs):
        event = audit.record(action, object_type, object_id, actor=actor, **kwargs)
        db.session.commit()
        return event

    return do_write
