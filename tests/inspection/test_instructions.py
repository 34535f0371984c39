"""Supervision instructions (督办/催办) without HTTP: who may issue and answer, bad input, the derived
states (open, overdue, answered late) in SQL and Python, and the lists for both sides."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from portal.audit.models import AuditEvent
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection import instruction_queries as q
from inspection.models import CaseEvent, SupervisionInstruction
from inspection.services import cases
from inspection.services.instructions import answer_instruction, issue_instruction

TEXT = "请于期限内报告该局超编进人问题的核查进展和整改措施。"
ANSWER = "已完成核查，正在督促该局清退超编人员。"


def later(days: int = 10) -> str:
    return (beijing_today() + timedelta(days=days)).isoformat()


def data(**kw) -> dict:
    return {"kind": "supervise", "text": TEXT, "due_on": later(), **kw}


@pytest.fixture()
def xihu_case(w, make_case):
    return make_case(w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区审计局超编问题")


@pytest.fixture()
def city_case(w, make_case):
    return make_case(w.inspector)


@pytest.fixture()
def issue(w, xihu_case):
    def factory(actor=None, case=None, **kw):
        instruction = issue_instruction(actor or w.inspector, case or xihu_case, data(**kw))
        db.session.commit()
        return instruction

    return factory


def count_instructions() -> int:
    return db.session.scalar(select(func.count(SupervisionInstruction.id)))


def set_due(instruction, due_on: date, answered_at: datetime | None = None) -> None:
    """Move a deadline (and the answer time) straight in the database: services refuse past deadlines."""
    values = {"due_on": due_on}
    if answered_at is not None:
        values["answered_at"] = answered_at
    db.session.execute(update(SupervisionInstruction).where(SupervisionInstruction.id == instruction.id).values(**values))
    db.session.commit()
    db.session.expire_all()


# ---------------------------------------------------------------- issuing

def test_city_inspector_issues_on_xihu_case(w, xihu_case):
    instruction = issue_instruction(w.inspector, xihu_case, data(kind="urge"))
    db.session.commit()
    assert instruction.from_office_id == w.city.id and instruction.to_office_id == w.xihu.id
    assert instruction.kind == "urge" and instruction.text == TEXT
    assert instruction.issued_by_id == w.inspector.id and instruction.answer is None
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == xihu_case.id, CaseEvent.kind == "instruction")).one()
    assert event.details["instruction_id"] == instruction.id and event.actor_id == w.inspector.id
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "instruction")).one()
    assert audit.action == "instruction.instruction" and audit.object_id == str(instruction.id)
    assert json.loads(audit.payload)["details"]["case_id"] == xihu_case.id
    # the subordinate office's case people and cases.manage holders are told; the issuer is not
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "instruction"))}
    assert told == {w.xihu_inspector.id}


def test_xihu_inspector_cannot_issue_on_its_own_case(w, xihu_case):
    with pytest.raises(PermissionDenied, match="本编办"):
        issue_instruction(w.xihu_inspector, xihu_case, data())
    assert count_instructions() == 0


def test_xihu_inspector_cannot_even_read_the_city_case(w, city_case):
    with pytest.raises(NotFound):
        issue_instruction(w.xihu_inspector, city_case, data())
    assert count_instructions() == 0


def test_city_admin_without_cases_manage_cannot_issue(w, xihu_case):
    with pytest.raises(PermissionDenied, match="办理督查事项"):
        issue_instruction(w.admin, xihu_case, data())


@pytest.mark.parametrize("user", ["unit_user", "discipline", "binjiang_inspector"])
def test_outsiders_cannot_issue(w, xihu_case, user):
    with pytest.raises(NotFound):
        issue_instruction(getattr(w, user), xihu_case, data())
    assert count_instructions() == 0


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"due_on": "2020-01-01"}, "due_on", "晚于今天"),
    ({"due_on": "today"}, "due_on", "晚于今天"),
    ({"due_on": ""}, "due_on", "请填写答复期限"),
    ({"due_on": "2026-02-30"}, "due_on", "不是有效日期"),
    ({"text": "   "}, "text", "请填写督办内容"),
    ({"text": "字" * 5001}, "text", "不能超过 5000"),
    ({"kind": "order"}, "kind", "督办类型「order」无效"),
    ({"kind": ""}, "kind", "请选择督办类型"),
])
def test_bad_input_is_refused_and_nothing_saved(w, xihu_case, values, field, message):
    if values.get("due_on") == "today":
        values = {"due_on": beijing_today().isoformat()}
    with pytest.raises(InvalidInput) as caught:
        issue_instruction(w.inspector, xihu_case, data(**values))
    db.session.rollback()
    assert message in caught.value.fields[field]
    assert count_instructions() == 0
    assert db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.kind == "instruction")) == 0
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "instruction")) == 0


@pytest.mark.parametrize("status", ["dismissed", "closed"])
def test_no_instruction_on_a_finished_case(w, xihu_case, make_finding, status):
    if status == "dismissed":
        cases.transition(w.xihu_inspector, xihu_case, "verifying")
        cases.transition(w.xihu_inspector, xihu_case, "dismissed", reason="查无实据")
    else:
        make_finding(xihu_case, w.xihu_inspector, responsible_unit_id=w.xihu_unit.id, needs_rectification=False)
        cases.transition(w.xihu_inspector, xihu_case, "closed")
    db.session.commit()
    assert not q.may_issue(w.inspector, xihu_case)
    with pytest.raises(InvalidInput, match="不能再督办"):
        issue_instruction(w.inspector, xihu_case, data())
    assert count_instructions() == 0


# ---------------------------------------------------------------- answering

def test_xihu_inspector_answers(w, issue):
    instruction = issue()
    answer_instruction(w.xihu_inspector, instruction, ANSWER)
    db.session.commit()
    assert instruction.answer == ANSWER and instruction.answered_by_id == w.xihu_inspector.id
    assert instruction.answered_at is not None and not q.is_open(instruction)
    assert q.state_of(instruction) is q.InstructionState.ANSWERED
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "instruction_answer")).one()
    assert event.details == {"instruction_id": instruction.id, "kind": "supervise",
                             "due_on": instruction.due_on.isoformat(), "late": False}
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "instruction")
                                 .order_by(AuditEvent.seq)).all()
    assert actions == ["instruction.instruction", "instruction.answer"]
    issuer_notes = db.session.scalars(select(Notification).where(Notification.user_id == w.inspector.id)).all()
    assert len(issuer_notes) == 1 and xihu_case_number(instruction) in issuer_notes[0].subject


def xihu_case_number(instruction) -> str:
    return instruction.case.number


def test_notifications_carry_no_text(w, issue):
    instruction = issue()
    answer_instruction(w.xihu_inspector, instruction, ANSWER)
    db.session.commit()
    notes = db.session.scalars(select(Notification).where(Notification.kind == "instruction")).all()
    assert len(notes) == 2
    for note in notes:
        assert TEXT[:8] not in note.subject and ANSWER[:8] not in note.subject


def test_second_answer_is_refused(w, issue):
    instruction = issue()
    answer_instruction(w.xihu_inspector, instruction, ANSWER)
    db.session.commit()
    with pytest.raises(InvalidInput, match="不能重复答复"):
        answer_instruction(w.xihu_inspector, instruction, "再答复一次")
    db.session.rollback()
    assert instruction.answer == ANSWER
    assert db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.kind == "instruction_answer")) == 1


def test_concurrent_answer_is_refused(w, issue):
    """Someone else answered after we loaded the instruction: the guarded update writes nothing."""
    instruction = issue()
    db.session.execute(
        update(SupervisionInstruction).where(SupervisionInstruction.id == instruction.id)
        .values(answer="先到的答复", answered_at=datetime.now(timezone.utc), answered_by_name="other")
        .execution_options(synchronize_session=False)
    )
    assert instruction.answered_at is None  # our copy is stale
    with pytest.raises(InvalidInput, match="不能重复答复"):
        answer_instruction(w.xihu_inspector, instruction, ANSWER)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(SupervisionInstruction, instruction.id).answer is None  # rolled back as a whole


@pytest.mark.parametrize(("answer", "message"), [("  ", "请填写答复内容"), ("字" * 5001, "不能超过 5000")])
def test_bad_answer_is_refused(w, issue, answer, message):
    instruction = issue()
    with pytest.raises(InvalidInput, match=message):
        answer_instruction(w.xihu_inspector, instruction, answer)
    db.session.rollback()
    assert instruction.answer is None and instruction.answered_at is None


def test_city_inspector_cannot_answer(w, issue):
    instruction = issue()
    with pytest.raises(PermissionDenied, match="被督办的编办"):
        answer_instruction(w.inspector, instruction, ANSWER)
    assert not q.may_answer(w.inspector, instruction)


@pytest.mark.parametrize("user", ["binjiang_inspector", "unit_user", "discipline"])
def test_outsiders_cannot_see_or_answer(w, issue, user):
    instruction = issue()
    outsider = getattr(w, user)
    with pytest.raises(NotFound):
        q.get_instruction_or_404(outsider, instruction.id)
    with pytest.raises(NotFound):
        answer_instruction(outsider, instruction, ANSWER)
    for direction in q.DIRECTIONS:
        for sub in (False, True):
            query = q.instructions_query(outsider, direction=direction, include_subordinate=sub)
            assert db.session.scalars(query).unique().all() == []
    assert instruction.answer is None


# ---------------------------------------------------------------- derived states and the lists

@pytest.fixture()
def four(w, issue):
    """open, overdue, answered on time, answered late — all from the city to xihu."""
    today = beijing_today()
    open_ = issue(text="待答复的督办")
    overdue = issue(text="已逾期的督办")
    set_due(overdue, today - timedelta(days=1))
    on_time = issue(text="按期答复的督办")
    answer_instruction(w.xihu_inspector, on_time, ANSWER)
    late = issue(kind="urge", text="逾期答复的催办")
    answer_instruction(w.xihu_inspector, late, ANSWER)
    db.session.commit()
    set_due(late, today - timedelta(days=3))
    return {"open": open_, "overdue": overdue, "answered": on_time, "late": late}


def listed(user, direction, state=None, sub=False) -> set[int]:
    query = q.instructions_query(user, direction=direction, state=state, include_subordinate=sub)
    return {i.id for i in db.session.scalars(query).unique()}


def ids(four, *names) -> set[int]:
    return {four[n].id for n in names}


def test_states_in_python(four):
    for name, instruction in four.items():
        assert q.state_of(instruction).value == name


@pytest.mark.parametrize(("user", "direction", "sub"), [
    ("xihu_inspector", "received", False),   # the subordinate office: what it must answer
    ("inspector", "issued", False),           # the superior office: what it sent
    ("inspector", "received", True),          # … and what its subordinate offices received
])
def test_lists_for_both_sides(w, four, user, direction, sub):
    user = getattr(w, user)
    assert listed(user, direction, "open", sub) == ids(four, "open", "overdue")
    assert listed(user, direction, "overdue", sub) == ids(four, "overdue")
    assert listed(user, direction, "late", sub) == ids(four, "late")
    assert listed(user, direction, None, sub) == ids(four, "open", "overdue", "answered", "late")


def test_lists_keep_to_their_direction_and_office(w, four):
    assert listed(w.inspector, "received") == set()   # the city received nothing from above
    assert listed(w.xihu_inspector, "issued") == set()
    assert listed(w.xihu_inspector, "issued", sub=True) == set()
    assert listed(w.binjiang_inspector, "received", sub=True) == set()
    assert q.overdue_counts(w.inspector) == {"received": 0, "issued": 1}
    assert q.overdue_counts(w.xihu_inspector) == {"received": 1, "issued": 0}
    # narrowed to one receiving office
    query = q.instructions_query(w.inspector, direction="received", include_subordinate=True, office_id=w.binjiang.id)
    assert db.session.scalars(query).unique().all() == []


def test_overdue_starts_the_day_after_the_deadline(w, issue):
    today = beijing_today()
    instruction = issue()
    set_due(instruction, today)
    assert not q.is_overdue(instruction) and listed(w.xihu_inspector, "received", "overdue") == set()
    set_due(instruction, today - timedelta(days=1))
    assert q.is_overdue(instruction) and listed(w.xihu_inspector, "received", "overdue") == {instruction.id}


def test_late_is_judged_by_the_beijing_date(w, issue):
    """Answered 01:00 Beijing the day after the deadline is late, though it is still the deadline's UTC date."""
    instruction = issue()
    answer_instruction(w.xihu_inspector, instruction, ANSWER)
    db.session.commit()
    due = date(2026, 3, 10)
    set_due(instruction, due, datetime(2026, 3, 10, 17, 0, tzinfo=timezone.utc))  # 2026-03-11 01:00 Beijing
    assert q.is_answered_late(instruction)
    assert listed(w.xihu_inspector, "received", "late") == {instruction.id}
    set_due(instruction, due, datetime(2026, 3, 10, 15, 59, tzinfo=timezone.utc))  # 2026-03-10 23:59 Beijing
    assert not q.is_answered_late(instruction)
    assert listed(w.xihu_inspector, "received", "late") == set()


