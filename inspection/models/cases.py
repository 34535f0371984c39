"""The supervision case (督查事项): one matter against one unit, from one source, with its team,
internal notes and timeline."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import enum_check
from portal.extensions import db
from portal.timeutil import utcnow

from inspection.models.enums import CaseSource, CaseStatus


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("office_id", "number_year", "number_seq", name="uq_cases_number"),
        enum_check("source", CaseSource),
        enum_check("status", CaseStatus),
        # a dismissal carries its reason; a closed case its closing time
        CheckConstraint("status != 'dismissed' OR dismiss_reason IS NOT NULL", name="dismiss_has_reason"),
        CheckConstraint("status != 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
        CheckConstraint("number_seq > 0", name="number_seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # 杭编督〔2026〕3号: allocated per office and year, without gaps (inspection.numbering)
    number: Mapped[str] = mapped_column(String(60), index=True)
    number_year: Mapped[int] = mapped_column(Integer)
    number_seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), index=True)
    # audit report no., inspection round, hotline report no. …
    source_ref: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.REGISTERED.value, index=True)
    lead_inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)  # 线索收到日期
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # optimistic locking: an edit names the version it started from (stale edits are refused)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    office = relationship("Office")
    unit = relationship("Unit")
    lead_inspector = relationship("User", foreign_keys=[lead_inspector_id])
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    members: Mapped[list[CaseMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMember.id"
    )
    findings = relationship("Finding", back_populates="case", order_by="Finding.seq")

    @property
    def source_enum(self) -> CaseSource:
        return CaseSource(self.source)

    @property
    def status_enum(self) -> CaseStatus:
        return CaseStatus(self.status)

    @property
    def team(self) -> list:
        return [m.user for m in self.members]

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.number}>"


class CaseMember(db.Model):
    """An inspector on the case team (the lead is on the case itself)."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    case: Mapped[Case] = relationship(back_populates="members")
    user = relationship("User")


class CaseNote(db.Model):
    """An internal note (内部备注): staff only, never shown to the unit."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseEvent(db.Model):
    """One line of a case's timeline (办理过程); ``finding_id`` ties it to a finding's own history.
    Append-only: the audit trail is the tamper-evident record, this is what people read."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
