"""``GET /api/v1/findings``: role-scoped finding list with deadline facts; filters; bad values 422."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.timeutil import beijing_today

from inspection import workdays
from tests.inspection.api_support import auth, error_of
from tests.inspection.ledger_support import add_round, make_overdue

URL = "/api/v1/findings"
CALENDAR = re.compile(r"local_holidays|calendar_years|calendar_days|SELECT offices.path")


@pytest.fixture()
def world(w, make_case, make_finding, issue_notice):
    case = make_case(title="内部标题：超编线索", description="内部描述：举报人张某。")
    bureau = make_finding(case, description="审计局超编。", area="establishment")
    centre = make_finding(case, responsible_unit_id=w.centre.id, area="staffing", violation_type="mixed_posts")
    issue_notice(case)
    unsent = make_finding(case, description="尚未通知。")
    xihu_case = make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项")
    xihu = make_finding(xihu_case, actor=w.xihu_inspector)
    issue_notice(xihu_case, actor=w.xihu_inspector)
    return dict(case=case, bureau=bureau, centre=centre, unsent=unsent, xihu=xihu, xihu_case=xihu_case)


def ids(client, user, **params) -> list[int]:
    response = client.get(URL, query_string=params, headers=auth(user))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    return [item["id"] for item in body["items"]]


def test_scope_by_role(client, w, world):
    assert set(ids(client, w.inspector)) == {world["bureau"].id, world["centre"].id, world["unsent"].id,
                                             world["xihu"].id}  # own office and, read-only, the district's
    assert ids(client, w.xihu_inspector) == [world["xihu"].id]
    assert ids(client, w.binjiang_inspector) == []
    assert ids(client, w.unit_user) == [world["bureau"].id]  # only its own, only sent
    assert ids(client, w.centre_user) == [world["centre"].id]
    assert ids(client, w.discipline) == []
    assert client.get(URL).status_code == 401


def test_item_shape_and_facts(client, w, world):
    finding = world["bureau"]
    add_round(finding, w.unit_user, status="submitted", submitted_on=finding.due_on - timedelta(days=1))
    response = client.get(URL, headers=auth(w.unit_user))
    item = response.get_json()["items"][0]
    assert item["id"] == finding.id
    assert item["case"] == {"id": world["case"].id, "number": world["case"].number}
    assert item["seq"] == finding.seq
    assert item["area"] == {"code": "establishment", "label": "编制核定和管理情况"}
    assert item["violation_type"]["code"] == "over_establishment" and item["severity"]["code"] == "minor"
    assert item["description"] == "审计局超编。"
    assert item["responsible_unit"] == {"code": w.bureau.code, "name": w.bureau.name}
    assert item["notice_number"] == finding.notice.number
    assert item["due_on"] == finding.due_on.isoformat() and item["is_due_provisional"] is finding.is_due_provisional
    assert item["is_overdue"] is False and item["waiting_review"] is True and item["rounds"] == 1
    assert item["working_days_left"] == workdays.working_days_between(
        beijing_today(), finding.due_on, office_id=world["case"].office_id)
    assert item["rectification_status"] == {"code": "submitted", "label": "已提交"}
    body = response.get_data(as_text=True)
    assert "内部标题" not in body and "内部描述" not in body and "举报人" not in body


def test_filters(client, w, world):
    late = make_overdue(world["bureau"])
    centre = world["centre"]
    assert ids(client, w.inspector, overdue="true") == [late.id]
    assert set(ids(client, w.inspector, overdue="false")) == {centre.id, world["unsent"].id, world["xihu"].id}
    assert ids(client, w.unit_user, overdue="true") == [late.id]
    assert ids(client, w.unit_user, overdue="false") == []
    assert ids(client, w.inspector, unit=w.centre.code) == [centre.id]
    assert ids(client, w.inspector, unit=w.binjiang_unit.code) == []
    assert ids(client, w.inspector, case_id=world["xihu_case"].id) == [world["xihu"].id]
    assert ids(client, w.unit_user, case_id=world["xihu_case"].id) == []  # a filter never widens the scope
    assert ids(client, w.inspector, area="staffing") == [centre.id]
    assert ids(client, w.inspector, area="人员配备和管理情况") == [centre.id]
    assert set(ids(client, w.inspector, status="pending")) == {centre.id, world["unsent"].id, world["xihu"].id,
                                                              late.id}
    assert ids(client, w.inspector, due_before=(beijing_today() - timedelta(days=1)).isoformat()) == [late.id]
    assert late.id not in ids(client, w.inspector, due_after=beijing_today().isoformat())
    assert world["unsent"].id not in ids(client, w.inspector, due_after="2000-01-01")  # no deadline: no match


def test_order_and_paging(client, w, world):
    make_overdue(world["centre"], days=10)
    headers = auth(w.inspector)
    body = client.get(URL, query_string={"per_page": 2, "page": 1}, headers=headers).get_json()
    assert body["total"] == 4 and body["per_page"] == 2 and body["page"] == 1
    assert body["items"][0]["id"] == world["centre"].id  # earliest deadline first
    last = client.get(URL, query_string={"per_page": 2, "page": 2}, headers=headers).get_json()
    assert last["items"][-1]["id"] == world["unsent"].id  # no deadline: last


@pytest.mark.parametrize(("params", "field"), [
    ({"overdue": "maybe"}, "overdue"), ({"status": "finished"}, "status"), ({"area": "x"}, "area"),
    ({"case_id": "abc"}, "case_id"), ({"case_id": "0"}, "case_id"), ({"due_before": "2026-02-30"}, "due_before"),
    ({"due_after": "tomorrow"}, "due_after"), ({"unit": "123"}, "unit"),
    ({"due_after": "2026-05-01", "due_before": "2026-04-01"}, "due_after"),
    ({"page": 0}, "page"), ({"per_page": 500}, "per_page"), ({"page": "x"}, "page"),
])
def test_bad_values_are_422(client, w, params, field):
    error = error_of(client.get(URL, query_string=params, headers=auth(w.inspector)), 422, "invalid")
    assert field in error["fields"]


def test_unit_filter_refused_for_unit_users(client, w, world):
    error = error_of(client.get(URL, query_string={"unit": w.bureau.code}, headers=auth(w.unit_user)), 422, "invalid")
    assert set(error["fields"]) == {"unit"}


def test_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/findings"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"overdue", "status", "unit", "case_id", "due_before", "due_after", "area", "page", "per_page"} <= names


def test_no_query_per_row(client, w, world, make_case, make_finding, issue_notice):
    headers = auth(w.inspector)

    def count() -> int:
        statements = []
        listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(URL, headers=headers).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        # an office's working-day calendar is read once per request and office (inspection.workdays)
        return len([s for s in statements if not CALENDAR.search(s)])

    few = count()
    for n in range(4):
        case = make_case(title=f"事项{n}")
        finding = make_finding(case)
        issue_notice(case)
        add_round(finding, w.unit_user, status="submitted")
    db.session.expire_all()
    assert count() == few
