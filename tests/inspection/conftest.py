"""A city office (杭编) with two district offices below it, units in each, and one user per role.

``w`` (the world): ``city``, ``xihu`` and ``binjiang`` offices; units ``bureau`` (杭州市审计局) and
``centre`` (its 信息中心) of the city, ``xihu_unit`` and ``binjiang_unit``; users ``inspector``,
``inspector2`` and ``approver`` (city inspectors; the approver also holds cases.approve), ``admin``
(city admin, no cases.manage), ``unit_user`` (of bureau), ``centre_user`` (of centre),
``discipline`` (a city discipline body's reviewer), ``xihu_inspector``, ``binjiang_inspector``.

Factories return callables (Indico style): ``make_case``, ``make_finding``, ``issue_notice``, ``sent_finding``; each
commits, as a request would.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.accounts.models import UserPermission
from portal.extensions import db
from portal.registry.models import DisciplineBody
from tests.conftest import STRONG_PASSWORD


def grant(user, permission: str):
    user.permission_overrides.append(UserPermission(permission=permission, is_granted=True))
    db.session.commit()
    return user


@pytest.fixture()
def w(app, root_office, make_office, make_unit, make_user):
    xihu = make_office("330106", name="西湖区机构编制委员会办公室", short_name="西编")
    binjiang = make_office("330108", name="滨江区机构编制委员会办公室", short_name="滨编")
    bureau = make_unit("杭州市审计局")
    centre = make_unit("杭州市审计局信息中心", kind="institution", parent=bureau, category="welfare_1", funding="full")
    xihu_unit = make_unit("杭州市西湖区审计局", region_code="330106")
    binjiang_unit = make_unit("杭州市滨江区审计局", region_code="330108")
    body = DisciplineBody(name="杭州市纪委监委", office=root_office)
    db.session.add(body)
    db.session.commit()
    world = SimpleNamespace(
        city=root_office, xihu=xihu, binjiang=binjiang, bureau=bureau, centre=centre, xihu_unit=xihu_unit,
        binjiang_unit=binjiang_unit, body=body,
        inspector=make_user("insp", display_name="张督查"),
        inspector2=make_user("insp2", display_name="李督查"),
        approver=grant(make_user("approver", display_name="王科长"), "cases.approve"),
        admin=make_user("cityadmin", role="admin"),
        unit_user=make_user("bureau_user", role="unit", unit=bureau),
        centre_user=make_user("centre_user", role="unit", unit=centre),
        discipline=make_user("jw", role="discipline", body=body),
        xihu_inspector=make_user("xihu_insp", office=xihu),
        binjiang_inspector=make_user("binjiang_insp", office=binjiang),
    )
    return world


@pytest.fixture()
def signed_in(app):
    """``signed_in(user)``: a test client with ``user`` signed in through the login form."""

    def factory(user):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": STRONG_PASSWORD})
        assert response.status_code in (302, 303)
        return client

    return factory


@pytest.fixture()
def make_case(w):
    from inspection.services import cases

    def factory(actor=None, **data):
        actor = actor or w.inspector
        values = {"source": "inspection", "unit_id": w.bureau.id, "title": "超编进人问题线索",
                  "description": "巡察发现该局存在超编进人情况。", **data}
        case = cases.create_case(actor, values)
        db.session.commit()
        return case

    return factory


@pytest.fixture()
def make_finding(w):
    from inspection.services import cases, findings

    def factory(case, actor=None, **data):
        actor = actor or w.inspector
        if case.status == "registered":
            cases.transition(actor, case, "verifying")
        values = {"area": "establishment", "violation_type": "over_establishment",
                  "description": "行政编制核定 10 名，实有 12 名。", "basis": "《机构编制监督检查工作办法》", **data}
        finding = findings.add_finding(actor, case, values)
        db.session.commit()
        return finding

    return factory


@pytest.fixture()
def issue_notice(w):
    from inspection.services import notices

    def factory(case, actor=None, **kwargs):
        notice = notices.issue(actor or w.inspector, case, **kwargs)
        db.session.commit()
        return notice

    return factory


@pytest.fixture()
def sent_finding(make_case, make_finding, issue_notice):
    """A finding of a new case, sent to its unit on a notice (``pending``, with a deadline): the start of
    the rectification loop. ``sent_finding(unit_id=…, due_on=…)`` passes its arguments to ``make_finding``."""

    def factory(case=None, **data):
        case = case or make_case()
        finding = make_finding(case, **data)
        issue_notice(case)
        return finding

    return factory
