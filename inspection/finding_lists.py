"""Lists of findings with their deadline facts: the unit's home page (its open findings, overdue first)
and ``GET /api/v1/findings`` (role-scoped, filtered).

Everything starts from ``permissions.findings_query(user)``: a filter narrows the caller's scope, never
widens it. The facts shown per row (working days left, overdue, waiting for review, rounds) are computed
for a whole page at once from what the page loaded — no query per row.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case as sql_case, select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry import creditcode
from portal.registry.models import Unit
from portal.timeutil import beijing_today

from inspection import permissions, rectification, workdays
from inspection.models import (
    Finding,
    IndicatorArea,
    NoticeDelivery,
    RectificationStatus,
    RectificationSubmission,
    SubmissionStatus,
)

TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


# ---------------------------------------------------------------- facts for a page of findings

def rounds(finding: Finding) -> list[RectificationSubmission]:
    """The submitted rounds (drafts are the unit's unfinished work, not rounds); ``submissions`` loaded."""
    return [s for s in finding.submissions if s.status != SubmissionStatus.DRAFT.value]


def working_days_left(findings: Iterable[Finding], today: date | None = None) -> dict[int, int | None]:
    """``{finding_id: working days from today to its deadline}`` (negative once past; ``None`` when the
    finding is settled or has no deadline), by the calendar of the case's office (its local holidays
    included). One count per distinct (office, deadline); ``workdays`` reads each office's calendar once
    per request, so a page costs no query per row."""
    today = today or beijing_today()
    counted: dict[tuple[int | None, date], int] = {}
    out: dict[int, int | None] = {}
    for f in findings:
        if f.due_on is None or not f.needs_rectification or f.rectification_status in rectification.SETTLED_STATES:
            out[f.id] = None
            continue
        key = (f.case.office_id if f.case is not None else None, f.due_on)
        if key not in counted:
            counted[key] = workdays.working_days_between(today, f.due_on, office_id=key[0])
        out[f.id] = counted[key]
    return out


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    days_left: int | None          # working days to the deadline; None once settled
    is_overdue: bool
    waiting: RectificationSubmission | None  # the submission waiting for review, if any
    rounds: int                    # submitted rounds
    delivery_id: int | None = None  # the unit's copy of the notice (unit home only)


def finding_rows(findings: list[Finding], *, unit_id: int | None = None, today: date | None = None) -> list[FindingRow]:
    """The rows of one page (load ``case`` and ``submissions`` with the findings). With ``unit_id``, each
    row also names that unit's delivery of the notice the finding came on (one query for the page)."""
    today = today or beijing_today()
    left = working_days_left(findings, today)
    deliveries: dict[int, int] = {}
    notice_ids = {f.notice_id for f in findings if f.notice_id is not None}
    if unit_id is not None and notice_ids:
        deliveries = dict(db.session.execute(
            select(NoticeDelivery.notice_id, NoticeDelivery.id)
            .where(NoticeDelivery.notice_id.in_(notice_ids), NoticeDelivery.unit_id == unit_id)
        ).all())
    return [
        FindingRow(f, left.get(f.id), rectification.is_overdue(f, today), rectification.waiting_submission(f),
                   len(rounds(f)), deliveries.get(f.notice_id))
        for f in findings
    ]


def _page_options(query: Select) -> Select:
    return query.options(joinedload(Finding.case), joinedload(Finding.notice), joinedload(Finding.responsible_unit),
                         selectinload(Finding.submissions))


# ---------------------------------------------------------------- the unit's home page

def unit_open_findings_query(user, today: date | None = None) -> Select:
    """The unit user's findings still to rectify (not accepted or waived): overdue first, then by deadline."""
    today = today or beijing_today()
    query = permissions.findings_query(user).where(rectification.open_clause())
    return _page_options(query).order_by(
        sql_case((rectification.overdue_clause(today), 0), else_=1), Finding.due_on, Finding.case_id, Finding.seq,
    )


# ---------------------------------------------------------------- GET /api/v1/findings

@dataclass(frozen=True)
class FindingFilters:
    overdue: bool | None = None
    status: str | None = None       # RectificationStatus code
    unit_code: str | None = None    # the responsible unit's credit code (staff only)
    case_id: int | None = None
    due_before: date | None = None  # due_on <= this (inclusive)
    due_after: date | None = None   # due_on >= this (inclusive)
    area: str | None = None         # IndicatorArea code

    @classmethod
    def from_mapping(cls, data: Mapping | None, *, unit_user: bool = False) -> FindingFilters:
        """Filters from query arguments (codes or Chinese labels); ``InvalidInput`` naming each bad value."""
        data = data or {}
        errors: dict[str, str] = {}

        def text(key: str) -> str:
            return str(data.get(key) or "").strip()

        overdue = None
        if text("overdue"):
            word = text("overdue").lower()
            if word in TRUE_WORDS:
                overdue = True
            elif word in FALSE_WORDS:
                overdue = False
            else:
                errors["overdue"] = f"overdue“{text('overdue')}”无效，可选：true、false。"
        status = _code(text("status"), RectificationStatus, "整改状态", "status", errors)
        area = _code(text("area"), IndicatorArea, "指标领域", "area", errors)
        unit_code = None
        if text("unit"):
            if unit_user:
                errors["unit"] = "单位用户不能按此条件筛选。"
            else:
                unit_code = creditcode.normalise(text("unit"))
                problem = creditcode.validation_error(unit_code)
                if problem:
                    errors["unit"] = problem
        case_id = None
        if text("case_id"):
            try:
                case_id = int(text("case_id"))
                if case_id < 1:
                    raise ValueError
            except ValueError:
                errors["case_id"] = "case_id 须为正整数。"
        due_before = _date(text("due_before"), "due_before", errors)
        due_after = _date(text("due_after"), "due_after", errors)
        if due_before and due_after and due_after > due_before:
            errors["due_after"] = "due_after 不能晚于 due_before。"
        if errors:
            raise InvalidInput(errors)
        return cls(overdue=overdue, status=status, unit_code=unit_code, case_id=case_id,
                   due_before=due_before, due_after=due_after, area=area)


def _code(raw: str, enum_cls, label: str, key: str, errors: dict) -> str | None:
    if not raw:
        return None
    try:
        return enum_cls.from_label(raw).value
    except ValueError:
        errors[key] = f"{label}“{raw}”无效，可选：" + "、".join(enum_cls.codes()) + "。"
        return None


def _date(raw: str, key: str, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = f"{key}“{raw}”无效，请按 YYYY-MM-DD 填写。"
        return None


def filtered_findings(user, filters: FindingFilters, today: date | None = None) -> Select:
    """The findings ``user`` reads, narrowed by ``filters``: earliest deadline first (none last), then id."""
    today = today or beijing_today()
    query = permissions.findings_query(user).where(rectification.overdue_filter(filters.overdue, today))
    if filters.status:
        query = query.where(Finding.rectification_status == filters.status)
    if filters.unit_code:
        query = query.where(Finding.responsible_unit_id.in_(select(Unit.id).where(Unit.code == filters.unit_code)))
    if filters.case_id is not None:
        query = query.where(Finding.case_id == filters.case_id)
    if filters.due_before:
        query = query.where(and_(Finding.due_on.is_not(None), Finding.due_on <= filters.due_before))
    if filters.due_after:
        query = query.where(and_(Finding.due_on.is_not(None), Finding.due_on >= filters.due_after))
    if filters.area:
        query = query.where(Finding.area == filters.area)
    return _page_options(query).order_by(
        sql_case((Finding.due_on.is_(None), 1), else_=0), Finding.due_on, Finding.id,
    )


__all__ = [
    "FindingFilters", "FindingRow", "filtered_findings", "finding_rows", "rounds",
    "unit_open_findings_query", "working_days_left",
]
