"""Counting deadlines again (services.calendar.recompute_deadlines) when a year's schedule is entered or a
local holiday is added or removed: a provisional deadline moves later and is confirmed, with a timeline
line, an audit event and a notification to the unit; it never moves earlier than the date the unit was
given; passed, settled and hand-set deadlines stay; a local holiday reaches the office's subtree only.

"Today" is fixed at 2026-11-24 (a Tuesday): the default 30 working days reach 2027-01-05, provisionally
(2027-01-01 is a Friday, counted Monday–Friday); with 元旦 entered as a day off it is 2027-01-06."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.notify.models import Notification

from inspection.models import CalendarYear, CaseEvent, Finding, LocalHoliday
from inspection.services import calendar as service
from inspection.services import findings as finding_service
from tests.inspection.calendar_support import (  # noqa: F401
    D, SCHEDULE_2027, TODAY, admins, audit_events, district_finding, set_today, today,
)

SOURCE = "国办发明电〔2026〕7号"


def reload(finding: Finding) -> Finding:
    db.session.expire_all()
    return db.session.get(Finding, finding.id)


@pytest.fixture()
def provisional(w, sent_finding, today):  # noqa: F811
    finding = sent_finding()
    assert (finding.due_on, finding.is_due_provisional) == (D("2027-01-05"), True)
    assert (finding.due_counted_from_on, finding.due_working_days) == (TODAY, 30)
    return finding


def test_entering_the_year_moves_a_provisional_deadline_later(app, w, provisional):
    with app.test_request_context():
        result = service.enter_schedule(w.admin, 2027, SCHEDULE_2027, SOURCE)
    db.session.commit()
    assert (result.summary.checked, result.summary.moved, result.summary.confirmed,
            result.summary.provisional) == (1, 1, 1, 0)
    finding = reload(provisional)
    assert (finding.due_on, finding.is_due_provisional) == (D("2027-01-06"), False)
    assert (finding.due_counted_from_on, finding.due_working_days) == (TODAY, 30)  # kept: it may be counted again
    line = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "deadline_moved")).one()
    assert line.finding_id == finding.id and "2027-01-05" in line.summary and "2027-01-06" in line.summary
    [(moved, payload)] = audit_events("finding.deadline_moved")
    assert moved.object_id == str(finding.id) and moved.actor_id == w.admin.id
    assert payload["changes"] == {"due_on": ["2027-01-05", "2027-01-06"]}
    [(entered, payload)] = audit_events("calendar.schedule")
    assert entered.object_id == "2027" and payload["details"]["source"] == SOURCE
    assert ["2027-01-01", "元旦", "休"] in payload["details"]["days"]
    assert payload["details"]["recompute"]["moved"] == 1
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.unit_user.id,
                                                         Notification.kind == "deadline")).one()
    assert "2027-01-06" in note.subject and finding.case.number in note.subject
    assert finding.description[:6] not in note.subject
    assert note.link.endswith(f"/inspection/findings/{finding.id}")


def test_a_recount_never_moves_a_deadline_earlier_but_confirms_it(app, w, provisional):
    # a schedule whose extra working Saturday would make the 30th working day 2027-01-04
    result = service.enter_schedule(w.admin, 2027, "2027-01-02,调休上班,班", SOURCE)
    db.session.commit()
    finding = reload(provisional)
    assert (finding.due_on, finding.is_due_provisional) == (D("2027-01-05"), False)
    assert (result.summary.moved, result.summary.confirmed) == (0, 1)
    assert audit_events("finding.deadline_moved") == []
    assert db.session.scalars(select(Notification).where(Notification.kind == "deadline")).all() == []


def test_a_passed_deadline_is_not_counted_again(app, w, provisional, monkeypatch):
    set_today(monkeypatch, D("2027-01-06"))  # the provisional 2027-01-05 has passed
    result = service.enter_schedule(w.admin, 2027, SCHEDULE_2027, SOURCE)
    db.session.commit()
    finding = reload(provisional)
    assert (finding.due_on, finding.is_due_provisional) == (D("2027-01-05"), True)
    assert result.summary.checked == 0 and audit_events("finding.deadline_moved") == []


def test_a_deadline_due_today_is_still_counted_again(app, w, provisional, monkeypatch):
    set_today(monkeypatch, D("2027-01-05"))
    service.enter_schedule(w.admin, 2027, SCHEDULE_2027, SOURCE)
    assert reload(provisional).due_on == D("2027-01-06")


def test_settled_deadlines_stay(app, w, provisional):
    finding_service.accept(w.inspector, provisional, "已整改")
    db.session.commit()
    result = service.enter_schedule(w.admin, 2027, SCHEDULE_2027, SOURCE)
    assert result.summary.checked == 0 and reload(provisional).due_on == D("2027-01-05")


def test_a_deadline_set_by_hand_is_not_counted_again(app, w, sent_finding, today):  # noqa: F811
    finding = sent_finding(due_on="2027-01-05")
    assert (finding.due_on, finding.is_due_provisional) == (D("2027-01-05"), False)
    assert (finding.due_counted_from_on, finding.due_working_days) == (None, None)
    result = service.enter_schedule(w.admin, 2027, SCHEDULE_2027, SOURCE)
    assert result.summary.checked == 0 and reload(finding).due_on == D("2027-01-05")


def test_setting_the_date_by_hand_forgets_how_it_was_counted(app, w, make_case, make_finding, today):  # noqa: F811
    finding = make_finding(make_case())
    finding.due_counted_from_on, finding.due_working_days, finding.is_due_provisional = TODAY, 30, True
    db.session.commit()
    finding_service.update_finding(w.inspector, finding, {"due_on": "2027-01-08"})
    assert (finding.due_counted_from_on, finding.due_working_days, finding.is_due_provisional) == (None, None, False)


def test_a_2026_entry_recounts_the_deadlines_counted_across_2026(app, w, provisional):
    # 2026-12-31 (a Thursday) off: the deadline moves one working day, still provisional (2027 unknown)
    result = service.enter_schedule(w.admin, 2026, "2026-12-31,测试假日,休", "测试用安排")
    finding = reload(provisional)
    assert (finding.due_on, finding.is_due_provisional) == (D("2027-01-06"), True)
    assert (result.summary.moved, result.summary.provisional) == (1, 1)


def test_a_local_holiday_moves_deadlines_of_its_subtree_only(app, w, admins, district_finding, today):  # noqa: F811
    xihu, binjiang = district_finding("xihu"), district_finding("binjiang")
    assert xihu.case.office_id == w.xihu.id and binjiang.case.office_id == w.binjiang.id
    assert xihu.due_on == binjiang.due_on == D("2027-01-05")
    holiday, summary = service.add_local_holiday(admins.xihu, w.xihu, "2026-12-15", "西湖节")
    db.session.commit()
    assert summary.moved == 1
    assert reload(xihu).due_on == D("2027-01-06") and reload(binjiang).due_on == D("2027-01-05")
    [(event, payload)] = audit_events("calendar.holiday")
    assert event.object_id == str(holiday.id) and payload["details"]["office_id"] == w.xihu.id
    # the city's holiday reaches both districts
    service.add_local_holiday(w.admin, w.city, "2026-12-16", "全市节")
    db.session.commit()
    assert reload(xihu).due_on == D("2027-01-07") and reload(binjiang).due_on == D("2027-01-06")
    # taking 西湖's back never moves its deadline earlier
    summary = service.remove_local_holiday(admins.xihu, db.session.get(LocalHoliday, holiday.id))
    db.session.commit()
    assert summary.moved == 0 and reload(xihu).due_on == D("2027-01-07")
    assert len(audit_events("calendar.holiday_remove")) == 1
    assert len(audit_events("finding.deadline_moved")) == 3


@pytest.mark.parametrize(("text", "message"), [
    ("2027-13-01,元旦,休", "第 1 行：日期“2027-13-01”无效"),
    ("2027-01-01,元旦,休\n2026-12-31,元旦,休", "第 2 行：2026-12-31 不在 2027 年内"),
    ("2027-01-01,元旦,休\n\n2027-01-01,元旦,休", "第 3 行：2027-01-01 重复（第 1 行已填写）"),
    ("2027-01-01,元旦,放", "第 1 行：标记“放”无法识别"),
    ("2027-01-01 元旦 休", "第 1 行：应为“日期,名称,休或班”三项"),
    ("2027-01-01,元旦假期" + "长" * 50 + ",休", "名称不能超过 50 个字"),
    ("", "请至少填写一天"),
])
def test_bad_lines_are_refused_and_nothing_is_saved(app, w, provisional, text, message):
    with pytest.raises(InvalidInput) as caught:
        service.enter_schedule(w.admin, 2027, text, SOURCE)
    db.session.rollback()
    assert message in caught.value.fields["days"]
    assert db.session.scalars(select(CalendarYear)).all() == []
    assert audit_events("calendar.schedule") == []
    assert reload(provisional).is_due_provisional is True


def test_every_bad_line_is_listed(app, w):
    with pytest.raises(InvalidInput) as caught:
        service.enter_schedule(w.admin, 2027, "2027-01-01,元旦,休\nabc,x,休\n2027-01-02,x,休\n2027-02-30,x,休", SOURCE)
    text = caught.value.fields["days"]
    assert "第 2 行" in text and "第 4 行" in text  # parse errors come first, as one message
    with pytest.raises(InvalidInput) as caught:
        service.enter_schedule(w.admin, 2027, "2026-01-05,x,休\n2026-01-06,x,休", SOURCE)
    assert "第 1 行" in caught.value.fields["days"] and "第 2 行" in caught.value.fields["days"]


def test_a_range_copied_from_the_notice_may_include_weekend_days(app, w):
    """The official notice gives ranges: weekend days marked 休 (and weekdays marked 班) change nothing
    but are accepted as they stand."""
    from inspection import workdays

    text = "2027-01-01,元旦,休\n2027-01-02,元旦,休\n2027-01-03,元旦,休\n2027-01-04,照常上班,班"
    service.enter_schedule(w.admin, 2027, text, SOURCE)
    db.session.commit()
    assert workdays.is_workday(D("2027-01-01")) == (False, False)
    assert workdays.is_workday(D("2027-01-02")) == (False, False)
    assert workdays.is_workday(D("2027-01-04")) == (True, False)


@pytest.mark.parametrize(("year", "source", "field", "message"), [
    ("2024", SOURCE, "year", "年份须在 2025 至 2031 年之间"),
    ("二〇二七", SOURCE, "year", "请填写年份"),
    ("2027", "", "source", "请填写依据文件"),
    ("2027", "文" * 201, "source", "不能超过 200 个字"),
])
def test_year_and_source_are_checked(app, w, today, year, source, field, message):  # noqa: F811
    with pytest.raises(InvalidInput) as caught:
        service.enter_schedule(w.admin, year, "2027-01-01,元旦,休", source)
    assert message in caught.value.fields[field]


def test_who_may_enter_the_national_schedule(app, w, admins, make_user, today):  # noqa: F811
    for actor in (w.inspector, admins.xihu, w.unit_user):
        with pytest.raises(PermissionDenied):
            service.enter_schedule(actor, 2027, SCHEDULE_2027, SOURCE)
    # a root-office administrator without settings.manage may not either
    from portal.accounts.models import UserPermission

    restricted = make_user("restricted_admin", role="admin")
    restricted.permission_overrides.append(UserPermission(permission="settings.manage", is_granted=False))
    db.session.commit()
    with pytest.raises(PermissionDenied):
        service.enter_schedule(restricted, 2027, SCHEDULE_2027, SOURCE)


def test_who_may_set_local_holidays(app, w, admins, today):  # noqa: F811
    with pytest.raises(PermissionDenied):
        service.add_local_holiday(w.admin, w.xihu, "2026-12-15", "西湖节")  # the city admin, for a district
    with pytest.raises(PermissionDenied):
        service.add_local_holiday(w.xihu_inspector, w.xihu, "2026-12-15", "西湖节")  # not an admin
    with pytest.raises(NotFound):
        service.add_local_holiday(admins.binjiang, w.xihu, "2026-12-15", "西湖节")  # a sibling: not visible
    holiday, _summary = service.add_local_holiday(admins.xihu, w.xihu, "2026-12-15", "西湖节")
    with pytest.raises(NotFound):
        service.remove_local_holiday(admins.binjiang, holiday)
    with pytest.raises(PermissionDenied):
        service.remove_local_holiday(w.admin, holiday)


@pytest.mark.parametrize(("day", "name", "field", "message"), [
    ("2026-11-23", "西湖节", "day", "已经过去"),
    ("2026-12-12", "西湖节", "day", "本来就是休息日"),   # a Saturday
    ("2026-12-15", "西湖节", "day", "已由上级编办设为“全市节”"),
    ("12月15日", "西湖节", "day", "请填写日期"),
    ("2026-12-16", "", "name", "请填写节日名称"),
])
def test_bad_local_holidays(app, w, admins, today, day, name, field, message):  # noqa: F811
    service.add_local_holiday(w.admin, w.city, "2026-12-15", "全市节")
    with pytest.raises(InvalidInput) as caught:
        service.add_local_holiday(admins.xihu, w.xihu, day, name)
    assert message in caught.value.fields[field]


def test_open_provisional_count(app, w, admins, district_finding, provisional):  # noqa: F811
    district_finding("xihu")
    assert service.open_provisional_count(w.city) == 2
    assert service.open_provisional_count(w.xihu) == 1 and service.open_provisional_count(w.binjiang) == 0
    service.enter_schedule(w.admin, 2027, SCHEDULE_2027, SOURCE)
    assert service.open_provisional_count(w.city) == 0


def test_many_deadlines_in_a_few_queries(app, w, make_case, make_finding, issue_notice, today):  # noqa: F811
    from sqlalchemy import event

    for _ in range(3):
        case = make_case()
        for _ in range(4):
            make_finding(case)
        issue_notice(case)
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        summary = service.recompute_deadlines(w.admin, provisional=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 8  # a batch, its cases, the calendar: not one query per finding
    assert summary.checked == 12


def test_recount_uses_the_period_it_was_counted_with(app, w, provisional, today):  # noqa: F811
    provisional.due_working_days, provisional.due_counted_from_on = 10, TODAY + timedelta(days=1)
    provisional.due_on = D("2026-12-09")
    db.session.commit()
    summary = service.recompute_deadlines(w.admin)
    assert summary.checked == 1 and reload(provisional).due_on == D("2026-12-09")
