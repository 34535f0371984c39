"""Marshmallow schemas of ``/api/v1/cases``: what staff see, what a unit sees (the unit view), and the
documented request bodies (the values themselves are checked by the same services as the web forms).

Two views of a case, never mixed: ``CaseDetailSchema`` for staff of the case's office or a superior
one, ``UnitCaseSchema`` for a unit user — only its own delivered findings and its notice deliveries,
no description, internal notes, timeline, team or other units' findings. ``view`` says which one.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from portal.apiutil import EnumField, UtcDateTime, page_schema
from portal.enums import CodedEnum, N_

from inspection import instruction_queries, rectification
from inspection.models import (
    CaseSource,
    CaseStatus,
    IndicatorArea,
    InstructionKind,
    NoticeKind,
    RectificationStatus,
    Severity,
    ViolationType,
)


def _codes(enum_cls) -> str:
    return "代码或中文：" + "、".join(f"{m.value}={m.raw_label}" for m in enum_cls)


class UnitCaseStatus(CodedEnum):
    """A case's state as its unit reads it: the labels are the web's (``unit_view.unit_status_label``)."""

    RECTIFYING = ("rectifying", N_("整改中"))
    SETTLED = ("settled", N_("本单位问题已整改销号"))
    CLOSED = ("closed", N_("已销号办结"))


# ---------------------------------------------------------------- small references

class CaseOfficeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String(metadata={"description": "编办简称（编号中的机关代字）"})


class CaseUnitSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()


class CasePersonSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class StaffPersonField(fields.Nested):
    """A member of the office's staff (who reviewed, who decided): shown to staff; ``null`` for a unit
    user, who learns that the office decided, not which of its people (their user names stay internal)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_none", True)
        metadata = {"description": "编办经办人（仅编办工作人员可见；单位用户为 null）", **kwargs.pop("metadata", {})}
        super().__init__(CasePersonSchema, metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        from flask_login import current_user

        from inspection import permissions

        if value is None or not current_user or permissions.is_unit_user(current_user):
            return None
        return super()._serialize(value, attr, obj, **kwargs)


class NoticeRefSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"description": "通知书编号"})
    kind = EnumField(NoticeKind)


# ---------------------------------------------------------------- findings

class UnitFindingSchema(Schema):
    """A finding as its responsible unit sees it: what was sent to it, its deadline and review comment."""

    id = fields.Integer()
    seq = fields.Integer(metadata={"description": "事项内序号（问题一、二……）"})
    area = EnumField(IndicatorArea, metadata={"description": "评估指标领域"})
    violation_type = EnumField(ViolationType, metadata={"description": "问题类型"})
    description = fields.String()
    basis = fields.String(metadata={"description": "依据"})
    severity = EnumField(Severity)
    responsible_unit = fields.Nested(CaseUnitSchema, metadata={"description": "责任单位"})
    needs_rectification = fields.Boolean()
    due_on = fields.Date(allow_none=True, metadata={"description": "整改期限（北京时间日期）"})
    period_working_days = fields.Integer(allow_none=True, metadata={
        "description": "本问题自己的整改期限（工作日数），下发通知时据以计算 due_on；空为默认"})
    is_due_provisional = fields.Boolean(metadata={
        "description": "期限按周一至周五计算（当年法定节假日安排尚未公布），可能调整"})
    rectification_status = EnumField(RectificationStatus, allow_none=True)
    is_overdue = fields.Function(lambda f: rectification.is_overdue(f), metadata={"description": "已逾期（派生）"})
    notice = fields.Nested(NoticeRefSchema, allow_none=True, metadata={"description": "列入的整改通知"})
    accepted_at = UtcDateTime(allow_none=True, metadata={"description": "验收销号时间"})
    acceptance_comment = fields.String(allow_none=True, metadata={"description": "验收意见"})


class WaiverSchema(Schema):
    reason = fields.String(attribute="waiver_reason", allow_none=True)
    is_requested = fields.Boolean(attribute="is_waiver_requested", metadata={"description": "有待审批的申请"})
    requested_by = fields.Nested(CasePersonSchema, attribute="waiver_requested_by", allow_none=True)
    requested_at = UtcDateTime(attribute="waiver_requested_at", allow_none=True)
    approved_by = fields.Nested(CasePersonSchema, attribute="waiver_approved_by", allow_none=True)
    approved_at = UtcDateTime(attribute="waiver_approved_at", allow_none=True)


