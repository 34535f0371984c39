"""The case lifecycle as data: every allowed move, who may make it, whether it needs a reason, and the
guard that must hold. ``services.cases.transition`` is the one function that applies a move.

    registered ──verify──▶ verifying ──issue_notice──▶ rectifying ──close──▶ closed
         │                   │   └──────────close (every finding settled)──────▶ closed
         └──dismiss──▶ dismissed ◀──dismiss──┘
    closed / dismissed ──reopen──▶ verifying

``issue_notice`` is made by issuing the rectification notice (``services.notices.issue``), which
also numbers the notice and fixes the deadlines.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inspection import permissions
from inspection.models import Case, CaseStatus as S

MANAGE, APPROVE = permissions.MANAGE, permissions.APPROVE


def _has_open_work(case: Case) -> str | None:
    if not case.findings:
        return "尚未记录任何问题，不能销号办结；查无实据的请作“不予立案”处理。"
    open_ones = [f for f in case.findings if not f.is_settled]
    if open_ones:
        numbers = "、".join(f"问题{f.seq}" for f in open_ones[:10])
        return f"还有 {len(open_ones)} 个问题未整改销号或免于整改（{numbers}），不能办结。"
    return None


def _nothing_sent(case: Case) -> str | None:
    if any(f.notice_id is not None for f in case.findings):
        return "已下发整改通知的事项不能作不予立案处理。"
    return None


def _has_notice_work(case: Case) -> str | None:
    pending = [f for f in case.findings if f.needs_rectification and f.notice_id is None]
    if not pending:
        return "没有需要整改且尚未通知的问题，不能下发整改通知。"
    return None


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[S]
    target: S
    permission: str  # a named permission; the actor must also be staff of the case's office
    label: str
    needs_reason: bool = False
    guard: Callable[[Case], str | None] | None = None  # a Chinese refusal, or None when allowed
    via_notice: bool = False  # made by issuing a rectification notice


TRANSITIONS: tuple[Transition, ...] = (
    Transition("verify", frozenset({S.REGISTERED}), S.VERIFYING, MANAGE, "开始调查核实"),
    Transition("issue_notice", frozenset({S.VERIFYING}), S.RECTIFYING, MANAGE, "下发整改通知",
               guard=_has_notice_work, via_notice=True),
    Transition("close", frozenset({S.VERIFYING, S.RECTIFYING}), S.CLOSED, MANAGE, "销号办结", guard=_has_open_work),
    Transition("dismiss", frozenset({S.REGISTERED, S.VERIFYING}), S.DISMISSED, MANAGE, "查无实据/不予立案",
               needs_reason=True, guard=_nothing_sent),
    Transition("reopen", frozenset({S.CLOSED, S.DISMISSED}), S.VERIFYING, APPROVE, "重新启用", needs_reason=True),
)


def find(source: S, target: S) -> Transition | None:
    for transition in TRANSITIONS:
        if source in transition.sources and transition.target == target:
            return transition
    return None


def by_name(name: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.name == name), None)


def available(user, case: Case) -> list[Transition]:
    """The moves ``user`` may make on ``case`` now (guards are checked when applied)."""
    source = S(case.status)
    return [t for t in TRANSITIONS if source in t.sources and may(user, t, case)]


def may(user, transition: Transition, case: Case) -> bool:
    if transition.permission == APPROVE:
        return permissions.may_approve(user, case)
    return permissions.may_write(user, case)
