"""Helpers of the ledger, follow-up and finding-list tests: submission rounds and extension requests made
directly with the models (the services that make them are tested on their own), and overdue deadlines."""
from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.timeutil import beijing_today, utcnow

from inspection.models import ExtensionRequest, RectificationSubmission


def make_overdue(finding, days: int = 3):
    """Move the deadline ``days`` calendar days into the past."""
    finding.due_on = beijing_today() - timedelta(days=days)
    db.session.commit()
    return finding


def add_round(finding, unit_user, *, status: str = "submitted", submitted_on: date | None = None,
              due_on: date | None = None, reviewer=None, comment: str | None = None,
              returned_due_on: date | None = None) -> RectificationSubmission:
    """One round of the finding's report; the finding's state follows it (submitted/returned/accepted)."""
    submitted_on = submitted_on or beijing_today()
    submission = RectificationSubmission(
        finding_id=finding.id, round=len(finding.submissions) + 1, status=status,
        measures="已清退超编人员。", result="整改到位。", created_by_id=unit_user.id,
    )
    if status != "draft":
        submission.submitted_by_id = unit_user.id
        submission.submitted_at = utcnow()
        submission.submitted_on = submitted_on
        submission.due_on = due_on or finding.due_on
    if status in ("accepted", "returned"):
        submission.reviewed_by_id = reviewer.id
        submission.reviewed_at = utcnow()
        submission.review_comment = comment
    if status == "returned":
        submission.returned_due_on = returned_due_on or (beijing_today() + timedelta(days=14))
        finding.due_on = submission.returned_due_on
    db.session.add(submission)
    if status in ("submitted", "returned"):
        finding.rectification_status = status
    elif status == "accepted":
        finding.rectification_status = "accepted"
        finding.accepted_at = utcnow()
        finding.accepted_by_id = reviewer.id
        finding.acceptance_comment = comment
    db.session.commit()
    db.session.refresh(finding)
    return submission


def add_extension(finding, unit_user, *, status: str = "pending", decider=None, days: int = 10,
                  comment: str | None = None) -> ExtensionRequest:
    request = ExtensionRequest(
        finding_id=finding.id, status=status, current_due_on=finding.due_on,
        requested_due_on=finding.due_on + timedelta(days=days), reason="涉及人员分流，需要更多时间。",
        requested_by_id=unit_user.id,
    )
    if status != "pending":
        request.decided_by_id = decider.id
        request.decided_at = utcnow()
        request.decision_comment = comment or ("同意。" if status == "approved" else "理由不充分。")
    if status == "approved":
        request.granted_due_on = request.requested_due_on
        finding.due_on = request.granted_due_on
    db.session.add(request)
    db.session.commit()
    db.session.refresh(finding)
    return request
