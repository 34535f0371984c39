"""Supervision instructions (督办/催办): a superior office presses a subordinate office on one of its
cases with a deadline; the subordinate office answers once.

Both actions write the case timeline and the audit trail (object ``instruction``) and notify the other
side by link only — a notification never carries the instruction's or the answer's text. Whether an
instruction is open, overdue or answered late is derived (``inspection.instruction_queries``).
"""
from __future__ import annotations

from sqlalchemy import update

from portal.accounts.models import User
from portal.accounts.permissions import has_permission
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.registry.models import Office
from portal.registry.services import validation as v
from portal.timeutil import beijing_today, to_beijing, utcnow

from inspection import instruction_queries as queries
from inspection import permissions
from inspection.models import Case, InstructionKind, SupervisionInstruction
from inspection.services import timeline
from inspection.services.common import FROZEN, office_inspectors

TEXT_MAX = ANSWER_MAX = 5000


def _link(case: Case) -> str | None:
    link = timeline.case_link(case)
    return f"{link}#instructions" if link else None


def _issuing_office(actor, case: Case, data: dict) -> Office:
    """The actor's office, after the scope and rank checks (the command line names the office)."""
    if actor is None:
        raw = str(data.get("from_office_id") or "")
        office = db.session.get(Office, int(raw)) if raw.isdigit() else None
        if office is None or office.id == case.office_id or not case.office.path.startswith(office.path):
            raise InvalidInput({"from_office_id": "请指定督办事项所属编办的上级编办。"})
        return office
    permissions.get_case_or_404(actor, case.id)  # a case the actor cannot read does not exist for them
    if permissions.may_supervise(actor, case):
        return actor.office
    if case.office_id == actor.office_id:
        raise PermissionDenied("督办由上级编办对下级编办的督查事项发出，不能对本编办的督查事项督办。")
    if not has_permission(actor, permissions.MANAGE):
        raise PermissionDenied("您没有督办权限（需要“办理督查事项”权限）。")
    raise PermissionDenied()


def _require_open(case: Case) -> None:
    if case.status in FROZEN:
        raise InvalidInput({"_": f"该督查事项已{case.status_enum.raw_label}，不能再督办。"})


def check_may_issue(actor, case: Case) -> None:
    """Raise as ``issue_instruction`` would for who is asking (the form page uses it before showing)."""
    _issuing_office(actor, case, {})
    _require_open(case)


def issue_instruction(actor, case: Case, data: dict) -> SupervisionInstruction:
    """Issue a 督办/催办 on ``case`` to its office; ``data``: kind, text, due_on (after today, Beijing)."""
    office = _issuing_office(actor, case, data)
    _require_open(case)
    errors = v.Errors()
    kind = v.enum(data, "kind", errors, "督办类型", InstructionKind, required=True)
    text = v.text(data, "text", errors, "督办内容", required=True, max_len=TEXT_MAX)
    due_on = v.a_date(data, "due_on", errors, "答复期限", required=True)
    if due_on is not None and due_on <= beijing_today():
        errors.add("due_on", f"答复期限须晚于今天（{beijing_today().isoformat()}）。")
    if errors:
        raise InvalidInput(errors)

    instruction = SupervisionInstruction(
        case_id=case.id, from_office_id=office.id, to_office_id=case.office_id, kind=kind, text=text,
        due_on=due_on, issued_at=utcnow(), issued_by_id=actor.id if actor is not None else None,
        issued_by_name=timeline.actor_name(actor),
    )
    db.session.add(instruction)
    db.session.flush()
    label = InstructionKind(kind).raw_label
    timeline.record(
        case, "instruction", f"{office.name}{label}：请于 {due_on.isoformat()} 前答复", actor=actor,
        details={"instruction_id": instruction.id, "kind": kind, "due_on": due_on.isoformat(),
                 "from_office": office.name, "to_office": case.office.name},
        audit_type="instruction", audit_id=instruction.id,
    )
    timeline.tell(
        timeline.case_people(case) + office_inspectors(case.office), actor, "instruction",
        f"{office.name}对督查事项 {case.number} 发出{label}，请于 {due_on.isoformat()} 前答复", _link(case),
    )
    return instruction


def check_may_answer(actor, instruction: SupervisionInstruction) -> None:
    """Raise as ``answer_instruction`` would for who is asking (404 outside scope, 403 not theirs)."""
    if actor is not None:
        queries.get_instruction_or_404(actor, instruction.id)
        if not (permissions.is_staff(actor) and actor.office_id == instruction.to_office_id):
            raise PermissionDenied("只有被督办的编办才能答复该督办。")
        if not permissions.may_write(actor, instruction.case):
            raise PermissionDenied("您没有答复督办的权限（需要“办理督查事项”权限）。")
    if not queries.is_open(instruction):
        answered = to_beijing(instruction.answered_at).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput({"answer": f"该督办已于 {answered} 由 {instruction.answered_by_name} 答复，不能重复答复。"})


def answer_instruction(actor, instruction: SupervisionInstruction, answer) -> SupervisionInstruction:
    """The receiving office's one answer; a second answer (even a concurrent one) is refused."""
    check_may_answer(actor, instruction)
    errors = v.Errors()
    text = v.text({"answer": answer}, "answer", errors, "答复内容", required=True, max_len=ANSWER_MAX)
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    name = timeline.actor_name(actor)
    done = db.session.execute(
        update(SupervisionInstruction)
        .where(SupervisionInstruction.id == instruction.id, SupervisionInstruction.answered_at.is_(None))
        .values(answer=text, answered_at=now, answered_by_id=actor.id if actor is not None else None,
                answered_by_name=name)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # someone answered between our read and this write
        db.session.refresh(instruction)
        check_may_answer(None, instruction)
    db.session.refresh(instruction)

    case = instruction.case
    late = queries.is_answered_late(instruction)
    label = instruction.kind_enum.raw_label
    timeline.record(
        case, "instruction_answer", f"{instruction.to_office.name}答复{label}" + ("（逾期答复）" if late else ""),
        actor=actor,
        details={"instruction_id": instruction.id, "kind": instruction.kind, "due_on": instruction.due_on.isoformat(),
                 "late": late},
        audit_type="instruction", audit_id=instruction.id,
    )
    issuer = db.session.get(User, instruction.issued_by_id) if instruction.issued_by_id else None
    if issuer is not None and issuer.is_enabled:
        timeline.tell([issuer], actor, "instruction",
                      f"{instruction.to_office.name}已答复督查事项 {case.number} 的{label}", _link(case))
    return instruction
