"""``/api/v1/cases/<id>/findings``: a case's findings (问题), recorded, edited, accepted (销号) or waived
(免于整改, approved by a second person) through ``inspection.services.findings``.

Staff read every finding of a case they see; a unit user only its own findings that were sent to it
(``permissions.findings_query``); anything else is a 404.
"""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.apiutil import BEARER, json_body, login_required_api
from portal.errors import NotFound
from portal.extensions import db

from inspection import permissions
from inspection.api import blp, errors
from inspection.api_common import (
    BOOL,
    DATE,
    INT,
    TEXT,
    checked,
    require_version,
    stale_as_conflict,
    unit_findings_by_case,
)
from inspection.api_schemas import (
    CommentInputSchema,
    FindingInputSchema,
    FindingListSchema,
    FindingPatchSchema,
    FindingSchema,
    ReasonInputSchema,
    UnitFindingListSchema,
    UnitFindingSchema,
    WaiverDecisionInputSchema,
)
from inspection.models import Finding
from inspection.services import findings

FINDING_FIELDS = {"area": TEXT, "violation_type": TEXT, "description": TEXT, "basis": TEXT, "severity": TEXT,
                  "responsible_unit_id": INT, "needs_rectification": BOOL, "due_on": DATE,
                  "period_working_days": INT}
_LOADS = (selectinload(Finding.notice), selectinload(Finding.responsible_unit), selectinload(Finding.accepted_by),
          selectinload(Finding.waiver_requested_by), selectinload(Finding.waiver_approved_by))


def _body(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _finding_to_change(case_id: int, finding_id: int) -> Finding:
    """A finding of a case the caller may change (404 outside the read scope, 403 when read-only)."""
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    finding = db.session.scalar(select(Finding).where(Finding.id == finding_id, Finding.case_id == case.id))
    if finding is None:
        raise NotFound()
    return finding


# ---------------------------------------------------------------- read

@blp.route("/<int:case_id>/findings")
@blp.doc(security=BEARER, summary="事项的问题")
@blp.response(200, {"oneOf": [FindingListSchema, UnitFindingListSchema]}, description=(
    "编办工作人员：事项的全部问题；被督查单位：只含下发给本单位的问题（一个事项的问题数有限，不分页）"))
@errors(404)
@login_required_api
def list_findings(case_id: int):
    """按序号排列。"""
    case = permissions.get_case_or_404(current_user, case_id)
    if permissions.is_staff(current_user):
        items = db.session.scalars(
            select(Finding).where(Finding.case_id == case.id).options(*_LOADS).order_by(Finding.seq)).all()
        return jsonify(FindingListSchema().dump({"items": items}))
    items = unit_findings_by_case(current_user, [case.id])[case.id]
    return jsonify(UnitFindingListSchema().dump({"items": items}))


@blp.route("/<int:case_id>/findings/<int:finding_id>")
@blp.doc(security=BEARER, summary="问题详情")
@blp.response(200, {"oneOf": [FindingSchema, UnitFindingSchema]})
@errors(404)
@login_required_api
def get_finding(case_id: int, finding_id: int):
    """被督查单位只能看到下发给本单位的问题，其他一律 404。"""
    finding = db.session.scalar(
        permissions.findings_query(current_user).where(Finding.id == finding_id, Finding.case_id == case_id))
    if finding is None:
        raise NotFound()
    schema = FindingSchema() if permissions.is_staff(current_user) else UnitFindingSchema()
    return jsonify(schema.dump(finding))


# ---------------------------------------------------------------- record and edit

@blp.route("/<int:case_id>/findings", methods=["POST"])
@blp.doc(security=BEARER, summary="记录问题", **_body(FindingInputSchema))
@blp.response(201, FindingSchema)
@errors(400, 403, 404, 422)
@login_required_api
def add_finding(case_id: int):
    """事项须在调查核实或整改中；责任单位缺省为被督查单位；整改期限须晚于今天，缺省在下发整改通知时按工作日计算。"""
    body = json_body()
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    checked(body, FINDING_FIELDS)
    finding = findings.add_finding(current_user, case, body)
    db.session.commit()
    return finding


@blp.route("/<int:case_id>/findings/<int:finding_id>", methods=["PATCH"])
@blp.doc(security=BEARER, summary="修改问题", **_body(FindingPatchSchema))
@blp.response(200, FindingSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def update_finding(case_id: int, finding_id: int):
    """只修改给出的字段；已随整改通知下发的问题不能再改（422）。version 必填，已被他人修改时 409。"""
    body = json_body()
    finding = _finding_to_change(case_id, finding_id)
    checked(body, {**FINDING_FIELDS, "version": INT})
    version = require_version(body)
    with stale_as_conflict(f"问题{finding.seq}", version):
        findings.update_finding(current_user, finding, body)
    db.session.commit()
    return finding


# ---------------------------------------------------------------- acceptance and waiver

@blp.route("/<int:case_id>/findings/<int:finding_id>/accept", methods=["POST"])
@blp.doc(security=BEARER, summary="验收销号", **_body(CommentInputSchema))
@blp.response(200, FindingSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def accept_finding(case_id: int, finding_id: int):
    """问题须已随整改通知下发且待整改、已提交或被退回。"""
    body = json_body()
    finding = _finding_to_change(case_id, finding_id)
    checked(body, {"comment": TEXT})
    with stale_as_conflict(f"问题{finding.seq}"):
        findings.accept(current_user, finding, body.get("comment"))
    db.session.commit()
    return finding


@blp.route("/<int:case_id>/findings/<int:finding_id>/waiver", methods=["POST"])
@blp.doc(security=BEARER, summary="申请免于整改", **_body(ReasonInputSchema))
@blp.response(200, FindingSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def request_waiver(case_id: int, finding_id: int):
    """须写明理由；由申请人以外、具有 cases.approve 权限的人员审批。"""
    body = json_body()
    finding = _finding_to_change(case_id, finding_id)
    checked(body, {"reason": TEXT})
    with stale_as_conflict(f"问题{finding.seq}"):
        findings.request_waiver(current_user, finding, body.get("reason"))
    db.session.commit()
    return finding


@blp.route("/<int:case_id>/findings/<int:finding_id>/waiver/decision", methods=["POST"])
@blp.doc(security=BEARER, summary="审批免于整改", **_body(WaiverDecisionInputSchema))
@blp.response(200, FindingSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def decide_waiver(case_id: int, finding_id: int):
    """approve=true 同意（问题转为免于整改），false 不同意（须填意见）。申请人本人不能审批（403）。"""
    body = json_body()
    finding = _finding_to_change(case_id, finding_id)
    checked(body, {"approve": BOOL, "comment": TEXT}, required=("approve",))
    with stale_as_conflict(f"问题{finding.seq}"):
        findings.decide_waiver(current_user, finding, approve=body["approve"], comment=body.get("comment"))
    db.session.commit()
    return finding
