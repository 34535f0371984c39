"""Schemas of ``GET /api/v1/findings``: one item per finding with its deadline facts, the same for staff and
unit users (no case title or description, no internal notes: a unit user sees only what was sent to it)."""
from __future__ import annotations

from marshmallow import Schema, fields

from portal.apiutil import EnumField, PageArgs, page_schema

from inspection.models import IndicatorArea, RectificationStatus, Severity, ViolationType


def _codes(enum_cls) -> str:
    return "代码或中文：" + "、".join(f"{m.value}={m.raw_label}" for m in enum_cls)


class FindingListArgs(PageArgs):
    """Passed as they come to ``finding_lists.FindingFilters.from_mapping``, which judges them (422 naming
    the bad one); declared here for the document."""

    overdue = fields.String(metadata={"description": "true：只列逾期的问题；false：只列未逾期的"})
    status = fields.String(metadata={"description": "整改状态，" + _codes(RectificationStatus)})
    unit = fields.String(metadata={"description": "责任单位的统一社会信用代码（仅编办工作人员；单位用户使用时 422）"})
    case_id = fields.String(metadata={"description": "督查事项 id", "format": "int32"})
    due_before = fields.String(metadata={"description": "整改期限不晚于该日（YYYY-MM-DD，含）", "format": "date"})
    due_after = fields.String(metadata={"description": "整改期限不早于该日（YYYY-MM-DD，含）", "format": "date"})
    area = fields.String(metadata={"description": "评估指标领域，" + _codes(IndicatorArea)})


class FindingListCaseSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"description": "督查事项编号"})


class FindingListUnitSchema(Schema):
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()


class FindingListItemSchema(Schema):
    id = fields.Integer(attribute="finding.id")
    case = fields.Nested(FindingListCaseSchema, attribute="finding.case")
    seq = fields.Integer(attribute="finding.seq", metadata={"description": "事项内序号（问题一、二……）"})
    area = EnumField(IndicatorArea, attribute="finding.area", metadata={"description": "评估指标领域"})
    violation_type = EnumField(ViolationType, attribute="finding.violation_type", metadata={"description": "问题类型"})
    severity = EnumField(Severity, attribute="finding.severity")
    description = fields.String(attribute="finding.description")
    responsible_unit = fields.Nested(FindingListUnitSchema, attribute="finding.responsible_unit",
                                     metadata={"description": "责任单位"})
    notice_number = fields.Function(lambda row: row.finding.notice.number if row.finding.notice else None,
                                    metadata={"description": "列入的整改通知文号（尚未通知时为 null）"})
    due_on = fields.Date(attribute="finding.due_on", allow_none=True, metadata={"description": "整改期限（北京时间日期）"})
    is_due_provisional = fields.Boolean(attribute="finding.is_due_provisional", metadata={
        "description": "期限按周一至周五推算（当年法定节假日安排尚未公布），可能调整"})
    is_overdue = fields.Boolean(metadata={"description": "已逾期（派生：按期提交、待审核的不算逾期）"})
    working_days_left = fields.Integer(attribute="days_left", allow_none=True, metadata={
        "description": "距整改期限的工作日数（已过期为负数；已销号、免于整改或无期限时为 null）"})
    rectification_status = EnumField(RectificationStatus, attribute="finding.rectification_status", allow_none=True)
    rounds = fields.Integer(metadata={"description": "已提交的整改报告轮数"})
    waiting_review = fields.Function(lambda row: row.waiting is not None,
                                     metadata={"description": "有整改报告待审核"})


FindingListPageSchema = page_schema(FindingListItemSchema)

__all__ = ["FindingListArgs", "FindingListItemSchema", "FindingListPageSchema"]
