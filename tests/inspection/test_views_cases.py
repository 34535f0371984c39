"""The case screens through the test client: registering a case (线索登记) and editing it, including
bad input and a stale edit that keeps the user's text."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.timeutil import beijing_today

from inspection.models import Case
from inspection.services import cases


def text(response) -> str:
    return response.get_data(as_text=True)


def case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


def new_case_data(w, **overrides) -> dict:
    return {"source": "audit", "unit_id": str(w.bureau.id), "title": "审计发现超编进人", "description": "审计报告指出问题。",
            "source_ref": "杭审报〔2026〕12号", "received_on": beijing_today().isoformat(),
            "lead_inspector_id": str(w.inspector2.id), "team_ids": [str(w.approver.id)], **overrides}


# ---------------------------------------------------------------- create

def test_create_form_lists_units_with_codes_and_inspectors(client, login, w):
    login(w.inspector)
    page = text(client.get("/inspection/cases/new"))
    assert f"{w.bureau.name}（{w.bureau.code}）" in page
    assert f"{w.xihu_unit.name}（{w.xihu_unit.code}）" in page  # the city's region includes its districts
    assert w.inspector2.label in page and w.xihu_inspector.label not in page
    assert "审计报告文号" in page


def test_create_case(client, login, w):
    login(w.inspector)
    response = client.post("/inspection/cases/new", data=new_case_data(w))
    assert response.status_code == 302
    case = db.session.scalars(select(Case)).one()
    assert response.headers["Location"].endswith(f"/inspection/cases/{case.id}")
    assert (case.source, case.unit_id, case.title, case.source_ref) == ("audit", w.bureau.id, "审计发现超编进人", "杭审报〔2026〕12号")
    assert case.lead_inspector_id == w.inspector2.id and [m.user_id for m in case.members] == [w.approver.id]
    assert case.office_id == w.city.id and case.status == "registered"
    page = text(client.get(response.headers["Location"]))
    assert f"已登记督查事项 {case.number}" in page and "审计发现超编进人" in page


def test_create_case_default_lead_is_the_registrar(client, login, w):
    login(w.inspector)
    client.post("/inspection/cases/new", data=new_case_data(w, lead_inspector_id="", team_ids=[]))
    assert db.session.scalars(select(Case)).one().lead_inspector_id == w.inspector.id


def test_create_case_bad_input_shows_messages_and_saves_nothing(client, login, w):
    login(w.inspector)
    tomorrow = (beijing_today() + timedelta(days=1)).isoformat()
    response = client.post("/inspection/cases/new", data=new_case_data(
        w, source="gossip", title="  ", received_on=tomorrow, description="我的描述-MARK-KEEP"))
    assert response.status_code == 422
    page = text(response)
    assert "来源「gossip」无效" in page
    assert "请填写标题" in page
    assert "线索收到日期不能晚于今天" in page
    assert "我的描述-MARK-KEEP" in page  # the typed text stays in the form
    assert case_count() == 0


def test_create_case_unit_outside_the_office(client, login, w):
    login(w.xihu_inspector)
    response = client.post("/inspection/cases/new", data=new_case_data(
        w, unit_id=str(w.bureau.id), lead_inspector_id="", team_ids=[]))
    assert response.status_code == 422
    assert "被督查单位不存在或不在本编办辖区内" in text(response)
    response = client.post("/inspection/cases/new", data=new_case_data(w, unit_id="abc", lead_inspector_id="", team_ids=[]))
    assert response.status_code == 422 and "被督查单位无效" in text(response)
    assert case_count() == 0


def test_create_case_lead_from_another_office_refused(client, login, w):
    login(w.inspector)
    response = client.post("/inspection/cases/new", data=new_case_data(w, lead_inspector_id=str(w.xihu_inspector.id)))
    assert response.status_code == 422 and "主办人须为本编办有督查办理权限的人员" in text(response)
    assert case_count() == 0


def test_create_case_needs_cases_manage(client, login, w):
    for user in (w.admin, w.unit_user, w.discipline):
        login(user)
        assert client.get("/inspection/cases/new").status_code == 403
        assert client.post("/inspection/cases/new", data=new_case_data(w)).status_code == 403
    assert case_count() == 0


# ---------------------------------------------------------------- edit

def test_edit_case(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}/edit"))
    assert 'name="version"' in page and case.title in page
    data = new_case_data(w, title="修改后的标题", version=str(case.version))
    response = client.post(f"/inspection/cases/{case.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert case.title == "修改后的标题" and case.source == "audit"
    assert "：修改事项信息：" in text(client.get(f"/inspection/cases/{case.id}"))


def test_stale_edit_keeps_the_typed_text(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    loaded_version = case.version
    # someone else changes the case after the form was loaded
    cases.update_case(w.inspector2, case, {"title": "他人修改的标题", "version": loaded_version})
    db.session.commit()
    data = new_case_data(w, title="我输入的标题-MARK-STALE", description="我输入的描述-MARK-STALE",
                         version=str(loaded_version))
    response = client.post(f"/inspection/cases/{case.id}/edit", data=data)
    assert response.status_code == 422
    page = text(response)
    assert "已被他人修改" in page and "您的修改未保存" in page
    assert "我输入的标题-MARK-STALE" in page and "我输入的描述-MARK-STALE" in page
    assert "他人修改的标题" in page  # what is stored now, beside the form
    db.session.expire_all()
    assert case.title == "他人修改的标题"
    # the form now carries the stored version: saving again (after checking) goes through
    assert f'name="version" type="hidden" value="{case.version}"' in page
    response = client.post(f"/inspection/cases/{case.id}/edit", data={**data, "version": str(case.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert case.title == "我输入的标题-MARK-STALE"


def test_edit_bad_input_saves_nothing(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    response = client.post(f"/inspection/cases/{case.id}/edit",
                           data=new_case_data(w, title="", source="nope", version=str(case.version)))
    assert response.status_code == 422
    assert "请填写标题" in text(response) and "来源「nope」无效" in text(response)
    db.session.expire_all()
    assert case.title == "超编进人问题线索" and case.source == "inspection"


def test_closed_case_cannot_be_edited(client, login, w, make_case):
    case = make_case()
    cases.transition(w.inspector, case, "dismissed", reason="查无实据")
    db.session.commit()
    login(w.inspector)
    assert "修改事项信息" not in text(client.get(f"/inspection/cases/{case.id}"))
    response = client.post(f"/inspection/cases/{case.id}/edit",
                           data=new_case_data(w, title="新标题", version=str(case.version)))
    assert response.status_code == 422 and "不能再修改" in text(response)
    db.session.expire_all()
    assert case.title == "超编进人问题线索"
