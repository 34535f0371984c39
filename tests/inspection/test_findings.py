"""Findings: every bad input is refused beside its field with nothing half-saved; edits stop once the
notice fixed them; stale edits are refused; 验收销号 only after the notice; 免于整改 needs a reason and a
second person holding cases.approve."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.timeutil import beijing_today

from inspection.models import CaseEvent, Finding
from inspection.services import cases, findings

GOOD = {"area": "establishment", "violation_type": "over_establishment", "description": "行政编制核定 10 名，实有 12 名。"}


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Finding, CaseEvent, AuditEvent))


@pytest.fixture()
def verifying(w, make_case):
    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    db.session.commit()
    return case


def test_a_finding_defaults_to_the_cases_unit_and_needs_rectification(w, verifying):
    finding = findings.add_finding(w.inspector, verifying, {**GOOD, "area": "编制核定和管理情况", "violation_type": "超编进人"})
    db.session.commit()
    assert (finding.seq, finding.area, finding.violation_type) == (1, "establishment", "over_establishment")
    assert finding.responsible_unit_id == w.bureau.id
    assert finding.needs_rectification and finding.rectification_status == "pending"
    assert finding.severity == "minor" and finding.due_on is None
    second = findings.add_finding(w.inspector, verifying, {**GOOD, "responsible_unit_id": w.centre.id,
                                                           "needs_rectification": "0"})
    db.session.commit()
    assert second.seq == 2 and second.responsible_unit_id == w.centre.id
    assert not second.needs_rectification and second.rectification_status is None
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.finding_id == finding.id)).one()
    assert event.kind == "finding_add"
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "finding")).all() \
        == ["finding.add", "finding.add"]


@pytest.mark.parametrize("change, field, words", [
    ({"area": "budget"}, "area", "评估指标领域"),
    ({"area": ""}, "area", "请选择"),
    ({"violation_type": "speeding"}, "violation_type", "问题类型"),
    ({"description": "   "}, "description", "请填写问题描述"),
    ({"description": "长" * 5001}, "description", "不能超过"),
    ({"severity": "fatal"}, "severity", "严重程度"),
    ({"due_on": "yesterday"}, "due_on", "整改期限"),
    ({"due_on": "today"}, "due_on", "须晚于今天"),
    ({"due_on": "past"}, "due_on", "须晚于今天"),
    ({"responsible_unit_id": 999999}, "responsible_unit_id", "不在本编办辖区"),
    ({"responsible_unit_id": "abc"}, "responsible_unit_id", "无效"),
    ({"needs_rectification": "maybe"}, "needs_rectification", "是否需要整改"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(w, verifying, change, field, words):
    today = beijing_today()
    dates = {"today": today.isoformat(), "past": (today - timedelta(days=3)).isoformat(), "yesterday": "2026-13-01"}
    if "due_on" in change:
        change = {"due_on": dates[change["due_on"]]}
    before = _counts()
    with pytest.raises(InvalidInput) as refused:
        findings.add_finding(w.inspector, verifying, {**GOOD, **change})
    assert field in refused.value.fields and words in refused.value.fields[field]
    db.session.rollback()
    assert _counts() == before


def test_responsible_unit_outside_the_offices_region(w, make_case):
    case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    cases.transition(w.xihu_inspector, case, "verifying")
    db.session.commit()
    for outside in (w.bureau, w.binjiang_unit):
        with pytest.raises(InvalidInput) as refused:
            findings.add_finding(w.xihu_inspector, case, {**GOOD, "responsible_unit_id": outside.id})
        assert "不在本编办辖区" in refused.value.fields["responsible_unit_id"]
        db.session.rollback()
    assert db.session.scalar(select(func.count(Finding.id))) == 0


def test_several_bad_fields_are_all_reported(w, verifying):
    with pytest.raises(InvalidInput) as refused:
        findings.add_finding(w.inspector, verifying, {"area": "x", "violation_type": "y", "description": ""})
    assert set(refused.value.fields) == {"area", "violation_type", "description"}


def test_no_findings_before_verifying_or_after_closing(w, make_case, make_finding, issue_notice):
    case = make_case()
    with pytest.raises(InvalidInput) as refused:
        findings.add_finding(w.inspector, case, GOOD)
    assert "先开始调查核实" in refused.value.message
    db.session.rollback()
    finding = make_finding(case)
    issue_notice(case)
    findings.accept(w.inspector, finding, "已整改。")
    cases.transition(w.inspector, case, "closed")
    db.session.commit()
    before = _counts()
    with pytest.raises(InvalidInput) as refused:
        findings.add_finding(w.inspector, case, GOOD)
    assert "销号办结" in refused.value.message
    db.session.rollback()
    assert _counts() == before


def test_only_writers_of_the_case_add_findings(w, make_case):
    case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    cases.transition(w.xihu_inspector, case, "verifying")
    db.session.commit()
    for user in (w.inspector, w.binjiang_inspector, w.admin, w.unit_user, w.discipline):
        with pytest.raises(PermissionDenied):
            findings.add_finding(user, case, GOOD)


def test_update_checks_the_same_rules(w, verifying, make_finding):
    finding = make_finding(verifying)
    with pytest.raises(InvalidInput) as refused:
        findings.update_finding(w.inspector, finding, {"area": "nowhere", "due_on": beijing_today().isoformat()})
    assert set(refused.value.fields) == {"area", "due_on"}
    db.session.rollback()
    due = beijing_today() + timedelta(days=40)
    findings.update_finding(w.inspector, finding, {"version": 1, "severity": "serious", "due_on": due})
    db.session.commit()
    assert (finding.severity, finding.due_on, finding.version) == ("serious", due, 2)
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "finding_update")).one()
    assert event.finding_id == finding.id


def test_stale_edit_is_refused_on_version(w, verifying, make_finding):
    finding = make_finding(verifying)
    findings.update_finding(w.inspector2, finding, {"version": 1, "basis": "《地方各级人民政府机构设置和编制管理条例》"})
    db.session.commit()
    before = _counts()
    with pytest.raises(InvalidInput) as refused:
        findings.update_finding(w.inspector, finding, {"version": 1, "description": "我的修改"})
    assert "第 1 版" in refused.value.fields["version"] and "第 2 版" in refused.value.fields["version"]
    db.session.rollback()
    assert finding.description == GOOD["description"] and _counts() == before


def test_stale_case_edit_is_refused_on_version(w, make_case):
    case = make_case()
    cases.update_case(w.inspector2, case, {"version": case.version, "title": "新标题"})
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        cases.update_case(w.inspector, case, {"version": case.version - 1, "title": "另一个标题"})
    assert set(refused.value.fields) == {"version"}
    db.session.rollback()
    assert case.title == "新标题"


def test_editing_after_the_notice_is_refused(w, verifying, make_finding, issue_notice):
    finding = make_finding(verifying)
    issue_notice(verifying)
    with pytest.raises(InvalidInput) as refused:
        findings.update_finding(w.inspector, finding, {"version": finding.version, "description": "改一改"})
    assert "已随整改通知下发" in refused.value.message


def test_accept_only_after_the_notice(w, verifying, make_finding, issue_notice):
    finding = make_finding(verifying)
    with pytest.raises(InvalidInput) as refused:
        findings.accept(w.inspector, finding, "已整改。")
    assert "尚未随整改通知下发" in refused.value.message
    db.session.rollback()
    issue_notice(verifying)
    with pytest.raises(PermissionDenied):
        findings.accept(w.unit_user, finding, "我们已整改。")
    findings.accept(w.inspector, finding, "现场核查，已整改到位。")
    db.session.commit()
    assert finding.rectification_status == "accepted" and finding.accepted_by_id == w.inspector.id
    with pytest.raises(InvalidInput):
        findings.accept(w.inspector, finding, "再次销号")


# ---------------------------------------------------------------- 免于整改


@pytest.fixture()
def sent(w, verifying, make_finding, issue_notice):
    finding = make_finding(verifying)
    issue_notice(verifying)
    return finding


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_waiver_request_needs_a_reason(w, sent, reason):
    with pytest.raises(InvalidInput) as refused:
        findings.request_waiver(w.inspector, sent, reason)
    assert "免于整改理由" in refused.value.fields["reason"]
    db.session.rollback()
    assert not sent.is_waiver_requested


def test_waiver_is_approved_by_a_second_person_holding_approve(w, sent, make_user):
    case = sent.case
    findings.request_waiver(w.approver, sent, "该问题系历史遗留，已纳入机构改革统筹解决。")
    db.session.commit()
    with pytest.raises(InvalidInput):
        findings.request_waiver(w.inspector, sent, "再申请一次")  # one request at a time
    db.session.rollback()
    with pytest.raises(PermissionDenied) as refused:
        findings.decide_waiver(w.approver, sent, approve=True, comment="同意。")
    assert "申请人以外" in refused.value.message
    with pytest.raises(PermissionDenied) as refused:
        findings.decide_waiver(w.inspector, sent, approve=True, comment="同意。")
    assert "审批督查事项" in refused.value.message
    db.session.rollback()
    assert sent.rectification_status == "pending"

    from tests.inspection.conftest import grant

    second_approver = grant(make_user("approver2"), "cases.approve")
    findings.decide_waiver(second_approver, sent, approve=True, comment="同意免于整改。")
    db.session.commit()
    assert sent.rectification_status == "waived" and sent.waiver_approved_by_id == second_approver.id
    cases.transition(w.inspector, case, "closed")
    db.session.commit()
    assert case.status == "closed"


def test_refusing_a_waiver_needs_a_comment_and_clears_the_request(w, sent):
    findings.request_waiver(w.inspector, sent, "单位称已自行整改。")
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        findings.decide_waiver(w.approver, sent, approve=False, comment=" ")
    assert "comment" in refused.value.fields
    db.session.rollback()
    findings.decide_waiver(w.approver, sent, approve=False, comment="须提供佐证材料后验收销号。")
    db.session.commit()
    assert sent.rectification_status == "pending" and not sent.is_waiver_requested
    assert sent.waiver_reason is None and sent.waiver_requested_by_id is None
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.finding_id == sent.id)
                               .order_by(CaseEvent.id)).all()
    assert kinds[-2:] == ["waiver_request", "waiver_refuse"]
    with pytest.raises(InvalidInput) as refused:
        findings.decide_waiver(w.approver, sent, approve=True)
    assert "没有待审批" in refused.value.message


def test_waiver_before_the_notice_settles_the_finding(w, verifying, make_finding):
    finding = make_finding(verifying)
    findings.request_waiver(w.inspector, finding, "经核实系政策性超编，已报批消化方案。")
    findings.decide_waiver(w.approver, finding, approve=True)
    cases.transition(w.inspector, verifying, "closed")
    db.session.commit()
    assert verifying.status == "closed"


def test_waiver_of_a_finding_needing_no_rectification_is_refused(w, verifying, make_finding):
    finding = make_finding(verifying, needs_rectification=False)
    with pytest.raises(InvalidInput) as refused:
        findings.request_waiver(w.inspector, finding, "理由")
    assert "无需整改" in refused.value.message


def test_the_command_line_cannot_approve_a_waiver(w, sent):
    findings.request_waiver(w.inspector, sent, "理由充分。")
    db.session.commit()
    with pytest.raises(PermissionDenied):
        findings.decide_waiver(None, sent, approve=True)


def test_a_finding_added_in_the_same_transaction_counts_for_the_close_guard(w, verifying, make_finding):
    make_finding(verifying, needs_rectification=False)
    assert len(verifying.findings) == 1  # the collection is loaded now
    findings.add_finding(w.inspector, verifying, GOOD)  # not committed: one request doing both
    assert [f.seq for f in verifying.findings] == [1, 2]
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.inspector, verifying, "closed")
    assert "问题2" in refused.value.fields["to"]
