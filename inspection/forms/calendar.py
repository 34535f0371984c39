"""Forms of the working-day calendar page: a year's national schedule (typed or uploaded) and an
office's local holidays. They parse input only; ``inspection.services.calendar`` says in Chinese what
is wrong, line by line."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField

from inspection.forms.cases import Required, date_field


class ScheduleForm(FlaskForm):
    year = StringField(_l("年份"), validators=[Required()], render_kw={"inputmode": "numeric", "maxlength": 4},
                       description=_l("如 2027；可录入去年及以后的年份，再次录入同一年份会替换原有安排。"))
    source = StringField(_l("依据文件"), validators=[Required()], render_kw={"maxlength": 200},
                         description=_l("如 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）。"))
    days = TextAreaField(
        _l("节假日安排"), render_kw={"rows": 10, "placeholder": "2027-01-01,元旦,休\n2027-02-06,春节调休上班,班"},
        description=_l("每行一天：日期,名称,休或班。要填的是放假的工作日（休）和调休上班的周六、周日（班）；"
                       "照抄通知中的整段假期（含周末）也可以。"),
    )
    file = FileField(_l("或上传文件"), render_kw={"accept": ".csv,.txt,.xlsx"},
                     description=_l("CSV 或 Excel 工作簿（.xlsx），三列依次为 日期、名称、休/班，可有表头行。"))
    submit = SubmitField(_l("录入并重新计算暂定期限"))

    def upload(self):
        """The uploaded file, or None when none was chosen."""
        data = self.file.data
        return data if data is not None and getattr(data, "filename", "") else None


class HolidayForm(FlaskForm):
    day = date_field(_l("日期"), required=True, description=_l("本编办及下级编办辖区内督查事项的整改期限均不计这一天。"))
    name = StringField(_l("名称"), validators=[Required()], render_kw={"maxlength": 50},
                       description=_l("如 三月三、某民族传统节日。"))
    note = TextAreaField(_l("说明"), render_kw={"rows": 2, "maxlength": 1000},
                         description=_l("可写明依据文件。"))
    submit = SubmitField(_l("设置地方节假日"))


class RemoveHolidayForm(FlaskForm):
    """Only the CSRF token: removing a local holiday is one button."""
