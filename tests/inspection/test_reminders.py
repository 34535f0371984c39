"""`reminders send`: 7/3/1 working days before a deadline, the missed notice and the lead's overdue notice,
each once per (finding, kind, deadline)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today, utcnow

from inspection import workdays
from inspection.models import ReminderSent
from inspection.reminders import send_reminders

TODAY = date(2026, 6, 1)  # a Monday
MARKER = "秘密标记XYZ"


def notes(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def reminder_notes(user):
    return [n for n in notes(user) if n.kind in ("rectification_reminder", "finding_overdue")]


@pytest.fixture()
def sent_finding(w, make_case, make_finding, issue_notice):
    """A finding sent on a notice; ``due_on`` set after issuing to the given date."""

    def factory(due_on: date, case=None, **data):
        case = case or make_case()
        finding = make_finding(case, description=f"问题描述{MARKER}", **data)
        issue_notice(case)
        db.session.refresh(finding)
        assert finding.notice_id is not None
        finding.due_on = due_on
        db.session.commit()
        return finding

    return factory


def due_in(n: int, today: date = TODAY) -> date:
    return workdays.add_working_days(today, n).due_on


def run(today=TODAY):
    result = send_reminders(today)
    db.session.commit()
    return result


@pytest.mark.parametrize("left", [7, 3, 1])
def test_threshold_reminder_goes_once_to_unit_users(w, sent_finding, left):
    finding = sent_finding(due_in(left))
    assert workdays.working_days_between(TODAY, finding.due_on) == left
    result = run()
    assert (result.unit, result.lead) == (1, 0)
    [note] = reminder_notes(w.unit_user)
    assert f"还剩 {left} 个工作日" in note.subject
    assert f"问题{finding.seq}" in note.subject and finding.notice.number in note.subject
    assert MARKER not in note.subject
    assert note.link == f"/inspection/findings/{finding.id}"
    assert reminder_notes(w.centre_user) == []
    # idempotent: a second run sends nothing
    assert run() == type(result)(0, 0)
    assert len(reminder_notes(w.unit_user)) == 1
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 1


@pytest.mark.parametrize("left", [0, 2, 4, 5, 6, 8])
def test_no_reminder_between_thresholds(w, sent_finding, left):
    due = TODAY if left == 0 else due_in(left)
    sent_finding(due)
    result = run()
    assert (result.unit, result.lead) == (0, 0)
    assert reminder_notes(w.unit_user) == []


def test_missed_goes_to_unit_and_lead_once(w, sent_finding):
    finding = sent_finding(TODAY - timedelta(days=1))
    lead = finding.case.lead_inspector
    assert lead is not None
    result = run()
    assert (result.unit, result.lead) == (1, 1)
    [unit_note] = reminder_notes(w.unit_user)
    assert unit_note.subject.startswith("整改期限已过：") and "已逾期" in unit_note.subject
    [lead_note] = notes(lead, "finding_overdue")
    assert lead_note.link == f"/inspection/findings/{finding.id}"
    for note in (unit_note, lead_note):
        assert MARKER not in note.subject
    # next day, and the day after: nothing new
    assert (run(TODAY + timedelta(days=1)).unit, run(TODAY + timedelta(days=2)).lead) == (0, 0)
    assert len(reminder_notes(w.unit_user)) == 1 and len(notes(lead, "finding_overdue")) == 1


def test_each_threshold_in_turn_then_missed(w, sent_finding):
    due = due_in(7)
    finding = sent_finding(due)
    day, kinds = TODAY, []
    while day <= due + timedelta(days=3):
        run(day)
        day += timedelta(days=1)
    kinds = list(db.session.scalars(
        select(ReminderSent.kind).where(ReminderSent.finding_id == finding.id).order_by(ReminderSent.id)))
    assert kinds == ["before_7", "before_3", "before_1", "missed", "overdue_lead"]
    assert len(reminder_notes(w.unit_user)) == 4


def test_missed_threshold_is_not_sent_late(w, sent_finding):
    """cron did not run when 7 days were left: at 3 days left only the 3-day reminder goes."""
    finding = sent_finding(due_in(3))
    run()
    kinds = set(db.session.scalars(select(ReminderSent.kind).where(ReminderSent.finding_id == finding.id)))
    assert kinds == {"before_3"}


def test_moved_deadline_triggers_again(w, sent_finding):
    finding = sent_finding(due_in(3))
    run()
    finding.due_on = due_in(3, TODAY + timedelta(days=7))  # extended: 3 working days left again next week
    db.session.commit()
    assert run(TODAY + timedelta(days=7)).unit == 1
    subjects = [n.subject for n in reminder_notes(w.unit_user)]
    assert len(subjects) == 2 and all("还剩 3 个工作日" in s for s in subjects)


def test_skipped_findings(w, make_case, make_finding, sent_finding):
    past = TODAY - timedelta(days=1)
    from inspection.services import findings

    accepted = sent_finding(past)
    findings.accept(w.inspector, accepted, "已整改")
    waived = sent_finding(due_in(3))
    findings.request_waiver(w.inspector, waived, "已不具备整改条件")
    findings.decide_waiver(w.approver, waived, approve=True, comment="同意")
    db.session.commit()
    assert (accepted.rectification_status, waived.rectification_status) == ("accepted", "waived")
    submitted = sent_finding(past)
    submitted.rectification_status = "submitted"
    closed = sent_finding(due_in(1))
    closed.case.status, closed.case.closed_at = "closed", utcnow()
    # not sent on a notice yet
    unsent = make_finding(make_case())
    unsent.due_on = past
    db.session.commit()
    result = run()
    assert (result.unit, result.lead) == (0, 0)
    assert reminder_notes(w.unit_user) == [] and reminder_notes(w.inspector) == []


def test_returned_finding_is_reminded(w, sent_finding):
    finding = sent_finding(due_in(1))
    finding.rectification_status = "returned"
    db.session.commit()
    assert run().unit == 1


def test_only_responsible_units_users(w, make_user, sent_finding):
    second = make_user("bureau_user2", role="unit", unit=w.bureau)
    disabled = make_user("bureau_user3", role="unit", unit=w.bureau)
    disabled.is_enabled = False
    db.session.commit()
    sent_finding(due_in(7))
    assert run().unit == 2
    assert len(reminder_notes(w.unit_user)) == 1 and len(reminder_notes(second)) == 1
    assert reminder_notes(disabled) == [] and reminder_notes(w.centre_user) == []


def test_cli_prints_counts_and_is_idempotent(w, runner, sent_finding):
    today = beijing_today()
    sent_finding(workdays.add_working_days(today, 3).due_on)
    sent_finding(today - timedelta(days=2))
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "提醒：单位 2 条，主办人 1 条" in result.output
    assert "邮件：已发送 0 封" in result.output  # mail is disabled by default
    again = runner.invoke(args=["reminders", "send"])
    assert again.exit_code == 0, again.output
    assert "提醒：单位 0 条，主办人 0 条" in again.output
    assert len(reminder_notes(w.unit_user)) == 2


def test_cli_today_option(w, runner, sent_finding):
    sent_finding(due_in(1))
    result = runner.invoke(args=["reminders", "send", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "提醒：单位 1 条，主办人 0 条" in result.output


def test_bulk_loading_does_not_grow_with_findings(w, app, make_case, sent_finding):
    from sqlalchemy import event

    for _ in range(4):
        case = make_case()
        sent_finding(TODAY - timedelta(days=1), case=case)
    db.session.expire_all()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = send_reminders(TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    db.session.commit()
    assert (result.unit, result.lead) == (4, 4)
    # findings (with case, lead, notice), reminders already sent, unit users, link building: not per finding
    assert len(statements) <= 4, statements


def test_reminders_go_by_real_mail_once_and_carry_no_finding_text(w, runner, sent_finding, mail_on):
    """`reminders send` twice, against an SMTP server on loopback: one mail per reminder, links only."""
    w.unit_user.email, w.inspector.email = "bureau@unit.example", "insp@bianban.example"
    db.session.commit()
    today = beijing_today()
    sent_finding(today - timedelta(days=1))          # missed: to the unit and to the lead
    sent_finding(workdays.add_working_days(today, 3).due_on)   # 3 working days left: to the unit
    for note in db.session.scalars(select(Notification)):       # the notices' own notifications: not this test's
        note.emailed_at = utcnow()
    db.session.commit()
    for _ in range(2):
        result = runner.invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
    received = sorted((m["rcpt_tos"][0], str(m["message"]["subject"])) for m in mail_on.mails)
    assert [to for to, _ in received] == ["bureau@unit.example", "bureau@unit.example", "insp@bianban.example"]
    for mail in mail_on.mails:
        body = mail["message"].get_body(("plain",)).get_content()
        assert MARKER not in body and MARKER not in str(mail["message"]["subject"])
        assert "https://bianban.example/inspection/" in body


@pytest.mark.parametrize(("late", "expected"), [(True, (1, 1)), (False, (0, 0))])
def test_a_late_report_still_brings_the_missed_notices_and_an_on_time_one_none(w, sent_finding, late, expected):
    """A report submitted after the deadline leaves the finding overdue: the unit and the lead are told
    it was missed even though the report is in; a report in on time stops the clock: nothing is sent."""
    from tests.inspection.submission_support import submit

    finding = sent_finding(TODAY - timedelta(days=2) if late else TODAY + timedelta(days=1))
    submission = submit(w, finding)
    if not late:  # submitted on time; the deadline passed while it waits for review
        finding.due_on = submission.due_on = TODAY - timedelta(days=2)
        submission.submitted_on = TODAY - timedelta(days=3)
        db.session.commit()
    result = run()
    assert (result.unit, result.lead) == expected
