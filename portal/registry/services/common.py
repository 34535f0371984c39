"""Helpers the unit, department and document actions share: the edit check on a unit and the
parsing of approved/actual count pairs (quotas, leadership posts)."""
from __future__ import annotations

from portal.accounts import permissions
from portal.errors import InvalidInput, PermissionDenied
from portal.registry.models import Unit, UnitStatus
from portal.registry.services import validation as v


def require_edit(actor, unit: Unit) -> None:
    """``actor`` may edit ``unit`` (``None``, the command line, always may) and it is not abolished."""
    if actor is not None and not permissions.can(actor, "unit.edit", unit):
        raise PermissionDenied("该单位由其他编办管理，您只能查看。")
    if unit.status != UnitStatus.ACTIVE.value:
        raise InvalidInput({"_": "该单位已撤销。"})


def count_pairs(raw, enum_cls, prefix: str, label: str, errors: v.Errors) -> dict[str, tuple[int, int]]:
    """{category: {"approved": n, "actual": m}} (or [n, m]) → {category: (n, m)}."""
    out: dict[str, tuple[int, int]] = {}
    if raw in (None, ""):
        return out
    if not isinstance(raw, dict):
        errors.add(prefix, f"{label}格式不正确。")
        return out
    for key, value in raw.items():
        try:
            code = enum_cls.from_label(str(key)).value
        except ValueError:
            errors.add(f"{prefix}.{key}", f"未知的{label}类别“{key}”。")
            continue
        name = enum_cls(code).raw_label
        if isinstance(value, dict):
            approved_raw, actual_raw = value.get("approved"), value.get("actual")
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            approved_raw, actual_raw = value
        else:
            errors.add(f"{prefix}.{code}", f"{name}格式不正确。")
            continue
        approved = v.count(approved_raw, f"{prefix}.{code}.approved", errors, f"{name}核定数")
        actual = v.count(actual_raw, f"{prefix}.{code}.actual", errors, f"{name}实有数")
        out[code] = (approved, actual)
    return out
