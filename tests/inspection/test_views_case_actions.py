"""The case page's actions through the test client: transitions, findings, 验收销号, 免于整改 and
internal notes — allowed, refused (message beside the form, nothing saved) and never a 500."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.timeutil import beijing_today

from inspection.models import CaseNote, Finding
from inspection.services import cases, findings


def text(response) -> str:
    return response.get_data(as_text=True)


def post_transition(client, case, to, reason=None):
    data = {"to": to}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/inspection/cases/{case.id}/transition", data=data)


def finding_data(w, **overrides) -> dict:
    return {"area": "establishment", "violation_type": "over_establishment", "description": "实有人数超过核定编制。",
            "basis": "《机构编制监督检查工作办法》", "severity": "major", "responsible_unit_id": str(w.bureau.id),
            "needs_rectification": "y", "due_on": "", **overrides}


# ---------------------------------------------------------------- transitions

def test_verify_then_dismiss_with_reason(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    response = post_transition(client, case, "verifying")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inspection/cases/{case.id}")
    db.session.expire_all()
    assert case.status == "verifying"
    response = post_transition(client, case, "dismissed", "经核实查无实据")
    assert response.status_code == 302
    db.session.expire_all()
    assert case.status == "dismissed" and case.dismiss_reason == "经核实查无实据"
    assert "经核实查无实据" in text(client.get(f"/inspection/cases/{case.id}"))


def test_dismiss_without_reason_is_refused_beside_the_form(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    response = post_transition(client, case, "dismissed", "  ")
    assert response.status_code == 422
    assert "须填写理由" in text(response)
    db.session.expire_all()
    assert case.status == "registered"


def test_close_with_open_findings_is_refused(client, login, w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    issue_notice(case)
    login(w.inspector)
    response = post_transition(client, case, "closed")
    assert response.status_code == 422
    assert "还有 1 个问题未整改销号或免于整改（问题1），不能办结" in text(response)
    db.session.expire_all()
    assert case.status == "rectifying"


def test_unknown_or_impossible_transitions_are_refused(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    response = post_transition(client, case, "teleported")
    assert response.status_code == 422 and "未知的状态" in text(response)
    response = post_transition(client, case, "closed")  # registered → closed is not in the table
    assert response.status_code == 422 and "不能转为" in text(response)
    response = post_transition(client, case, "")
    assert response.status_code == 422
    db.session.expire_all()
    assert case.status == "registered"


def test_reopen_needs_an_approver(client, login, w, make_case):
    case = make_case()
    cases.transition(w.inspector, case, "dismissed", reason="查无实据")
    db.session.commit()
    login(w.inspector)
    assert 'name="to" value="verifying"' not in text(client.get(f"/inspection/cases/{case.id}"))
    response = post_transition(client, case, "verifying", "新线索")
    assert response.status_code == 403 and "须由具有“审批督查事项”权限的人员办理" in text(response)
    client.post("/logout")
    login(w.approver)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert 'name="to" value="verifying"' in page and "重新启用</button>" in page
    response = post_transition(client, case, "verifying", "")
    assert response.status_code == 422 and "须填写理由" in text(response)
    response = post_transition(client, case, "verifying", "收到新的举报材料")
    assert response.status_code == 302
    db.session.expire_all()
    assert case.status == "verifying" and case.dismiss_reason is None


# ---------------------------------------------------------------- findings

def test_add_finding(client, login, w, make_case):
    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    db.session.commit()
    login(w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}/findings/new"))
    assert "都不填则下发整改通知时按默认工作日数计算" in page and "整改期限（工作日）" in page
    assert f'<option selected value="{w.bureau.id}">' in page  # the case's unit by default
    response = client.post(f"/inspection/cases/{case.id}/findings/new",
                           data=finding_data(w, responsible_unit_id=str(w.centre.id), description="问题-MARK-ADD"))
    assert response.status_code == 302
    finding = db.session.scalars(select(Finding)).one()
    assert (finding.seq, finding.responsible_unit_id, finding.severity, finding.needs_rectification) == \
        (1, w.centre.id, "major", True)
    assert finding.rectification_status == "pending" and finding.due_on is None
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "问题-MARK-ADD" in page and "记录问题1" in page


def test_add_finding_bad_input(client, login, w, make_case):
    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    db.session.commit()
    login(w.inspector)
    yesterday = (beijing_today() - timedelta(days=1)).isoformat()
    response = client.post(f"/inspection/cases/{case.id}/findings/new", data=finding_data(
        w, area="weather", description="", due_on=yesterday, basis="依据-MARK-KEEP"))
    assert response.status_code == 422
    page = text(response)
    assert "评估指标领域「weather」无效" in page and "请填写问题描述" in page and "整改期限须晚于今天" in page
    assert "依据-MARK-KEEP" in page
    response = client.post(f"/inspection/cases/{case.id}/findings/new",
                           data=finding_data(w, responsible_unit_id=str(w.xihu_unit.id + 999), due_on="明天"))
    assert response.status_code == 422
    assert "责任单位不存在或不在本编办辖区内" in text(response) and "不是有效日期" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


def test_add_finding_before_verification_is_refused(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    assert f"/inspection/cases/{case.id}/findings/new" not in text(client.get(f"/inspection/cases/{case.id}"))
    response = client.post(f"/inspection/cases/{case.id}/findings/new", data=finding_data(w))
    assert response.status_code == 422 and "请先开始调查核实" in text(response)


def test_edit_finding_and_stale_edit(client, login, w, make_case, make_finding):
    case = make_case()
    finding = make_finding(case)
    login(w.inspector)
    page = text(client.get(f"/inspection/findings/{finding.id}/edit"))
    assert "行政编制核定 10 名" in page and 'name="version"' in page
    loaded = finding.version
    response = client.post(f"/inspection/findings/{finding.id}/edit",
                           data=finding_data(w, description="改过的描述", version=str(loaded)))
    assert response.status_code == 302
    db.session.expire_all()
    assert finding.description == "改过的描述" and not finding.is_due_provisional
    response = client.post(f"/inspection/findings/{finding.id}/edit",
                           data=finding_data(w, description="过期表单-MARK-STALE", version=str(loaded)))
    assert response.status_code == 422
    assert "已被他人修改" in text(response) and "过期表单-MARK-STALE" in text(response)
    db.session.expire_all()
    assert finding.description == "改过的描述"


def test_finding_on_a_notice_cannot_be_edited(client, login, w, make_case, make_finding, issue_notice):
    case = make_case()
    finding = make_finding(case)
    issue_notice(case)
    login(w.inspector)
    assert f"/inspection/findings/{finding.id}/edit" not in text(client.get(f"/inspection/cases/{case.id}"))
    response = client.post(f"/inspection/findings/{finding.id}/edit",
                           data=finding_data(w, description="改", version=str(finding.version)))
    assert response.status_code == 422 and "内容和期限已固定" in text(response)


def test_accept_then_close(client, login, w, make_case, make_finding, issue_notice):
    case = make_case()
    finding = make_finding(case)
    login(w.inspector)
    assert f"/inspection/findings/{finding.id}/accept" not in text(client.get(f"/inspection/cases/{case.id}"))
    response = client.post(f"/inspection/findings/{finding.id}/accept", data={"comment": "未下发"})
    assert response.status_code == 422 and "尚未随整改通知下发" in text(response)
    issue_notice(case)
    assert f'action="/inspection/findings/{finding.id}/accept"' in text(client.get(f"/inspection/cases/{case.id}"))
    response = client.post(f"/inspection/findings/{finding.id}/accept", data={"comment": "现场核查已整改-MARK-OK"})
    assert response.status_code == 302
    db.session.expire_all()
    assert finding.rectification_status == "accepted" and finding.acceptance_comment == "现场核查已整改-MARK-OK"
    response = client.post(f"/inspection/findings/{finding.id}/accept", data={})
    assert response.status_code == 422 and "不能验收销号" in text(response)
    assert post_transition(client, case, "closed").status_code == 302
    db.session.expire_all()
    assert case.status == "closed" and case.closed_at is not None


# ---------------------------------------------------------------- 免于整改

def test_waiver_needs_a_second_person(client, login, w, make_case, make_finding):
    case = make_case()
    finding = make_finding(case)
    login(w.approver)
    response = client.post(f"/inspection/findings/{finding.id}/waiver", data={"reason": ""})
    assert response.status_code == 422 and "请填写免于整改理由" in text(response)
    response = client.post(f"/inspection/findings/{finding.id}/waiver", data={"reason": "已于立案前自行纠正"})
    assert response.status_code == 302
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "免于整改待审批" in page and f"/inspection/findings/{finding.id}/waiver/decision" not in page
    response = client.post(f"/inspection/findings/{finding.id}/waiver/decision", data={"decision": "approve"})
    assert response.status_code == 403 and "免于整改须由申请人以外的人员审批" in text(response)
    db.session.expire_all()
    assert finding.rectification_status == "pending"


def test_waiver_without_approve_permission_is_refused(client, login, w, make_case, make_finding):
    case = make_case()
    finding = make_finding(case)
    findings.request_waiver(w.approver, finding, "已自行纠正")
    db.session.commit()
    login(w.inspector2)
    assert f"/inspection/findings/{finding.id}/waiver/decision" not in text(client.get(f"/inspection/cases/{case.id}"))
    response = client.post(f"/inspection/findings/{finding.id}/waiver/decision", data={"decision": "approve"})
    assert response.status_code == 403 and "审批督查事项" in text(response)
    db.session.expire_all()
    assert finding.rectification_status == "pending"


def test_waiver_approved_by_the_approver(client, login, w, make_case, make_finding):
    case = make_case()
    finding = make_finding(case)
    login(w.inspector)
    assert client.post(f"/inspection/findings/{finding.id}/waiver", data={"reason": "问题已不存在"}).status_code == 302
    client.post("/logout")
    login(w.approver)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert f'action="/inspection/findings/{finding.id}/waiver/decision"' in page
    response = client.post(f"/inspection/findings/{finding.id}/waiver/decision", data={"decision": "maybe"})
    assert response.status_code == 422 and "请选择“同意”或“不同意”免于整改" in text(response)
    response = client.post(f"/inspection/findings/{finding.id}/waiver/decision", data={"decision": "refuse"})
    assert response.status_code == 422 and "不同意免于整改时须填写意见" in text(response)
    response = client.post(f"/inspection/findings/{finding.id}/waiver/decision",
                           data={"decision": "approve", "comment": "同意"})
    assert response.status_code == 302
    db.session.expire_all()
    assert finding.rectification_status == "waived" and finding.waiver_approved_by_id == w.approver.id
    assert "同意问题1免于整改" in text(client.get(f"/inspection/cases/{case.id}"))
    # every finding settled: the case closes
    assert post_transition(client, case, "closed").status_code == 302


def test_waiver_refused_with_a_comment(client, login, w, make_case, make_finding):
    case = make_case()
    finding = make_finding(case)
    findings.request_waiver(w.inspector, finding, "理由")
    db.session.commit()
    login(w.approver)
    response = client.post(f"/inspection/findings/{finding.id}/waiver/decision",
                           data={"decision": "refuse", "comment": "仍须整改-MARK-REFUSE"})
    assert response.status_code == 302
    db.session.expire_all()
    assert finding.rectification_status == "pending" and not finding.is_waiver_requested
    assert "仍须整改-MARK-REFUSE" in text(client.get(f"/inspection/cases/{case.id}"))


# ---------------------------------------------------------------- internal notes

def test_add_note(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    response = client.post(f"/inspection/cases/{case.id}/notes", data={"text": "电话联系了单位-MARK-NOTE"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#notes")
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "电话联系了单位-MARK-NOTE" in page and "内部备注已添加" in page


def test_empty_or_oversized_note_is_refused(client, login, w, make_case):
    case = make_case()
    login(w.inspector)
    response = client.post(f"/inspection/cases/{case.id}/notes", data={"text": "   "})
    assert response.status_code == 422 and "请填写备注内容" in text(response)
    response = client.post(f"/inspection/cases/{case.id}/notes", data={"text": "长" * 5001})
    assert response.status_code == 422 and "备注内容不能超过 5000 个字" in text(response)
    assert "长" * 5001 in text(response)  # kept in the form
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_timeline_and_notes_are_paged(client, login, w, make_case):
    case = make_case()
    for n in range(25):
        cases.add_note(w.inspector, case, f"备注第{n:02d}条")
    db.session.commit()
    login(w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "备注第24条" in page and "备注第04条" not in page and "notes_page=2" in page
    page = text(client.get(f"/inspection/cases/{case.id}?notes_page=2"))
    assert "备注第04条" in page and "备注第24条" not in page
    assert client.get(f"/inspection/cases/{case.id}?notes_page=abc&events_page=-3").status_code == 200
