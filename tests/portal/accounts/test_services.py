"""Account services without HTTP: creating and changing users, passwords, per-user permissions."""
from __future__ import annotations

import json
from datetime import date

import pytest

from portal.accounts import permissions, services
from portal.accounts.passwords import verify_password
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from tests.conftest import STRONG_PASSWORD


def _data(**overrides) -> dict:
    data = {"username": "zhangsan", "display_name": "张三", "email": "zs@example.cn", "role": "inspector",
            "password": STRONG_PASSWORD}
    data.update(overrides)
    return data


def _create(actor, **overrides):
    user = services.create_user(actor, _data(**overrides))
    db.session.commit()
    return user


# ---------------------------------------------------------------- create

def test_create_staff_defaults_to_the_actors_office(admin, audit_events):
    user = _create(admin)
    assert user.office_id == admin.office_id
    assert user.role == "inspector"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, STRONG_PASSWORD)
    [event] = audit_events("user.create")
    assert event.actor_id == admin.id and event.object_id == str(user.id)
    body = json.loads(event.payload)
    assert body["changes"]["username"] == [None, "zhangsan"]
    assert "password" not in event.payload and "argon2" not in event.payload


def test_create_from_the_command_line_uses_the_root_office(app, root_office):
    user = services.create_user(None, _data(role="admin"), actor_name="命令行:tester")
    assert user.office_id == root_office.id


@pytest.mark.parametrize("role", ["superuser", "", "管理人员", None])
def test_unknown_role_is_refused(admin, role):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(admin, _data(role=role))
    assert "未知角色" in exc.value.fields["role"]


def test_role_may_be_given_by_its_chinese_label(admin):
    assert _create(admin, role="督查人员").role == "inspector"


@pytest.mark.parametrize(
    "username, ok",
    [
        ("li.si-01", True),
        ("ab", False),            # too short
        ("_lisi", False),         # must start with a letter or digit
        ("li si", False),         # no spaces
        ("李四", False),          # ASCII only
        ("x" * 51, False),        # too long
    ],
)
def test_username_format(admin, username, ok):
    if ok:
        assert _create(admin, username=username).username == username
    else:
        with pytest.raises(InvalidInput) as exc:
            services.create_user(admin, _data(username=username))
        assert "username" in exc.value.fields


def test_username_is_unique_regardless_of_case(admin):
    _create(admin, username="wangwu")
    with pytest.raises(InvalidInput) as exc:
        services.create_user(admin, _data(username="WangWu"))
    assert "已被使用" in exc.value.fields["username"]


@pytest.mark.parametrize(
    "password, message",
    [
        ("Short#1a", "至少 10 位"),
        ("alllowercase123", "至少三类"),
        ("Zhangsan#2026x", "不能包含用户名"),
        ("P@ssw0rd", "至少 10 位"),
        ("qwerty123", "至少三类"),
    ],
)
def test_password_policy(admin, password, message):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(admin, _data(password=password))
    assert message in exc.value.fields["password"]


def test_common_password_is_refused(app, admin):
    app.config["PASSWORD_MIN_LENGTH"] = 8
    with pytest.raises(InvalidInput) as exc:
        services.create_user(admin, _data(password="P@ssw0rd"))
    assert "过于常见" in exc.value.fields["password"]


def test_all_errors_reported_together_and_nothing_saved(admin):
    from portal.accounts.models import User

    with pytest.raises(InvalidInput) as exc:
        services.create_user(admin, _data(username="a", role="boss", password="x", email="not-an-email"))
    assert set(exc.value.fields) == {"username", "role", "password", "email"}
    db.session.rollback()
    assert db.session.query(User).count() == 1  # only the admin


def test_unit_user_binds_a_unit_by_code_or_id(admin, make_unit):
    unit = make_unit("杭州市财政局")
    by_code = _create(admin, username="caizheng", role="unit", unit_code=unit.code.lower())
    by_id = _create(admin, username="caizheng2", role="unit", unit_id=unit.id)
    assert by_code.unit_id == by_id.unit_id == unit.id
    assert by_code.office_id is None


@pytest.mark.parametrize("role, field", [("unit", "unit_code"), ("discipline", "discipline_body_id")])
def test_role_binding_is_required(admin, role, field):
    with pytest.raises(InvalidInput) as exc:
        services.create_user(admin, _data(role=role))
    assert field in exc.value.fields


