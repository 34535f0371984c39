"""The case lifecycle as a rule table: every (state → target) pair for every kind of caller, then the
guards. A successful move writes one timeline line, one audit event and notifies the case's people.

Roles: ``inspector`` (own office, cases.manage), ``approver`` (+ cases.approve), ``admin`` (city admin,
no cases.manage), ``superior`` (city inspector on a 西湖 case: read-only), ``sibling`` (滨江 inspector on
a 西湖 case: cannot load it), ``unit`` (the bureau's user), ``discipline``, ``cli`` (actor None).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.notify.models import Notification

from inspection import lifecycle
from inspection.models import CaseEvent, CaseStatus
from inspection.permissions import get_case_or_404
from inspection.services import cases, findings, notices

STATES = [s.value for s in CaseStatus]
SECRET = "举报人称其亲属被违规录用"  # case description: must never reach a notification subject
FINDING_TEXT = "行政编制核定 10 名，实有 12 名。"
REASON = "经核实，举报反映的问题不属实。"

# the table as built (and as the closing note lists it): (from, to) → move name
EXPECTED = {
    ("registered", "verifying"): "verify",
    ("registered", "dismissed"): "dismiss",
    ("verifying", "rectifying"): "issue_notice",
    ("verifying", "closed"): "close",
    ("verifying", "dismissed"): "dismiss",
    ("rectifying", "closed"): "close",
    ("closed", "verifying"): "reopen",
    ("dismissed", "verifying"): "reopen",
}
NEEDS_APPROVE = {"reopen"}
NEEDS_REASON = {"dismiss", "reopen"}

WRITERS = {"inspector", "approver", "cli"}
APPROVERS = {"approver", "cli"}
ROLES = ["inspector", "approver", "admin", "superior", "sibling", "unit", "discipline", "cli"]
DISTRICT_ROLES = {"superior", "sibling"}  # act on a 西湖 case


def test_expected_table_is_the_built_table():
    built = {(s.value, t.target.value): t.name for t in lifecycle.TRANSITIONS for s in t.sources}
    assert built == EXPECTED
    assert {t.name for t in lifecycle.TRANSITIONS if t.permission == "cases.approve"} == NEEDS_APPROVE
    assert {t.name for t in lifecycle.TRANSITIONS if t.needs_reason} == NEEDS_REASON


def build(w, state: str, *, district: bool = False, ready_to_close: bool = False):
    """A committed case in ``state``; ``ready_to_close``: every finding settled (the close guard holds)."""
    actor = w.xihu_inspector if district else w.inspector
    data = {"source": "hotline", "unit_id": (w.xihu_unit if district else w.bureau).id, "title": "超编进人问题线索",
            "description": SECRET, "lead_inspector_id": actor.id}
    if not district:
        data["team_ids"] = [w.inspector2.id]
    case = cases.create_case(actor, data)
    db.session.commit()
    if state == "registered":
        return case
    cases.transition(actor, case, "verifying")
    finding = findings.add_finding(actor, case, {"area": "establishment", "violation_type": "over_establishment",
                                                 "description": FINDING_TEXT})
    db.session.commit()
    if state == "dismissed":
        cases.transition(actor, case, "dismissed", reason=REASON)
    elif state == "verifying" and ready_to_close:
        findings.update_finding(actor, finding, {"needs_rectification": False})
    elif state in ("rectifying", "closed"):
        notices.issue(actor, case)
        if ready_to_close or state == "closed":
            findings.accept(actor, finding, "现场核查已整改到位。")
        if state == "closed":
            cases.transition(actor, case, "closed")
    db.session.commit()
    assert case.status == state
    return case


def caller(w, role):
    return {
        "inspector": w.inspector, "approver": w.approver, "admin": w.admin, "superior": w.inspector,
        "sibling": w.binjiang_inspector, "unit": w.unit_user, "discipline": w.discipline, "cli": None,
    }[role]


def load_refusal(role, case):
    """What ``get_case_or_404(…, for_write=True)`` (every write route's first step) answers."""
    if role in ("inspector", "approver"):
        return None
    if role in ("sibling", "discipline"):
        return NotFound
    if role == "unit":  # a unit reads a case only once a notice was delivered to it
        return PermissionDenied if case.status in ("rectifying", "closed") else NotFound
    return PermissionDenied  # admin without cases.manage; superior office: read-only


def _counts(case):
    return (
        db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case.id)),
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.scalar(select(func.max(Notification.id))) or 0,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("source", STATES)
@pytest.mark.parametrize("target", STATES)
def test_rule_table(w, role, source, target):
    name = EXPECTED.get((source, target))
    case = build(w, source, district=role in DISTRICT_ROLES, ready_to_close=target == "closed")
    user = caller(w, role)
    if user is not None:
        refusal = load_refusal(role, case)
        if refusal is None:
            assert get_case_or_404(user, case.id, for_write=True) is case
        else:
            with pytest.raises(refusal):
                get_case_or_404(user, case.id, for_write=True)
    events, audits, last_note = _counts(case)
    reason = REASON if name in NEEDS_REASON else None

    if role not in WRITERS:
        with pytest.raises(PermissionDenied):
            cases.transition(user, case, target, reason=reason)
    elif name is None:
        with pytest.raises(InvalidInput) as refused:
            cases.transition(user, case, target, reason=reason)
        assert set(refused.value.fields) == {"to"}
        assert "不能转为" in refused.value.fields["to"]
    elif name in NEEDS_APPROVE and role not in APPROVERS:
        with pytest.raises(PermissionDenied) as refused:
            cases.transition(user, case, target, reason=reason)
        assert "审批督查事项" in refused.value.message
    else:
        cases.transition(user, case, target, reason=reason)
        db.session.commit()
        assert case.status == target
        _assert_recorded(w, case, name, user, events, audits, last_note)
        return
    db.session.rollback()
    assert db.session.get(type(case), case.id).status == source
    assert _counts(case) == (events, audits, last_note)


