"""User records: create, update, deactivate and reactivate users, passwords, and ``find_user``.

Staff bind to an office, unit users to a unit, discipline users to a discipline body; the binding is
checked against what the actor manages (``actor=None``, the command line, may use any office).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts import passwords, permissions
from portal.accounts.models import Role, User
from portal.accounts.services.guards import require_manage, require_manager
from portal.audit import services as audit
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry.jurisdiction import root_office
from portal.registry.models import DisciplineBody, Office, Unit, UnitStatus
from portal.timeutil import utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{2,49}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DISPLAY_NAME_MAX = 50
EMAIL_MAX = 120

# the fields an audit diff shows for a user (never the password or its hash)
AUDITED_FIELDS = ("username", "display_name", "email", "role", "office_id", "unit_id", "discipline_body_id",
                  "is_enabled")


# ---------------------------------------------------------------- helpers

def _snapshot(user: User) -> dict:
    return {name: getattr(user, name) for name in AUDITED_FIELDS}


def _office_in_scope(actor: User | None, office: Office | None) -> bool:
    if office is None:
        return False
    if actor is None:
        return True
    mine = permissions.manageable_office(actor)
    return mine is not None and office.id == mine.id


def find_user(username: str) -> User | None:
    """The user with this name, ignoring letter case (names are unique regardless of case)."""
    name = (username or "").strip()
    if not name:
        return None
    return db.session.execute(
        select(User).where(func.lower(User.username) == name.lower())
    ).scalar_one_or_none()


def _parse_role(value, errors: dict) -> str | None:
    try:
        return Role.from_label(str(value or "")).value
    except ValueError:
        allowed = "、".join(f"{m.value}（{m.label}）" for m in Role)
        errors["role"] = _("未知角色：%(role)s。可选角色：%(allowed)s。", role=value or "", allowed=allowed)
        return None


def _as_int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never an id: reported as "not found"


@dataclass
class Binding:
    office_id: int | None = None
    unit_id: int | None = None
    discipline_body_id: int | None = None


def _resolve_binding(actor: User | None, role: str, data: dict, current: User | None, errors: dict) -> Binding:
    """Which office, unit or discipline body the role binds to; errors go to the form's fields."""
    if role in permissions.STAFF_ROLES:
        office_id = _as_int(data.get("office_id"))
        if office_id is None and current is not None and "office_id" not in data:
            office_id = current.office_id
        if office_id is None:
            office = permissions.manageable_office(actor) if actor is not None else root_office()
        else:
            office = db.session.get(Office, office_id) if office_id > 0 else None
        if not _office_in_scope(actor, office):
            errors["office_id"] = _("所选编办不存在，或不在您的管理范围内。")
            return Binding()
        return Binding(office_id=office.id)

    if role == Role.UNIT.value:
        unit = None
        code = (data.get("unit_code") or "").strip().upper()
        unit_id = _as_int(data.get("unit_id"))
        if code:
            unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
        elif unit_id is not None:
            unit = db.session.get(Unit, unit_id) if unit_id > 0 else None
        elif current is not None and current.unit_id is not None:
            unit = current.unit
        else:
            errors["unit_code"] = _("被督查单位用户须绑定一个单位，请填写其统一社会信用代码。")
            return Binding()
        if unit is None or not _office_in_scope(actor, unit.office):
            errors["unit_code"] = _("未找到该单位，或该单位不在您的管理范围内。")
            return Binding()
        if unit.status == UnitStatus.ABOLISHED.value and (current is None or current.unit_id != unit.id):
            errors["unit_code"] = _("该单位已撤销，不能再为其设置用户。")
            return Binding()
        return Binding(unit_id=unit.id)

    # discipline
    body_id = _as_int(data.get("discipline_body_id"))
    if body_id is None and current is not None and "discipline_body_id" not in data:
        body_id = current.discipline_body_id
    if body_id is None:
        errors["discipline_body_id"] = _("纪检监察用户须绑定一个纪检监察机关。")
        return Binding()
    body = db.session.get(DisciplineBody, body_id) if body_id > 0 else None
    if body is None or not _office_in_scope(actor, body.office):
        errors["discipline_body_id"] = _("所选纪检监察机关不存在，或不在您的管理范围内。")
        return Binding()
    return Binding(discipline_body_id=body.id)


def _clean_profile(data: dict, errors: dict, current: User | None = None) -> dict:
    """Display name and e-mail, stripped and checked."""
    display_name = (data.get("display_name", current.display_name if current else "") or "").strip()
    email = (data.get("email", current.email if current else "") or "").strip() or None
    if len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = _("姓名不能超过 %(n)s 个字。", n=DISPLAY_NAME_MAX)
    if email is not None and (len(email) > EMAIL_MAX or not EMAIL_RE.match(email)):
        errors["email"] = _("电子邮箱格式不正确。")
    return {"display_name": display_name, "email": email}