def test_bindings_must_be_in_the_actors_scope(admin, district, make_unit, make_body, make_user):
    district_admin = make_user("xhadmin", role="admin", office=district)
    city_unit = make_unit("杭州市财政局", region_code="330100")
    city_body = make_body()
    # a district admin cannot bind users to the city's office, units or discipline body
    for data, field in (
        ({"role": "inspector", "office_id": admin.office_id}, "office_id"),
        ({"role": "unit", "unit_code": city_unit.code}, "unit_code"),
        ({"role": "discipline", "discipline_body_id": city_body.id}, "discipline_body_id"),
        ({"role": "unit", "unit_code": "91330100MA0000000X"}, "unit_code"),
        ({"role": "inspector", "office_id": "999999"}, "office_id"),
    ):
        with pytest.raises(InvalidInput) as exc:
            services.create_user(district_admin, _data(**data))
        assert field in exc.value.fields, data
    # the city admin manages only its own office: a district unit belongs to the district office
    xihu_unit = make_unit("西湖区财政局", region_code="330106")
    with pytest.raises(InvalidInput):
        services.create_user(admin, _data(role="unit", unit_code=xihu_unit.code))
    assert _create(district_admin, role="unit", unit_code=xihu_unit.code).unit_id == xihu_unit.id


def test_discipline_user_binds_a_body(admin, make_body):
    body = make_body()
    assert _create(admin, role="discipline", discipline_body_id=str(body.id)).discipline_body_id == body.id


def test_abolished_unit_cannot_get_new_users(admin, make_unit):
    unit = make_unit("杭州市撤销局")
    unit.status, unit.abolished_on = "abolished", date(2025, 12, 31)
    db.session.commit()
    with pytest.raises(InvalidInput) as exc:
        services.create_user(admin, _data(role="unit", unit_code=unit.code))
    assert "已撤销" in exc.value.fields["unit_code"]


@pytest.mark.parametrize("role", ["inspector", "unit", "discipline"])
def test_non_managers_cannot_create_users(make_user, make_unit, make_body, role):
    kwargs = {"unit": make_unit()} if role == "unit" else {"body": make_body()} if role == "discipline" else {}
    actor = make_user(role=role, **kwargs)
    with pytest.raises(PermissionDenied):
        services.create_user(actor, _data())


# ---------------------------------------------------------------- update, deactivate, passwords

def test_update_changes_role_and_binding_with_an_audited_diff(admin, make_unit, audit_events):
    user = _create(admin)
    unit = make_unit()
    services.update_user(admin, user, {"role": "unit", "unit_code": unit.code, "display_name": "张三丰"})
    db.session.commit()
    assert (user.role, user.unit_id, user.office_id, user.display_name) == ("unit", unit.id, None, "张三丰")
    changes = json.loads(audit_events("user.update")[0].payload)["changes"]
    assert changes["role"] == ["inspector", "unit"]
    assert changes["office_id"] == [admin.office_id, None]
    assert "username" not in changes


def test_update_rejects_unknown_role(admin):
    user = _create(admin)
    with pytest.raises(InvalidInput) as exc:
        services.update_user(admin, user, {"role": "root"})
    assert "未知角色" in exc.value.fields["role"]


def test_deactivate_ends_sessions_and_reactivate_restores(admin, audit_events):
    user = _create(admin)
    nonce = user.session_nonce
    services.deactivate_user(admin, user)
    db.session.commit()
    assert not user.is_enabled and user.session_nonce != nonce
    assert json.loads(audit_events("user.deactivate")[0].payload)["changes"] == {"is_enabled": [True, False]}
    services.reactivate_user(admin, user)
    assert user.is_enabled
    assert len(audit_events("user.reactivate")) == 1


def test_reset_password_checks_policy_and_rotates_the_session(admin, audit_events):
    user = _create(admin)
    nonce = user.session_nonce
    with pytest.raises(InvalidInput) as exc:
        services.reset_password(admin, user, "short")
    assert "password" in exc.value.fields
    services.reset_password(admin, user, "Another#Pass2026")
    db.session.commit()
    assert verify_password(user.password_hash, "Another#Pass2026")
    assert user.session_nonce != nonce
    [event] = audit_events("user.password_reset")
    assert "Another#Pass2026" not in event.payload and user.password_hash not in event.payload


@pytest.mark.parametrize(
    "current, new, field",
    [
        ("wrong-password", "Another#Pass2026", "current_password"),
        (STRONG_PASSWORD, STRONG_PASSWORD, "new_password"),
        (STRONG_PASSWORD, "weakweakweak", "new_password"),
    ],
)
def test_change_own_password_errors(make_user, current, new, field):
    user = make_user()
    with pytest.raises(InvalidInput) as exc:
        services.change_own_password(user, current, new)
    assert list(exc.value.fields) == [field]


def test_change_own_password(make_user, audit_events):
    user = make_user()
    services.change_own_password(user, STRONG_PASSWORD, "Another#Pass2026")
    assert verify_password(user.password_hash, "Another#Pass2026")
    assert audit_events("user.password_change")[0].actor_id == user.id


# ---------------------------------------------------------------- per-user permissions