def test_case_panel(w, xihu_case, four):
    city = q.case_panel(w.inspector, xihu_case)
    assert city.may_issue and len(city.rows) == 4 and not any(r.may_answer for r in city.rows)
    xihu = q.case_panel(w.xihu_inspector, xihu_case)
    assert not xihu.may_issue
    assert {r.instruction.id for r in xihu.rows if r.may_answer} == ids(four, "open", "overdue")
    assert q.case_panel(w.binjiang_inspector, xihu_case).rows == []
    assert q.case_panel(w.unit_user, xihu_case) is None and q.case_panel(w.discipline, xihu_case) is None


def test_the_command_line_names_the_issuing_office(w, xihu_case):
    """Demo data and scripts run without a user: they name a superior office, never the case's own."""
    with pytest.raises(InvalidInput, match="上级编办"):
        issue_instruction(None, xihu_case, data(from_office_id=w.xihu.id))
    with pytest.raises(InvalidInput, match="上级编办"):
        issue_instruction(None, xihu_case, data(from_office_id=w.binjiang.id))
    made = issue_instruction(None, xihu_case, data(from_office_id=w.city.id))
    answer_instruction(None, made, ANSWER)
    db.session.commit()
    assert made.from_office_id == w.city.id and made.issued_by_id is None and made.answered_by_id is None
    assert made.issued_by_name and made.answered_by_name
