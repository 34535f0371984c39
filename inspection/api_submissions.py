"""``/api/v1/findings/<id>/submissions``, ``/api/v1/submissions/<id>/review``, ``/api/v1/evidence/<id>``:
the unit's reports (整改报告) with evidence (佐证材料) and the inspector's review, through the same services
as the web (``inspection.services.submissions``).

The responsible unit submits (multipart: ``measures``, ``result``, ``files`` repeated; ``draft=true`` only
saves a draft); staff of the case's office holding cases.manage review (a unit user: 403). A second review
of a decided report, or a stale ``version``: 409. Anything outside the caller's scope: 404; staff never see
drafts.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from portal.apiutil import BEARER, json_body, login_required_api
from portal.errors import InvalidInput, ServiceError
from portal.extensions import db
from portal.files import send_stored

from inspection import finding_page
from inspection.api_common import INT, TEXT, checked, stale_as_conflict
from inspection.api_rectification import blp, errors
from inspection.api_submission_schemas import (
    ReviewInputSchema,
    SubmissionInputSchema,
    SubmissionListSchema,
    SubmissionSchema,
)
from inspection.services import evidence as evidence_service
from inspection.services import submissions as service
from inspection.services.findings import allowed

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")
FORM_FIELDS = {"measures", "result", "draft", "version"}


@blp.route("/findings/<int:finding_id>/submissions")
@blp.doc(security=BEARER, summary="问题的整改报告（各轮）")
@blp.response(200, SubmissionListSchema)
@errors(404)
@login_required_api
def list_submissions(finding_id: int):
    """每一轮都保留：提交时间、提交时的期限、是否按期、佐证材料、审核意见与结果。草稿只有责任单位看得到。"""
    finding = finding_page.load_finding(current_user, finding_id)
    items = service.visible(current_user, finding)
    return jsonify(SubmissionListSchema().dump({
        "items": items, "may_submit": allowed(service.check_submit, current_user, finding)}))


def _form() -> tuple[dict, list, bool]:
    """The multipart form: (text fields, uploads, draft?); 400 when the body is not multipart."""
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise ServiceError("请求体须为 multipart/form-data（字段 measures、result，文件部分 files）。")
    form, uploads = request.form, request.files.getlist("files")  # too large: the portal's 413 answer
    unknown = sorted((set(form) - FORM_FIELDS) | (set(request.files) - {"files"}))
    if unknown:
        raise InvalidInput({key: f"未知字段“{key}”。" for key in unknown})
    raw = (form.get("draft") or "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise InvalidInput({"draft": "须为 true 或 false。"})
    data = {k: form[k] for k in ("measures", "result") if k in form}
    if form.get("version"):
        data["version"] = form["version"]
    return data, uploads, raw in _TRUE


@blp.route("/findings/<int:finding_id>/submissions", methods=["POST"])
@blp.doc(security=BEARER, summary="提交整改报告（或保存草稿）", requestBody={"required": True, "content": {
    "multipart/form-data": {"schema": SubmissionInputSchema}}})
@blp.response(201, SubmissionSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def create_submission(finding_id: int):
    """由责任单位提交：整改措施、整改结果必填，佐证材料至少一份（PDF、JPEG、PNG、OFD、DOCX、XLSX，按内容识别；
    单个文件与本轮合计有大小上限）。draft=true 只保存草稿。编办工作人员 403；不合格的文件 422，且什么都不保存。"""
    finding = finding_page.load_finding(current_user, finding_id)
    data, uploads, draft = _form()
    with stale_as_conflict("整改报告草稿", None):
        if draft:
            submission = service.save_draft(current_user, finding, data, uploads)
        else:
            submission = service.submit(current_user, finding, data, uploads)
    db.session.commit()
    return submission


@blp.route("/submissions/<int:submission_id>/review", methods=["POST"])
@blp.doc(security=BEARER, summary="审核整改报告", requestBody={"required": True, "content": {
    "application/json": {"schema": ReviewInputSchema}}})
@blp.response(200, SubmissionSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def review_submission(submission_id: int):
    """accept：通过验收，问题销号；return：退回（须填意见），问题获得新的整改期限（自退回之日起若干工作日）。
    单位用户 403；已审核过的报告 409。"""
    body = json_body()
    submission = service.get_submission_or_404(current_user, submission_id)
    checked(body, {"decision": TEXT, "comment": TEXT, "version": INT}, required=("decision",))
    with stale_as_conflict("该整改报告", body.get("version")):
        service.review(current_user, submission, body["decision"], body.get("comment"), version=body.get("version"))
    db.session.commit()
    return submission


@blp.route("/evidence/<int:evidence_id>")
@blp.doc(security=BEARER, summary="下载佐证材料", responses={"200": {
    "description": "文件本身（Content-Disposition: attachment）；每次下载都记入审计", "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
@errors(404)
@login_required_api
def download_evidence_api(evidence_id: int):
    """编办工作人员（本编办与上级编办，草稿除外）和责任单位可以下载，其他一律 404。"""
    file = evidence_service.evidence_for_download(current_user, evidence_id)
    return send_stored(file.stored_name, mimetype=file.content_type, name=file.original_name)
