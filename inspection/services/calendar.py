"""Working-day calendars entered by administrators, and counting deadlines again when they change.

* ``enter_schedule``: a year's official national schedule (国务院办公厅关于部分节假日安排的通知), entered
  by an administrator (``settings.manage``) of a root office; it replaces that year's earlier entry and
  wins over the ``chinesecalendar`` package. Then every provisional deadline (and every deadline counted
  across that year) that has not passed is counted again.
* ``add_local_holiday`` / ``remove_local_holiday``: an office's extra days off (e.g. 三月三), set by its
  own administrators; they apply to the cases of the office's whole subtree, whose unpassed counted
  deadlines are counted again.
* ``recompute_deadlines``: a counted deadline (``due_counted_from_on`` + ``due_working_days``) is counted
  again with the current calendar; it never moves earlier than the date the unit was given. A moved
  date is written on the case timeline, audited (``finding.deadline_moved``) and told to the unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.permissions import STAFF_ROLES, has_permission, office_subtree_ids
from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.registry.models import Office
from portal.timeutil import beijing_today, utcnow

from inspection import rectification, workdays
from inspection.models import CalendarDay, CalendarYear, Case, Finding, LocalHoliday
from inspection.services import timeline
from inspection.services.calendar_input import NAME_MAX, LineErrors, ScheduleDay, parse_date, parse_schedule

__all__ = ["enter_schedule", "parse_schedule", "add_local_holiday", "remove_local_holiday", "recompute_deadlines",
           "ScheduleDay", "RecomputeSummary", "may_enter_schedule", "may_manage_holidays"]

SOURCE_MAX = 200
YEARS_AHEAD = 5  # a schedule is published for next year; refuse typos far in the future
BATCH = 200


@dataclass
class RecomputeSummary:
    checked: int = 0  # counted deadlines looked at
    moved: int = 0  # dates that moved (later)
    confirmed: int = 0  # were provisional, are not any more
    provisional: int = 0  # still provisional after counting again

    @property
    def message(self) -> str:
        if not self.checked:
            return "没有需要重新计算的整改期限。"
        return (f"已重新计算 {self.checked} 个未到期的整改期限：{self.moved} 个顺延，"
                f"{self.confirmed} 个由暂定转为确定，{self.provisional} 个仍为暂定。")

    def as_dict(self) -> dict:
        return {"checked": self.checked, "moved": self.moved, "confirmed": self.confirmed,
                "provisional": self.provisional}


# ---------------------------------------------------------------- who may

def may_enter_schedule(user) -> bool:
    """The national schedule: administrators (``settings.manage``) of a root office."""
    return (user is not None and getattr(user, "is_authenticated", False) and user.role in STAFF_ROLES
            and user.office is not None and user.office.parent_id is None
            and has_permission(user, "settings.manage"))


def may_manage_holidays(user, office: Office | None = None) -> bool:
    """Local holidays: administrators (``settings.manage``) of that office, for their own office."""
    return (user is not None and getattr(user, "is_authenticated", False) and user.role in STAFF_ROLES
            and user.office_id is not None and has_permission(user, "settings.manage")
            and (office is None or office.id == user.office_id))


def _require_holiday_rights(actor, office: Office) -> None:
    if may_manage_holidays(actor, office):
        return
    visible = (actor is not None and getattr(actor, "office", None) is not None and actor.role in STAFF_ROLES
               and (office.path.startswith(actor.office.path) or actor.office.path.startswith(office.path)))
    if not visible:
        raise NotFound()
    raise PermissionDenied("地方节假日只能由本编办具有“管理系统设置”权限的管理员设置。")


# ---------------------------------------------------------------- the national schedule

@dataclass
class ScheduleResult:
    calendar_year: CalendarYear
    replaced: bool
    summary: RecomputeSummary


def enter_schedule(actor, year, days, source) -> ScheduleResult:
    """Enter (or replace) ``year``'s official schedule: ``days`` is a list of ``ScheduleDay`` (or text /
    an uploaded file, read by ``parse_schedule``) listing only the days that differ from Monday–Friday."""
    if not may_enter_schedule(actor):
        raise PermissionDenied("全国法定节假日安排只能由最高一级编办具有“管理系统设置”权限的管理员录入。")
    errors: dict[str, str] = {}
    today = beijing_today()
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        year = None
        errors["year"] = "请填写年份（四位数字，如 2027）。"
    if year is not None and not (today.year - 1 <= year <= today.year + YEARS_AHEAD):
        errors["year"] = f"年份须在 {today.year - 1} 至 {today.year + YEARS_AHEAD} 年之间。"
    source = (source or "").strip()
    if not source:
        errors["source"] = "请填写依据文件（如 国办发明电〔2026〕7号）。"
    elif len(source) > SOURCE_MAX:
        errors["source"] = f"依据文件不能超过 {SOURCE_MAX} 个字。"
    if not isinstance(days, (list, tuple)):
        try:
            days = parse_schedule(days)
        except InvalidInput as exc:
            errors.update(exc.fields)
            days = None
    if days is not None and not days:
        errors["days"] = "请至少填写一天（放假的工作日或调休上班的周末）。"
    if days and year is not None and "year" not in errors:
        _check_days(year, days)
    if errors:
        raise InvalidInput(errors)
    entry = db.session.get(CalendarYear, year)
    replaced = entry is not None
    before = [_row(d) for d in entry.days] if entry is not None else []
    if entry is None:
        entry = CalendarYear(year=year)
        db.session.add(entry)
    else:
        entry.days.clear()
        db.session.flush()  # the old days go before the new ones reuse their dates
    entry.source, entry.entered_by_id, entry.entered_at = source, actor.id, utcnow()
    for item in sorted(days, key=lambda d: d.day):
        entry.days.append(CalendarDay(day=item.day, is_workday=item.is_workday, name=item.name))
    db.session.flush()
    workdays.forget()
    after = [_row(d) for d in entry.days]
    summary = recompute_deadlines(
        actor, provisional=True, touching=(date(year, 1, 1), date(year, 12, 31)),
        reason=f"录入{year}年节假日安排",
    )
    audit.record("calendar.schedule", "calendar", year, actor=actor,
                 changes={"days": [before, after]} if replaced and before != after else None,
                 details={"year": year, "source": source, "replaced": replaced, "days": after,
                          "recompute": summary.as_dict()})
    return ScheduleResult(entry, replaced, summary)


def _row(day) -> list:
    return [day.day.isoformat(), day.name, "班" if day.is_workday else "休"]


def _check_days(year: int, days: list[ScheduleDay]) -> None:
    errors = LineErrors("days")
    seen: dict[date, int | None] = {}
    for index, item in enumerate(days, start=1):
        line = item.line or index
        if item.day.year != year:
            errors.add(line, f"{item.day:%Y-%m-%d} 不在 {year} 年内")
            continue
        if item.day in seen:
            earlier = seen[item.day]
            errors.add(line, f"{item.day:%Y-%m-%d} 重复（第 {earlier} 行已填写）" if earlier else f"{item.day:%Y-%m-%d} 重复")
            continue
        seen[item.day] = line
        # a weekend day marked 休 or a weekday marked 班 changes nothing but is accepted: the official notice
        # gives whole ranges (“2月15日至23日放假”), and an administrator copies them as they stand
        if len(item.name) > NAME_MAX:
            errors.add(line, f"名称不能超过 {NAME_MAX} 个字")
    errors.raise_if_any()


# ---------------------------------------------------------------- local holidays

def add_local_holiday(actor, office: Office, day, name, note: str = "") -> tuple[LocalHoliday, RecomputeSummary]:
    _require_holiday_rights(actor, office)
    errors: dict[str, str] = {}
    parsed = parse_date(day)
    today = beijing_today()
    if parsed is None:
        errors["day"] = "请填写日期（如 2027-04-09）。"
    elif parsed < today:
        errors["day"] = "不能把已经过去的日期设为地方节假日。"
    elif parsed.year > today.year + YEARS_AHEAD:
        errors["day"] = f"日期不能晚于 {today.year + YEARS_AHEAD} 年。"
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写节日名称（如 三月三）。"
    elif len(name) > NAME_MAX:
        errors["name"] = f"名称不能超过 {NAME_MAX} 个字。"
    note = (note or "").strip()
    if len(note) > 1000:
        errors["note"] = "说明不能超过 1000 个字。"
    if "day" not in errors:
        chain = workdays.office_chain_ids(office.path) or [office.id]
        existing = db.session.execute(
            select(LocalHoliday).where(LocalHoliday.office_id.in_(chain), LocalHoliday.day == parsed)
        ).scalars().first()
        if existing is not None:
            whose = "本编办" if existing.office_id == office.id else "上级编办"
            errors["day"] = f"{parsed:%Y-%m-%d} 已由{whose}设为“{existing.name}”。"
        else:
            working, provisional = workdays.calendar(office.id).is_workday(parsed)
            if not working and not provisional:
                errors["day"] = f"{parsed:%Y-%m-%d} 本来就是休息日，不需要设置。"
    if errors:
        raise InvalidInput(errors)
    holiday = LocalHoliday(office_id=office.id, day=parsed, name=name, note=note,
                           created_by_id=actor.id, created_at=utcnow())
    db.session.add(holiday)
    db.session.flush()
    workdays.forget()
    summary = recompute_deadlines(actor, office_ids=office_subtree_ids(office), touching=(parsed, parsed),
                                  reason=f"{office.short_name}设置地方节假日 {parsed:%Y-%m-%d} {name}")
    audit.record("calendar.holiday", "calendar", holiday.id, actor=actor,
                 details={"office_id": office.id, "day": parsed.isoformat(), "name": name, "note": note,
                          "recompute": summary.as_dict()})
    return holiday, summary


def remove_local_holiday(actor, holiday: LocalHoliday) -> RecomputeSummary:
    """Take a local holiday back. Deadlines already given stay (a recount never moves one earlier)."""
    office = holiday.office
    _require_holiday_rights(actor, office)
    details = {"office_id": office.id, "day": holiday.day.isoformat(), "name": holiday.name}
    holiday_id, day = holiday.id, holiday.day
    db.session.delete(holiday)
    db.session.flush()
    workdays.forget()
    summary = recompute_deadlines(actor, office_ids=office_subtree_ids(office), touching=(day, day),
                                  reason=f"{office.short_name}取消地方节假日 {day:%Y-%m-%d}")
    audit.record("calendar.holiday_remove", "calendar", holiday_id, actor=actor,
                 details={**details, "recompute": summary.as_dict()})
    return summary


def get_holiday_or_404(user, holiday_id: int) -> LocalHoliday:
    """A local holiday of the user's office, an ancestor or a subordinate office (others: 404)."""
    holiday = db.session.get(LocalHoliday, holiday_id)
    office = getattr(user, "office", None)
    if holiday is None or office is None or user.role not in STAFF_ROLES:
        raise NotFound()
    if not (holiday.office.path.startswith(office.path) or office.path.startswith(holiday.office.path)):
        raise NotFound()
    return holiday


