"""Working-day calendars entered by administrators.

- ``CalendarYear`` + ``CalendarDay``: a year's official national schedule (国务院办公厅关于部分节假日安排的
  通知), entered when it is published. Once a year is entered it wins over the ``chinesecalendar``
  package for that year. Only the days that differ from Monday–Friday are listed: holidays falling on a
  weekday (``is_workday`` false) and adjusted working weekend days, 调休上班 (``is_workday`` true).
- ``LocalHoliday``: an extra day off set by one office (e.g. 三月三 in Guangxi); it applies to the
  office's whole subtree.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class CalendarYear(db.Model):
    __tablename__ = "calendar_years"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2200", name="year_range"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # the document it was taken from, e.g. 国办发明电〔2026〕7号
    source: Mapped[str] = mapped_column(String(200), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    days: Mapped[list[CalendarDay]] = relationship(
        back_populates="calendar_year", cascade="all, delete-orphan", order_by="CalendarDay.day"
    )
    entered_by = relationship("User")


class CalendarDay(db.Model):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year"), index=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(50), default="")  # 春节 / 国庆节调休上班 …

    calendar_year: Mapped[CalendarYear] = relationship(back_populates="days")


class LocalHoliday(db.Model):
    __tablename__ = "local_holidays"
    __table_args__ = (UniqueConstraint("office_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    name: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    office = relationship("Office")
