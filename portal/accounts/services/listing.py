"""What user lists show: the status filter, the scoped and filtered user query, a user's office."""
from __future__ import annotations

from sqlalchemy import Select, or_, select

from portal.accounts import permissions
from portal.accounts.models import User
from portal.registry.models import DisciplineBody, Office, Unit
from portal.timeutil import utcnow

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
