"""The publication lifecycle as data: which transition leads from which state to which, and who
may make it. ``apply`` is the one function that changes a publication's state and audits it.

``None`` as a source is a publication being created; ``SYSTEM`` as the permission means only the
application itself (the classification cascade, an approval superseding the previous version)
makes that move, never a user directly.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.accounts import permissions
from portal.audit import services as audit
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.timeutil import utcnow

from disclosure import indexing
from disclosure.models import Publication, PublicationStatus as S

SYSTEM = "system"
PUBLISH = "disclosure.publish"
APPROVE = "disclosure.approve"


@dataclass(frozen=True)
class Transition:
    name: str
    source: S | None
    target: S
    allowed: frozenset[str]  # any one of these permissions (or SYSTEM)
    label: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition("propose", None, S.PROPOSED, frozenset({PUBLISH}), "提交公开"),
    Transition("approve", S.PROPOSED, S.PUBLISHED, frozenset({APPROVE}), "审核通过并公开"),
    Transition("reject", S.PROPOSED, S.REJECTED, frozenset({APPROVE}), "审核不通过"),
    Transition("withdraw", S.PROPOSED, S.WITHDRAWN, frozenset({PUBLISH, APPROVE, SYSTEM}), "撤回公开申请"),
    Transition("withdraw", S.PUBLISHED, S.WITHDRAWN, frozenset({PUBLISH, APPROVE, SYSTEM}), "撤回已公开信息"),
    Transition("supersede", S.PUBLISHED, S.SUPERSEDED, frozenset({SYSTEM}), "被新版本替代"),
    # the cascade re-publishes without what has just become classified, with no person in between
    Transition("republish", None, S.PUBLISHED, frozenset({SYSTEM}), "涉密调整后自动重新公开"),
)


def find(name: str, source: S | None) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.name == name and transition.source == source:
            return transition
    return None


def may(actor, transition: Transition, *, system: bool = False) -> bool:
    """``system``: the application itself; ``actor`` None without ``system``: the command line,
    an administrator's operation, which may make every user transition."""
    if system:
        return SYSTEM in transition.allowed
    if actor is None:
        return bool(transition.allowed - {SYSTEM})
    return any(permissions.has_permission(actor, p) for p in transition.allowed if p != SYSTEM)


def _who(actor, actor_name: str | None) -> tuple[int | None, str]:
    if actor is not None:
        return actor.id, actor.username
    return None, actor_name or audit.SYSTEM_ACTOR


def check(actor, publication: Publication, name: str, *, system: bool = False) -> Transition:
    """The transition ``name`` from the publication's state, if ``actor`` may make it (raises otherwise)."""
    source = S(publication.status) if publication.status else None
    transition = find(name, source)
    if transition is None:
        state = source.raw_label if source else "新建"
        raise InvalidInput({"_": f"当前状态（{state}）下不能执行此操作。"})
    if not may(actor, transition, system=system):
        raise PermissionDenied()
    return transition


def apply(actor, publication: Publication, name: str, *, actor_name: str | None = None, system: bool = False,
          opinion: str | None = None, reason: str | None = None, details: dict | None = None) -> Publication:
    """Move ``publication`` (a new, unsaved one for ``propose``/``republish``) along transition ``name``."""
    transition = check(actor, publication, name, system=system)
    source = transition.source
    who_id, who_name = _who(actor, actor_name)
    now = utcnow()
    if source is None:
        publication.proposed_by_id, publication.proposed_by_name, publication.proposed_at = who_id, who_name, now
        db.session.add(publication)
    if transition.target in (S.PUBLISHED, S.REJECTED) and name != "supersede":
        publication.reviewed_by_id, publication.reviewed_by_name, publication.reviewed_at = who_id, who_name, now
        publication.review_opinion = opinion
    if transition.target == S.WITHDRAWN:
        publication.withdrawn_by_id, publication.withdrawn_by_name, publication.withdrawn_at = who_id, who_name, now
        publication.withdraw_reason = reason
    publication.status = transition.target.value
    db.session.flush()
    indexing.mark_for_reindex(publication, source, transition.target)  # search follows after the commit
    audit.record(
        f"publication.{name}", "publication", publication.id,
        changes={"status": [source.value if source else None, transition.target.value]},
        details={"unit_id": publication.unit_id, "code": publication.snapshot.get("code"),
                 "version": publication.version, **({"opinion": opinion} if opinion else {}),
                 **({"reason": reason} if reason else {}), **(details or {})},
        actor=actor, actor_name=None if actor is not None else who_name,
    )
    return publication
