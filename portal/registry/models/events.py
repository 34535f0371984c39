"""沿革: dated events in a unit's life, each with its document. The audit trail is separate."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import CodedEnum, N_, enum_check
from portal.extensions import db
from portal.timeutil import utcnow


class UnitEventKind(CodedEnum):
    ESTABLISHED = ("established", N_("设立"))
    RENAMED = ("renamed", N_("更名"))
    MERGED = ("merged", N_("合并"))
    ABOLISHED = ("abolished", N_("撤销"))
    FUNCTIONS_CHANGED = ("functions_changed", N_("职责调整"))
    QUOTAS_CHANGED = ("quotas_changed", N_("编制调整"))


class UnitEvent(db.Model):
    __tablename__ = "unit_events"
    __table_args__ = (enum_check("kind", UnitEventKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("establishment_documents.id"))
    # for a merge: the unit this one was merged into (or absorbed)
    related_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit = relationship("Unit", back_populates="events", foreign_keys=[unit_id])
    related_unit = relationship("Unit", foreign_keys=[related_unit_id])
    document = relationship("EstablishmentDocument")

    @property
    def kind_enum(self) -> UnitEventKind:
        return UnitEventKind(self.kind)
