"""分级负责 on the register's pages and API: an office administers its own units, reads those of its
subordinate offices, and sees nothing else (404); a unit user sees only its own unit."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.tokens import issue_token
from portal.extensions import db
from portal.registry.models import Unit
from tests.portal.registry.world import build_world, listed_names, unit_form

ALL = {"杭州市审计局", "杭州市教育局", "杭州市西湖区教育局", "杭州市拱墅区财政局"}


@pytest.fixture()
def w(root_office, make_office, make_unit, make_user):
    return build_world(root_office, make_office, make_unit, make_user)


def _visible(client) -> set[str]:
    response = client.get("/registry/units", query_string={"per_page": 100})
    assert response.status_code == 200
    return listed_names(response.get_data(as_text=True))


def _api_visible(client, user) -> set[str]:
    token = issue_token(user)
    db.session.commit()
    response = client.get("/api/v1/registry/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return {item["name"] for item in response.get_json()["items"]}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("city_admin", ALL),
        ("city_inspector", ALL),
        ("xihu_admin", {"杭州市西湖区教育局"}),
        ("xihu_inspector", {"杭州市西湖区教育局"}),
        ("gongshu_inspector", {"杭州市拱墅区财政局"}),
    ],
)
def test_each_office_lists_its_subtree_on_the_web_and_in_the_api(client, login, w, username, expected):
    user = getattr(w, username)
    login(user)
    assert _visible(client) == expected
    assert _api_visible(client, user) == expected


def test_city_inspector_reads_district_units_without_edit_buttons(client, login, w):
    login(w.city_inspector)
    html = client.get(f"/registry/units/{w.xihu_unit.id}").get_data(as_text=True)
    assert "杭州市西湖区教育局" in html
    assert "只读：由杭州市西湖区机构编制委员会办公室管理" in html
    assert f"/registry/units/{w.xihu_unit.id}/edit" not in html
    assert "新增单位" not in client.get("/registry/units").get_data(as_text=True)


def test_city_admin_cannot_change_a_subordinate_offices_unit(client, login, w):
    login(w.city_admin)
    unit_id = w.xihu_unit.id
    detail = client.get(f"/registry/units/{unit_id}").get_data(as_text=True)
    for action in ("edit", "rename", "abolish", "merge", "documents/new", "departments/new", "events/new"):
        assert f"/registry/units/{unit_id}/{action}" not in detail
        assert client.get(f"/registry/units/{unit_id}/{action}").status_code == 403
    response = client.post(f"/registry/units/{unit_id}/edit",
                           data=unit_form(code=w.xihu_unit.code, name=w.xihu_unit.name, region_code="330106"))
    assert response.status_code == 403
    assert "您只能查看" in response.get_data(as_text=True)
    assert client.post(f"/registry/units/{unit_id}/abolish", data={"occurred_on": "2026-01-01"}).status_code == 403
    db.session.expire_all()
    unit = db.session.get(Unit, unit_id)
    assert unit.status == "active" and unit.events == []
    # its own units stay editable
    own = client.get(f"/registry/units/{w.audit_bureau.id}").get_data(as_text=True)
    assert f"/registry/units/{w.audit_bureau.id}/edit" in own


@pytest.mark.parametrize(
    ("username", "target"),
    [
        ("xihu_inspector", "gongshu_unit"),  # a sibling district office's unit
        ("xihu_inspector", "audit_bureau"),  # a city-level unit
        ("xihu_admin", "education"),
        ("gongshu_inspector", "xihu_unit"),
        ("unit_user", "education"),  # a unit user sees only its own unit
    ],
)
def test_out_of_scope_units_are_404_everywhere(client, login, w, username, target):
    user, unit = getattr(w, username), getattr(w, target)
    login(user)
    for path in ("", "/history", "/edit", "/rename", "/abolish", "/documents/new"):
        assert client.get(f"/registry/units/{unit.id}{path}").status_code == 404, path
    assert client.post(f"/registry/units/{unit.id}/abolish", data={"occurred_on": "2026-01-01"}).status_code == 404
    token = issue_token(user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/registry/units/{unit.code}", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.patch(f"/api/v1/registry/units/{unit.code}", json={"short_name": "x"}, headers=headers)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).short_name != "x"


def test_district_filter_by_a_city_office_shows_nothing(client, login, w):
    login(w.xihu_inspector)
    # an office outside the caller's subtree is not a way in
    html = client.get("/registry/units", query_string={"office_id": w.city.id, "include_subordinate": "y"})
    assert listed_names(html.get_data(as_text=True)) == set()
    offices = client.get("/registry/offices").get_data(as_text=True)
    assert "杭州市西湖区机构编制委员会办公室" in offices and "拱墅区" not in offices


def test_unit_user_sees_own_unit_read_only(client, login, w):
    login(w.unit_user)
    html = client.get(f"/registry/units/{w.audit_bureau.id}").get_data(as_text=True)
    assert "杭州市审计局" in html and "负责全市审计监督。" in html
    assert not re.search(rf"/registry/units/{w.audit_bureau.id}/(edit|rename|abolish|merge)", html)
    assert client.get(f"/registry/units/{w.audit_bureau.id}/edit").status_code == 403
    assert client.get("/registry/units/new").status_code == 403
    assert client.get("/registry/offices").status_code == 403
    assert _api_visible(client, w.unit_user) == {"杭州市审计局"}


def test_district_admin_cannot_create_a_unit_in_the_city_region(client, login, w):
    login(w.xihu_admin)
    response = client.post("/registry/units/new", data=unit_form(region_code="330100"))
    assert response.status_code == 200
    assert "由杭州市机构编制委员会办公室管理" in response.get_data(as_text=True)
    assert db.session.execute(select(Unit).where(Unit.name == "杭州市统计局")).scalar_one_or_none() is None


def test_office_tree_query_refuses_users_without_registry_or_office_permissions(app, make_user, make_unit):
    """The rule lives in the query (web and API share it), not in the views."""
    import pytest as _pytest

    from portal.errors import PermissionDenied
    from portal.registry import queries

    unit_user = make_user(role="unit", unit=make_unit("杭州市某局"))
    with _pytest.raises(PermissionDenied):
        queries.office_tree(unit_user)
    assert queries.office_tree(make_user(role="inspector"))  # registry.read: sees its office
