"""The problem ledger (问题台账) without HTTP: who reads which unit's ledger (a query), and what a row holds."""
from __future__ import annotations

from datetime import timedelta

import pytest
from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.timeutil import beijing_today

from inspection import ledger
from inspection.models import Finding
from tests.inspection.conftest import grant
from tests.inspection.ledger_support import add_extension, add_round, make_overdue


def ids(user, unit) -> set[int]:
    return set(db.session.scalars(ledger.findings_for(user, unit).with_only_columns(Finding.id)))


@pytest.fixture()
def sent(w, make_case, make_finding, issue_notice):
    """A city case on the bureau with a finding for the bureau and one for its 信息中心 (sent), one unsent;
    a 西湖区 case (by the 西湖 office) on the 西湖 unit; a city case on the 西湖 unit."""
    case = make_case()
    bureau = make_finding(case, description="审计局超编。")
    centre = make_finding(case, responsible_unit_id=w.centre.id, description="中心混岗。")
    issue_notice(case)
    unsent = make_finding(case, description="尚未通知。")
    xihu_case = make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项")
    xihu_own = make_finding(xihu_case, actor=w.xihu_inspector, description="区里查的。")
    issue_notice(xihu_case, actor=w.xihu_inspector)
    city_on_xihu = make_case(unit_id=w.xihu_unit.id, title="市里查区里")
    city_xihu = make_finding(city_on_xihu, description="市里查的。")
    issue_notice(city_on_xihu)
    return dict(bureau=bureau, centre=centre, unsent=unsent, xihu_own=xihu_own, city_xihu=city_xihu)


def test_unit_reads_its_own_sent_findings_only(w, sent):
    assert ids(w.unit_user, w.bureau) == {sent["bureau"].id}  # not the unsent one, not the centre's
    assert ids(w.centre_user, w.centre) == {sent["centre"].id}


@pytest.mark.parametrize("reader, unit", [
    ("centre_user", "bureau"),      # a sponsored unit never reads its sponsor's ledger
    ("unit_user", "centre"),        # the sponsor, without ledger.sponsor
    ("unit_user", "xihu_unit"),     # another unit
    ("discipline", "bureau"),
    ("binjiang_inspector", "bureau"),       # a sibling district: outside its jurisdiction
    ("binjiang_inspector", "xihu_unit"),
    ("xihu_inspector", "bureau"),   # a subordinate office does not read the city's units
])
def test_outside_scope_is_not_found(w, sent, reader, unit):
    with pytest.raises(NotFound):
        ledger.findings_for(getattr(w, reader), getattr(w, unit))
    with pytest.raises(NotFound):
        ledger.ledger_unit_or_404(getattr(w, reader), getattr(w, unit).code)


def test_sponsor_with_ledger_sponsor_reads_its_institution(w, sent):
    grant(w.unit_user, "ledger.sponsor")
    assert ledger.is_sponsor_of(w.unit_user, w.centre)
    assert ids(w.unit_user, w.centre) == {sent["centre"].id}
    assert ledger.ledger_unit_or_404(w.unit_user, w.centre.code.lower()) == w.centre
    # but not any unit: the 西湖 unit is not sponsored by the bureau
    with pytest.raises(NotFound):
        ledger.findings_for(w.unit_user, w.xihu_unit)
    # and the grant does not work upwards: the centre, even with the grant, cannot read the bureau
    grant(w.centre_user, "ledger.sponsor")
    with pytest.raises(NotFound):
        ledger.findings_for(w.centre_user, w.bureau)
    assert db.session.scalars(ledger.sponsored_units_query(w.unit_user)).all() == [w.centre]


def test_sponsored_units_need_the_grant(w):
    with pytest.raises(NotFound):
        ledger.sponsored_units_query(w.unit_user)
    with pytest.raises(NotFound):
        ledger.sponsored_units_query(w.inspector)


def test_staff_read_the_findings_of_the_cases_they_read(w, sent):
    # the city reads its own cases and, read-only, the district's
    assert ids(w.inspector, w.bureau) == {sent["bureau"].id}
    assert ids(w.inspector, w.xihu_unit) == {sent["xihu_own"].id, sent["city_xihu"].id}
    # the district reads its unit's ledger, limited to its own cases (not the city's case on its unit)
    assert ids(w.xihu_inspector, w.xihu_unit) == {sent["xihu_own"].id}
    # staff of the city may read a unit of its jurisdiction with no findings at all: an empty ledger
    assert ids(w.admin, w.binjiang_unit) == set()


