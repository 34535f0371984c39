"""Internal departments (内设机构) of a unit: add, update and remove them with their leadership posts."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import services as audit
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry.models import InternalDepartment, LeadershipPost, PostRank, Unit
from portal.registry.services import validation as v
from portal.registry.services.common import count_pairs, require_edit
from portal.signals import unit_changed


def _department_values(unit: Unit, data: dict, department: InternalDepartment | None) -> dict:
    errors = v.Errors()
    name = v.text(data, "name", errors, "内设机构名称", required=True)
    functions_md = str(data.get("functions_md") or "").strip()
    posts = count_pairs(data.get("posts"), PostRank, "posts", "领导职数", errors)
    if name:
        clash = db.session.scalar(
            select(func.count(InternalDepartment.id)).where(
                InternalDepartment.unit_id == unit.id, InternalDepartment.name == name,
                InternalDepartment.id != (department.id if department else -1),
            )
        )
        if clash:
            errors.add("name", f"该单位已有名为“{name}”的内设机构。")
    sort_order = v.count(data.get("sort_order"), "sort_order", errors, "排序")
    if errors:
        raise InvalidInput(dict(errors))
    return {"name": name, "functions_md": functions_md, "posts": posts, "sort_order": sort_order}


def _department_snapshot(department: InternalDepartment) -> dict:
    return {"name": department.name, "functions_md": department.functions_md, "sort_order": department.sort_order,
            "posts": {p.rank: [p.approved, p.actual] for p in department.posts}}


def _apply_department(unit: Unit, department: InternalDepartment, values: dict) -> None:
    department.name = values["name"]
    department.functions_md = values["functions_md"]
    department.sort_order = values["sort_order"]
    existing = {p.rank: p for p in department.posts}
    for rank, (approved, actual) in values["posts"].items():
        post = existing.get(rank)
        if post is None:
            department.posts.append(LeadershipPost(unit_id=unit.id, rank=rank, approved=approved, actual=actual))
        else:
            post.approved, post.actual = approved, actual


def add_department(actor, unit: Unit, data: dict) -> InternalDepartment:
    require_edit(actor, unit)
    values = _department_values(unit, data, None)
    department = InternalDepartment(unit=unit)
    db.session.add(department)
    _apply_department(unit, department, values)
    db.session.flush()
    audit.record("department.create", "unit", unit.id, changes=audit.diff({}, _department_snapshot(department)),
                 details={"department_id": department.id})
    unit_changed.send(unit, changes={"departments": True}, actor=actor)
    return department


def update_department(actor, department: InternalDepartment, data: dict) -> dict:
    unit = department.unit
    require_edit(actor, unit)
    values = _department_values(unit, data, department)
    before = _department_snapshot(department)
    _apply_department(unit, department, values)
    db.session.flush()
    changes = audit.diff(before, _department_snapshot(department))
    if changes:
        audit.record("department.update", "unit", unit.id, changes=changes, details={"department_id": department.id})
        unit_changed.send(unit, changes={"departments": True}, actor=actor)
    return changes


def remove_department(actor, department: InternalDepartment) -> None:
    """A department abolished by a 三定 revision; the audit event keeps what it was."""
    unit = department.unit
    require_edit(actor, unit)
    audit.record("department.remove", "unit", unit.id, changes=audit.diff(_department_snapshot(department), {}),
                 details={"department_id": department.id})
    unit.departments.remove(department)
    db.session.flush()
    unit_changed.send(unit, changes={"departments": True}, actor=actor)
