"""Extension requests (延期申请) through the service: who may ask and decide in which state of the finding,
approval moves the deadline (no longer overdue), refusal keeps it, the history keeps every request, and
each bad input is refused with nothing saved."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection import permissions, rectification
from inspection.models import CaseEvent, ExtensionRequest, Finding
from inspection.services import extensions, findings
from tests.inspection.conftest import grant

REASON = "涉及机构改革，人员分流须经市委编委会议研究，预计下月召开。"


def later(finding, days: int = 20) -> str:
    return (finding.due_on + timedelta(days=days)).isoformat()


def counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (ExtensionRequest, CaseEvent, AuditEvent, Notification))


def ask(w, finding, days: int = 20, actor=None, **data) -> ExtensionRequest:
    made = extensions.request_extension(actor or w.unit_user, finding,
                                        {"requested_due_on": later(finding, days), "reason": REASON, **data})
    db.session.commit()
    return made


# ---------------------------------------------------------------- state helpers

def set_status(finding, status: str) -> None:
    finding.rectification_status = status
    db.session.commit()


def waive(w, finding) -> None:
    findings.request_waiver(w.inspector, finding, "已由上级部门统一整改。")
    findings.decide_waiver(w.approver, finding, approve=True)
    db.session.commit()


def accept(w, finding) -> None:
    findings.accept(w.inspector, finding)
    db.session.commit()


def dismiss_case(finding) -> None:
    finding.case.status, finding.case.dismiss_reason = "dismissed", "经核实不属实。"
    db.session.commit()


STATES = {
    "pending": lambda w, f: None,
    "returned": lambda w, f: set_status(f, "returned"),
    "submitted": lambda w, f: set_status(f, "submitted"),
    "accepted": accept,
    "waived": waive,
    "case_dismissed": lambda w, f: dismiss_case(f),
    "another_pending": lambda w, f: ask(w, f, 5),
}


# ---------------------------------------------------------------- who may ask, in which state

@pytest.mark.parametrize(("state", "allowed", "words"), [
    ("pending", True, None),
    ("returned", True, None),
    ("submitted", False, "等待审核"),
    ("accepted", False, "已销号"),
    ("waived", False, "免于整改"),
    ("case_dismissed", False, "不能再修改"),
    ("another_pending", False, "已有待审批的延期申请"),
])
def test_the_unit_asks_only_while_the_finding_is_open(w, sent_finding, state, allowed, words):
    finding = sent_finding()
    STATES[state](w, finding)
    assert extensions.allowed(extensions.check_request, w.unit_user, finding) is allowed
    before = counts()
    if allowed:
        made = ask(w, finding)
        assert made.status == "pending" and made.current_due_on == finding.due_on
        return
    with pytest.raises(InvalidInput) as refused:
        extensions.request_extension(w.unit_user, finding, {"requested_due_on": later(finding, 30), "reason": REASON})
    db.session.rollback()
    assert words in refused.value.message
    assert counts() == before


@pytest.mark.parametrize(("who", "outcome"), [
    ("unit_user", "ok"),
    ("centre_user", 404),      # another unit: never loads it
    ("discipline", 404),
    ("xihu_inspector", 404),   # a subordinate office does not read the city's cases
    ("inspector", 403),        # staff read it but the unit asks
    ("approver", 403),
    ("admin", 403),
])
def test_who_may_ask(w, sent_finding, who, outcome):
    finding = sent_finding()
    actor = getattr(w, who)
    if outcome == 404:
        with pytest.raises(NotFound):
            permissions.get_finding_or_404(actor, finding.id)
        return
    loaded = permissions.get_finding_or_404(actor, finding.id)
    if outcome == 403:
        with pytest.raises(PermissionDenied):
            extensions.request_extension(actor, loaded, {"requested_due_on": later(finding), "reason": REASON})
        assert counts()[0] == 0
    else:
        assert ask(w, loaded, actor=actor).requested_by_id == actor.id


def test_a_request_is_recorded_audited_and_told_to_the_case_people(w, sent_finding):
    finding = sent_finding()
    grant(w.inspector2, "cases.manage")
    made = ask(w, finding)
    assert made.requested_due_on == finding.due_on + timedelta(days=20) and made.reason == REASON
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "extension_request")).one()
    assert event.finding_id == finding.id and later(finding) in event.summary
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "extension.request")).one()
    assert (audit.object_type, audit.object_id) == ("extension", str(made.id))
    notes = db.session.scalars(select(Notification).where(Notification.kind == "extension")).all()
    assert {n.user_id for n in notes} == {w.inspector.id}  # the lead; the unit user is not told of its own request
    assert finding.case.number in notes[0].subject and finding.description[:6] not in notes[0].subject


# ---------------------------------------------------------------- bad requests

@pytest.mark.parametrize(("data", "field", "words"), [
    ({"requested_due_on": "current"}, "requested_due_on", "延期后的期限须晚于当前期限（"),
    ({"requested_due_on": "before"}, "requested_due_on", "延期后的期限须晚于当前期限（"),
    ({"requested_due_on": "2026-02-30"}, "requested_due_on", "不是有效日期"),
    ({"requested_due_on": "next month"}, "requested_due_on", "不是有效日期"),
    ({"requested_due_on": ""}, "requested_due_on", "请填写"),
    ({"requested_due_on": "far"}, "requested_due_on", "不能晚于当前期限后一年"),
    ({"reason": "   "}, "reason", "请填写延期理由"),
    ({"reason": "长" * 2001}, "reason", "不能超过"),
])
def test_bad_requests_are_refused_beside_the_field_and_save_nothing(w, sent_finding, data, field, words):
    finding = sent_finding()
    due = finding.due_on
    special = {"current": due, "before": due - timedelta(days=1), "far": due + timedelta(days=400)}
    values = {"requested_due_on": later(finding), "reason": REASON, **data}
    if values["requested_due_on"] in special:
        values["requested_due_on"] = special[values["requested_due_on"]].isoformat()
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        extensions.request_extension(w.unit_user, finding, values)
    db.session.rollback()
    assert words in refused.value.fields[field]
    if data.get("requested_due_on") in ("current", "before"):
        assert refused.value.fields[field] == f"延期后的期限须晚于当前期限（{due:%Y-%m-%d}）"
    assert counts() == before


def test_an_overdue_unit_cannot_ask_for_a_date_already_past(w, sent_finding):
    finding = sent_finding()
    finding.due_on = beijing_today() - timedelta(days=10)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        extensions.request_extension(w.unit_user, finding, {
            "requested_due_on": (beijing_today() - timedelta(days=2)).isoformat(), "reason": REASON})
    assert "不能早于今天" in refused.value.fields["requested_due_on"]


# ---------------------------------------------------------------- deciding

def test_approval_moves_the_deadline_and_ends_the_overdue(w, sent_finding):
    finding = sent_finding()
    # counted in working days, provisionally, and now past: overdue
    finding.due_on, finding.is_due_provisional = beijing_today() - timedelta(days=3), True
    finding.due_counted_from_on, finding.due_working_days = beijing_today() - timedelta(days=45), 30
    db.session.commit()
    assert rectification.is_overdue(finding)
    old_due = finding.due_on
    made = extensions.request_extension(w.unit_user, finding, {
        "requested_due_on": (beijing_today() + timedelta(days=30)).isoformat(), "reason": REASON})
    db.session.commit()
    extensions.decide_extension(w.inspector, made, approve=True, comment="同意，请按期完成。")
    db.session.commit()
    assert made.status == "approved" and made.granted_due_on == beijing_today() + timedelta(days=30)
    assert made.decided_by_id == w.inspector.id and made.decided_at is not None
    assert finding.due_on == made.granted_due_on and not finding.is_due_provisional
    assert finding.due_counted_from_on is None and finding.due_working_days is None
    assert not rectification.is_overdue(finding)
    overdue = db.session.scalar(select(func.count(Finding.id)).where(rectification.overdue_clause()))
    assert overdue == 0
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["extension.approve", "finding.deadline_moved"]
    moved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "finding.deadline_moved")).one()
    assert json.loads(moved.payload)["changes"] == {"due_on": [old_due.isoformat(), made.granted_due_on.isoformat()]}
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.unit_user.id,
                                                       Notification.kind == "extension")).one()
    assert "已同意" in note.subject and finding.description[:6] not in note.subject


def test_the_inspector_may_grant_another_date(w, sent_finding):
    finding = sent_finding()
    made = ask(w, finding, 30)
    extensions.decide_extension(w.inspector, made, approve=True, due_on=later(finding, 10))
    db.session.commit()
    assert made.granted_due_on == finding.due_on == made.current_due_on + timedelta(days=10)


def test_refusal_keeps_the_deadline_and_needs_a_reason(w, sent_finding):
    finding = sent_finding()
    due, version = finding.due_on, finding.version
    made = ask(w, finding)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        extensions.decide_extension(w.inspector, made, approve=False, comment="  ")
    db.session.rollback()
    assert "须填写理由" in refused.value.fields["comment"] and counts() == before and made.status == "pending"
    extensions.decide_extension(w.inspector, made, approve=False, comment="理由不充分，请按原期限完成。")
    db.session.commit()
    assert made.status == "refused" and made.granted_due_on is None
    assert finding.due_on == due and finding.version == version
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first() == "extension.refuse"
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.unit_user.id,
                                                       Notification.kind == "extension")).one()
    assert "未获同意" in note.subject


@pytest.mark.parametrize(("due", "words"), [
    ("current", "延期后的期限须晚于当前期限（"),
    ("yesterday", "不能早于今天"),
    ("far", "不能晚于当前期限后一年"),
    ("2026-13-01", "不是有效日期"),
])
def test_a_bad_granted_date_is_refused(w, sent_finding, due, words):
    finding = sent_finding()
    if due == "yesterday":  # overdue for a while: a date after the deadline can still be past
        finding.due_on = beijing_today() - timedelta(days=10)
        db.session.commit()
        made = extensions.request_extension(w.unit_user, finding, {
            "requested_due_on": beijing_today().isoformat(), "reason": REASON})
        db.session.commit()
    else:
        made = ask(w, finding)
    values = {"current": finding.due_on.isoformat(), "yesterday": (beijing_today() - timedelta(days=1)).isoformat(),
              "far": (finding.due_on + timedelta(days=400)).isoformat()}
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        extensions.decide_extension(w.inspector, made, approve=True, due_on=values.get(due, due))
    db.session.rollback()
    assert words in refused.value.fields["due_on"] and counts() == before


def test_a_grant_never_moves_a_deadline_that_moved_meanwhile_earlier(w, sent_finding):
    finding = sent_finding()
    made = ask(w, finding, 10)
    finding.due_on = made.current_due_on + timedelta(days=15)  # e.g. a return gave a new deadline since
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        extensions.decide_extension(w.inspector, made, approve=True)
    assert f"（{finding.due_on:%Y-%m-%d}）" in refused.value.fields["due_on"]


def test_a_decided_request_is_not_decided_again(w, sent_finding):
    finding = sent_finding()
    made = ask(w, finding)
    extensions.decide_extension(w.inspector, made, approve=False, comment="不同意。")
    db.session.commit()
    before = counts()
    for approve in (True, False):
        with pytest.raises(extensions.AlreadyDecided) as refused:
            extensions.decide_extension(w.inspector2, made, approve=approve, comment="同意。")
        assert refused.value.status == 409 and "不能再次审批" in refused.value.message
    db.session.rollback()
    assert counts() == before and made.status == "refused"


@pytest.mark.parametrize(("who", "outcome"), [
    ("inspector", "ok"),
    ("inspector2", "ok"),      # same office, cases.manage: not only the lead
    ("approver", "ok"),
    ("admin", 403),            # no cases.manage
    ("unit_user", 403),        # reads it, may not decide
    ("centre_user", 404),
    ("discipline", 404),
    ("xihu_inspector", 404),
])
def test_who_may_decide(w, sent_finding, who, outcome):
    finding = sent_finding()
    made = ask(w, finding)
    actor = getattr(w, who)
    if outcome == 404:
        with pytest.raises(NotFound):
            extensions.get_request_or_404(actor, made.id)
        return
    loaded = extensions.get_request_or_404(actor, made.id)
    if outcome == 403:
        with pytest.raises(PermissionDenied):
            extensions.decide_extension(actor, loaded, approve=True)
        db.session.rollback()
        assert loaded.status == "pending"
    else:
        extensions.decide_extension(actor, loaded, approve=True)
        db.session.commit()
        assert loaded.status == "approved"


def test_a_superior_office_reads_but_does_not_decide(w, make_case, make_finding, issue_notice, make_user):
    xihu_unit_user = make_user("xihu_unit_user", role="unit", unit=w.xihu_unit)
    case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    finding = make_finding(case, w.xihu_inspector)
    issue_notice(case, w.xihu_inspector)
    made = ask(w, finding, actor=xihu_unit_user)
    loaded = extensions.get_request_or_404(w.inspector, made.id)
    with pytest.raises(PermissionDenied) as refused:
        extensions.check_decide(w.inspector, loaded)
    assert "下级编办" in refused.value.message
    assert extensions.panel(w.inspector, finding).may_decide is False
    assert extensions.db.session.scalars(extensions.pending_query(w.inspector)).all() == []
    extensions.decide_extension(w.xihu_inspector, loaded, approve=True)
    db.session.commit()
    assert loaded.status == "approved"


@pytest.mark.parametrize("state", ["accepted", "waived"])
def test_no_decision_once_the_finding_is_settled(w, sent_finding, state):
    finding = sent_finding()
    made = ask(w, finding)
    STATES[state](w, finding)
    before = counts()
    # the request lapsed with the settlement: it is no longer anyone's to decide
    with pytest.raises(extensions.AlreadyDecided) as refused:
        extensions.decide_extension(w.inspector, made, approve=True)
    db.session.rollback()
    assert "已失效" in refused.value.message and "不再审批" in refused.value.message and counts() == before
    assert extensions.db.session.scalars(extensions.pending_query(w.inspector)).all() == []


def test_submitting_the_report_lapses_a_pending_request(w, sent_finding):
    """Once the report is in, its timeliness is fixed (submitted_on against the deadline then in force):
    approving a later date afterwards could not make it on time, and would let the finding fall overdue
    while it waits for review. So the request lapses with the submission."""
    from inspection.models import ExtensionStatus
    from tests.inspection.submission_support import submit

    finding = sent_finding()
    made = ask(w, finding)
    submit(w, finding)
    db.session.refresh(made)
    assert made.status == ExtensionStatus.LAPSED.value and "已提交整改报告" in made.decision_comment
    with pytest.raises(extensions.AlreadyDecided):
        extensions.decide_extension(w.inspector, made, approve=True)
    db.session.rollback()


def test_no_decision_while_a_report_waits(w, sent_finding):
    finding = sent_finding()
    made = ask(w, finding)
    set_status(finding, "submitted")
    with pytest.raises(InvalidInput) as refused:
        extensions.decide_extension(w.inspector, made, approve=True)
    db.session.rollback()
    assert "正在审核" in refused.value.message


# ---------------------------------------------------------------- history, panel, list

def test_the_history_keeps_every_request_newest_first(w, sent_finding):
    finding = sent_finding()
    first = ask(w, finding, 10)
    extensions.decide_extension(w.inspector, first, approve=False, comment="请说明具体原因。")
    db.session.commit()
    second = ask(w, finding, 12)
    extensions.decide_extension(w.inspector, second, approve=True)
    db.session.commit()
    third = ask(w, finding, 5)
    rows = extensions.history(finding)
    assert [r.id for r in rows] == [third.id, second.id, first.id]
    assert [r.status for r in rows] == ["pending", "approved", "refused"]
    assert third.current_due_on == second.granted_due_on  # asked from the deadline in force
    assert rows[2].decided_by.id == w.inspector.id and rows[2].requested_by.id == w.unit_user.id


def test_the_panel_offers_what_the_services_accept(app, w, sent_finding):
    finding = sent_finding()
    with app.test_request_context():
        unit = extensions.panel(w.unit_user, finding)
        assert unit.may_request and unit.request_form is not None and not unit.may_decide and unit.history == []
        made = ask(w, finding)
        unit = extensions.panel(w.unit_user, finding)
        assert not unit.may_request and "已有待审批" in unit.request_blocked and unit.decision_form is None
        assert [r.id for r in unit.history] == [made.id]
        staff = extensions.panel(w.inspector, finding)
        assert staff.may_decide and staff.pending.id == made.id and not staff.may_request
        assert staff.decision_form.due_on.data == made.requested_due_on.isoformat()
        assert staff.request_blocked is None
        assert extensions.panel(w.admin, finding).may_decide is False  # reads, no cases.manage


def test_no_panel_for_a_finding_not_sent(w, make_case, make_finding):
    finding = make_finding(make_case())
    assert extensions.panel(w.inspector, finding) is None


def test_the_pending_list_holds_the_writable_cases_oldest_first(w, sent_finding, make_case):
    first, second = sent_finding(), sent_finding()
    older = ask(w, second, 3)
    newer = ask(w, first, 3)
    decided = sent_finding()
    extensions.decide_extension(w.inspector, ask(w, decided), approve=True)
    db.session.commit()
    assert [r.id for r in db.session.scalars(extensions.pending_query(w.inspector))] == [older.id, newer.id]
    for outsider in (w.unit_user, w.admin, w.xihu_inspector, w.discipline):
        assert db.session.scalars(extensions.pending_query(outsider)).all() == []


@pytest.mark.parametrize("settle", ["accept", "waive", "review"])
def test_a_pending_request_lapses_when_the_finding_is_settled(w, sent_finding, settle):
    """Nobody can decide a request once the finding is accepted or waived: it lapses instead of waiting."""
    from inspection.models import ExtensionStatus
    from inspection.services import submissions
    from tests.inspection.submission_support import upload

    finding = sent_finding()
    request = extensions.request_extension(
        w.unit_user, finding, {"requested_due_on": (finding.due_on + timedelta(days=10)).isoformat(),
                               "reason": "需要上级批复"})
    db.session.commit()
    if settle == "accept":
        findings.accept(w.inspector, finding, "已整改到位")
    elif settle == "waive":
        findings.request_waiver(w.inspector, finding, "改革过渡期遗留")
        findings.decide_waiver(w.approver, finding, approve=True)
    else:
        submission = submissions.submit(w.unit_user, finding, {"measures": "清退", "result": "已清退"}, [upload()])
        db.session.commit()
        submissions.review(w.inspector, submission, "accept", "通过")
    db.session.commit()
    db.session.refresh(request)
    assert request.status == ExtensionStatus.LAPSED.value
    assert request.decided_at is not None and "不再审批" in request.decision_comment
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "extension.lapse")) is not None
    assert db.session.scalars(extensions.pending_query(w.inspector)).all() == []
