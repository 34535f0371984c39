"""Who sees which case, finding and notice — at the service layer (the web and the API build on these
queries): staff read their office and, read-only, its subordinates; a sibling district nothing; a unit
only what was delivered to it and only its own findings; a discipline user nothing (for now).
Anything outside a caller's scope is NotFound, so existence is not revealed."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.errors import NotFound, PermissionDenied
from portal.extensions import db

from inspection import permissions as p
from inspection.models import Case, Finding
from inspection.services import cases, findings


@pytest.fixture()
def s(w, make_case, make_finding, issue_notice):
    """``sent``: a city case on a notice with findings for the bureau and its centre; ``verifying``: a
    city case whose finding for the bureau is not sent yet; ``centre_only``: a bureau case whose only
    finding is the centre's; ``district``: a 西湖 case."""
    sent = make_case(title="已下发通知的事项")
    f_bureau = make_finding(sent)
    f_centre = make_finding(sent, responsible_unit_id=w.centre.id, description="信息中心混编混岗。",
                            violation_type="mixed_posts")
    notice = issue_notice(sent)
    verifying = make_case(title="调查核实中的事项")
    f_unsent = make_finding(verifying)
    centre_only = make_case(title="仅涉及信息中心")
    f_centre_only = make_finding(centre_only, responsible_unit_id=w.centre.id)
    issue_notice(centre_only)
    district = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项")
    f_district = make_finding(district, actor=w.xihu_inspector, description="西湖区审计局超编。")
    cases.add_note(w.inspector, sent, "内部备注：举报人为该局职工。")
    db.session.commit()
    delivery = {d.unit_id: d for d in notice.deliveries}
    return SimpleNamespace(sent=sent, verifying=verifying, centre_only=centre_only, district=district,
                           f_bureau=f_bureau, f_centre=f_centre, f_unsent=f_unsent, f_centre_only=f_centre_only,
                           f_district=f_district, bureau_delivery=delivery[w.bureau.id],
                           centre_delivery=delivery[w.centre.id])


def case_ids(user, **kw):
    return set(db.session.scalars(p.cases_query(user, **kw).with_only_columns(Case.id)))


def finding_ids(user):
    return set(db.session.scalars(p.findings_query(user).with_only_columns(Finding.id)))


def delivery_ids(user):
    return {d.id for d in db.session.scalars(p.deliveries_query(user))}


def test_staff_read_their_office_and_subordinates_and_write_their_own(w, s):
    city = {s.sent.id, s.verifying.id, s.centre_only.id}
    assert case_ids(w.inspector) == city | {s.district.id}
    assert case_ids(w.inspector, for_write=True) == city
    assert case_ids(w.xihu_inspector) == case_ids(w.xihu_inspector, for_write=True) == {s.district.id}
    assert finding_ids(w.inspector) == {f.id for f in (s.f_bureau, s.f_centre, s.f_unsent, s.f_centre_only,
                                                        s.f_district)}
    assert finding_ids(w.xihu_inspector) == {s.f_district.id}
    assert delivery_ids(w.inspector) == {d.id for case in (s.sent, s.centre_only)
                                         for f in case.findings for d in f.notice.deliveries}
    assert delivery_ids(w.xihu_inspector) == set()
    assert p.get_case_or_404(w.inspector, s.sent.id, for_write=True) is s.sent


def test_a_superior_office_reads_a_subordinates_case_but_cannot_change_it(w, s):
    assert p.get_case_or_404(w.inspector, s.district.id) is s.district
    with pytest.raises(PermissionDenied) as refused:
        p.get_case_or_404(w.inspector, s.district.id, for_write=True)
    assert "下级编办" in refused.value.message
    assert p.get_finding_or_404(w.inspector, s.f_district.id) is s.f_district
    with pytest.raises(PermissionDenied):
        p.get_finding_or_404(w.inspector, s.f_district.id, for_write=True)
    assert not p.may_write(w.inspector, s.district)
    assert p.may_supervise(w.inspector, s.district)
    assert not p.may_supervise(w.xihu_inspector, s.district)  # its own case
    assert not p.may_supervise(w.binjiang_inspector, s.district)  # a sibling
    assert not p.may_supervise(w.admin, s.district)  # no cases.manage
    with pytest.raises(PermissionDenied):
        findings.add_finding(w.inspector, s.district, {"area": "functions", "violation_type": "other",
                                                       "description": "上级代为记录"})


