"""The audit page's filter form (a GET form: no CSRF token, nothing changes)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional


class EventFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField(_l("操作人（用户名）"), validators=[Optional(), Length(max=100)])
    action = StringField(_l("操作"), validators=[Optional(), Length(max=50)])
    object_type = StringField(_l("对象类型"), validators=[Optional(), Length(max=50)])
    object_id = StringField(_l("对象编号"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("开始日期（北京时间）"), validators=[Optional()],
                          invalid_value_message=_l("日期格式应为 年-月-日，例如 2026-03-01。"))
    date_to = DateField(_l("结束日期（北京时间）"), validators=[Optional()],
                        invalid_value_message=_l("日期格式应为 年-月-日，例如 2026-03-01。"))