def test_grant_and_revoke_change_has_permission(admin, make_user, audit_events):
    inspector = make_user("jiancha", office=admin.office)
    assert not permissions.has_permission(inspector, "audit.read")
    assert services.set_permission(admin, inspector, "audit.read", "granted")
    assert permissions.has_permission(inspector, "audit.read")
    assert services.set_permission(admin, inspector, "cases.manage", "revoked")
    assert not permissions.has_permission(inspector, "cases.manage")
    assert not services.set_permission(admin, inspector, "cases.manage", "revoked")  # no change
    services.set_permission(admin, inspector, "audit.read", "default")
    db.session.commit()
    assert not permissions.has_permission(inspector, "audit.read")
    assert [json.loads(e.payload)["changes"] for e in audit_events("user.permission")] == [
        {"audit.read": ["default", "granted"]},
        {"cases.manage": ["default", "revoked"]},
        {"audit.read": ["granted", "default"]},
    ]


def test_three_duties_can_be_separated(admin, make_user):
    """三员分立: a security officer without users.manage, an auditor with only audit.read."""
    auditor = make_user("shenji", role="admin", office=admin.office)
    services.set_permissions(admin, auditor, {p: "revoked" for p in permissions.ROLE_DEFAULTS["admin"]
                                              if p != "audit.read"})
    assert permissions.permissions_of(auditor) == {"audit.read"}
    with pytest.raises(PermissionDenied):
        services.create_user(auditor, _data())


@pytest.mark.parametrize("permission, state, field", [("root.everything", "granted", "permission"),
                                                      ("audit.read", "maybe", "state")])
def test_invalid_permission_settings(admin, make_user, permission, state, field):
    user = make_user(office=admin.office)
    with pytest.raises(InvalidInput) as exc:
        services.set_permission(admin, user, permission, state)
    assert field in exc.value.fields


@pytest.mark.parametrize(
    "action",
    [
        lambda a: services.set_permission(a, a, "audit.read", "revoked"),
        lambda a: services.update_user(a, a, {"role": "inspector"}),
        lambda a: services.deactivate_user(a, a),
        lambda a: services.unlock_user(a, a),
        lambda a: services.reset_password(a, a, "Another#Pass2026"),
    ],
)
def test_nobody_changes_their_own_account_administratively(admin, action):
    with pytest.raises(PermissionDenied) as exc:
        action(admin)
    assert "自己" in exc.value.message


def test_subordinate_office_users_are_read_only_and_outside_users_hidden(admin, district, make_user):
    district_admin = make_user("xhadmin", role="admin", office=district)
    district_inspector = make_user("xhinsp", office=district)
    city_inspector = make_user("cityinsp", office=admin.office)
    # the city admin sees the district's users but cannot change them
    assert permissions.get_user_or_404(admin, district_inspector.id) is district_inspector
    with pytest.raises(PermissionDenied):
        services.set_permission(admin, district_inspector, "audit.read", "granted")
    with pytest.raises(PermissionDenied):
        services.deactivate_user(admin, district_inspector)
    # the district admin does not see the city's users at all
    with pytest.raises(NotFound):
        permissions.get_user_or_404(district_admin, city_inspector.id)
    listed = db.session.scalars(services.users_list_query(district_admin)).all()
    assert {u.username for u in listed} == {"xhadmin", "xhinsp"}


def test_users_list_filters(admin, district, make_user, make_unit):
    make_user("a-insp", office=admin.office)
    make_user("b-disabled", office=admin.office, is_enabled=False)
    make_user("c-unit", role="unit", unit=make_unit())
    make_user("d-district", office=district)

    def names(**filters):
        return [u.username for u in db.session.scalars(services.users_list_query(admin, **filters))]

    assert names(role="unit") == ["c-unit"]
    assert names(status="disabled") == ["b-disabled"]
    assert names(office_id=district.id) == ["d-district"]
    assert names(q="insp") == ["a-insp"]
    assert names(office_id=admin.office_id, role="admin") == ["cityadmin"]


# ---------------------------------------------------------------- tokens

def test_revoke_token_own_or_managed_only(admin, district, make_user):
    from portal.accounts.tokens import issue_token

    inspector = make_user(office=admin.office)
    outsider = make_user(office=district)
    issue_token(inspector)
    issue_token(outsider)
    db.session.commit()
    own, = inspector.tokens
    services.revoke_api_token(inspector, own.id)
    assert own.is_revoked
    outsider_token, = outsider.tokens
    with pytest.raises(PermissionDenied):  # visible (subordinate office) but read-only
        services.revoke_api_token(admin, outsider_token.id)
    with pytest.raises(NotFound):
        services.revoke_api_token(inspector, outsider_token.id)
    with pytest.raises(NotFound):
        services.revoke_api_token(admin, 999999)
