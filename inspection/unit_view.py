"""What a unit user sees of a case (the unit view): only what was sent to its own unit.

The case page calls :func:`case_for_unit` instead of the staff view for a ``unit`` user: the case
number, a title naming only the unit (the office's own title may name the source or a reporter), a status worded for the unit, the notices delivered to the unit and the unit's own
delivered findings with their deadlines and rectification state. Description, internal notes, the
timeline, the team and other units' findings are never loaded here, so no template can show them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from portal.enums import N_
from portal.extensions import db

from inspection import permissions, rectification
from inspection.models import Case, CaseStatus, Finding, NoticeDelivery, RectificationNotice


@dataclass(frozen=True)
class UnitCaseView:
    case_id: int
    number: str
    title: str
    status_label: str
    deliveries: list
    findings: list
    overdue_ids: frozenset[int]


def unit_status_label(case: Case, findings: list[Finding]) -> str:
    """The case's state as the unit should read it (it never learns about internal verification)."""
    if case.status == CaseStatus.CLOSED.value:
        return N_("已销号办结")
    if findings and all(f.is_settled for f in findings):
        return N_("本单位问题已整改销号")
    return N_("整改中")


def unit_title(user) -> str:
    """What the unit reads as the case's title: its notices' subject, never the office's working title."""
    return f"关于{user.unit.name}机构编制问题的整改事项"


def case_for_unit(user, case: Case) -> UnitCaseView:
    """The unit view of ``case`` for ``user`` (a unit user who reads the case)."""
    deliveries = list(db.session.scalars(
        permissions.deliveries_query(user)
        .where(RectificationNotice.case_id == case.id)
        .options(joinedload(NoticeDelivery.notice))
        .order_by(RectificationNotice.issued_at, NoticeDelivery.id)
    ).unique())
    findings = list(db.session.scalars(
        permissions.findings_query(user)
        .where(Finding.case_id == case.id)
        .options(joinedload(Finding.notice))
        .order_by(Finding.seq)
    ).unique())
    return UnitCaseView(
        case_id=case.id, number=case.number, title=unit_title(user), status_label=unit_status_label(case, findings),
        deliveries=deliveries, findings=findings,
        overdue_ids=frozenset(f.id for f in findings if rectification.is_overdue(f)),
    )
