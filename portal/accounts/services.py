"""Account actions: create and change users, passwords, per-user permissions, login and lockout.

Every function validates its input (``InvalidInput`` with Chinese messages per field), checks the
actor's right through ``portal.accounts.permissions``, changes state, writes an audit event and
flushes; the caller commits once. ``actor=None`` means the command line (an operator on the server):
it is trusted and may place users in any office.

Login (``authenticate``) is the exception to "raise and roll back": a refused login raises
``LoginRefused`` *after* recording the failure (counter, lock, audit, notification), and the caller
commits those before showing the message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from portal import signals
from portal.accounts import passwords, permissions, tokens
from portal.accounts.models import ApiToken, Role, User, UserPermission
from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from portal.extensions import db
from portal.notify.services import notify
from portal.registry.jurisdiction import root_office
from portal.registry.models import DisciplineBody, Office, Unit, UnitStatus
from portal.timeutil import as_utc, to_beijing, utcnow

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{2,49}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DISPLAY_NAME_MAX = 50
EMAIL_MAX = 120

# per-user permission override states
PERMISSION_STATES = {"default": "按角色默认", "granted": "单独授予", "revoked": "单独收回"}

# the fields an audit diff shows for a user (never the password or its hash)
AUDITED_FIELDS = ("username", "display_name", "email", "role", "office_id", "unit_id", "discipline_body_id",
                  "is_enabled")

ANONYMOUS = "匿名"


class LoginRefused(ServiceError):
    """The login was refused; ``message`` says why in words safe to show on the login page."""

    status = 401
    code = "login_refused"


def bad_credentials_message() -> str:
    return _("用户名或密码错误。")


# ---------------------------------------------------------------- helpers

def _snapshot(user: User) -> dict:
    return {name: getattr(user, name) for name in AUDITED_FIELDS}


def _link(endpoint: str, **values) -> str | None:
    """A path for a notification link, when there is a request to build it from."""
    return url_for(endpoint, **values) if has_request_context() else None


def _require_manager(actor: User | None) -> None:
    """The actor may manage users at all (the command line always may)."""
    if actor is None:
        return
    permissions.require_permission(actor, "users.manage")
    if permissions.manageable_office(actor) is None:
        raise PermissionDenied()


def _require_manage(actor: User, target: User) -> None:
    """``actor`` may change ``target``: not themselves, and only users of their own office."""
    if actor.id == target.id:
        raise PermissionDenied(_("不能修改自己的角色、权限、锁定或启用状态，请由其他管理员操作。"))
    if not permissions.can(actor, "user.manage", target):
        raise PermissionDenied(_("该用户不在您的管理范围内（下级编办的用户只能查看）。"))


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
    _require_manager(actor)
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
    _require_manage(actor, user)
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
    _require_manage(actor, user)
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
    _require_manage(actor, user)
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


# ---------------------------------------------------------------- per-user permissions

def permission_state(user: User, permission: str) -> str:
    for override in user.permission_overrides:
        if override.permission == permission:
            return "granted" if override.is_granted else "revoked"
    return "default"


def set_permission(actor: User, user: User, permission: str, state: str) -> bool:
    """Grant, revoke or return to the role default one named permission; True when it changed."""
    return bool(set_permissions(actor, user, {permission: state}))


def set_permissions(actor: User, user: User, states: dict[str, str]) -> list[str]:
    """Apply several overrides at once (all or nothing); returns the permissions that changed."""
    errors: dict[str, str] = {}
    for permission, state in states.items():
        if permission not in permissions.PERMISSIONS:
            errors["permission"] = _("未知权限：%(name)s。", name=permission)
        elif state not in PERMISSION_STATES:
            errors["state"] = _("权限设置须为 default（按角色默认）、granted（授予）或 revoked（收回）。")
    if errors:
        raise InvalidInput(errors)
    _require_manage(actor, user)
    changed = []
    for permission, state in sorted(states.items()):
        old = permission_state(user, permission)
        if old == state:
            continue
        override = next((o for o in user.permission_overrides if o.permission == permission), None)
        if state == "default":
            user.permission_overrides.remove(override)
        elif override is None:
            user.permission_overrides.append(UserPermission(permission=permission, is_granted=state == "granted"))
        else:
            override.is_granted = state == "granted"
        db.session.flush()
        audit.record("user.permission", "user", user.id, changes={permission: [old, state]},
                     details={"effective": permissions.has_permission(user, permission)}, actor=actor)
        changed.append(permission)
    return changed


@dataclass
class PermissionRow:
    name: str
    label: str
    by_role: bool
    state: str
    effective: bool

    @property
    def state_label(self) -> str:
        return _(PERMISSION_STATES[self.state])


def permission_table(user: User) -> list[PermissionRow]:
    """Every named permission: what the role gives, the override, and the result."""
    effective = permissions.permissions_of(user)
    by_role = permissions.ROLE_DEFAULTS.get(user.role, frozenset())
    return [
        PermissionRow(name, _(label), name in by_role, permission_state(user, name), name in effective)
        for name, label in permissions.PERMISSIONS.items()
    ]


# ---------------------------------------------------------------- login and lockout

@lru_cache(maxsize=4)
def _dummy_hash(_params: tuple) -> str:
    return passwords.hash_password("not-a-real-password")


def _spend_like_a_check(password: str) -> None:
    """Verify against a throwaway hash so unknown names take as long as wrong passwords."""
    cfg = current_app.config
    params = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    passwords.verify_password(_dummy_hash(params), password)


def lock_message(user: User) -> str:
    """"账户已锁定，请于 HH:MM 后再试…" with the minute (Beijing time) when the lock ends."""
    until = to_beijing(user.locked_until)
    if until.second or until.microsecond:
        until = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _("账户已锁定，请于 %(time)s 后再试或联系管理员解锁。", time=until.strftime("%H:%M"))


def _login_failed(username: str, user: User | None, reason: str) -> None:
    audit.record("auth.login_failed", "user", user.id if user else None, actor=None, actor_name=ANONYMOUS,
                 details={"username": username[:50], "reason": reason})


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User:
    """Check a login. Returns the user, or records the failure and raises ``LoginRefused``.

    ``LOCKOUT_THRESHOLD`` failures in a row lock the account for ``LOCKOUT_MINUTES``; a locked
    account refuses even the right password until the lock ends or an admin unlocks it. Unknown
    names and wrong passwords get the same message.
    """
    now = now or utcnow()
    username = (username or "").strip()
    user = find_user(username)
    if user is None:
        _spend_like_a_check(password or "")
        _login_failed(username, None, "unknown_user")
        raise LoginRefused(bad_credentials_message())
    if user.is_locked(now):
        _login_failed(username, user, "locked")
        raise LoginRefused(lock_message(user))
    if not passwords.verify_password(user.password_hash, password or ""):
        if not user.is_enabled:
            _login_failed(username, user, "disabled")
            raise LoginRefused(bad_credentials_message())
        user.failed_login_count = (user.failed_login_count or 0) + 1
        _login_failed(username, user, "bad_password")
        if user.failed_login_count >= int(current_app.config["LOCKOUT_THRESHOLD"]):
            _lock(user, now)
            db.session.flush()
            raise LoginRefused(lock_message(user))
        db.session.flush()
        raise LoginRefused(bad_credentials_message())
    if not user.is_enabled:
        _login_failed(username, user, "disabled")
        raise LoginRefused(_("该账户已停用，请联系管理员。"))

    changes = {}
    if user.failed_login_count or user.locked_until is not None:
        changes = {"failed_login_count": [user.failed_login_count, 0]}
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    rehashed = passwords.needs_rehash(user.password_hash)
    if rehashed:
        user.password_hash = passwords.hash_password(password)
    db.session.flush()
    audit.record("auth.login", "user", user.id, actor=user, changes=changes,
                 details={"rehashed": True} if rehashed else None)
    return user


def _lock(user: User, now: datetime) -> None:
    failures = user.failed_login_count
    user.locked_until = now + timedelta(minutes=int(current_app.config["LOCKOUT_MINUTES"]))
    # the next window starts counting afresh once the lock ends
    user.failed_login_count = 0
    audit.record("auth.locked", "user", user.id, actor=None, actor_name=ANONYMOUS,
                 changes={"locked_until": [None, as_utc(user.locked_until).isoformat()]},
                 details={"failures": failures})
    notify(
        user, "account_locked",
        _("您的账户因连续 %(n)s 次登录失败已被锁定至 %(time)s（北京时间）。如非本人操作，请立即联系管理员。",
          n=failures, time=to_beijing(user.locked_until).strftime("%Y-%m-%d %H:%M")),
        link=_link("accounts.profile"),
    )
    signals.user_locked.send(user, until=user.locked_until, failures=failures)


def record_logout(user: User) -> None:
    audit.record("auth.logout", "user", user.id, actor=user)


def unlock_user(actor: User, user: User) -> User:
    """An administrator ends a lock early (and clears the failure count)."""
    _require_manage(actor, user)
    if user.locked_until is None and not user.failed_login_count:
        return user
    changes = audit.diff(
        {"locked_until": user.locked_until, "failed_login_count": user.failed_login_count},
        {"locked_until": None, "failed_login_count": 0},
    )
    user.locked_until = None
    user.failed_login_count = 0
    db.session.flush()
    audit.record("user.unlock", "user", user.id, changes=changes, actor=actor)
    return user


# ---------------------------------------------------------------- API tokens

def issue_own_token(user: User) -> str:
    """A new API token for the user themselves, returned in clear once."""
    if not user.is_enabled:
        raise PermissionDenied(_("该账户已停用。"))
    return tokens.issue_token(user, actor=user)


def issue_token_by_cli(user: User, actor_name: str) -> str:
    if not user.is_enabled:
        raise InvalidInput({"username": _("用户“%(name)s”已停用，不能签发令牌。", name=user.username)})
    return tokens.issue_token(user, actor=None, actor_name=actor_name)


def revoke_api_token(actor: User, token_id: int) -> ApiToken:
    """Revoke a token: one's own, or one of a user the actor manages."""
    record = db.session.get(ApiToken, token_id)
    if record is None:
        raise NotFound()
    if record.user_id != actor.id:
        permissions.get_user_or_404(actor, record.user_id)
        _require_manage(actor, record.user)
    tokens.revoke_token(record, actor=actor)
    db.session.flush()
    return record


