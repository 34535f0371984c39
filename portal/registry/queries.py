"""Read side of the register: the unit list's filters (web page and API share them) and office lists.

Everything starts from ``permissions.units_query`` / ``offices_query``, so a filter can only narrow
the caller's scope, never widen it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts import permissions
from portal.enums import CodedEnum
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.registry import regions
from portal.registry.models import (
    LeadershipPost,
    Level,
    Office,
    StaffingQuota,
    Unit,
    UnitKind,
    UnitName,
    UnitStatus,
)

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "是"})


@dataclass(frozen=True)
class UnitFilters:
    q: str | None = None
    kind: str | None = None
    level: str | None = None
    region: str | None = None
    office_id: int | None = None
    include_subordinate: bool = False
    status: str | None = None
    over_only: bool = False


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE_WORDS


def _enum_value(data: Mapping, key: str, enum_cls: type[CodedEnum], label: str, errors: dict) -> str | None:
    raw = data.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return enum_cls.from_label(str(raw)).value
    except ValueError:
        errors[key] = f"{label}“{raw}”无效，可选：{'、'.join(m.raw_label for m in enum_cls)}。"
        return None


def parse_filters(data: Mapping) -> UnitFilters:
    """Filters from query-string-like values (codes or Chinese labels); ``InvalidInput`` on bad ones."""
    errors: dict[str, str] = {}
    q = str(data.get("q") or "").strip()[:100] or None
    region = str(data.get("region") or "").strip() or None
    if region is not None and not regions.is_valid(region):
        errors["region"] = f"行政区划代码“{region}”无效（应为 GB/T 2260 的 6 位代码）。"
    office_id = None
    raw_office = data.get("office_id")
    if raw_office not in (None, ""):
        try:
            office_id = int(raw_office)
        except (TypeError, ValueError):
            errors["office_id"] = "编办无效。"
    filters = UnitFilters(
        q=q,
        kind=_enum_value(data, "kind", UnitKind, "机构类型", errors),
        level=_enum_value(data, "level", Level, "机构规格", errors),
        region=region,
        office_id=office_id,
        include_subordinate=_flag(data.get("include_subordinate")),
        status=_enum_value(data, "status", UnitStatus, "状态", errors),
        over_only=_flag(data.get("over_only")),
    )
    if errors:
        raise InvalidInput(errors)
    return filters


def region_prefix(code: str) -> str:
    """The code prefix shared by a division and everything inside it (GB/T 2260 layout)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def over_establishment():
    """SQL condition: some quota category, or the unit's own leadership posts, are over (超编/超职数)."""
    over_quota = exists().where(StaffingQuota.unit_id == Unit.id, StaffingQuota.actual > StaffingQuota.approved)
    over_posts = exists().where(
        LeadershipPost.unit_id == Unit.id,
        LeadershipPost.department_id.is_(None),
        LeadershipPost.actual > LeadershipPost.approved,
    )
    return or_(over_quota, over_posts)


def units_list_query(user, filters: UnitFilters) -> Select:
    """The units ``user`` may see, narrowed by ``filters``, with quotas and posts loaded in bulk."""
    query = permissions.units_query(user)
    if filters.q:
        like = filters.q
        query = query.where(
            or_(
                Unit.name.contains(like, autoescape=True),
                Unit.short_name.contains(like, autoescape=True),
                Unit.code.contains(like.upper(), autoescape=True),
                exists().where(UnitName.unit_id == Unit.id, UnitName.name.contains(like, autoescape=True)),
            )
        )
    if filters.kind:
        query = query.where(Unit.kind == filters.kind)
    if filters.level:
        query = query.where(Unit.level == filters.level)
    if filters.status:
        query = query.where(Unit.status == filters.status)
    if filters.region:
        prefix = region_prefix(filters.region)
        query = query.where(Unit.region_code.startswith(prefix, autoescape=True))
    if filters.office_id is not None:
        office = visible_office(user, filters.office_id)
        if office is None:
            query = query.where(false())
        elif filters.include_subordinate:
            query = query.where(Unit.office_id.in_(permissions.office_subtree_ids(office)))
        else:
            query = query.where(Unit.office_id == office.id)
    if filters.over_only:
        query = query.where(over_establishment())
    return query.options(
        selectinload(Unit.quotas), selectinload(Unit.posts), selectinload(Unit.office)
    ).order_by(Unit.status, Unit.region_code, Unit.name, Unit.id)


