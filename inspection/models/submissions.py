"""A unit's rectification report (整改报告) on a finding, with its evidence files (佐证材料).

A submission starts as the unit's draft (``draft``), is submitted (``submitted``: the finding waits for
review) and is decided once: accepted (the finding is 销号) or returned with comments and a new deadline
(the unit then writes the next round). Every round is kept. ``due_on`` is the deadline in force when it
was submitted and ``submitted_on`` the date in Beijing: a submission is on time when
``submitted_on <= due_on``; an on-time submission waiting for review stops the unit's clock.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import enum_check
from portal.extensions import db
from portal.timeutil import utcnow

from inspection.models.enums import SubmissionStatus



class RectificationSubmission(db.Model):
    __tablename__ = "rectification_submissions"
    __table_args__ = (
        UniqueConstraint("finding_id", "round"),
        enum_check("status", SubmissionStatus),
        CheckConstraint(
            "status = 'draft' OR (submitted_at IS NOT NULL AND submitted_on IS NOT NULL AND due_on IS NOT NULL"
            " AND submitted_by_id IS NOT NULL)",
            name="submitted_has_time",
        ),
        CheckConstraint(
            "status NOT IN ('accepted', 'returned') OR (reviewed_at IS NOT NULL AND reviewed_by_id IS NOT NULL)",
            name="decided_has_reviewer",
        ),
        CheckConstraint(
            "status != 'returned' OR (review_comment IS NOT NULL AND returned_due_on IS NOT NULL)",
            name="return_has_comment_and_deadline",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # 第 N 轮, from 1
    status: Mapped[str] = mapped_column(String(20), default=SubmissionStatus.DRAFT.value, index=True)
    measures: Mapped[str] = mapped_column(Text, default="")  # 整改措施
    result: Mapped[str] = mapped_column(Text, default="")  # 整改结果
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    submitted_on: Mapped[date | None] = mapped_column(Date)  # the date in Beijing
    due_on: Mapped[date | None] = mapped_column(Date)  # the deadline in force when submitted
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_comment: Mapped[str | None] = mapped_column(Text)
    returned_due_on: Mapped[date | None] = mapped_column(Date)  # the new deadline a return set
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    finding = relationship("Finding", back_populates="submissions")
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="EvidenceFile.id"
    )
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    @property
    def status_enum(self) -> SubmissionStatus:
        return SubmissionStatus(self.status)

    @property
    def is_on_time(self) -> bool | None:
        if self.submitted_on is None or self.due_on is None:
            return None
        return self.submitted_on <= self.due_on


class EvidenceFile(db.Model):
    __tablename__ = "evidence_files"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("rectification_submissions.id"), index=True)
    # random name relative to the data directory's files area; never derived from the upload's name
    stored_name: Mapped[str] = mapped_column(String(120), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # pdf, jpeg, png, ofd, docx, xlsx
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission: Mapped[RectificationSubmission] = relationship(back_populates="evidence")
