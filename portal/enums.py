"""Enumerations travel as stable English codes; their Chinese labels sit beside them."""
from __future__ import annotations

from enum import Enum

from sqlalchemy import CheckConstraint


def N_(text: str) -> str:
    """Mark a label for the message catalog (``pybabel extract -k N_``); it is translated when shown."""
    return text


class CodedEnum(str, Enum):
    """``Member("code", "中文")``: the value is the code, ``label`` the UI text."""

    def __new__(cls, code: str, label: str):
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj._label = label
        return obj

    @property
    def label(self) -> str:
        from flask_babel import gettext

        return gettext(self._label)

    @property
    def raw_label(self) -> str:
        return self._label

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def from_label(cls, text: str):
        """Accept the code or the Chinese label (imports use labels)."""
        text = (text or "").strip()
        for m in cls:
            if text in (m.value, m._label):
                return m
        raise ValueError(text)

    def as_dict(self) -> dict:
        return {"code": self.value, "label": self.label}


def enum_check(column: str, enum_cls: type[CodedEnum], name: str | None = None, nullable: bool = False):
    values = ", ".join(f"'{c}'" for c in enum_cls.codes())
    expr = f"{column} IN ({values})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name or f"{column}_valid")
