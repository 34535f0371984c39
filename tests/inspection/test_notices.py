"""Issuing rectification notices and signing for them, through the services (no HTTP)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection import finding_lists, notice_queries, workdays
from inspection.models import Finding, NoticeDelivery, NumberCounter, RectificationNotice
from inspection.services import notices


def year() -> int:
    return beijing_today().year


def notice_count() -> int:
    return db.session.scalar(select(func.count(RectificationNotice.id)))


# ---------------------------------------------------------------- issuing and numbering

def test_first_notice_moves_case_and_is_numbered(w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    notice = issue_notice(case)
    assert case.status == "rectifying"
    assert notice.kind == "initial"
    assert notice.number == f"杭编督改〔{year()}〕1号"
    assert (notice.number_year, notice.number_seq) == (year(), 1)
    assert notice.requirements == notices.default_requirements(case)


def test_second_notice_is_supplementary_with_next_number(w, make_case, make_finding, issue_notice):
    case = make_case()
    first_finding = make_finding(case)
    first = issue_notice(case)
    later = make_finding(case, description="内设机构超出“三定”规定。", violation_type="irregular_department")
    second = issue_notice(case, requirements="请于期限内完成补充整改。")
    assert second.kind == "supplementary"
    assert second.number == f"杭编督改〔{year()}〕2号"
    assert second.requirements == "请于期限内完成补充整改。"
    assert first_finding.notice_id == first.id and later.notice_id == second.id
    assert [f.id for f in second.findings] == [later.id]
    assert case.status == "rectifying"


def test_numbers_run_per_office(w, make_case, make_finding, issue_notice):
    city_case = make_case()
    make_finding(city_case)
    issue_notice(city_case)
    xihu_case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(xihu_case, w.xihu_inspector)
    notice = issue_notice(xihu_case, w.xihu_inspector)
    assert notice.number == f"西编督改〔{year()}〕1号"
    assert notice.office_id == w.xihu.id


def test_deadline_counts_working_days(w, make_case, make_finding, issue_notice, app):
    case = make_case()
    open_ended = make_finding(case)
    own_due = beijing_today() + timedelta(days=90)
    fixed = make_finding(case, due_on=own_due.isoformat())
    issue_notice(case)
    expected = workdays.add_working_days(beijing_today(), app.config["RECTIFICATION_WORKING_DAYS"])
    assert app.config["RECTIFICATION_WORKING_DAYS"] == 30
    assert open_ended.due_on == expected.due_on
    assert open_ended.is_due_provisional == expected.is_provisional
    assert fixed.due_on == own_due  # a deadline set by hand is kept


def test_preview_matches_what_is_issued(w, make_case, make_finding, issue_notice):
    case = make_case()
    finding = make_finding(case)
    preview = notice_queries.issue_preview(case)
    assert [i.finding.id for i in preview.items] == [finding.id]
    assert preview.kind.value == "initial" and preview.moves_case and preview.can_issue
    planned = preview.items[0].due_on
    issue_notice(case)
    assert finding.due_on == planned
    make_finding(case)
    assert notice_queries.issue_preview(case).kind.value == "supplementary"


# ---------------------------------------------------------------- deliveries

def test_each_unit_gets_only_its_findings(w, make_case, make_finding, issue_notice):
    case = make_case()
    bureau_finding = make_finding(case)
    centre_finding = make_finding(case, responsible_unit_id=w.centre.id, description="信息中心混编混岗。",
                                  violation_type="mixed_posts")
    notice = issue_notice(case)
    deliveries = {d.unit_id: d for d in notice.deliveries}
    assert set(deliveries) == {w.bureau.id, w.centre.id}
    assert [f.id for f in notice_queries.delivery_findings(deliveries[w.bureau.id])] == [bureau_finding.id]
    assert [f.id for f in notice_queries.delivery_findings(deliveries[w.centre.id])] == [centre_finding.id]


def test_unit_users_are_told_without_finding_text(w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case, description="行政编制核定 10 名，实有 12 名。")
    notice = issue_notice(case)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == w.unit_user.id)).all()
    assert len(notes) == 1
    assert notice.number in notes[0].subject and "签收" in notes[0].subject
    assert "行政编制" not in notes[0].subject and "实有" not in notes[0].subject
    assert not db.session.scalars(select(Notification).where(Notification.user_id == w.centre_user.id)).all()


# ---------------------------------------------------------------- bad input

def test_nothing_to_notify(w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case, needs_rectification=False)
    with pytest.raises(InvalidInput) as exc:
        notices.issue(w.inspector, case)
    assert "没有需要整改且尚未通知的问题" in exc.value.message
    db.session.rollback()
    assert notice_count() == 0


def test_registered_case_cannot_get_a_notice(w, make_case):
    case = make_case()
    with pytest.raises(InvalidInput) as exc:
        notices.issue(w.inspector, case)
    assert "不能下发整改通知" in exc.value.message


def test_past_due_date_saves_nothing_and_keeps_the_counter(w, make_case, make_finding, issue_notice):
    case = make_case()
    finding = make_finding(case)
    finding.due_on = beijing_today()  # came due while the case was being verified
    db.session.commit()
    with pytest.raises(InvalidInput) as exc:
        notices.issue(w.inspector, case)
    assert "findings.1.due_on" in exc.value.fields and "已到或已过" in exc.value.message
    db.session.rollback()
    assert notice_count() == 0
    assert db.session.get(Finding, finding.id).notice_id is None
    assert case.status == "verifying"
    assert db.session.scalar(select(func.coalesce(func.max(NumberCounter.last_seq), 0))
                             .where(NumberCounter.series == "notice")) == 0
    finding.due_on = beijing_today() + timedelta(days=10)
    db.session.commit()
    assert issue_notice(case).number == f"杭编督改〔{year()}〕1号"


def test_read_only_viewer_cannot_issue(w, make_case, make_finding):
    xihu_case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(xihu_case, w.xihu_inspector)
    with pytest.raises(PermissionDenied):
        notices.issue(w.inspector, xihu_case)  # the city reads its district's cases, read-only
    with pytest.raises(PermissionDenied):
        notices.issue(w.unit_user, xihu_case)


# ---------------------------------------------------------------- signing

def _delivery(notice, unit):
    return next(d for d in notice.deliveries if d.unit_id == unit.id)


def test_unit_user_signs_once(w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    delivery = _delivery(issue_notice(case), w.bureau)
    notices.sign(w.unit_user, delivery)
    db.session.commit()
    assert delivery.is_signed and delivery.signed_by_name == w.unit_user.label
    assert delivery.signed_by_id == w.unit_user.id
    with pytest.raises(InvalidInput) as exc:
        notices.sign(w.unit_user, delivery)
    assert "签收" in exc.value.message


def test_only_the_receiving_unit_signs(w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    delivery = _delivery(issue_notice(case), w.bureau)
    for outsider in (w.centre_user, w.inspector, w.admin, w.discipline):
        with pytest.raises(PermissionDenied):
            notices.sign(outsider, delivery)
    db.session.rollback()
    assert not db.session.get(NoticeDelivery, delivery.id).is_signed


# ---------------------------------------------------------------- unsigned list

def test_unsigned_list_own_office_and_below(w, make_case, make_finding, issue_notice):
    city_case = make_case()
    make_finding(city_case)
    make_finding(city_case, responsible_unit_id=w.centre.id)
    city_notice = issue_notice(city_case)
    notices.sign(w.unit_user, _delivery(city_notice, w.bureau))
    db.session.commit()
    xihu_case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(xihu_case, w.xihu_inspector)
    issue_notice(xihu_case, w.xihu_inspector)

    own = db.session.scalars(notice_queries.unsigned_query(w.inspector)).all()
    assert [d.unit_id for d in own] == [w.centre.id]
    with_below = db.session.scalars(notice_queries.unsigned_query(w.inspector, include_subordinates=True)).all()
    assert [d.unit_id for d in with_below] == [w.centre.id, w.xihu_unit.id]  # oldest first
    # a district inspector never sees the city's, even asking for "below"
    xihu = db.session.scalars(notice_queries.unsigned_query(w.xihu_inspector, include_subordinates=True)).all()
    assert [d.unit_id for d in xihu] == [w.xihu_unit.id]
    assert notice_queries.days_since(city_notice.issued_at) == 0


# ---------------------------------------------------------------- cheap reads

def warm(*users):
    """Load the users as a request has them (signed in, permissions read by the navigation)."""
    from portal.accounts.permissions import has_permission

    for user in users:
        has_permission(user, "cases.manage")
        if user.office is not None:
            user.office.path  # noqa: B018


class Statements:
    """Counts the SELECTs run inside the block."""

    def __enter__(self):
        from sqlalchemy import event

        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            self.count += 1

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(db.engine, "before_cursor_execute", self._seen)


def test_case_panel_is_cheap(w, make_case, make_finding, issue_notice):
    case = make_case()
    for n in range(3):
        make_finding(case, responsible_unit_id=(w.bureau if n % 2 else w.centre).id)
    issue_notice(case)
    make_finding(case)
    issue_notice(case)
    make_finding(case)
    db.session.expire_all()
    case = db.session.get(type(case), case.id)
    assert len(case.findings) == 5  # the case page has loaded its findings
    warm(w.inspector)
    with Statements() as seen:
        panel = notice_queries.case_panel(w.inspector, case)
        units = [d.unit.name for n in panel.notices for d in n.deliveries]
    assert seen.count <= 2
    assert len(panel.notices) == 2 and len(units) == 3
    assert panel.may_issue and panel.pending_count == 1 and panel.next_kind.value == "supplementary"
    # a reader who may not write the case sees the notices but no button; a unit only its own
    reader = notice_queries.case_panel(w.admin, case)  # city admin without cases.manage
    assert len(reader.notices) == 2 and not reader.may_issue
    assert not notice_queries.case_panel(w.discipline, case).visible
    centre = notice_queries.case_panel(w.centre_user, case)
    assert centre.unit_view and [n.id for n in centre.notices] == [panel.notices[0].id]
    assert not centre.may_issue


def test_unit_lists_are_cheap(w, make_case, make_finding, issue_notice):
    for _ in range(3):
        case = make_case()
        make_finding(case)
        make_finding(case)
        issue_notice(case)
    db.session.expire_all()
    warm(w.unit_user, w.inspector)
    with Statements() as seen:
        findings = db.session.scalars(finding_lists.unit_open_findings_query(w.unit_user)).unique().all()
        rows = finding_lists.finding_rows(findings, unit_id=w.bureau.id)
        numbers = {row.finding.notice.number for row in rows}
        deliveries = db.session.scalars(notice_queries.unit_deliveries_query(w.unit_user)).all()
        kinds = {d.notice.kind for d in deliveries}
        unsigned = db.session.scalars(notice_queries.unsigned_query(w.inspector)).all()
        names = {(d.unit.name, d.notice.case.number) for d in unsigned}
    assert len(rows) == 6 and len(numbers) == 3 and all(r.delivery_id for r in rows)
    assert len(deliveries) == 3 and kinds == {"initial"} and len(names) == 3
    assert seen.count <= 5
