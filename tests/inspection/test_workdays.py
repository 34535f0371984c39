"""Working days under the statutory calendar (chinesecalendar): 2026's National Day and its adjusted
working weekends, deadlines counted across them by hand, and the provisional Monday–Friday fallback for a
year the package does not know yet (2027 with chinesecalendar 1.11)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from inspection import workdays
from inspection.workdays import Deadline, add_working_days, is_workday, working_days_between

D = date.fromisoformat


def test_national_day_2026_from_the_package():
    for day in range(1, 8):  # 10-01 … 10-07 (Thu–Wed) are holidays, weekdays included
        assert is_workday(date(2026, 10, day)) == (False, False)
    assert is_workday(D("2026-10-08")) == (True, False)
    assert is_workday(D("2026-10-10")) == (True, False)  # a Saturday, adjusted working day (调休)
    assert is_workday(D("2026-09-20")) == (True, False)  # a Sunday, adjusted working day
    assert is_workday(D("2026-10-11")) == (False, False)  # the Sunday after stays a rest day
    assert D("2026-10-10").weekday() == 5 and D("2026-09-20").weekday() == 6


def test_other_2026_holidays_from_the_package():
    assert is_workday(D("2026-01-01"))[0] is False  # 元旦
    assert is_workday(D("2026-01-04"))[0] is True  # Sunday, adjusted
    assert is_workday(D("2026-02-16"))[0] is False  # 春节 (a Monday)
    assert is_workday(D("2026-02-14"))[0] is True  # Saturday, adjusted
    assert is_workday(D("2026-05-01"))[0] is False  # 劳动节


def test_a_deadline_across_national_day_and_its_adjusted_saturday():
    # counted by hand from Tue 2026-09-29: 09-30 (1), [10-01…10-07 holiday], 10-08 (2), 10-09 (3),
    # Sat 10-10 adjusted (4), [Sun 10-11], 10-12 (5) … 10-16 (9), [weekend], 10-19 (10)
    assert add_working_days(D("2026-09-29"), 1) == Deadline(D("2026-09-30"), False)
    assert add_working_days(D("2026-09-29"), 2) == Deadline(D("2026-10-08"), False)
    assert add_working_days(D("2026-09-29"), 4) == Deadline(D("2026-10-10"), False)
    assert add_working_days(D("2026-09-29"), 5) == Deadline(D("2026-10-12"), False)
    assert add_working_days(D("2026-09-29"), 10) == Deadline(D("2026-10-19"), False)
    # from Fri 09-18, the adjusted Sunday 09-20 is the first working day
    assert add_working_days(D("2026-09-18"), 1) == Deadline(D("2026-09-20"), False)
    # starting on a holiday: day 1 is the first working day after it
    assert add_working_days(D("2026-10-03"), 1) == Deadline(D("2026-10-08"), False)


def test_a_deadline_in_a_year_the_package_does_not_know_is_provisional():
    assert workdays.is_known_year(2026)
    assert not workdays.is_known_year(2027), "chinesecalendar now knows 2027: move these facts a year on"
    assert is_workday(D("2027-01-01")) == (True, True)  # a Friday: counted, provisionally
    assert is_workday(D("2027-01-02")) == (False, True)
    # Wed 2026-12-30: 12-31 (1), Fri 2027-01-01 (2, Monday–Friday count), Mon 01-04 (3)
    assert add_working_days(D("2026-12-30"), 1) == Deadline(D("2026-12-31"), False)
    assert add_working_days(D("2026-12-30"), 3) == Deadline(D("2027-01-04"), True)
    # 30 working days from Tue 2026-12-01: 22 in December 2026 (known), then 2027-01-01, 01-04…08, 01-11, 01-12
    assert add_working_days(D("2026-12-01"), 22) == Deadline(D("2026-12-31"), False)
    assert add_working_days(D("2026-12-01"), 30) == Deadline(D("2027-01-12"), True)
    assert add_working_days(D("2027-03-05"), 5) == Deadline(D("2027-03-12"), True)


def test_working_days_between():
    assert working_days_between(D("2026-09-30"), D("2026-10-12")) == 4
    assert working_days_between(D("2026-10-12"), D("2026-09-30")) == -4
    assert working_days_between(D("2026-10-01"), D("2026-10-07")) == 0
    assert working_days_between(D("2026-10-05"), D("2026-10-05")) == 0
    assert working_days_between(D("2026-12-30"), D("2027-01-04")) == 3


@pytest.mark.parametrize("start", ["2026-09-15", "2026-09-30", "2026-12-20", "2026-02-10"])
@pytest.mark.parametrize("n", [1, 7, 30])
def test_between_counts_back_what_add_counted(start, n):
    due = add_working_days(D(start), n).due_on
    assert working_days_between(D(start), due) == n
    assert working_days_between(D(start), due - timedelta(days=1)) == n - 1


@pytest.mark.parametrize("n", [0, -1, workdays.MAX_DAYS + 1])
def test_bad_n_is_refused(n):
    with pytest.raises(ValueError):
        add_working_days(D("2026-10-01"), n)
