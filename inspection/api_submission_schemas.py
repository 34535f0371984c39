"""Marshmallow schemas of the report routes (``/api/v1/findings/<id>/submissions``,
``/api/v1/submissions/<id>/review``, ``/api/v1/evidence/<id>``): one round of a report with its evidence
and review, and the documented request bodies (values are checked by ``inspection.services.submissions``)."""
from __future__ import annotations

from marshmallow import Schema, fields

from portal.apiutil import EnumField, UtcDateTime

from inspection.api_schemas import CasePersonSchema, StaffPersonField
from inspection.models import RectificationStatus, SubmissionStatus


class EvidenceSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="original_name", metadata={"description": "上传时的文件名"})
    kind = fields.String(metadata={"description": "按内容识别的类型：pdf、jpeg、png、ofd、docx、xlsx"})
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "字节数"})
    sha256 = fields.String()
    uploaded_at = UtcDateTime()
    download = fields.Function(lambda e: f"/api/v1/evidence/{e.id}", metadata={"description": "下载地址（审计留痕）"})


class SubmissionSchema(Schema):
    """One round of the unit's report (整改报告)."""

    id = fields.Integer()
    finding_id = fields.Integer()
    round = fields.Integer(metadata={"description": "第几轮（从 1 起）"})
    status = EnumField(SubmissionStatus)
    measures = fields.String(metadata={"description": "整改措施"})
    result = fields.String(metadata={"description": "整改结果"})
    evidence = fields.List(fields.Nested(EvidenceSchema), metadata={"description": "佐证材料"})
    submitted_at = UtcDateTime(allow_none=True)
    submitted_on = fields.Date(allow_none=True, metadata={"description": "提交日期（北京时间）"})
    due_on = fields.Date(allow_none=True, metadata={"description": "提交时的整改期限"})
    is_on_time = fields.Boolean(allow_none=True, metadata={
        "description": "按期提交（按期提交的报告在审核期间不计逾期）；草稿为 null"})
    submitted_by = fields.Nested(CasePersonSchema, allow_none=True)
    reviewed_at = UtcDateTime(allow_none=True)
    reviewed_by = StaffPersonField()
    review_comment = fields.String(allow_none=True, metadata={"description": "审核意见"})
    returned_due_on = fields.Date(allow_none=True, metadata={"description": "退回时给出的新整改期限"})
    finding_status = EnumField(RectificationStatus, attribute="finding.rectification_status",
                               metadata={"description": "问题此刻的整改状态"})
    version = fields.Integer(metadata={"description": "审核时可回传，防止与他人同时审核"})


class SubmissionListSchema(Schema):
    items = fields.List(fields.Nested(SubmissionSchema), metadata={
        "description": "各轮整改报告（按轮次）；草稿只有责任单位看得到"})
    may_submit = fields.Boolean(metadata={"description": "调用者此刻可以保存草稿或提交"})


class SubmissionInputSchema(Schema):
    """multipart/form-data"""

    measures = fields.String(metadata={"description": "整改措施（提交时必填）"})
    result = fields.String(metadata={"description": "整改结果（提交时必填）"})
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), metadata={
        "description": "佐证材料，可重复多个 files 部分；提交时本轮至少一份（含草稿中已有的）"})
    draft = fields.Boolean(metadata={"description": "true：只保存草稿，不提交"})
    version = fields.Integer(metadata={"description": "草稿的版本号（可选）；已被他人修改时 409"})


class ReviewInputSchema(Schema):
    decision = fields.String(required=True, metadata={"description": "accept=通过验收（问题销号），return=退回"})
    comment = fields.String(metadata={"description": "审核意见；退回时必填"})
    version = fields.Integer(metadata={"description": "据以审核的版本号（可选）；已被他人修改时 409"})
