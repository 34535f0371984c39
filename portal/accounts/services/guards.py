"""Who may manage which users: the permission checks the account actions share."""
from __future__ import annotations

from flask_babel import gettext as _

from portal.accounts import permissions
from portal.accounts.models import User
from portal.errors import PermissionDenied


def require_manager(actor: User | None) -> None:
    """The actor may manage users at all (the command line always may)."""
    if actor is None:
        return
    permissions.require_permission(actor, "users.manage")
    if permissions.manageable_office(actor) is None:
        raise PermissionDenied()


def require_manage(actor: User, target: User) -> None:
    """``actor`` may change ``target``: not themselves, and only users of their own office."""
    if actor.id == target.id:
        raise PermissionDenied(_("不能修改自己的角色、权限、锁定或启用状态，请由其他管理员操作。"))
    if not permissions.can(actor, "user.manage", target):
        raise PermissionDenied(_("该用户不在您的管理范围内（下级编办的用户只能查看）。"))
