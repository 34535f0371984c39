"""What the ``/api/v1/cases`` routes share: JSON type checks of request bodies, the 409 for stale
edits, and the two views of a case (staff / unit) built from the scoped queries of
``inspection.permissions`` — the same ones the web pages use.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.errors import InvalidInput, ServiceError
from portal.extensions import db

from inspection import instruction_queries, lifecycle, permissions
from inspection.unit_view import case_for_unit, unit_status_label
from inspection.api_schemas import CaseDetailSchema, UnitCaseSchema, UnitCaseStatus
from inspection.models import (
    Case,
    CaseMember,
    Finding,
    NoticeDelivery,
    RectificationNotice,
)


class Conflict(ServiceError):
    """Someone else changed the record since the caller read it (optimistic locking)."""

    status = 409
    code = "conflict"


# ---------------------------------------------------------------- request bodies

TEXT, INT, DATE, BOOL, IDS = "text", "int", "date", "bool", "ids"
_TYPE_MESSAGES = {
    TEXT: "须为文本。", INT: "须为整数。", DATE: "须为日期文本（YYYY-MM-DD）。", BOOL: "须为 true 或 false。",
    IDS: "须为整数 id 的列表。",
}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fits(kind: str, value) -> bool:
    if value is None:
        return kind != BOOL
    if kind in (TEXT, DATE):
        return isinstance(value, str)
    if kind == INT:
        return _is_int(value)
    if kind == BOOL:
        return isinstance(value, bool)
    return isinstance(value, list) and all(_is_int(item) for item in value)


def checked(body: dict, spec: dict[str, str], required: tuple[str, ...] = ()) -> dict:
    """``body`` when every key is known and of its JSON type (422 naming each bad key otherwise).

    The values themselves (codes, ids in scope, dates, lengths) are the services' to judge."""
    errors: dict[str, str] = {}
    for key in sorted(set(body) - set(spec)):
        errors[key] = f"未知字段“{key}”。"
    for key, kind in spec.items():
        if key in body and not _fits(kind, body[key]):
            errors[key] = _TYPE_MESSAGES[kind]
    for key in required:
        if body.get(key) in (None, "") and key not in errors:
            errors[key] = f"请提供 {key}。"
    if errors:
        raise InvalidInput(errors)
    return body


def require_version(body: dict) -> int:
    """PATCH must say which version it started from, or it could silently overwrite someone's edit."""
    version = body.get("version")
    if version is None:
        raise InvalidInput({"version": "请提供 version：您据以修改的版本号（GET 返回的 version），以免覆盖他人的修改。"})
    if not _is_int(version) or version < 1:
        raise InvalidInput({"version": "version 须为正整数（GET 返回的 version）。"})
    return version


@contextmanager
def stale_as_conflict(what: str, sent: int | None = None):
    """The services refuse a stale edit (or lose a race to a concurrent writer) as an invalid
    ``version``; the API answers 409 Conflict, keeping the ``{"error": …}`` shape."""
    try:
        yield
    except InvalidInput as error:
        if "version" not in error.fields:
            raise
        started = f"（您据以修改的是第 {sent} 版）" if sent is not None else ""
        message = f"{what}已被他人修改，您的操作未保存{started}。请重新获取最新内容和 version 后再提交。"
        raise Conflict(message, {"version": message}) from None


# ---------------------------------------------------------------- the two views of a case

class View:
    """The case (or finding) plus what a view adds; attribute reads fall through to the object."""

    def __init__(self, obj, **extra):
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._obj, name)


def unit_status(case: Case, own_findings: list[Finding]) -> str:
    """The state the unit is told — the web's wording (``unit_view.unit_status_label``) as a code;
    it never learns about internal verification (a re-opened case stays 整改中 to it)."""
    return UnitCaseStatus.from_label(unit_status_label(case, own_findings)).value


def unit_findings_by_case(user, case_ids: list[int]) -> dict[int, list[Finding]]:
    """The user's own delivered findings of these cases (``permissions.findings_query``), one query."""
    out: dict[int, list[Finding]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return out
    rows = db.session.scalars(
        permissions.findings_query(user).where(Finding.case_id.in_(case_ids))
        .options(selectinload(Finding.notice), selectinload(Finding.responsible_unit))
        .order_by(Finding.case_id, Finding.seq)
    )
    for finding in rows:
        out[finding.case_id].append(finding)
    return out


def unit_list_views(user, cases: list[Case]) -> list[View]:
    found = unit_findings_by_case(user, [c.id for c in cases])
    return [View(c, unit_status=unit_status(c, found[c.id]), unit_findings=found[c.id]) for c in cases]


def unit_case_view(user, case: Case) -> View:
    """The web's unit view (``unit_view.case_for_unit``): the unit's delivered findings and notices only."""
    seen = case_for_unit(user, case)
    return View(case, unit_status=unit_status(case, seen.findings), unit_findings=seen.findings,
                deliveries=seen.deliveries)


def case_permissions(user, case: Case) -> dict:
    return {
        "may_write": permissions.may_write(user, case),
        "may_approve": permissions.may_approve(user, case),
        "transitions": lifecycle.available(user, case),
    }


def staff_view(user, case: Case) -> View:
    """Everything staff see on the case page: findings, notices with their signatures, open 督办."""
    db.session.execute(
        select(Case).where(Case.id == case.id).options(
            selectinload(Case.findings).selectinload(Finding.notice),
            selectinload(Case.findings).selectinload(Finding.responsible_unit),
            selectinload(Case.members).selectinload(CaseMember.user),
        )
    )
    notices = db.session.scalars(
        select(RectificationNotice).where(RectificationNotice.case_id == case.id)
        .options(selectinload(RectificationNotice.deliveries).selectinload(NoticeDelivery.unit),
                 selectinload(RectificationNotice.findings))
        .order_by(RectificationNotice.issued_at, RectificationNotice.id)
    ).all()
    panel = instruction_queries.case_panel(user, case)
    instructions = [row.instruction for row in (panel.rows if panel else []) if instruction_queries.is_open(row.instruction)]
    return View(case, notices=notices, open_instructions=instructions, permissions=case_permissions(user, case))


def case_response(user, case: Case, status: int = 200):
    """The case in the caller's view: staff get the full case, a unit user the unit view."""
    if permissions.is_staff(user):
        body = CaseDetailSchema().dump(staff_view(user, case))
    else:
        body = UnitCaseSchema().dump(unit_case_view(user, case))
    response = jsonify(body)
    response.status_code = status
    return response
