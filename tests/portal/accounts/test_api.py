"""The accounts API: token auth on /api/v1/me, the scoped user list, notifications, OpenAPI."""
from __future__ import annotations

import pytest

from portal.accounts import services
from portal.accounts.tokens import issue_token, revoke_token
from portal.extensions import db
from portal.notify.services import notify


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def token_for(app):
    def make(user) -> str:
        token = issue_token(user)
        db.session.commit()
        return token

    return make


def assert_error(response, status: int, code: str):
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)


def test_me_with_a_valid_token(client, make_user, make_unit, token_for):
    unit = make_unit("杭州市财政局")
    user = make_user("caizheng", role="unit", unit=unit, display_name="财政局联络员")
    response = client.get("/api/v1/me", headers=bearer(token_for(user)))
    assert response.status_code == 200
    body = response.get_json()
    assert body["username"] == "caizheng"
    assert body["role"] == {"code": "unit", "label": "被督查单位"}
    assert body["unit"] == {"id": unit.id, "code": unit.code, "name": "杭州市财政局"}
    assert body["office"]["region_code"] == "330100"
    assert body["permissions"] == []
    db.session.refresh(user.tokens[0])
    assert user.tokens[0].last_used_at is not None
    assert "Set-Cookie" not in response.headers  # a token call opens no cookie session


def test_me_lists_effective_permissions(client, admin, make_user, token_for):
    inspector = make_user("jiancha", office=admin.office)
    services.set_permission(admin, inspector, "audit.read", "granted")
    services.set_permission(admin, inspector, "cases.manage", "revoked")
    db.session.commit()
    body = client.get("/api/v1/me", headers=bearer(token_for(inspector))).get_json()
    assert body["permissions"] == ["audit.read", "registry.read"]
    assert body["role"]["code"] == "inspector"


def test_me_with_a_revoked_token_is_401(client, make_user, token_for):
    user = make_user()
    token = token_for(user)
    revoke_token(user.tokens[0])
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer bbp_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", None])
def test_me_with_a_bogus_or_missing_token_is_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_token_of_a_disabled_user_stops_working(client, make_user, token_for):
    user = make_user()
    token = token_for(user)
    user.is_enabled = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_me_works_with_a_cookie_session(client, make_user, login):
    login(make_user("lisi"))
    assert client.get("/api/v1/me").get_json()["username"] == "lisi"


def test_users_list_is_scoped_and_paged(client, admin, district, make_user, token_for):
    district_admin = make_user("xhadmin", role="admin", office=district)
    make_user("xhinsp", office=district)
    make_user("cityinsp", office=admin.office)
    body = client.get("/api/v1/users?per_page=2", headers=bearer(token_for(admin))).get_json()
    assert body["total"] == 4 and body["page"] == 1 and body["per_page"] == 2
    assert [u["username"] for u in body["items"]] == ["cityadmin", "cityinsp"]
    body = client.get("/api/v1/users", headers=bearer(token_for(district_admin))).get_json()
    assert {u["username"] for u in body["items"]} == {"xhadmin", "xhinsp"}
    body = client.get("/api/v1/users?role=admin&status=active", headers=bearer(token_for(admin))).get_json()
    assert {u["username"] for u in body["items"]} == {"cityadmin", "xhadmin"}
    assert body["items"][0]["role"] == {"code": "admin", "label": "管理员"}


def test_users_list_needs_users_manage(client, make_user, token_for):
    response = client.get("/api/v1/users", headers=bearer(token_for(make_user())))
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize("query, field", [("role=boss", "role"), ("status=gone", "status"), ("page=0", "page"),
                                          ("per_page=1000", "per_page")])
def test_users_list_rejects_invalid_values(client, admin, token_for, query, field):
    response = client.get(f"/api/v1/users?{query}", headers=bearer(token_for(admin)))
    assert_error(response, 422, "invalid")
    assert field in response.get_json()["error"]["fields"]


def test_notifications_api(client, make_user, token_for):
    user = make_user()
    notify(user, "test", "第一条")
    notify(user, "test", "第二条")
    db.session.commit()
    token = token_for(user)
    body = client.get("/api/v1/notifications?unread=true", headers=bearer(token)).get_json()
    assert body["total"] == 2 and {n["subject"] for n in body["items"]} == {"第一条", "第二条"}
    response = client.post("/api/v1/notifications/read-all", headers=bearer(token))
    assert response.get_json() == {"marked": 2}
    assert client.get("/api/v1/notifications?unread=true", headers=bearer(token)).get_json()["total"] == 0


def test_openapi_documents_the_accounts_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/notifications", "/api/v1/notifications/read-all"):
        assert path in spec["paths"], path
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert "200" in me["responses"] and "401" in me["responses"]
    assert "403" in spec["paths"]["/api/v1/users"]["get"]["responses"]
    assert "permissions" in spec["components"]["schemas"]["Me"]["properties"]
