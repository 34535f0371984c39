"""Who may do what, and the role- and jurisdiction-scoped queries every feature builds on.

Services call this module; templates only read its answers (``can``/``has_permission`` are
exposed to Jinja). Scope is a query concern: a record outside the caller's scope is never loaded,
and the web and API answer 404 for it, so existence is not revealed.
"""
from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from portal.accounts.models import Role, User
from portal.errors import NotFound, PermissionDenied
from portal.extensions import db
from portal.registry.models import DisciplineBody, Office, Unit

PERMISSIONS: dict[str, str] = {
    "registry.read": "查看机构编制台账",
    "registry.edit": "维护机构编制台账",
    "offices.manage": "管理编办与纪检监察机关",
    "users.manage": "管理用户与权限",
    "audit.read": "查阅审计日志",
    "disclosure.publish": "提交信息公开",
    "disclosure.approve": "审核信息公开（保密审查）",
    "announcements.manage": "管理通知公告",
    "hotline.identity": "查看举报人身份",
    "cases.manage": "办理督查事项",
    "cases.approve": "审批督查事项（免于整改、重新启用）",
    "ledger.sponsor": "查看所属单位的问题台账（主管部门）",
    "settings.manage": "管理系统设置",
}

ROLE_DEFAULTS: dict[str, frozenset[str]] = {
    Role.ADMIN.value: frozenset(
        {
            "registry.read", "registry.edit", "offices.manage", "users.manage", "audit.read",
            "disclosure.publish", "disclosure.approve", "announcements.manage", "settings.manage",
        }
    ),
    Role.INSPECTOR.value: frozenset({"registry.read", "cases.manage"}),
    Role.UNIT.value: frozenset(),
    Role.DISCIPLINE.value: frozenset(),
}

STAFF_ROLES = (Role.ADMIN.value, Role.INSPECTOR.value)


# ---------------------------------------------------------------- named permissions

def permissions_of(user: User | None) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_enabled:
        return frozenset()
    perms = set(ROLE_DEFAULTS.get(user.role, frozenset()))
    for override in user.permission_overrides:
        if override.is_granted:
            perms.add(override.permission)
        else:
            perms.discard(override.permission)
    return frozenset(perms)


def has_permission(user: User | None, permission: str) -> bool:
    return permission in permissions_of(user)


def require_permission(user: User | None, permission: str) -> None:
    if not has_permission(user, permission):
        raise PermissionDenied()


# ---------------------------------------------------------------- offices (分级负责)

def office_subtree_ids(office: Office) -> Select:
    """ids of ``office`` and every office below it (by the office tree's materialised path)."""
    return select(Office.id).where(Office.path.startswith(office.path, autoescape=True))


def is_in_subtree(office: Office, candidate_office_id: int | None) -> bool:
    if candidate_office_id is None:
        return False
    candidate = db.session.get(Office, candidate_office_id)
    return candidate is not None and candidate.path.startswith(office.path)


def offices_query(user: User) -> Select:
    """Offices the user can see: staff see their office's subtree."""
    if user.role in STAFF_ROLES and user.office is not None:
        return select(Office).where(Office.id.in_(office_subtree_ids(user.office)))
    return select(Office).where(false())


# ---------------------------------------------------------------- units

def units_query(user: User, *, for_write: bool = False) -> Select:
    """Units in the user's scope.

    Staff read their office's units and, read-only, those of subordinate offices; they write only
    their own office's units (and need ``registry.edit``). A unit user reads only its own unit.
    """
    query = select(Unit)
    if user.role in STAFF_ROLES and user.office is not None:
        if for_write:
            if not has_permission(user, "registry.edit"):
                return query.where(false())
            return query.where(Unit.office_id == user.office_id)
        if not has_permission(user, "registry.read"):
            return query.where(false())
        return query.where(Unit.office_id.in_(office_subtree_ids(user.office)))
    if user.role == Role.UNIT.value and not for_write:
        return query.where(Unit.id == user.unit_id)
    return query.where(false())


def get_unit_or_404(user: User, unit_id: int, *, for_write: bool = False) -> Unit:
    """The unit if visible (404 otherwise); for writing, 403 when visible but read-only."""
    unit = db.session.execute(units_query(user).where(Unit.id == unit_id)).scalar_one_or_none()
    if unit is None:
        raise NotFound()
    if for_write and not can(user, "unit.edit", unit):
        raise PermissionDenied("该单位由其他编办管理，您只能查看。")
    return unit


# ---------------------------------------------------------------- users

def users_query(user: User, *, for_write: bool = False) -> Select:
    """Users an administrator can see (their office subtree) or manage (their own office)."""
    if user.role not in STAFF_ROLES or user.office is None or not has_permission(user, "users.manage"):
        return select(User).where(false())
    if for_write:
        office_ids = select(Office.id).where(Office.id == user.office_id)
    else:
        office_ids = office_subtree_ids(user.office)
    unit_ids = select(Unit.id).where(Unit.office_id.in_(office_ids))
    body_ids = select(DisciplineBody.id).where(DisciplineBody.office_id.in_(office_ids))
    return select(User).where(
        or_(
            User.office_id.in_(office_ids),
            User.unit_id.in_(unit_ids),
            User.discipline_body_id.in_(body_ids),
        )
    )


def get_user_or_404(actor: User, user_id: int, *, for_write: bool = False) -> User:
    target = db.session.execute(users_query(actor).where(User.id == user_id)).scalar_one_or_none()
    if target is None:
        raise NotFound()
    if for_write and not can(actor, "user.manage", target):
        raise PermissionDenied("该用户属于下级编办，您只能查看。")
    return target


def manageable_office(actor: User) -> Office | None:
    return actor.office if actor.role in STAFF_ROLES else None


# ---------------------------------------------------------------- the one question

def can(user: User | None, action: str, obj=None) -> bool:
    """May ``user`` do ``action`` on ``obj``? The single answer services and templates rely on."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if action == "unit.view":
        return obj is not None and db.session.execute(
            units_query(user).where(Unit.id == obj.id).with_only_columns(Unit.id)
        ).first() is not None
    if action == "unit.edit":
        return (
            obj is not None
            and user.role in STAFF_ROLES
            and has_permission(user, "registry.edit")
            and obj.office_id == user.office_id
        )
    if action == "unit.create":
        return user.role in STAFF_ROLES and has_permission(user, "registry.edit")
    if action == "user.manage":
        if obj is not None and obj.id == user.id:
            return False  # nobody changes their own role, permissions or lock
        return obj is not None and db.session.execute(
            users_query(user, for_write=True).where(User.id == obj.id).with_only_columns(User.id)
        ).first() is not None
    if action == "office.manage":
        return has_permission(user, "offices.manage") and user.office is not None and (
            obj is None or is_in_subtree(user.office, obj.id)
        )
    if "." in action and action in PERMISSIONS:
        return has_permission(user, action)
    raise ValueError(f"unknown action {action!r}")
