"""What the finding page (问题整改页) shows and offers, and the review queue (待审核的整改报告).

The finding page serves staff who read the case and users of the responsible unit (the finding must have
been sent to it): the finding, its deadline and working days left, every submitted round with its
evidence and review, the unit's draft editor, the staff review form, the extension panel. The rules come
from the services' ``check_*`` functions; the template only reads the flags computed here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case as sql_case, select
from sqlalchemy.orm import joinedload, selectinload

from portal.errors import NotFound
from portal.extensions import db
from portal.files import ALL_KINDS, accept_attribute, allowed_message, human_size
from portal.registry.queries import paginate
from portal.timeutil import beijing_today

from inspection import finding_lists, permissions, rectification
from inspection.models import Case, Finding, RectificationStatus, RectificationSubmission, SubmissionStatus as S
from inspection.services import evidence, submissions
from inspection.services.findings import allowed

PER_PAGE = 20


@dataclass
class FindingPage:
    finding: Finding
    is_staff: bool
    rounds: list  # submitted rounds, newest first
    draft: RectificationSubmission | None  # the unit's draft (saved or new); None when it may not write
    waiting: RectificationSubmission | None
    may_review: bool
    overdue: bool
    days_left: int | None
    today: date
    max_file: str
    max_total: str
    accept: str
    allowed: str

    @property
    def is_accepted(self) -> bool:
        return self.finding.rectification_status == RectificationStatus.ACCEPTED.value

    @staticmethod
    def size_text(size: int) -> str:
        return human_size(size)


def load_finding(user, finding_id: int) -> Finding:
    """The finding in ``user``'s scope with what the page reads, in a few queries (404 outside scope)."""
    finding = db.session.execute(permissions.findings_query(user).where(Finding.id == finding_id).options(
        joinedload(Finding.case).joinedload(Case.office), joinedload(Finding.responsible_unit),
        joinedload(Finding.notice), joinedload(Finding.accepted_by),
        selectinload(Finding.submissions).selectinload(RectificationSubmission.evidence),
        selectinload(Finding.submissions).joinedload(RectificationSubmission.reviewed_by),
        selectinload(Finding.submissions).joinedload(RectificationSubmission.submitted_by),
    )).unique().scalar_one_or_none()
    if finding is None:
        raise NotFound()
    return finding


def build(user, finding: Finding) -> FindingPage:
    staff = permissions.is_staff(user)
    rounds = finding_lists.rounds(finding)  # submitted rounds; the draft is shown apart (unit only)
    draft = submissions.draft_for(user, finding) if allowed(submissions.check_draft, user, finding) else None
    waiting = rectification.waiting_submission(finding)
    today = beijing_today()
    return FindingPage(
        finding=finding, is_staff=staff, rounds=list(reversed(rounds)), draft=draft, waiting=waiting,
        may_review=waiting is not None and staff and allowed(submissions.check_review, user, waiting),
        overdue=rectification.is_overdue(finding, today),
        days_left=finding_lists.working_days_left([finding], today)[finding.id],
        today=today,
        max_file=human_size(evidence.max_file_bytes()), max_total=human_size(evidence.max_submission_bytes()),
        accept=accept_attribute(ALL_KINDS), allowed=allowed_message(ALL_KINDS),
    )


def certificate_finding(user, finding_id: int) -> tuple[Finding, RectificationSubmission | None]:
    """An accepted finding in ``user``'s scope and the report accepted with it (None when it was accepted
    without one); ``NotFound`` when there is no certificate."""
    finding = load_finding(user, finding_id)
    if finding.rectification_status != RectificationStatus.ACCEPTED.value:
        raise NotFound("该问题尚未验收销号，还没有整改验收确认书。")
    accepted = next((s for s in finding.submissions if s.status == S.ACCEPTED.value), None)
    return finding, accepted


# ---------------------------------------------------------------- the review queue

def review_queue_query(user):
    """Submissions waiting for review on the cases ``user`` may change: late ones first, then oldest first."""
    writable = permissions.cases_query(user, for_write=True).with_only_columns(Case.id)
    late_first = sql_case((RectificationSubmission.submitted_on > RectificationSubmission.due_on, 0), else_=1)
    return (
        select(RectificationSubmission)
        .join(Finding, Finding.id == RectificationSubmission.finding_id)
        .where(RectificationSubmission.status == S.SUBMITTED.value, Finding.case_id.in_(writable))
        .options(joinedload(RectificationSubmission.finding).joinedload(Finding.case),
                 joinedload(RectificationSubmission.finding).joinedload(Finding.responsible_unit),
                 selectinload(RectificationSubmission.evidence))
        .order_by(late_first, RectificationSubmission.submitted_at, RectificationSubmission.id)
    )


def review_queue(user, page, per_page=None):
    return paginate(review_queue_query(user), page, per_page, default_per_page=PER_PAGE)
