"""``flask users create|token``."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import STRONG_PASSWORD


def create(runner, *args):
    return runner.invoke(args=["users", "create", *args, "--password", STRONG_PASSWORD])


def user_named(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.username == username)).first()


def test_create_first_admin_in_the_root_office(runner, root_office, audit_events):
    result = create(runner, "admin", "--role", "admin", "--name", "系统管理员", "--email", "admin@example.cn")
    assert result.exit_code == 0, result.output
    assert "已创建用户 admin" in result.output
    user = user_named("admin")
    assert user.office_id == root_office.id and user.display_name == "系统管理员"
    [event] = audit_events("user.create")
    assert event.actor_id is None and event.actor_name.startswith("命令行:")
    assert STRONG_PASSWORD not in event.payload


def test_create_staff_in_another_office(runner, district):
    result = create(runner, "xhinsp", "--role", "inspector", "--office", "330106")
    assert result.exit_code == 0, result.output
    assert user_named("xhinsp").office_id == district.id


def test_create_unit_and_discipline_users(runner, make_unit, make_body, district):
    unit = make_unit("杭州市财政局")
    make_body("杭州市纪委监委")
    body = make_body("西湖区纪委监委", office=district)
    assert create(runner, "caizheng", "--role", "unit", "--unit", unit.code).exit_code == 0
    assert user_named("caizheng").unit_id == unit.id
    result = create(runner, "jiwei", "--role", "discipline", "--body", "西湖区纪委监委")
    assert result.exit_code == 0, result.output
    assert user_named("jiwei").discipline_body_id == body.id


@pytest.mark.parametrize(
    "args, message",
    [
        (["x1", "--role", "superuser"], "未知角色"),
        (["x1", "--role", "inspector", "--office", "110101"], "未找到行政区划代码为 110101 的编办"),
        (["x1", "--role", "unit"], "须绑定一个单位"),
        (["x1", "--role", "unit", "--unit", "91330100MA0000000X"], "未找到该单位"),
        (["x1", "--role", "discipline", "--body", "不存在的纪委"], "须先在系统中建立"),
        (["x1", "--role", "discipline"], "须绑定一个纪检监察机关"),
        (["no spaces", "--role", "admin"], "用户名须为"),
    ],
)
def test_create_errors_are_chinese_and_exit_1(runner, args, message):
    result = create(runner, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert db.session.scalars(select(User)).all() == []


def test_create_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create", "lisi", "--role", "admin", "--password", "123456"])
    assert result.exit_code == 1
    assert "密码（--password）：密码至少" in result.output


def test_create_refuses_a_duplicate_name(runner):
    assert create(runner, "lisi", "--role", "admin").exit_code == 0
    result = create(runner, "LiSi", "--role", "admin")
    assert result.exit_code == 1 and "已被使用" in result.output


def test_ambiguous_body_name_asks_for_the_office(runner, make_body, district):
    make_body("纪检监察组")
    make_body("纪检监察组", office=district)
    result = create(runner, "jiwei", "--role", "discipline", "--body", "纪检监察组")
    assert result.exit_code == 1 and "--office" in result.output
    assert create(runner, "jiwei", "--role", "discipline", "--body", "纪检监察组", "--office", "330106").exit_code == 0


def test_password_can_be_prompted(runner):
    result = runner.invoke(args=["users", "create", "lisi", "--role", "admin"],
                           input=f"{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert user_named("lisi") is not None


def test_token_prints_a_working_token(runner, client, make_user, audit_events):
    make_user("lisi")
    result = runner.invoke(args=["users", "token", "lisi"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("bbp_") and "\n" not in token
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()["username"] == "lisi"
    [event] = audit_events("token.issue")
    assert event.actor_name.startswith("命令行:")
    assert token not in event.payload
    assert json.loads(event.payload)["details"]["prefix"] == token[:12]


@pytest.mark.parametrize("username, enabled, message", [("nobody", True, "未找到用户"), ("lisi", False, "已停用")])
def test_token_errors(runner, make_user, username, enabled, message):
    make_user("lisi", is_enabled=enabled)
    result = runner.invoke(args=["users", "token", username])
    assert result.exit_code == 1 and message in result.output
