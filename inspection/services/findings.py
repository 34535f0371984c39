"""Record and edit findings; accept them (销号) or waive them (免于整改, second-person approval)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.permissions import has_permission
from portal.audit import services as audit
from portal.errors import InvalidInput, PermissionDenied, ServiceError
from portal.extensions import db
from portal.registry.services import validation as v
from portal.timeutil import beijing_today, utcnow

from inspection import permissions, rectification
from inspection.models import Case, CaseStatus, Finding, IndicatorArea, RectificationStatus as R, Severity, ViolationType
from inspection.services import timeline
from inspection.services.cases import _flush_versioned
from inspection.services.common import check_version, require_open, unit_in_scope

TEXT_MAX = 5000
WORKING = (CaseStatus.VERIFYING.value, CaseStatus.RECTIFYING.value)


def _fields(case: Case, data: dict, errors: v.Errors, *, partial: bool = False) -> dict:
    out: dict = {}

    def present(key):
        return not partial or key in data

    if present("area"):
        out["area"] = v.enum(data, "area", errors, "评估指标领域", IndicatorArea, required=True)
    if present("violation_type"):
        out["violation_type"] = v.enum(data, "violation_type", errors, "问题类型", ViolationType, required=True)
    if present("description"):
        out["description"] = v.text(data, "description", errors, "问题描述", required=True, max_len=TEXT_MAX)
    if present("basis"):
        out["basis"] = v.text(data, "basis", errors, "依据", max_len=TEXT_MAX) or ""
    if present("severity"):
        out["severity"] = v.enum(data, "severity", errors, "严重程度", Severity) or Severity.MINOR.value
    if present("responsible_unit_id"):
        raw = data.get("responsible_unit_id")
        out["responsible_unit"] = (
            unit_in_scope(case.office, raw, errors, "responsible_unit_id", "责任单位") if raw not in (None, "") else case.unit
        )
    if present("needs_rectification"):
        raw = data.get("needs_rectification")
        out["needs_rectification"] = True if raw is None and not partial else v.boolean(
            data, "needs_rectification", errors, "是否需要整改")
    if present("due_on"):
        due = v.a_date(data, "due_on", errors, "整改期限")
        if due is not None and due <= beijing_today():
            errors.add("due_on", f"整改期限须晚于今天（{beijing_today():%Y-%m-%d}），“{due:%Y-%m-%d}”已过。")
        out["due_on"] = due
    if present("period_working_days"):
        raw = data.get("period_working_days")
        period = None
        if raw not in (None, ""):
            period = v.count(raw, "period_working_days", errors, "整改期限（工作日）")
            if "period_working_days" not in errors and not PERIOD_MIN <= period <= PERIOD_MAX:
                errors.add("period_working_days", f"整改期限（工作日）须在 {PERIOD_MIN} 到 {PERIOD_MAX} 个工作日之间。")
        out["period_working_days"] = period or None
        if out["period_working_days"] and out.get("due_on"):
            errors.add("period_working_days", "整改期限请只填一种：具体日期，或下发通知后的工作日数。")
    return out


PERIOD_MIN, PERIOD_MAX = 1, 250  # an own rectification period: a day to about a year of working days


def _require_working(case: Case) -> None:
    require_open(case)
    if case.status not in WORKING:
        raise InvalidInput({"_": "请先开始调查核实，再记录问题。"})


# ---------------------------------------------------------------- the checks, one per action
# Each raises the refusal the action would; the case page asks ``allowed(check, …)`` to decide which forms
# to offer, so the page and the action never disagree.

def allowed(check, *args) -> bool:
    try:
        check(*args)
    except ServiceError:
        return False
    return True


def check_add(actor, case: Case) -> None:
    if not permissions.may_write(actor, case):
        raise PermissionDenied()
    _require_working(case)


def check_edit(actor, finding: Finding) -> None:
    check_add(actor, finding.case)
    if finding.notice_id is not None:
        raise InvalidInput({"_": "该问题已随整改通知下发，内容和期限已固定，不能再修改（期限调整请走延期申请）。"})


def check_accept(actor, finding: Finding) -> rectification.Move:
    move = _check_move(actor, finding, "accept")
    if finding.notice_id is None:
        raise InvalidInput({"_": f"问题{finding.seq}尚未随整改通知下发，不能验收销号。"})
    return move


def check_request_waiver(actor, finding: Finding) -> None:
    if not permissions.may_write(actor, finding.case):
        raise PermissionDenied()
    require_open(finding.case)
    if finding.rectification_status not in rectification.OPEN_STATES:
        label = finding.rectification_label
        raise InvalidInput({"_": f"问题{finding.seq}当前为“{label}”，不能申请免于整改。"})
    if finding.is_waiver_requested:
        raise InvalidInput({"_": f"问题{finding.seq}已有待审批的免于整改申请。"})


def check_decide_waiver(actor, finding: Finding) -> rectification.Move:
    if actor is None:  # the second person must be a named user (the table's waiver_second_person check)
        raise PermissionDenied("免于整改须由具有“审批督查事项”权限的人员在系统中审批。")
    move = _check_move(actor, finding, "waive")
    if not finding.is_waiver_requested:
        raise InvalidInput({"_": f"问题{finding.seq}没有待审批的免于整改申请。"})
    if actor.id == finding.waiver_requested_by_id:
        raise PermissionDenied("免于整改须由申请人以外的人员审批。")
    return move


# ---------------------------------------------------------------- the actions

def add_finding(actor, case: Case, data: dict) -> Finding:
    check_add(actor, case)
    errors = v.Errors()
    values = _fields(case, data, errors)
    if errors:
        raise InvalidInput(errors)
    # the case row's lock (PostgreSQL) serialises numbering of findings within the case
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    seq = (db.session.scalar(select(func.max(Finding.seq)).where(Finding.case_id == case.id)) or 0) + 1
    needs = values["needs_rectification"]
    finding = Finding(
        case_id=case.id, seq=seq, area=values["area"], violation_type=values["violation_type"],
        description=values["description"], basis=values["basis"], severity=values["severity"],
        responsible_unit_id=values["responsible_unit"].id, needs_rectification=needs,
        due_on=values["due_on"] if needs else None,
        period_working_days=values.get("period_working_days") if needs else None,
        rectification_status=R.PENDING.value if needs else None,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(finding)
    db.session.flush()
    db.session.expire(case, ["findings"])  # a loaded collection would miss it (the guards read it)
    timeline.record(case, "finding_add", f"记录问题{seq}：{ViolationType(finding.violation_type).raw_label}",
                    actor=actor, finding=finding, audit_type="finding",
                    details={"area": finding.area, "violation_type": finding.violation_type,
                             "responsible_unit_id": finding.responsible_unit_id})
    return finding


def _snapshot(f: Finding) -> dict:
    return {"area": f.area, "violation_type": f.violation_type, "description": f.description, "basis": f.basis,
            "severity": f.severity, "responsible_unit_id": f.responsible_unit_id,
            "needs_rectification": f.needs_rectification, "due_on": f.due_on,
            "period_working_days": f.period_working_days}


def update_finding(actor, finding: Finding, data: dict) -> Finding:
    case = finding.case
    if not permissions.may_write(actor, case):
        raise PermissionDenied()
    check_version(finding, data.get("version"), f"问题{finding.seq}")
    check_edit(actor, finding)
    errors = v.Errors()
    values = _fields(case, data, errors, partial=True)
    if errors:
        raise InvalidInput(errors)
    before = _snapshot(finding)
    for key in ("area", "violation_type", "description", "basis", "severity"):
        if key in values and values[key] is not None:
            setattr(finding, key, values[key])
    if values.get("responsible_unit") is not None:
        finding.responsible_unit_id = values["responsible_unit"].id
    if "needs_rectification" in values:
        finding.needs_rectification = values["needs_rectification"]
        if not finding.needs_rectification:
            finding.rectification_status, finding.due_on, finding.period_working_days = None, None, None
        elif finding.rectification_status is None:
            finding.rectification_status = R.PENDING.value
    if "period_working_days" in values and values["period_working_days"] != finding.period_working_days:
        if finding.notice_id is not None:  # the notice fixed the deadline: a new one is a date (or an extension)
            raise InvalidInput({"period_working_days": "整改通知已下发，期限已确定，不能再改工作日数；如需调整请直接修改整改期限日期。"})
        finding.period_working_days = values["period_working_days"] if finding.needs_rectification else None
        if finding.period_working_days:
            finding.due_on = None  # counted when the notice is issued
    if "due_on" in values and finding.needs_rectification and (values["due_on"] or not finding.period_working_days):
        finding.due_on = values["due_on"]
        finding.is_due_provisional = False
        finding.due_counted_from_on, finding.due_working_days = None, None  # set by hand: never counted again
        if finding.due_on is not None:
            finding.period_working_days = None  # a date set by hand wins
    changes = audit.diff(before, _snapshot(finding))
    if not changes:
        return finding
    _flush_versioned(f"问题{finding.seq}")
    timeline.record(case, "finding_update", f"修改问题{finding.seq}", actor=actor, finding=finding,
                    audit_type="finding", changes=changes)
    return finding


def _check_move(actor, finding: Finding, name: str) -> rectification.Move:
    case = finding.case
    move = rectification.move(name)
    allowed = permissions.may_approve(actor, case) if move.permission == permissions.APPROVE \
        else permissions.may_write(actor, case)
    if not allowed:
        if move.permission == permissions.APPROVE and permissions.may_write(actor, case):
            raise PermissionDenied(f"“{move.label}”须由具有“审批督查事项”权限的人员审批。")
        raise PermissionDenied()
    require_open(case)
    state = R(finding.rectification_status) if finding.rectification_status else None
    if state not in move.sources:
        label = state.raw_label if state else "无需整改"
        raise InvalidInput({"_": f"问题{finding.seq}当前为“{label}”，不能{move.label}。"})
    return move


def accept(actor, finding: Finding, comment: str | None = None) -> Finding:
    """验收销号: the rectification of ``finding`` is done. A report waiting for review is decided with it
    (accepting the finding is accepting that report: the review records who, when and the comment)."""
    move = check_accept(actor, finding)
    waiting = rectification.waiting_submission(finding)
    if waiting is not None:
        from inspection.services import submissions

        submissions.review(actor, waiting, "accept", comment)
        return finding
    comment = (comment or "").strip() or None
    if comment and len(comment) > TEXT_MAX:
        raise InvalidInput({"comment": f"验收意见不能超过 {TEXT_MAX} 个字。"})
    source = finding.rectification_status
    finding.rectification_status = move.target.value
    finding.accepted_at, finding.accepted_by_id, finding.acceptance_comment = utcnow(), actor.id if actor else None, comment
    _flush_versioned(f"问题{finding.seq}")
    timeline.record(finding.case, "finding_accept", f"问题{finding.seq}验收销号", actor=actor, finding=finding,
                    audit_type="finding", changes={"rectification_status": [source, move.target.value]})
    settled(actor, finding)
    return finding


def settled(actor, finding: Finding) -> None:
    """What follows a finding's settlement (accepted or waived): pending extension requests lapse and the
    unit's unsubmitted draft goes (neither can be acted on any more)."""
    from inspection.services import extensions, submissions

    extensions.lapse_pending(actor, finding, f"问题已{finding.rectification_enum.raw_label}，延期申请不再审批。")
    submissions.discard_draft(actor, finding)


