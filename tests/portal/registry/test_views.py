"""The register's web pages: list filters and paging, create/edit with every bad input beside its field,
history actions, offices, and what read-only users see."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.registry.models import (
    DisciplineBody,
    EstablishmentDocument,
    InternalDepartment,
    Office,
    StaffingQuota,
    Unit,
    UnitEvent,
)
from tests.portal.registry.world import build_world, errors_beside, listed_names, unit_form


@pytest.fixture()
def w(root_office, make_office, make_unit, make_user):
    return build_world(root_office, make_office, make_unit, make_user)


def page(client, url, **params):
    response = client.get(url, query_string=params)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- list, filters, paging

def test_list_shows_units_with_totals_and_badges(client, login, w):
    login(w.city_admin)
    html = page(client, "/registry/units")
    assert listed_names(html) == {"杭州市审计局", "杭州市教育局", "杭州市西湖区教育局", "杭州市拱墅区财政局"}
    row = re.search(r"杭州市审计局</a>.*?</tr>", html, re.S).group(0)
    assert ">43<" in row and ">44<" in row  # approved 40+3, actual 42+2
    assert "超编" in row
    education_row = re.search(r"杭州市教育局</a>.*?</tr>", html, re.S).group(0)
    assert "超职数" in education_row and "超编" not in education_row


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "审计"}, {"杭州市审计局"}),
        ({"q": "市教育局"}, {"杭州市教育局"}),  # short name
        ({"q": "普查"}, {"杭州市审计局"}),  # a second plaque (加挂牌子), set up in the test
        ({"level": "section"}, {"杭州市西湖区教育局", "杭州市拱墅区财政局"}),
        ({"level": "正处级"}, {"杭州市审计局", "杭州市教育局"}),  # Chinese label accepted
        ({"kind": "institution"}, set()),
        ({"region": "330106"}, {"杭州市西湖区教育局"}),
        ({"region": "330100"}, {"杭州市审计局", "杭州市教育局", "杭州市西湖区教育局", "杭州市拱墅区财政局"}),
        ({"over_only": "y"}, {"杭州市审计局", "杭州市教育局"}),
        ({"status": "abolished"}, set()),
    ],
)
def test_list_filters(client, login, w, params, expected):
    from portal.registry.models import UnitName

    w.audit_bureau.other_names.append(UnitName(kind="plaque", name="杭州市普查办公室"))
    db.session.commit()
    login(w.city_admin)
    assert listed_names(page(client, "/registry/units", **params)) == expected


def test_list_filter_by_code_and_office(client, login, w):
    login(w.city_admin)
    assert listed_names(page(client, "/registry/units", q=w.gongshu_unit.code.lower())) == {"杭州市拱墅区财政局"}
    assert listed_names(page(client, "/registry/units", office_id=w.xihu.id)) == {"杭州市西湖区教育局"}
    assert listed_names(page(client, "/registry/units", office_id=w.city.id)) == {"杭州市审计局", "杭州市教育局"}
    everything = listed_names(page(client, "/registry/units", office_id=w.city.id, include_subordinate="y"))
    assert len(everything) == 4


def test_list_bad_filter_is_reported_beside_the_field(client, login, w):
    login(w.city_admin)
    html = page(client, "/registry/units", region="999999")
    assert "行政区划代码“999999”无效" in " ".join(errors_beside(html, "region"))


def test_list_pages_on_the_server(client, login, w, make_unit):
    for i in range(5):
        make_unit(f"杭州市第{i}测试中心", kind="institution")
    login(w.city_admin)
    first = listed_names(page(client, "/registry/units", per_page=4, q="测试中心"))
    second_html = page(client, "/registry/units", per_page=4, q="测试中心", page=2)
    second = listed_names(second_html)
    assert len(first) == 4 and len(second) == 1 and not first & second
    assert "共 5 条" in second_html
    # the pager keeps the filter in its links
    assert re.search(r'href="/registry/units\?[^"]*q=%E6%B5%8B', second_html)
    assert listed_names(page(client, "/registry/units", per_page=4, q="测试中心", page=9)) == set()


def _count_statements(client, url) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_list_queries_do_not_grow_with_the_units_shown(client, login, w, make_unit):
    login(w.city_admin)
    few = _count_statements(client, "/registry/units?per_page=50")
    for i in range(6):
        make_unit(f"杭州市第{i}批量中心", quotas={"administrative": (5, 6)}, posts={"chief": (1, 1)})
    many = _count_statements(client, "/registry/units?per_page=50")
    assert many == few


def test_unit_user_is_sent_to_own_unit_and_discipline_user_gets_403(client, login, w, make_user):
    login(w.unit_user)
    response = client.get("/registry/units")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/registry/units/{w.audit_bureau.id}")
    client.post("/logout")
    body = DisciplineBody(name="杭州市纪委监委", office=w.city)
    db.session.add(body)
    db.session.commit()
    login(make_user("jiwei", role="discipline", body=body))
    assert client.get("/registry/units").status_code == 403
    assert client.get(f"/registry/units/{w.audit_bureau.id}").status_code == 404


# ---------------------------------------------------------------- create

def test_create_unit(client, login, w):
    login(w.city_admin)
    form_html = page(client, "/registry/units/new")
    assert 'value="330100"' in form_html  # the office's region is the default
    response = client.post("/registry/units/new", data=unit_form(**{"classified_fields": ["funding", "posts"]}))
    assert response.status_code == 302, errors_beside(response.get_data(as_text=True), "code")
    unit = db.session.execute(select(Unit).where(Unit.name == "杭州市统计局")).scalar_one()
    assert response.headers["Location"].endswith(f"/registry/units/{unit.id}")
    assert unit.office_id == w.city.id and unit.level == "division" and unit.funding == "full"
    assert {(q.category, q.approved, q.actual) for q in unit.quotas} == {("administrative", 30, 28)}
    assert {(p.rank, p.approved, p.actual) for p in unit.posts} == {("chief", 1, 1), ("deputy", 3, 2)}
    assert [(n.kind, n.name) for n in unit.other_names] == [("plaque", "杭州市普查中心")]
    assert unit.classified_fields == ["funding", "posts"]
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "unit.create")) == 1


@pytest.mark.parametrize(
    ("overrides", "field_id", "fragment"),
    [
        ({"code": "11330100MB0000000X"}, "code", "校验位"),
        ({"code": "1133"}, "code", "18位"),
        ({"quotas-administrative-approved": "-3"}, "quotas-administrative-approved", "不能为负数"),
        ({"quotas-revolving-actual": "十二"}, "quotas-revolving-actual", "不是数字"),
        ({"posts-deputy-actual": "2.5"}, "posts-deputy-actual", "不是数字"),
        ({"kind": "company"}, "kind", "机构类型"),
        ({"category": "welfare_1"}, "category", "只有事业单位"),
        ({"region_code": "33010"}, "region_code", "无效"),
        ({"region_code": "330106"}, "region_code", "西湖区"),  # a district office's region
        ({"parent_code": "91330100MA0000000X"}, "parent_code", "找不到"),
        ({"established_on": "2026-02-30"}, "established_on", "不是有效日期"),
        ({"name": ""}, "name", "请填写单位名称"),
    ],
)
def test_create_rejects_bad_input_beside_the_field(client, login, w, overrides, field_id, fragment):
    login(w.city_admin)
    before = db.session.scalar(select(func.count(Unit.id)))
    response = client.post("/registry/units/new", data=unit_form(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    messages = errors_beside(html, field_id)
    assert any(fragment in m for m in messages), (field_id, messages)
    assert db.session.scalar(select(func.count(Unit.id))) == before
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "unit.create")) == 0


def test_create_rejects_duplicate_code(client, login, w):
    login(w.city_admin)
    response = client.post("/registry/units/new", data=unit_form(code=w.education.code))
    messages = errors_beside(response.get_data(as_text=True), "code")
    assert any("已被“杭州市教育局”使用" in m for m in messages)
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.name == "杭州市统计局")) == 0


def test_create_needs_registry_edit(client, login, w):
    login(w.city_inspector)
    assert client.get("/registry/units/new").status_code == 403
    assert client.post("/registry/units/new", data=unit_form()).status_code == 403
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.name == "杭州市统计局")) == 0


# ---------------------------------------------------------------- edit

def _edit_form(client, unit_id) -> dict:
    """The edit page's current values, as the browser would post them back."""
    html = page(client, f"/registry/units/{unit_id}/edit")
    data = {}
    for name, value in re.findall(r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', html):
        data[name] = value
    for name, body in re.findall(r'<textarea[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    for name, options in re.findall(r'<select[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', options)
        data[name] = next((g for g in selected.groups() if g is not None), "") if selected else ""
    checked = re.findall(r'<input[^>]*\bchecked\b[^>]*\bname="([^"]+)"|<input[^>]*\bname="([^"]+)"[^>]*\bchecked\b', html)
    for pair in checked:
        data[pair[0] or pair[1]] = "y"
    return {k: v for k, v in data.items() if not k.startswith("classified_fields")}


def test_edit_round_trip_changes_only_what_was_changed(client, login, w):
    login(w.city_admin)
    data = _edit_form(client, w.audit_bureau.id)
    assert data["code"] == w.audit_bureau.code and data["quotas-administrative-approved"] == "40"
    assert data["level"] == "division"
    data.update({"quotas-administrative-approved": "45", "change_occurred_on": "2026-03-01",
                 "change_summary": "核增行政编制 5 名"})
    response = client.post(f"/registry/units/{w.audit_bureau.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    unit = db.session.get(Unit, w.audit_bureau.id)
    assert {q.category: (q.approved, q.actual) for q in unit.quotas} == {"administrative": (45, 42), "logistics": (3, 2)}
    assert [(e.kind, str(e.occurred_on), e.summary) for e in unit.events] == [
        ("quotas_changed", "2026-03-01", "核增行政编制 5 名")]
    last = db.session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert last.action == "unit.update" and '"quotas"' in last.payload and '"functions_md"' not in last.payload


def test_edit_cleared_quota_row_becomes_zero(client, login, w):
    login(w.city_admin)
    data = _edit_form(client, w.audit_bureau.id)
    data.update({"quotas-logistics-approved": "", "quotas-logistics-actual": ""})
    assert client.post(f"/registry/units/{w.audit_bureau.id}/edit", data=data).status_code == 302
    quota = db.session.execute(
        select(StaffingQuota).where(StaffingQuota.unit_id == w.audit_bureau.id, StaffingQuota.category == "logistics")
    ).scalar_one()
    assert (quota.approved, quota.actual) == (0, 0)


def test_edit_parent_cycle_is_reported_beside_parent(client, login, w, make_unit):
    child = make_unit("杭州市审计事务中心", kind="institution", parent=w.audit_bureau)
    login(w.city_admin)
    data = _edit_form(client, w.audit_bureau.id)
    data["parent_code"] = child.code
    response = client.post(f"/registry/units/{w.audit_bureau.id}/edit", data=data)
    assert any("循环" in m for m in errors_beside(response.get_data(as_text=True), "parent_code"))
    db.session.expire_all()
    assert db.session.get(Unit, w.audit_bureau.id).parent_id is None


@pytest.mark.parametrize(
    ("overrides", "field_id", "fragment"),
    [
        ({"name": "杭州市审计厅"}, "name", "更名请使用"),
        ({"change_occurred_on": "", "change_summary": "调整", "quotas-administrative-approved": "41"},
         "change_occurred_on", "请填写变更日期"),
        ({"change_occurred_on": "2026-01-01", "change_document_id": "999999",
          "quotas-administrative-approved": "41"}, "change_document_id", "不属于该单位"),
        ({"change_occurred_on": "2026-01-01", "change_document_id": "abc",
          "quotas-administrative-approved": "41"}, "change_document_id", "不属于该单位"),
    ],
)
def test_edit_bad_input_saves_nothing(client, login, w, overrides, field_id, fragment):
    login(w.city_admin)
    data = _edit_form(client, w.audit_bureau.id)
    data.update(overrides)
    response = client.post(f"/registry/units/{w.audit_bureau.id}/edit", data=data)
    assert response.status_code == 200
    assert any(fragment in m for m in errors_beside(response.get_data(as_text=True), field_id))
    db.session.expire_all()
    unit = db.session.get(Unit, w.audit_bureau.id)
    assert unit.name == "杭州市审计局"
    assert {q.category: q.approved for q in unit.quotas}["administrative"] == 40
    assert unit.events == []


# ---------------------------------------------------------------- detail, markdown, history

def test_detail_shows_everything_derived(client, login, w):
    w.audit_bureau.parent = w.education
    db.session.add(EstablishmentDocument(unit=w.audit_bureau, doc_number="杭编〔2019〕5号", title="关于设立市审计局的通知",
                                         issued_on=__import__("datetime").date(2019, 3, 1)))
    db.session.commit()
    login(w.city_admin)
    html = page(client, f"/registry/units/{w.audit_bureau.id}")
    assert "杭州市机构编制委员会办公室" in html  # the unit's office
    assert "浙江省杭州市" in html  # region full name
    assert "正处级" in html and "党政机关" in html
    quota_row = re.search(r"行政编制</th>(.*?)</tr>", html, re.S).group(1)
    assert [int(n) for n in re.findall(r">(\d+)<", quota_row)] == [40, 42, 0, 2]  # 核定 实有 空编 超编
    assert "杭编〔2019〕5号《关于设立市审计局的通知》" in html
    assert f'href="/registry/units/{w.education.id}">杭州市教育局' in html
    assert f'href="/registry/units/{w.audit_bureau.id}/edit"' in html


def test_functions_markdown_is_sanitised(client, login, w):
    w.audit_bureau.functions_md = (
        "1. 负责**审计**监督<script>alert('x')</script>\n"
        "2. [详见](javascript:alert(1)) [官网](https://www.hangzhou.gov.cn)\n\n"
        '<img src="x" onerror="alert(2)"><a href="JaVaScRiPt:alert(3)" onclick="alert(4)">链接</a>'
    )
    db.session.commit()
    login(w.city_admin)
    html = page(client, f"/registry/units/{w.audit_bureau.id}")
    body = re.search(r'<div class="markdown-body">(.*?)</div>', html, re.S).group(1)
    assert "<strong>审计</strong>" in body and "<ol>" in body
    assert 'href="https://www.hangzhou.gov.cn"' in body
    lowered = body.lower()
    assert "<script" not in lowered and "alert" not in lowered and "javascript:" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered


def test_history_shows_events_and_audit_to_another_auditor(client, login, w):
    login(w.city_admin)
    client.post(f"/registry/units/{w.education.id}/rename",
                data={"new_name": "杭州市教育委员会", "occurred_on": "2026-01-10"})
    own = page(client, f"/registry/units/{w.education.id}/history")
    assert "更名" in own and "杭州市教育委员会" in own
    assert "unit.rename" not in own  # nobody reviews their own actions (三员分立)
    client.post("/logout")
    login(w.city_admin2)
    other = page(client, f"/registry/units/{w.education.id}/history")
    assert "unit.rename" in other and "city_admin" in other


def test_history_without_audit_read_shows_only_events(client, login, w):
    login(w.city_inspector)
    html = page(client, f"/registry/units/{w.education.id}/history")
    assert "沿革" in html and "审计日志" not in html.split("<main", 1)[1]


# ---------------------------------------------------------------- history actions

def test_rename_abolish_and_merge(client, login, w, make_unit):
    old = make_unit("杭州市老干部活动中心", kind="institution")
    login(w.city_admin)
    response = client.post(f"/registry/units/{old.id}/merge",
                           data={"target_code": w.education.code, "occurred_on": "2026-02-01", "summary": "整合"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, old.id).status == "abolished"
    assert [e.kind for e in db.session.get(Unit, w.education.id).events] == ["merged"]
    # an abolished unit shows no action buttons
    html = page(client, f"/registry/units/{old.id}")
    assert f"/registry/units/{old.id}/edit" not in html and "已撤销" in html

    response = client.post(f"/registry/units/{w.audit_bureau.id}/abolish", data={"occurred_on": ""})
    assert "请填写撤销日期" in " ".join(errors_beside(response.get_data(as_text=True), "occurred_on"))
    assert client.post(f"/registry/units/{w.audit_bureau.id}/abolish",
                       data={"occurred_on": "2026-03-01"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, w.audit_bureau.id).abolished_on.isoformat() == "2026-03-01"


@pytest.mark.parametrize(
    ("target", "fragment"),
    [("self", "不能与本单位合并"), ("district", "不由本编办管理"), ("nonsense", "找不到该单位")],
)
def test_merge_target_errors(client, login, w, target, fragment):
    code = {"self": w.audit_bureau.code, "district": w.xihu_unit.code, "nonsense": "123"}[target]
    login(w.city_admin)
    response = client.post(f"/registry/units/{w.audit_bureau.id}/merge",
                           data={"target_code": code, "occurred_on": "2026-02-01"})
    assert any(fragment in m for m in errors_beside(response.get_data(as_text=True), "target_code"))
    db.session.expire_all()
    assert db.session.get(Unit, w.audit_bureau.id).status == "active"


def test_document_then_event_with_that_document(client, login, w):
    login(w.city_admin)
    response = client.post(f"/registry/units/{w.audit_bureau.id}/documents/new",
                           data={"doc_number": "杭编〔2026〕3号", "title": "关于调整职责的通知", "issued_on": "2026-01-05"})
    assert response.status_code == 302
    document = db.session.execute(select(EstablishmentDocument)).scalar_one()
    html = page(client, f"/registry/units/{w.audit_bureau.id}/events/new")
    assert f'value="{document.id}"' in html
    response = client.post(f"/registry/units/{w.audit_bureau.id}/events/new",
                           data={"kind": "functions_changed", "occurred_on": "2026-01-06", "summary": "划入内审职责",
                                 "document_id": str(document.id)})
    assert response.status_code == 302
    stored = db.session.execute(select(UnitEvent)).scalar_one()
    assert (stored.kind, stored.document_id) == ("functions_changed", document.id)
    detail = page(client, f"/registry/units/{w.audit_bureau.id}")
    assert "划入内审职责" in detail and "依据：杭编〔2026〕3号" in detail


def test_record_event_bad_input(client, login, w):
    login(w.city_admin)
    response = client.post(f"/registry/units/{w.audit_bureau.id}/events/new",
                           data={"kind": "exploded", "occurred_on": "明天"})
    html = response.get_data(as_text=True)
    assert any("事件类型" in m for m in errors_beside(html, "kind"))
    assert any("不是有效日期" in m for m in errors_beside(html, "occurred_on"))
    assert db.session.scalar(select(func.count(UnitEvent.id))) == 0


def test_departments_add_edit_remove(client, login, w):
    login(w.city_admin)
    url = f"/registry/units/{w.audit_bureau.id}/departments/new"
    assert client.post(url, data={"name": "办公室", "functions_md": "负责文电、会务。", "sort_order": "1",
                                  "posts-chief-approved": "1", "posts-chief-actual": "2"}).status_code == 302
    response = client.post(url, data={"name": "办公室"})
    assert any("已有名为“办公室”" in m for m in errors_beside(response.get_data(as_text=True), "name"))
    response = client.post(url, data={"name": "财政审计处", "posts-deputy-approved": "-1"})
    assert any("负数" in m for m in errors_beside(response.get_data(as_text=True), "posts-deputy-approved"))
    department = db.session.execute(select(InternalDepartment)).scalar_one()
    assert {(p.rank, p.approved, p.actual) for p in department.posts} == {("chief", 1, 2)}

    detail = page(client, f"/registry/units/{w.audit_bureau.id}")
    assert "办公室" in detail and "负责文电、会务。" in detail

    edit_url = f"/registry/units/{w.audit_bureau.id}/departments/{department.id}/edit"
    assert 'value="2"' in page(client, edit_url)
    assert client.post(edit_url, data={"name": "办公室（督查室）", "sort_order": "1", "posts-chief-approved": "1",
                                       "posts-chief-actual": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(InternalDepartment, department.id).name == "办公室（督查室）"

    other = w.education
    assert client.get(f"/registry/units/{other.id}/departments/{department.id}/edit").status_code == 404
    assert client.post(f"/registry/units/{w.audit_bureau.id}/departments/{department.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(InternalDepartment.id))) == 0
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "department.remove")) == 1


# ---------------------------------------------------------------- offices and discipline bodies

def test_office_tree_with_region_names_and_counts(client, login, w):
    login(w.city_admin)
    html = page(client, "/registry/offices")
    names = re.findall(r'padding-left: [\d.]+rem">\s*(?:<span[^>]*>└ </span>)?([^<]+?)\s*<', html)
    assert names == ["杭州市机构编制委员会办公室", "杭州市拱墅区机构编制委员会办公室", "杭州市西湖区机构编制委员会办公室"]
    assert "浙江省杭州市西湖区" in html
    city_row = re.search(r"杭州市机构编制委员会办公室.*?</tr>", html, re.S).group(0)
    assert f'office_id={w.city.id}">2</a>' in city_row


def test_create_and_edit_office(client, login, w):
    login(w.city_admin)
    response = client.post("/registry/offices/new", data={
        "name": "杭州市上城区机构编制委员会办公室", "short_name": "上编", "region_code": "330102",
        "parent_id": str(w.city.id), "email": "sc@example.cn"})
    assert response.status_code == 302
    office = db.session.execute(select(Office).where(Office.region_code == "330102")).scalar_one()
    assert office.path == f"{w.city.path}{office.id}/"

    response = client.post("/registry/offices/new", data={"name": "重复", "short_name": "重", "region_code": "330106",
                                                          "parent_id": str(w.city.id)})
    assert any("已有编办" in m for m in errors_beside(response.get_data(as_text=True), "region_code"))

    # moving the city office under its own district would make a cycle
    response = client.post(f"/registry/offices/{w.xihu.id}/edit", data={
        "name": w.xihu.name, "short_name": "西编", "region_code": "330106", "parent_id": str(w.xihu.id)})
    assert response.status_code == 200
    assert any("循环" in m for m in errors_beside(response.get_data(as_text=True), "parent_id"))


def test_office_pages_need_offices_manage(client, login, w):
    login(w.city_inspector)
    assert client.get("/registry/offices").status_code == 200  # read
    assert client.get("/registry/offices/new").status_code == 403
    assert client.get(f"/registry/offices/{w.xihu.id}/edit").status_code == 403
    client.post("/logout")
    login(w.xihu_admin)
    assert client.get(f"/registry/offices/{w.city.id}/edit").status_code == 404
    assert client.get(f"/registry/offices/{w.gongshu.id}/discipline-bodies").status_code == 404


def test_discipline_bodies(client, login, w):
    login(w.city_admin)
    url = f"/registry/offices/{w.xihu.id}/discipline-bodies"
    assert client.post(url, data={"name": "西湖区纪委监委"}).status_code == 302
    response = client.post(url, data={"name": "西湖区纪委监委"})
    assert any("同名" in m for m in errors_beside(response.get_data(as_text=True), "name"))
    assert "西湖区纪委监委" in page(client, url)
    assert db.session.scalar(select(func.count(DisciplineBody.id))) == 1