# ---------------------------------------------------------------- counting again

def recompute_query(*, office_ids=None, provisional: bool = False, touching: tuple[date, date] | None = None,
                    today: date | None = None):
    """Counted deadlines that may be counted again: sent, needing rectification, neither accepted nor
    waived, not passed; of the cases of ``office_ids``; provisional ones, or ones counted across
    ``touching`` (either, when both are given; all of them when neither is)."""
    today = today or beijing_today()
    query = select(Finding).join(Case, Case.id == Finding.case_id).where(
        Finding.due_counted_from_on.is_not(None), Finding.due_working_days.is_not(None),
        rectification.open_clause(), Finding.due_on >= today,
    )
    if office_ids is not None:
        query = query.where(Case.office_id.in_(office_ids))
    which = []
    if provisional:
        which.append(Finding.is_due_provisional.is_(True))
    if touching is not None:
        lo, hi = touching
        which.append(and_(Finding.due_counted_from_on < hi, Finding.due_on >= lo))
    if which:
        query = query.where(or_(*which))
    return query


def recompute_deadlines(actor, *, office_ids=None, provisional: bool = False,
                        touching: tuple[date, date] | None = None, reason: str = "工作日历变更") -> RecomputeSummary:
    """Count the selected deadlines (see ``recompute_query``) again. The new date is the later of the
    recount and the date the unit was given; ``is_due_provisional`` follows the recount. Callers check
    who may; this runs in the caller's transaction (no commit)."""
    summary = RecomputeSummary()
    query = recompute_query(office_ids=office_ids, provisional=provisional, touching=touching)
    people: dict[int, list] = {}
    last_id = 0
    while True:
        batch = db.session.scalars(
            query.where(Finding.id > last_id).order_by(Finding.id).limit(BATCH).options(selectinload(Finding.case))
        ).all()
        if not batch:
            break
        last_id = batch[-1].id
        for finding in batch:
            _recount(actor, finding, summary, people, reason)
        db.session.flush()
    return summary


