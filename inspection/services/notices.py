"""Issue rectification notices (整改通知书 / 补充整改通知) and sign for them (签收).

Issuing numbers the notice per office and year, puts on it every finding of the case that needs
rectification and is not yet on a notice, fixes their deadlines (a working-day count from the issue
date where none was set), and delivers it to each responsible unit, which sees only its own findings.
The first notice moves the case from ``verifying`` to ``rectifying``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.registry.services import validation as v
from portal.timeutil import beijing_today, to_beijing, utcnow

from inspection import lifecycle, numbering, permissions, workdays
from inspection.models import CaseStatus, Finding, NoticeDelivery, NoticeKind, RectificationNotice
from inspection.services import timeline
from inspection.services.common import require_open

REQUIREMENTS_MAX = 5000


def default_requirements(case) -> str:
    return ("经调查核实，你单位存在以下机构编制问题。请按照“一事一账、全程留痕”的要求逐项整改，"
            "在整改期限内通过本系统报送整改报告和佐证材料。逾期未完成整改的，将暂停受理你单位机构编制事项。")


@dataclass(frozen=True)
class PlannedItem:
    finding: Finding
    due_on: date
    is_provisional: bool
    is_set_by_hand: bool  # the finding had its own date; otherwise counted in working days
    is_past: bool  # the deadline has come or passed: issuing is refused
    working_days: int | None = None  # the count (the finding's own period, or the default); None: by hand


@dataclass
class NoticePlan:
    """What the next notice of a case will hold: the issuing page shows it, ``issue`` issues it."""
    items: list[PlannedItem]
    kind: NoticeKind  # 整改通知 or 补充整改通知
    moves_case: bool  # issuing moves the case to 整改中 (the first notice, or the first after re-opening)
    state_error: str | None  # the case's state does not allow a notice
    working_days: int
    default_due: workdays.Deadline  # the deadline of findings without their own
    today: date

    @property
    def has_past_due(self) -> bool:
        return any(item.is_past for item in self.items)

    @property
    def can_issue(self) -> bool:
        return self.state_error is None and bool(self.items) and not self.has_past_due

    @property
    def unit_names(self) -> list[str]:
        seen: dict[int, str] = {}
        for item in self.items:
            seen.setdefault(item.finding.responsible_unit_id, item.finding.responsible_unit.name)
        return [seen[k] for k in sorted(seen)]


ISSUABLE_STATES = (CaseStatus.VERIFYING.value, CaseStatus.RECTIFYING.value)


def unnoticed(case) -> list[Finding]:
    """The findings the next notice lists: needing rectification, not yet on a notice, not settled."""
    return [f for f in case.findings if f.needs_rectification and f.notice_id is None
            and f.rectification_status is not None and not f.is_settled]


def plan(case) -> NoticePlan:
    """The findings the next notice lists (needing rectification, not yet on a notice, not settled) and the
    deadline each gets: its own date, or its own period, or ``RECTIFICATION_WORKING_DAYS`` working days from today."""
    today = beijing_today()
    period = int(current_app.config["RECTIFICATION_WORKING_DAYS"])
    default = workdays.add_working_days(today, period, office_id=case.office_id)
    listed = unnoticed(case)
    items = []
    for f in listed:
        if f.due_on is not None:
            items.append(PlannedItem(f, f.due_on, bool(f.is_due_provisional), True, f.due_on <= today))
        elif f.period_working_days:  # the inspector gave this finding its own period
            own = workdays.add_working_days(today, f.period_working_days, office_id=case.office_id)
            items.append(PlannedItem(f, own.due_on, own.is_provisional, False, False, f.period_working_days))
        else:
            items.append(PlannedItem(f, default.due_on, default.is_provisional, False, False, period))
    state_error = None
    if case.status not in ISSUABLE_STATES:
        state_error = f"当前状态（{case.status_enum.raw_label}）不能下发整改通知。"
    return NoticePlan(
        items=items, kind=NoticeKind.SUPPLEMENTARY if _has_notice(case) else NoticeKind.INITIAL,
        moves_case=case.status == CaseStatus.VERIFYING.value, state_error=state_error,
        working_days=period, default_due=default, today=today,
    )


def issue(actor, case, *, requirements: str | None = None) -> RectificationNotice:
    if not permissions.may_write(actor, case):
        raise PermissionDenied()
    require_open(case)
    planned = plan(case)
    if planned.state_error:
        raise InvalidInput({"_": planned.state_error})
    if not planned.items:
        raise InvalidInput({"_": "没有需要整改且尚未通知的问题，不能下发整改通知。"})
    if planned.moves_case and not lifecycle.may(actor, lifecycle.by_name("issue_notice"), case):
        raise PermissionDenied()
    errors = v.Errors()
    text = v.text({"requirements": requirements}, "requirements", errors, "整改要求", max_len=REQUIREMENTS_MAX)
    for item in planned.items:
        if item.is_past:
            errors.add(f"findings.{item.finding.seq}.due_on",
                       f"问题{item.finding.seq}的整改期限（{item.due_on:%Y-%m-%d}）已到或已过，请先修改期限。")
    if errors:
        raise InvalidInput(errors)
    listed = [item.finding for item in planned.items]
    today = planned.today
    year = today.year
    seq = numbering.allocate(case.office_id, year, numbering.NOTICE)
    notice = RectificationNotice(
        case_id=case.id, office_id=case.office_id,
        kind=planned.kind.value,
        number=numbering.format_number(case.office.short_name, current_app.config["NOTICE_NUMBER_WORD"], year, seq),
        number_year=year, number_seq=seq, requirements=text or default_requirements(case),
        issued_at=utcnow(), issued_by_id=actor.id if actor else None, issued_by_name=timeline.actor_name(actor),
    )
    db.session.add(notice)
    db.session.flush()
    for item in planned.items:
        item.finding.due_on, item.finding.is_due_provisional = item.due_on, item.is_provisional
        # how a counted deadline was counted, so a schedule entered later can count it again
        item.finding.due_counted_from_on, item.finding.due_working_days = (
            (None, None) if item.is_set_by_hand else (today, item.working_days))
        item.finding.notice_id = notice.id
    unit_ids = sorted({f.responsible_unit_id for f in listed})
    for unit_id in unit_ids:
        db.session.add(NoticeDelivery(notice_id=notice.id, unit_id=unit_id))
    db.session.flush()
    summary = f"下发{notice.kind_enum.raw_label} {notice.number}（问题" + "、".join(str(f.seq) for f in listed) + "）"
    if planned.moves_case:
        from inspection.services.cases import mark_rectifying

        mark_rectifying(actor, case, summary)
    else:
        timeline.record(case, "supplementary_notice", summary, actor=actor)
    for delivery in notice.deliveries:
        link = url_for("inspection.show_delivery", delivery_id=delivery.id) if has_request_context() else None
        timeline.tell(timeline.unit_users(delivery.unit_id), actor, "notice",
                      f"您单位收到{notice.kind_enum.raw_label} {notice.number}，请签收", link)
    timeline.tell(timeline.case_people(case), actor, "case", f"督查事项 {case.number} 已下发 {notice.number}",
                  timeline.case_link(case))
    return notice


def _has_notice(case) -> bool:
    return db.session.scalar(
        select(RectificationNotice.id).where(RectificationNotice.case_id == case.id).limit(1)
    ) is not None


def sign(actor, delivery: NoticeDelivery) -> NoticeDelivery:
    """签收: a user of the receiving unit acknowledges the notice; the time is recorded once."""
    if actor is None or not permissions.is_unit_user(actor) or actor.unit_id != delivery.unit_id:
        raise PermissionDenied("只有收文单位的人员可以签收。")
    if delivery.is_signed:
        raise InvalidInput({"_": f"该通知已于 {to_beijing(delivery.signed_at):%Y-%m-%d %H:%M} 由 {delivery.signed_by_name} 签收。"})
    delivery.signed_at, delivery.signed_by_id, delivery.signed_by_name = utcnow(), actor.id, actor.label[:100]
    db.session.flush()
    notice = delivery.notice
    timeline.record(notice.case, "notice_sign", f"{delivery.unit.name}签收 {notice.number}", actor=actor,
                    audit_type="notice", audit_id=notice.id, details={"unit_id": delivery.unit_id})
    timeline.tell(timeline.case_people(notice.case), actor, "case", f"{notice.number} 已签收",
                  timeline.case_link(notice.case))
    return delivery
