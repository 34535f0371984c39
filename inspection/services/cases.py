"""Open, edit and move cases along the lifecycle table; internal notes."""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from portal.audit import services as audit
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.registry.models import Office
from portal.registry.services import validation as v
from portal.timeutil import beijing_today, utcnow

from inspection import lifecycle, numbering, permissions
from inspection.models import Case, CaseMember, CaseNote, CaseSource, CaseStatus
from inspection.services import timeline
from inspection.services.common import check_version, inspector_of, office_inspectors, require_open, unit_in_scope

NO_CASE_RIGHTS = "您没有办理督查事项的权限。"
TITLE_MAX, TEXT_MAX, REF_MAX, NOTE_MAX, REASON_MAX = 200, 20000, 200, 5000, 2000


def _office_for(actor, data: dict) -> Office:
    if actor is not None:
        if not permissions.may_open_cases(actor):
            raise PermissionDenied(NO_CASE_RIGHTS)
        return actor.office
    office = db.session.get(Office, int(data.get("office_id") or 0)) if data.get("office_id") else None
    if office is None:
        raise InvalidInput({"office_id": "请指定立案的编办。"})
    return office


def _team(office, raw, errors: v.Errors) -> list:
    if raw in (None, ""):
        return []
    if isinstance(raw, (str, int)):
        raw = [part for part in str(raw).replace("，", ",").split(",") if part.strip()]
    if not isinstance(raw, (list, tuple)):
        errors.add("team_ids", "办理组成员格式不正确。")
        return []
    team = []
    for index, item in enumerate(raw):
        user = inspector_of(office, item, errors, "team_ids", f"第 {index + 1} 位办理组成员")
        if user is not None and user not in team:
            team.append(user)
    return team


def _fields(office, data: dict, errors: v.Errors, *, partial: bool = False) -> dict:
    """Validated values of the editable fields present in ``data`` (all of them unless ``partial``)."""
    out: dict = {}

    def present(key):
        return not partial or key in data

    if present("source"):
        out["source"] = v.enum(data, "source", errors, "来源", CaseSource, required=True)
    if present("unit_id"):
        out["unit"] = unit_in_scope(office, data.get("unit_id"), errors, "unit_id", "被督查单位")
    if present("title"):
        out["title"] = v.text(data, "title", errors, "标题", required=True, max_len=TITLE_MAX)
    if present("description"):
        out["description"] = v.text(data, "description", errors, "情况描述", max_len=TEXT_MAX) or ""
    if present("source_ref"):
        out["source_ref"] = v.text(data, "source_ref", errors, "来源编号", max_len=REF_MAX)
    if present("received_on"):
        received = v.a_date(data, "received_on", errors, "线索收到日期")
        if received is not None and received > beijing_today():
            errors.add("received_on", "线索收到日期不能晚于今天。")
        out["received_on"] = received or (None if partial else beijing_today())
    if present("lead_inspector_id"):
        out["lead_inspector"] = inspector_of(office, data.get("lead_inspector_id"), errors, "lead_inspector_id", "主办人")
    if present("team_ids"):
        out["team"] = _team(office, data.get("team_ids"), errors)
    return out


def create_case(actor, data: dict) -> Case:
    """Register a case (线索登记) of the actor's office against a unit of its region."""
    office = _office_for(actor, data)
    errors = v.Errors()
    values = _fields(office, data, errors)
    if errors:
        raise InvalidInput(errors)
    lead = values["lead_inspector"] or (actor if actor is not None and actor in office_inspectors(office) else None)
    year = beijing_today().year
    seq = numbering.allocate(office.id, year, numbering.CASE)

    case = Case(
        office_id=office.id, unit_id=values["unit"].id, source=values["source"], source_ref=values["source_ref"],
        title=values["title"], description=values["description"], received_on=values["received_on"],
        lead_inspector=lead, opened_by_id=actor.id if actor is not None else None,
        number_year=year, number_seq=seq,
        number=numbering.format_number(office.short_name, current_app.config["CASE_NUMBER_WORD"], year, seq),
        status=CaseStatus.REGISTERED.value, office=office, unit=values["unit"],
    )
    case.members = [CaseMember(user=u) for u in values["team"] if lead is None or u.id != lead.id]
    db.session.add(case)
    db.session.flush()
    timeline.record(case, "create", f"线索登记：{case.title}", actor=actor,
                    details={"source": case.source, "unit": case.unit.name})
    timeline.tell(timeline.case_people(case), actor, "case", f"您被指定办理督查事项 {case.number}",
                  timeline.case_link(case))
    return case


def _snapshot(case: Case) -> dict:
    return {
        "source": case.source, "unit_id": case.unit_id, "title": case.title, "description": case.description,
        "source_ref": case.source_ref, "received_on": case.received_on, "lead_inspector_id": case.lead_inspector_id,
        "team_ids": sorted(m.user_id for m in case.members),
    }


