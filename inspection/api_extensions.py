"""``/api/v1/findings/<id>/extensions`` and ``/api/v1/extensions/<id>/decision``: extension requests
(延期申请) as JSON, through the same service as the web (``inspection.services.extensions``).

The responsible unit asks (staff: 403); staff of the case's office holding cases.manage decide (a unit
user or a superior office: 403); a request already decided answers 409. Findings and requests outside
the caller's scope answer 404.
"""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from portal.apiutil import BEARER, json_body, login_required_api
from portal.errors import InvalidInput
from portal.extensions import db

from inspection import permissions
from inspection.api_common import DATE, TEXT, checked, stale_as_conflict
from inspection.api_extension_schemas import (
    ExtensionDecisionInputSchema,
    ExtensionInputSchema,
    ExtensionListSchema,
    ExtensionRequestSchema,
)
from inspection.api_rectification import blp, errors
from inspection.services import extensions as service
from inspection.services.findings import allowed


def _body(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@blp.route("/findings/<int:finding_id>/extensions")
@blp.doc(security=BEARER, summary="问题的延期申请")
@blp.response(200, ExtensionListSchema)
@errors(404)
@login_required_api
def list_finding_extensions(finding_id: int):
    """全部申请（最新的在前）及调用者此刻能否申请、审批。"""
    finding = permissions.get_finding_or_404(current_user, finding_id)
    items = service.history(finding)
    pending = next((r for r in items if r.status == "pending"), None)
    return jsonify(ExtensionListSchema().dump({
        "finding": finding, "items": items,
        "may_request": allowed(service.check_request, current_user, finding),
        "may_decide": pending is not None and allowed(service.check_decide, current_user, pending),
    }))


@blp.route("/findings/<int:finding_id>/extensions", methods=["POST"])
@blp.doc(security=BEARER, summary="申请延期", **_body(ExtensionInputSchema))
@blp.response(201, ExtensionRequestSchema)
@errors(400, 403, 404, 422)
@login_required_api
def request_extension(finding_id: int):
    """由责任单位提出；问题须待整改或被退回（整改报告待审核时不能申请），且没有待审批的申请。
    延期后的期限须晚于当前期限、不早于今天、不超过当前期限后一年，须写明理由（否则 422）。"""
    body = json_body()
    finding = permissions.get_finding_or_404(current_user, finding_id)
    service.check_request(current_user, finding)  # who may ask, before what they sent
    checked(body, {"requested_due_on": DATE, "reason": TEXT})
    extension = service.request_extension(current_user, finding, body)
    db.session.commit()
    response = jsonify(ExtensionRequestSchema().dump(extension))
    response.status_code = 201
    return response


@blp.route("/extensions/<int:request_id>/decision", methods=["POST"])
@blp.doc(security=BEARER, summary="审批延期申请", **_body(ExtensionDecisionInputSchema))
@blp.response(200, ExtensionRequestSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def decide_extension(request_id: int):
    """decision=approve 同意（问题的期限改为 due_on，缺省为申请的日期），refuse 不同意（须填 comment）。
    已审批过的申请 409；问题已销号或免于整改时 422。"""
    body = json_body()
    extension = service.get_request_or_404(current_user, request_id)
    service.check_decide(current_user, extension)  # who may decide (and whether it is decided), before what they sent
    checked(body, {"decision": TEXT, "due_on": DATE, "comment": TEXT}, required=("decision",))
    decision = body["decision"].strip()
    if decision not in ("approve", "refuse"):
        raise InvalidInput({"decision": "decision 须为 approve（同意）或 refuse（不同意）。"})
    with stale_as_conflict("该延期申请"):
        service.decide_extension(current_user, extension, approve=decision == "approve",
                                 due_on=body.get("due_on"), comment=body.get("comment"))
    db.session.commit()
    return jsonify(ExtensionRequestSchema().dump(extension))
