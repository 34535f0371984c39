"""Office tree (分级负责) and discipline bodies. Changing the tree re-derives units' jurisdiction."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts import permissions
from portal.audit import services as audit
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.registry import regions
from portal.registry.jurisdiction import reassign_units
from portal.registry.models import DisciplineBody, Office
from portal.registry.services import validation as v

OFFICE_FIELDS = ("name", "short_name", "region_code", "parent_id", "address", "phone", "hours", "email")


def _snapshot(office: Office) -> dict:
    return {name: getattr(office, name) for name in OFFICE_FIELDS}


def _values(actor, data: dict, office: Office | None) -> dict:
    errors = v.Errors()
    clean = {
        "name": v.text(data, "name", errors, "编办名称", required=True),
        "short_name": v.text(data, "short_name", errors, "简称（用于文号）", required=True, max_len=20),
        "address": v.text(data, "address", errors, "地址", max_len=200),
        "phone": v.text(data, "phone", errors, "电话", max_len=50),
        "hours": v.text(data, "hours", errors, "接待时间", max_len=100),
        "email": v.text(data, "email", errors, "电子邮箱", max_len=120),
    }
    if clean["email"] and "@" not in clean["email"]:
        errors.add("email", "电子邮箱格式不正确。")
    region = str(data.get("region_code") or "").strip()
    if not regions.is_valid(region):
        errors.add("region_code", f"行政区划代码“{region}”无效（应为 GB/T 2260 的 6 位代码）。")
    else:
        clash = db.session.execute(select(Office).where(Office.region_code == region)).scalar_one_or_none()
        if clash is not None and clash is not office:
            errors.add("region_code", f"{regions.full_name(region)}已有编办：{clash.name}。")
    clean["region_code"] = region
    if clean["name"]:
        clash = db.session.execute(select(Office).where(Office.name == clean["name"])).scalar_one_or_none()
        if clash is not None and clash is not office:
            errors.add("name", "已有同名编办。")

    parent = None
    parent_id = data.get("parent_id")
    if office is not None and office.parent_id is None and parent_id in (None, ""):
        parent = None  # the root stays the root
    else:
        try:
            parent = db.session.get(Office, int(parent_id)) if parent_id not in (None, "") else None
        except (TypeError, ValueError):
            parent = None
        if parent is None:
            errors.add("parent_id", "请选择上级编办。")
        elif actor is not None and not permissions.is_in_subtree(actor.office, parent.id):
            errors.add("parent_id", "上级编办不在您的管辖范围内。")
        elif office is not None and office.id is not None and parent.path.startswith(office.path):
            errors.add("parent_id", "上级编办不能是本编办或其下级编办（会形成循环）。")
    clean["parent"] = parent
    if errors:
        raise InvalidInput(dict(errors))
    return clean


def _require(actor, office: Office | None = None) -> None:
    if actor is not None and not permissions.can(actor, "office.manage", office):
        raise PermissionDenied("您没有管理编办的权限。")


def _set_path(office: Office) -> None:
    """Recompute the materialised path of ``office`` and its whole subtree."""
    old = office.path
    new = f"{office.parent.path if office.parent else '/'}{office.id}/"
    if old == new:
        return
    subtree = select(Office).where(Office.path.startswith(old, autoescape=True), Office.id != office.id)
    for node in db.session.scalars(subtree).all():
        node.path = new + node.path[len(old):]
    office.path = new


def create_office(actor, data: dict) -> Office:
    _require(actor)
    clean = _values(actor, data, None)
    office = Office(path="/", **{k: clean[k] for k in ("name", "short_name", "region_code", "address", "phone",
                                                     "hours", "email")})
    office.parent = clean["parent"]
    db.session.add(office)
    db.session.flush()
    office.path = f"{office.parent.path}{office.id}/"
    moved = reassign_units()
    audit.record("office.create", "office", office.id, changes=audit.diff({}, _snapshot(office)),
                 details={"units_reassigned": moved})
    return office


def update_office(actor, office: Office, data: dict) -> dict:
    _require(actor, office)
    if actor is not None and office.id == actor.office_id and office.parent_id != _parent_id(data, office):
        raise InvalidInput({"parent_id": "不能调整本编办自己的上级。"})
    clean = _values(actor, data, office)
    before = _snapshot(office)
    for key in ("name", "short_name", "region_code", "address", "phone", "hours", "email"):
        setattr(office, key, clean[key])
    office.parent = clean["parent"]
    db.session.flush()
    _set_path(office)
    moved = reassign_units() if (before["region_code"] != office.region_code or before["parent_id"] != office.parent_id) else 0
    changes = audit.diff(before, _snapshot(office))
    if changes:
        audit.record("office.update", "office", office.id, changes=changes, details={"units_reassigned": moved})
    return changes


def _parent_id(data: dict, office: Office):
    raw = data.get("parent_id")
    try:
        return int(raw) if raw not in (None, "") else office.parent_id
    except (TypeError, ValueError):
        return None


def create_discipline_body(actor, office: Office, data: dict) -> DisciplineBody:
    _require(actor, office)
    errors = v.Errors()
    name = v.text(data, "name", errors, "纪检监察机关名称", required=True)
    if name and db.session.scalar(
        select(DisciplineBody.id).where(DisciplineBody.office_id == office.id, DisciplineBody.name == name)
    ):
        errors.add("name", "该编办下已有同名纪检监察机关。")
    if errors:
        raise InvalidInput(dict(errors))
    body = DisciplineBody(name=name, office=office)
    db.session.add(body)
    db.session.flush()
    audit.record("discipline_body.create", "discipline_body", body.id, changes={"name": [None, name]},
                 details={"office_id": office.id})
    return body
