"""Per-user permission overrides: grant or revoke one named permission beside the role's defaults,
and the table (role default, override, result) the user page shows."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from portal.accounts import permissions
from portal.accounts.models import User, UserPermission
from portal.accounts.services.guards import require_manage
from portal.audit import services as audit
from portal.errors import InvalidInput
from portal.extensions import db

# per-user permission override states
PERMISSION_STATES = {"default": "按角色默认", "granted": "单独授予", "revoked": "单独收回"}


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
    require_manage(actor, user)
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
