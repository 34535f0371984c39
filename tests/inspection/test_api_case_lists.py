"""``GET /api/v1/cases``: the web list's filters, sorting, paging and scope, as JSON; no query per row."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.inspection.api_support import BASE, auth, error_of


def test_list_uses_the_web_filters(client, w, make_case):
    xihu_case = make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区审计局超职数")
    audit = make_case(source="audit", title="审计移交线索")
    hotline = make_case(source="hotline", title="12310 举报线索", lead_inspector_id=w.inspector2.id)
    headers = auth(w.inspector)

    def ids(**params):
        response = client.get(BASE, query_string=params, headers=headers)
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert ids() == [hotline.id, audit.id]  # own office, newest first
    assert ids(source="audit") == [audit.id] and ids(source="12310举报") == [hotline.id]
    assert ids(q="举报") == [hotline.id]
    assert ids(scope="mine") == [audit.id]
    assert ids(include_subordinate=1, sort="opened") == [xihu_case.id, audit.id, hotline.id]
    assert ids(office_id=w.xihu.id) == [xihu_case.id]
    page = client.get(BASE, query_string={"per_page": 1, "page": 2}, headers=headers).get_json()
    assert (page["total"], page["page"], page["per_page"], [i["id"] for i in page["items"]]) == (
        2, 2, 1, [audit.id])
    item = page["items"][0]
    assert item["view"] == "staff" and item["source"]["code"] == "audit" and item["findings_total"] == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"source": "rumour"}, "source"), ({"status": "lost"}, "status"), ({"date_from": "2026-13-01"}, "date_from"),
    ({"sort": "colour"}, "sort"), ({"area": "x"}, "area"), ({"page": 0}, "page"), ({"per_page": 500}, "per_page"),
])
def test_bad_list_filters_are_422_naming_the_field(client, w, params, field):
    error = error_of(client.get(BASE, query_string=params, headers=auth(w.inspector)), 422, "invalid")
    assert error["fields"].get(field)


def test_office_outside_the_subtree_is_422(client, w):
    error = error_of(client.get(BASE, query_string={"office_id": w.binjiang.id}, headers=auth(w.xihu_inspector)),
                     422, "invalid")
    assert error["fields"]["office_id"]


def test_lists_do_not_query_per_row(client, w, make_case, make_finding, issue_notice):
    def notified_case(i):
        case = make_case(title=f"事项{i}")
        make_finding(case)
        make_finding(case, responsible_unit_id=w.centre.id)
        issue_notice(case)

    def statements(user) -> tuple[int, int]:
        headers = auth(user)
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            body = client.get(BASE, headers=headers).get_json()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert all(item["findings_total"] in (1, 2) for item in body["items"])
        return len(seen), body["total"]

    notified_case(0)
    before = {user.username: statements(user) for user in (w.inspector, w.unit_user)}
    for i in range(1, 5):
        notified_case(i)
    after = {user.username: statements(user) for user in (w.inspector, w.unit_user)}
    assert {k: v[1] for k, v in after.items()} == {"insp": 5, "bureau_user": 5}
    assert {k: v[0] for k, v in before.items()} == {k: v[0] for k, v in after.items()}


def test_the_list_filters_by_unit_code_and_refuses_a_bad_one(client, w, make_case):
    from tests.inspection.api_support import auth

    wanted = make_case(unit_id=w.centre.id, title="中心事项")
    make_case(title="审计局事项")
    answer = client.get("/api/v1/cases", query_string={"unit_code": w.centre.code}, headers=auth(w.inspector))
    assert answer.status_code == 200
    assert [item["id"] for item in answer.get_json()["items"]] == [wanted.id]
    bad = client.get("/api/v1/cases", query_string={"unit_code": "123"}, headers=auth(w.inspector))
    assert bad.status_code == 422 and "unit_code" in bad.get_json()["error"]["fields"]
