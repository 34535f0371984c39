"""``/api/v1/findings/<id>/extensions`` and ``/api/v1/extensions/<id>/decision``: extension requests as JSON,
with the web's rules and the error codes (400 malformed, 403, 404, 409 decided, 422 invalid)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.inspection.api_support import auth, error_of

from inspection.models import ExtensionRequest

REASON = "涉及机构改革，人员分流须经市委编委会议研究。"


def later(finding, days: int = 20) -> str:
    return (finding.due_on + timedelta(days=days)).isoformat()


def count() -> int:
    return db.session.scalar(select(func.count(ExtensionRequest.id)))


def post_request(client, user, finding, **body):
    return client.post(f"/api/v1/findings/{finding.id}/extensions",
                       json={"requested_due_on": later(finding), "reason": REASON, **body}, headers=auth(user))


def decide(client, user, made_id: int, **body):
    return client.post(f"/api/v1/extensions/{made_id}/decision", json=body, headers=auth(user))


def test_the_whole_exchange(client, w, sent_finding):
    finding = sent_finding()
    listed = client.get(f"/api/v1/findings/{finding.id}/extensions", headers=auth(w.unit_user)).get_json()
    assert listed["items"] == [] and listed["may_request"] is True and listed["may_decide"] is False
    assert listed["finding"]["due_on"] == finding.due_on.isoformat()
    response = post_request(client, w.unit_user, finding)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["status"] == {"code": "pending", "label": "待审批"}
    assert (made["current_due_on"], made["requested_due_on"], made["reason"]) == (
        finding.due_on.isoformat(), later(finding), REASON)
    assert made["requested_by"]["username"] == w.unit_user.username and made["decided_at"] is None
    staff = client.get(f"/api/v1/findings/{finding.id}/extensions", headers=auth(w.inspector)).get_json()
    assert staff["may_decide"] is True and staff["may_request"] is False and staff["items"][0]["id"] == made["id"]
    granted = later(finding, 10)
    decided = decide(client, w.inspector, made["id"], decision="approve", due_on=granted, comment="同意。")
    assert decided.status_code == 200, decided.get_json()
    body = decided.get_json()
    assert body["status"]["code"] == "approved" and body["granted_due_on"] == granted
    assert body["decided_by"]["username"] == w.inspector.username and body["decision_comment"] == "同意。"
    db.session.refresh(finding)
    assert finding.due_on.isoformat() == body["granted_due_on"]
    # asked again from the new deadline, refused with a reason: both kept, newest first
    second = post_request(client, w.unit_user, finding, requested_due_on=later(finding, 5)).get_json()
    refused = decide(client, w.inspector, second["id"], decision="refuse", comment="不同意。").get_json()
    assert refused["status"] == {"code": "refused", "label": "不同意"} and refused["granted_due_on"] is None
    history = client.get(f"/api/v1/findings/{finding.id}/extensions", headers=auth(w.unit_user)).get_json()
    assert [i["id"] for i in history["items"]] == [second["id"], made["id"]]


@pytest.mark.parametrize(("body", "field"), [
    ({"requested_due_on": "before"}, "requested_due_on"),
    ({"requested_due_on": "2026-02-30"}, "requested_due_on"),
    ({"requested_due_on": 20270101}, "requested_due_on"),
    ({"requested_due_on": None}, "requested_due_on"),
    ({"reason": ""}, "reason"),
    ({"reason": ["a"]}, "reason"),
    ({"colour": "red"}, "colour"),
])
def test_bad_requests_are_422_and_save_nothing(client, w, sent_finding, body, field):
    finding = sent_finding()
    if body.get("requested_due_on") == "before":
        body = {"requested_due_on": (finding.due_on - timedelta(days=1)).isoformat()}
    error = error_of(post_request(client, w.unit_user, finding, **body), 422, "invalid")
    assert error["fields"].get(field), error
    if field == "requested_due_on" and isinstance(body["requested_due_on"], str) and "-02-30" not in body["requested_due_on"]:
        assert error["fields"][field] == f"延期后的期限须晚于当前期限（{finding.due_on:%Y-%m-%d}）"
    assert count() == 0


def test_malformed_bodies_are_400(client, w, sent_finding):
    finding = sent_finding()
    made = post_request(client, w.unit_user, finding).get_json()
    for url, user in ((f"/api/v1/findings/{finding.id}/extensions", w.unit_user),
                      (f"/api/v1/extensions/{made['id']}/decision", w.inspector)):
        error_of(client.post(url, data="not json", headers={**auth(user), "Content-Type": "application/json"}),
                 400, "bad_request")
        error_of(client.post(url, json=["a"], headers=auth(user)), 400, "bad_request")
    assert count() == 1


def test_scope_and_roles(client, w, sent_finding):
    finding = sent_finding()
    error_of(post_request(client, w.inspector, finding), 403, "forbidden")
    error_of(post_request(client, w.centre_user, finding), 404, "not_found")
    error_of(post_request(client, w.xihu_inspector, finding), 404, "not_found")
    error_of(client.get(f"/api/v1/findings/{finding.id}/extensions", headers=auth(w.centre_user)), 404, "not_found")
    error_of(client.get("/api/v1/findings/999999/extensions", headers=auth(w.inspector)), 404, "not_found")
    assert client.get(f"/api/v1/findings/{finding.id}/extensions").status_code == 401
    made = post_request(client, w.unit_user, finding).get_json()
    error_of(decide(client, w.unit_user, made["id"], decision="approve"), 403, "forbidden")
    error_of(decide(client, w.admin, made["id"], decision="approve"), 403, "forbidden")
    error_of(decide(client, w.centre_user, made["id"], decision="approve"), 404, "not_found")
    error_of(decide(client, w.inspector, 999999, decision="approve"), 404, "not_found")
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, made["id"]).status == "pending"


def test_second_pending_request_and_second_decision(client, w, sent_finding):
    finding = sent_finding()
    made = post_request(client, w.unit_user, finding).get_json()
    error = error_of(post_request(client, w.unit_user, finding, requested_due_on=later(finding, 30)), 422, "invalid")
    assert "已有待审批的延期申请" in error["message"]
    assert decide(client, w.inspector, made["id"], decision="refuse", comment="不同意。").status_code == 200
    for body in ({"decision": "approve"}, {"decision": "refuse", "comment": "再次"}):
        error = error_of(decide(client, w.inspector2, made["id"], **body), 409, "conflict")
        assert "不能再次审批" in error["message"]
    assert count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"decision": "maybe"}, "decision"),
    ({}, "decision"),
    ({"decision": "refuse"}, "comment"),
    ({"decision": "approve", "due_on": "current"}, "due_on"),
    ({"decision": "approve", "due_on": "soon"}, "due_on"),
    ({"decision": "approve", "due_on": 5}, "due_on"),
])
def test_bad_decisions_are_422_and_change_nothing(client, w, sent_finding, body, field):
    finding = sent_finding()
    due = finding.due_on
    made = post_request(client, w.unit_user, finding).get_json()
    if body.get("due_on") == "current":
        body = {**body, "due_on": due.isoformat()}
    error = error_of(decide(client, w.inspector, made["id"], **body), 422, "invalid")
    assert error["fields"].get(field), error
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, made["id"]).status == "pending"
    db.session.refresh(finding)
    assert finding.due_on == due


def test_no_decision_once_the_finding_is_accepted(client, w, sent_finding):
    from inspection.services import findings

    finding = sent_finding()
    made = post_request(client, w.unit_user, finding).get_json()
    findings.accept(w.inspector, finding)
    db.session.commit()
    error = error_of(decide(client, w.inspector, made["id"], decision="approve"), 409, "conflict")
    assert "已失效" in error["message"] and "不再审批" in error["message"]


def test_the_routes_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/findings/{finding_id}/extensions"])
    decision = paths["/api/v1/extensions/{request_id}/decision"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(decision["responses"])
    assert "ExtensionRequest" in spec["components"]["schemas"]


def test_a_unit_never_learns_which_staff_member_decided(client, w, sent_finding):
    """The unit sees that the office decided; the decider's name and user name stay with the staff."""
    finding = sent_finding()
    made = post_request(client, w.unit_user, finding).get_json()
    decide(client, w.inspector, made["id"], decision="refuse", comment="可按期完成。")
    for_unit = client.get(f"/api/v1/findings/{finding.id}/extensions", headers=auth(w.unit_user)).get_json()
    for_staff = client.get(f"/api/v1/findings/{finding.id}/extensions", headers=auth(w.inspector)).get_json()
    assert for_unit["items"][0]["decided_by"] is None and for_unit["items"][0]["decided_at"]
    assert for_staff["items"][0]["decided_by"]["username"] == w.inspector.username
    assert w.inspector.username not in str(for_unit)
