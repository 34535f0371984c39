"""Users, their one role, and per-user permission grants and revocations."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.enums import CodedEnum, N_, enum_check
from portal.extensions import db
from portal.timeutil import as_utc, utcnow


class Role(CodedEnum):
    ADMIN = ("admin", N_("管理员"))
    INSPECTOR = ("inspector", N_("督查人员"))
    UNIT = ("unit", N_("被督查单位"))
    DISCIPLINE = ("discipline", N_("纪检监察"))


def _new_nonce() -> str:
    return secrets.token_hex(8)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", Role),
        # the role decides which binding the user carries
        CheckConstraint("(role = 'unit') = (unit_id IS NOT NULL)", name="unit_role_has_unit"),
        CheckConstraint(
            "(role = 'discipline') = (discipline_body_id IS NOT NULL)", name="discipline_role_has_body"
        ),
        CheckConstraint("role NOT IN ('admin', 'inspector') OR office_id IS NOT NULL", name="staff_have_office"),
        CheckConstraint("failed_login_count >= 0", name="failed_login_count_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    discipline_body_id: Mapped[int | None] = mapped_column(ForeignKey("discipline_bodies.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # changes on password reset or deactivation: every session cookie made before stops working
    session_nonce: Mapped[str] = mapped_column(String(32), default=_new_nonce)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    office = relationship("Office")
    unit = relationship("Unit")
    discipline_body = relationship("DisciplineBody")
    permission_overrides: Mapped[list[UserPermission]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserPermission.permission"
    )
    tokens = relationship("ApiToken", back_populates="user", order_by="ApiToken.created_at.desc()")

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}.{self.session_nonce}"

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled users cannot log in or keep a session
        return self.is_enabled

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and as_utc(self.locked_until) > (now or utcnow())

    def rotate_session_nonce(self) -> None:
        self.session_nonce = _new_nonce()

    @property
    def label(self) -> str:
        return f"{self.display_name or self.username}（{self.username}）"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserPermission(db.Model):
    """A per-user override: ``is_granted`` adds a permission, False revokes one the role gives."""

    __tablename__ = "user_permissions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(50), primary_key=True)
    is_granted: Mapped[bool] = mapped_column(Boolean)

    user: Mapped[User] = relationship(back_populates="permission_overrides")
