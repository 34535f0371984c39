"""Internal departments (内设机构), each with its functions and its own leadership posts."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class InternalDepartment(db.Model):
    __tablename__ = "internal_departments"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    functions_md: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    unit = relationship("Unit", back_populates="departments")
    posts = relationship(
        "LeadershipPost", back_populates="department", cascade="all, delete-orphan", order_by="LeadershipPost.rank"
    )
