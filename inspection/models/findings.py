"""A finding (问题): one problem in a case, in one indicator area, with its rectification."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import enum_check
from portal.extensions import db
from portal.timeutil import utcnow

from inspection.models.enums import IndicatorArea, RectificationStatus, Severity, ViolationType


class Finding(db.Model):
    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        enum_check("area", IndicatorArea),
        enum_check("violation_type", ViolationType),
        enum_check("severity", Severity),
        enum_check("rectification_status", RectificationStatus, nullable=True),
        # a finding needing rectification has a rectification state; one that does not, none
        CheckConstraint(
            "(needs_rectification AND rectification_status IS NOT NULL)"
            " OR (NOT needs_rectification AND rectification_status IS NULL)",
            name="rectification_state_matches",
        ),
        # a finding on a notice has its deadline fixed
        CheckConstraint("notice_id IS NULL OR NOT needs_rectification OR due_on IS NOT NULL", name="notice_fixes_due"),
        CheckConstraint("rectification_status != 'waived' OR waiver_reason IS NOT NULL", name="waiver_has_reason"),
        CheckConstraint("(due_counted_from_on IS NULL) = (due_working_days IS NULL)", name="due_count_complete"),
        CheckConstraint("period_working_days IS NULL OR period_working_days BETWEEN 1 AND 250",
                        name="period_working_days_range"),
        CheckConstraint(
            "rectification_status != 'waived' OR (waiver_approved_by_id IS NOT NULL"
            " AND waiver_approved_by_id != waiver_requested_by_id)",
            name="waiver_second_person",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 问题一、二… within the case
    area: Mapped[str] = mapped_column(String(20), index=True)
    violation_type: Mapped[str] = mapped_column(String(30), index=True)
    description: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text, default="")  # 依据
    severity: Mapped[str] = mapped_column(String(10), default=Severity.MINOR.value)
    responsible_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    needs_rectification: Mapped[bool] = mapped_column(Boolean, default=True)
    # the deadline (限期): set by hand or computed in working days when the notice is issued
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # counted Monday–Friday because the statutory calendar of that year was not known yet
    is_due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # how a counted deadline was counted (``due_working_days`` working days after ``due_counted_from_on``),
    # so it can be counted again when a year's schedule is entered; both empty for a date set by hand
    due_counted_from_on: Mapped[date | None] = mapped_column(Date)
    due_working_days: Mapped[int | None] = mapped_column(Integer)
    # the inspector's own rectification period for this finding (working days after the notice), instead of
    # RECTIFICATION_WORKING_DAYS; used when the notice fixes the deadline (a date set by hand wins)
    period_working_days: Mapped[int | None] = mapped_column(Integer)
    rectification_status: Mapped[str | None] = mapped_column(String(20), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_notices.id"), index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acceptance_comment: Mapped[str | None] = mapped_column(Text)
    # 免于整改: proposed by one person with a reason, approved by another holding cases.approve
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waiver_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waiver_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    waiver_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waiver_approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    case = relationship("Case", back_populates="findings")
    responsible_unit = relationship("Unit")
    notice = relationship("RectificationNotice", back_populates="findings")
    waiver_requested_by = relationship("User", foreign_keys=[waiver_requested_by_id])
    waiver_approved_by = relationship("User", foreign_keys=[waiver_approved_by_id])
    accepted_by = relationship("User", foreign_keys=[accepted_by_id])
    submissions = relationship(
        "RectificationSubmission", back_populates="finding", order_by="RectificationSubmission.round"
    )
    extension_requests = relationship(
        "ExtensionRequest", back_populates="finding", order_by="ExtensionRequest.requested_at"
    )

    @property
    def area_enum(self) -> IndicatorArea:
        return IndicatorArea(self.area)

    @property
    def violation_enum(self) -> ViolationType:
        return ViolationType(self.violation_type)

    @property
    def severity_enum(self) -> Severity:
        return Severity(self.severity)

    @property
    def rectification_enum(self) -> RectificationStatus | None:
        return RectificationStatus(self.rectification_status) if self.rectification_status else None

    @property
    def rectification_label(self) -> str:
        """The rectification state in words for messages (无需整改 when the finding needs none)."""
        return self.rectification_enum.raw_label if self.rectification_enum else "无需整改"

    @property
    def is_waiver_requested(self) -> bool:
        return self.waiver_requested_at is not None and self.rectification_status != RectificationStatus.WAIVED.value

    @property
    def is_settled(self) -> bool:
        """Nothing left to do: no rectification needed, or accepted, or waived."""
        return not self.needs_rectification or self.rectification_status in (
            RectificationStatus.ACCEPTED.value, RectificationStatus.WAIVED.value
        )
