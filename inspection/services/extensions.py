"""Extension requests (延期申请): the responsible unit asks for more time on a finding with a reason; an
inspector of the case's office approves with a new date (the finding's deadline moves) or refuses with
a reason. Every request is kept, so the finding's history shows them all.

Rules (the ``check_*`` functions; the actions run them and the pages ask ``allowed(check, …)``):

- only a user of the finding's responsible unit asks (staff who read the finding: 403; anyone else never
  loads it: 404), for a finding that was sent to it, needs rectification and is 待整改 or 退回 (not while a
  report waits for review, not once accepted or waived), in a case neither closed nor dismissed, and only
  when no other request of the finding is pending;
- the requested date is a real date later than the deadline in force and not before today, and at most
  :data:`MAX_EXTENSION_DAYS` days after the deadline;
- staff who may change the case (``permissions.may_write``: cases.manage, own office) decide; a decided
  request is not decided again (:class:`AlreadyDecided`, 409 in the API); the finding must still be open.
  Approving sets ``due_on`` to the granted date (by default the requested one), which is no longer
  provisional nor counted in working days (a recomputation of provisional deadlines leaves it alone).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from portal.extensions import db
from portal.registry.services import validation as v
from portal.timeutil import beijing_today, utcnow

from inspection import permissions, rectification
from inspection.models import Case, ExtensionRequest, ExtensionStatus, Finding, RectificationStatus as R
from inspection.services import timeline
from inspection.services.common import require_open
from inspection.services.findings import allowed

TEXT_MAX = 2000
MAX_EXTENSION_DAYS = 366  # a request (or grant) further than a year past the current deadline is refused


class AlreadyDecided(ServiceError):
    """The request was decided already (by someone else, or a second click): 409 in the API."""

    status = 409
    code = "conflict"

    def __init__(self, request: ExtensionRequest):
        if request.status == ExtensionStatus.LAPSED.value:
            super().__init__(f"该延期申请已失效：{request.decision_comment or '问题已销号或免于整改，延期申请不再审批。'}")
        else:
            super().__init__(f"该延期申请已于此前审批（{request.status_enum.raw_label}），不能再次审批。")



def _has_pending(finding: Finding) -> bool:
    return bool(db.session.scalar(select(exists().where(
        ExtensionRequest.finding_id == finding.id, ExtensionRequest.status == ExtensionStatus.PENDING.value))))


# ---------------------------------------------------------------- the checks

def check_request(actor, finding: Finding) -> None:
    """May ``actor`` ask for an extension of ``finding`` now? Raises the refusal otherwise."""
    if not permissions.is_responsible_unit_user(actor, finding):
        raise PermissionDenied("延期申请须由责任单位提出。")
    if finding.notice_id is None or not finding.needs_rectification or finding.due_on is None:
        raise InvalidInput({"_": f"问题{finding.seq}没有整改期限，无需申请延期。"})
    require_open(finding.case)
    if finding.rectification_status not in rectification.OPEN_STATES:
        if finding.rectification_status == R.SUBMITTED.value:
            raise InvalidInput({"_": f"问题{finding.seq}的整改报告正在等待审核，审核期间不能申请延期。"})
        label = finding.rectification_label
        raise InvalidInput({"_": f"问题{finding.seq}当前为“{label}”，不能申请延期。"})
    if _has_pending(finding):
        raise InvalidInput({"_": f"问题{finding.seq}已有待审批的延期申请，请等待审批结果后再申请。"})


def check_decide(actor, request: ExtensionRequest) -> None:
    """May ``actor`` decide ``request`` now? Raises the refusal otherwise."""
    finding = request.finding
    case = finding.case
    if not permissions.may_write(actor, case):
        if actor is not None and permissions.is_staff(actor) and case.office_id != actor.office_id:
            raise PermissionDenied("该督查事项由下级编办办理，您只能查看延期申请。")
        raise PermissionDenied("延期申请由办理该督查事项的编办审批。")
    if request.status != ExtensionStatus.PENDING.value:
        raise AlreadyDecided(request)
    require_open(case)
    if finding.rectification_status in rectification.SETTLED_STATES or not finding.needs_rectification:
        label = finding.rectification_label
        raise InvalidInput({"_": f"问题{finding.seq}已“{label}”，延期申请不再审批。"})
    if finding.rectification_status not in rectification.OPEN_STATES:
        # a report waits for review: its timeliness was fixed when it was submitted (see rectification.py)
        raise InvalidInput({"_": f"问题{finding.seq}的整改报告已提交，正在审核，延期申请不再审批。"})


# ---------------------------------------------------------------- parsing

def _new_date(data: dict, key: str, errors: v.Errors, label: str, current: date, *, required: bool) -> date | None:
    """A date later than ``current``, not before today, at most a year after ``current``."""
    value = v.a_date(data, key, errors, label, required=required)
    if value is None:
        return None
    if value <= current:
        errors.add(key, f"延期后的期限须晚于当前期限（{current:%Y-%m-%d}）")
    elif value < beijing_today():
        errors.add(key, f"{label}不能早于今天（{beijing_today():%Y-%m-%d}）。")
    elif value > current + timedelta(days=MAX_EXTENSION_DAYS):
        errors.add(key, f"{label}不能晚于当前期限后一年（{current + timedelta(days=MAX_EXTENSION_DAYS):%Y-%m-%d}）。")
    return value


# ---------------------------------------------------------------- the actions

def request_extension(actor, finding: Finding, data: dict) -> ExtensionRequest:
    """The unit asks to move ``finding``'s deadline to ``data["requested_due_on"]`` for ``data["reason"]``."""
    check_request(actor, finding)
    # the finding's row lock (PostgreSQL) serialises requests of one finding: one pending at a time
    db.session.refresh(finding, with_for_update=True)
    check_request(actor, finding)
    current = finding.due_on
    errors = v.Errors()
    requested = _new_date(data, "requested_due_on", errors, "延期后的期限", current, required=True)
    reason = v.text(data, "reason", errors, "延期理由", required=True, max_len=TEXT_MAX)
    if errors:
        raise InvalidInput(errors)
    request = ExtensionRequest(
        finding_id=finding.id, status=ExtensionStatus.PENDING.value, current_due_on=current,
        requested_due_on=requested, reason=reason, requested_by_id=actor.id, requested_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    db.session.expire(finding, ["extension_requests"])
    case = finding.case
    timeline.record(
        case, "extension_request",
        f"{finding.responsible_unit.name}申请问题{finding.seq}延期：{current:%Y-%m-%d} → {requested:%Y-%m-%d}",
        actor=actor, finding=finding, audit_type="extension", audit_id=request.id,
        details={"finding_id": finding.id, "current_due_on": current.isoformat(),
                 "requested_due_on": requested.isoformat(), "reason": reason},
    )
    timeline.tell(timeline.case_people(case), actor, "extension", f"督查事项 {case.number} 有延期申请待审批",
                  timeline.finding_link(finding))
    return request


def decide_extension(actor, request: ExtensionRequest, *, approve: bool, due_on=None,
                     comment: str | None = None) -> ExtensionRequest:
    """Approve (the deadline moves to ``due_on``, by default the requested date) or refuse (``comment``
    required) a pending request."""
    check_decide(actor, request)
    # the request's row lock (PostgreSQL): of two deciders, the second waits and then sees it decided
    db.session.refresh(request, with_for_update=True)
    check_decide(actor, request)
    finding, case = request.finding, request.finding.case
    errors = v.Errors()
    text = v.text({"comment": comment}, "comment", errors, "审批意见", max_len=TEXT_MAX)
    if not approve and not text:
        errors.add("comment", "不同意延期时须填写理由。")
    granted = None
    if approve:
        floor = max(request.current_due_on, finding.due_on or request.current_due_on)
        given = {"due_on": due_on if due_on not in (None, "") else request.requested_due_on}
        granted = _new_date(given, "due_on", errors, "批准的期限", floor, required=True)
    if errors:
        raise InvalidInput(errors)
    request.status = (ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED).value
    request.decision_comment = text
    request.decided_by_id = actor.id if actor is not None else None
    request.decided_at = utcnow()
    old_due = finding.due_on
    if approve:
        request.granted_due_on = granted
        finding.due_on = granted
        finding.is_due_provisional = False
        finding.due_counted_from_on = None
        finding.due_working_days = None
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise InvalidInput({"version": f"问题{finding.seq}的延期申请刚被他人处理，您的审批未保存。请刷新后查看。"}) from None
    details = {"finding_id": finding.id, "current_due_on": request.current_due_on.isoformat(),
               "requested_due_on": request.requested_due_on.isoformat(), **({"comment": text} if text else {})}
    if approve:
        timeline.record(case, "extension_approve",
                        f"同意问题{finding.seq}延期至 {granted:%Y-%m-%d}" + (f"：{text}" if text else ""),
                        actor=actor, finding=finding, audit_type="extension", audit_id=request.id,
                        details={**details, "granted_due_on": granted.isoformat()})
        audit.record("finding.deadline_moved", "finding", finding.id,
                     changes={"due_on": [old_due.isoformat() if old_due else None, granted.isoformat()]},
                     details={"case_id": case.id, "number": case.number, "finding_seq": finding.seq,
                              "extension_id": request.id},
                     actor=actor, actor_name=None if actor is not None else timeline.actor_name(actor))
        subject = f"督查事项 {case.number} 的延期申请已同意"
    else:
        timeline.record(case, "extension_refuse", f"不同意问题{finding.seq}延期：{text}", actor=actor,
                        finding=finding, audit_type="extension", audit_id=request.id, details=details)
        subject = f"督查事项 {case.number} 的延期申请未获同意"
    timeline.tell(timeline.unit_users(finding.responsible_unit_id), actor, "extension", subject,
                  timeline.finding_link(finding))
    return request


def lapse_pending(actor, finding: Finding, why: str) -> int:
    """The finding was settled (accepted or waived) with a request still pending: the request lapses
    (已失效, ``why`` as its comment) instead of waiting for a decision that can no longer be made."""
    lapsed = 0
    for request in finding.extension_requests:
        if request.status != ExtensionStatus.PENDING.value:
            continue
        request.status = ExtensionStatus.LAPSED.value
        request.decision_comment = why
        request.decided_by_id = actor.id if actor is not None else None
        request.decided_at = utcnow()
        audit.record("extension.lapse", "extension", request.id, details={"finding_id": finding.id, "reason": why},
                     actor=actor, actor_name=None if actor is not None else timeline.actor_name(actor))
        lapsed += 1
    return lapsed


# ---------------------------------------------------------------- reading

def request_query(actor):
    """Extension requests of the findings ``actor`` may read (``permissions.findings_query``)."""
    return select(ExtensionRequest).where(
        ExtensionRequest.finding_id.in_(permissions.findings_query(actor).with_only_columns(Finding.id)))


def get_request_or_404(actor, request_id: int) -> ExtensionRequest:
    request = db.session.scalar(request_query(actor).where(ExtensionRequest.id == request_id))
    if request is None:
        raise NotFound()
    return request


def history(finding: Finding) -> list[ExtensionRequest]:
    """Every request of ``finding``, newest first, with who asked and who decided (one query)."""
    return list(db.session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.finding_id == finding.id)
        .options(selectinload(ExtensionRequest.requested_by), selectinload(ExtensionRequest.decided_by))
        .order_by(ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
    ))