def update_case(actor, case: Case, data: dict) -> Case:
    """Change the fields present in ``data``; ``data["version"]`` names the version the edit started from."""
    if not permissions.may_write(actor, case):
        raise PermissionDenied()
    check_version(case, data.get("version"), "该督查事项")
    require_open(case)
    errors = v.Errors()
    values = _fields(case.office, data, errors, partial=True)
    if "unit" in values and values["unit"] is not None and values["unit"].id != case.unit_id:
        if any(f.notice_id is not None for f in case.findings):
            errors.add("unit_id", "已下发整改通知，不能再更换被督查单位。")
    if errors:
        raise InvalidInput(errors)
    before = _snapshot(case)
    for key in ("source", "title", "received_on"):
        if values.get(key) is not None:
            setattr(case, key, values[key])
    for key in ("description", "source_ref"):
        if key in values:
            setattr(case, key, values[key] if values[key] is not None else ("" if key == "description" else None))
    if values.get("unit") is not None:
        case.unit = values["unit"]
    if "lead_inspector" in values and values["lead_inspector"] is not None:
        case.lead_inspector = values["lead_inspector"]
    if "team" in values:
        lead_id = case.lead_inspector.id if case.lead_inspector else None
        wanted = {u.id: u for u in values["team"] if u.id != lead_id}
        case.members = [m for m in case.members if m.user_id in wanted] + [
            CaseMember(user=u) for uid, u in wanted.items() if uid not in {m.user_id for m in case.members}
        ]
    changes = audit.diff(before, _snapshot(case))
    if not changes:
        return case
    case.updated_at = utcnow()
    _flush_versioned("该督查事项")
    timeline.record(case, "update", "修改事项信息：" + "、".join(_FIELD_LABELS.get(k, k) for k in changes),
                    actor=actor, changes=changes)
    return case


_FIELD_LABELS = {
    "source": "来源", "unit_id": "被督查单位", "title": "标题", "description": "情况描述", "source_ref": "来源编号",
    "received_on": "线索收到日期", "lead_inspector_id": "主办人", "team_ids": "办理组",
}


def _flush_versioned(what: str) -> None:
    """Flush; a concurrent writer that got in first (the version no longer matches) is a stale edit."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise InvalidInput({"version": f"{what}刚被他人修改，您的修改未保存。请刷新后重试。"}) from None


def transition(actor, case: Case, to, *, reason: str | None = None, requirements: str | None = None) -> Case:
    """Move ``case`` to status ``to`` (a code or label) along the lifecycle table."""
    if not permissions.may_write(actor, case):
        raise PermissionDenied()  # before anything that would describe the case's state
    try:
        target = CaseStatus.from_label(str(to or ""))
    except ValueError:
        allowed = "、".join(CaseStatus.codes())
        raise InvalidInput({"to": f"未知的状态“{to}”，可选：{allowed}。"}) from None
    source = CaseStatus(case.status)
    move = lifecycle.find(source, target)
    if move is None:
        raise InvalidInput({"to": f"当前状态（{source.raw_label}）不能转为“{target.raw_label}”。"})
    if not lifecycle.may(actor, move, case):
        if move.permission == permissions.APPROVE and permissions.may_write(actor, case):
            raise PermissionDenied(f"“{move.label}”须由具有“审批督查事项”权限的人员办理。")
        raise PermissionDenied()
    reason = (reason or "").strip() or None
    if move.needs_reason and not reason:
        raise InvalidInput({"reason": f"“{move.label}”须填写理由。"})
    if reason and len(reason) > REASON_MAX:
        raise InvalidInput({"reason": f"理由不能超过 {REASON_MAX} 个字。"})
    refusal = move.guard(case) if move.guard else None
    if refusal:
        raise InvalidInput({"to": refusal})
    if move.via_notice:
        from inspection.services import notices

        notices.issue(actor, case, requirements=requirements)
        return case
    _apply(actor, case, move, reason)
    return case


def _apply(actor, case: Case, move: lifecycle.Transition, reason: str | None) -> None:
    """Set the state the move leads to, with the timeline, audit event and notifications."""
    source = case.status
    case.status = move.target.value
    if move.target == CaseStatus.CLOSED:
        case.closed_at = utcnow()
    if move.target == CaseStatus.DISMISSED:
        case.dismiss_reason = reason
    if move.name == "reopen":
        case.closed_at = None
        case.dismiss_reason = None
    _flush_versioned("该督查事项")
    summary = move.label + (f"：{reason}" if reason else "")
    timeline.record(case, move.name, summary, actor=actor, changes={"status": [source, move.target.value]},
                    details={"reason": reason} if reason else None)
    timeline.tell(timeline.case_people(case), actor, "case",
                  f"督查事项 {case.number} {move.label}", timeline.case_link(case))


def mark_rectifying(actor, case: Case, summary: str) -> None:
    """The ``issue_notice`` move, made by the notice service once the notice exists."""
    move = lifecycle.by_name("issue_notice")
    source = case.status
    case.status = move.target.value
    _flush_versioned("该督查事项")
    timeline.record(case, "issue_notice", summary, actor=actor, changes={"status": [source, move.target.value]})


def add_note(actor, case: Case, text) -> CaseNote:
    """An internal note (staff only; never shown to the unit)."""
    if not permissions.may_write(actor, case):
        raise PermissionDenied()
    errors = v.Errors()
    body = v.text({"text": text}, "text", errors, "备注内容", required=True, max_len=NOTE_MAX)
    if errors:
        raise InvalidInput(errors)
    note = CaseNote(case_id=case.id, author_id=actor.id if actor else None, author_name=timeline.actor_name(actor),
                    text=body)
    db.session.add(note)
    db.session.flush()
    audit.record("case.note", "case", case.id, details={"number": case.number, "note_id": note.id}, actor=actor)
    return note
