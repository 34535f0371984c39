"""Read-side queries for rectification notices, their deliveries (签收) and the unit's workspace.

Every query starts from the role-scoped queries of :mod:`inspection.permissions`, so nothing outside the
caller's scope is loaded; whatever is not found answers 404 (existence is not revealed). The pages show
what these return and nothing else: a unit's view never carries another unit's findings, internal notes
or the timeline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case as sql_case, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.accounts.permissions import office_subtree_ids
from portal.errors import NotFound
from portal.extensions import db
from portal.timeutil import beijing_today, to_beijing

from inspection import permissions
from inspection.services import notices as notice_services
from inspection.models import Case, Finding, NoticeDelivery, NoticeKind, RectificationNotice



# ---------------------------------------------------------------- issuing: what the notice will hold

def writable_case_or_404(user, case_id: int) -> Case:
    """The case to issue a notice on: 404 outside the user's scope and for anyone but staff (a unit
    user reads its delivered cases but never reaches the issuing page); 403 for a read-only viewer."""
    if not permissions.is_staff(user):
        raise NotFound()
    return permissions.get_case_or_404(user, case_id, for_write=True)


# the issuing page shows the plan the service itself issues from
issue_preview = notice_services.plan


# ---------------------------------------------------------------- one notice, one delivery

def notice_or_404(user, notice_id: int) -> RectificationNotice:
    """A notice of a case the staff user reads, with its findings and deliveries loaded."""
    if not permissions.is_staff(user):
        raise NotFound()
    case_ids = permissions.cases_query(user).with_only_columns(Case.id)
    notice = db.session.execute(
        select(RectificationNotice)
        .where(RectificationNotice.id == notice_id, RectificationNotice.case_id.in_(case_ids))
        .options(
            joinedload(RectificationNotice.case), joinedload(RectificationNotice.office),
            selectinload(RectificationNotice.findings).joinedload(Finding.responsible_unit),
            selectinload(RectificationNotice.deliveries).joinedload(NoticeDelivery.unit),
        )
    ).unique().scalar_one_or_none()
    if notice is None:
        raise NotFound()
    return notice


def own_delivery_id(user, notice_id: int) -> int | None:
    """The delivery of ``notice_id`` to a unit user's own unit, if there is one."""
    if not permissions.is_unit_user(user):
        return None
    return db.session.scalar(
        select(NoticeDelivery.id).where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.unit_id == user.unit_id)
    )


def delivery_or_404(user, delivery_id: int) -> NoticeDelivery:
    """A delivery the user reads: its unit's users, or staff who read the case; 404 for anyone else."""
    delivery = db.session.execute(
        permissions.deliveries_query(user).where(NoticeDelivery.id == delivery_id)
        .options(
            contains_eager(NoticeDelivery.notice).joinedload(RectificationNotice.case),
            contains_eager(NoticeDelivery.notice).joinedload(RectificationNotice.office),
            joinedload(NoticeDelivery.unit),
        )
    ).unique().scalar_one_or_none()
    if delivery is None:
        raise NotFound()
    return delivery


def delivery_findings(delivery: NoticeDelivery) -> list[Finding]:
    """Only the receiving unit's findings of the notice."""
    return list(db.session.scalars(
        select(Finding)
        .where(Finding.notice_id == delivery.notice_id, Finding.responsible_unit_id == delivery.unit_id)
        .order_by(Finding.seq)
    ))


def may_sign(user, delivery: NoticeDelivery) -> bool:
    """Shows the 签收 button; ``services.notices.sign`` decides again."""
    return permissions.is_unit_user(user) and user.unit_id == delivery.unit_id and not delivery.is_signed


# ---------------------------------------------------------------- the unit's workspace

def unit_deliveries_query(user) -> Select:
    """The unit's deliveries, unsigned first, newest notice first."""
    return (
        permissions.deliveries_query(user)
        .options(contains_eager(NoticeDelivery.notice))
        .order_by(sql_case((NoticeDelivery.signed_at.is_(None), 0), else_=1),
                  RectificationNotice.issued_at.desc(), NoticeDelivery.id.desc())
    )


# ---------------------------------------------------------------- unsigned deliveries (staff)

def unsigned_query(user, *, include_subordinates: bool = False) -> Select:
    """Deliveries not yet signed, of cases of the staff user's office (and below, on request), oldest first."""
    if not permissions.is_staff(user):
        raise NotFound()
    offices = office_subtree_ids(user.office) if include_subordinates else select(user.office_id)
    return (
        select(NoticeDelivery)
        .join(NoticeDelivery.notice).join(RectificationNotice.case)
        .where(NoticeDelivery.signed_at.is_(None), Case.office_id.in_(offices),
               Case.id.in_(permissions.cases_query(user).with_only_columns(Case.id)))
        .options(contains_eager(NoticeDelivery.notice).contains_eager(RectificationNotice.case),
                 joinedload(NoticeDelivery.unit))
        .order_by(RectificationNotice.issued_at, NoticeDelivery.id)
    )


def days_since(moment, today: date | None = None) -> int:
    """Calendar days from a stored time's Beijing date to today (Beijing)."""
    return ((today or beijing_today()) - to_beijing(moment).date()).days


# ---------------------------------------------------------------- the case page's panel

@dataclass
class CasePanel:
    visible: bool = False  # staff who read the case, or a unit user with notices on it
    notices: list[RectificationNotice] = field(default_factory=list)
    pending_count: int = 0  # findings needing rectification that no notice lists yet
    may_issue: bool = False
    next_kind: NoticeKind = NoticeKind.INITIAL
    unit_view: bool = False  # a unit user: only its own deliveries
    own_deliveries: dict[int, NoticeDelivery] = field(default_factory=dict)


def case_panel(user, case: Case) -> CasePanel:
    """The notices of ``case`` with their deliveries (two queries); whether the user may issue one now.
    A unit user gets only the notices delivered to its unit."""
    query = (select(RectificationNotice).where(RectificationNotice.case_id == case.id)
             .options(selectinload(RectificationNotice.deliveries).joinedload(NoticeDelivery.unit))
             .order_by(RectificationNotice.issued_at, RectificationNotice.id))
    unit_view = permissions.is_unit_user(user)
    if unit_view:
        query = query.where(RectificationNotice.id.in_(
            select(NoticeDelivery.notice_id).where(NoticeDelivery.unit_id == user.unit_id)))
    elif not permissions.is_staff(user):
        return CasePanel()
    notices = list(db.session.scalars(query))
    panel = CasePanel(visible=not unit_view or bool(notices), notices=notices, unit_view=unit_view,
                      next_kind=NoticeKind.SUPPLEMENTARY if notices else NoticeKind.INITIAL)
    if unit_view:
        panel.own_deliveries = {d.notice_id: d for n in notices for d in n.deliveries if d.unit_id == user.unit_id}
        return panel
    # case.findings is usually loaded already by the case page: counting it costs no query
    panel.pending_count = len(notice_services.unnoticed(case))
    panel.may_issue = (panel.pending_count > 0 and case.status in notice_services.ISSUABLE_STATES
                       and permissions.may_write(user, case))
    return panel