def paginate(query: Select, page, per_page, *, default_per_page: int = 25, max_per_page: int = 100):
    """``db.paginate`` with forgiving page numbers (a bad or out-of-range page shows an empty page)."""
    def number(value, default):
        try:
            return max(int(value), 1)
        except (TypeError, ValueError):
            return default

    return db.paginate(
        query, page=number(page, 1), per_page=min(number(per_page, default_per_page), max_per_page),
        max_per_page=max_per_page, error_out=False, count=True,
    )


# ---------------------------------------------------------------- single units

def unit_by_code_or_404(user, code: str, *, for_write: bool = False) -> Unit:
    unit_id = db.session.scalar(
        permissions.units_query(user).where(Unit.code == (code or "").strip().upper()).with_only_columns(Unit.id)
    )
    if unit_id is None:
        raise NotFound()
    return permissions.get_unit_or_404(user, unit_id, for_write=for_write)


def writable_unit_by_code(user, code: str) -> Unit | None:
    """A unit the user may change, by its credit code (merge targets); None when there is none."""
    return db.session.execute(
        permissions.units_query(user, for_write=True).where(Unit.code == (code or "").strip().upper())
    ).scalar_one_or_none()


def parent_choices(user, limit: int = 500) -> list[tuple[str, str]]:
    """(code, name) of active units the user can see: suggestions for 主管部门 and merge targets."""
    rows = db.session.execute(
        permissions.units_query(user)
        .where(Unit.status == UnitStatus.ACTIVE.value)
        .with_only_columns(Unit.code, Unit.name)
        .order_by(Unit.name)
        .limit(limit)
    ).all()
    return [(row.code, row.name) for row in rows]


# ---------------------------------------------------------------- offices

def visible_office(user, office_id: int) -> Office | None:
    return db.session.execute(
        permissions.offices_query(user).where(Office.id == office_id)
    ).scalar_one_or_none()


def office_or_404(user, office_id: int) -> Office:
    office = visible_office(user, office_id)
    if office is None:
        raise NotFound()
    return office


def office_tree(user) -> list[Office]:
    """The offices the user can see, in tree order (parents before children, siblings by region).

    Reading the tree needs ``offices.manage`` or ``registry.read`` (403 otherwise)."""
    if not (permissions.has_permission(user, "offices.manage") or permissions.has_permission(user, "registry.read")):
        raise PermissionDenied()
    offices = db.session.scalars(permissions.offices_query(user)).all()
    by_parent: dict[int | None, list[Office]] = {}
    ids = {o.id for o in offices}
    for office in offices:
        key = office.parent_id if office.parent_id in ids else None
        by_parent.setdefault(key, []).append(office)
    ordered: list[Office] = []

    def walk(parent_id):
        for office in sorted(by_parent.get(parent_id, []), key=lambda o: o.region_code):
            ordered.append(office)
            walk(office.id)

    walk(None)
    return ordered


def unit_counts(office_ids: list[int]) -> dict[int, dict[str, int]]:
    """{office_id: {"active": n, "abolished": m}} in one grouped query."""
    counts: dict[int, dict[str, int]] = {oid: {"active": 0, "abolished": 0} for oid in office_ids}
    if not office_ids:
        return counts
    rows = db.session.execute(
        select(Unit.office_id, Unit.status, func.count(Unit.id))
        .where(Unit.office_id.in_(office_ids))
        .group_by(Unit.office_id, Unit.status)
    ).all()
    for office_id, status, n in rows:
        counts[office_id][status] = n
    return counts


def region_suggestions(office: Office | None, limit: int = 400) -> list[tuple[str, str]]:
    """The office's region and the divisions inside it, for the region input's suggestions."""
    if office is None:
        return []
    code = office.region_code
    inside = [c for c, _name in regions.search(region_prefix(code), limit=5000) if code in regions.ancestors(c)]
    out = [(c, regions.full_name(c)) for c in sorted(inside)]
    return out[:limit]


__all__ = [
    "UnitFilters", "office_or_404", "office_tree", "over_establishment", "paginate", "parent_choices",
    "parse_filters", "region_suggestions", "unit_by_code_or_404", "unit_counts", "units_list_query",
    "visible_office", "writable_unit_by_code",
]
