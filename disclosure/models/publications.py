"""A unit's publication (公开): one row per unit and version, holding the frozen public snapshot.

The lifecycle (``PublicationStatus``) is driven only by ``disclosure.lifecycle``'s transition table.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import CodedEnum, N_, enum_check
from portal.extensions import db
from portal.timeutil import utcnow


class PublicationStatus(CodedEnum):
    PROPOSED = ("proposed", N_("待审核"))
    PUBLISHED = ("published", N_("已公开"))
    REJECTED = ("rejected", N_("未通过"))
    WITHDRAWN = ("withdrawn", N_("已撤回"))
    SUPERSEDED = ("superseded", N_("已被新版本替代"))


class Publication(db.Model):
    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint("unit_id", "version"),
        enum_check("status", PublicationStatus),
        CheckConstraint("version >= 1", name="version_positive"),
        # at most one open proposal and one published version per unit, whatever races the services
        Index("uq_publications_one_open", "unit_id", unique=True,
              sqlite_where=text("status = 'proposed'"), postgresql_where=text("status = 'proposed'")),
        Index("uq_publications_one_published", "unit_id", unique=True,
              sqlite_where=text("status = 'published'"), postgresql_where=text("status = 'published'")),
        # a publication that went through review carries the secrecy review opinion (保密审查意见)
        CheckConstraint(
            "status IN ('proposed', 'withdrawn') OR review_opinion IS NOT NULL", name="reviewed_has_opinion"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # the public fields, frozen when proposed (disclosure.snapshot.build_snapshot)
    snapshot: Mapped[dict] = mapped_column(JSON)

    # users by id where there is one; the name also covers the command line and the system
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_by_name: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by_name: Mapped[str | None] = mapped_column(String(100))
    # indexed: the open-data API's Last-Modified is the latest review or withdrawal of any publication
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    review_opinion: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_by_name: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)

    unit = relationship("Unit")

    @property
    def status_enum(self) -> PublicationStatus:
        return PublicationStatus(self.status)

    @property
    def published_at(self) -> datetime | None:
        """When it went public: the approval time (None while proposed or if rejected)."""
        if self.status in (PublicationStatus.PROPOSED.value, PublicationStatus.REJECTED.value):
            return None
        return self.reviewed_at

    def __repr__(self) -> str:
        return f"<Publication unit={self.unit_id} v{self.version} {self.status}>"