def test_a_sibling_district_sees_nothing_of_the_other(w, s):
    assert case_ids(w.binjiang_inspector) == set()
    assert finding_ids(w.binjiang_inspector) == set()
    assert delivery_ids(w.binjiang_inspector) == set()
    for case in (s.district, s.sent):
        with pytest.raises(NotFound):
            p.get_case_or_404(w.binjiang_inspector, case.id)
    with pytest.raises(NotFound):
        p.get_finding_or_404(w.binjiang_inspector, s.f_district.id)
    with pytest.raises(NotFound):  # a superior district does not see its sibling either
        p.get_case_or_404(w.xihu_inspector, s.sent.id)


def test_an_admin_reads_but_without_cases_manage_changes_nothing(w, s):
    assert case_ids(w.admin) == {s.sent.id, s.verifying.id, s.centre_only.id, s.district.id}
    assert case_ids(w.admin, for_write=True) == set()
    with pytest.raises(PermissionDenied):
        p.get_case_or_404(w.admin, s.sent.id, for_write=True)


def test_a_unit_user_sees_only_what_was_delivered_to_its_unit(w, s):
    assert case_ids(w.unit_user) == {s.sent.id}
    assert case_ids(w.unit_user, for_write=True) == set()
    assert finding_ids(w.unit_user) == {s.f_bureau.id}
    assert delivery_ids(w.unit_user) == {s.bureau_delivery.id}
    assert case_ids(w.centre_user) == {s.sent.id, s.centre_only.id}
    assert finding_ids(w.centre_user) == {s.f_centre.id, s.f_centre_only.id}
    assert delivery_ids(w.centre_user) == {s.centre_delivery.id} | {
        d.id for d in s.f_centre_only.notice.deliveries}
    assert p.get_case_or_404(w.unit_user, s.sent.id) is s.sent
    with pytest.raises(PermissionDenied):
        p.get_case_or_404(w.unit_user, s.sent.id, for_write=True)


def test_a_case_still_being_verified_is_invisible_to_its_unit(w, s):
    assert s.verifying.unit_id == w.bureau.id and s.f_unsent.responsible_unit_id == w.bureau.id
    with pytest.raises(NotFound):
        p.get_case_or_404(w.unit_user, s.verifying.id)
    with pytest.raises(NotFound):
        p.get_finding_or_404(w.unit_user, s.f_unsent.id)


def test_a_unit_user_guessing_ids_finds_nothing_else(w, s):
    top = db.session.scalar(select(func.max(Case.id))) + 3
    for case_id in range(1, top):
        if case_id == s.sent.id:
            continue
        with pytest.raises(NotFound):
            p.get_case_or_404(w.unit_user, case_id)
    top = db.session.scalar(select(func.max(Finding.id))) + 3
    for finding_id in range(1, top):
        if finding_id == s.f_bureau.id:
            continue
        with pytest.raises(NotFound):
            p.get_finding_or_404(w.unit_user, finding_id)
    with pytest.raises(NotFound):  # the other unit's finding on the very notice the bureau received
        p.get_finding_or_404(w.unit_user, s.f_centre.id)


def test_a_discipline_user_sees_nothing_yet(w, s):
    assert case_ids(w.discipline) == finding_ids(w.discipline) == delivery_ids(w.discipline) == set()
    with pytest.raises(NotFound):
        p.get_case_or_404(w.discipline, s.sent.id)


def test_roles_are_told_apart(w):
    assert p.is_staff(w.inspector) and p.is_staff(w.admin) and not p.is_staff(w.unit_user)
    assert p.is_unit_user(w.unit_user) and not p.is_unit_user(w.discipline) and not p.is_unit_user(w.inspector)
    assert not p.is_staff(w.discipline)
