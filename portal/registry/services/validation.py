"""Small parsers shared by the unit and office services: each returns a value or records a message."""
from __future__ import annotations

from datetime import date, datetime

from portal.enums import CodedEnum


class Errors(dict):
    """field → Chinese message; the first message per field wins."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


def text(data: dict, key: str, errors: Errors, label: str, *, required=False, max_len=100) -> str | None:
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            errors.add(key, f"请填写{label}。")
        return None
    if len(value) > max_len:
        errors.add(key, f"{label}不能超过 {max_len} 个字。")
    return value


def enum(data: dict, key: str, errors: Errors, label: str, enum_cls: type[CodedEnum], *, required=False):
    value = data.get(key)
    if value is None or str(value).strip() == "":
        if required:
            errors.add(key, f"请选择{label}。")
        return None
    try:
        return enum_cls.from_label(str(value)).value
    except ValueError:
        allowed = "、".join(m.raw_label for m in enum_cls)
        errors.add(key, f"{label}「{value}」无效，可选：{allowed}。")
        return None


def boolean(data: dict, key: str, errors: Errors, label: str) -> bool:
    value = data.get(key)
    if isinstance(value, bool) or value is None:
        return bool(value)
    text_value = str(value).strip().lower()
    if text_value in ("1", "true", "yes", "y", "是", "on"):
        return True
    if text_value in ("0", "false", "no", "n", "否", "off", ""):
        return False
    errors.add(key, f"{label}应填“是”或“否”（1/0）。")
    return False


def count(value, field: str, errors: Errors, label: str) -> int:
    """A non-negative whole number (编制数, 职数)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return 0
    if isinstance(value, bool):
        errors.add(field, f"{label}须为非负整数。")
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        raw = value.strip()
        if raw.lstrip("-").isdigit():
            value = int(raw)
        else:
            errors.add(field, f"{label}须为非负整数，“{raw}”不是数字。")
            return 0
    if not isinstance(value, int):
        errors.add(field, f"{label}须为非负整数。")
        return 0
    if value < 0:
        errors.add(field, f"{label}不能为负数。")
        return 0
    if value > 1_000_000:
        errors.add(field, f"{label}数值过大。")
        return 0
    return value


def a_date(data: dict, key: str, errors: Errors, label: str, *, required=False) -> date | None:
    value = data.get(key)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or str(value).strip() == "":
        if required:
            errors.add(key, f"请填写{label}。")
        return None
    raw = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.add(key, f"{label}“{value}”不是有效日期（格式：2026-01-31）。")
        return None
