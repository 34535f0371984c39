"""``flask --app portal users create|token``: the first admin, and API tokens, from the command line."""
from __future__ import annotations

import click
from sqlalchemy import select

from portal.accounts import services
from portal.cli import cli_actor_name, fail, users_cli
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry.models import DisciplineBody, Office

FIELD_LABELS = {
    "username": "用户名",
    "display_name": "姓名",
    "email": "电子邮箱",
    "role": "角色（--role）",
    "office_id": "编办（--office）",
    "unit_code": "单位（--unit）",
    "discipline_body_id": "纪检监察机关（--body）",
    "password": "密码（--password）",
}


def _fail_invalid(exc: InvalidInput) -> None:
    lines = [f"{FIELD_LABELS.get(name, name)}：{message}" for name, message in exc.fields.items()]
    fail("无法创建用户：\n" + "\n".join(f"  - {line}" for line in lines))


def _office_by_region(region: str) -> Office:
    office = db.session.execute(select(Office).where(Office.region_code == region.strip())).scalar_one_or_none()
    if office is None:
        fail(f"未找到行政区划代码为 {region} 的编办（--office 须为已有编办的 6 位行政区划代码）。")
    return office


def _body_by_name(name: str, office: Office | None) -> DisciplineBody:
    query = select(DisciplineBody).where(DisciplineBody.name == name.strip())
    if office is not None:
        query = query.where(DisciplineBody.office_id == office.id)
    bodies = db.session.scalars(query).all()
    if not bodies:
        where = f"编办“{office.name}”下" if office is not None else ""
        fail(f"未找到{where}名为“{name}”的纪检监察机关。纪检监察机关须先在系统中建立（此命令不会自动创建）。")
    if len(bodies) > 1:
        fail(f"有多个名为“{name}”的纪检监察机关，请用 --office 指明其所属编办的行政区划代码。")
    return bodies[0]


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, help="角色：admin 管理员、inspector 督查人员、unit 被督查单位、discipline 纪检监察。")
@click.option("--office", "office_region", help="所属编办的行政区划代码（管理员、督查人员；默认根编办）。")
@click.option("--unit", "unit_code", help="被督查单位的统一社会信用代码（unit 角色）。")
@click.option("--body", "body_name", help="纪检监察机关名称（discipline 角色；须已存在）。")
@click.option("--password", prompt="密码", hide_input=True, confirmation_prompt="再次输入密码",
              help="初始密码（不给则交互输入）。")
@click.option("--name", "display_name", default="", help="显示名（姓名）。")
@click.option("--email", default="", help="电子邮箱。")
def create_user(username, role, office_region, unit_code, body_name, password, display_name, email):
    """创建用户。管理员、督查人员不指定 --office 时属于根编办。"""
    office = _office_by_region(office_region) if office_region else None
    body = _body_by_name(body_name, office) if body_name else None
    data = {
        "username": username,
        "role": role,
        "office_id": office.id if office is not None else None,
        "unit_code": unit_code or "",
        "discipline_body_id": body.id if body is not None else None,
        "password": password,
        "display_name": display_name,
        "email": email,
    }
    try:
        user = services.create_user(None, data, actor_name=cli_actor_name())
    except InvalidInput as exc:
        db.session.rollback()
        _fail_invalid(exc)
    db.session.commit()
    where = services.user_office(user)
    bound = user.unit.name if user.unit else user.discipline_body.name if user.discipline_body else where.name
    click.echo(f"已创建用户 {user.username}（{user.role_enum.label}，{bound}）。")


@users_cli.command("token")
@click.argument("username")
def issue_token(username):
    """为用户签发一个新的 API 令牌并打印（只显示这一次）。"""
    user = services.find_user(username)
    if user is None:
        fail(f"未找到用户“{username}”。")
    try:
        token = services.issue_token_by_cli(user, cli_actor_name())
    except InvalidInput as exc:
        db.session.rollback()
        fail("；".join(exc.fields.values()))
    db.session.commit()
    click.echo(token)
    click.echo(f"（令牌只显示这一次；用法：Authorization: Bearer <令牌>。可在 {user.username} 的用户页吊销。）", err=True)
