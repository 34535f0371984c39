"""Working days under the Chinese statutory calendar (法定节假日 and 调休 working weekends).

The ``chinesecalendar`` package knows the years whose schedule the State Council has published. For a
year it does not know, Monday–Friday count and the answer is marked *provisional*; the rectification
issue adds admin-entered schedules for such years (they will win over this fallback).

Counting (the house rule for every deadline): day 1 is the first working day **after** ``start``;
the deadline is the ``n``-th working day and ends at 23:59 Beijing time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

MAX_DAYS = 2000  # no deadline is set this far ahead: guards against a loop on bad input


@dataclass(frozen=True)
class Deadline:
    due_on: date
    is_provisional: bool  # some counted day lay in a year without a known schedule


def is_known_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: date) -> tuple[bool, bool]:
    """(is it a working day, is that answer provisional)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, n: int, *, office_id: int | None = None) -> Deadline:
    """The ``n``-th working day after ``start`` (``n`` ≥ 1)."""
    if n < 1 or n > MAX_DAYS:
        raise ValueError(f"working days must be between 1 and {MAX_DAYS}")
    day, counted, provisional = start, 0, False
    while counted < n:
        day += timedelta(days=1)
        working, guessed = is_workday(day)
        provisional = provisional or guessed
        if working:
            counted += 1
    return Deadline(day, provisional)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end == start:
        return 0
    sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
    count, day = 0, lo
    while day < hi:
        day += timedelta(days=1)
        if is_workday(day)[0]:
            count += 1
    return sign * count
