"""A unit's request for more time (延期申请) on a finding, and the inspector's decision.

Approving sets the finding's deadline to ``granted_due_on``; refusing needs a comment. Every request is
kept, so the finding's history shows them all. The requested (and granted) date must be later than the
deadline in force when the request was made (``current_due_on``).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import enum_check
from portal.extensions import db
from portal.timeutil import utcnow

from inspection.models.enums import ExtensionStatus



class ExtensionRequest(db.Model):
    __tablename__ = "extension_requests"
    __table_args__ = (
        enum_check("status", ExtensionStatus),
        CheckConstraint("requested_due_on > current_due_on", name="requested_after_current"),
        CheckConstraint(
            "status != 'approved' OR (granted_due_on IS NOT NULL AND granted_due_on > current_due_on)",
            name="approved_has_later_date",
        ),
        CheckConstraint("status != 'refused' OR decision_comment IS NOT NULL", name="refusal_has_reason"),
        CheckConstraint(
            "status = 'pending' OR (decided_at IS NOT NULL AND decided_by_id IS NOT NULL)", name="decided_has_decider"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ExtensionStatus.PENDING.value, index=True)
    current_due_on: Mapped[date] = mapped_column(Date)
    requested_due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    granted_due_on: Mapped[date | None] = mapped_column(Date)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    finding = relationship("Finding", back_populates="extension_requests")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_enum(self) -> ExtensionStatus:
        return ExtensionStatus(self.status)
