"""Working days under the Chinese statutory calendar (法定节假日 and 调休 working weekends).

Whether a day is a working day, for the cases of one office (``office_id``), is decided in this order:

1. a local extra holiday (``LocalHoliday``) of the office or of any office above it → a day off;
2. a year whose official schedule an administrator entered (``CalendarYear``) → its listed days
   (``CalendarDay``: weekday holidays off, 调休 weekend days working), otherwise Monday–Friday;
3. the ``chinesecalendar`` package, for the years whose schedule it knows;
4. otherwise Monday–Friday, and the answer is *provisional* (暂定): the deadline is counted again when
   that year's schedule is entered (``inspection.services.calendar.recompute_deadlines``).

Counting (the house rule for every deadline): day 1 is the first working day **after** ``start``;
the deadline is the ``n``-th working day and ends at 23:59 Beijing time.

The entered schedules and the local holidays are read once per request (or CLI run) and kept in
``flask.g``; a flush that changes them, and any rollback, drops that copy. Outside an application
context only the package and the Monday–Friday fallback are used.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

import chinese_calendar
from flask import g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

MAX_DAYS = 2000  # no deadline is set this far ahead: guards against a loop on bad input

ENTERED, PACKAGE, UNKNOWN = "entered", "package", "unknown"  # where a year's schedule comes from

_EMPTY: Mapping[int, Mapping[date, bool]] = MappingProxyType({})


@dataclass(frozen=True)
class Deadline:
    due_on: date
    is_provisional: bool  # some counted day lay in a year without a known schedule


@dataclass(frozen=True)
class Calendar:
    """The working-day rule for one office: ``entered`` maps a year to its listed days (day → is it a
    working day); ``local_off`` are the local holidays of the office and its ancestors."""

    entered: Mapping[int, Mapping[date, bool]] = field(default_factory=lambda: _EMPTY)
    local_off: frozenset[date] = frozenset()

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, is that answer provisional)."""
        if day in self.local_off:
            return False, False
        listed = self.entered.get(day.year)
        if listed is not None:
            return listed.get(day, day.weekday() < 5), False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5, True

    def source_of(self, year: int) -> str:
        if year in self.entered:
            return ENTERED
        return PACKAGE if is_known_year(year) else UNKNOWN

    def add_working_days(self, start: date, n: int) -> Deadline:
        if n < 1 or n > MAX_DAYS:
            raise ValueError(f"working days must be between 1 and {MAX_DAYS}")
        day, counted, provisional = start, 0, False
        while counted < n:
            day += timedelta(days=1)
            working, guessed = self.is_workday(day)
            provisional = provisional or guessed
            if working:
                counted += 1
        return Deadline(day, provisional)

    def working_days_between(self, start: date, end: date) -> int:
        if end == start:
            return 0
        sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
        count, day = 0, lo
        while day < hi:
            day += timedelta(days=1)
            if self.is_workday(day)[0]:
                count += 1
        return sign * count


def is_known_year(year: int) -> bool:
    """Does the ``chinesecalendar`` package know ``year``'s schedule?"""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_source(year: int) -> str:
    """``entered`` (an administrator entered it), ``package`` or ``unknown`` (counted provisionally)."""
    return calendar().source_of(year)


# ---------------------------------------------------------------- the public counting functions

def is_workday(day: date, *, office_id: int | None = None) -> tuple[bool, bool]:
    """(is it a working day, is that answer provisional)."""
    return calendar(office_id).is_workday(day)


def add_working_days(start: date, n: int, *, office_id: int | None = None) -> Deadline:
    """The ``n``-th working day after ``start`` (``n`` ≥ 1), for the cases of ``office_id``."""
    return calendar(office_id).add_working_days(start, n)


def working_days_between(start: date, end: date, *, office_id: int | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    return calendar(office_id).working_days_between(start, end)


# ---------------------------------------------------------------- loading (once per request)

_CACHE_KEY = "_inspection_workdays"


def calendar(office_id: int | None = None) -> Calendar:
    """The rule for ``office_id`` (None: the national schedule only)."""
    if not has_app_context():
        return Calendar()
    cache = g.get(_CACHE_KEY)
    if cache is None:
        cache = {"entered": None, "local": {}, "calendars": {}}
        setattr(g, _CACHE_KEY, cache)
    found = cache["calendars"].get(office_id)
    if found is None:
        if cache["entered"] is None:
            cache["entered"] = _load_entered()
        local = _load_local(office_id) if office_id is not None else frozenset()
        found = cache["calendars"][office_id] = Calendar(cache["entered"], local)
    return found


def forget() -> None:
    """Drop the copy of the entered schedules and local holidays (they changed)."""
    if has_app_context():
        g.pop(_CACHE_KEY, None)


def _load_entered() -> Mapping[int, Mapping[date, bool]]:
    from portal.extensions import db

    from inspection.models import CalendarDay, CalendarYear

    rows = db.session.execute(
        select(CalendarYear.year, CalendarDay.day, CalendarDay.is_workday)
        .outerjoin(CalendarDay, CalendarDay.year == CalendarYear.year)
    )
    years: dict[int, dict[date, bool]] = {}
    for year, day, working in rows:
        listed = years.setdefault(year, {})
        if day is not None:
            listed[day] = bool(working)
    return MappingProxyType({y: MappingProxyType(d) for y, d in years.items()})


def office_chain_ids(path: str | None) -> list[int]:
    """The ids in an office's materialised path ("/1/4/" → [1, 4]): the office and its ancestors."""
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def _load_local(office_id: int) -> frozenset[date]:
    from portal.extensions import db
    from portal.registry.models import Office

    from inspection.models import LocalHoliday

    path = db.session.scalar(select(Office.path).where(Office.id == office_id))
    ids = office_chain_ids(path) or [office_id]
    return frozenset(db.session.scalars(select(LocalHoliday.day).where(LocalHoliday.office_id.in_(ids))))


_WATCHED: tuple[type, ...] | None = None


def _watched() -> tuple[type, ...]:
    global _WATCHED
    if _WATCHED is None:
        from inspection.models import CalendarDay, CalendarYear, LocalHoliday

        _WATCHED = (CalendarYear, CalendarDay, LocalHoliday)
    return _WATCHED


@event.listens_for(Session, "before_flush")
def _forget_on_change(session, _context, _instances) -> None:
    if not has_app_context() or g.get(_CACHE_KEY) is None:
        return
    watched = _watched()
    if any(isinstance(obj, watched) for obj in (*session.new, *session.dirty, *session.deleted)):
        forget()


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(_session, _previous_transaction) -> None:
    forget()
