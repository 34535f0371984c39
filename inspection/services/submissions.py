"""The unit's rectification reports (整改报告) with evidence (佐证材料), and the inspector's review.

    draft ──submit──▶ submitted ──review: accept──▶ accepted   (the finding is 验收销号)
                                 └─review: return──▶ returned  (the finding gets a new deadline; the unit
                                                                 writes the next round)

Only users of the finding's responsible unit write and submit (a finding that was sent to it, still to
be rectified: ``pending`` or ``returned``, on a case neither closed nor dismissed); only staff who may
change the case (``cases.manage``, own office) review. Every round is kept. A submission records the
Beijing date it was made and the deadline then in force, so an on-time one stops the unit's clock
(``inspection.rectification``).

Each action has one ``check_*`` function that raises the refusal the action would; pages ask
``allowed(check, …)`` (from :mod:`inspection.services.findings`) which forms to offer.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from portal.extensions import db
from portal.registry.services import validation as v
from portal.timeutil import beijing_today, to_beijing, utcnow

from inspection import permissions, rectification, workdays
from inspection.models import (
    EvidenceFile,
    Finding,
    RectificationStatus as R,
    RectificationSubmission,
    SubmissionStatus as S,
)
from inspection.services import evidence, extensions, timeline
from inspection.services.cases import _flush_versioned
from inspection.services.common import check_version, require_open
from inspection.services.findings import allowed, settled  # noqa: F401  (allowed: the pages' helper, re-exported)

TEXT_MAX = 10000
COMMENT_MAX = 5000
DECISIONS = ("accept", "return")


class AlreadyDecided(ServiceError):
    """A second review of a submission that was already accepted or returned (the API's 409)."""

    status = 409
    code = "conflict"



def _what(finding: Finding) -> str:
    return f"问题{finding.seq}"


def visible(actor, finding: Finding) -> list[RectificationSubmission]:
    """The loaded ``finding.submissions`` that ``actor`` may see (the rule of ``permissions.submissions_clause``)."""
    unit = permissions.is_unit_user(actor)
    return [s for s in finding.submissions if unit or s.status != S.DRAFT.value]


def get_submission_or_404(actor, submission_id) -> RectificationSubmission:
    """A submission on a finding ``actor`` reads; a draft only for its unit (staff never see drafts)."""
    try:
        submission_id = int(submission_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    submission = db.session.scalar(select(RectificationSubmission).where(
        RectificationSubmission.id == submission_id, permissions.submissions_clause(actor),
        RectificationSubmission.finding_id.in_(permissions.findings_query(actor).with_only_columns(Finding.id))))
    if submission is None:
        raise NotFound()
    return submission


# ---------------------------------------------------------------- the checks

def _require_unit_of(actor, finding: Finding) -> None:
    if actor is None or not permissions.is_unit_user(actor):
        raise PermissionDenied("整改报告由责任单位填报和提交，编办工作人员不能代为办理。")
    if not permissions.is_responsible_unit_user(actor, finding) or finding.notice_id is None:
        raise NotFound()


def check_draft(actor, finding: Finding) -> None:
    """May ``actor`` write (and submit) a report on ``finding`` now?"""
    _require_unit_of(actor, finding)
    require_open(finding.case)
    if not rectification.allows("submit", finding):
        if finding.rectification_status == R.SUBMITTED.value:
            raise InvalidInput({"_": f"{_what(finding)}的整改报告已提交，正在等待编办审核，审核前不能再修改或提交。"})
        label = finding.rectification_label
        raise InvalidInput({"_": f"{_what(finding)}当前为“{label}”，不需要再填报整改报告。"})


check_submit = check_draft


def check_remove_evidence(actor, file: EvidenceFile) -> None:
    submission = file.submission
    check_draft(actor, submission.finding)
    if submission.status != S.DRAFT.value:
        raise InvalidInput({"files": "已提交的整改报告的佐证材料不能删除。"})


def _may_read(actor, finding: Finding) -> bool:
    return db.session.scalar(
        permissions.findings_query(actor).where(Finding.id == finding.id).with_only_columns(Finding.id)
    ) is not None


def check_review(actor, submission: RectificationSubmission) -> None:
    """May ``actor`` accept or return ``submission`` now? A decided one is :class:`AlreadyDecided`."""
    finding = submission.finding
    case = finding.case
    if not permissions.may_write(actor, case):
        if not _may_read(actor, finding):
            raise NotFound()
        if permissions.is_unit_user(actor):
            raise PermissionDenied("整改报告由编办审核验收，单位不能自行验收或退回。")
        raise PermissionDenied()
    if submission.status == S.DRAFT.value:
        raise NotFound()  # a draft is the unit's own: staff never see it
    if submission.status != S.SUBMITTED.value:
        who = submission.reviewed_by.label if submission.reviewed_by else "他人"
        at = f"{to_beijing(submission.reviewed_at):%Y-%m-%d %H:%M}" if submission.reviewed_at else ""
        raise AlreadyDecided(
            f"{_what(finding)}第 {submission.round} 轮整改报告已于 {at} 由 {who} 审核"
            f"（{submission.status_enum.raw_label}），不能重复审核。")
    require_open(case)
    if not rectification.allows("return", finding):  # accepting or returning: only a finding under review
        label = finding.rectification_label
        raise InvalidInput({"_": f"{_what(finding)}当前为“{label}”，不能审核整改报告。"})


# ---------------------------------------------------------------- drafts

def _lock(obj) -> None:
    """Re-read ``obj``'s row, locked until the transaction ends (PostgreSQL; SQLite locks on write)."""
    db.session.refresh(obj, with_for_update=True)


def draft_for(actor, finding: Finding) -> RectificationSubmission:
    """The unit's current draft on ``finding``, or a new one not yet in the session (next round)."""
    check_draft(actor, finding)
    draft = db.session.scalar(select(RectificationSubmission).where(
        RectificationSubmission.finding_id == finding.id, RectificationSubmission.status == S.DRAFT.value))
    if draft is not None:
        return draft
    last = db.session.scalar(
        select(func.max(RectificationSubmission.round)).where(RectificationSubmission.finding_id == finding.id))
    # finding_id only (not the relationship): the unsaved draft must not join finding.submissions
    return RectificationSubmission(finding_id=finding.id, round=(last or 0) + 1, status=S.DRAFT.value,
                                   measures="", result="", evidence=[])


def _texts(data: dict, errors: v.Errors, *, required: bool) -> dict:
    out = {}
    for key, label in (("measures", "整改措施"), ("result", "整改结果")):
        if key in data or required:
            out[key] = v.text(data, key, errors, label, required=required, max_len=TEXT_MAX) or ""
    return out


def _persist(actor, draft: RectificationSubmission) -> None:
    if draft.id is None:
        draft.created_by_id = actor.id if actor is not None else None
        db.session.add(draft)
        db.session.flush()
        db.session.expire(draft.finding, ["submissions"])


def save_draft(actor, finding: Finding, data: dict | None = None, uploads=()) -> RectificationSubmission:
    """Keep the unit's report as a draft: 整改措施 ``measures``, 整改结果 ``result`` (both may still be
    empty) and any new evidence files."""
    _lock(finding)
    draft = draft_for(actor, finding)
    data = data or {}
    if draft.id is not None:
        check_version(draft, data.get("version"), "整改报告草稿")
    errors = v.Errors()
    texts = _texts(data, errors, required=False)
    uploads = evidence.chosen(uploads)
    if any(evidence.bad_name(u.filename) for u in uploads):
        errors.add(evidence.FIELD, evidence.BAD_NAME)
    if errors:
        raise InvalidInput(errors)
    _persist(actor, draft)
    for key, value in texts.items():
        setattr(draft, key, value)
    added = evidence.attach(actor, draft, uploads)
    _flush_versioned("整改报告草稿")
    audit.record("submission.draft", "submission", draft.id, actor=actor, details={
        "finding_id": finding.id, "round": draft.round, "files_added": len(added)})
    return draft


def discard_draft(actor, finding: Finding) -> bool:
    """The finding was settled (accepted or waived) while the unit had an unsubmitted draft: the draft can
    never be submitted, so it goes with its files (a draft is the unit's unfinished work, not evidence
    given to the office; submitted rounds are always kept). Audited as ``submission.discard``."""
    draft = db.session.scalar(select(RectificationSubmission).where(
        RectificationSubmission.finding_id == finding.id, RectificationSubmission.status == S.DRAFT.value))
    if draft is None:
        return False
    for file in list(draft.evidence):
        evidence.remove(actor, file)
    audit.record("submission.discard", "submission", draft.id, actor=actor,
                 details={"finding_id": finding.id, "round": draft.round, "reason": "问题已销号或免于整改"})
    db.session.delete(draft)
    db.session.flush()
    db.session.expire(finding, ["submissions"])
    return True


def remove_evidence(actor, file: EvidenceFile) -> RectificationSubmission:
    """Take a file off the unit's draft (row now, file when the transaction commits)."""
    submission = file.submission
    _lock(submission.finding)
    check_remove_evidence(actor, file)
    evidence.remove(actor, file)
    return submission


# ---------------------------------------------------------------- submit

def submit(actor, finding: Finding, data: dict | None = None, uploads=(), version=None) -> RectificationSubmission:
    """Submit the unit's report: the draft (with ``data`` and ``uploads`` applied) needs 整改措施,
    整改结果 and at least one evidence file. The finding then waits for review."""
    _lock(finding)
    draft = draft_for(actor, finding)
    data = data or {}
    if draft.id is not None:
        check_version(draft, version if version is not None else data.get("version"), "整改报告草稿")
    errors = v.Errors()
    texts = _texts({"measures": draft.measures, "result": draft.result, **data}, errors, required=True)
    uploads = evidence.chosen(uploads)
    if not uploads and not draft.evidence:
        errors.add(evidence.FIELD, "请至少上传一份佐证材料（整改文件、照片、台账等）。")
    if any(evidence.bad_name(u.filename) for u in uploads):
        errors.add(evidence.FIELD, evidence.BAD_NAME)
    if errors:
        raise InvalidInput(errors)
    _persist(actor, draft)
    draft.measures, draft.result = texts["measures"], texts["result"]
    evidence.attach(actor, draft, uploads)

    move = rectification.move("submit")
    source = finding.rectification_status
    draft.status = S.SUBMITTED.value
    draft.submitted_by_id = actor.id
    draft.submitted_at, draft.submitted_on, draft.due_on = utcnow(), beijing_today(), finding.due_on
    finding.rectification_status = move.target.value
    _flush_versioned(_what(finding))
    # a report is in: whether it came in time is fixed now, so a request for more time is moot
    extensions.lapse_pending(actor, finding, "单位已提交整改报告，延期申请不再审批。")
    case = finding.case
    late = "（逾期提交）" if draft.submitted_on > draft.due_on else ""
    timeline.record(
        case, "submission_submit",
        f"{finding.responsible_unit.name}提交{_what(finding)}第 {draft.round} 轮整改报告{late}",
        actor=actor, finding=finding, audit_type="submission", audit_id=draft.id,
        changes={"rectification_status": [source, move.target.value]},
        details={"round": draft.round, "files": len(draft.evidence), "due_on": draft.due_on.isoformat(),
                 "submitted_on": draft.submitted_on.isoformat()},
    )
    timeline.tell(timeline.case_people(case), actor, "case", f"督查事项 {case.number} 有整改报告待审核",
                  timeline.finding_link(finding))
    return draft


# ---------------------------------------------------------------- review

def review(actor, submission: RectificationSubmission, decision, comment=None, version=None) -> RectificationSubmission:
    """Accept (验收通过: the finding is 销号) or return (退回, a comment is required) a submitted report.
    A return gives the finding a new deadline, ``RECTIFICATION_RETURN_WORKING_DAYS`` working days from today,
    unless the deadline in force is later (it is kept: a return never shortens the time the unit was given)."""
    _lock(submission)
    check_review(actor, submission)
    check_version(submission, version, "该整改报告")
    decision = (str(decision or "")).strip()
    errors = v.Errors()
    if decision not in DECISIONS:
        errors.add("decision", "请选择审核结果：通过验收（accept）或退回（return）。")
    text = v.text({"comment": comment}, "comment", errors, "审核意见", required=decision == "return",
                  max_len=COMMENT_MAX)
    if decision == "return" and "comment" in errors:
        errors["comment"] = "退回整改报告须填写审核意见，说明需要补充或改正的内容。"
    if errors:
        raise InvalidInput(errors)
    finding, case = submission.finding, submission.finding.case
    source = finding.rectification_status
    submission.reviewed_by_id, submission.reviewed_at = actor.id if actor else None, utcnow()
    submission.review_comment = text
    if decision == "accept":
        move = rectification.move("accept")
        submission.status = S.ACCEPTED.value
        finding.rectification_status = move.target.value
        finding.accepted_at, finding.accepted_by_id, finding.acceptance_comment = (
            submission.reviewed_at, submission.reviewed_by_id, text)
        summary = f"{_what(finding)}第 {submission.round} 轮整改报告验收通过，问题销号"
        details = {"round": submission.round}
        settled(actor, finding)
    else:
        move = rectification.move("return")
        today = beijing_today()
        days = int(current_app.config["RECTIFICATION_RETURN_WORKING_DAYS"])
        deadline = workdays.add_working_days(today, days, office_id=case.office_id)
        submission.status = S.RETURNED.value
        finding.rectification_status = move.target.value
        # never earlier than the deadline in force: a unit that reported early keeps the time it was given
        if finding.due_on is None or deadline.due_on > finding.due_on:
            finding.due_on, finding.is_due_provisional = deadline.due_on, deadline.is_provisional
            finding.due_counted_from_on, finding.due_working_days = today, days
        submission.returned_due_on = finding.due_on
        summary = (f"退回{_what(finding)}第 {submission.round} 轮整改报告，整改期限 {finding.due_on:%Y-%m-%d}"
                   + ("（暂定）" if finding.is_due_provisional else ""))
        details = {"round": submission.round, "due_on": finding.due_on.isoformat(),
                   "is_provisional": finding.is_due_provisional, "working_days": days}
    _flush_versioned(f"{_what(finding)}的整改报告")
    timeline.record(case, f"submission_{move.name}", summary, actor=actor, finding=finding,
                    audit_type="submission", audit_id=submission.id,
                    changes={"rectification_status": [source, move.target.value]},
                    details={**details, **({"comment": text} if text else {})})
    timeline.tell(timeline.unit_users(finding.responsible_unit_id), actor, "rectification",
                  f"督查事项 {case.number} 有新的整改事项动态", timeline.finding_link(finding))
    return submission
