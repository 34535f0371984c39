"""Establishment offices (编办) form a tree; discipline bodies (纪委监委) hang off an office."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class Office(db.Model):
    __tablename__ = "offices"
    __table_args__ = (CheckConstraint("length(region_code) = 6", name="region_code_len"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # abbreviation used in document numbers (杭编督〔2026〕3号)
    short_name: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(6), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    # materialised path of ids ("/1/4/"): subtree queries are one LIKE; kept by the service
    path: Mapped[str] = mapped_column(String(255), index=True, default="/")
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    hours: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Office | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Office]] = relationship(back_populates="parent", order_by="Office.region_code")

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    def __repr__(self) -> str:
        return f"<Office {self.id} {self.name}>"


class DisciplineBody(db.Model):
    __tablename__ = "discipline_bodies"
    __table_args__ = (UniqueConstraint("office_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    office: Mapped[Office] = relationship()
