"""A unit's problem ledger (问题台账): every finding sent to it, its deadline, each submission round and
its outcome, extension requests and the acceptance — on a page and as an XLSX download.

Who reads a unit's ledger (anyone else: ``NotFound``, existence is not revealed):
- a user of that unit (its own findings that were sent to it);
- staff of an office whose jurisdiction holds the unit, or who read a case with a finding of it — and
  then only the findings of the cases they read (``permissions.cases_query``);
- a user of the sponsoring unit (主管部门: ``unit.parent_id``) who was granted ``ledger.sponsor``:
  the ledgers of its directly sponsored institutions, read-only.
Access is a query: :func:`findings_for` returns the findings the caller may see or raises ``NotFound``.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case as sql_case, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.accounts.permissions import has_permission, is_in_subtree
from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.registry import creditcode
from portal.registry.models import Unit
from portal.spreadsheets import saved_workbook, xlsx_cell
from portal.timeutil import beijing_today, to_beijing

from inspection import permissions, rectification
from inspection.finding_lists import TRUE_WORDS, FALSE_WORDS, rounds
from inspection.models import (
    Case,
    ExtensionRequest,
    ExtensionStatus,
    Finding,
    IndicatorArea,
    RectificationStatus,
    RectificationSubmission,
    SubmissionStatus,
    ViolationType,
)

SPONSOR = "ledger.sponsor"
BATCH = 500


# ---------------------------------------------------------------- who reads which ledger

def is_sponsor(user) -> bool:
    """``user`` speaks for a sponsoring department (主管部门): a unit user holding ``ledger.sponsor``."""
    return permissions.is_unit_user(user) and has_permission(user, SPONSOR)


def is_sponsor_of(user, unit: Unit) -> bool:
    """``user`` belongs to the unit's sponsoring unit (主管部门) and holds ``ledger.sponsor``."""
    return unit.parent_id is not None and is_sponsor(user) and unit.parent_id == user.unit_id


def _staff_case_ids(user) -> Select:
    return permissions.cases_query(user).with_only_columns(Case.id)


def may_read_ledger(user, unit: Unit) -> bool:
    if permissions.is_unit_user(user):
        return unit.id == user.unit_id or is_sponsor_of(user, unit)
    if permissions.is_staff(user):
        if is_in_subtree(user.office, unit.office_id):
            return True
        return bool(db.session.scalar(select(exists().where(
            Finding.responsible_unit_id == unit.id, Finding.case_id.in_(_staff_case_ids(user))))))
    return False


def findings_for(user, unit: Unit) -> Select:
    """The findings of ``unit``'s ledger that ``user`` reads (sent ones only); ``NotFound`` when the user
    may not read this ledger at all."""
    if not may_read_ledger(user, unit):
        raise NotFound()
    query = select(Finding).where(Finding.responsible_unit_id == unit.id, Finding.notice_id.is_not(None))
    if permissions.is_staff(user):
        query = query.where(Finding.case_id.in_(_staff_case_ids(user)))
    return query


def ledger_unit_or_404(user, code: str) -> Unit:
    """The unit of a ledger by its credit code, if ``user`` may read its ledger."""
    unit = db.session.scalar(select(Unit).where(Unit.code == creditcode.normalise(code or "")))
    if unit is None or not may_read_ledger(user, unit):
        raise NotFound()
    return unit


# ---------------------------------------------------------------- filters and rows

@dataclass(frozen=True)
class LedgerFilters:
    status: str | None = None    # RectificationStatus code
    overdue: bool | None = None
    year: int | None = None      # the case's year (督查事项编号的年度)

    @classmethod
    def from_mapping(cls, data: Mapping | None) -> LedgerFilters:
        data = data or {}
        errors: dict[str, str] = {}
        status = str(data.get("status") or "").strip() or None
        if status:
            try:
                status = RectificationStatus.from_label(status).value
            except ValueError:
                errors["status"] = f"整改状态“{status}”无效。"
        overdue = None
        raw = str(data.get("overdue") or "").strip().lower()
        if raw in TRUE_WORDS:
            overdue = True
        elif raw in FALSE_WORDS:
            overdue = False
        elif raw:
            errors["overdue"] = "是否逾期的取值无效。"
        year = None
        raw = str(data.get("year") or "").strip()
        if raw:
            if raw.isdigit() and 2000 <= int(raw) <= 2100:
                year = int(raw)
            else:
                errors["year"] = f"年度“{raw}”无效，请填写四位年份。"
        if errors:
            raise InvalidInput(errors)
        return cls(status=status, overdue=overdue, year=year)

    def as_args(self) -> dict:
        out = {}
        if self.status:
            out["status"] = self.status
        if self.overdue is not None:
            out["overdue"] = "1" if self.overdue else "0"
        if self.year:
            out["year"] = str(self.year)
        return out


