"""The rectification notice (整改通知书) and its delivery to each responsible unit (签收)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import enum_check
from portal.extensions import db
from portal.timeutil import utcnow

from inspection.models.enums import NoticeKind


class RectificationNotice(db.Model):
    __tablename__ = "rectification_notices"
    __table_args__ = (
        UniqueConstraint("office_id", "number_year", "number_seq", name="uq_notices_number"),
        enum_check("kind", NoticeKind),
        CheckConstraint("number_seq > 0", name="number_seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(60))
    number_year: Mapped[int] = mapped_column(Integer)
    number_seq: Mapped[int] = mapped_column(Integer)
    # the requirements paragraph of the notice (整改要求); the findings and deadlines are listed below it
    requirements: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str] = mapped_column(String(100))

    case = relationship("Case")
    office = relationship("Office")
    findings = relationship("Finding", back_populates="notice", order_by="Finding.seq")
    deliveries: Mapped[list[NoticeDelivery]] = relationship(back_populates="notice", order_by="NoticeDelivery.id")

    @property
    def kind_enum(self) -> NoticeKind:
        return NoticeKind(self.kind)


class NoticeDelivery(db.Model):
    """The notice as one responsible unit receives it: only that unit's findings; signed for once."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "unit_id"),
        CheckConstraint("(signed_at IS NULL) = (signed_by_name IS NULL)", name="signature_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("rectification_notices.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_by_name: Mapped[str | None] = mapped_column(String(100))

    notice: Mapped[RectificationNotice] = relationship(back_populates="deliveries")
    unit = relationship("Unit")

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None
