"""A supervision instruction (督办/催办) from a superior office on a subordinate office's case."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import enum_check
from portal.extensions import db
from portal.timeutil import utcnow

from inspection.models.enums import InstructionKind


class SupervisionInstruction(db.Model):
    __tablename__ = "supervision_instructions"
    __table_args__ = (
        enum_check("kind", InstructionKind),
        CheckConstraint("from_office_id != to_office_id", name="between_offices"),
        CheckConstraint("(answered_at IS NULL) = (answer IS NULL)", name="answer_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    to_office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str] = mapped_column(String(100))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_by_name: Mapped[str | None] = mapped_column(String(100))

    case = relationship("Case")
    from_office = relationship("Office", foreign_keys=[from_office_id])
    to_office = relationship("Office", foreign_keys=[to_office_id])

    @property
    def kind_enum(self) -> InstructionKind:
        return InstructionKind(self.kind)
