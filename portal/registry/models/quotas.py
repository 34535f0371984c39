"""Staffing quotas (编制) and leadership posts (领导职数): approved vs actual.

Vacancy (空编) and over-establishment (超编/超职数) are derived here, never stored.
"""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import CodedEnum, N_, enum_check
from portal.extensions import db


class QuotaCategory(CodedEnum):
    ADMINISTRATIVE = ("administrative", N_("行政编制"))
    INSTITUTIONAL = ("institutional", N_("事业编制"))
    LOGISTICS = ("logistics", N_("工勤编制"))
    POLITICAL_LEGAL = ("political_legal", N_("政法专项编制"))
    REVOLVING = ("revolving", N_("周转编制"))


class PostRank(CodedEnum):
    CHIEF = ("chief", N_("正职"))
    DEPUTY = ("deputy", N_("副职"))


class _ApprovedActual:
    """Shared arithmetic of an approved/actual pair."""

    approved: int
    actual: int

    @property
    def vacancy(self) -> int:
        """空编 / 空缺职数 (0 when full or over)."""
        return max(self.approved - self.actual, 0)

    @property
    def excess(self) -> int:
        """超编 / 超职数 (0 when within)."""
        return max(self.actual - self.approved, 0)

    @property
    def is_over(self) -> bool:
        return self.actual > self.approved


class StaffingQuota(_ApprovedActual, db.Model):
    __tablename__ = "staffing_quotas"
    __table_args__ = (
        UniqueConstraint("unit_id", "category"),
        enum_check("category", QuotaCategory),
        CheckConstraint("approved >= 0", name="approved_nonneg"),
        CheckConstraint("actual >= 0", name="actual_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    approved: Mapped[int] = mapped_column(Integer, default=0)
    actual: Mapped[int] = mapped_column(Integer, default=0)

    unit = relationship("Unit", back_populates="quotas")

    @property
    def category_enum(self) -> QuotaCategory:
        return QuotaCategory(self.category)


class LeadershipPost(_ApprovedActual, db.Model):
    """Posts of the unit itself (department_id NULL) or of one internal department."""

    __tablename__ = "leadership_posts"
    __table_args__ = (
        UniqueConstraint("unit_id", "department_id", "rank"),
        enum_check("rank", PostRank),
        CheckConstraint("approved >= 0", name="approved_nonneg"),
        CheckConstraint("actual >= 0", name="actual_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("internal_departments.id"), index=True)
    rank: Mapped[str] = mapped_column(String(10))
    approved: Mapped[int] = mapped_column(Integer, default=0)
    actual: Mapped[int] = mapped_column(Integer, default=0)

    unit = relationship("Unit", back_populates="posts", overlaps="posts")
    department = relationship("InternalDepartment", back_populates="posts")

    @property
    def rank_enum(self) -> PostRank:
        return PostRank(self.rank)
