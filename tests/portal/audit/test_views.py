"""The audit page: filters, Beijing times, before→after, own events hidden, access refused without audit.read."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from urllib.parse import unquote

import pytest

from portal.audit import services as audit


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return [unquote(name) for name in re.findall(r'href="/audit/\?actor=([^"&]+)"', body)]


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("name", ["xihu_inspector", "xihu_unit_user", "binjiang_discipline"])
def test_without_audit_read_the_page_is_forbidden(client, login, people, name):
    login(getattr(people, name))
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "您没有执行此操作的权限。" in response.get_data(as_text=True)


def test_the_page_lists_events_in_beijing_time_with_changes(client, login, people, write_event, monkeypatch):
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(2026, 3, 1, 16, 30, 5, tzinfo=timezone.utc))
    write_event(people.xihu_admin, "unit.update", "unit", 17,
                changes=audit.diff({"name": "西湖区财政局", "classified": False},
                                   {"name": "西湖区财政局（加挂牌子）", "classified": True}),
                details={"document": "西编〔2026〕5号"})
    monkeypatch.undo()
    login(people.city_auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2026-03-02 00:30:05" in html  # 16:30 UTC is 00:30 the next day in Beijing
    assert "修改" in html and "unit.update" in html
    assert "单位 #17" in html
    assert "西湖区财政局</del>" in html and "西湖区财政局（加挂牌子）</ins>" in html
    assert "否</del>" in html and "是</ins>" in html
    assert "西编〔2026〕5号" in html


def test_the_auditor_never_sees_their_own_events(client, login, people, write_event):
    write_event(people.city_admin)
    write_event(people.city_auditor, "registry.export", "unit", None)
    login(people.city_auditor)  # the login itself is an event of the auditor's
    html = client.get("/audit/").get_data(as_text=True)
    assert _rows(html) == ["city_admin"]
    assert "registry.export" not in html
    assert "auth.login" not in html.split("<tbody>", 1)[1]


def test_a_district_admin_sees_only_the_district(client, login, people, write_event):
    write_event(people.city_admin)
    write_event(people.xihu_inspector)
    write_event(people.binjiang_inspector)
    write_event(None)
    login(people.xihu_admin)
    html = client.get("/audit/").get_data(as_text=True)
    assert _rows(html) == [audit.SYSTEM_ACTOR, "xihu_inspector"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "xihu_admin"}, ["xihu_admin"]),
        ({"action": "user.create"}, ["xihu_admin"]),
        ({"object_type": "unit"}, ["binjiang_inspector", "xihu_inspector"]),
        ({"object_type": "unit", "object_id": "42"}, ["xihu_inspector"]),
        ({"date_from": "2000-01-01", "date_to": "2000-12-31"}, []),
        ({"actor": "", "date_from": "", "date_to": ""}, ["binjiang_inspector", "xihu_inspector", "xihu_admin"]),
    ],
)
def test_filters_on_the_page(client, login, people, write_event, query, expected):
    write_event(people.xihu_admin, "user.create", "user", 5)
    write_event(people.xihu_inspector, "unit.update", "unit", 42)
    write_event(people.binjiang_inspector, "unit.update", "unit", 43)
    login(people.city_auditor)
    response = client.get("/audit/", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _rows(html) == expected
    if not expected:
        assert "没有符合条件的审计事件。" in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-02-30"}, "date_from", "日期格式应为 年-月-日，例如 2026-03-01。"),
        ({"date_to": "昨天"}, "date_to", "日期格式应为 年-月-日，例如 2026-03-01。"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "结束日期不能早于开始日期。"),
        ({"actor": "x" * 101}, "actor", "100"),
    ],
)
def test_bad_filters_are_shown_beside_the_field(client, login, people, query, field, message):
    login(people.city_auditor)
    response = client.get("/audit/", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # the message sits right after the field's own input
    match = re.search(rf'<input[^>]*name="{field}"[^>]*>\s*(?:<div class="form-text">.*?</div>\s*)?'
                      rf'<div class="invalid-feedback d-block">([^<]*)</div>', html, re.S)
    assert match, html[:3000]
    assert message in match.group(1)
    assert "<tbody>" not in html  # nothing listed under an invalid filter


def test_the_list_is_paged_on_the_server(app, client, login, people, write_event):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        write_event(people.xihu_inspector, object_id=n)
    login(people.city_auditor)
    first = client.get("/audit/").get_data(as_text=True)
    third = client.get("/audit/", query_string={"page": 3}).get_data(as_text=True)
    assert "共 5 条" in first
    assert 'href="/audit/?page=2"' in first
    assert re.findall(r"单位 #(\d+)", first) == ["4", "3"]
    assert re.findall(r"单位 #(\d+)", third) == ["0"]
    # paging keeps the filters
    filtered = client.get("/audit/", query_string={"actor": "xihu_inspector"}).get_data(as_text=True)
    assert "actor=xihu_inspector" in filtered and "page=2" in filtered


def test_the_navigation_offers_the_page_only_with_audit_read(client, login, people):
    login(people.city_auditor)
    assert 'href="/audit/"' in client.get("/workspace").get_data(as_text=True)
    client.post("/logout")
    login(people.xihu_inspector)
    assert 'href="/audit/"' not in client.get("/workspace").get_data(as_text=True)
