"""Follow-up of what is late (跟踪督查): overdue findings for the inspectors' workspace and list, and the
register flag 整改未完成 (暂停受理机构编制事项) on units that have not finished their rectification.

Nothing here is stored: overdue is :func:`inspection.rectification.overdue_clause`, and a unit carries
the flag while it has an overdue finding — or, with ``RECTIFICATION_FLAG_ANY_OPEN``, any finding sent to
it that is neither accepted nor waived. The register shows the flag through the core's hook
(:mod:`portal.registry.flags`), which :func:`register` fills in ``inspection.init_app``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.accounts.permissions import has_permission, office_subtree_ids
from portal.errors import NotFound
from portal.extensions import db
from portal.registry.flags import Flag, register_flag_provider
from portal.timeutil import beijing_today

from inspection import permissions
from inspection.models import Case, Finding
from inspection.rectification import open_clause, overdue_clause

PANEL_SIZE = 10


# ---------------------------------------------------------------- overdue findings (staff)

def _overdue_base(user, *, include_subordinates: bool, today: date | None) -> Select:
    if not permissions.is_staff(user):
        raise NotFound()
    office_condition = (Case.office_id.in_(office_subtree_ids(user.office)) if include_subordinates
                        else Case.office_id == user.office_id)
    return (permissions.findings_query(user).join(Finding.case)
            .where(overdue_clause(today or beijing_today()), office_condition))


def overdue_findings_query(user, *, include_subordinates: bool = False, today: date | None = None) -> Select:
    """Overdue findings of cases of the staff user's office (and of its subordinate offices, on request),
    most overdue first. Anyone but staff: ``NotFound``."""
    return (
        _overdue_base(user, include_subordinates=include_subordinates, today=today)
        .options(contains_eager(Finding.case), joinedload(Finding.responsible_unit), joinedload(Finding.notice),
                 selectinload(Finding.submissions))
        .order_by(Finding.due_on, Case.id, Finding.seq)
    )


def overdue_count(user, *, include_subordinates: bool = False, today: date | None = None) -> int:
    query = _overdue_base(user, include_subordinates=include_subordinates, today=today)
    return db.session.scalar(query.with_only_columns(func.count(Finding.id))) or 0


@dataclass
class OverduePanel:
    count: int = 0
    findings: list[Finding] = field(default_factory=list)  # the first few, most overdue first
    today: date | None = None

    def days_overdue(self, finding: Finding) -> int:
        return days_overdue(finding, self.today)


def days_overdue(finding: Finding, today: date | None = None) -> int:
    """Calendar days since the deadline passed (the lists' 已逾期（天）)."""
    return ((today or beijing_today()) - finding.due_on).days


def overdue_panel(user, limit: int = PANEL_SIZE) -> OverduePanel | None:
    """The workspace's 逾期问题 panel for staff holding cases.manage (own office); ``None`` for others."""
    if not (permissions.is_staff(user) and has_permission(user, permissions.MANAGE)):
        return None
    today = beijing_today()
    query = overdue_findings_query(user, today=today)
    count = overdue_count(user, today=today)
    findings = list(db.session.scalars(query.limit(limit)).unique()) if count else []
    return OverduePanel(count=count, findings=findings, today=today)


def unit_overdue_count(user) -> int:
    """How many of the unit user's findings are overdue (0 for anyone else)."""
    if not permissions.is_unit_user(user):
        return 0
    query = permissions.findings_query(user).where(overdue_clause(beijing_today()))
    return db.session.scalar(query.with_only_columns(func.count(Finding.id))) or 0


# ---------------------------------------------------------------- the register flag

def unfinished_clause(*, any_open: bool | None = None, today: date | None = None):
    """SQL: the finding keeps its unit flagged (overdue; with ``any_open``, any sent finding not settled)."""
    if any_open is None:
        any_open = _any_open()
    return open_clause() if any_open else overdue_clause(today or beijing_today())


def flag_counts(unit_ids: Iterable[int], *, any_open: bool | None = None, today: date | None = None) -> dict[int, int]:
    """``{unit_id: findings keeping it flagged}`` for the flagged ones among ``unit_ids`` (one query)."""
    ids = sorted({i for i in unit_ids if i is not None})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Finding.responsible_unit_id, func.count(Finding.id))
        .where(Finding.responsible_unit_id.in_(ids), unfinished_clause(any_open=any_open, today=today))
        .group_by(Finding.responsible_unit_id)
    ).all()
    return {unit_id: int(count) for unit_id, count in rows if count}


def _any_open() -> bool:
    return bool(current_app.config.get("RECTIFICATION_FLAG_ANY_OPEN", False))


def flagged_units(unit_ids: Iterable[int], *, today: date | None = None) -> dict[int, str]:
    """``{unit_id: reason}`` for the units flagged 整改未完成 (暂停受理机构编制事项)."""
    any_open = _any_open()
    out = {}
    for unit_id, count in flag_counts(unit_ids, any_open=any_open, today=today).items():
        if any_open:
            reason = ngettext("%(num)s 个整改问题尚未销号", "%(num)s 个整改问题尚未销号", count)
        else:
            reason = ngettext("%(num)s 个整改问题已逾期", "%(num)s 个整改问题已逾期", count)
        out[unit_id] = reason
    return out


def flag_provider(unit_ids: list[int]) -> dict[int, Flag]:
    """The register hook's provider (:func:`portal.registry.flags.flags_for`)."""
    return {
        unit_id: Flag(label=_("整改未完成"),
                      detail=_("暂停受理机构编制事项：%(reason)s，整改销号后自动解除。", reason=reason),
                      level="danger")
        for unit_id, reason in flagged_units(unit_ids).items()
    }


def register(app: Flask) -> None:
    register_flag_provider(flag_provider, app)


__all__ = [
    "OverduePanel", "days_overdue", "flag_counts", "flag_provider", "flagged_units", "overdue_count", "overdue_findings_query",
    "overdue_panel", "register", "unfinished_clause", "unit_overdue_count",
]
