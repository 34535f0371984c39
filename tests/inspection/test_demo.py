"""``flask demo load`` gives cases from every source in every state (made through the services, so
timeline and audit are real), a re-opened case, a district case, notices signed and unsigned, an
overdue finding and 督办 both open-and-overdue and answered; a second run adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.permissions import has_permission
from portal.accounts.services import authenticate
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection import permissions, rectification
from inspection.models import (
    Case,
    CaseEvent,
    CaseSource,
    CaseStatus,
    EvidenceFile,
    ExtensionRequest,
    ExtensionStatus,
    Finding,
    NoticeDelivery,
    RectificationNotice,
    RectificationStatus,
    RectificationSubmission,
    SubmissionStatus,
    SupervisionInstruction,
)

MODELS = (Case, CaseEvent, Finding, RectificationNotice, NoticeDelivery, SupervisionInstruction, AuditEvent,
          Notification, User, RectificationSubmission, EvidenceFile, ExtensionRequest)


def _counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_demo_cases_cover_every_source_and_state_and_load_once(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "督查事项：各来源、各状态的演示案件" in result.output
    assert "shenpi" in result.output and "Ducha#2026ok" in result.output and "zhifadui" in result.output
    first = _counts()
    pairs = set(db.session.execute(select(Case.source, Case.status)).all())
    assert pairs >= {(s.value, t.value) for s in CaseSource for t in CaseStatus}
    # every source × state, one reopened case, and the two cases of the rectification-loop step
    assert first["Case"] == len(CaseSource) * len(CaseStatus) + 1 + 2

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "已有督查事项，跳过" in again.output
    assert _counts() == first

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_demo_cases_show_each_part_of_the_work(runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    today = beijing_today()
    # every case was made by the services: its timeline starts with the registration, audited
    for case in db.session.scalars(select(Case)):
        kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.id)).all()
        assert kinds[0] == "create", case.number
        if case.status == "dismissed":
            assert case.dismiss_reason and kinds[-1] == "dismiss"
        if case.status == "closed":
            assert kinds[-1] == "close"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.create")) \
        == db.session.scalar(select(func.count(Case.id)))
    reopened = db.session.scalars(select(Case).join(CaseEvent).where(CaseEvent.kind == "reopen")).one()
    assert reopened.status == "verifying"

    statuses = set(db.session.scalars(select(Finding.rectification_status)))
    assert {"pending", "accepted", "waived"} <= statuses
    assert db.session.scalar(select(func.count(Finding.id)).where(rectification.overdue_clause(today))) >= 1
    kinds = set(db.session.scalars(select(RectificationNotice.kind)))
    assert kinds == {"initial", "supplementary"}
    signed = set(db.session.scalars(select(NoticeDelivery.signed_at.is_not(None))))
    assert signed == {True, False}
    # one notice split between two units (the bureau and its enforcement team)
    assert db.session.scalar(select(func.count()).select_from(
        select(NoticeDelivery.notice_id).group_by(NoticeDelivery.notice_id)
        .having(func.count(NoticeDelivery.id) > 1).subquery())) >= 1

    inspector = db.session.execute(select(User).where(User.username == "inspector")).scalar_one()
    district = db.session.scalars(select(Case).where(Case.office_id != inspector.office_id)).all()
    assert len(district) >= 5
    readable = set(db.session.scalars(permissions.cases_query(inspector).with_only_columns(Case.id)))
    writable = set(db.session.scalars(permissions.cases_query(inspector, for_write=True).with_only_columns(Case.id)))
    assert {c.id for c in district} <= readable - writable

    instructions = db.session.scalars(select(SupervisionInstruction)).all()
    assert any(i.answered_at is None and i.due_on < today for i in instructions)
    assert any(i.answered_at is not None for i in instructions)

    approver = authenticate("shenpi", "Ducha#2026ok")
    assert has_permission(approver, "cases.approve")
    unit_user = authenticate("zhifadui", "Zhenggai#2026ok")
    assert db.session.scalar(select(func.count()).select_from(permissions.findings_query(unit_user).subquery())) >= 1


def test_demo_rectification_covers_every_state(app, runner):
    """The rectification step leaves findings in every rectification state, reports in every state,
    each kind of extension request, an overdue late report and an on-time one that is not overdue."""
    from pathlib import Path

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    today = beijing_today()
    statuses = set(db.session.scalars(select(Finding.rectification_status).distinct()))
    assert set(RectificationStatus.codes()) <= statuses
    assert set(db.session.scalars(select(RectificationSubmission.status).distinct())) == set(SubmissionStatus.codes())
    assert {ExtensionStatus.PENDING.value, ExtensionStatus.APPROVED.value, ExtensionStatus.REFUSED.value} <= set(
        db.session.scalars(select(ExtensionRequest.status).distinct()))
    waiting = db.session.scalars(select(RectificationSubmission).where(
        RectificationSubmission.status == SubmissionStatus.SUBMITTED.value)).all()
    overdue_ids = set(db.session.scalars(select(Finding.id).where(rectification.overdue_clause(today))))
    late = [s for s in waiting if s.is_on_time is False]
    on_time_past_due = [s for s in waiting if s.is_on_time and s.finding.due_on < today]
    assert late and all(s.finding_id in overdue_ids for s in late)
    assert on_time_past_due and all(s.finding_id not in overdue_ids for s in on_time_past_due)
    # a deadline set in the past for the demo is a date, not a provisional count into an unknown year
    assert not db.session.scalars(select(Finding).where(Finding.due_on < today, Finding.is_due_provisional)).all()
    # a resubmitted finding keeps both rounds
    assert db.session.scalar(select(func.max(RectificationSubmission.round))) >= 2
    files = db.session.scalars(select(EvidenceFile)).all()
    root = Path(app.config["DATA_DIR"]) / "files"
    assert files and all((root / f.stored_name).is_file() for f in files)

