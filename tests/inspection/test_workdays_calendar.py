"""The working-day rule with the database: local holidays of an office and its ancestors, then an entered
year's schedule, then chinesecalendar, then Monday–Friday (provisional); deadlines across 2026's
National Day checked against the official schedule (国办发明电〔2025〕7号: 10月1日至8日放假调休… as
chinesecalendar 1.11 records it: 10-01…10-07 off, Sunday 09-20 and Saturday 10-10 working); the data is
read once per request, and a change is seen at once."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from portal.extensions import db

from inspection import workdays
from inspection.models import CalendarDay, CalendarYear, LocalHoliday
from inspection.services import calendar as service
from inspection.workdays import Deadline, add_working_days, is_workday, working_days_between
from tests.inspection.calendar_support import D, SCHEDULE_2027, admins, today  # noqa: F401


@pytest.mark.parametrize(("start", "n", "due"), [
    ("2026-09-29", 1, "2026-09-30"),   # Wednesday
    ("2026-09-29", 2, "2026-10-08"),   # 10-01 … 10-07 are holidays, the weekdays among them too
    ("2026-09-29", 3, "2026-10-09"),
    ("2026-09-29", 4, "2026-10-10"),   # Saturday 10-10: an adjusted working day (调休上班)
    ("2026-09-29", 5, "2026-10-12"),   # Sunday 10-11 stays a rest day
    ("2026-09-24", 1, "2026-09-28"),   # 中秋 Friday 09-25 off
    ("2026-09-18", 1, "2026-09-20"),   # Sunday 09-20: adjusted working day
    ("2026-09-29", 10, "2026-10-19"),
    ("2026-09-30", 10, "2026-10-20"),
])
def test_a_2026_deadline_across_national_day(app, w, start, n, due):
    for office in (None, w.city.id, w.xihu.id):
        assert add_working_days(D(start), n, office_id=office) == Deadline(D(due), False)
    assert working_days_between(D(start), D(due), office_id=w.xihu.id) == n


@pytest.fixture()
def calendar_world(w, admins, today):  # noqa: F811
    """2027 entered; a city holiday on Wed 2027-04-07, a 西湖 holiday on Wed 2027-03-10."""
    service.enter_schedule(w.admin, 2027, SCHEDULE_2027, "国办发明电〔2026〕7号")
    service.add_local_holiday(w.admin, w.city, "2027-04-07", "城市节")
    service.add_local_holiday(admins.xihu, w.xihu, "2027-03-10", "西湖节")
    db.session.commit()
    workdays.forget()
    return w


@pytest.mark.parametrize(("day", "office", "expected"), [
    ("2026-10-01", None, (False, False)),       # the package: National Day
    ("2026-10-10", None, (True, False)),        # the package: an adjusted working Saturday
    ("2027-01-01", None, (False, False)),       # entered: 元旦 on a Friday
    ("2027-01-04", None, (True, False)),        # entered year, a plain Monday: counted, not provisional
    ("2027-01-09", None, (False, False)),       # entered year, a plain Saturday
    ("2027-02-06", None, (True, False)),        # entered: 调休 working Saturday
    ("2027-02-08", "binjiang", (False, False)), # entered: 春节 on a Monday
    ("2028-01-03", None, (True, True)),         # unknown year: Monday–Friday, provisional
    ("2028-01-01", None, (False, True)),
    ("2027-04-07", None, (True, False)),        # the city's local holiday: not for the national rule
    ("2027-04-07", "city", (False, False)),     # … the city itself
    ("2027-04-07", "xihu", (False, False)),     # … and the offices below it
    ("2027-04-07", "binjiang", (False, False)),
    ("2027-03-10", "xihu", (False, False)),     # 西湖's own holiday
    ("2027-03-10", "binjiang", (True, False)),  # … not its sibling's
    ("2027-03-10", "city", (True, False)),      # … nor its parent's
])
def test_the_rule(calendar_world, day, office, expected):
    office_id = getattr(calendar_world, office).id if office else None
    assert is_workday(D(day), office_id=office_id) == expected


def test_year_sources(calendar_world):
    assert workdays.year_source(2026) == workdays.PACKAGE
    assert workdays.year_source(2027) == workdays.ENTERED
    assert workdays.year_source(2028) == workdays.UNKNOWN


def test_an_entered_year_wins_over_the_package(app, w, today):  # noqa: F811
    assert is_workday(D("2026-10-05")) == (False, False)  # the package: National Day (a Monday)
    service.enter_schedule(w.admin, 2026, "2026-10-01,国庆节,休\n2026-10-02,国庆节,休", "测试用安排")
    db.session.commit()
    assert is_workday(D("2026-10-05")) == (True, False)   # not listed: a plain Monday now
    assert is_workday(D("2026-10-10")) == (False, False)  # not listed: a plain Saturday now
    assert is_workday(D("2026-10-01")) == (False, False)
    assert add_working_days(D("2026-09-29"), 2) == Deadline(D("2026-10-05"), False)
    # replacing the year replaces all its days
    service.enter_schedule(w.admin, 2026, "2026-10-05,国庆节,休", "测试用安排（更正）")
    db.session.commit()
    assert is_workday(D("2026-10-01")) == (True, False)
    assert is_workday(D("2026-10-05")) == (False, False)
    assert db.session.query(CalendarDay).count() == 1 and db.session.get(CalendarYear, 2026).source == "测试用安排（更正）"


def test_a_deadline_into_an_unknown_year_is_provisional_until_entered(app, w, today):  # noqa: F811
    assert add_working_days(D("2026-11-24"), 30) == Deadline(D("2027-01-05"), True)
    service.enter_schedule(w.admin, 2027, SCHEDULE_2027, "国办发明电〔2026〕7号")
    assert add_working_days(D("2026-11-24"), 30) == Deadline(D("2027-01-06"), False)


def test_read_once_per_request_and_changes_seen_at_once(app, w):
    xihu_id, binjiang_id = w.xihu.id, w.binjiang.id
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(20):
            add_working_days(D("2026-11-24"), 30, office_id=xihu_id)
            working_days_between(D("2026-11-24"), D("2027-03-01"), office_id=xihu_id)
        first = len(statements)
        assert first <= 3, statements  # the entered years, the office's path, its and its ancestors' holidays
        add_working_days(D("2026-11-24"), 30, office_id=binjiang_id)
        assert len(statements) <= first + 2  # another office: only its own holidays
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # a change made in this transaction is seen at once (the copy is dropped on flush)
    db.session.add(LocalHoliday(office_id=w.city.id, day=D("2026-12-01"), name="测试"))
    db.session.flush()
    assert is_workday(D("2026-12-01"), office_id=w.xihu.id) == (False, False)
    # … and a rollback forgets it again
    db.session.rollback()
    assert is_workday(D("2026-12-01"), office_id=w.xihu.id) == (True, False)


def test_without_an_application_the_package_decides():
    assert workdays.calendar(1) == workdays.Calendar()
    assert is_workday(date(2026, 10, 10), office_id=1) == (True, False)