ORDER = (Case.opened_at.desc(), Case.id.desc(), Finding.seq)  # newest case first


def _filtered(user, unit: Unit, filters: LedgerFilters, today: date | None) -> Select:
    today = today or beijing_today()
    query = findings_for(user, unit).join(Finding.case)
    if filters.status:
        query = query.where(Finding.rectification_status == filters.status)
    query = query.where(rectification.overdue_filter(filters.overdue, today))
    if filters.year:
        query = query.where(Case.number_year == filters.year)
    return query


def ledger_query(user, unit: Unit, filters: LedgerFilters, today: date | None = None) -> Select:
    """The ledger's findings: newest case first, then by finding number, with all a row shows."""
    return _filtered(user, unit, filters, today).options(
        contains_eager(Finding.case), joinedload(Finding.notice),
        selectinload(Finding.submissions), selectinload(Finding.extension_requests),
    ).order_by(*ORDER)


@dataclass
class LedgerRow:
    finding: Finding
    is_overdue: bool
    rounds: list[RectificationSubmission] = field(default_factory=list)
    extensions: list[ExtensionRequest] = field(default_factory=list)

    @property
    def last_decision(self) -> ExtensionRequest | None:
        """The latest decided extension request (approved or refused)."""
        decided = [e for e in self.extensions if e.status != ExtensionStatus.PENDING.value]
        return decided[-1] if decided else None

    @property
    def pending_extension(self) -> bool:
        return any(e.status == ExtensionStatus.PENDING.value for e in self.extensions)

    @property
    def accepted_on(self) -> date | None:
        accepted = self.finding.accepted_at
        if accepted is None or self.finding.rectification_status != RectificationStatus.ACCEPTED.value:
            return None
        return to_beijing(accepted).date()


def ledger_rows(findings: Iterable[Finding], today: date | None = None) -> list[LedgerRow]:
    today = today or beijing_today()
    return [LedgerRow(f, rectification.is_overdue(f, today), rounds(f), list(f.extension_requests)) for f in findings]


# ---------------------------------------------------------------- the index: sponsored units, overdue units

def sponsored_units_query(user) -> Select:
    """The units a sponsor reads the ledgers of (its direct sponsored institutions); ``NotFound`` otherwise."""
    if not is_sponsor(user):
        raise NotFound()
    return select(Unit).where(Unit.parent_id == user.unit_id).order_by(Unit.name, Unit.id)


def staff_overdue_units_query(user, today: date | None = None) -> Select:
    """Units with an overdue finding in a case the staff user reads, by name."""
    if not permissions.is_staff(user):
        raise NotFound()
    late = (select(Finding.responsible_unit_id)
            .where(Finding.case_id.in_(_staff_case_ids(user)), rectification.overdue_clause(today or beijing_today())))
    return select(Unit).where(Unit.id.in_(late)).order_by(Unit.name, Unit.id)


def unit_counts(user, unit_ids: list[int], today: date | None = None) -> dict[int, tuple[int, int]]:
    """``{unit_id: (open findings, overdue findings)}`` of the ledgers' findings the user reads (one query)."""
    counts = {uid: (0, 0) for uid in unit_ids}
    if not unit_ids:
        return counts
    query = (select(Finding.responsible_unit_id, func.count(Finding.id),
                    func.sum(sql_case((rectification.overdue_clause(today or beijing_today()), 1), else_=0)))
             .where(Finding.responsible_unit_id.in_(unit_ids), rectification.open_clause())
             .group_by(Finding.responsible_unit_id))
    if permissions.is_staff(user):
        query = query.where(Finding.case_id.in_(_staff_case_ids(user)))
    for unit_id, total, late in db.session.execute(query).all():
        counts[unit_id] = (int(total), int(late or 0))
    return counts


