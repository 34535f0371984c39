"""Demo step of the accounts: one user per role, and an inspector for every district office.

Runs after the register's step (it needs the offices, units and discipline body). Passwords are fixed
demo values, printed so whoever loads the demo can sign in; an existing user is left alone.
"""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts import services
from portal.demo import demo_step
from portal.extensions import db
from portal.registry.jurisdiction import root_office
from portal.registry.models import DisciplineBody, Office, Unit

ACTOR_NAME = "演示数据"

# username, display name, role, binding, password
DEMO_USERS = [
    ("admin", "系统管理员（市编办）", "admin", ("office", None), "Guanli#2026ok"),
    ("inspector", "张督查（市编办）", "inspector", ("office", None), "Ducha#2026ok"),
    ("shangcheng", "李督查（上城区编办）", "inspector", ("office", "330102"), "Ducha#2026ok"),
    ("gongshu", "王督查（拱墅区编办）", "inspector", ("office", "330105"), "Ducha#2026ok"),
    ("xihu", "赵督查（西湖区编办）", "inspector", ("office", "330106"), "Ducha#2026ok"),
    ("shijianju", "市场监管局联络员", "unit", ("unit", "杭州市市场监督管理局"), "Zhenggai#2026ok"),
    ("jiwei", "市纪委监委审查员", "discipline", ("body", None), "Jijian#2026ok"),
]


def _binding(kind: str, key) -> dict:
    if kind == "office":
        office = root_office() if key is None else db.session.execute(
            select(Office).where(Office.region_code == key)).scalar_one()
        return {"office_id": office.id}
    if kind == "unit":
        return {"unit_id": db.session.execute(select(Unit.id).where(Unit.name == key)).scalar_one()}
    body = db.session.execute(select(DisciplineBody).order_by(DisciplineBody.id)).scalars().first()
    return {"discipline_body_id": body.id, "office_id": body.office_id}


@demo_step(20, "用户：每个角色一名，各区编办各一名督查人员")
def load_users(echo) -> None:
    for username, display_name, role, (kind, key), password in DEMO_USERS:
        if services.find_user(username) is None:
            services.create_user(None, {
                "username": username, "display_name": display_name, "role": role, "password": password,
                **_binding(kind, key),
            }, actor_name=ACTOR_NAME)
            state = "已创建"
        else:
            state = "已存在"
        echo(f"  {state}  {username:<11} 密码 {password:<20} {display_name}")
