"""``/api/v1/cases``: list, create, read, update, transitions, notices and timeline as JSON — through bearer
tokens and cookie sessions, with the web's role scoping (404 outside it, 403 read-only), 400/401/409/422."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.inspection.api_support import BASE, auth, error_of

from inspection.models import Case, CaseNote, RectificationNotice

SECRET = "举报人称其亲属被违规录用"


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture()
def two_units_case(w, make_case, make_finding, issue_notice):
    """A city case against the bureau with one finding for the bureau and one for its centre, notified."""
    case = make_case(source="hotline", description=SECRET)
    mine = make_finding(case, description="审计局超编进人 2 名。")
    theirs = make_finding(case, description="信息中心混编混岗。", violation_type="mixed_posts",
                          responsible_unit_id=w.centre.id)
    issue_notice(case)
    return case, mine, theirs


@pytest.fixture()
def xihu_case(w, make_case):
    return make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区审计局超职数")


# ---------------------------------------------------------------- create and read

def test_create_then_read_as_staff(client, w):
    body = {"source": "audit", "unit_id": w.bureau.id, "title": "审计发现超编进人", "description": SECRET,
            "source_ref": "杭审〔2026〕12号", "received_on": "2026-01-05", "team_ids": [w.inspector2.id]}
    response = client.post(BASE, json=body, headers=auth(w.inspector))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["view"] == "staff"
    assert re.fullmatch(r"区编督〔\d{4}〕1号|.+督〔\d{4}〕1号", case["number"])
    assert case["source"] == {"code": "audit", "label": "审计"}
    assert case["status"]["code"] == "registered" and case["version"] == 1
    assert case["unit"]["name"] == "杭州市审计局" and case["description"] == SECRET
    assert case["lead_inspector"]["username"] == "insp" and [p["username"] for p in case["team"]] == ["insp2"]
    assert case["received_on"] == "2026-01-05" and case["opened_at"].endswith("+00:00")
    assert case["permissions"]["may_write"] is True
    assert {t["to"]["code"] for t in case["permissions"]["transitions"]} == {"verifying", "dismissed"}
    got = client.get(f"{BASE}/{case['id']}", headers=auth(w.inspector2)).get_json()
    assert got["number"] == case["number"] and got["findings"] == [] and got["notices"] == []


def test_cookie_sessions_work_too(client, login, w, make_case):
    login(w.inspector)
    response = client.post(BASE, json={"source": "routine", "unit_id": w.bureau.id, "title": "日常监督发现问题"})
    assert response.status_code == 201
    case_id = response.get_json()["id"]
    assert client.get(f"{BASE}/{case_id}").get_json()["title"] == "日常监督发现问题"
    patched = client.patch(f"{BASE}/{case_id}", json={"version": 1, "title": "改后的标题"})
    assert patched.status_code == 200 and patched.get_json()["version"] == 2
    assert [i["id"] for i in client.get(BASE).get_json()["items"]] == [case_id]
    assert client.post(f"{BASE}/{case_id}/transitions", json={"to": "verifying"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "rumour"}, "source"),
        ({"unit_id": 999999}, "unit_id"),
        ({"unit_id": "outside"}, "unit_id"),  # a unit outside the office's region
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"unit_id": "7"}, "unit_id"),
        ({"unit_id": True}, "unit_id"),
        ({"team_ids": ["a"]}, "team_ids"),
        ({"received_on": "2099-01-01"}, "received_on"),
        ({"received_on": "2026-02-30"}, "received_on"),
        ({"lead_inspector_id": "xihu"}, "lead_inspector_id"),  # not of this office
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_on_create_are_422_and_create_nothing(client, w, body, field):
    data = {"source": "audit", "unit_id": w.xihu_unit.id, "title": "审计发现超编进人", **body}
    if data["unit_id"] == "outside":
        data["unit_id"] = w.binjiang_unit.id
    if data.get("lead_inspector_id") == "xihu":
        data["lead_inspector_id"] = w.inspector.id
    error = error_of(client.post(BASE, json=data, headers=auth(w.xihu_inspector)), 422, "invalid")
    assert error["fields"].get(field), error
    assert count(Case) == 0


def test_create_needs_auth_a_json_object_and_the_right(client, w):
    body = {"source": "audit", "unit_id": w.bureau.id, "title": "审计发现超编进人"}
    error_of(client.post(BASE, json=body), 401, "unauthorized")
    error_of(client.post(BASE, data="{not json", content_type="application/json", headers=auth(w.inspector)),
             400, "bad_request")
    error_of(client.post(BASE, json=["a list"], headers=auth(w.inspector)), 400, "bad_request")
    for who in (w.unit_user, w.discipline, w.admin):  # the city admin holds no cases.manage
        error_of(client.post(BASE, json=body, headers=auth(who)), 403, "forbidden")
    assert count(Case) == 0


# ---------------------------------------------------------------- role scoping of reads

def test_unit_users_read_only_the_unit_view_of_their_own_findings(client, w, two_units_case):
    case, mine, theirs = two_units_case
    view = client.get(f"{BASE}/{case.id}", headers=auth(w.unit_user)).get_json()
    assert view["view"] == "unit"
    assert set(view) == {"view", "id", "number", "title", "status", "office", "findings_total",
                         "findings_open", "findings_overdue", "findings", "deliveries"}
    assert view["status"] == {"code": "rectifying", "label": "整改中"}
    assert [f["id"] for f in view["findings"]] == [mine.id]
    assert "waiver" not in view["findings"][0] and "version" not in view["findings"][0]
    [delivery] = view["deliveries"]
    assert delivery["notice"]["kind"]["code"] == "initial" and delivery["is_signed"] is False
    text = str(view)
    assert SECRET not in text and "混编混岗" not in text and "信息中心混编混岗" not in text
    centre = client.get(f"{BASE}/{case.id}", headers=auth(w.centre_user)).get_json()
    assert [f["id"] for f in centre["findings"]] == [theirs.id] and "审计局超编进人" not in str(centre)
    # the same through the findings endpoints
    listed = client.get(f"{BASE}/{case.id}/findings", headers=auth(w.unit_user)).get_json()
    assert [f["id"] for f in listed["items"]] == [mine.id]
    error_of(client.get(f"{BASE}/{case.id}/findings/{theirs.id}", headers=auth(w.unit_user)), 404, "not_found")
    assert client.get(f"{BASE}/{case.id}/findings/{mine.id}", headers=auth(w.unit_user)).status_code == 200


def test_unit_users_never_see_timeline_or_cases_not_sent_to_them(client, w, make_case, two_units_case):
    case, _mine, _theirs = two_units_case
    verifying = make_case(title="尚在核实的事项")
    error_of(client.get(f"{BASE}/{case.id}/timeline", headers=auth(w.unit_user)), 404, "not_found")
    for case_id in (verifying.id, case.id + 1000):  # guessing ids: an unsent case, a missing one
        error_of(client.get(f"{BASE}/{case_id}", headers=auth(w.unit_user)), 404, "not_found")
        error_of(client.get(f"{BASE}/{case_id}/findings", headers=auth(w.unit_user)), 404, "not_found")
    listed = client.get(BASE, headers=auth(w.unit_user)).get_json()
    assert [(i["id"], i["view"], i["findings_total"]) for i in listed["items"]] == [(case.id, "unit", 1)]
    assert listed["total"] == 1 and "source" not in listed["items"][0]


def test_discipline_users_see_nothing(client, w, two_units_case):
    case, mine, _theirs = two_units_case
    headers = auth(w.discipline)
    assert client.get(BASE, headers=headers).get_json() == {"items": [], "total": 0, "page": 1, "per_page": 25}
    for method, path, body in [
        ("get", "", None), ("patch", "", {"version": 1, "title": "x"}), ("get", "/findings", None),
        ("post", "/transitions", {"to": "closed"}), ("post", "/findings", {"area": "staffing"}),
        ("get", "/timeline", None), ("post", "/notices", {}), ("get", f"/findings/{mine.id}", None),
        ("post", f"/findings/{mine.id}/accept", {}),
    ]:
        response = getattr(client, method)(f"{BASE}/{case.id}{path}", json=body, headers=headers)
        error_of(response, 404, "not_found")


def test_sibling_district_gets_404_and_the_superior_office_reads_only(client, w, xihu_case):
    for method, path, body in [("get", "", None), ("patch", "", {"version": 1, "title": "x"}),
                               ("post", "/transitions", {"to": "verifying"}), ("get", "/timeline", None)]:
        response = getattr(client, method)(f"{BASE}/{xihu_case.id}{path}", json=body,
                                           headers=auth(w.binjiang_inspector))
        error_of(response, 404, "not_found")
    assert client.get(BASE, headers=auth(w.binjiang_inspector)).get_json()["total"] == 0
    city = auth(w.inspector)
    view = client.get(f"{BASE}/{xihu_case.id}", headers=city).get_json()
    assert view["title"] == "西湖区审计局超职数" and view["permissions"] == {
        "may_write": False, "may_approve": False, "transitions": []}
    assert client.get(f"{BASE}/{xihu_case.id}/timeline", headers=city).status_code == 200
    error = error_of(client.patch(f"{BASE}/{xihu_case.id}", json={"version": 1, "title": "x"}, headers=city),
                     403, "forbidden")
    assert "下级编办" in error["message"]
    error_of(client.post(f"{BASE}/{xihu_case.id}/transitions", json={"to": "verifying"}, headers=city),
             403, "forbidden")
    error_of(client.post(f"{BASE}/{xihu_case.id}/findings", json={}, headers=city), 403, "forbidden")
    db.session.expire_all()
    assert xihu_case.title == "西湖区审计局超职数" and xihu_case.status == "registered"


# ---------------------------------------------------------------- update

def test_patch_changes_the_given_fields(client, w, make_case):
    case = make_case()
    response = client.patch(f"{BASE}/{case.id}", json={"version": 1, "title": "新标题", "source": "special"},
                            headers=auth(w.inspector))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["source"]["code"], body["description"], body["version"]) == (
        "新标题", "special", "巡察发现该局存在超编进人情况。", 2)


def test_a_stale_patch_is_a_409_and_saves_nothing(client, w, make_case):
    case = make_case()
    headers = auth(w.inspector)
    assert client.patch(f"{BASE}/{case.id}", json={"version": 1, "title": "甲的修改"}, headers=headers).status_code == 200
    error = error_of(client.patch(f"{BASE}/{case.id}", json={"version": 1, "title": "乙的修改"},
                                  headers=auth(w.inspector2)), 409, "conflict")
    assert "他人修改" in error["fields"]["version"]
    db.session.expire_all()
    assert case.title == "甲的修改" and case.version == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"title": "无版本号"}, "version"), ({"version": "1", "title": "x"}, "version"), ({"version": 0}, "version"),
    ({"version": 1, "source": "rumour"}, "source"), ({"version": 1, "unit_id": 999999}, "unit_id"),
    ({"version": 1, "title": " "}, "title"), ({"version": 1, "status": "closed"}, "status"),
])
def test_bad_patches_are_422_and_change_nothing(client, w, make_case, body, field):
    case = make_case()
    error = error_of(client.patch(f"{BASE}/{case.id}", json=body, headers=auth(w.inspector)), 422, "invalid")
    assert error["fields"].get(field)
    db.session.expire_all()
    assert case.title == "超编进人问题线索" and case.version == 1 and case.source == "inspection"


def test_patch_body_must_be_json(client, w, make_case):
    case = make_case()
    error_of(client.patch(f"{BASE}/{case.id}", data="title=x", headers=auth(w.inspector)), 400, "bad_request")
    error_of(client.patch(f"{BASE}/{case.id}", json={"version": 1}), 401, "unauthorized")


# ---------------------------------------------------------------- transitions

def post_transition(client, headers, case, **body):
    return client.post(f"{BASE}/{case.id}/transitions", json=body, headers=headers)


def test_a_case_through_its_lifecycle(client, w, make_case):
    case = make_case()
    headers = auth(w.inspector)
    assert post_transition(client, headers, case, to="verifying").get_json()["status"]["code"] == "verifying"
    response = client.post(f"{BASE}/{case.id}/findings", headers=headers, json={
        "area": "establishment", "violation_type": "over_establishment", "description": "超编 2 名。"})
    assert response.status_code == 201
    finding_id = response.get_json()["id"]
    error = error_of(post_transition(client, headers, case, to="closed"), 422, "invalid")
    assert "未整改销号" in error["message"] and error["fields"]["to"]
    moved = post_transition(client, headers, case, to="rectifying", requirements="限期整改。")
    assert moved.status_code == 200
    body = moved.get_json()
    assert body["status"]["code"] == "rectifying"
    [notice] = body["notices"]
    assert notice["requirements"] == "限期整改。" and notice["finding_seqs"] == [1]
    assert [(d["unit"]["name"], d["is_signed"]) for d in notice["deliveries"]] == [("杭州市审计局", False)]
    assert body["findings"][0]["due_on"] is not None
    accepted = client.post(f"{BASE}/{case.id}/findings/{finding_id}/accept", json={"comment": "整改到位。"},
                           headers=headers)
    assert accepted.get_json()["rectification_status"]["code"] == "accepted"
    closed = post_transition(client, headers, case, to="closed")
    assert closed.get_json()["status"]["code"] == "closed" and closed.get_json()["closed_at"]
    error_of(post_transition(client, headers, case, to="verifying", reason="发现新情况"), 403, "forbidden")
    reopened = post_transition(client, auth(w.approver), case, to="verifying", reason="发现新情况")
    assert reopened.status_code == 200 and reopened.get_json()["status"]["code"] == "verifying"
    kinds = [e["kind"] for e in client.get(f"{BASE}/{case.id}/timeline", headers=headers).get_json()["items"]]
    assert kinds == ["create", "verify", "finding_add", "issue_notice", "finding_accept", "close", "reopen"]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"to": "closed"}, 422, "to"),            # not from registered
    ({"to": "rectifying"}, 422, "to"),        # not from registered
    ({"to": "archived"}, 422, "to"),
    ({}, 422, "to"),
    ({"to": "dismissed"}, 422, "reason"),     # needs a reason
    ({"to": "dismissed", "reason": 7}, 422, "reason"),
    ({"to": "verifying", "colour": "red"}, 422, "colour"),
])
def test_refused_transitions_change_nothing(client, w, make_case, body, status, field):
    case = make_case()
    error = error_of(post_transition(client, auth(w.inspector), case, **body), status, "invalid")
    assert error["fields"].get(field), error
    db.session.expire_all()
    assert case.status == "registered" and case.version == 1


def test_transitions_by_roles_not_allowed(client, w, make_case, two_units_case):
    case = make_case()
    for who in (w.admin, w.unit_user):  # admin without cases.manage; a unit user (reads a case, never moves it)
        target = case if who is w.admin else two_units_case[0]
        error_of(post_transition(client, auth(who), target, to="closed"), 403, "forbidden")
    error_of(post_transition(client, auth(w.xihu_inspector), case, to="verifying"), 404, "not_found")
    dismissed = post_transition(client, auth(w.inspector), case, to="dismissed", reason="查无实据")
    assert dismissed.get_json()["status"]["code"] == "dismissed" and dismissed.get_json()["dismiss_reason"] == "查无实据"
    error = error_of(post_transition(client, auth(w.inspector), case, to="verifying", reason="重新核实"),
                     403, "forbidden")
    assert "审批督查事项" in error["message"]


# ---------------------------------------------------------------- notices and timeline

def test_issue_notice_then_a_supplementary_one(client, w, make_case, make_finding):
    case = make_case()
    make_finding(case)
    headers = auth(w.inspector)
    response = client.post(f"{BASE}/{case.id}/notices", json={}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"]["code"] == "initial"
    error = error_of(client.post(f"{BASE}/{case.id}/notices", json={}, headers=headers), 422, "invalid")
    assert "没有需要整改" in error["message"]
    make_finding(case, responsible_unit_id=w.centre.id)
    again = client.post(f"{BASE}/{case.id}/notices", json={"requirements": "补充整改。"}, headers=headers).get_json()
    assert again["kind"]["code"] == "supplementary" and [d["unit"]["id"] for d in again["deliveries"]] == [w.centre.id]
    error_of(client.post(f"{BASE}/{case.id}/notices", json={"requirements": 5}, headers=headers), 422, "invalid")
    assert count(RectificationNotice) == 2


def test_timeline_is_paged_and_carries_no_internal_notes(client, w, make_case):
    from inspection.services import cases

    case = make_case()
    cases.add_note(w.inspector, case, "内部备注：勿外传")
    db.session.commit()
    page = client.get(f"{BASE}/{case.id}/timeline", query_string={"per_page": 1}, headers=auth(w.inspector)).get_json()
    assert page["total"] == 1 and page["items"][0]["kind"] == "create" and page["items"][0]["actor"] == "insp"
    assert count(CaseNote) == 1 and "勿外传" not in str(client.get(f"{BASE}/{case.id}",
                                                                   headers=auth(w.inspector)).get_json())


# ---------------------------------------------------------------- the OpenAPI document

def test_the_openapi_document_lists_the_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/transitions",
            "/api/v1/cases/{case_id}/findings", "/api/v1/cases/{case_id}/findings/{finding_id}",
            "/api/v1/cases/{case_id}/notices", "/api/v1/cases/{case_id}/timeline"} <= set(paths)
    patch = paths["/api/v1/cases/{case_id}"]["patch"]
    assert {"400", "403", "404", "409", "422"} <= set(patch["responses"])
    assert "版本冲突" in patch["responses"]["409"]["description"]
    one_of = paths["/api/v1/cases/{case_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {ref["$ref"].rsplit("/", 1)[-1] for ref in one_of["oneOf"]} == {"CaseDetail", "UnitCase"}
    listed = {p["name"] for p in paths["/api/v1/cases"]["get"]["parameters"]}
    assert {"source", "status", "unit_id", "region", "area", "violation_type", "overdue", "date_from", "date_to",
            "q", "office_id", "include_subordinate", "sort", "scope", "page", "per_page"} <= listed



def test_open_instructions_show_on_both_sides(client, w, xihu_case):
    from datetime import timedelta

    from portal.timeutil import beijing_today

    from inspection.services import instructions

    due = beijing_today() + timedelta(days=10)
    instructions.issue_instruction(w.inspector, xihu_case, {"kind": "supervise", "text": "请加快核实。",
                                                            "due_on": due.isoformat()})
    db.session.commit()
    for who in (w.inspector, w.xihu_inspector):
        [item] = client.get(f"{BASE}/{xihu_case.id}", headers=auth(who)).get_json()["open_instructions"]
        assert (item["kind"]["code"], item["text"], item["due_on"], item["is_overdue"]) == (
            "supervise", "请加快核实。", due.isoformat(), False)
        assert item["from_office"]["id"] == w.city.id