def test_rows_hold_rounds_extensions_and_acceptance(w, sent):
    finding = sent["bureau"]
    first_due = finding.due_on
    add_round(finding, w.unit_user, status="returned", submitted_on=first_due - timedelta(days=2),
              reviewer=w.inspector, comment="佐证材料不全。")
    add_extension(finding, w.unit_user, status="refused", decider=w.inspector)
    add_extension(finding, w.unit_user, status="approved", decider=w.inspector, days=5)
    add_round(finding, w.unit_user, status="accepted", submitted_on=finding.due_on + timedelta(days=1),
              reviewer=w.inspector, comment="整改到位，同意销号。")
    add_round(finding, w.unit_user, status="draft")  # a draft is not a round
    rows = ledger.ledger_rows(db.session.scalars(
        ledger.ledger_query(w.unit_user, w.bureau, ledger.LedgerFilters())).unique().all())
    assert [r.finding.id for r in rows] == [finding.id]
    row = rows[0]
    assert [(s.round, s.status, s.is_on_time) for s in row.rounds] == [(1, "returned", True), (2, "accepted", False)]
    assert row.rounds[0].review_comment == "佐证材料不全。"
    assert len(row.extensions) == 2 and row.last_decision.status == "approved" and not row.pending_extension
    assert row.accepted_on == beijing_today()
    assert not row.is_overdue


def test_filters_and_order(w, sent, make_case, make_finding, issue_notice):
    newer = make_case(title="第二个事项")
    second = make_finding(newer, description="新事项的问题。")
    issue_notice(newer)
    make_overdue(sent["bureau"])
    query = ledger.ledger_query(w.inspector, w.bureau, ledger.LedgerFilters())
    assert [f.id for f in db.session.scalars(query).unique()] == [second.id, sent["bureau"].id]  # newest case first

    def listed(**args):
        return [f.id for f in db.session.scalars(
            ledger.ledger_query(w.inspector, w.bureau, ledger.LedgerFilters.from_mapping(args))).unique()]

    assert listed(overdue="1") == [sent["bureau"].id]
    assert listed(overdue="0") == [second.id]
    assert listed(status="pending") == [second.id, sent["bureau"].id]
    assert listed(status="已销号") == []
    assert listed(year=str(newer.number_year)) == [second.id, sent["bureau"].id]
    assert listed(year=str(newer.number_year - 1)) == []


@pytest.mark.parametrize("args, field", [
    ({"status": "done"}, "status"), ({"overdue": "maybe"}, "overdue"), ({"year": "26"}, "year"),
    ({"year": "abcd"}, "year"),
])
def test_bad_filters(args, field):
    with pytest.raises(InvalidInput) as caught:
        ledger.LedgerFilters.from_mapping(args)
    assert set(caught.value.fields) == {field}


def test_counts_for_the_index(w, sent):
    make_overdue(sent["centre"])
    grant(w.unit_user, "ledger.sponsor")
    assert ledger.unit_counts(w.unit_user, [w.centre.id]) == {w.centre.id: (1, 1)}
    # staff: units with an overdue finding in the cases they read
    listed = db.session.scalars(ledger.staff_overdue_units_query(w.inspector)).all()
    assert listed == [w.centre]
    assert db.session.scalars(ledger.staff_overdue_units_query(w.binjiang_inspector)).all() == []
    # the counts follow the reader's scope: the 西湖 inspector does not count the city's finding
    make_overdue(sent["city_xihu"])
    assert ledger.unit_counts(w.xihu_inspector, [w.xihu_unit.id]) == {w.xihu_unit.id: (1, 0)}
    assert ledger.unit_counts(w.inspector, [w.xihu_unit.id]) == {w.xihu_unit.id: (2, 1)}


def test_no_query_per_row(w, sent, make_case, make_finding, issue_notice, app):
    from sqlalchemy import event

    for n in range(4):
        case = make_case(title=f"事项{n}")
        finding = make_finding(case)
        issue_notice(case)
        add_round(finding, w.unit_user, status="submitted")
    statements = []
    engine = db.engine
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        db.session.expire_all()
        user, unit = db.session.merge(w.unit_user), w.bureau
        user.unit_id, unit.code  # the reader and the unit are loaded before counting
        statements.clear()
        findings = db.session.scalars(ledger.ledger_query(user, unit, ledger.LedgerFilters())).unique().all()
        rows = ledger.ledger_rows(findings)
        _ = [(r.finding.case.number, r.finding.notice.number, len(r.rounds), r.last_decision) for r in rows]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(rows) == 5
    assert len(statements) <= 4, statements  # findings (+case, notice), submissions, extensions


def test_a_sponsor_reads_only_its_direct_institutions_not_theirs(w, make_unit):
    """主管部门 reads the institutions it sponsors directly; an institution sponsored by one of those is its
    own sponsor's business."""
    grandchild = make_unit("杭州市审计局信息中心数据室", kind="institution", parent=w.centre, category="welfare_1",
                           funding="full")
    grant(w.unit_user, "ledger.sponsor")
    assert not ledger.is_sponsor_of(w.unit_user, grandchild)
    with pytest.raises(NotFound):
        ledger.ledger_unit_or_404(w.unit_user, grandchild.code)
    assert grandchild not in db.session.scalars(ledger.sponsored_units_query(w.unit_user)).all()
