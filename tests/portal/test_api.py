"""The API skeleton: the generated OpenAPI document and one error format for every failure under /api/."""
from __future__ import annotations

import json
import re

import pytest
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import HTTPException

from portal import create_app
from portal.accounts.tokens import issue_token
from portal.errors import handle_http_exception
from portal.extensions import api, db
from tests.conftest import TEST_CONFIG


def _bearer(user) -> dict:
    token = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _assert_error(response, status: int, code: str) -> dict:
    """The portal's error body and nothing else: no trace of flask-smorest's {code, status, errors}."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), "the message is for people: Chinese"
    return body["error"]


@pytest.fixture()
def spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


# ---------------------------------------------------------------- the OpenAPI document

def test_openapi_document_is_generated(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["version"] == "v1"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "flask --app portal users token NAME",
    }
    events = spec["paths"]["/api/v1/audit/events"]["get"]
    assert events["security"] == [{"bearerAuth": []}]
    assert {p["name"] for p in events["parameters"]} >= {"page", "per_page", "actor", "date_from", "date_to"}


def test_every_api_route_is_in_the_document(app, spec):
    """Packages register their routes with flask-smorest; none is left out of the document."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.endpoint != "api-docs.openapi_json":
            routes.add(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
    assert "/api/v1/audit/events" in routes
    assert routes <= set(spec["paths"]), routes - set(spec["paths"])


def test_the_documented_error_body_is_the_portals(spec):
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error"}
    detail_ref = error["properties"]["error"]["$ref"].rsplit("/", 1)[-1]
    assert set(spec["components"]["schemas"][detail_ref]["properties"]) == {"code", "message", "fields"}
    responses = spec["components"]["responses"]
    assert {"UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"} <= set(responses)  # the ones every endpoint refers to
    for name, response in responses.items():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, name


def test_the_portals_handler_replaces_flask_smorests(app):
    # flask-smorest registers its own HTTPException handler in Api.init_app; ours is registered after it
    assert app.error_handler_spec[None][None][HTTPException] is handle_http_exception


# ---------------------------------------------------------------- error format

def test_401_without_a_token(client):
    error = _assert_error(client.get("/api/v1/audit/events"), 401, "unauthorized")
    assert "Bearer" in error["message"]


def test_401_with_a_revoked_or_unknown_token(client):
    _assert_error(client.get("/api/v1/audit/events", headers={"Authorization": "Bearer bbp_nope"}), 401,
                  "unauthorized")


@pytest.mark.parametrize("path", ["/api/no-such-thing", "/api/v1/no-such-thing", "/api/v1/audit/events/7"])
def test_404_for_unknown_api_paths(client, path):
    _assert_error(client.get(path), 404, "not_found")


def test_405_is_json_too(client):
    _assert_error(client.delete("/api/v1/audit/events"), 405, "method_not_allowed")


def test_403_without_the_permission(client, make_user):
    _assert_error(client.get("/api/v1/audit/events", headers=_bearer(make_user(role="inspector"))), 403, "forbidden")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"per_page": 0}, "per_page", "每页条数须在 1 到 200 之间。"),
        ({"per_page": 201}, "per_page", "每页条数须在 1 到 200 之间。"),
        ({"page": 0}, "page", "页码须为正整数。"),
        ({"date_from": "2026-02-30"}, "date_from", "日期格式应为 YYYY-MM-DD（北京时间日期）。"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "结束日期不能早于开始日期。"),
    ],
)
def test_422_for_invalid_values_names_the_field(client, make_user, query, field, message):
    response = client.get("/api/v1/audit/events", query_string=query, headers=_bearer(make_user(role="admin")))
    error = _assert_error(response, 422, "invalid")
    assert error["fields"] == {field: message}
    assert message in error["message"]


class _EchoSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))


@pytest.fixture()
def app(fresh_app):
    """This module registers a test-only blueprint (``echo``): each test gets an app of its own."""
    return fresh_app


@pytest.fixture()
def echo(app):
    """A POST endpoint with a JSON body, registered like every package's (its path is test-only)."""
    from portal.apiutil import login_required_api

    blp = Blueprint("test_echo_api", __name__, url_prefix="/api/v1/test-echo")

    @blp.route("", methods=["POST"])
    @login_required_api
    @blp.arguments(_EchoSchema)
    @blp.response(201, _EchoSchema)
    def create(data):
        return data

    api.register_blueprint(blp)
    return "/api/v1/test-echo"


def _json_body_endpoints(app, spec) -> list[tuple[str, str]]:
    """(method, path) of every documented endpoint that takes a JSON body, path parameters set to 1."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # path-level parameters, not an operation
                continue
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return found


@pytest.mark.parametrize(
    "body", ['{"name": ', "not json at all", "{'name': 'single quotes'}"], ids=["truncated", "text", "quotes"]
)
def test_400_for_a_malformed_json_body(app, client, make_user, echo, body):
    headers = {**_bearer(make_user(role="admin")), "Content-Type": "application/json"}
    endpoints = _json_body_endpoints(app, client.get("/api/v1/openapi.json").get_json())
    assert ("post", echo) in endpoints
    for method, path in endpoints:
        response = client.open(path, method=method.upper(), data=body, headers=headers)
        print(method, path, response.status_code, response.get_json())
        assert response.status_code == 400, (method, path, response.get_json())
        error = _assert_error(response, 400, "bad_request")
        assert error["fields"] == {}, (method, path)


def test_a_well_formed_body_with_an_invalid_value_is_422(client, make_user, echo):
    headers = _bearer(make_user(role="admin"))
    assert client.post(echo, json={"name": "西湖区"}, headers=headers).status_code == 201
    error = _assert_error(client.post(echo, json={"name": ""}, headers=headers), 422, "invalid")
    assert set(error["fields"]) == {"name"}
    error = _assert_error(client.post(echo, json={}, headers=headers), 422, "invalid")
    assert set(error["fields"]) == {"name"}


@pytest.fixture()
def csrf_app(_migrated, database_url, data_dir):
    csrf_app = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True, "DATABASE_URL": database_url,
                           "DATA_DIR": str(data_dir)})
    yield csrf_app
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_post_without_token_or_csrf_token_says_what_is_missing(csrf_app):
    response = csrf_app.test_client().post("/api/v1/audit/events", json={})
    error = _assert_error(response, 400, "bad_request")
    assert "CSRF" in error["message"] and "Bearer" in error["message"]


# ---------------------------------------------------------------- outside /api/: HTML

def test_a_404_outside_the_api_is_a_chinese_page(client):
    response = client.get("/audit/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "未找到该页面或记录，或您无权查看。" in html
    assert '"error"' not in html
