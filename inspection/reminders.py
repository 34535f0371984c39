"""Deadline reminders and overdue notices (`flask --app portal reminders send`, run daily by cron).

Each (finding, kind, due_on) goes once: a ``ReminderSent`` row is added in the same transaction as its
notifications, so a second run the same day sends nothing, and a moved deadline (extension, return,
recomputed calendar) gets its reminders again for the new date.

Only the threshold reached *today* is sent: if cron did not run on the day a finding had 7 working days
left, the 7-day reminder is not sent late when 3 are left (a stale "7 days left" would mislead). The
missed-deadline notice is different: it goes on the first run after the deadline, however late, because
it stays true. Subjects carry the problem number, the notice number and the date, never the finding's text.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from flask import current_app, has_request_context, url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.extensions import db
from portal.timeutil import beijing_today

from inspection.models import Case, Finding, RectificationStatus, ReminderSent
from inspection.models.enums import CaseStatus
from inspection.rectification import OPEN_STATES, late_submission_waiting
from inspection.services.timeline import tell
from inspection.workdays import working_days_between

# working days left → kind
THRESHOLDS = {7: "before_7", 3: "before_3", 1: "before_1"}
MISSED, OVERDUE_LEAD = "missed", "overdue_lead"
# no 7-working-day span is longer than this in calendar days (even across the Spring Festival week)
LOOKAHEAD_DAYS = 31
BATCH = 200


@dataclass
class ReminderResult:
    unit: int = 0   # notifications to unit users
    lead: int = 0   # notifications to lead inspectors


def _link(endpoint: str, **values) -> str:
    """A relative link; the CLI has no request, so build it in a throwaway one."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _candidates(today: date) -> list[Finding]:
    """Open, sent findings of live cases whose deadline is near or past, with case, lead and notice loaded."""
    return list(db.session.scalars(
        select(Finding)
        .join(Case, Finding.case_id == Case.id)
        .where(
            Finding.notice_id.is_not(None),
            Finding.needs_rectification.is_(True),
            # open ones; and one whose report came in late (still overdue: its missed-deadline notices go)
            or_(Finding.rectification_status.in_(OPEN_STATES),
                and_(Finding.rectification_status == RectificationStatus.SUBMITTED.value,
                     late_submission_waiting())),
            Finding.due_on.is_not(None),
            Finding.due_on <= today + timedelta(days=LOOKAHEAD_DAYS),
            Case.status.not_in((CaseStatus.CLOSED.value, CaseStatus.DISMISSED.value)),
        )
        .options(joinedload(Finding.case).joinedload(Case.lead_inspector), joinedload(Finding.notice))
        .order_by(Finding.id)
    ).unique())


def _already_sent(findings: list[Finding]) -> set[tuple[int, str, date]]:
    ids = [f.id for f in findings]
    if not ids:
        return set()
    rows = db.session.execute(
        select(ReminderSent.finding_id, ReminderSent.kind, ReminderSent.due_on)
        .where(ReminderSent.finding_id.in_(ids))
    )
    return {(r.finding_id, r.kind, r.due_on) for r in rows}


def _users_by_unit(unit_ids: set[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = defaultdict(list)
    if unit_ids:
        for user in db.session.scalars(
            select(User).where(User.unit_id.in_(unit_ids), User.is_enabled.is_(True)).order_by(User.id)
        ):
            users[user.unit_id].append(user)
    return users


def _due_kinds(finding: Finding, today: date, left_cache: dict[tuple[int, date], int]) -> list[tuple[str, int]]:
    """The kinds due today for this finding, with the working days left (on its office's calendar)."""
    if finding.due_on < today:
        return [(MISSED, 0), (OVERDUE_LEAD, 0)]
    key = (finding.case.office_id, finding.due_on)
    if key not in left_cache:
        left_cache[key] = working_days_between(today, finding.due_on, office_id=finding.case.office_id)
    left = left_cache[key]
    return [(THRESHOLDS[left], left)] if left in THRESHOLDS else []


def send_reminders(today: date | None = None, *, on_batch: Callable[[], None] | None = None,
                   batch: int = BATCH) -> ReminderResult:
    """Queue today's reminders (no commit: ``on_batch`` — the CLI passes a commit — runs every ``batch`` findings
    that sent something, and once at the end)."""
    today = today or beijing_today()
    result = ReminderResult()
    findings = _candidates(today)
    sent = _already_sent(findings)
    users = _users_by_unit({f.responsible_unit_id for f in findings})
    left_cache: dict[tuple[int, date], int] = {}
    pending = 0
    for finding in findings:
        due = [(kind, left) for kind, left in _due_kinds(finding, today, left_cache)
               if (finding.id, kind, finding.due_on) not in sent]
        if not due:
            continue
        label = f"问题{finding.seq}（{finding.notice.number}）"
        for kind, left in due:
            if kind == OVERDUE_LEAD:
                lead = finding.case.lead_inspector
                if lead is not None and lead.is_enabled:
                    tell([lead], None, "finding_overdue",
                         f"整改逾期：{finding.case.number} {label}已逾期，期限 {_date(finding.due_on)}",
                         _link("inspection.show_finding", finding_id=finding.id))
                    result.lead += 1
            else:
                recipients = users.get(finding.responsible_unit_id, [])
                if kind == MISSED:
                    subject = f"整改期限已过：{label}已逾期，期限 {_date(finding.due_on)}"
                else:
                    subject = f"整改期限提醒：{label}还剩 {left} 个工作日，期限 {_date(finding.due_on)}"
                tell(recipients, None, "rectification_reminder", subject,
                     _link("inspection.show_finding", finding_id=finding.id))
                result.unit += len(recipients)
            db.session.add(ReminderSent(finding_id=finding.id, kind=kind, due_on=finding.due_on))
        db.session.flush()
        pending += 1
        if on_batch is not None and pending >= batch:
            on_batch()
            pending = 0
    if on_batch is not None and pending:
        on_batch()
    return result
