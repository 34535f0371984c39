"""What the staff case page shows and which actions it offers the signed-in user.

The rules come from the permission functions, the lifecycle table and the rectification moves;
the template only reads the booleans computed here (the services check every action again).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.registry.queries import paginate

from inspection import lifecycle, permissions, rectification
from inspection.models import Case, CaseEvent, CaseMember, CaseNote, CaseSource, CaseStatus, Finding
from inspection.services import findings
from inspection.services.common import FROZEN

WORKING = (CaseStatus.VERIFYING.value, CaseStatus.RECTIFYING.value)
PER_PAGE = 20


@dataclass
class FindingRow:
    finding: Finding
    overdue: bool
    history: list
    waiting: bool = False  # a report waits for review (待审核)
    may_edit: bool = False
    may_accept: bool = False
    may_request_waiver: bool = False
    may_decide_waiver: bool = False

    @property
    def actions(self) -> bool:
        return self.may_edit or self.may_accept or self.may_request_waiver or self.may_decide_waiver


@dataclass
class CasePage:
    case: Case
    team: list
    rows: list[FindingRow]
    transitions: list
    events: object  # a Pagination of CaseEvent, newest first
    notes: object | None  # a Pagination of CaseNote, newest first
    may_write: bool
    may_edit_case: bool
    may_add_finding: bool
    is_hotline: bool
    action_keys: set[str] = field(default_factory=set)


def _findings(case: Case) -> list[Finding]:
    return list(db.session.scalars(
        select(Finding).where(Finding.case_id == case.id)
        .options(joinedload(Finding.responsible_unit), joinedload(Finding.waiver_requested_by),
                 selectinload(Finding.submissions))
        .order_by(Finding.seq)
    ).unique())


def _finding_history(case: Case) -> dict[int, list[CaseEvent]]:
    """Each finding's own history (its timeline lines), newest first — one query for the whole case."""
    history: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.finding_id.is_not(None))
        .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())
    ):
        history[event.finding_id].append(event)
    return history


def _row(user, case: Case, finding: Finding, history, *, may_write: bool, may_approve: bool) -> FindingRow:
    """A finding's line, with the actions the services would accept from ``user`` now (their own checks)."""
    row = FindingRow(finding=finding, overdue=rectification.is_overdue(finding), history=history,
                     waiting=rectification.waiting_submission(finding) is not None)
    if not may_write:
        return row
    row.may_edit = findings.allowed(findings.check_edit, user, finding)
    row.may_accept = findings.allowed(findings.check_accept, user, finding)
    row.may_request_waiver = findings.allowed(findings.check_request_waiver, user, finding)
    row.may_decide_waiver = may_approve and findings.allowed(findings.check_decide_waiver, user, finding)
    return row


def build(user, case: Case, args) -> CasePage:
    """The staff view of ``case`` for ``user`` (who reads it); ``args`` the request's query string."""
    may_write = permissions.may_write(user, case)
    may_approve = permissions.may_approve(user, case)
    members = db.session.scalars(
        select(CaseMember).where(CaseMember.case_id == case.id).options(joinedload(CaseMember.user))
        .order_by(CaseMember.id)
    )
    history = _finding_history(case)
    rows = [_row(user, case, f, history.get(f.id, []), may_write=may_write, may_approve=may_approve)
            for f in _findings(case)]
    events = paginate(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()),
        args.get("events_page"), None, default_per_page=PER_PAGE,
    )
    notes = paginate(
        select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.created_at.desc(), CaseNote.id.desc()),
        args.get("notes_page"), None, default_per_page=PER_PAGE,
    )
    page = CasePage(
        case=case, team=[m.user for m in members], rows=rows, transitions=lifecycle.available(user, case),
        events=events, notes=notes, may_write=may_write,
        may_edit_case=may_write and case.status not in FROZEN,
        may_add_finding=findings.allowed(findings.check_add, user, case),
        is_hotline=case.source == CaseSource.HOTLINE.value,
    )
    page.action_keys = _action_keys(page)
    return page


def _action_keys(page: CasePage) -> set[str]:
    """Keys of the action forms the page renders (a refused POST is shown beside its own form)."""
    keys = {f"transition:{t.target.value}" for t in page.transitions if not t.via_notice}
    if page.may_write:
        keys.add("note")
    for row in page.rows:
        fid = row.finding.id
        keys |= {k for k, ok in ((f"accept:{fid}", row.may_accept), (f"waiver:{fid}", row.may_request_waiver),
                                 (f"decide:{fid}", row.may_decide_waiver)) if ok}
    return keys

