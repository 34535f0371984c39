"""Reminders already sent: one row per finding, kind and deadline, so `reminders send` sends each once."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow


class ReminderSent(db.Model):
    __tablename__ = "reminders_sent"
    # a deadline that moves (an extension) gets its reminders again for the new date
    __table_args__ = (UniqueConstraint("finding_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    # "before_7", "before_3", "before_1" (working days before the deadline), "missed" (to the unit),
    # "overdue_lead" (to the lead inspector)
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
