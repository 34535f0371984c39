"""The unit (单位/机构): the register's main record."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import CodedEnum, N_, enum_check
from portal.extensions import db
from portal.timeutil import utcnow


class UnitKind(CodedEnum):
    PARTY_GOV = ("party_gov", N_("党政机关"))
    INSTITUTION = ("institution", N_("事业单位"))
    MASS_ORG = ("mass_org", N_("群团机关"))


class UnitCategory(CodedEnum):
    """Category of a 事业单位 (分类改革)."""

    WELFARE_1 = ("welfare_1", N_("公益一类"))
    WELFARE_2 = ("welfare_2", N_("公益二类"))
    BUSINESS = ("business", N_("生产经营类"))


class Funding(CodedEnum):
    FULL = ("full", N_("财政全额"))
    PARTIAL = ("partial", N_("财政差额"))
    SELF = ("self", N_("自收自支"))


class Level(CodedEnum):
    """机构规格, highest first."""

    BUREAU = ("bureau", N_("正厅级"))
    BUREAU_DEPUTY = ("bureau_deputy", N_("副厅级"))
    DIVISION = ("division", N_("正处级"))
    DIVISION_DEPUTY = ("division_deputy", N_("副处级"))
    SECTION = ("section", N_("正科级"))
    SECTION_DEPUTY = ("section_deputy", N_("副科级"))
    STOCK = ("stock", N_("股级"))


class UnitStatus(CodedEnum):
    ACTIVE = ("active", N_("存续"))
    ABOLISHED = ("abolished", N_("已撤销"))


class UnitNameKind(CodedEnum):
    PLAQUE = ("plaque", N_("加挂牌子"))
    FORMER = ("former", N_("曾用名"))


# Parts of a unit that can be marked classified (涉密) one by one; a classified unit hides all.
CLASSIFIABLE_FIELDS: dict[str, str] = {
    "functions": "主要职责",
    "departments": "内设机构",
    "quotas": "编制",
    "actual_headcount": "实有人数",
    "posts": "领导职数",
    "documents": "设立文件",
    "other_names": "其他名称",
    "parent": "主管部门",
    "funding": "经费形式",
}


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("length(code) = 18", name="code_len"),
        CheckConstraint("length(region_code) = 6", name="region_code_len"),
        enum_check("kind", UnitKind),
        enum_check("category", UnitCategory, nullable=True),
        enum_check("funding", Funding, nullable=True),
        enum_check("level", Level, nullable=True),
        enum_check("status", UnitStatus),
        # only a 事业单位 has a category
        CheckConstraint("category IS NULL OR kind = 'institution'", name="category_institution_only"),
        # an abolished unit carries the date it ended
        CheckConstraint("(status = 'abolished') = (abolished_on IS NOT NULL)", name="abolished_has_date"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    short_name: Mapped[str | None] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    is_civil_service_managed: Mapped[bool] = mapped_column(Boolean, default=False)
    funding: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    # the office with jurisdiction: derived from region_code and the office tree by the service
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=UnitStatus.ACTIVE.value, index=True)
    established_on: Mapped[date | None] = mapped_column(Date)
    abolished_on: Mapped[date | None] = mapped_column(Date)
    functions_md: Mapped[str] = mapped_column(Text, default="")
    is_classified: Mapped[bool] = mapped_column(Boolean, default=False)
    classified_fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")
    office = relationship("Office")
    other_names: Mapped[list[UnitName]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="UnitName.id"
    )
    departments = relationship(
        "InternalDepartment", back_populates="unit", cascade="all, delete-orphan",
        order_by="InternalDepartment.sort_order, InternalDepartment.id",
    )
    quotas = relationship(
        "StaffingQuota", back_populates="unit", cascade="all, delete-orphan", order_by="StaffingQuota.category"
    )
    posts = relationship(
        "LeadershipPost", back_populates="unit", cascade="all, delete-orphan",
        primaryjoin="and_(Unit.id == LeadershipPost.unit_id, LeadershipPost.department_id.is_(None))",
        order_by="LeadershipPost.rank",
        overlaps="posts",
    )
    documents = relationship(
        "EstablishmentDocument", back_populates="unit", cascade="all, delete-orphan",
        order_by="EstablishmentDocument.issued_on",
    )
    events = relationship(
        "UnitEvent", back_populates="unit", cascade="all, delete-orphan",
        order_by="UnitEvent.occurred_on, UnitEvent.id", foreign_keys="UnitEvent.unit_id",
    )

    @property
    def kind_enum(self) -> UnitKind:
        return UnitKind(self.kind)

    @property
    def is_active(self) -> bool:
        return self.status == UnitStatus.ACTIVE.value

    # derived figures (never stored): totals over every quota category, 超编 / 超职数 flags
    @property
    def approved_total(self) -> int:
        return sum(q.approved for q in self.quotas)

    @property
    def actual_total(self) -> int:
        return sum(q.actual for q in self.quotas)

    @property
    def is_over_quota(self) -> bool:
        """超编: some category's actual headcount exceeds its approved quota."""
        return any(q.is_over for q in self.quotas)

    @property
    def is_over_posts(self) -> bool:
        """超职数: the unit's own leadership posts (not its departments') exceed the approved number."""
        return any(p.is_over for p in self.posts)

    def is_field_classified(self, field: str) -> bool:
        return self.is_classified or field in (self.classified_fields or [])

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class UnitName(db.Model):
    """A second plaque (加挂牌子) or a former name (曾用名)."""

    __tablename__ = "unit_names"
    __table_args__ = (enum_check("kind", UnitNameKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20))

    unit: Mapped[Unit] = relationship(back_populates="other_names")