class _WaiverField(fields.Nested):
    """The finding's own waiver columns as one nested object (null when no waiver was asked for)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj if obj.waiver_reason else None


class FindingSchema(UnitFindingSchema):
    """A finding as staff see it, with its waiver (免于整改) state and ``version`` for edits."""

    case_id = fields.Integer()
    accepted_by = fields.Nested(CasePersonSchema, allow_none=True)
    waiver = _WaiverField(WaiverSchema, allow_none=True,
                          metadata={"description": "免于整改：理由、申请人、审批人（无申请时为 null）"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    version = fields.Integer(metadata={"description": "修改（PATCH）时回传，防止覆盖他人的修改"})


class FindingListSchema(Schema):
    items = fields.List(fields.Nested(FindingSchema))


class UnitFindingListSchema(Schema):
    items = fields.List(fields.Nested(UnitFindingSchema))


# ---------------------------------------------------------------- notices

class NoticeDeliverySchema(Schema):
    id = fields.Integer()
    unit = fields.Nested(CaseUnitSchema)
    is_signed = fields.Boolean(metadata={"description": "已签收"})
    signed_at = UtcDateTime(allow_none=True)
    signed_by = fields.String(attribute="signed_by_name", allow_none=True)


class NoticeSchema(NoticeRefSchema):
    requirements = fields.String(metadata={"description": "整改要求"})
    issued_at = UtcDateTime()
    issued_by = fields.String(attribute="issued_by_name")
    finding_seqs = fields.Function(lambda n: [f.seq for f in n.findings], metadata={"description": "列入的问题序号"})
    deliveries = fields.List(fields.Nested(NoticeDeliverySchema), metadata={"description": "各责任单位的送达与签收"})


class UnitDeliverySchema(Schema):
    """One notice as the unit received it (its own findings are in ``findings``)."""

    id = fields.Integer(metadata={"description": "送达记录 id"})
    notice = fields.Nested(NoticeRefSchema)
    requirements = fields.String(attribute="notice.requirements")
    issued_at = UtcDateTime(attribute="notice.issued_at")
    is_signed = fields.Boolean()
    signed_at = UtcDateTime(allow_none=True)
    signed_by = fields.String(attribute="signed_by_name", allow_none=True)


# ---------------------------------------------------------------- cases

class CaseInstructionSchema(Schema):
    id = fields.Integer()
    kind = EnumField(InstructionKind)
    text = fields.String()
    due_on = fields.Date()
    from_office = fields.Nested(CaseOfficeSchema)
    issued_at = UtcDateTime()
    issued_by = fields.String(attribute="issued_by_name")
    is_overdue = fields.Function(lambda i: instruction_queries.is_overdue(i), metadata={"description": "已过答复期限"})


class CaseTransitionSchema(Schema):
    name = fields.String(metadata={"description": "verify、issue_notice、close、dismiss、reopen"})
    to = EnumField(CaseStatus, attribute="target")
    label = fields.String()
    needs_reason = fields.Boolean(metadata={"description": "须填写 reason"})


class CasePermissionsSchema(Schema):
    may_write = fields.Boolean(metadata={"description": "可修改、记录问题、下发通知（本编办且有 cases.manage）"})
    may_approve = fields.Boolean(metadata={"description": "可审批免于整改、重新启用（cases.approve）"})
    transitions = fields.List(fields.Nested(CaseTransitionSchema), metadata={
        "description": "调用者此刻可以发起的状态转换（守卫条件在提交时检查）"})


class CaseSummarySchema(Schema):
    view = fields.Constant("staff", metadata={"description": "staff：编办工作人员视图"})
    id = fields.Integer()
    number = fields.String(metadata={"description": "事项编号，如 杭编督〔2026〕3号"})
    title = fields.String()
    source = EnumField(CaseSource)
    source_ref = fields.String(allow_none=True, metadata={"description": "来源编号（审计报告号、巡察轮次、举报编号等）"})
    status = EnumField(CaseStatus)
    unit = fields.Nested(CaseUnitSchema, metadata={"description": "被督查单位"})
    office = fields.Nested(CaseOfficeSchema, metadata={"description": "办理的编办"})
    lead_inspector = fields.Nested(CasePersonSchema, allow_none=True, metadata={"description": "主办人"})
    received_on = fields.Date(metadata={"description": "线索收到日期"})
    opened_at = UtcDateTime()
    closed_at = UtcDateTime(allow_none=True)
    updated_at = UtcDateTime()
    findings_total = fields.Function(lambda c: len(c.findings))
    findings_open = fields.Function(lambda c: sum(1 for f in c.findings if not f.is_settled),
                                    metadata={"description": "未整改销号也未免于整改的问题数"})
    findings_overdue = fields.Function(lambda c: sum(1 for f in c.findings if rectification.is_overdue(f)))
    version = fields.Integer()


class CaseDetailSchema(CaseSummarySchema):
    description = fields.String(metadata={"description": "情况描述（内部）"})
    dismiss_reason = fields.String(allow_none=True)
    opened_by = fields.Nested(CasePersonSchema, allow_none=True)
    team = fields.List(fields.Nested(CasePersonSchema), metadata={"description": "办理组（不含主办人）"})
    findings = fields.List(fields.Nested(FindingSchema))
    notices = fields.List(fields.Nested(NoticeSchema))
    open_instructions = fields.List(fields.Nested(CaseInstructionSchema), metadata={"description": "未答复的督办/催办"})
    permissions = fields.Nested(CasePermissionsSchema)


class UnitCaseSummarySchema(Schema):
    view = fields.Constant("unit", metadata={"description": "unit：被督查单位视图"})
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    status = EnumField(UnitCaseStatus, attribute="unit_status", metadata={
        "description": "单位看到的状态：rectifying=整改中、settled=本单位问题已整改销号、closed=已销号办结"})
    office = fields.Nested(CaseOfficeSchema, metadata={"description": "下发通知的编办"})
    findings_total = fields.Function(lambda c: len(c.unit_findings), metadata={"description": "本单位的问题数"})
    findings_open = fields.Function(lambda c: sum(1 for f in c.unit_findings if not f.is_settled))
    findings_overdue = fields.Function(lambda c: sum(1 for f in c.unit_findings if rectification.is_overdue(f)))


class UnitCaseSchema(UnitCaseSummarySchema):
    findings = fields.List(fields.Nested(UnitFindingSchema), attribute="unit_findings",
                           metadata={"description": "下发给本单位的问题"})
    deliveries = fields.List(fields.Nested(UnitDeliverySchema), metadata={"description": "本单位收到的整改通知"})


CasePageSchema = page_schema(CaseSummarySchema)
UnitCasePageSchema = page_schema(UnitCaseSummarySchema)


class CaseEventSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "create、update、verify、finding_add、issue_notice……"})
    summary = fields.String()
    finding_id = fields.Integer(allow_none=True)
    details = fields.Dict()
    actor = fields.String(attribute="actor_name")
    created_at = UtcDateTime()


CaseEventPageSchema = page_schema(CaseEventSchema)


# ---------------------------------------------------------------- request bodies (documentation)

class CaseInputSchema(Schema):
    source = fields.String(required=True, metadata={"description": _codes(CaseSource)})
    unit_id = fields.Integer(required=True, metadata={"description": "被督查单位 id（须在本编办辖区内且存续）"})
    title = fields.String(required=True, metadata={"description": "标题（不超过 200 字）"})
    description = fields.String(metadata={"description": "情况描述"})
    source_ref = fields.String(metadata={"description": "来源编号（审计报告号、巡察轮次、举报编号等）"})
    received_on = fields.Date(metadata={"description": "线索收到日期（默认今天，不能晚于今天）"})
    lead_inspector_id = fields.Integer(metadata={"description": "主办人 id（本编办有 cases.manage 的人员；默认本人）"})
    team_ids = fields.List(fields.Integer(), metadata={"description": "办理组成员 id"})


class CasePatchSchema(CaseInputSchema):
    """Only the given keys change; ``version`` is the version the edit started from."""

    version = fields.Integer(required=True, metadata={
        "description": "据以修改的版本号（GET 得到的 version）；已被他人修改时 409"})
    source = fields.String(metadata={"description": _codes(CaseSource)})
    unit_id = fields.Integer(metadata={"description": "下发整改通知后不能更换"})
    title = fields.String()


class TransitionInputSchema(Schema):
    to = fields.String(required=True, metadata={"description": "目标状态，" + _codes(CaseStatus)})
    reason = fields.String(metadata={"description": "理由：不予立案、重新启用时必填"})
    requirements = fields.String(metadata={"description": "转为 rectifying（下发整改通知）时的整改要求，缺省用标准文字"})


class FindingInputSchema(Schema):
    area = fields.String(required=True, metadata={"description": _codes(IndicatorArea)})
    violation_type = fields.String(required=True, metadata={"description": _codes(ViolationType)})
    description = fields.String(required=True)
    basis = fields.String(metadata={"description": "依据"})
    severity = fields.String(metadata={"description": "缺省 minor；" + _codes(Severity)})
    responsible_unit_id = fields.Integer(metadata={"description": "责任单位 id，缺省为被督查单位"})
    needs_rectification = fields.Boolean(metadata={"description": "缺省 true"})
    due_on = fields.Date(metadata={"description": "整改期限，须晚于今天；缺省在下发通知时按工作日计算"})
    period_working_days = fields.Integer(allow_none=True, metadata={
        "description": "本问题的整改期限：下发通知之日起的法定工作日数（1–250），代替默认；与 due_on 只填一项"})


class FindingPatchSchema(FindingInputSchema):
    version = fields.Integer(required=True, metadata={"description": "据以修改的版本号；已被他人修改时 409"})
    area = fields.String(metadata={"description": _codes(IndicatorArea)})
    violation_type = fields.String(metadata={"description": _codes(ViolationType)})
    description = fields.String()


class CommentInputSchema(Schema):
    comment = fields.String(metadata={"description": "意见（可空）"})


class ReasonInputSchema(Schema):
    reason = fields.String(required=True, metadata={"description": "免于整改的理由"})


class WaiverDecisionInputSchema(Schema):
    approve = fields.Boolean(required=True, metadata={"description": "true 同意，false 不同意"})
    comment = fields.String(metadata={"description": "审批意见；不同意时必填"})


class NoticeInputSchema(Schema):
    requirements = fields.String(metadata={"description": "整改要求，缺省用标准文字"})
