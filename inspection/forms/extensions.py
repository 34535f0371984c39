"""The forms of extension requests (延期申请): the unit's request and the inspector's decision.

Dates are plain text fields: the service checks them and says in Chinese what is wrong."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from inspection.forms.cases import Required, date_field


class ExtensionRequestForm(FlaskForm):
    requested_due_on = date_field(_l("延期后的期限"), required=True,
                                  description=_l("须晚于当前期限；批准后期限即改为该日（北京时间当日 23:59 截止）。"))
    reason = TextAreaField(_l("延期理由"), validators=[Required()], render_kw={"rows": 3, "maxlength": 2000})

    def values(self) -> dict:
        return {"requested_due_on": self.requested_due_on.data, "reason": self.reason.data}


class ExtensionDecisionForm(FlaskForm):
    """``decision`` is ``approve`` or ``refuse`` (the two submit buttons carry it)."""

    decision = StringField()
    due_on = date_field(_l("批准的期限"), description=_l("同意时适用，缺省为申请的日期；须晚于当前期限且不早于今天。"))
    comment = TextAreaField(_l("审批意见"), render_kw={"rows": 2, "maxlength": 2000},
                            description=_l("不同意时须填写理由。"))
