"""Forms of the supervision-instruction screens (督办/催办 and the answer). They parse input only: the
kind and the deadline are plain fields on purpose, so the service says in Chinese what is wrong (an
unknown kind, a deadline not after today) instead of a generic form-library message."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.widgets import DateInput

from inspection.models import InstructionKind
from inspection.services.instructions import ANSWER_MAX, TEXT_MAX


class Required:
    """Marks a field required (asterisk and the HTML ``required`` attribute); the service checks it."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class IssueInstructionForm(FlaskForm):
    kind = SelectField(_l("督办类型"), validators=[Required()], validate_choice=False,
                       description=_l("督办：要求限期办理并答复；催办：催促尚未办结的事项。"))
    text = TextAreaField(_l("督办内容"), validators=[Required()], render_kw={"rows": 5, "maxlength": TEXT_MAX},
                         description=_l("写明要求下级编办办理和答复的事项（不超过 5000 字）。"))
    due_on = StringField(_l("答复期限"), validators=[Required()], widget=DateInput(),
                         description=_l("须晚于今天（北京时间）。"))
    submit = SubmitField(_l("发出"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = InstructionKind.choices()

    def instruction_data(self) -> dict:
        return {"kind": self.kind.data, "text": self.text.data, "due_on": self.due_on.data}


class AnswerInstructionForm(FlaskForm):
    answer = TextAreaField(_l("答复内容"), validators=[Required()], render_kw={"rows": 6, "maxlength": ANSWER_MAX},
                           description=_l("写明办理情况和结果（不超过 5000 字）；答复后不能修改。"))
    submit = SubmitField(_l("提交答复"))
