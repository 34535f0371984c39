"""Who sees and changes which case, finding and notice — as queries, so nothing outside a caller's
scope is ever loaded (the web and API answer 404 for it and existence is not revealed).

- staff (admin, inspector) read the cases of their office and, read-only, of its subordinate offices;
  they change only their own office's cases, and need ``cases.manage`` to do so;
- a ``unit`` user reads only the findings whose responsible unit is its own unit and that were sent
  to it on a rectification notice, and the notices and cases those belong to — in the unit view, which
  never carries internal notes, the timeline, other units' findings or cases still being verified;
- a ``discipline`` user reads the cases referred to its body (referrals come later: none yet).
"""
from __future__ import annotations

from sqlalchemy import Select, false, select, true

from portal.accounts.models import Role, User
from portal.accounts.permissions import STAFF_ROLES, has_permission, office_subtree_ids
from portal.errors import NotFound, PermissionDenied
from portal.extensions import db

from inspection.models import Case, Finding, NoticeDelivery, RectificationNotice, RectificationSubmission, SubmissionStatus

MANAGE = "cases.manage"
APPROVE = "cases.approve"


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES and user.office_id is not None


def is_unit_user(user: User) -> bool:
    return user.role == Role.UNIT.value and user.unit_id is not None


def delivered_case_ids(unit_id: int) -> Select:
    return (
        select(RectificationNotice.case_id)
        .join(NoticeDelivery, NoticeDelivery.notice_id == RectificationNotice.id)
        .where(NoticeDelivery.unit_id == unit_id)
    )


def cases_query(user: User, *, for_write: bool = False, office_ids: Select | None = None) -> Select:
    """Cases in the user's scope; ``for_write``: those the user may change."""
    query = select(Case)
    if is_staff(user):
        if for_write:
            if not has_permission(user, MANAGE):
                return query.where(false())
            return query.where(Case.office_id == user.office_id)
        return query.where(Case.office_id.in_(office_ids if office_ids is not None else office_subtree_ids(user.office)))
    if is_unit_user(user) and not for_write:
        return query.where(Case.id.in_(delivered_case_ids(user.unit_id)))
    return query.where(false())


def findings_query(user: User) -> Select:
    """Findings the user may read."""
    query = select(Finding)
    if is_staff(user):
        return query.where(Finding.case_id.in_(cases_query(user).with_only_columns(Case.id)))
    if is_unit_user(user):
        return query.where(Finding.responsible_unit_id == user.unit_id, Finding.notice_id.is_not(None))
    return query.where(false())


def submissions_clause(user: User):
    """SQL, beside ``findings_query``: which rectification reports of a readable finding ``user`` sees —
    every submitted round, and the draft only for the unit's own users (a draft is the unit's unfinished
    work: staff never see it, nor its files)."""
    return true() if is_unit_user(user) else RectificationSubmission.status != SubmissionStatus.DRAFT.value


def deliveries_query(user: User) -> Select:
    """Notice deliveries the user may read: a unit its own; staff those of the cases they read."""
    query = select(NoticeDelivery).join(RectificationNotice, RectificationNotice.id == NoticeDelivery.notice_id)
    if is_staff(user):
        return query.where(RectificationNotice.case_id.in_(cases_query(user).with_only_columns(Case.id)))
    if is_unit_user(user):
        return query.where(NoticeDelivery.unit_id == user.unit_id)
    return query.where(false())


def get_case_or_404(user: User, case_id: int, *, for_write: bool = False) -> Case:
    """The case if the user reads it (404 otherwise); for writing, 403 when readable but not writable."""
    case = db.session.execute(cases_query(user).where(Case.id == case_id)).scalar_one_or_none()
    if case is None:
        raise NotFound()
    if for_write and not may_write(user, case):
        if is_staff(user) and case.office_id != user.office_id:
            raise PermissionDenied("该督查事项由下级编办办理，您只能查看。")
        raise PermissionDenied()
    return case


def get_finding_or_404(user: User, finding_id: int, *, for_write: bool = False) -> Finding:
    finding = db.session.execute(findings_query(user).where(Finding.id == finding_id)).scalar_one_or_none()
    if finding is None:
        raise NotFound()
    if for_write and not may_write(user, finding.case):
        raise PermissionDenied()
    return finding


def is_responsible_unit_user(user: User | None, finding: Finding) -> bool:
    """Is ``user`` a user of the unit responsible for ``finding`` (who reports on it and asks for time)?"""
    return user is not None and is_unit_user(user) and user.unit_id == finding.responsible_unit_id


def may_open_cases(user: User | None) -> bool:
    """May ``user`` register cases (for its own office)? Staff holding cases.manage."""
    return user is not None and is_staff(user) and has_permission(user, MANAGE)


def may_write(user: User | None, case: Case) -> bool:
    """May ``user`` change ``case``? (``None``, the command line, always may.)"""
    if user is None:
        return True
    return may_open_cases(user) and case.office_id == user.office_id


def may_approve(user: User | None, case: Case) -> bool:
    if user is None:
        return True
    return may_write(user, case) and has_permission(user, APPROVE)


def may_supervise(user: User | None, case: Case) -> bool:
    """May ``user`` issue a 督办 on ``case``: staff of a strictly superior office holding cases.manage."""
    if user is None or not is_staff(user) or not has_permission(user, MANAGE):
        return False
    office = case.office
    return office.id != user.office_id and office.path.startswith(user.office.path)
