"""The read side of supervision instructions (督办/催办): who sees which, and the derived facts.

Nothing here is stored: an instruction is *open* while it has no answer, *overdue* when it is open and
today (Beijing) is past ``due_on``, and *answered late* when the Beijing date of ``answered_at`` is past
``due_on``. Each fact is both an SQL clause (for list filters) and a Python function (for one row).

Scope: only staff see instructions, and only those whose receiving office (= the case's office) lies
in their own office's subtree — the issuing superior office, the receiving office and any office
between. Everyone else sees none, and a single instruction outside scope is not found (404).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Select, and_, false, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

from portal.accounts.permissions import office_subtree_ids
from portal.enums import CodedEnum, N_
from portal.errors import NotFound
from portal.extensions import db
from portal.timeutil import beijing_today, to_beijing

from inspection import permissions
from inspection.models import Case, SupervisionInstruction as I
from inspection.services.common import FROZEN

RECEIVED, ISSUED = "received", "issued"
DIRECTIONS = (RECEIVED, ISSUED)


class InstructionState(CodedEnum):
    """What a list row's badge says (derived, never stored)."""

    OPEN = ("open", N_("待答复"))
    OVERDUE = ("overdue", N_("已逾期"))
    LATE = ("late", N_("逾期答复"))
    ANSWERED = ("answered", N_("已答复"))


# ---------------------------------------------------------------- the Beijing date of a timestamp, in SQL

class beijing_date(FunctionElement):  # noqa: N801  (reads as an SQL function)
    """``beijing_date(ts)``: the calendar date in Beijing of a UTC timestamp (China keeps UTC+8, no DST)."""

    type = Date()
    name = "beijing_date"
    inherit_cache = True


@compiles(beijing_date)
def _beijing_date_sqlite(element, compiler, **kw):
    # SQLite keeps timestamps as naive UTC text
    return "date(%s, '+8 hours')" % compiler.process(element.clauses, **kw)


@compiles(beijing_date, "postgresql")
def _beijing_date_postgresql(element, compiler, **kw):
    return "CAST((%s AT TIME ZONE 'Asia/Shanghai') AS DATE)" % compiler.process(element.clauses, **kw)


# ---------------------------------------------------------------- derived facts: SQL

def open_clause():
    return I.answered_at.is_(None)


def overdue_clause(today: date | None = None):
    return and_(I.answered_at.is_(None), I.due_on < (today or beijing_today()))


def late_clause():
    return and_(I.answered_at.is_not(None), beijing_date(I.answered_at) > I.due_on)


def state_clause(state: str, today: date | None = None):
    """The list filter ``state``: open (includes overdue), overdue, late, or None for all."""
    if state == InstructionState.OPEN.value:
        return open_clause()
    if state == InstructionState.OVERDUE.value:
        return overdue_clause(today)
    if state == InstructionState.LATE.value:
        return late_clause()
    return None


# ---------------------------------------------------------------- derived facts: Python

def is_open(instruction: I) -> bool:
    return instruction.answered_at is None


def is_overdue(instruction: I, today: date | None = None) -> bool:
    return is_open(instruction) and (today or beijing_today()) > instruction.due_on


def is_answered_late(instruction: I) -> bool:
    return instruction.answered_at is not None and to_beijing(instruction.answered_at).date() > instruction.due_on


def state_of(instruction: I, today: date | None = None) -> InstructionState:
    if is_open(instruction):
        return InstructionState.OVERDUE if is_overdue(instruction, today) else InstructionState.OPEN
    return InstructionState.LATE if is_answered_late(instruction) else InstructionState.ANSWERED


# ---------------------------------------------------------------- scope

def _visible(user) -> Select | None:
    """ids of the offices whose received instructions ``user`` may read, or None (not staff)."""
    return office_subtree_ids(user.office) if permissions.is_staff(user) else None


def instructions_query(user, *, direction: str = RECEIVED, include_subordinate: bool = False,
                       office_id: int | None = None, state: str | None = None,
                       today: date | None = None) -> Select:
    """Instructions of one direction in the user's scope, with case and offices loaded.

    ``received``: those sent to the user's office (and, with ``include_subordinate``, to the offices
    below it); ``issued``: those sent from the user's office (and, with ``include_subordinate``, from
    the offices below it). ``office_id`` narrows to one receiving office; ``state`` to a derived state.
    """
    query = select(I).options(joinedload(I.case), joinedload(I.from_office), joinedload(I.to_office))
    subtree = _visible(user)
    if subtree is None or direction not in DIRECTIONS:
        return query.where(false())
    query = query.where(I.to_office_id.in_(subtree))
    column = I.to_office_id if direction == RECEIVED else I.from_office_id
    query = query.where(column.in_(subtree) if include_subordinate else column == user.office_id)
    if office_id is not None:
        query = query.where(I.to_office_id == office_id)
    clause = state_clause(state, today) if state else None
    if clause is not None:
        query = query.where(clause)
    if state in (InstructionState.OPEN.value, InstructionState.OVERDUE.value):
        return query.order_by(I.due_on, I.id)
    return query.order_by(I.issued_at.desc(), I.id.desc())


def overdue_counts(user, today: date | None = None) -> dict[str, int]:
    """How many instructions are overdue, per direction (the list's tab badges)."""
    today = today or beijing_today()
    return {
        d: db.session.scalar(select(func.count()).select_from(
            instructions_query(user, direction=d, state=InstructionState.OVERDUE.value, today=today)
            .order_by(None).subquery()
        )) or 0
        for d in DIRECTIONS
    }


def get_instruction_or_404(user, instruction_id: int) -> I:
    """One instruction the user may read (see the module's scope rule); 404 otherwise."""
    subtree = _visible(user)
    instruction = None
    if subtree is not None:
        instruction = db.session.execute(
            select(I).where(I.id == instruction_id, I.to_office_id.in_(subtree))
        ).scalar_one_or_none()
    if instruction is None:
        raise NotFound()
    return instruction


def may_issue(user, case: Case) -> bool:
    """Staff of a strictly superior office holding cases.manage, on a case still being worked."""
    return permissions.may_supervise(user, case) and case.status not in FROZEN


def may_answer(user, instruction: I) -> bool:
    """Staff of the receiving office (the case's office) who may write the case, while it is open."""
    return (
        user is not None and is_open(instruction) and permissions.is_staff(user)
        and user.office_id == instruction.to_office_id and permissions.may_write(user, instruction.case)
    )


# ---------------------------------------------------------------- the case page's panel

@dataclass(frozen=True)
class Row:
    instruction: I
    state: InstructionState
    may_answer: bool


@dataclass(frozen=True)
class CasePanel:
    rows: list[Row]
    may_issue: bool


def case_panel(user, case: Case, today: date | None = None) -> CasePanel | None:
    """The case's instructions as ``user`` sees them (one query), or None when the user sees none."""
    if user is None or not permissions.is_staff(user):
        return None
    today = today or beijing_today()
    subtree = _visible(user)
    items = db.session.scalars(
        select(I).options(joinedload(I.from_office), joinedload(I.to_office))
        .where(I.case_id == case.id, I.to_office_id.in_(subtree))
        .order_by(I.issued_at.desc(), I.id.desc())
    ).all()
    rows = [Row(i, state_of(i, today), may_answer(user, i)) for i in items]
    return CasePanel(rows=rows, may_issue=may_issue(user, case))
