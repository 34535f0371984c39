"""The case form and the one-field forms of the case page (transition, internal note).

Dates and ids are plain text/select fields without choice validation on purpose: the service checks
them and says in Chinese what is wrong, instead of a generic form-library message.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import DateInput

from portal.accounts.permissions import office_subtree_ids
from portal.extensions import db
from portal.registry.models import Unit, UnitStatus

from inspection.models import CaseSource
from inspection.services.common import office_inspectors

UNIT_CHOICES_LIMIT = 2000


class Required:
    """Marks a field required (asterisk and the HTML ``required`` attribute); the service checks it."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


def date_field(label, required=False, **kwargs):
    return StringField(label, validators=[Required()] if required else [], widget=DateInput(), **kwargs)


def select_field(label, required=False, **kwargs):
    # choices are set per request; the service validates the value
    return SelectField(label, validators=[Required()] if required else [], validate_choice=False, **kwargs)


def unit_label(unit) -> str:
    return f"{unit.name}（{unit.code}）"


def unit_choices(office, current=None, limit: int = UNIT_CHOICES_LIMIT) -> list[tuple[str, str]]:
    """Active units of ``office``'s region as ``(id, "名称（代码）")``, by name; ``current`` (the unit a
    record already names) is kept even when abolished or beyond the limit."""
    units = list(db.session.scalars(
        select(Unit).where(Unit.office_id.in_(office_subtree_ids(office)), Unit.status == UnitStatus.ACTIVE.value)
        .order_by(Unit.name, Unit.id).limit(limit)
    ))
    if current is not None and all(u.id != current.id for u in units):
        units.insert(0, current)
    return [("", _("请选择"))] + [(str(u.id), unit_label(u)) for u in units]


class CaseForm(FlaskForm):
    source = select_field(_l("来源"), required=True)
    unit_id = select_field(_l("被督查单位"), required=True,
                           description=_l("本编办辖区内的单位，按名称排序；可在列表中输入名称或代码的开头快速定位。"))
    title = StringField(_l("标题"), validators=[Required()], render_kw={"maxlength": 200})
    description = TextAreaField(_l("情况描述"), render_kw={"rows": 5})
    source_ref = StringField(
        _l("来源编号"), render_kw={"maxlength": 200},
        description=_l("审计来源填审计报告文号，巡视巡察填巡察轮次，12310举报填举报编号，部门移送填移送函文号。"),
    )
    received_on = date_field(_l("线索收到日期"), description=_l("留空则为今天；不能晚于今天。"))
    lead_inspector_id = select_field(_l("主办人"))
    team_ids = SelectMultipleField(_l("办理组成员"), validate_choice=False, render_kw={"size": 5},
                                   description=_l("可按住 Ctrl（Mac 为 Command）多选。"))
    version = HiddenField()

    def __init__(self, office, *args, current_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [("", _("请选择"))] + CaseSource.choices()
        self.unit_id.choices = unit_choices(office, current_unit)
        inspectors = office_inspectors(office)
        self.lead_inspector_id.choices = [("", _("（登记人本人）"))] + [(str(u.id), u.label) for u in inspectors]
        self.team_ids.choices = [(str(u.id), u.label) for u in inspectors]

    def fill(self, case) -> None:
        """Show ``case``'s current values (GET of the edit page)."""
        self.source.data = case.source
        self.unit_id.data = str(case.unit_id)
        self.title.data = case.title
        self.description.data = case.description
        self.source_ref.data = case.source_ref or ""
        self.received_on.data = case.received_on.isoformat() if case.received_on else ""
        self.lead_inspector_id.data = str(case.lead_inspector_id) if case.lead_inspector_id else ""
        self.team_ids.data = [str(m.user_id) for m in case.members]
        self.version.data = str(case.version)

    def values(self) -> dict:
        """What the service reads (``services.cases.create_case``/``update_case``)."""
        data = {name: getattr(self, name).data for name in (
            "source", "unit_id", "title", "description", "source_ref", "received_on", "lead_inspector_id",
            "team_ids", "version")}
        data["team_ids"] = data["team_ids"] or []
        return data


class TransitionForm(FlaskForm):
    """One lifecycle move of the case page (``to`` = the target status code)."""

    to = HiddenField()
    reason = TextAreaField(_l("理由"), render_kw={"rows": 2, "maxlength": 2000})


class NoteForm(FlaskForm):
    text = TextAreaField(_l("内部备注"), validators=[Required()], render_kw={"rows": 3, "maxlength": 5000},
                         description=_l("仅本编办办理人员可见，不会发送给被督查单位。"))