def pending_query(actor):
    """Pending requests of open findings in the cases ``actor`` may change, oldest first (the staff list)."""
    writable = permissions.cases_query(actor, for_write=True).with_only_columns(Case.id)
    return (
        select(ExtensionRequest).join(Finding, Finding.id == ExtensionRequest.finding_id)
        .where(ExtensionRequest.status == ExtensionStatus.PENDING.value, Finding.case_id.in_(writable),
               rectification.open_clause())
        .options(joinedload(ExtensionRequest.finding).joinedload(Finding.case),
                 joinedload(ExtensionRequest.finding).joinedload(Finding.responsible_unit),
                 joinedload(ExtensionRequest.requested_by))
        .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)
    )


@dataclass
class ExtensionPanel:
    """What the finding page shows of extension requests: the history and, for whom it applies, a form."""

    finding: Finding
    history: list[ExtensionRequest] = field(default_factory=list)
    pending: ExtensionRequest | None = None
    is_unit: bool = False
    may_request: bool = False
    request_blocked: str | None = None  # why the unit may not ask now (shown to the unit only)
    may_decide: bool = False

    @cached_property
    def request_form(self):
        from inspection.forms.extensions import ExtensionRequestForm

        return ExtensionRequestForm(formdata=None) if self.may_request else None

    @cached_property
    def decision_form(self):
        from inspection.forms.extensions import ExtensionDecisionForm

        if not self.may_decide:
            return None
        return ExtensionDecisionForm(formdata=None, data={"due_on": self.pending.requested_due_on.isoformat()})


def _refusal(check, *args) -> str | None:
    try:
        check(*args)
    except ServiceError as exc:
        return exc.message
    return None


def panel(actor, finding):
    """What the finding page shows of extension requests (history, forms); None when nothing to show."""
    rows = history(finding)
    is_unit = permissions.is_responsible_unit_user(actor, finding)
    if not rows and not (finding.needs_rectification and finding.notice_id is not None):
        return None
    pending = next((r for r in rows if r.status == ExtensionStatus.PENDING.value), None)
    blocked = _refusal(check_request, actor, finding) if is_unit else None
    return ExtensionPanel(
        finding=finding, history=rows, pending=pending, is_unit=is_unit,
        may_request=is_unit and blocked is None, request_blocked=blocked,
        may_decide=pending is not None and allowed(check_decide, actor, pending),
    )
