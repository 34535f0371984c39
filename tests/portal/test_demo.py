"""``flask demo load`` fills an empty database with a realistic city, and a second run changes nothing."""
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.registry.models import DisciplineBody, Office, Unit


def _counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Unit, Office, DisciplineBody, AuditEvent)}


def test_demo_load_is_realistic_and_idempotent(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    first = _counts()
    assert first["Unit"] >= 60
    assert first["Office"] == 4  # the city and three districts
    assert first["DisciplineBody"] == 1
    over = db.session.execute(select(Unit).where(Unit.name == "杭州市市场监督管理局")).scalar_one()
    assert any(q.is_over for q in over.quotas)
    district_units = db.session.scalar(select(func.count(Unit.id)).join(Office).where(Office.parent_id.is_not(None)))
    assert district_units >= 21

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert _counts() == first


def test_demo_users_one_per_role_and_an_inspector_per_district(runner):
    from portal.accounts.models import User
    from portal.accounts.services import authenticate

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    users = db.session.execute(select(User)).scalars().all()
    assert {u.role for u in users} == {"admin", "inspector", "unit", "discipline"}
    district_offices = db.session.execute(select(Office).where(Office.parent_id.is_not(None))).scalars().all()
    for office in district_offices:
        assert any(u.role == "inspector" and u.office_id == office.id for u in users), office.name
    # the printed passwords work
    assert "Guanli#2026ok" in result.output
    assert authenticate("admin", "Guanli#2026ok").username == "admin"


def test_demo_events_name_the_command_line_actor(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(select(AuditEvent.actor_name)).all())
    assert "系统" not in names
    assert any(name.startswith("演示数据") for name in names)