def _recount(actor, finding: Finding, summary: RecomputeSummary, people: dict, reason: str) -> None:
    case = finding.case
    recount = workdays.add_working_days(finding.due_counted_from_on, finding.due_working_days,
                                        office_id=case.office_id)
    summary.checked += 1
    before = finding.due_on
    after = max(recount.due_on, before)
    if finding.is_due_provisional and not recount.is_provisional:
        summary.confirmed += 1
    if recount.is_provisional:
        summary.provisional += 1
    if bool(finding.is_due_provisional) != recount.is_provisional:
        finding.is_due_provisional = recount.is_provisional
    if after == before:
        return
    finding.due_on = after
    summary.moved += 1
    timeline.record(
        case, "deadline_moved",
        f"问题{finding.seq}整改期限由 {before:%Y-%m-%d} 调整为 {after:%Y-%m-%d}（{reason}）",
        actor=actor, finding=finding, audit_type="finding",
        changes={"due_on": [before.isoformat(), after.isoformat()]},
        details={"reason": reason, "is_provisional": recount.is_provisional},
    )
    unit_id = finding.responsible_unit_id
    if unit_id not in people:
        people[unit_id] = timeline.unit_users(unit_id)
    timeline.tell(people[unit_id], actor, "deadline",
                  f"{case.number} 问题{finding.seq}的整改期限调整为 {after:%Y-%m-%d}", timeline.finding_link(finding))