def _assert_recorded(w, case, name, user, events, audits, last_note):
    new_events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                    .order_by(CaseEvent.id).offset(events)).all()
    assert [e.kind for e in new_events] == [name]
    new_audits = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(audits)).all()
    assert [a.action for a in new_audits] == [f"case.{name}"]
    assert new_audits[0].object_id == str(case.id)
    assert new_events[0].actor_id == (user.id if user else None)
    notes = db.session.scalars(select(Notification).where(Notification.id > last_note)).all()
    told = {n.user_id for n in notes}
    people = {w.inspector.id, w.inspector2.id}
    assert people - {user.id if user else None} <= told
    if user is not None:
        assert user.id not in told
    for note in notes:
        assert SECRET not in note.subject and FINDING_TEXT not in note.subject and REASON not in note.subject
        assert case.number in note.subject or (name == "issue_notice" and note.user_id == w.unit_user.id)


# ---------------------------------------------------------------- guards


def test_unknown_target_is_refused_on_to(w):
    case = build(w, "registered")
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.inspector, case, "archived")
    assert "未知的状态" in refused.value.fields["to"]


def test_targets_may_be_given_by_chinese_label(w):
    case = build(w, "registered")
    cases.transition(w.inspector, case, "调查核实")
    assert case.status == "verifying"


def test_close_with_open_findings_names_them(w, make_finding):
    case = build(w, "rectifying")
    make_finding(case, description="另一个问题。")  # 问题2, recorded after the notice
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.inspector, case, "closed")
    message = refused.value.fields["to"]
    assert "2 个问题" in message and "问题1" in message and "问题2" in message
    db.session.rollback()
    assert case.status == "rectifying"


def test_close_without_findings_is_refused(w):
    case = build(w, "registered")
    cases.transition(w.inspector, case, "verifying")
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.inspector, case, "closed")
    assert "尚未记录任何问题" in refused.value.fields["to"]


def test_close_after_findings_accepted_and_waived(w, make_finding):
    case = build(w, "registered")
    first = make_finding(case)
    second = make_finding(case, violation_type="over_posts", description="副职超配 1 名。")
    notices.issue(w.inspector, case)
    findings.accept(w.inspector, first, "已整改。")
    findings.request_waiver(w.inspector, second, "该副职系政策性安置，经批准保留至退休。")
    db.session.commit()
    with pytest.raises(InvalidInput):
        cases.transition(w.inspector, case, "closed")  # the waiver is only asked for
    db.session.rollback()
    findings.decide_waiver(w.approver, second, approve=True, comment="同意。")
    cases.transition(w.inspector, case, "closed")
    db.session.commit()
    assert case.status == "closed" and case.closed_at is not None


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_dismiss_needs_a_reason(w, reason):
    case = build(w, "registered")
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.inspector, case, "dismissed", reason=reason)
    assert "理由" in refused.value.fields["reason"]


def test_dismiss_keeps_its_reason(w):
    case = build(w, "verifying")
    cases.transition(w.inspector, case, "dismissed", reason=REASON)
    db.session.commit()
    assert case.dismiss_reason == REASON


def test_dismiss_after_a_notice_is_refused(w):
    case = build(w, "closed")
    cases.transition(w.approver, case, "verifying", reason="上级督办要求复查。")
    db.session.commit()
    assert case.status == "verifying"
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.inspector, case, "dismissed", reason=REASON)
    assert "已下发整改通知" in refused.value.fields["to"]


@pytest.mark.parametrize("source", ["closed", "dismissed"])
def test_reopen_needs_reason_and_approval(w, source):
    case = build(w, source)
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.approver, case, "verifying")
    assert "reason" in refused.value.fields
    with pytest.raises(PermissionDenied):
        cases.transition(w.inspector, case, "verifying", reason="复查。")
    cases.transition(w.approver, case, "verifying", reason="收到新的举报材料，重新核实。")
    db.session.commit()
    assert case.status == "verifying" and case.closed_at is None and case.dismiss_reason is None


def test_issue_notice_through_transition_issues_a_notice(w):
    case = build(w, "verifying")
    cases.transition(w.inspector, case, "rectifying", requirements="请于期限内整改到位。")
    db.session.commit()
    finding = case.findings[0]
    assert case.status == "rectifying"
    assert finding.notice is not None and finding.notice.requirements == "请于期限内整改到位。"
    assert finding.due_on is not None
    assert [d.unit_id for d in finding.notice.deliveries] == [w.bureau.id]


def test_issue_notice_needs_a_finding_to_send(w):
    case = build(w, "verifying", ready_to_close=True)  # its only finding needs no rectification
    with pytest.raises(InvalidInput) as refused:
        cases.transition(w.inspector, case, "rectifying")
    assert "没有需要整改" in refused.value.fields["to"]


def test_available_lists_the_moves_a_user_may_make(w):
    case = build(w, "closed")
    assert [t.name for t in lifecycle.available(w.inspector, case)] == []
    assert [t.name for t in lifecycle.available(w.approver, case)] == ["reopen"]
    assert [t.name for t in lifecycle.available(w.admin, case)] == []
    fresh = build(w, "registered")
    assert {t.name for t in lifecycle.available(w.inspector, fresh)} == {"verify", "dismiss"}
