"""The finding form and the finding actions of the case page (验收销号, 免于整改 request and decision)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from inspection.forms.cases import Required, date_field, select_field, unit_choices
from inspection.models import IndicatorArea, Severity, ViolationType


class FindingForm(FlaskForm):
    area = select_field(_l("评估指标领域"), required=True)
    violation_type = select_field(_l("问题类型"), required=True)
    description = TextAreaField(_l("问题描述"), validators=[Required()], render_kw={"rows": 4, "maxlength": 5000})
    basis = TextAreaField(_l("依据"), render_kw={"rows": 2, "maxlength": 5000},
                          description=_l("违反的法规、文件条款等。"))
    severity = select_field(_l("严重程度"))
    responsible_unit_id = select_field(_l("责任单位"), description=_l("默认为被督查单位。"))
    needs_rectification = BooleanField(_l("需要整改"), default=True)
    due_on = date_field(_l("整改期限"), description=_l("具体日期；与“整改期限（工作日）”只填一项，都不填则下发整改通知时按默认工作日数计算。"))
    period_working_days = StringField(_l("整改期限（工作日）"), render_kw={"inputmode": "numeric", "maxlength": 3},
                                      description=_l("本问题自下发整改通知之日起的法定工作日数（1–250），代替默认期限。"))
    version = HiddenField()

    def __init__(self, case, *args, current_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [("", _("请选择"))] + IndicatorArea.choices()
        self.violation_type.choices = [("", _("请选择"))] + ViolationType.choices()
        self.severity.choices = Severity.choices()
        self.responsible_unit_id.choices = unit_choices(case.office, current_unit or case.unit)
        if not self.is_submitted() and not self.responsible_unit_id.data:
            self.responsible_unit_id.data = str(case.unit_id)

    def fill(self, finding) -> None:
        for name in ("area", "violation_type", "description", "basis", "severity", "needs_rectification"):
            getattr(self, name).data = getattr(finding, name)
        self.responsible_unit_id.data = str(finding.responsible_unit_id)
        self.due_on.data = finding.due_on.isoformat() if finding.due_on else ""
        self.period_working_days.data = str(finding.period_working_days or "")
        self.version.data = str(finding.version)

    def values(self) -> dict:
        """What ``services.findings.add_finding``/``update_finding`` read."""
        data = {name: getattr(self, name).data for name in (
            "area", "violation_type", "description", "basis", "severity", "responsible_unit_id",
            "needs_rectification", "due_on", "period_working_days", "version")}
        data["needs_rectification"] = bool(data["needs_rectification"])
        return data


class AcceptForm(FlaskForm):
    comment = TextAreaField(_l("验收意见"), render_kw={"rows": 2, "maxlength": 5000})


class WaiverRequestForm(FlaskForm):
    reason = TextAreaField(_l("免于整改理由"), validators=[Required()], render_kw={"rows": 2, "maxlength": 5000})


class WaiverDecisionForm(FlaskForm):
    """``decision`` is ``approve`` or ``refuse`` (the two submit buttons carry it)."""

    decision = StringField()
    comment = TextAreaField(_l("审批意见"), render_kw={"rows": 2, "maxlength": 5000},
                            description=_l("不同意时须填写意见。"))
