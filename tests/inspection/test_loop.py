"""The whole rectification loop on the services: submit → return (new deadline) → resubmit → accept →
the case closes; every round kept; the clock (an on-time submission waiting for review is never overdue)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.errors import InvalidInput
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection import rectification, workdays
from inspection.models import CaseEvent, Finding
from inspection.services import cases, findings, submissions
from tests.inspection.submission_support import REPORT, count, review, rounds, submit, upload


def overdue_ids(today=None) -> set[int]:
    return set(db.session.scalars(select(Finding.id).where(rectification.overdue_clause(today))))


def test_submit_return_resubmit_accept_close(app, w, sent_finding):
    # a near deadline, so the return's ten working days reach further
    finding = sent_finding(due_on=workdays.add_working_days(beijing_today(), 2).due_on.isoformat())
    case = finding.case
    first_due = finding.due_on

    first = submit(w, finding)
    assert (first.round, first.status, first.submitted_on, first.due_on) == (1, "submitted", beijing_today(), first_due)
    assert first.submitted_by_id == w.unit_user.id and len(first.evidence) == 1
    assert finding.rectification_status == "submitted"
    assert count(Notification, Notification.user_id == w.inspector.id) >= 1
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.inspector.id)
                              .order_by(Notification.id.desc())).first()
    assert note.subject == f"督查事项 {case.number} 有整改报告待审核" and REPORT["measures"] not in note.subject

    review(w, first, "return", "佐证材料不足，请补充花名册。")
    expected = workdays.add_working_days(beijing_today(), app.config["RECTIFICATION_RETURN_WORKING_DAYS"],
                                         office_id=case.office_id)
    db.session.refresh(finding)
    assert finding.rectification_status == "returned"
    assert (finding.due_on, finding.is_due_provisional) == (expected.due_on, expected.is_provisional)
    assert (finding.due_counted_from_on, finding.due_working_days) == (beijing_today(), 10)
    assert (first.status, first.returned_due_on, first.review_comment) == ("returned", expected.due_on,
                                                                          "佐证材料不足，请补充花名册。")
    told = db.session.scalars(select(Notification).where(Notification.user_id == w.unit_user.id)
                              .order_by(Notification.id.desc())).first()
    assert told.subject == f"督查事项 {case.number} 有新的整改事项动态"
    assert "花名册" not in told.subject

    draft = submissions.save_draft(w.unit_user, finding, {"measures": "补充措施", "result": ""})
    db.session.commit()
    assert (draft.round, draft.status) == (2, "draft")
    second = submit(w, finding, {"result": "已补充花名册。"}, [upload(name="花名册.pdf")])
    assert second.id == draft.id and (second.round, second.measures, second.result) == (2, "补充措施", "已补充花名册。")
    assert second.due_on == expected.due_on

    review(w, second, "accept", "整改到位。")
    db.session.refresh(finding)
    assert finding.rectification_status == "accepted"
    assert (finding.accepted_by_id, finding.acceptance_comment) == (w.inspector.id, "整改到位。")
    assert [(s.round, s.status) for s in rounds(finding)] == [(1, "returned"), (2, "accepted")]
    assert rounds(finding)[0].evidence[0].original_name == "整改报告.pdf"

    cases.transition(w.inspector, case, "closed")
    db.session.commit()
    assert case.status == "closed"
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "submission")
                                      .order_by(AuditEvent.id)))
    assert actions == ["submission.submit", "submission.return", "submission.draft", "submission.submit",
                       "submission.accept"]
    kinds = list(db.session.scalars(select(CaseEvent.kind).where(CaseEvent.finding_id == finding.id)
                                    .order_by(CaseEvent.id)))
    assert kinds[-4:] == ["submission_submit", "submission_return", "submission_submit", "submission_accept"]


def test_a_return_never_shortens_the_deadline_in_force(app, w, sent_finding):
    finding = sent_finding()  # 30 working days: further than the ten a return gives
    given = finding.due_on
    first = submit(w, finding)
    review(w, first, "return", "请补充材料。")
    db.session.refresh(finding)
    assert given > workdays.add_working_days(beijing_today(), 10, office_id=finding.case.office_id).due_on
    assert (finding.rectification_status, finding.due_on, first.returned_due_on) == ("returned", given, given)


def test_case_cannot_close_while_a_report_waits(app, w, sent_finding):
    finding = sent_finding()
    submit(w, finding)
    with pytest.raises(InvalidInput):
        cases.transition(w.inspector, finding.case, "closed")


def test_accepting_the_finding_decides_the_waiting_report(app, w, sent_finding):
    finding = sent_finding()
    submission = submit(w, finding)
    findings.accept(w.inspector, finding, "现场核查到位。")
    db.session.commit()
    assert (submission.status, submission.reviewed_by_id, submission.review_comment) == (
        "accepted", w.inspector.id, "现场核查到位。")
    assert finding.rectification_status == "accepted" and finding.acceptance_comment == "现场核查到位。"


def test_on_time_submission_stops_the_clock(app, w, sent_finding):
    finding = sent_finding()
    submit(w, finding)
    after_deadline = finding.due_on + timedelta(days=3)
    assert finding.id not in overdue_ids(after_deadline)
    db.session.expire_all()
    finding = db.session.get(Finding, finding.id)
    assert rectification.is_overdue(finding, after_deadline) is False


def test_late_submission_keeps_the_clock_running(app, w, sent_finding):
    finding = sent_finding()
    finding.due_on = beijing_today() - timedelta(days=1)
    db.session.commit()
    assert finding.id in overdue_ids()
    submission = submit(w, finding)
    assert submission.is_on_time is False
    assert finding.id in overdue_ids()
    db.session.expire_all()
    assert rectification.is_overdue(db.session.get(Finding, finding.id)) is True
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "submission_submit")).one()
    assert "逾期提交" in event.summary


def test_pending_finding_past_its_deadline_is_overdue(app, w, sent_finding):
    finding = sent_finding()
    assert finding.id not in overdue_ids()
    assert finding.id in overdue_ids(finding.due_on + timedelta(days=1))
