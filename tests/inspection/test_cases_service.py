"""Opening and editing a case (no HTTP): who may, each bad input beside its field with nothing saved
(not even a number), stale edits, frozen cases, internal notes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection.models import Case, CaseEvent, CaseNote, NumberCounter
from inspection.services import cases


def _data(w, **extra):
    return {"source": "hotline", "unit_id": w.bureau.id, "title": "12310 举报：超编进人",
            "description": "举报称该局 2025 年超编录用 2 人。", "source_ref": "举报〔2026〕15号", **extra}


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Case, CaseEvent, AuditEvent, Notification, NumberCounter))


def test_open_a_case_with_lead_team_timeline_audit_and_notice_to_the_team(w):
    case = cases.create_case(w.inspector, _data(w, team_ids=f"{w.inspector2.id}，{w.inspector.id}",
                                                 received_on="2026-11-02"))
    db.session.commit()
    assert (case.status, case.source, case.office_id, case.unit_id) == ("registered", "hotline", w.city.id, w.bureau.id)
    assert case.lead_inspector_id == w.inspector.id and case.opened_by_id == w.inspector.id
    assert [m.user_id for m in case.members] == [w.inspector2.id]  # the lead is not repeated in the team
    assert case.received_on.isoformat() == "2026-11-02" and case.source_ref == "举报〔2026〕15号"
    assert [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))] == ["create"]
    assert db.session.scalars(select(AuditEvent.action)).all()[-1] == "case.create"
    notes = db.session.scalars(select(Notification)).all()
    assert [n.user_id for n in notes] == [w.inspector2.id]
    assert case.number in notes[0].subject and "举报称" not in notes[0].subject


def test_source_may_be_given_by_its_label_and_received_defaults_to_today(w):
    case = cases.create_case(w.inspector, _data(w, source="部门移送", description=None))
    assert case.source == "transfer" and case.received_on == beijing_today() and case.description == ""


def test_the_command_line_names_the_office(w):
    with pytest.raises(InvalidInput) as refused:
        cases.create_case(None, _data(w))
    assert "office_id" in refused.value.fields
    case = cases.create_case(None, _data(w, office_id=w.xihu.id, unit_id=w.xihu_unit.id,
                                         lead_inspector_id=w.xihu_inspector.id))
    assert case.number.startswith("西编督") and case.lead_inspector_id == w.xihu_inspector.id
    assert case.opened_by_id is None


@pytest.mark.parametrize("who", ["admin", "unit_user", "centre_user", "discipline"])
def test_only_staff_holding_cases_manage_open_cases(w, who):
    before = _counts()
    with pytest.raises(PermissionDenied):
        cases.create_case(getattr(w, who), _data(w))
    db.session.rollback()
    assert _counts() == before


@pytest.mark.parametrize("change, field, words", [
    ({"source": "rumour"}, "source", "来源"),
    ({"source": ""}, "source", "请选择"),
    ({"unit_id": 999999}, "unit_id", "不存在或不在本编办辖区内"),
    ({"unit_id": ""}, "unit_id", "请选择被督查单位"),
    ({"unit_id": "十二"}, "unit_id", "无效"),
    ({"title": "  "}, "title", "请填写标题"),
    ({"title": "长" * 201}, "title", "不能超过"),
    ({"received_on": "tomorrow"}, "received_on", "不能晚于今天"),
    ({"received_on": "2026-02-30"}, "received_on", "线索收到日期"),
    ({"lead_inspector_id": "xihu"}, "lead_inspector_id", "本编办有督查办理权限"),
    ({"lead_inspector_id": "admin"}, "lead_inspector_id", "本编办有督查办理权限"),
    ({"team_ids": ["unit_user"]}, "team_ids", "第 1 位办理组成员"),
    ({"team_ids": {"a": 1}}, "team_ids", "格式不正确"),
])
def test_bad_input_is_refused_beside_its_field_and_takes_no_number(w, change, field, words):
    people = {"xihu": w.xihu_inspector.id, "admin": w.admin.id, "unit_user": w.unit_user.id}
    change = {k: ([people.get(x, x) for x in v] if isinstance(v, list) else people.get(v, v) if isinstance(v, str) else v)
              for k, v in change.items()}
    if change.get("received_on") == "tomorrow":
        change["received_on"] = (beijing_today() + timedelta(days=1)).isoformat()
    before = _counts()
    with pytest.raises(InvalidInput) as refused:
        cases.create_case(w.inspector, _data(w, **change))
    assert words in refused.value.fields[field], refused.value.fields
    db.session.rollback()
    assert _counts() == before


def test_a_unit_outside_the_region_or_abolished_is_refused(w, make_unit):
    with pytest.raises(InvalidInput) as refused:
        cases.create_case(w.xihu_inspector, _data(w, unit_id=w.binjiang_unit.id))
    assert "不在本编办辖区内" in refused.value.fields["unit_id"]
    gone = make_unit("杭州市已撤销的中心")
    gone.status, gone.abolished_on = "abolished", beijing_today() - timedelta(days=30)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        cases.create_case(w.inspector, _data(w, unit_id=gone.id))
    assert "已撤销" in refused.value.fields["unit_id"]


# ---------------------------------------------------------------- editing


def test_an_edit_records_what_changed(w, make_case):
    case = make_case()
    cases.update_case(w.inspector2, case, {"version": 1, "title": "超编进人（已核实部分）", "source": "audit",
                                           "team_ids": [w.inspector2.id]})
    db.session.commit()
    assert (case.title, case.source, case.version) == ("超编进人（已核实部分）", "audit", 2)
    assert [m.user_id for m in case.members] == [w.inspector2.id]
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "update")).one()
    assert "标题" in event.summary and "来源" in event.summary
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.update")).one()
    assert '"title"' in audit.payload


def test_an_edit_changing_nothing_writes_nothing(w, make_case):
    case = make_case()
    before = _counts()
    cases.update_case(w.inspector, case, {"version": 1, "title": case.title})
    db.session.commit()
    assert _counts() == before and case.version == 1


def test_a_stale_case_edit_names_both_versions(w, make_case):
    case = make_case()
    cases.update_case(w.inspector2, case, {"version": 1, "description": "补充情况。"})
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        cases.update_case(w.inspector, case, {"version": 1, "description": "我的描述"})
    message = refused.value.fields["version"]
    assert "第 1 版" in message and "第 2 版" in message
    db.session.rollback()
    assert case.description == "补充情况。"
    with pytest.raises(InvalidInput) as refused:
        cases.update_case(w.inspector, case, {"version": "abc"})
    assert "version" in refused.value.fields


def test_edit_bad_input_and_permissions(w, make_case):
    case = make_case()
    with pytest.raises(InvalidInput) as refused:
        cases.update_case(w.inspector, case, {"version": 1, "source": "x", "unit_id": 424242})
    assert set(refused.value.fields) == {"source", "unit_id"}
    db.session.rollback()
    for user in (w.admin, w.xihu_inspector, w.unit_user, w.discipline):
        with pytest.raises(PermissionDenied):
            cases.update_case(user, case, {"version": 1, "title": "改"})


def test_the_unit_is_fixed_once_a_notice_went_out(w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    issue_notice(case)
    with pytest.raises(InvalidInput) as refused:
        cases.update_case(w.inspector, case, {"version": case.version, "unit_id": w.centre.id})
    assert "不能再更换被督查单位" in refused.value.fields["unit_id"]


def test_a_closed_or_dismissed_case_is_frozen(w, make_case):
    case = make_case()
    cases.transition(w.inspector, case, "dismissed", reason="查无实据。")
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        cases.update_case(w.inspector, case, {"version": case.version, "title": "再改"})
    assert "重新启用" in refused.value.message


# ---------------------------------------------------------------- internal notes


def test_internal_notes_are_audited_and_checked(w, make_case):
    case = make_case()
    note = cases.add_note(w.inspector2, case, "  与审计局人事处电话核实。 ")
    db.session.commit()
    assert note.text == "与审计局人事处电话核实。" and note.author_name == "insp2"
    assert db.session.scalars(select(AuditEvent.action)).all()[-1] == "case.note"
    with pytest.raises(InvalidInput) as refused:
        cases.add_note(w.inspector, case, "  ")
    assert "text" in refused.value.fields
    for user in (w.admin, w.unit_user, w.xihu_inspector):
        with pytest.raises(PermissionDenied):
            cases.add_note(user, case, "备注")
    db.session.rollback()
    assert db.session.scalar(select(func.count(CaseNote.id))) == 1
