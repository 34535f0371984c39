"""The case list page: tabs, filters, sorting, paging, read-only rows, bad values, who may open it."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.timeutil import beijing_today


def page(client, **args):
    response = client.get("/inspection/cases", query_string=args)
    return response, response.get_data(as_text=True)


@pytest.fixture()
def cases(w, make_case, make_finding, issue_notice):
    today = beijing_today()
    mine = make_case(source="audit", title="审计发现超编", received_on=(today - timedelta(days=3)).isoformat())
    theirs = make_case(source="hotline", title="举报吃空饷", lead_inspector_id=w.inspector2.id)
    make_finding(theirs, area="staffing")
    late = make_finding(theirs, area="organisation", violation_type="disguised_body")
    issue_notice(theirs)
    late.due_on = today - timedelta(days=2)
    db.session.commit()
    xihu = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项")
    binjiang = make_case(w.binjiang_inspector, unit_id=w.binjiang_unit.id, title="滨江区事项")
    return dict(mine=mine, theirs=theirs, xihu=xihu, binjiang=binjiang)


def test_tabs_mine_and_all(client, login, w, cases):
    login(w.inspector)
    response, html = page(client)
    assert response.status_code == 200
    assert "我的事项" in html and "全部事项" in html
    assert "审计发现超编" in html and "举报吃空饷" in html
    response, html = page(client, scope="mine")
    assert response.status_code == 200
    assert "审计发现超编" in html and "举报吃空饷" not in html


def test_row_shows_counts_labels_and_lead(client, login, w, cases):
    login(w.inspector)
    _response, html = page(client, status="rectifying")
    assert "举报吃空饷" in html and "审计发现超编" not in html
    assert "12310举报" in html and "整改中" in html and "李督查" in html
    assert '<span class="badge bg-danger">1</span>' in html   # one overdue finding
    assert '<td class="text-end">2</td>' in html               # two findings


@pytest.mark.parametrize(("args", "shown", "hidden"), [
    ({"source": "audit"}, "审计发现超编", "举报吃空饷"),
    ({"overdue": "1"}, "举报吃空饷", "审计发现超编"),
    ({"area": "organisation"}, "举报吃空饷", "审计发现超编"),
    ({"q": "超编"}, "审计发现超编", "举报吃空饷"),
])
def test_filters_on_the_page(client, login, w, cases, args, shown, hidden):
    login(w.inspector)
    response, html = page(client, **args)
    assert response.status_code == 200
    assert shown in html and hidden not in html


@pytest.mark.parametrize("args", [
    {"source": "bogus"}, {"date_from": "2026-02-30"}, {"date_from": "2026-03-02", "date_to": "2026-03-01"},
    {"office_id": "abc"}, {"sort": "nope"}, {"region": "12"}, {"scope": "x"},
])
def test_bad_filter_values_show_a_message(client, login, w, cases, args):
    login(w.inspector)
    response, html = page(client, **args)
    assert response.status_code == 200
    assert "筛选条件有误" in html
    assert "审计发现超编" not in html     # no table on bad filters


def test_office_outside_the_subtree_is_refused_on_the_page(client, login, w, cases):
    login(w.xihu_inspector)
    response, html = page(client, office_id=w.binjiang.id)
    assert response.status_code == 200
    assert "所选编办不在您的管辖范围内" in html and "滨江区事项" not in html


def test_subordinate_offices_read_only_on_request(client, login, w, cases):
    login(w.inspector)
    _response, html = page(client)
    assert "西湖区事项" not in html and "下级编办·只读" not in html
    _response, html = page(client, include_subordinate="1")
    assert "西湖区事项" in html and "滨江区事项" in html
    assert html.count("下级编办·只读") == 2
    _response, html = page(client, office_id=w.xihu.id)
    assert "西湖区事项" in html and "滨江区事项" not in html and "审计发现超编" not in html


def test_sibling_district_office_never_appears(client, login, w, cases):
    login(w.xihu_inspector)
    _response, html = page(client, include_subordinate="1")
    assert "西湖区事项" in html
    assert "滨江区事项" not in html and "审计发现超编" not in html
    assert "下级编办·只读" not in html


def test_sorting_and_paging(client, login, w, make_case):
    login(w.inspector)
    for i in range(7):
        make_case(title=f"事项{i:02d}")
    _response, html = page(client, sort="number", per_page=3)
    assert html.index("事项00") < html.index("事项01") < html.index("事项02")
    assert "事项03" not in html
    assert "共 7 条" in html
    _response, html = page(client, sort="number", per_page=3, page=3)
    assert "事项06" in html and "事项05" not in html
    _response, html = page(client, sort="-number", per_page=3)
    assert html.index("事项06") < html.index("事项05") and "事项00" not in html
    _response, html = page(client, page="abc")          # a bad page number shows the first page
    assert "事项00" in html
    _response, html = page(client, page="99")           # past the end: an empty page, not an error
    assert "没有符合条件的督查事项" in html


def test_sort_headers_and_export_links_carry_the_filters(client, login, w, cases):
    login(w.inspector)
    _response, html = page(client, source="audit", scope="mine")
    hrefs = [part.split('"')[0].replace("&amp;", "&") for part in html.split('href="')[1:]]
    exports = [h for h in hrefs if "/inspection/cases/export." in h]
    assert {urlparse(h).path for h in exports} == {"/inspection/cases/export.xlsx", "/inspection/cases/export.csv"}
    for href in exports:
        assert parse_qs(urlparse(href).query) == {"source": ["audit"], "scope": ["mine"]}
    sorts = [parse_qs(urlparse(h).query) for h in hrefs if "sort=" in h and "/inspection/cases?" in h]
    assert {"source": ["audit"], "scope": ["mine"], "sort": ["received"]} in sorts
    assert {"source": ["audit"], "scope": ["mine"], "sort": ["opened"]} in sorts  # current -opened flips


def test_list_page_has_no_n_plus_one(client, login, w, make_case):
    login(w.inspector)
    for i in range(3):
        make_case(title=f"批量{i}")
    counted = []

    def count():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/inspection/cases").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counted.append(len(statements))

    count()
    for i in range(10):
        make_case(title=f"更多{i}", lead_inspector_id=w.inspector2.id)
    count()
    assert counted[0] == counted[1], counted


def test_unit_user_is_sent_to_its_workspace(client, login, w, cases):
    login(w.unit_user)
    response = client.get("/inspection/cases")
    assert response.status_code in (302, 303)
    assert "/inspection/my-unit" in response.headers["Location"]
    assert client.get("/inspection/cases/export.csv").status_code in (302, 303)


def test_discipline_user_gets_404(client, login, w, cases):
    login(w.discipline)
    assert client.get("/inspection/cases").status_code == 404
    assert client.get("/inspection/cases/export.csv").status_code == 404


def test_anonymous_is_sent_to_login(client, cases):
    response = client.get("/inspection/cases")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