def _password_errors(password: str, username: str, field: str, errors: dict) -> None:
    problems = passwords.policy_errors(password or "", username)
    if problems:
        errors[field] = "".join(problems)


# ---------------------------------------------------------------- users

def create_user(actor: User | None, data: dict, *, actor_name: str | None = None) -> User:
    """Create a user from ``data`` (username, display_name, email, role, office_id, unit_code or
    unit_id, discipline_body_id, password). Staff without an office get the actor's office (the root
    office from the command line)."""
    require_manager(actor)
    errors: dict[str, str] = {}
    username = (data.get("username") or "").strip()
    if not USERNAME_RE.match(username):
        errors["username"] = _("用户名须为 3–50 位英文字母、数字、下划线、点或连字符，并以字母或数字开头。")
    elif find_user(username) is not None:
        errors["username"] = _("用户名“%(name)s”已被使用。", name=username)
    profile = _clean_profile(data, errors)
    role = _parse_role(data.get("role"), errors)
    binding = _resolve_binding(actor, role, data, None, errors) if role else Binding()
    _password_errors(data.get("password") or "", username, "password", errors)
    if errors:
        raise InvalidInput(errors)

    now = utcnow()
    user = User(
        username=username, role=role, password_hash=passwords.hash_password(data["password"]),
        office_id=binding.office_id, unit_id=binding.unit_id, discipline_body_id=binding.discipline_body_id,
        is_enabled=True, failed_login_count=0, password_changed_at=now, created_at=now, **profile,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, changes=audit.diff({}, _snapshot(user)),
                 actor=actor, actor_name=actor_name)
    return user


def update_user(actor: User, user: User, data: dict) -> User:
    """Change display name, e-mail, role and its binding. The username never changes."""
    require_manage(actor, user)
    errors: dict[str, str] = {}
    profile = _clean_profile(data, errors, current=user)
    role = _parse_role(data.get("role", user.role), errors)
    binding = _resolve_binding(actor, role, data, user, errors) if role else Binding()
    if errors:
        raise InvalidInput(errors)
    before = _snapshot(user)
    user.display_name = profile["display_name"]
    user.email = profile["email"]
    user.role = role
    user.office_id, user.unit_id, user.discipline_body_id = (
        binding.office_id, binding.unit_id, binding.discipline_body_id
    )
    db.session.flush()
    db.session.expire(user, ["office", "unit", "discipline_body"])
    changes = audit.diff(before, _snapshot(user))
    if changes:
        audit.record("user.update", "user", user.id, changes=changes, actor=actor)
    return user


def deactivate_user(actor: User, user: User) -> User:
    """Disable the account: it cannot log in, its sessions end and its API tokens stop working."""
    return _set_enabled(actor, user, False)


def reactivate_user(actor: User, user: User) -> User:
    return _set_enabled(actor, user, True)


def _set_enabled(actor: User, user: User, enabled: bool) -> User:
    require_manage(actor, user)
    if user.is_enabled == enabled:
        return user
    before = _snapshot(user)
    user.is_enabled = enabled
    user.rotate_session_nonce()
    db.session.flush()
    audit.record("user.deactivate" if not enabled else "user.reactivate", "user", user.id,
                 changes=audit.diff(before, _snapshot(user)), actor=actor)
    return user


def reset_password(actor: User, user: User, new_password: str) -> User:
    """An administrator sets a new password; every session of the user ends."""
    require_manage(actor, user)
    errors: dict[str, str] = {}
    _password_errors(new_password, user.username, "password", errors)
    if errors:
        raise InvalidInput(errors)
    _store_password(user, new_password)
    audit.record("user.password_reset", "user", user.id, actor=actor)
    return user


def change_own_password(user: User, current_password: str, new_password: str) -> User:
    """The user changes their own password; other sessions end (the caller logs this one in again)."""
    errors: dict[str, str] = {}
    if not passwords.verify_password(user.password_hash, current_password or ""):
        errors["current_password"] = _("当前密码不正确。")
    elif new_password == current_password:
        errors["new_password"] = _("新密码不能与当前密码相同。")
    else:
        _password_errors(new_password, user.username, "new_password", errors)
    if errors:
        raise InvalidInput(errors)
    _store_password(user, new_password)
    audit.record("user.password_change", "user", user.id, actor=user)
    return user


def _store_password(user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_nonce()
    db.session.flush()
