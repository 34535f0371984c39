"""Checks the case and finding actions share: stale edits, frozen cases, staff pickers."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.accounts.permissions import has_permission, office_subtree_ids
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry.models import Unit, UnitStatus
from portal.registry.services import validation as v

from inspection.models import CaseStatus

STALE_MESSAGE = ("{what}已被他人修改（您打开时为第 {expected} 版，现在是第 {current} 版），您的修改未保存。"
                 "请核对最新内容后再提交，您填写的内容仍保留在表单中。")
FROZEN = (CaseStatus.CLOSED.value, CaseStatus.DISMISSED.value)


def check_version(obj, expected, what: str) -> None:
    """Refuse an edit that started from an older version of ``obj`` (optimistic locking)."""
    if expected in (None, ""):
        return
    try:
        expected_int = int(expected)
    except (TypeError, ValueError):
        raise InvalidInput({"version": "版本号无效。"}) from None
    if expected_int != obj.version:
        if expected_int == 0:  # the edit began before the record existed (someone created it meanwhile)
            raise InvalidInput({"version": f"{what}已由他人创建或保存（第 {obj.version} 版），您的修改未保存。"
                                           "请核对最新内容后再提交，您填写的内容仍保留在表单中。"})
        raise InvalidInput({"version": STALE_MESSAGE.format(what=what, expected=expected_int, current=obj.version)})


def require_open(case) -> None:
    if case.status in FROZEN:
        raise InvalidInput({"_": f"该督查事项已{case.status_enum.raw_label}，不能再修改；如需继续办理请先重新启用。"})


def unit_in_scope(office, raw, errors: v.Errors, key: str, label: str) -> Unit | None:
    """A unit of ``office``'s region (its subtree) that still exists."""
    if raw in (None, ""):
        errors.add(key, f"请选择{label}。")
        return None
    try:
        unit_id = int(raw)
    except (TypeError, ValueError):
        errors.add(key, f"{label}无效。")
        return None
    unit = db.session.execute(
        select(Unit).where(Unit.id == unit_id, Unit.office_id.in_(office_subtree_ids(office)))
    ).scalar_one_or_none()
    if unit is None:
        errors.add(key, f"{label}不存在或不在本编办辖区内。")
        return None
    if unit.status != UnitStatus.ACTIVE.value:
        errors.add(key, f"{label}“{unit.name}”已撤销。")
    return unit


def office_inspectors(office) -> list[User]:
    """People of ``office`` who may work cases (the lead and team pickers)."""
    users = db.session.scalars(
        select(User).where(User.office_id == office.id, User.is_enabled.is_(True),
                           User.role.in_((Role.INSPECTOR.value, Role.ADMIN.value)))
        .order_by(User.username)
    )
    return [u for u in users if has_permission(u, "cases.manage")]


def inspector_of(office, raw, errors: v.Errors, key: str, label: str) -> User | None:
    if raw in (None, ""):
        return None
    try:
        user_id = int(raw)
    except (TypeError, ValueError):
        errors.add(key, f"{label}无效。")
        return None
    user = next((u for u in office_inspectors(office) if u.id == user_id), None)
    if user is None:
        errors.add(key, f"{label}须为本编办有督查办理权限的人员。")
    return user
