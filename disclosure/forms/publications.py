"""Forms of the publication screens. They parse input only: the services say in Chinese what is
wrong (an empty secrecy review opinion, a unit that cannot be proposed …) and the views put the
messages beside these fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField, TextAreaField

MAX_TEXT = 2000


class Required:
    """Marks a field required (asterisk and the HTML ``required`` attribute); the service checks it."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class ProposeForm(FlaskForm):
    """Confirm the proposal of one unit (the page shows the snapshot that will be frozen)."""

    submit = SubmitField(_l("确认提交公开"))


class BulkProposeForm(FlaskForm):
    """The changed units' list: the ticked ones, or every changed unit."""

    # the ids come from checkboxes; the service resolves them within the caller's scope
    unit_ids = SelectMultipleField(_l("单位"), validate_choice=False)
    submit_selected = SubmitField(_l("提交所选单位"))
    submit_all = SubmitField(_l("全部提交"))

    # a unit that cannot be proposed is reported by its code: the message goes to the list
    ERROR_ALIASES = {"units": "unit_ids"}


class ReviewForm(FlaskForm):
    opinion = TextAreaField(
        _l("保密审查意见"), validators=[Required()], render_kw={"maxlength": MAX_TEXT, "rows": 4},
        description=_l("审核通过时写明保密审查结论；不通过时写明理由（不超过 2000 字）。"),
    )
    approve = SubmitField(_l("审核通过并公开"))
    reject = SubmitField(_l("审核不通过"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("撤回理由"), validators=[Required()], render_kw={"maxlength": MAX_TEXT, "rows": 3},
        description=_l("撤回后，公众立即看不到该单位的公开信息（不超过 2000 字）。"),
    )
    submit = SubmitField(_l("确认撤回"))
