"""The web pages of accounts: login/logout, profile, notifications, user administration."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import permissions
from portal.accounts.models import ApiToken, User
from portal.accounts.passwords import verify_password
from portal.accounts.tokens import issue_token
from portal.extensions import db
from portal.notify.models import Notification
from portal.notify.services import notify
from portal.timeutil import utcnow
from tests.conftest import STRONG_PASSWORD


def text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- login / logout

def test_login_page_renders_in_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "用户名" in text(response) and "密码" in text(response)


def test_pages_need_login(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_logout(client, make_user, audit_events):
    user = make_user("lisi")
    response = client.post("/login", data={"username": "lisi", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert len(audit_events("auth.login")) == 1
    assert client.post("/logout").status_code == 302
    assert client.get("/profile").status_code == 302
    [event] = audit_events("auth.logout")
    assert event.actor_id == user.id


def test_failed_login_shows_message_and_is_audited(client, make_user, audit_events):
    make_user("lisi")
    response = client.post("/login", data={"username": "lisi", "password": "Wrong#pass123"})
    assert response.status_code == 200
    assert "用户名或密码错误。" in text(response)
    assert len(audit_events("auth.login_failed")) == 1  # kept although the login was refused


def test_login_flashes_the_lock_message(client, make_user):
    user = make_user("lisi")
    for _ in range(4):
        client.post("/login", data={"username": "lisi", "password": "Wrong#pass123"})
    response = client.post("/login", data={"username": "lisi", "password": "Wrong#pass123"})
    assert "账户已锁定，请于 " in text(response) and "后再试或联系管理员解锁" in text(response)
    response = client.post("/login", data={"username": "lisi", "password": STRONG_PASSWORD})
    assert "账户已锁定" in text(response)
    assert client.get("/profile").status_code == 302
    db.session.refresh(user)
    assert user.is_locked()


@pytest.mark.parametrize(
    "next_param, expected",
    [
        ("/notifications", "/notifications"),
        ("/users?page=2", "/users?page=2"),
        ("https://evil.example/steal", "/workspace"),
        ("//evil.example/steal", "/workspace"),
        ("/\\evil.example", "/workspace"),
        ("javascript:alert(1)", "/workspace"),
    ],
)
def test_next_only_to_local_paths(client, make_user, next_param, expected):
    make_user("lisi")
    response = client.post("/login", data={"username": "lisi", "password": STRONG_PASSWORD, "next": next_param})
    location = response.headers["Location"]
    assert location.replace("http://portal.test", "") == expected


def test_login_form_keeps_next_from_the_query(client):
    assert 'value="/notifications"' in text(client.get("/login?next=/notifications"))


def test_login_requires_both_fields(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert "请输入用户名。" in text(response) and "请输入密码。" in text(response)


# ---------------------------------------------------------------- profile

def test_profile_change_password_keeps_this_session(client, make_user, login):
    user = make_user("lisi")
    login(user)
    response = client.post("/profile/password", data={
        "current_password": STRONG_PASSWORD, "new_password": "Another#Pass2026", "confirm": "Another#Pass2026"})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    db.session.refresh(user)
    assert verify_password(user.password_hash, "Another#Pass2026")


def test_profile_change_password_errors_beside_fields(client, make_user, login):
    login(make_user("lisi"))
    response = client.post("/profile/password", data={
        "current_password": "nope", "new_password": "Another#Pass2026", "confirm": "Another#Pass2026"})
    assert "当前密码不正确。" in text(response)
    response = client.post("/profile/password", data={
        "current_password": STRONG_PASSWORD, "new_password": "Another#Pass2026", "confirm": "different"})
    assert "两次输入的密码不一致。" in text(response)


def test_issue_token_shown_once_then_revoke(app, client, make_user, login, audit_events):
    user = make_user("lisi")
    login(user)
    response = client.post("/profile/tokens")
    token = text(response).split('id="new-token">')[1].split("<")[0]
    assert token.startswith("bbp_")
    assert token not in text(client.get("/profile"))  # never shown again
    [record] = user.tokens
    assert record.token_hash != token
    api_client = app.test_client()  # no cookie session: the token alone
    assert api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = client.post(f"/tokens/{record.id}/revoke")
    assert response.status_code == 302
    assert api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert len(audit_events("token.issue")) == 1 and len(audit_events("token.revoke")) == 1


# ---------------------------------------------------------------- notifications

def test_notifications_list_and_mark_read(client, make_user, login):
    user = make_user("lisi")
    other = make_user("wangwu")
    notify(user, "test", "整改期限将至", link="/profile")
    notify(user, "test", "第二条通知")
    foreign = notify(other, "test", "别人的通知")
    db.session.commit()
    login(user)
    page = text(client.get("/notifications"))
    assert "整改期限将至" in page and "第二条通知" in page and "别人的通知" not in page
    first = db.session.scalars(select(Notification).where(Notification.subject == "整改期限将至")).one()
    response = client.post(f"/notifications/{first.id}")
    assert response.headers["Location"].endswith("/profile")
    assert "第二条通知" in text(client.get("/notifications?unread=1"))
    assert "整改期限将至" not in text(client.get("/notifications?unread=1"))
    assert client.post(f"/notifications/{foreign.id}").status_code == 404
    client.post("/notifications/read-all")
    db.session.expire_all()
    assert db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.read_at.is_(None))).all() == []
    assert db.session.get(Notification, foreign.id).read_at is None


# ---------------------------------------------------------------- user administration

def test_admin_pages_need_users_manage(client, make_user, login):
    login(make_user("jiancha"))
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403


def test_list_users_filters_and_pages(app, client, admin, login, make_user):
    app.config["PER_PAGE"] = 2
    for n in range(3):
        make_user(f"insp{n}", office=admin.office)
    make_user("locked1", office=admin.office, locked_until=utcnow() + timedelta(minutes=10))
    login(admin)
    page1 = text(client.get("/users"))
    assert "cityadmin" in page1 and "insp0" in page1 and "insp1" not in page1
    assert "下一页" in page1
    assert "insp1" in text(client.get("/users?page=2"))
    locked = text(client.get("/users?status=locked"))
    assert "locked1" in locked and "insp0" not in locked
    assert "insp2" in text(client.get("/users?q=insp2&role=inspector"))


def test_create_user_through_the_form(client, admin, login):
    login(admin)
    assert client.get("/users/new").status_code == 200
    response = client.post("/users/new", data={
        "username": "zhangsan", "display_name": "张三", "role": "inspector", "office_id": "",
        "password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD})
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.username == "zhangsan")).one()
    assert user.office_id == admin.office_id


@pytest.mark.parametrize(
    "data, message",
    [
        ({"role": "boss"}, "未知角色"),
        ({"role": "unit", "unit_code": ""}, "须绑定一个单位"),
        ({"password": "weak", "confirm": "weak"}, "密码至少"),
        ({"username": "ab"}, "用户名须为"),
        ({"email": "not-an-email"}, "电子邮箱"),
    ],
)
def test_create_user_form_errors(client, admin, login, data, message):
    login(admin)
    form = {"username": "zhangsan", "role": "inspector", "password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD,
            **data}
    response = client.post("/users/new", data=form)
    assert response.status_code == 200
    assert message in text(response)
    assert 'class="invalid-feedback d-block"' in text(response)  # beside the field
    assert db.session.scalars(select(User).where(User.username == "zhangsan")).first() is None


def test_user_detail_shows_effective_permissions_and_overrides(client, admin, login, make_user):
    inspector = make_user("jiancha", office=admin.office)
    login(admin)
    page = text(client.get(f"/users/{inspector.id}"))
    assert "办理督查事项" in page and "cases.manage" in page
    data = {f"perm_{p.replace('.', '__')}": "default" for p in permissions.PERMISSIONS}
    data["perm_audit__read"] = "granted"
    data["perm_cases__manage"] = "revoked"
    assert client.post(f"/users/{inspector.id}/permissions", data=data).status_code == 302
    db.session.expire_all()
    assert permissions.permissions_of(inspector) == {"registry.read", "audit.read"}


def test_admin_cannot_change_own_permissions_through_the_web(client, admin, login):
    login(admin)
    page = text(client.get(f"/users/{admin.id}"))
    assert "这是您自己的账户" in page
    data = {f"perm_{p.replace('.', '__')}": "granted" for p in permissions.PERMISSIONS}
    assert client.post(f"/users/{admin.id}/permissions", data=data).status_code == 403
    assert client.post(f"/users/{admin.id}/deactivate").status_code == 403
    db.session.expire_all()
    assert admin.permission_overrides == [] and admin.is_enabled


def test_unlock_deactivate_reactivate_reset(client, admin, login, make_user):
    user = make_user("jiancha", office=admin.office, locked_until=utcnow() + timedelta(minutes=10),
                     failed_login_count=0)
    login(admin)
    assert "解锁" in text(client.get(f"/users/{user.id}"))
    client.post(f"/users/{user.id}/unlock")
    db.session.expire_all()
    assert not user.is_locked()
    client.post(f"/users/{user.id}/deactivate")
    db.session.expire_all()
    assert not user.is_enabled
    client.post(f"/users/{user.id}/reactivate")
    db.session.expire_all()
    assert user.is_enabled
    response = client.post(f"/users/{user.id}/password", data={"password": "weak", "confirm": "weak"})
    assert response.status_code == 200 and "密码至少" in text(response)
    response = client.post(f"/users/{user.id}/password",
                           data={"password": "Another#Pass2026", "confirm": "Another#Pass2026"})
    assert response.status_code == 302
    db.session.expire_all()
    assert verify_password(user.password_hash, "Another#Pass2026")


def test_deactivated_user_session_ends(app, admin, make_user):
    user = make_user("jiancha", office=admin.office)
    user_client = app.test_client()
    user_client.post("/login", data={"username": "jiancha", "password": STRONG_PASSWORD})
    assert user_client.get("/profile").status_code == 200
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": "cityadmin", "password": STRONG_PASSWORD})
    admin_client.post(f"/users/{user.id}/deactivate")
    assert user_client.get("/profile").status_code == 302


def test_edit_user(client, admin, login, make_user, make_unit):
    user = make_user("jiancha", office=admin.office)
    unit = make_unit()
    login(admin)
    page = text(client.get(f"/users/{user.id}/edit"))
    assert '<option selected value="inspector">' in page
    response = client.post(f"/users/{user.id}/edit", data={"role": "unit", "unit_code": unit.code,
                                                            "display_name": "单位联络员"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role == "unit" and user.unit_id == unit.id
    response = client.post(f"/users/{user.id}/edit", data={"role": "root"})
    assert "未知角色" in text(response)


def test_scoping_district_admin_cannot_see_city_users(client, admin, district, make_user, login):
    district_admin = make_user("xhadmin", role="admin", office=district)
    district_inspector = make_user("xhinsp", office=district)
    login(district_admin)
    assert client.get(f"/users/{admin.id}").status_code == 404
    assert client.post(f"/users/{admin.id}/deactivate").status_code == 404
    assert "cityadmin" not in text(client.get("/users"))
    assert client.get(f"/users/{district_inspector.id}").status_code == 200


def test_city_admin_sees_district_users_read_only(client, admin, district, make_user, login):
    district_inspector = make_user("xhinsp", office=district)
    login(admin)
    issue_token(district_inspector)
    db.session.commit()
    page = text(client.get(f"/users/{district_inspector.id}"))
    assert "该用户属于下级编办，您只能查看。" in page
    assert "/revoke" not in page and "/deactivate" not in page and "保存权限" not in page
    assert client.post(f"/users/{district_inspector.id}/deactivate").status_code == 403
    assert client.post(f"/users/{district_inspector.id}/unlock").status_code == 403
    db.session.expire_all()
    assert district_inspector.is_enabled


def test_admin_revokes_a_managed_users_token(client, admin, login, make_user):
    user = make_user("jiancha", office=admin.office)
    issue_token(user)
    db.session.commit()
    record = db.session.scalars(select(ApiToken)).one()
    login(admin)
    page = text(client.get(f"/users/{user.id}"))
    assert record.prefix in page and f"/tokens/{record.id}/revoke" in page
    response = client.post(f"/tokens/{record.id}/revoke")
    assert response.headers["Location"].endswith(f"/users/{user.id}")
    db.session.expire_all()
    assert record.is_revoked
