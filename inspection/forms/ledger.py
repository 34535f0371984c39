"""Forms of the ledger screens (问题台账): the ledger's filters, the staff's unit picker and the overdue
list's filter. They parse input only; :class:`inspection.ledger.LedgerFilters` judges the values."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from inspection.models import RectificationStatus


class LedgerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("整改状态"), validate_choice=False)
    overdue = SelectField(_l("是否逾期"), validate_choice=False)
    year = StringField(_l("年度"), render_kw={"maxlength": 4, "inputmode": "numeric", "placeholder": "2026"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _("全部"))] + RectificationStatus.choices()
        self.overdue.choices = [("", _("全部")), ("1", _("已逾期")), ("0", _("未逾期"))]


class LedgerPickForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(_l("统一社会信用代码"), render_kw={"maxlength": 18, "placeholder": "11330100…"})


class OverdueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    sub = BooleanField(_l("包括下级编办"))
