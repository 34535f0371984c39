"""The rectification lifecycle of a finding as data, and the derived facts about it (overdue).

    pending ──accept──▶ accepted          (验收销号)
    pending/returned ──waive──▶ waived    (免于整改: proposed with a reason, approved by a second person)

``submitted`` and ``returned`` are reached through the unit's reports (the rectification issue adds
those moves). Overdue (逾期) is never stored: today in Beijing is past ``due_on`` and the finding was
sent, needs rectification and is neither accepted nor waived nor waiting for review.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_

from portal.timeutil import beijing_today

from inspection import permissions
from inspection.models import Finding, RectificationStatus as R


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[R]
    target: R
    permission: str
    label: str


MOVES: tuple[Move, ...] = (
    Move("accept", frozenset({R.PENDING, R.SUBMITTED, R.RETURNED}), R.ACCEPTED, permissions.MANAGE, "验收销号"),
    Move("waive", frozenset({R.PENDING, R.RETURNED}), R.WAIVED, permissions.APPROVE, "免于整改"),
)

OPEN_STATES = (R.PENDING.value, R.RETURNED.value)


def move(name: str) -> Move:
    return next(m for m in MOVES if m.name == name)


def overdue_clause(today: date | None = None):
    """SQL: the finding is overdue today (Beijing)."""
    return and_(
        Finding.needs_rectification.is_(True),
        Finding.notice_id.is_not(None),
        Finding.rectification_status.in_(OPEN_STATES),
        Finding.due_on < (today or beijing_today()),
    )


def is_overdue(finding: Finding, today: date | None = None) -> bool:
    return bool(
        finding.needs_rectification and finding.notice_id is not None
        and finding.rectification_status in OPEN_STATES
        and finding.due_on is not None and finding.due_on < (today or beijing_today())
    )