# ---------------------------------------------------------------- the XLSX download

FINDING_HEADERS = (
    "督查事项编号", "问题序号", "指标领域", "问题类型", "问题描述", "整改通知文号", "整改期限", "期限暂定",
    "整改状态", "是否逾期", "整改轮次", "延期申请次数", "最近延期决定", "验收销号日期",
)
ROUND_HEADERS = (
    "督查事项编号", "问题序号", "轮次", "提交日期", "当时期限", "是否按期", "审核结果", "审核意见", "审核日期",
    "退回后新期限",
)


def finding_ids(user, unit: Unit, filters: LedgerFilters) -> list[int]:
    return list(db.session.scalars(_filtered(user, unit, filters, None).with_only_columns(Finding.id).order_by(*ORDER)))


def record_export(unit: Unit, filters: LedgerFilters, rows: int) -> None:
    """The audit event of one ledger download (the caller commits)."""
    audit.record("ledger.export", "ledger", unit.id,
                 details={"unit": unit.code, "format": "xlsx", "filters": filters.as_args(), "rows": rows})


def _decision_text(request: ExtensionRequest | None) -> str:
    if request is None:
        return ""
    when = to_beijing(request.decided_at).date().isoformat() if request.decided_at else ""
    text = f"{ExtensionStatus(request.status).label}（{when}）"
    if request.status == ExtensionStatus.APPROVED.value and request.granted_due_on:
        text += f"，延至 {request.granted_due_on.isoformat()}"
    return text


def export_rows(user, unit: Unit, filters: LedgerFilters, ids: list[int]) -> Iterator[tuple[tuple, list[tuple]]]:
    """(finding row, its round rows) per finding, in ledger order, ``BATCH`` findings read at a time."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        findings = db.session.scalars(ledger_query(user, unit, filters).where(Finding.id.in_(chunk))).unique().all()
        for row in ledger_rows(findings):
            f = row.finding
            number = f.case.number
            finding_cells = (
                number, f.seq, IndicatorArea(f.area).label, ViolationType(f.violation_type).label, f.description,
                f.notice.number if f.notice else "", f.due_on, "是" if f.is_due_provisional else "",
                RectificationStatus(f.rectification_status).label if f.rectification_status else "",
                "是" if row.is_overdue else "", len(row.rounds), len(row.extensions),
                _decision_text(row.last_decision), row.accepted_on,
            )
            round_cells = [
                (number, f.seq, s.round, s.submitted_on, s.due_on,
                 "" if s.is_on_time is None else ("是" if s.is_on_time else "否"),
                 SubmissionStatus(s.status).label, s.review_comment or "",
                 to_beijing(s.reviewed_at).date() if s.reviewed_at else None, s.returned_due_on)
                for s in row.rounds
            ]
            yield finding_cells, round_cells
        del findings  # the session holds rows weakly: a written batch can go


def xlsx_file(pairs: Iterator[tuple[tuple, list[tuple]]]):
    """A write-only workbook (sheets 问题台账 and 整改轮次) in a temporary file, rewound, and its size. Text
    is stored as text: a description "=1+1" stays that text, never a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    findings_sheet = workbook.create_sheet("问题台账")
    rounds_sheet = workbook.create_sheet("整改轮次")

    findings_sheet.append([xlsx_cell(findings_sheet, h) for h in FINDING_HEADERS])
    rounds_sheet.append([xlsx_cell(rounds_sheet, h) for h in ROUND_HEADERS])
    for finding_cells, round_cells in pairs:
        findings_sheet.append([xlsx_cell(findings_sheet, v) for v in finding_cells])
        for r in round_cells:
            rounds_sheet.append([xlsx_cell(rounds_sheet, v) for v in r])
    return saved_workbook(workbook)


__all__ = [
    "FINDING_HEADERS", "ROUND_HEADERS", "LedgerFilters", "LedgerRow", "export_rows", "finding_ids", "findings_for",
    "is_sponsor_of", "ledger_query", "ledger_rows", "ledger_unit_or_404", "may_read_ledger", "record_export",
    "sponsored_units_query", "staff_overdue_units_query", "unit_counts", "xlsx_file",
]
