"""The case timeline (办理过程) and the audit trail, written together; notifications to the people
concerned (links only: the subject never carries a finding's text)."""
from __future__ import annotations

from flask import has_request_context, url_for
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit import services as audit
from portal.extensions import db
from portal.notify.services import notify

from inspection.models import Case, CaseEvent, Finding


def actor_name(actor) -> str:
    return actor.username if actor is not None else (audit._acting_as.get() or audit.SYSTEM_ACTOR)


def record(case: Case, kind: str, summary: str, *, actor, finding: Finding | None = None,
           details: dict | None = None, changes: dict | None = None,
           audit_type: str = "case", audit_id=None) -> CaseEvent:
    """One timeline line plus its audit event (``case.<kind>`` on the case, or on ``audit_type``)."""
    event = CaseEvent(
        case_id=case.id, finding_id=finding.id if finding is not None else None, kind=kind,
        summary=summary[:500], details=details or {}, actor_id=actor.id if actor is not None else None,
        actor_name=actor_name(actor),
    )
    db.session.add(event)
    audit.record(
        f"{audit_type}.{kind.removeprefix(audit_type + '_')}", audit_type, audit_id if audit_id is not None else (finding.id if finding else case.id),
        changes=changes,
        details={"case_id": case.id, "number": case.number, **({"finding_seq": finding.seq} if finding else {}),
                 **(details or {})},
        actor=actor, actor_name=None if actor is not None else actor_name(actor),
    )
    return event


def case_link(case: Case) -> str | None:
    return url_for("inspection.show_case", case_id=case.id) if has_request_context() else None


def finding_link(finding) -> str | None:
    return url_for("inspection.show_finding", finding_id=finding.id) if has_request_context() else None


def case_people(case: Case) -> list[User]:
    """The lead inspector and the team."""
    people = {m.user_id: m.user for m in case.members}
    if case.lead_inspector is not None:
        people[case.lead_inspector.id] = case.lead_inspector
    return list(people.values())


def unit_users(unit_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.unit_id == unit_id, User.is_enabled.is_(True)).order_by(User.id)
    ))


def tell(users, actor, kind: str, subject: str, link: str | None) -> None:
    """Notify each of ``users`` except the actor."""
    seen = set()
    for user in users:
        if user is None or user.id in seen or (actor is not None and user.id == actor.id):
            continue
        seen.add(user.id)
        notify(user, kind, subject, link)
