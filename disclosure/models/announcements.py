"""Announcements (通知公告): short Markdown notices written by administrators for the public portal.

An announcement is public while ``is_published`` and its ``published_at`` has come (a time in the
future schedules it). The check constraint ties the flag to the time, whatever the services do.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

TITLE_MAX = 200
BODY_MAX = 20000


class Announcement(db.Model):
    __tablename__ = "announcements"
    __table_args__ = (
        # published ⇔ it has a publication time; a draft (or a withdrawn notice) has none
        CheckConstraint("is_published = (published_at IS NOT NULL)", name="published_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_md: Mapped[str] = mapped_column(Text)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    created_by = relationship("User")

    def __repr__(self) -> str:
        return f"<Announcement {self.id} {self.title!r}>"
