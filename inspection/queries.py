"""Read side of the case lists: the filters shared by the web list, its exports and the API.

Everything starts from ``permissions.cases_query(user)``, so a filter can only narrow the caller's
scope, never widen it. A staff user sees its own office's cases by default; ``include_subordinate``
adds the subordinate offices' (read-only) cases, ``office_id`` picks one office of the subtree.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields as dc_fields
from datetime import date

from sqlalchemy import Select, case as sql_case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.permissions import offices_query, office_subtree_ids
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry import creditcode, regions
from portal.registry.models import Office, Unit
from portal.registry.queries import _enum_value, _flag, region_prefix, visible_office

from inspection import permissions
from inspection.models import Case, CaseMember, Finding
from inspection.models.enums import CaseSource, CaseStatus, IndicatorArea, ViolationType
from inspection.rectification import overdue_clause

SCOPES = ("mine", "all")
STATUS_ORDER = [m.value for m in CaseStatus]  # lifecycle order, for sorting by status

# sort key → (label, column expression builder); "-key" sorts descending
SORT_LABELS = {
    "opened": "立案时间", "received": "线索收到日期", "number": "编号", "status": "状态", "unit": "被督查单位",
}
SORTS = tuple(k for key in SORT_LABELS for k in (key, f"-{key}"))


@dataclass(frozen=True)
class CaseFilters:
    scope: str = "all"            # "mine" (lead or team member) | "all"
    source: str | None = None      # CaseSource code
    status: str | None = None      # CaseStatus code
    unit_id: int | None = None
    unit_code: str | None = None   # the unit's 统一社会信用代码 (the web form's field; the API may use either)
    region: str | None = None      # 6-digit region code: the unit's region is it or inside it
    area: str | None = None        # IndicatorArea code: cases having a finding in that area
    violation_type: str | None = None
    overdue: bool = False          # cases having an overdue finding
    date_from: date | None = None  # received_on range (线索收到日期), inclusive
    date_to: date | None = None
    q: str | None = None           # number, title, source_ref, unit name (case-insensitive contains)
    office_id: int | None = None   # one office of the caller's subtree
    include_subordinate: bool = False
    sort: str = "-opened"

    @classmethod
    def from_mapping(cls, data: Mapping | None) -> CaseFilters:
        """Filters from request.args / JSON (codes or Chinese labels); ``InvalidInput`` on bad values."""
        data = data or {}
        errors: dict[str, str] = {}
        scope = str(data.get("scope") or "all").strip()
        if scope not in SCOPES:
            errors["scope"] = f"范围“{scope}”无效，可选：mine（我的事项）、all（全部事项）。"
        region = str(data.get("region") or "").strip() or None
        if region is not None and not regions.is_valid(region):
            errors["region"] = f"行政区划代码“{region}”无效（应为 GB/T 2260 的 6 位代码）。"
        sort = str(data.get("sort") or "-opened").strip()
        if sort not in SORTS:
            errors["sort"] = f"排序方式“{sort}”无效。"
        date_from = _date(data, "date_from", "起始日期", errors)
        date_to = _date(data, "date_to", "截止日期", errors)
        if date_from and date_to and date_from > date_to:
            errors["date_to"] = "截止日期不能早于起始日期。"
        filters = cls(
            scope=scope,
            source=_enum_value(data, "source", CaseSource, "来源", errors),
            status=_enum_value(data, "status", CaseStatus, "状态", errors),
            unit_id=_int(data, "unit_id", "被督查单位无效。", errors),
            unit_code=_unit_code(data, errors),
            region=region,
            area=_enum_value(data, "area", IndicatorArea, "指标领域", errors),
            violation_type=_enum_value(data, "violation_type", ViolationType, "问题类型", errors),
            overdue=_flag(data.get("overdue")),
            date_from=date_from,
            date_to=date_to,
            q=str(data.get("q") or "").strip()[:100] or None,
            office_id=_int(data, "office_id", "编办无效。", errors),
            include_subordinate=_flag(data.get("include_subordinate")),
            sort=sort,
        )
        if errors:
            raise InvalidInput(errors)
        return filters

    def as_args(self) -> dict[str, str]:
        """The non-default filters as query-string values (export links, audit details, pager links)."""
        out: dict[str, str] = {}
        for f in dc_fields(self):
            value = getattr(self, f.name)
            if value in (None, False, "") or value == f.default:
                continue
            out[f.name] = "1" if value is True else value.isoformat() if isinstance(value, date) else str(value)
        return out


def _int(data: Mapping, key: str, message: str, errors: dict) -> int | None:
    raw = data.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors[key] = message
        return None
    if value <= 0:
        errors[key] = message
        return None
    return value


def _unit_code(data: Mapping, errors: dict) -> str | None:
    raw = str(data.get("unit_code") or "").strip()
    if not raw:
        return None
    code = creditcode.normalise(raw)
    problem = creditcode.validation_error(code)
    if problem:
        errors["unit_code"] = problem
        return None
    return code


def _date(data: Mapping, key: str, label: str, errors: dict) -> date | None:
    raw = data.get(key)
    if raw is None or str(raw).strip() == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[key] = f"{label}“{raw}”无效，请按 YYYY-MM-DD 填写。"
        return None


def _finding_scope(user: User):
    """Conditions on ``Finding`` for findings of the row's case that ``user`` may read."""
    conditions = [Finding.case_id == Case.id]
    if permissions.is_unit_user(user):
        # a unit reads only its own findings that were sent to it: other units' must not match
        conditions += [Finding.responsible_unit_id == user.unit_id, Finding.notice_id.is_not(None)]
    return conditions