def open_provisional_count(office: Office | None) -> int:
    """Provisional deadlines not yet passed, of the cases of ``office``'s subtree (all when None)."""
    query = recompute_query(provisional=True).where(Finding.is_due_provisional.is_(True))
    if office is not None:
        query = query.where(Case.office_id.in_(office_subtree_ids(office)))
    return db.session.scalar(query.with_only_columns(func.count(Finding.id)).order_by(None)) or 0


# ---------------------------------------------------------------- what the calendar page shows

@dataclass
class YearState:
    year: int
    source: str  # workdays.ENTERED / PACKAGE / UNKNOWN
    entry: CalendarYear | None


@dataclass
class Overview:
    office: Office
    years: list[YearState]
    schedules: list[CalendarYear]
    own_holidays: list[LocalHoliday]
    inherited_holidays: list[LocalHoliday]
    open_provisional: int
    may_enter_schedule: bool
    may_manage_holidays: bool


def overview(user) -> Overview:
    """The calendar page of a staff member: the years around today and where their schedule comes from,
    the entered schedules, the office's own local holidays and those inherited from offices above, and
    how many provisional deadlines of the office's cases are open."""
    office = getattr(user, "office", None)
    if office is None or user.role not in STAFF_ROLES:
        raise NotFound()
    today = beijing_today()
    since = date(today.year - 1, 1, 1)
    schedules = db.session.scalars(
        select(CalendarYear).where(CalendarYear.year >= since.year).order_by(CalendarYear.year.desc())
        .options(selectinload(CalendarYear.days), selectinload(CalendarYear.entered_by))
    ).all()
    by_year = {s.year: s for s in schedules}
    years = [YearState(y, workdays.ENTERED if y in by_year else
                       (workdays.PACKAGE if workdays.is_known_year(y) else workdays.UNKNOWN), by_year.get(y))
             for y in range(today.year - 1, today.year + 3)]
    chain = workdays.office_chain_ids(office.path) or [office.id]
    holidays = db.session.scalars(
        select(LocalHoliday).where(LocalHoliday.office_id.in_(chain), LocalHoliday.day >= since)
        .order_by(LocalHoliday.day).options(selectinload(LocalHoliday.office))
    ).all()
    return Overview(
        office=office, years=years, schedules=list(schedules),
        own_holidays=[h for h in holidays if h.office_id == office.id],
        inherited_holidays=[h for h in holidays if h.office_id != office.id],
        open_provisional=open_provisional_count(office),
        may_enter_schedule=may_enter_schedule(user), may_manage_holidays=may_manage_holidays(user, office),
    )
