"""``/api/v1/publications``: the same workflow as the screens, as JSON: scope (404), permissions (403),
invalid values (422 with fields), all or nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.tokens import issue_token
from portal.extensions import db
from tests.conftest import credit_code

from disclosure import services
from disclosure.models import Publication

BASE = "/api/v1/publications"
OPINION = "经保密审查，不含涉密内容，同意公开。"


@pytest.fixture()
def auth():
    def headers(user):
        token = issue_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers


def count_publications() -> int:
    return db.session.scalar(select(func.count(Publication.id)))


def test_propose_by_codes_then_approve(client, auth, w):
    response = client.post(BASE, json={"unit_codes": [w.audit_bureau.code.lower(), w.education.code]},
                           headers=auth(w.proposer))
    assert response.status_code == 201
    items = response.get_json()["items"]
    assert [(i["unit"]["code"], i["version"], i["status"]["code"], i["proposed_by"]) for i in items] == [
        (w.audit_bureau.code, 1, "proposed", "proposer"), (w.education.code, 1, "proposed", "proposer")]
    detail = client.get(f"{BASE}/{items[0]['id']}", headers=auth(w.approver)).get_json()
    assert detail["snapshot"]["name"] == "杭州市审计局" and "name" in detail["changed_fields"]
    response = client.post(f"{BASE}/{items[0]['id']}/approve", json={"opinion": OPINION}, headers=auth(w.approver))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"]["code"], body["reviewed_by"], body["review_opinion"]) == ("published", "approver", OPINION)
    assert body["reviewed_at"].endswith("+00:00")
    assert services.latest_published(w.audit_bureau.code) is not None


def test_propose_all_changed(client, auth, w):
    response = client.post(BASE, json={"changed": True}, headers=auth(w.proposer))
    assert response.status_code == 201
    assert {i["unit"]["code"] for i in response.get_json()["items"]} == {
        w.audit_bureau.code, w.info_centre.code, w.education.code}
    assert client.get(f"{BASE}/changed", headers=auth(w.proposer)).get_json() == {"items": []}


def test_list_is_scoped_and_filtered_by_status(client, auth, w, published):
    published(w.education)
    services.propose(w.proposer, w.audit_bureau)
    services.propose(w.district, w.xihu_unit)
    db.session.commit()
    city = client.get(BASE, headers=auth(w.approver)).get_json()
    assert [i["unit"]["name"] for i in city["items"]] == ["杭州市审计局"] and city["total"] == 1
    assert [i["unit"]["name"] for i in client.get(BASE, query_string={"status": "published"},
                                                   headers=auth(w.approver)).get_json()["items"]] == ["杭州市教育局"]
    district = client.get(BASE, headers=auth(w.district)).get_json()
    assert [i["unit"]["name"] for i in district["items"]] == ["杭州市西湖区教育局"]


@pytest.mark.parametrize(
    ("path", "body", "who", "status", "field"),
    [
        ("", {"unit_codes": []}, "proposer", 422, "units"),
        ("", {"unit_codes": "not a list"}, "proposer", 422, "unit_codes"),
        ("", {"unit_codes": ["91330100MA27XK1234"]}, "proposer", 422, "unit_codes"),  # bad check character
        ("", {"unit_codes": ["x"], "changed": True}, "proposer", 422, "unit_codes"),
        ("", {"changed": "yes"}, "proposer", 422, "changed"),
        ("", {"units": []}, "proposer", 422, "units"),
        ("", {}, "proposer", 422, "unit_codes"),
        ("", "unknown_code", "proposer", 404, None),
        ("", "xihu_code", "proposer", 404, None),  # outside the write scope
        ("", {"changed": True}, "inspector", 403, None),
        ("/{id}/approve", {"opinion": ""}, "approver", 422, "opinion"),
        ("/{id}/approve", {"opinion": 5}, "approver", 422, "opinion"),
        ("/{id}/approve", {}, "approver", 422, "opinion"),
        ("/{id}/approve", {"opinion": OPINION}, "proposer", 403, None),  # no approve permission
        ("/{id}/approve", {"opinion": OPINION}, "district", 404, None),
        ("/{id}/approve", {"opinion": OPINION}, "inspector", 403, None),
        ("/{id}/reject", {"opinion": " "}, "approver", 422, "opinion"),
        ("/{id}/withdraw", {"reason": ""}, "proposer", 422, "reason"),
        ("/{id}/withdraw", {"reason": "理由"}, "district", 404, None),
    ],
)
def test_bad_requests_change_nothing(client, auth, w, path, body, who, status, field):
    [proposal] = services.propose(w.proposer, w.audit_bureau)
    db.session.commit()
    if body == "unknown_code":
        body = {"unit_codes": [w.education.code, credit_code("330100")]}
    elif body == "xihu_code":
        body = {"unit_codes": [w.education.code, w.xihu_unit.code]}
    response = client.post(BASE + path.format(id=proposal.id), json=body, headers=auth(getattr(w, who)))
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    if field:
        assert field in error["fields"] and error["fields"][field]
    db.session.expire_all()
    assert count_publications() == 1 and proposal.status == "proposed"


def test_the_two_person_rule_is_a_403_with_its_message(client, auth, w):
    [proposal] = services.propose(w.both, w.audit_bureau)
    db.session.commit()
    response = client.post(f"{BASE}/{proposal.id}/approve", json={"opinion": OPINION}, headers=auth(w.both))
    assert response.status_code == 403
    assert "提交人以外" in response.get_json()["error"]["message"]


def test_withdraw_and_reject(client, auth, w, published):
    live = published(w.education)
    [proposal] = services.propose(w.proposer, w.audit_bureau)
    db.session.commit()
    response = client.post(f"{BASE}/{live.id}/withdraw", json={"reason": "内容有误"}, headers=auth(w.proposer))
    assert response.get_json()["status"]["code"] == "withdrawn" and response.get_json()["withdraw_reason"] == "内容有误"
    response = client.post(f"{BASE}/{proposal.id}/reject", json={"opinion": "不同意"}, headers=auth(w.approver))
    assert response.get_json()["status"]["code"] == "rejected"
    again = client.post(f"{BASE}/{proposal.id}/reject", json={"opinion": "不同意"}, headers=auth(w.approver))
    assert again.status_code == 422 and "当前状态" in again.get_json()["error"]["message"]


@pytest.mark.parametrize("params", [{"status": "superseded"}, {"status": "nonsense"}, {"page": 0},
                                    {"per_page": 10000}])
def test_bad_list_parameters_are_422(client, auth, w, params):
    assert client.get(BASE, query_string=params, headers=auth(w.approver)).status_code == 422


def test_anonymous_callers_get_401(client, w):
    assert client.get(BASE).status_code == 401
    assert client.post(BASE, json={"changed": True}).status_code == 401


def test_the_openapi_document_lists_the_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/publications", "/api/v1/publications/{publication_id}/approve",
            "/api/v1/publications/{publication_id}/withdraw"} <= set(paths)
