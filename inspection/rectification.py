"""The rectification lifecycle of a finding as data, and the derived facts about it (overdue).

    pending/returned ──submit──▶ submitted     (the unit submits its report 整改报告: waits for review)
    submitted ──return──▶ returned             (退回 with comments and a new deadline: the unit revises)
    pending/submitted/returned ──accept──▶ accepted   (验收通过 → 销号)
    pending/returned ──waive──▶ waived         (免于整改: proposed with a reason, approved by a second person)

Overdue (逾期) is never stored: today in Beijing is past ``due_on`` (an approved extension moves
``due_on``), the finding was sent and needs rectification, it is neither accepted nor waived, and it is
not waiting for review of a report submitted on time (a submission made on time stops the unit's clock;
a late one does not).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, or_, select, true

from portal.timeutil import beijing_today

from inspection import permissions
from inspection.models import Finding, RectificationStatus as R, RectificationSubmission, SubmissionStatus


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[R]
    target: R
    permission: str
    label: str


UNIT = "unit"  # the move is made by a user of the finding's responsible unit, not by a permission holder

MOVES: tuple[Move, ...] = (
    Move("submit", frozenset({R.PENDING, R.RETURNED}), R.SUBMITTED, UNIT, "提交整改报告"),
    Move("return", frozenset({R.SUBMITTED}), R.RETURNED, permissions.MANAGE, "退回"),
    Move("accept", frozenset({R.PENDING, R.SUBMITTED, R.RETURNED}), R.ACCEPTED, permissions.MANAGE, "验收销号"),
    Move("waive", frozenset({R.PENDING, R.RETURNED}), R.WAIVED, permissions.APPROVE, "免于整改"),
)

OPEN_STATES = (R.PENDING.value, R.RETURNED.value)
# the rectification is over: nothing is due any more (a finding needing no rectification has no state)
SETTLED_STATES = (R.ACCEPTED.value, R.WAIVED.value)


def move(name: str) -> Move:
    return next(m for m in MOVES if m.name == name)


def allows(name: str, finding: Finding) -> bool:
    """Does the table allow move ``name`` from ``finding``'s rectification state? (Who may make it is the
    service's check: a permission, or for ``UNIT`` the users of the finding's responsible unit.)"""
    return bool(finding.needs_rectification and finding.rectification_status
                and R(finding.rectification_status) in move(name).sources)


def open_clause():
    """SQL: the finding was sent to its unit and still has to be rectified (not accepted, not waived)."""
    return and_(Finding.needs_rectification.is_(True), Finding.notice_id.is_not(None),
                Finding.rectification_status.not_in(SETTLED_STATES))


def overdue_filter(overdue: bool | None, today: date | None = None):
    """SQL for a list's 是否逾期 filter: overdue ones (True), the others (False), or no condition (None)."""
    if overdue is None:
        return true()
    if overdue:
        return overdue_clause(today)
    # CASE, not NOT: a finding without a deadline makes the clause NULL, and NOT NULL matches nothing
    return case((overdue_clause(today), 1), else_=0) == 0


def late_submission_waiting():
    """SQL: the finding waits for review of a report submitted after its deadline (the clock kept running)."""
    return exists(
        select(RectificationSubmission.id).where(
            RectificationSubmission.finding_id == Finding.id,
            RectificationSubmission.status == SubmissionStatus.SUBMITTED.value,
            RectificationSubmission.submitted_on > RectificationSubmission.due_on,
        )
    )


def overdue_clause(today: date | None = None):
    """SQL: the finding is overdue today (Beijing)."""
    return and_(
        Finding.needs_rectification.is_(True),
        Finding.notice_id.is_not(None),
        Finding.due_on < (today or beijing_today()),
        or_(
            Finding.rectification_status.in_(OPEN_STATES),
            and_(Finding.rectification_status == R.SUBMITTED.value, late_submission_waiting()),
        ),
    )


def waiting_submission(finding: Finding) -> RectificationSubmission | None:
    """The submission waiting for review, if any (uses the loaded ``submissions``)."""
    return next((s for s in finding.submissions if s.status == SubmissionStatus.SUBMITTED.value), None)


def is_overdue(finding: Finding, today: date | None = None) -> bool:
    """Python twin of :func:`overdue_clause` for a loaded finding (load ``submissions`` with it)."""
    if not (finding.needs_rectification and finding.notice_id is not None and finding.due_on is not None
            and finding.due_on < (today or beijing_today())):
        return False
    if finding.rectification_status in OPEN_STATES:
        return True
    if finding.rectification_status == R.SUBMITTED.value:
        waiting = waiting_submission(finding)
        return waiting is not None and waiting.is_on_time is False
    return False
