"""``/api/v1/registry``: token auth, the paged list with filters, create/read/patch through the services,
400/401/403/404/422 bodies, and the OpenAPI document."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.tokens import issue_token, revoke_token
from portal.extensions import db
from portal.registry.models import Unit, UnitEvent
from tests.conftest import credit_code
from tests.portal.registry.world import build_world

BASE = "/api/v1/registry"


@pytest.fixture()
def w(root_office, make_office, make_unit, make_user):
    return build_world(root_office, make_office, make_unit, make_user)


@pytest.fixture()
def auth(w):
    """``auth(user)`` → headers with a fresh bearer token for ``user``."""

    def headers(user=None):
        token = issue_token(user or w.city_admin)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers


def new_unit(**overrides) -> dict:
    body = {
        "code": credit_code("330100"), "name": "杭州市统计局", "kind": "party_gov", "level": "正处级",
        "region_code": "330100", "functions_md": "负责全市统计工作。", "funding": "财政全额",
        "quotas": {"administrative": {"approved": 30, "actual": 31}, "事业编制": {"approved": 5, "actual": 2}},
        "posts": {"chief": {"approved": 1, "actual": 1}},
        "other_names": [{"kind": "plaque", "name": "杭州市普查中心"}],
    }
    body.update(overrides)
    return body


# ---------------------------------------------------------------- auth

def test_requires_a_valid_token(client, w, auth):
    response = client.get(f"{BASE}/units")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get(f"{BASE}/units", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    headers = auth()
    assert client.get(f"{BASE}/units", headers=headers).status_code == 200
    record = w.city_admin.tokens[0]
    revoke_token(record)
    db.session.commit()
    assert client.get(f"{BASE}/units", headers=headers).status_code == 401
    assert client.post(f"{BASE}/units", json=new_unit(), headers=headers).status_code == 401
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.name == "杭州市统计局")) == 0


# ---------------------------------------------------------------- list and read

def test_list_is_a_paged_envelope(client, auth):
    body = client.get(f"{BASE}/units", query_string={"per_page": 2, "page": 2}, headers=auth()).get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (4, 2, 2, 2)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "审计"}, {"杭州市审计局"}),
        ({"level": "section"}, {"杭州市西湖区教育局", "杭州市拱墅区财政局"}),
        ({"level": "正科级"}, {"杭州市西湖区教育局", "杭州市拱墅区财政局"}),
        ({"region": "330105"}, {"杭州市拱墅区财政局"}),
        ({"over_only": "true"}, {"杭州市审计局", "杭州市教育局"}),
        ({"status": "active", "kind": "party_gov", "region": "330100"},
         {"杭州市审计局", "杭州市教育局", "杭州市西湖区教育局", "杭州市拱墅区财政局"}),
    ],
)
def test_list_filters(client, auth, params, expected):
    body = client.get(f"{BASE}/units", query_string=params, headers=auth()).get_json()
    assert {item["name"] for item in body["items"]} == expected


def test_list_office_filter(client, auth, w):
    headers = auth()
    own = client.get(f"{BASE}/units", query_string={"office_id": w.city.id}, headers=headers).get_json()
    assert {i["name"] for i in own["items"]} == {"杭州市审计局", "杭州市教育局"}
    subtree = client.get(f"{BASE}/units", query_string={"office_id": w.city.id, "include_subordinate": "true"},
                         headers=headers).get_json()
    assert subtree["total"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "company"}, "kind"), ({"region": "12"}, "region"), ({"per_page": 0}, "per_page"),
     ({"page": "x"}, "page")],
)
def test_list_bad_filters_are_422_with_fields(client, auth, params, field):
    response = client.get(f"{BASE}/units", query_string=params, headers=auth())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]


def test_list_item_has_enums_and_derived_figures(client, auth):
    body = client.get(f"{BASE}/units", query_string={"q": "审计"}, headers=auth()).get_json()
    item = body["items"][0]
    assert item["kind"] == {"code": "party_gov", "label": "党政机关"}
    assert item["level"] == {"code": "division", "label": "正处级"}
    assert item["category"] is None
    assert item["region_name"] == "浙江省杭州市"
    assert (item["approved_total"], item["actual_total"], item["is_over_quota"], item["is_over_posts"]) == (43, 44, True, False)
    quotas = {q["category"]["code"]: q for q in item["quotas"]}
    assert quotas["administrative"] == {
        "category": {"code": "administrative", "label": "行政编制"}, "approved": 40, "actual": 42, "vacancy": 0, "excess": 2,
    }
    assert quotas["logistics"]["vacancy"] == 1


def test_get_unit_detail(client, auth, w):
    response = client.get(f"{BASE}/units/{w.audit_bureau.code.lower()}", headers=auth())
    assert response.status_code == 200
    body = response.get_json()
    assert body["code"] == w.audit_bureau.code and body["functions_md"] == "负责全市审计监督。"
    assert body["office"] == {"id": w.city.id, "name": "杭州市机构编制委员会办公室", "region_code": "330100"}
    assert {p["rank"]["code"]: p["excess"] for p in body["posts"]} == {"chief": 0, "deputy": 0}
    assert body["parent"] is None and body["events"] == [] and body["departments"] == []
    assert body["status"] == {"code": "active", "label": "存续"}


def test_get_unknown_unit_is_404(client, auth):
    response = client.get(f"{BASE}/units/91330100MA0000000X", headers=auth())
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


# ---------------------------------------------------------------- create

def test_create_unit(client, auth, w):
    response = client.post(f"{BASE}/units", json=new_unit(parent_code=w.education.code, established_on="2020-05-01"),
                           headers=auth())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["level"]["code"] == "division" and body["funding"]["code"] == "full"
    assert body["parent"]["code"] == w.education.code
    assert body["other_names"] == [{"kind": {"code": "plaque", "label": "加挂牌子"}, "name": "杭州市普查中心"}]
    quotas = {q["category"]["code"]: (q["approved"], q["actual"], q["vacancy"], q["excess"]) for q in body["quotas"]}
    assert quotas == {"administrative": (30, 31, 0, 1), "institutional": (5, 2, 3, 0)}
    assert [e["kind"]["code"] for e in body["events"]] == ["established"]
    assert db.session.execute(select(Unit).where(Unit.code == body["code"])).scalar_one().office_id == w.city.id


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"code": "11330100MB0000000X"}, "code", "校验位"),
        ({"quotas": {"administrative": {"approved": -2, "actual": 0}}}, "quotas.administrative.approved", "负数"),
        ({"quotas": {"administrative": {"approved": "三十", "actual": 0}}}, "quotas.administrative.approved", "不是数字"),
        ({"quotas": {"administrative": {"approved": 1.5, "actual": 0}}}, "quotas.administrative.approved", "非负整数"),
        ({"quotas": ["administrative", 3]}, "quotas", "格式"),
        ({"kind": "company"}, "kind", "机构类型"),
        ({"region_code": "330106"}, "region_code", "西湖区"),
        ({"other_names": "杭州市普查中心"}, "other_names", "列表"),
        ({"classified_fields": [{"x": 1}]}, "classified_fields", "未知"),
        ({"classified_fields": 7}, "classified_fields", "列表"),
        ({"colour": "red"}, "colour", "未知字段"),
        ({"parent_id": [1]}, "parent_id", "主管部门无效"),
        ({"established_on": 5}, "established_on", "不是有效日期"),
        ({"is_classified": []}, "is_classified", "是"),
        ({"posts": {"chief": {"approved": {"n": 1}, "actual": 0}}}, "posts.chief.approved", "非负整数"),
    ],
)
def test_create_invalid_is_422_with_fields(client, auth, overrides, field, fragment):
    response = client.post(f"{BASE}/units", json=new_unit(**overrides), headers=auth())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert fragment in error["fields"][field], error
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.name == "杭州市统计局")) == 0


def test_create_duplicate_code_is_422(client, auth, w):
    response = client.post(f"{BASE}/units", json=new_unit(code=w.education.code), headers=auth())
    assert response.status_code == 422
    assert "已被" in response.get_json()["error"]["fields"]["code"]


@pytest.mark.parametrize("payload", ['["not", "an", "object"]', "{broken json", '"text"', ""])
def test_create_malformed_body_is_400(client, auth, payload):
    response = client.post(f"{BASE}/units", data=payload, content_type="application/json", headers=auth())
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_create_needs_registry_edit(client, auth, w):
    response = client.post(f"{BASE}/units", json=new_unit(), headers=auth(w.city_inspector))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


# ---------------------------------------------------------------- patch

def test_patch_merges_over_current_values(client, auth, w):
    code = w.audit_bureau.code
    response = client.patch(f"{BASE}/units/{code}", headers=auth(), json={
        "quotas": {"administrative": {"approved": 45, "actual": 42}}, "short_name": "审计局",
        "change": {"occurred_on": "2026-04-01", "summary": "核增编制"},
    })
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    quotas = {q["category"]["code"]: (q["approved"], q["actual"]) for q in body["quotas"]}
    assert quotas == {"administrative": (45, 42), "logistics": (3, 2)}  # untouched category kept
    assert body["short_name"] == "审计局" and body["level"]["code"] == "division"
    assert body["functions_md"] == "负责全市审计监督。"
    assert [(e["kind"]["code"], e["occurred_on"]) for e in body["events"]] == [("quotas_changed", "2026-04-01")]


def test_patch_parent_code_and_clearing_it(client, auth, w):
    headers = auth()
    url = f"{BASE}/units/{w.audit_bureau.code}"
    assert client.patch(url, json={"parent_code": w.education.code}, headers=headers).get_json()["parent"]["name"] == "杭州市教育局"
    assert client.patch(url, json={"parent_code": None}, headers=headers).get_json()["parent"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "杭州市审计厅"}, "name"),
        ({"posts": {"deputy": [3, -1]}}, "posts.deputy.actual"),
        ({"change": "yesterday"}, "change"),
        ({"change": {"summary": "x"}, "quotas": {"administrative": [41, 42]}}, "occurred_on"),
        ({"office_id": 3}, "office_id"),
    ],
)
def test_patch_invalid_is_422_and_saves_nothing(client, auth, w, payload, field):
    response = client.patch(f"{BASE}/units/{w.audit_bureau.code}", json=payload, headers=auth())
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    unit = db.session.get(Unit, w.audit_bureau.id)
    assert unit.name == "杭州市审计局"
    assert {p.rank: p.actual for p in unit.posts}["deputy"] == 3
    assert {q.category: q.approved for q in unit.quotas}["administrative"] == 40
    assert db.session.scalar(select(func.count(UnitEvent.id))) == 0


def test_patch_parent_cycle_is_422(client, auth, w, make_unit):
    child = make_unit("杭州市审计事务中心", kind="institution", parent=w.audit_bureau)
    response = client.patch(f"{BASE}/units/{w.audit_bureau.code}", json={"parent_code": child.code}, headers=auth())
    assert response.status_code == 422
    assert "循环" in response.get_json()["error"]["fields"]["parent_code"]


def test_patch_malformed_body_is_400(client, auth, w):
    response = client.patch(f"{BASE}/units/{w.audit_bureau.code}", data="[1]", content_type="application/json",
                            headers=auth())
    assert response.status_code == 400


def test_patch_read_only_unit_is_403(client, auth, w):
    response = client.patch(f"{BASE}/units/{w.xihu_unit.code}", json={"short_name": "西湖教育"}, headers=auth())
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Unit, w.xihu_unit.id).short_name is None


def test_cookie_session_patch_needs_csrf(app, client, login, w):
    login(w.city_admin)  # a cookie session, no token: CSRF applies to the API too
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.patch(f"{BASE}/units/{w.audit_bureau.code}", json={"short_name": "x"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Unit, w.audit_bureau.id).short_name == "市审计局"
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.patch(f"{BASE}/units/{w.audit_bureau.code}", json={"short_name": "x"}).status_code == 200


# ---------------------------------------------------------------- offices and the OpenAPI document

def test_offices(client, auth, w):
    body = client.get(f"{BASE}/offices", headers=auth()).get_json()
    assert [o["region_code"] for o in body["items"]] == ["330100", "330105", "330106"]
    city = body["items"][0]
    assert (city["unit_count"], city["depth"], city["region_name"]) == (2, 0, "浙江省杭州市")
    assert body["items"][2]["parent_id"] == w.city.id
    district = client.get(f"{BASE}/offices", headers=auth(w.xihu_inspector)).get_json()
    assert [o["name"] for o in district["items"]] == ["杭州市西湖区机构编制委员会办公室"]
    assert client.get(f"{BASE}/offices", headers=auth(w.unit_user)).status_code == 403


def test_openapi_documents_the_registry(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths[f"{BASE}/units"])
    assert {"get", "patch"} <= set(paths[f"{BASE}/units/{{code}}"])
    assert "get" in paths[f"{BASE}/offices"]
    schemas = spec["components"]["schemas"]
    assert "vacancy" in schemas["UnitQuota"]["properties"]
    assert "code" in schemas["UnitInput"]["required"]
    post = paths[f"{BASE}/units"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/UnitInput"}
    assert "422" in post["responses"] and "201" in post["responses"]