# ---------------------------------------------------------------- lists

USER_STATUSES = {"active": "在用", "disabled": "已停用", "locked": "已锁定"}


def users_list_query(actor: User, *, role: str | None = None, office_id: int | None = None,
                     status: str | None = None, q: str | None = None) -> Select:
    """The users the actor may see, filtered, in a stable order (for paging)."""
    query = permissions.users_query(actor)
    if role:
        query = query.where(User.role == role)
    if office_id:
        unit_ids = select(Unit.id).where(Unit.office_id == office_id)
        body_ids = select(DisciplineBody.id).where(DisciplineBody.office_id == office_id)
        query = query.where(or_(User.office_id == office_id, User.unit_id.in_(unit_ids),
                                User.discipline_body_id.in_(body_ids)))
    if status == "active":
        query = query.where(User.is_enabled.is_(True))
    elif status == "disabled":
        query = query.where(User.is_enabled.is_(False))
    elif status == "locked":
        query = query.where(User.locked_until > utcnow())
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
    return query.order_by(User.username)


def user_office(user: User) -> Office | None:
    """The office a user belongs to: directly (staff), or through their unit or discipline body."""
    if user.office is not None:
        return user.office
    if user.unit is not None:
        return user.unit.office
    if user.discipline_body is not None:
        return user.discipline_body.office
    return None
