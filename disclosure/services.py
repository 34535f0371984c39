"""Publication actions: propose, approve (保密审查), reject, withdraw, and what the public reads.

``actor`` is the signed-in user, or ``None`` for an administrator's command-line operation
(``actor_name`` names it in the audit trail). Units outside the actor's write scope are NotFound.
Every action validates first, changes state through ``lifecycle.apply`` (which audits) and
flushes; the caller commits once.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from portal.accounts import permissions
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.registry import creditcode
from portal.registry.models import Unit, UnitStatus

from disclosure import lifecycle
from disclosure.models import Publication, PublicationStatus as S
from disclosure.snapshot import build_snapshot, leaks, redact, same_snapshot, unpublishable_reason

MAX_TEXT = 2000


# ---------------------------------------------------------------- reading

def _scoped(actor, unit: Unit) -> Unit:
    if actor is not None and db.session.execute(
        permissions.units_query(actor, for_write=True).where(Unit.id == unit.id).with_only_columns(Unit.id)
    ).first() is None:
        raise NotFound()
    return unit


def _status_query(unit_id: int, *statuses: S):
    return select(Publication).where(Publication.unit_id == unit_id, Publication.status.in_([s.value for s in statuses]))


def open_proposal(unit: Unit) -> Publication | None:
    return db.session.execute(_status_query(unit.id, S.PROPOSED)).scalars().first()


def current_publication(unit: Unit) -> Publication | None:
    """The unit's published version, whatever the unit's state now (internal side)."""
    return db.session.execute(_status_query(unit.id, S.PUBLISHED)).scalars().first()


def latest_published(unit_or_code: Unit | str) -> Publication | None:
    """What the public sees: the published version of an active, non-classified unit, else None."""
    query = (
        select(Publication)
        .join(Unit, Unit.id == Publication.unit_id)
        .where(Publication.status == S.PUBLISHED.value, Unit.is_classified.is_(False),
               Unit.status == UnitStatus.ACTIVE.value)
    )
    if isinstance(unit_or_code, Unit):
        query = query.where(Unit.id == unit_or_code.id)
    else:
        query = query.where(Unit.code == str(unit_or_code).strip().upper())
    return db.session.execute(query).scalars().first()


@dataclass(frozen=True)
class PublicVersion:
    """An earlier published version as the public may see it now."""

    version: int
    published_at: datetime | None
    snapshot: dict


def history(unit: Unit) -> list[PublicVersion]:
    """Earlier published versions (the public record's 沿革), newest first. Each is shown through
    ``redact``: what the unit hides now stays hidden in old versions too (a field classified later,
    a parent classified since; former names when other names are classified)."""
    if latest_published(unit) is None:
        return []
    rows = db.session.execute(_status_query(unit.id, S.SUPERSEDED).order_by(Publication.version.desc())).scalars()
    hide_names = "other_names" in (unit.classified_fields or [])
    return [
        PublicVersion(p.version, p.published_at, redact(p.snapshot, unit))
        for p in rows
        if not (hide_names and p.snapshot.get("name") != unit.name)
    ]


def get_publication_or_404(actor, publication_id: int) -> Publication:
    publication = db.session.get(Publication, publication_id)
    if publication is None:
        raise NotFound()
    _scoped(actor, publication.unit)
    return publication


def _next_version(unit: Unit) -> int:
    return (db.session.scalar(select(func.max(Publication.version)).where(Publication.unit_id == unit.id)) or 0) + 1


def snapshot_changed(unit: Unit) -> bool:
    """Does the register now say something the public version does not (or is nothing published)?"""
    current = current_publication(unit)
    return current is None or not same_snapshot(current.snapshot, build_snapshot(unit))


def _text(value, field: str, label: str, *, required: bool) -> str | None:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput({field: f"请填写{label}。"})
    if len(text) > MAX_TEXT:
        raise InvalidInput({field: f"{label}过长（不超过 {MAX_TEXT} 字）。"})
    return text or None


# ---------------------------------------------------------------- actions

def _check_proposable(unit: Unit) -> str | None:
    reason = unpublishable_reason(unit)
    if reason:
        return reason
    if open_proposal(unit) is not None:
        return f"“{unit.name}”已有待审核的公开申请，请等待审核或先撤回。"
    if not snapshot_changed(unit):
        return f"“{unit.name}”的公开信息与已公开版本相同，无需重新提交。"
    return None


def propose(actor, units: Unit | Iterable[Unit], *, actor_name: str | None = None) -> list[Publication]:
    """提交公开: freeze a snapshot of each unit as a new version awaiting review. All or nothing."""
    units = [units] if isinstance(units, Unit) else list(units)
    if actor is not None and not permissions.has_permission(actor, lifecycle.PUBLISH):
        raise PermissionDenied("您没有提交信息公开的权限。")
    if not units:
        raise InvalidInput({"units": "请选择要公开的单位。"})
    for unit in units:
        _scoped(actor, unit)
    # two people proposing the same unit at once queue here (PostgreSQL row lock; SQLite has one
    # writer at a time), so the second sees the first's open proposal instead of reusing its version
    db.session.execute(
        select(Unit.id).where(Unit.id.in_(sorted(u.id for u in units))).order_by(Unit.id).with_for_update()
    ).all()
    errors = {}
    for unit in units:
        reason = _check_proposable(unit)
        if reason:
            errors[unit.code] = reason
    if errors:
        raise InvalidInput(errors)
    created = []
    for unit in units:
        publication = Publication(unit=unit, unit_id=unit.id, version=_next_version(unit), snapshot=build_snapshot(unit))
        created.append(lifecycle.apply(actor, publication, "propose", actor_name=actor_name))
    return created


def changed_units(actor) -> list[Unit]:
    """Active, non-classified units in ``actor``'s write scope (every unit for the command line)
    whose snapshot differs from the published one and that have no open proposal."""
    query = select(Unit) if actor is None else permissions.units_query(actor, for_write=True)
    query = query.where(Unit.status == UnitStatus.ACTIVE.value, Unit.is_classified.is_(False)).order_by(Unit.code)
    return [u for u in db.session.execute(query).scalars() if open_proposal(u) is None and snapshot_changed(u)]


def propose_changed(actor, *, actor_name: str | None = None) -> list[Publication]:
    units = changed_units(actor)
    return propose(actor, units, actor_name=actor_name) if units else []


def _supersede_current(unit: Unit, successor: Publication) -> None:
    """Called just before ``successor`` goes public (one published version per unit)."""
    current = current_publication(unit)
    if current is not None and current.id != successor.id:
        lifecycle.apply(None, current, "supersede", system=True, details={"superseded_by": successor.version})


def approve(actor, publication: Publication, opinion: str, *, actor_name: str | None = None) -> Publication:
    """审核通过: after the secrecy review (opinion required) the version goes public, replacing the last."""
    _scoped(actor, publication.unit)
    opinion = _text(opinion, "opinion", "保密审查意见", required=True)
    if actor is not None and current_app.config["DISCLOSURE_TWO_PERSON_RULE"] \
            and publication.proposed_by_id == actor.id:
        raise PermissionDenied("保密审查须由提交人以外的人员进行（双人审核）。")
    if publication.status == S.PROPOSED.value and leaks(publication.unit, publication.snapshot):
        raise InvalidInput({"_": "提交后该单位的涉密设置已变化，此申请不能通过，请驳回后重新提交。"})
    lifecycle.check(actor, publication, "approve")
    _supersede_current(publication.unit, publication)
    return lifecycle.apply(actor, publication, "approve", actor_name=actor_name, opinion=opinion)


def reject(actor, publication: Publication, opinion: str, *, actor_name: str | None = None) -> Publication:
    _scoped(actor, publication.unit)
    opinion = _text(opinion, "opinion", "审核意见（不通过的理由）", required=True)
    return lifecycle.apply(actor, publication, "reject", actor_name=actor_name, opinion=opinion)


def withdraw(actor, publication: Publication, reason: str, *, actor_name: str | None = None) -> Publication:
    """撤回: a published version leaves the public side at once; an open proposal is cancelled."""
    _scoped(actor, publication.unit)
    reason = _text(reason, "reason", "撤回理由", required=True)
    return lifecycle.apply(actor, publication, "withdraw", actor_name=actor_name, reason=reason)


def publish_now(actor, unit: Unit, opinion: str, *, actor_name: str | None = None) -> Publication:
    """Propose and approve at once: the command line (an administrator's operation) or a user
    holding both permissions when the two-person rule is off."""
    if actor is not None and current_app.config["DISCLOSURE_TWO_PERSON_RULE"]:
        raise PermissionDenied("双人审核已开启：提交与保密审查须由两人分别完成。")
    [publication] = propose(actor, unit, actor_name=actor_name)
    return approve(actor, publication, opinion, actor_name=actor_name)


# ---------------------------------------------------------------- the internal screens (lists, state, diff)

# the order of a snapshot's fields on the screens; ``changed_fields`` compares them in this order
SNAPSHOT_FIELDS = (
    "name", "short_name", "code", "kind", "level", "category", "funding", "is_civil_service_managed", "parent",
    "region", "established_on", "other_names", "functions_md", "departments", "quotas", "approved_total",
    "actual_total", "posts", "documents",
)

_LIST_ORDER = {
    S.PROPOSED: (Publication.proposed_at.asc(), Publication.id.asc()),  # the oldest waits longest
    S.PUBLISHED: (Publication.reviewed_at.desc(), Publication.id.desc()),
    S.REJECTED: (Publication.reviewed_at.desc(), Publication.id.desc()),
    S.WITHDRAWN: (Publication.withdrawn_at.desc(), Publication.id.desc()),
}


def publications_query(actor, status: S):
    """``select(Publication)`` in ``status`` for units in ``actor``'s write scope, in list order."""
    scope = permissions.units_query(actor, for_write=True).with_only_columns(Unit.id)
    return (
        select(Publication)
        .where(Publication.status == status.value, Publication.unit_id.in_(scope))
        .order_by(*_LIST_ORDER[status])
    )


def writable_unit_or_404(actor, unit_id) -> Unit:
    """A unit in ``actor``'s write scope by id (NotFound otherwise, whatever the id)."""
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    unit = db.session.get(Unit, unit_id) if 0 < unit_id < 2**31 else None
    if unit is None:
        raise NotFound()
    return _scoped(actor, unit)


def find_units(actor, *, ids: Iterable = (), codes: Iterable[str] = ()) -> list[Unit]:
    """Units in ``actor``'s write scope by id or credit code, in the order given, without repeats.
    NotFound when any is missing or out of scope (existence is not revealed); InvalidInput for a
    malformed credit code."""
    units: dict[int, Unit] = {}
    for unit_id in ids:
        unit = writable_unit_or_404(actor, unit_id)
        units.setdefault(unit.id, unit)
    for code in codes:
        problem = creditcode.validation_error(str(code or ""))
        if problem:
            raise InvalidInput({"unit_codes": f"{code}：{problem}"})
        unit = db.session.execute(
            select(Unit).where(Unit.code == creditcode.normalise(str(code)))
        ).scalar_one_or_none()
        if unit is None:
            raise NotFound()
        units.setdefault(unit.id, _scoped(actor, unit))
    return list(units.values())


def propose_units(actor, *, ids: Iterable = (), codes: Iterable[str] = ()) -> list[Publication]:
    """提交公开 of the units chosen on a screen or in the API (all or nothing)."""
    return propose(actor, find_units(actor, ids=ids, codes=codes))


def unit_versions(actor, unit: Unit) -> list[Publication]:
    """Every version of ``unit`` (the internal record: proposed, rejected, withdrawn …), newest first."""
    _scoped(actor, unit)
    return list(db.session.execute(
        select(Publication).where(Publication.unit_id == unit.id).order_by(Publication.version.desc())
    ).scalars())


@dataclass(frozen=True)
class PublicationState:
    """Where a unit stands (the unit page's panel): its published version, its open proposal,
    its latest version of any state, whether the register says something not yet published, and
    why it cannot be proposed now (None when it can)."""

    current: Publication | None
    proposal: Publication | None
    latest: Publication | None
    is_changed: bool
    blocker: str | None


def publication_state(unit: Unit) -> PublicationState:
    latest = db.session.execute(
        select(Publication).where(Publication.unit_id == unit.id).order_by(Publication.version.desc()).limit(1)
    ).scalar_one_or_none()
    return PublicationState(
        current=current_publication(unit), proposal=open_proposal(unit), latest=latest,
        is_changed=unpublishable_reason(unit) is None and snapshot_changed(unit), blocker=_check_proposable(unit),
    )


def baseline(publication: Publication) -> Publication | None:
    """What a proposal is compared with on the review page: the unit's published version."""
    current = current_publication(publication.unit)
    return None if current is None or current.id == publication.id else current


def changed_fields(old: dict | None, new: dict) -> list[str]:
    """Snapshot keys whose values differ (every key present when there is no ``old``), in screen order."""
    old = old or {}
    keys = [k for k in SNAPSHOT_FIELDS if k in old or k in new]
    keys += sorted((set(old) | set(new)) - set(SNAPSHOT_FIELDS) - {"schema"})
    return [k for k in keys if old.get(k) != new.get(k)]


# ---------------------------------------------------------------- the classification cascade

def _withdraw_system(publication: Publication, reason: str, trigger: dict) -> None:
    lifecycle.apply(None, publication, "withdraw", system=True, reason=reason, details=trigger)


def _redact_published(unit: Unit, reason: str, trigger: dict) -> None:
    """Re-publish the unit's public version without what it now hides (withdraw it if the unit
    may no longer be public). Built from the published snapshot, not the register, so register
    edits nobody has reviewed yet never go public this way."""
    current = current_publication(unit)
    if current is None:
        return
    if unpublishable_reason(unit):
        _withdraw_system(current, reason, trigger)
        return
    redacted = redact(current.snapshot, unit)
    if same_snapshot(redacted, current.snapshot):
        return
    publication = Publication(unit=unit, unit_id=unit.id, version=_next_version(unit), snapshot=redacted)
    _supersede_current(unit, publication)
    lifecycle.apply(None, publication, "republish", system=True, opinion=reason,
                    details={**trigger, "replaces": current.version})


def _withdraw_leaking_proposal(unit: Unit, reason: str, trigger: dict) -> None:
    proposal = open_proposal(unit)
    if proposal is not None and leaks(unit, proposal.snapshot):
        _withdraw_system(proposal, reason, trigger)


def _naming_as_parent(unit: Unit) -> list[Unit]:
    """Units whose published version or open proposal names ``unit`` as parent (their parent may
    have changed since), and its children in the register."""
    named = Publication.snapshot["parent"]["code"].as_string() == unit.code
    ids = select(Publication.unit_id).where(
        Publication.status.in_([S.PUBLISHED.value, S.PROPOSED.value]), named
    )
    return list(db.session.execute(
        select(Unit).where((Unit.parent_id == unit.id) | Unit.id.in_(ids)).order_by(Unit.code)
    ).scalars())


def on_unit_changed(unit: Unit, changes: dict | None = None, actor=None, **_extra) -> None:
    """Receiver of ``portal.signals.unit_changed``: runs inside the registry action's transaction.

    A unit marked classified or abolished leaves the public side (its children that name it as
    parent are re-published without it); a field marked classified is taken out of the unit's
    published version. Open proposals that would now show hidden things are withdrawn."""
    changes = changes or {}
    became_classified = "is_classified" in changes and bool(changes["is_classified"][1])
    abolished = "status" in changes and changes["status"][1] == UnitStatus.ABOLISHED.value
    old_fields, new_fields = changes.get("classified_fields", [[], []])
    newly_hidden = sorted(set(new_fields or []) - set(old_fields or []))
    if not (became_classified or abolished or newly_hidden):
        return
    trigger = {"trigger": "unit_changed", "unit_id": unit.id, "by": getattr(actor, "username", None)}
    if became_classified or abolished:
        reason = "单位已标为涉密，自动撤回" if became_classified else "单位已撤销，自动撤回"
        _withdraw_leaking_proposal(unit, reason, trigger)
        _redact_published(unit, reason, trigger)
        for child in _naming_as_parent(unit):
            _withdraw_leaking_proposal(child, "主管部门不再公开，公开申请自动撤回", trigger)
            _redact_published(child, "主管部门不再公开，自动重新公开（不再显示主管部门）", trigger)
    else:
        trigger["fields"] = newly_hidden
        _withdraw_leaking_proposal(unit, "部分内容已标为涉密，公开申请自动撤回", trigger)
        _redact_published(unit, "部分内容已标为涉密，自动重新公开（不含涉密内容）", trigger)
