"""The codes of the inspection package; Chinese labels beside them (``CodedEnum``)."""
from __future__ import annotations

from portal.enums import CodedEnum, N_


class CaseSource(CodedEnum):
    ASSESSMENT = ("assessment", N_("评估"))
    AUDIT = ("audit", N_("审计"))
    INSPECTION = ("inspection", N_("巡视巡察/督查"))
    HOTLINE = ("hotline", N_("12310举报"))
    SPECIAL = ("special", N_("专项督查"))
    ROUTINE = ("routine", N_("日常监督"))
    SELF_CHECK = ("self_check", N_("自查"))
    TRANSFER = ("transfer", N_("部门移送"))


class CaseStatus(CodedEnum):
    REGISTERED = ("registered", N_("线索登记"))
    VERIFYING = ("verifying", N_("调查核实"))
    RECTIFYING = ("rectifying", N_("整改中"))
    CLOSED = ("closed", N_("销号办结"))
    DISMISSED = ("dismissed", N_("查无实据/不予立案"))


class IndicatorArea(CodedEnum):
    """The six areas of the assessment framework (评估指标六大方面)."""

    FUNCTIONS = ("functions", N_("职能配置情况"))
    ORGANISATION = ("organisation", N_("机构设置和管理情况"))
    ESTABLISHMENT = ("establishment", N_("编制核定和管理情况"))
    STAFFING = ("staffing", N_("人员配备和管理情况"))
    MECHANISMS = ("mechanisms", N_("内外部工作机制建立和运行情况"))
    PERFORMANCE = ("performance", N_("职责履行和取得成效情况"))


class ViolationType(CodedEnum):
    OVER_ESTABLISHMENT = ("over_establishment", N_("超编进人"))
    OVER_POSTS = ("over_posts", N_("超职数配备领导干部"))
    OVER_GRADE = ("over_grade", N_("超规格配备"))
    UNAUTHORISED_BODY = ("unauthorised_body", N_("擅自设立/变更机构"))
    DISGUISED_BODY = ("disguised_body", N_("变相增设机构/加挂牌子"))
    IRREGULAR_DEPARTMENT = ("irregular_department", N_("违规设置内设机构"))
    MIXED_POSTS = ("mixed_posts", N_("混编混岗"))
    MISUSED_QUOTA = ("misused_quota", N_("挤占挪用编制"))
    GHOST_PAY = ("ghost_pay", N_("吃空饷"))
    ULTRA_VIRES = ("ultra_vires", N_("越权审批"))
    FALSE_REPORT = ("false_report", N_("虚报瞒报"))
    DUTY_FAILURE = ("duty_failure", N_("职责履行不到位"))
    OTHER = ("other", N_("其他"))


class Severity(CodedEnum):
    MINOR = ("minor", N_("一般"))
    MAJOR = ("major", N_("较重"))
    SERIOUS = ("serious", N_("严重"))


class RectificationStatus(CodedEnum):
    """A finding's rectification (整改). ``submitted``/``returned`` come with the unit's reports."""

    PENDING = ("pending", N_("待整改"))
    SUBMITTED = ("submitted", N_("已提交"))
    RETURNED = ("returned", N_("退回"))
    ACCEPTED = ("accepted", N_("已销号"))
    WAIVED = ("waived", N_("免于整改"))


class NoticeKind(CodedEnum):
    INITIAL = ("initial", N_("整改通知"))
    SUPPLEMENTARY = ("supplementary", N_("补充整改通知"))


class InstructionKind(CodedEnum):
    SUPERVISE = ("supervise", N_("督办"))
    URGE = ("urge", N_("催办"))


class SubmissionStatus(CodedEnum):
    DRAFT = ("draft", N_("草稿"))
    SUBMITTED = ("submitted", N_("待审核"))
    ACCEPTED = ("accepted", N_("验收通过"))
    RETURNED = ("returned", N_("已退回"))


class ExtensionStatus(CodedEnum):
    PENDING = ("pending", N_("待审批"))
    APPROVED = ("approved", N_("已同意"))
    REFUSED = ("refused", N_("不同意"))
    LAPSED = ("lapsed", N_("已失效"))  # the finding was accepted or waived before anyone decided
