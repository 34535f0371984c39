"""The case list's filters (inspection.queries): each narrows, bad values are refused, scoping holds."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from portal.errors import InvalidInput
from portal.extensions import db
from portal.timeutil import beijing_today

from inspection.models import CaseMember
from inspection.queries import CaseFilters, filtered_cases, finding_counts, is_read_only_row


def ids(user, **filters) -> list[int]:
    return [c.id for c in db.session.scalars(filtered_cases(user, CaseFilters(**filters)))]


def parsed_ids(user, **args) -> list[int]:
    return [c.id for c in db.session.scalars(filtered_cases(user, CaseFilters.from_mapping(args)))]


@pytest.fixture()
def cases(w, make_case, make_finding, issue_notice):
    """Four city cases of different kinds, one xihu case and one binjiang case."""
    today = beijing_today()
    audit = make_case(source="audit", title="审计发现超编", source_ref="杭审报〔2026〕5号",
                      received_on=(today - timedelta(days=30)).isoformat())
    hotline = make_case(source="hotline", title="12310举报吃空饷", unit_id=w.centre.id,
                        received_on=(today - timedelta(days=10)).isoformat(), lead_inspector_id=w.inspector2.id)
    routine = make_case(source="routine", title="日常监督 100%_核查", received_on=(today - timedelta(days=5)).isoformat(),
                        lead_inspector_id=w.inspector2.id, team_ids=[w.inspector.id])
    special = make_case(source="special", title="专项督查", received_on=today.isoformat(),
                        lead_inspector_id=w.inspector2.id)
    make_finding(audit, area="staffing", violation_type="ghost_pay")
    late = make_finding(hotline, area="organisation", violation_type="disguised_body", responsible_unit_id=w.centre.id)
    issue_notice(hotline)
    late.due_on = today - timedelta(days=1)
    db.session.commit()
    xihu = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项")
    binjiang = make_case(w.binjiang_inspector, unit_id=w.binjiang_unit.id, title="滨江区事项")
    return dict(audit=audit, hotline=hotline, routine=routine, special=special, xihu=xihu, binjiang=binjiang)


def test_default_scope_is_own_office(w, cases):
    assert set(ids(w.inspector)) == {cases[k].id for k in ("audit", "hotline", "routine", "special")}


@pytest.mark.parametrize(("filters", "expected"), [
    ({"source": "audit"}, {"audit"}),
    ({"source": "12310举报"}, {"hotline"}),            # the Chinese label works as well
    ({"status": "rectifying"}, {"hotline"}),
    ({"status": "verifying"}, {"audit"}),
    ({"status": "registered"}, {"routine", "special"}),
    ({"area": "staffing"}, {"audit"}),
    ({"area": "organisation"}, {"hotline"}),
    ({"violation_type": "ghost_pay"}, {"audit"}),
    ({"overdue": "1"}, {"hotline"}),
    ({"q": "吃空饷"}, {"hotline"}),
    ({"q": "杭审报"}, {"audit"}),                      # source reference
    ({"q": "信息中心"}, {"hotline"}),                  # unit name
    ({"q": "100%_"}, {"routine"}),                     # LIKE wildcards are literal
    ({"q": "%"}, {"routine"}),
    ({"q": "杭编督"}, {"audit", "hotline", "routine", "special"}),   # number
    ({"scope": "mine"}, {"audit", "routine"}),  # lead (audit) or team member (routine)
])
def test_each_filter_narrows(w, cases, filters, expected):
    assert set(parsed_ids(w.inspector, **filters)) == {cases[k].id for k in expected}


def test_keyword_is_case_insensitive(w, cases, make_case):
    upper = make_case(title="ABC 专项")
    assert parsed_ids(w.inspector, q="abc") == [upper.id]


def test_unit_and_region(w, cases):
    assert set(parsed_ids(w.inspector, unit_id=str(w.centre.id))) == {cases["hotline"].id}
    assert set(parsed_ids(w.inspector, unit_code=w.centre.code.lower())) == {cases["hotline"].id}
    # 330100 (杭州市) takes the city's units and the districts'; 330106 only the xihu unit
    assert set(parsed_ids(w.inspector, region="330100", include_subordinate="1")) == {c.id for c in cases.values()}
    assert parsed_ids(w.inspector, region="330106", include_subordinate="1") == [cases["xihu"].id]
    assert parsed_ids(w.inspector, region="330106") == []


def test_date_range_is_inclusive(w, cases):
    today = beijing_today()
    got = parsed_ids(w.inspector, date_from=(today - timedelta(days=10)).isoformat(),
                     date_to=(today - timedelta(days=5)).isoformat())
    assert set(got) == {cases["hotline"].id, cases["routine"].id}
    assert parsed_ids(w.inspector, date_from=today.isoformat()) != []
    assert cases["audit"].id in parsed_ids(w.inspector, date_to=(today - timedelta(days=30)).isoformat())


@pytest.mark.parametrize(("args", "field"), [
    ({"source": "nonsense"}, "source"),
    ({"status": "open"}, "status"),
    ({"area": "x"}, "area"),
    ({"violation_type": "x"}, "violation_type"),
    ({"region": "999999"}, "region"),
    ({"region": "abc"}, "region"),
    ({"unit_id": "abc"}, "unit_id"),
    ({"unit_code": "123"}, "unit_code"),
    ({"unit_code": "91330100MA2AXXXXX0"}, "unit_code"),
    ({"office_id": "1.5"}, "office_id"),
    ({"office_id": "-3"}, "office_id"),
    ({"date_from": "2026-13-01"}, "date_from"),
    ({"date_to": "yesterday"}, "date_to"),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
    ({"scope": "everyone"}, "scope"),
    ({"sort": "title"}, "sort"),
])
def test_bad_values_are_refused_in_chinese(args, field):
    with pytest.raises(InvalidInput) as caught:
        CaseFilters.from_mapping(args)
    assert caught.value.status == 422
    assert field in caught.value.fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.fields[field])


def test_from_mapping_defaults_and_flags():
    assert CaseFilters.from_mapping({}) == CaseFilters()
    parsed = CaseFilters.from_mapping({"overdue": "on", "include_subordinate": "是", "q": "  x  ", "source": ""})
    assert parsed.overdue and parsed.include_subordinate and parsed.q == "x" and parsed.source is None
    assert CaseFilters.from_mapping({"date_from": "2026-01-02"}).date_from == date(2026, 1, 2)
    assert CaseFilters(scope="mine", overdue=True, date_from=date(2026, 1, 2)).as_args() == {
        "scope": "mine", "overdue": "1", "date_from": "2026-01-02"}


@pytest.mark.parametrize(("sort", "key", "reverse"), [
    ("received", lambda c: c.received_on, False),
    ("-received", lambda c: c.received_on, True),
    ("number", lambda c: c.number_seq, False),
    ("-number", lambda c: c.number_seq, True),
    ("opened", lambda c: c.opened_at, False),
    ("-opened", lambda c: c.opened_at, True),
])
def test_sorting(w, cases, sort, key, reverse):
    got = list(db.session.scalars(filtered_cases(w.inspector, CaseFilters(sort=sort))))
    assert [c.id for c in got] == [c.id for c in sorted(got, key=lambda c: (key(c), c.id), reverse=reverse)]
    assert len(got) == 4


def test_sort_by_status_follows_the_lifecycle_and_by_unit_by_name(w, cases):
    statuses = [c.status for c in db.session.scalars(filtered_cases(w.inspector, CaseFilters(sort="status")))]
    assert statuses == ["registered", "registered", "verifying", "rectifying"]
    names = [c.unit.name for c in db.session.scalars(filtered_cases(w.inspector, CaseFilters(sort="-unit")))]
    assert names == sorted(names, reverse=True)


def test_mine_means_lead_or_team(w, cases):
    assert set(ids(w.inspector2, scope="mine")) == {cases[k].id for k in ("hotline", "routine", "special")}
    db.session.add(CaseMember(case_id=cases["special"].id, user_id=w.inspector.id))
    db.session.commit()
    assert cases["special"].id in ids(w.inspector, scope="mine")


def test_subordinate_offices_only_on_request(w, cases):
    assert cases["xihu"].id not in ids(w.inspector)
    with_sub = ids(w.inspector, include_subordinate=True)
    assert {cases["xihu"].id, cases["binjiang"].id} <= set(with_sub)
    assert is_read_only_row(w.inspector, cases["xihu"]) and not is_read_only_row(w.inspector, cases["audit"])
    assert ids(w.inspector, office_id=w.xihu.id) == [cases["xihu"].id]


def test_sibling_district_never_appears(w, cases):
    assert ids(w.xihu_inspector) == [cases["xihu"].id]
    assert ids(w.xihu_inspector, include_subordinate=True) == [cases["xihu"].id]
    assert ids(w.xihu_inspector, scope="all", q="滨江") == []


@pytest.mark.parametrize("office", ["binjiang", "city"])
def test_office_outside_the_subtree_is_refused(w, cases, office):
    with pytest.raises(InvalidInput) as caught:
        ids(w.xihu_inspector, office_id=getattr(w, office).id)
    assert "office_id" in caught.value.fields
    with pytest.raises(InvalidInput):
        ids(w.xihu_inspector, office_id=999999)


def test_unit_user_sees_its_delivered_cases_and_only_its_findings(w, cases, make_case, make_finding, issue_notice):
    # centre's user: the hotline case was sent to it
    assert ids(w.centre_user) == [cases["hotline"].id]
    assert ids(w.unit_user) == []        # the bureau got no notice yet
    shared = make_case(title="两单位共有")
    make_finding(shared, area="functions")
    make_finding(shared, area="performance", responsible_unit_id=w.centre.id)
    issue_notice(shared)
    assert set(ids(w.centre_user)) == {cases["hotline"].id, shared.id}
    # the bureau's finding (area functions) must not make the case match for the centre
    assert ids(w.centre_user, area="functions") == []
    assert ids(w.centre_user, area="performance") == [shared.id]
    assert finding_counts(w.centre_user, [shared.id]) == {shared.id: (1, 0)}
    assert finding_counts(w.inspector, [shared.id]) == {shared.id: (2, 0)}
    assert ids(w.discipline) == []


@pytest.mark.parametrize("args", [
    {"source": "hotline"}, {"date_from": "2026-01-01"}, {"date_to": "2030-01-01"}, {"unit_id": "1"},
    {"region": "330100"},
])
def test_a_unit_cannot_probe_what_it_is_never_shown(w, cases, args):
    """Where a case came from and when the office received it are internal: a unit filtering on them is
    refused, and its keyword matches only number and title (not the source reference or the unit name)."""
    with pytest.raises(InvalidInput) as refused:
        parsed_ids(w.centre_user, **args)
    assert set(refused.value.fields) == set(args)
    assert parsed_ids(w.centre_user, q="12310举报") == [cases["hotline"].id]   # in the title
    assert parsed_ids(w.inspector, q="杭审报") == [cases["audit"].id]           # staff: the source reference too
    hotline = cases["hotline"]
    hotline.source_ref = "举报编号R-778"
    db.session.commit()
    assert parsed_ids(w.inspector, q="R-778") == [hotline.id]
    assert parsed_ids(w.centre_user, q="R-778") == []
    assert parsed_ids(w.centre_user, q="信息中心") == []                        # the unit's name


def test_finding_counts_in_one_query(app, w, cases):
    case_ids = [c.id for c in cases.values()]
    assert w.inspector.office is not None and w.inspector.role
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        counts = finding_counts(w.inspector, case_ids)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert counts[cases["hotline"].id] == (1, 1)
    assert counts[cases["audit"].id] == (1, 0)
    assert counts[cases["routine"].id] == (0, 0)
    assert finding_counts(w.inspector, []) == {}


def test_list_loads_relations_without_n_plus_one(app, w, cases, make_case):
    for i in range(5):
        make_case(title=f"批量{i}", lead_inspector_id=w.inspector2.id)
    db.session.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        rows = db.session.scalars(filtered_cases(w.inspector, CaseFilters())).all()
        names = [(c.unit.name, c.office.name, c.lead_inspector.username if c.lead_inspector else None) for c in rows]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(names) == 9
    assert len(statements) <= 6, statements


def test_finding_filters_apply_to_one_and_the_same_finding(w, cases, make_case, make_finding):
    both = make_case(title="两个问题")
    make_finding(both, area="staffing", violation_type="over_posts")
    make_finding(both, area="functions", violation_type="duty_failure")
    assert parsed_ids(w.inspector, area="staffing", violation_type="over_posts") == [both.id]
    assert parsed_ids(w.inspector, area="functions", violation_type="duty_failure") == [both.id]
    # staffing is one finding, duty_failure another: no single finding is both
    assert parsed_ids(w.inspector, area="staffing", violation_type="duty_failure") == []