def office_choices(user: User) -> list[Office]:
    """The offices of the caller's subtree (for the office filter), parents first."""
    if not permissions.is_staff(user):
        return []
    return list(db.session.scalars(offices_query(user).order_by(Office.path)))


def _office_scope(user: User, filters: CaseFilters):
    """The ``Case.office_id`` condition for a staff user (own office by default)."""
    office = user.office
    if filters.office_id is not None:
        office = visible_office(user, filters.office_id)
        if office is None:
            raise InvalidInput({"office_id": "所选编办不在您的管辖范围内。"})
    if filters.include_subordinate:
        return Case.office_id.in_(office_subtree_ids(office))
    return Case.office_id == office.id


def _order(query: Select, sort: str) -> Select:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "opened":
        columns = [Case.opened_at]
    elif key == "received":
        columns = [Case.received_on]
    elif key == "number":
        columns = [Case.number_year, Case.office_id, Case.number_seq]
    elif key == "status":
        columns = [sql_case({code: i for i, code in enumerate(STATUS_ORDER)}, value=Case.status, else_=99)]
    else:  # unit
        query = query.join(Unit, Unit.id == Case.unit_id)
        columns = [Unit.name]
    columns = [c.desc() if descending else c.asc() for c in columns]
    tiebreak = Case.id.desc() if descending else Case.id.asc()
    return query.order_by(*columns, tiebreak)


def filtered_cases(user: User, filters: CaseFilters) -> Select:
    """The cases ``user`` reads, narrowed by ``filters`` and ordered by ``filters.sort`` (id breaks ties).

    ``InvalidInput({"office_id": …})`` when ``office_id`` is not in the caller's subtree."""
    query = permissions.cases_query(user)
    staff = permissions.is_staff(user)
    if not staff:
        # a unit sees only what was sent to it: filtering on the source (a 12310 report?), its reference
        # or the dates the office received the lead would let it probe what it is never shown
        refused = {name: "单位用户不能按此条件筛选。"
                   for name in ("source", "date_from", "date_to", "unit_id", "unit_code", "region")
                   if getattr(filters, name) not in (None, "")}
        if refused:
            raise InvalidInput(refused)
    if staff:
        query = query.where(_office_scope(user, filters))
    elif filters.office_id is not None:
        query = query.where(Case.office_id == filters.office_id)
    if filters.scope == "mine":
        query = query.where(or_(
            Case.lead_inspector_id == user.id,
            exists().where(CaseMember.case_id == Case.id, CaseMember.user_id == user.id),
        ))
    if filters.source:
        query = query.where(Case.source == filters.source)
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.unit_id is not None:
        query = query.where(Case.unit_id == filters.unit_id)
    if filters.unit_code is not None:
        query = query.where(Case.unit_id.in_(select(Unit.id).where(Unit.code == filters.unit_code)))
    if filters.region:
        prefix = region_prefix(filters.region)
        query = query.where(Case.unit_id.in_(
            select(Unit.id).where(Unit.region_code.startswith(prefix, autoescape=True))
        ))
    # the finding filters apply to one and the same finding: "a 超编进人 finding in 编制核定和管理情况"
    finding_conditions = [
        *((Finding.area == filters.area,) if filters.area else ()),
        *((Finding.violation_type == filters.violation_type,) if filters.violation_type else ()),
        *((overdue_clause(),) if filters.overdue else ()),
    ]
    if finding_conditions:
        query = query.where(exists().where(*_finding_scope(user), *finding_conditions))
    if filters.date_from:
        query = query.where(Case.received_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Case.received_on <= filters.date_to)
    if filters.q:
        q = filters.q
        query = query.where(or_(
            Case.number.icontains(q, autoescape=True),
            Case.title.icontains(q, autoescape=True),
            *((Case.source_ref.icontains(q, autoescape=True),
               Case.unit_id.in_(select(Unit.id).where(Unit.name.icontains(q, autoescape=True)))) if staff else ()),
        ))
    query = query.options(selectinload(Case.unit), selectinload(Case.office), selectinload(Case.lead_inspector))
    return _order(query, filters.sort)


def finding_counts(user: User, case_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{case_id: (findings, overdue findings)} for the given cases, in one grouped query.

    Counts only findings ``user`` may read (a unit user: its own sent findings)."""
    counts = {cid: (0, 0) for cid in case_ids}
    if not case_ids:
        return counts
    rows = db.session.execute(
        permissions.findings_query(user)
        .where(Finding.case_id.in_(case_ids))
        .with_only_columns(Finding.case_id, func.count(Finding.id), func.sum(sql_case((overdue_clause(), 1), else_=0)))
        .group_by(Finding.case_id)
    ).all()
    for case_id, total, late in rows:
        counts[case_id] = (int(total), int(late or 0))
    return counts


def is_read_only_row(user: User, case: Case) -> bool:
    """A subordinate office's case in a staff user's list (shown "下级编办·只读")."""
    return permissions.is_staff(user) and case.office_id != user.office_id


__all__ = [
    "SORTS", "SORT_LABELS", "CaseFilters", "filtered_cases", "finding_counts", "is_read_only_row", "office_choices",
]
