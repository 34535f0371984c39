"""``/api/v1/cases/<id>/findings``: record, read, edit, accept and waive findings as JSON, with the web's
scoping and the services' checks (unknown area, past deadline, stale edit, second-person waiver)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.inspection.api_support import BASE, auth, error_of
from portal.timeutil import beijing_today

from inspection.models import Finding

FINDING = {"area": "staffing", "violation_type": "mixed_posts", "description": "混编混岗 3 人。",
           "basis": "《机构编制监督检查工作办法》", "severity": "major"}




@pytest.fixture()
def verifying(w, make_case):
    from inspection.services import cases

    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    db.session.commit()
    return case


def count_findings() -> int:
    return db.session.scalar(select(func.count(Finding.id)))


def test_record_a_finding(client, w, verifying):
    due = (beijing_today() + timedelta(days=40)).isoformat()
    response = client.post(f"{BASE}/{verifying.id}/findings", json={**FINDING, "due_on": due,
                                                                    "responsible_unit_id": w.centre.id},
                           headers=auth(w.inspector))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["seq"], body["area"]["code"], body["violation_type"]["label"], body["severity"]["code"]) == (
        1, "staffing", "混编混岗", "major")
    assert body["responsible_unit"]["name"] == "杭州市审计局信息中心" and body["due_on"] == due
    assert body["rectification_status"]["code"] == "pending" and body["version"] == 1 and body["waiver"] is None
    default = client.post(f"{BASE}/{verifying.id}/findings", json={**FINDING, "needs_rectification": False},
                          headers=auth(w.inspector)).get_json()
    assert default["responsible_unit"]["id"] == w.bureau.id and default["rectification_status"] is None
    listed = client.get(f"{BASE}/{verifying.id}/findings", headers=auth(w.inspector2)).get_json()
    assert [f["seq"] for f in listed["items"]] == [1, 2]


@pytest.mark.parametrize(("body", "field"), [
    ({"area": "weather"}, "area"),
    ({"violation_type": "jaywalking"}, "violation_type"),
    ({"description": ""}, "description"),
    ({"due_on": "2020-01-01"}, "due_on"),
    ({"due_on": "today"}, "due_on"),
    ({"due_on": 20260101}, "due_on"),
    ({"responsible_unit_id": 999999}, "responsible_unit_id"),
    ({"needs_rectification": "maybe"}, "needs_rectification"),
    ({"severity": "apocalyptic"}, "severity"),
])
def test_bad_findings_are_422_and_record_nothing(client, w, verifying, body, field):
    data = {**FINDING, **body}
    if body.get("due_on") == "today":
        data["due_on"] = beijing_today().isoformat()
    error = error_of(client.post(f"{BASE}/{verifying.id}/findings", json=data, headers=auth(w.inspector)),
                     422, "invalid")
    assert error["fields"].get(field), error
    if field == "due_on" and isinstance(body["due_on"], str):
        assert "须晚于今天" in error["fields"]["due_on"]
    assert count_findings() == 0


def test_findings_only_while_the_case_is_worked(client, w, make_case):
    case = make_case()
    error = error_of(client.post(f"{BASE}/{case.id}/findings", json=FINDING, headers=auth(w.inspector)),
                     422, "invalid")
    assert "调查核实" in error["message"]
    error_of(client.post(f"{BASE}/{case.id}/findings", data="[", content_type="application/json",
                         headers=auth(w.inspector)), 400, "bad_request")
    error_of(client.post(f"{BASE}/{case.id}/findings", json=FINDING), 401, "unauthorized")
    assert count_findings() == 0


def test_edit_with_version_and_a_stale_edit_is_409(client, w, verifying, make_finding):
    finding = make_finding(verifying)
    url = f"{BASE}/{verifying.id}/findings/{finding.id}"
    first = client.patch(url, json={"version": 1, "severity": "serious"}, headers=auth(w.inspector))
    assert first.status_code == 200 and first.get_json()["version"] == 2
    error = error_of(client.patch(url, json={"version": 1, "description": "旧版本上的修改"},
                                  headers=auth(w.inspector2)), 409, "conflict")
    assert error["fields"]["version"]
    error_of(client.patch(url, json={"description": "无版本号"}, headers=auth(w.inspector)), 422, "invalid")
    error = error_of(client.patch(url, json={"version": 2, "area": "weather"}, headers=auth(w.inspector)),
                     422, "invalid")
    assert error["fields"]["area"]
    db.session.expire_all()
    assert (finding.severity, finding.description, finding.area, finding.version) == (
        "serious", "行政编制核定 10 名，实有 12 名。", "establishment", 2)
    error_of(client.patch(f"{BASE}/{verifying.id}/findings/{finding.id + 100}", json={"version": 1},
                          headers=auth(w.inspector)), 404, "not_found")


def test_a_finding_of_another_case_is_404(client, w, make_case, make_finding, verifying):
    other = make_finding(make_case(title="另一事项"))
    headers = auth(w.inspector)
    for method, path in [("get", ""), ("patch", ""), ("post", "/accept"), ("post", "/waiver")]:
        response = getattr(client, method)(f"{BASE}/{verifying.id}/findings/{other.id}{path}", json={"version": 1},
                                           headers=headers)
        error_of(response, 404, "not_found")


def test_accept_and_the_two_person_waiver(client, w, verifying, make_finding, issue_notice):
    first = make_finding(verifying)
    second = make_finding(verifying, responsible_unit_id=w.centre.id)
    issue_notice(verifying)
    base = f"{BASE}/{verifying.id}/findings"
    accepted = client.post(f"{base}/{first.id}/accept", json={"comment": "整改到位。"}, headers=auth(w.inspector))
    assert accepted.status_code == 200 and accepted.get_json()["acceptance_comment"] == "整改到位。"
    error_of(client.post(f"{base}/{first.id}/accept", json={}, headers=auth(w.inspector)), 422, "invalid")
    error_of(client.post(f"{base}/{second.id}/waiver", json={"reason": " "}, headers=auth(w.approver)),
             422, "invalid")
    asked = client.post(f"{base}/{second.id}/waiver", json={"reason": "单位已撤并，无须整改。"}, headers=auth(w.approver))
    assert asked.get_json()["waiver"]["is_requested"] is True
    decision = f"{base}/{second.id}/waiver/decision"
    error = error_of(client.post(decision, json={"approve": True}, headers=auth(w.approver)), 403, "forbidden")
    assert "申请人以外" in error["message"]
    error_of(client.post(decision, json={"approve": True}, headers=auth(w.inspector)), 403, "forbidden")
    error_of(client.post(decision, json={"approve": "yes"}, headers=auth(w.approver)), 422, "invalid")
    error_of(client.post(decision, json={}, headers=auth(w.approver)), 422, "invalid")
    # a second approver decides
    from tests.inspection.conftest import grant

    other = grant(w.inspector2, "cases.approve")
    refused = client.post(decision, json={"approve": False}, headers=auth(other))
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["comment"]
    waived = client.post(decision, json={"approve": True, "comment": "同意。"}, headers=auth(other)).get_json()
    assert waived["rectification_status"]["code"] == "waived" and waived["waiver"]["approved_by"]["username"] == "insp2"
    settled = client.get(BASE, headers=auth(w.centre_user)).get_json()["items"][0]["status"]
    assert settled == {"code": "settled", "label": "本单位问题已整改销号"}
    closed = client.post(f"{BASE}/{verifying.id}/transitions", json={"to": "closed"}, headers=auth(w.inspector))
    assert closed.status_code == 200 and closed.get_json()["status"]["code"] == "closed"
    view = client.get(f"{BASE}/{verifying.id}", headers=auth(w.centre_user)).get_json()
    assert view["status"]["code"] == "closed" and view["findings"][0]["rectification_status"]["code"] == "waived"
    assert "单位已撤并" not in str(view)


def test_unit_and_discipline_users_cannot_write_findings(client, w, verifying, make_finding, issue_notice):
    finding = make_finding(verifying)
    issue_notice(verifying)
    base = f"{BASE}/{verifying.id}/findings"
    error_of(client.post(base, json=FINDING, headers=auth(w.unit_user)), 403, "forbidden")
    error_of(client.post(f"{base}/{finding.id}/accept", json={}, headers=auth(w.unit_user)), 403, "forbidden")
    error_of(client.post(base, json=FINDING, headers=auth(w.centre_user)), 404, "not_found")  # nothing sent to it
    error_of(client.post(base, json=FINDING, headers=auth(w.discipline)), 404, "not_found")
    assert count_findings() == 1
