"""Forms of the notice screens. They parse input only: the services say in Chinese what is wrong
(nothing to notify, a deadline already passed, a case in the wrong state, a second 签收)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField

from inspection.services.notices import REQUIREMENTS_MAX


class IssueNoticeForm(FlaskForm):
    requirements = TextAreaField(
        _l("整改要求"), render_kw={"maxlength": REQUIREMENTS_MAX, "rows": 6},
        description=_l("印在通知正文中、问题清单之前（不超过 5000 字）；留空则使用默认文字。"),
    )
    submit = SubmitField(_l("确认下发"))


class SignForm(FlaskForm):
    """签收: nothing to fill in; the CSRF token guards the POST."""

    submit = SubmitField(_l("签收"))


class UnsignedFilterForm(FlaskForm):
    class Meta:
        csrf = False

    sub = BooleanField(_l("包括下级编办"))