def request_waiver(actor, finding: Finding, reason) -> Finding:
    """Propose 免于整改 with a reason; someone else holding ``cases.approve`` decides."""
    case = finding.case
    check_request_waiver(actor, finding)
    errors = v.Errors()
    text = v.text({"reason": reason}, "reason", errors, "免于整改理由", required=True, max_len=TEXT_MAX)
    if errors:
        raise InvalidInput(errors)
    finding.waiver_reason = text
    finding.waiver_requested_by_id = actor.id if actor else None
    finding.waiver_requested_at = utcnow()
    _flush_versioned(f"问题{finding.seq}")
    timeline.record(case, "waiver_request", f"申请问题{finding.seq}免于整改：{text}", actor=actor, finding=finding,
                    audit_type="finding", details={"reason": text})
    approvers = [u for u in db.session.scalars(
        select(User).where(User.office_id == case.office_id, User.is_enabled.is_(True))
        .options(selectinload(User.permission_overrides)))  # one query for everyone's grants
        if has_permission(u, permissions.APPROVE)]
    timeline.tell(approvers, actor, "case", f"督查事项 {case.number} 有免于整改申请待审批", timeline.case_link(case))
    return finding


def decide_waiver(actor, finding: Finding, *, approve: bool, comment: str | None = None) -> Finding:
    """Approve (→ waived) or refuse a pending waiver request; never by the person who asked."""
    move = check_decide_waiver(actor, finding)
    case = finding.case
    comment = (comment or "").strip() or None
    if not approve and not comment:
        raise InvalidInput({"comment": "不同意免于整改时须填写意见。"})
    if comment and len(comment) > TEXT_MAX:
        raise InvalidInput({"comment": f"审批意见不能超过 {TEXT_MAX} 个字。"})
    source = finding.rectification_status
    if approve:
        finding.rectification_status = move.target.value
        finding.waiver_approved_by_id, finding.waiver_approved_at = actor.id if actor else None, utcnow()
        summary = f"同意问题{finding.seq}免于整改" + (f"：{comment}" if comment else "")
        changes = {"rectification_status": [source, move.target.value]}
        settled(actor, finding)
    else:
        finding.waiver_requested_at, finding.waiver_requested_by_id, finding.waiver_reason = None, None, None
        summary = f"不同意问题{finding.seq}免于整改：{comment}"
        changes = None
    _flush_versioned(f"问题{finding.seq}")
    timeline.record(case, "waiver_approve" if approve else "waiver_refuse", summary, actor=actor, finding=finding,
                    audit_type="finding", changes=changes, details={"comment": comment} if comment else None)
    timeline.tell(timeline.case_people(case), actor, "case", f"督查事项 {case.number} 免于整改申请已审批",
                  timeline.case_link(case))
    return finding
