"""Time rules: store UTC, show and reason in Beijing time (Asia/Shanghai)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Aware UTC now; columns are ``DateTime(timezone=True)``."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


def to_beijing(value: datetime) -> datetime:
    return as_utc(value).astimezone(BEIJING)
