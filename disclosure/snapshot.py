"""The public snapshot of a unit: exactly what may be shown to anyone, frozen as JSON.

Left out, always: every field in ``unit.classified_fields``, a parent that is classified or
abolished (or whose naming is itself classified), the actual headcount unless
``DISCLOSURE_SHOW_ACTUAL`` allows it, and any personal data (the register holds none of it here:
no staff names ever enter the snapshot). A classified unit has no snapshot at all.
"""
from __future__ import annotations

import copy
import json

from flask import current_app
from sqlalchemy import select

from portal.enums import CodedEnum
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry import regions
from portal.registry.models import Funding, Level, PostRank, QuotaCategory, Unit, UnitCategory, UnitKind, UnitNameKind

SNAPSHOT_SCHEMA = 1

# classifiable field (CLASSIFIABLE_FIELDS) → the snapshot keys it hides
HIDES: dict[str, tuple[str, ...]] = {
    "functions": ("functions_md",),
    "departments": ("departments",),
    "quotas": ("quotas", "approved_total", "actual_total"),
    "actual_headcount": ("actual_total",),
    "posts": ("posts",),
    "documents": ("documents",),
    "other_names": ("other_names",),
    "parent": ("parent",),
    "funding": ("funding",),
}


def _coded(enum_cls: type[CodedEnum], code: str | None) -> dict | None:
    if not code:
        return None
    member = enum_cls(code)
    return {"code": member.value, "label": member.raw_label}


def unpublishable_reason(unit: Unit) -> str | None:
    """Why ``unit`` can never be published, in Chinese (None when it can)."""
    if unit.is_classified:
        return f"“{unit.name}”为涉密单位，不能公开。"
    if not unit.is_active:
        return f"“{unit.name}”已撤销，不能公开。"
    return None


def parent_is_nameable(unit: Unit, code: str) -> bool:
    """May ``unit``'s public snapshot name the unit with ``code`` as its parent? (An earlier
    snapshot may name a former parent, so the named unit is looked up by its code.)"""
    if "parent" in (unit.classified_fields or []):
        return False
    named = unit.parent
    if named is None or named.code != code:
        named = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    return named is not None and not named.is_classified and named.is_active


def show_actual(unit: Unit) -> bool:
    return bool(current_app.config["DISCLOSURE_SHOW_ACTUAL"]) and not unit.is_field_classified("actual_headcount")


def _counts(rows, enum_cls, key: str) -> list[dict]:
    return [{key: _coded(enum_cls, getattr(row, key)), "approved": row.approved, "actual": row.actual} for row in rows]


def build_snapshot(unit: Unit) -> dict:
    """The public fields of ``unit`` as JSON-ready data; ``InvalidInput`` for a classified or abolished unit.

    Built whole, then passed through ``redact``: the one place that decides what is hidden."""
    reason = unpublishable_reason(unit)
    if reason:
        raise InvalidInput({"unit": reason})
    snap: dict = {
        "schema": SNAPSHOT_SCHEMA,
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name or "",
        "kind": _coded(UnitKind, unit.kind),
        "level": _coded(Level, unit.level),
        "category": _coded(UnitCategory, unit.category),
        "funding": _coded(Funding, unit.funding),
        "is_civil_service_managed": bool(unit.is_civil_service_managed),
        "region": {"code": unit.region_code, "name": regions.full_name(unit.region_code)},
        "established_on": unit.established_on.isoformat() if unit.established_on else None,
        "functions_md": unit.functions_md or "",
        "other_names": [{"kind": _coded(UnitNameKind, n.kind), "name": n.name} for n in unit.other_names],
        "departments": [
            {"name": d.name, "functions_md": d.functions_md or "", "posts": _counts(d.posts, PostRank, "rank")}
            for d in unit.departments
        ],
        "quotas": _counts(unit.quotas, QuotaCategory, "category"),
        "approved_total": sum(q.approved for q in unit.quotas),
        "actual_total": sum(q.actual for q in unit.quotas),
        "posts": _counts(unit.posts, PostRank, "rank"),
        "documents": [
            {"doc_number": d.doc_number, "title": d.title, "issued_on": d.issued_on.isoformat()}
            for d in unit.documents
        ],
    }
    if unit.parent is not None:
        snap["parent"] = {"code": unit.parent.code, "name": unit.parent.name}
    return redact(snap, unit)


def _canonical(snapshot: dict) -> str:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False)


def same_snapshot(a: dict | None, b: dict | None) -> bool:
    return a is not None and b is not None and _canonical(a) == _canonical(b)


def redact(snapshot: dict, unit: Unit) -> dict:
    """A copy of an earlier ``snapshot`` of ``unit`` without whatever the unit hides *now* (fields
    classified since, a parent no longer nameable, actual figures no longer allowed). Nothing else
    changes: the cascade re-publishes this, so unreviewed register edits never go public."""
    hidden = set(unit.classified_fields or [])
    snap = copy.deepcopy(snapshot)
    for field, keys in HIDES.items():
        if field in hidden:
            for key in keys:
                snap.pop(key, None)
    if "parent" in snap and not parent_is_nameable(unit, snap["parent"]["code"]):
        snap.pop("parent")
    actual = show_actual(unit)
    if not actual:
        snap.pop("actual_total", None)
    rows = snap.get("quotas", []) + snap.get("posts", [])
    for department in snap.get("departments", []):
        if "functions" in hidden:
            department["functions_md"] = ""
        if "posts" in hidden:
            department.pop("posts", None)
        rows += department.get("posts", [])
    if not actual:
        for row in rows:
            row.pop("actual", None)
    return snap


def leaks(unit: Unit, snapshot: dict) -> bool:
    """Would ``snapshot`` (frozen earlier) show something ``unit`` now hides?"""
    return bool(unpublishable_reason(unit)) or not same_snapshot(redact(snapshot, unit), snapshot)
