"""Marshmallow schemas of the extension requests (延期申请) in ``/api/v1``: what is answered, and the
documented request bodies (the values themselves are checked by ``inspection.services.extensions``)."""
from __future__ import annotations

from marshmallow import Schema, fields

from portal.apiutil import EnumField, UtcDateTime

from inspection.api_schemas import CasePersonSchema, StaffPersonField
from inspection.models import ExtensionStatus


class ExtensionRequestSchema(Schema):
    id = fields.Integer()
    finding_id = fields.Integer()
    status = EnumField(ExtensionStatus, metadata={"description": "pending=待审批、approved=已同意、refused=不同意、lapsed=已失效（问题先已销号或免于整改）"})
    current_due_on = fields.Date(metadata={"description": "申请时的整改期限"})
    requested_due_on = fields.Date(metadata={"description": "申请延期至"})
    reason = fields.String(metadata={"description": "延期理由"})
    requested_by = fields.Nested(CasePersonSchema, allow_none=True)
    requested_at = UtcDateTime()
    granted_due_on = fields.Date(allow_none=True, metadata={"description": "同意时批准的期限（问题的期限即改为该日）"})
    decision_comment = fields.String(allow_none=True, metadata={"description": "审批意见（不同意时必有）"})
    decided_by = StaffPersonField()
    decided_at = UtcDateTime(allow_none=True)
    version = fields.Integer()


class ExtensionFindingSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    case_id = fields.Integer()
    due_on = fields.Date(allow_none=True, metadata={"description": "当前整改期限（北京时间日期）"})
    is_due_provisional = fields.Boolean()


class ExtensionListSchema(Schema):
    finding = fields.Nested(ExtensionFindingSchema)
    items = fields.List(fields.Nested(ExtensionRequestSchema), metadata={"description": "全部申请，最新的在前"})
    may_request = fields.Boolean(metadata={"description": "调用者此刻可以申请延期（责任单位，且无待审批的申请）"})
    may_decide = fields.Boolean(metadata={"description": "调用者此刻可以审批待审批的申请"})


class ExtensionInputSchema(Schema):
    requested_due_on = fields.Date(required=True, metadata={
        "description": "延期后的期限 YYYY-MM-DD：须晚于当前期限、不早于今天，且不超过当前期限后一年"})
    reason = fields.String(required=True, metadata={"description": "延期理由"})


class ExtensionDecisionInputSchema(Schema):
    decision = fields.String(required=True, metadata={"description": "approve=同意、refuse=不同意"})
    due_on = fields.Date(metadata={"description": "同意时批准的期限，缺省为申请的日期；须晚于当前期限且不早于今天"})
    comment = fields.String(metadata={"description": "审批意见；不同意时必填"})
