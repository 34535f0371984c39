"""The working-day calendar page (工作日历): where each year's schedule comes from, the schedules entered
by administrators, the office's local holidays; entering a year's schedule (root-office administrators)
and adding or removing a local holiday (the office's administrators). Each change counts the affected
deadlines again; the page flashes how many moved.

Routes parse a form, call one service and commit once; bad input is rolled back and shown beside the
fields (422).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.forms import apply_errors

from inspection import permissions
from inspection.forms import calendar as forms
from inspection.services import calendar as service
from inspection.views import bp


def _page(schedule_form=None, holiday_form=None, status: int = 200):
    data = service.overview(current_user)
    if schedule_form is None:
        schedule_form = forms.ScheduleForm(prefix="schedule", formdata=None)
    if holiday_form is None:
        holiday_form = forms.HolidayForm(prefix="holiday", formdata=None)
    return render_template("inspection/calendar/show_calendar.html", data=data, schedule_form=schedule_form,
                           holiday_form=holiday_form, remove_form=forms.RemoveHolidayForm(formdata=None)), status


def _require_page() -> None:
    """Staff of an office have a calendar page; anyone else gets 404."""
    if not permissions.is_staff(current_user) or current_user.office is None:
        raise NotFound()


def _back():
    return redirect(url_for("inspection.show_calendar"))


@bp.route("/calendar")
@login_required
def show_calendar():
    return _page()


@bp.route("/calendar/schedule", methods=["POST"])
@login_required
def enter_schedule():
    _require_page()
    form = forms.ScheduleForm(prefix="schedule")
    if not form.validate_on_submit():
        return _page(schedule_form=form, status=400)
    upload = form.upload()
    try:
        if upload is not None and (form.days.data or "").strip():
            raise InvalidInput({"file": "请只在文本框中填写或只上传文件，不要同时使用两种方式。"})
        result = service.enter_schedule(current_user, form.year.data,
                                        upload if upload is not None else (form.days.data or ""), form.source.data)
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc, aliases={"days": "file"} if upload is not None else None)
        return _page(schedule_form=form, status=422)
    db.session.commit()
    year = result.calendar_year.year
    flash(_("已%(verb)s%(year)s年节假日安排（%(count)s天）。", verb=_("替换") if result.replaced else _("录入"),
            year=year, count=len(result.calendar_year.days)) + result.summary.message, "success")
    return _back()


@bp.route("/calendar/holidays", methods=["POST"])
@login_required
def add_local_holiday():
    _require_page()
    form = forms.HolidayForm(prefix="holiday")
    if not form.validate_on_submit():
        return _page(holiday_form=form, status=400)
    try:
        holiday, summary = service.add_local_holiday(current_user, current_user.office, form.day.data, form.name.data,
                                                     form.note.data)
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _page(holiday_form=form, status=422)
    db.session.commit()
    flash(_("已将 %(day)s 设为地方节假日“%(name)s”。", day=holiday.day.isoformat(), name=holiday.name)
          + summary.message, "success")
    return _back()


@bp.route("/calendar/holidays/<int:holiday_id>/remove", methods=["POST"])
@login_required
def remove_local_holiday(holiday_id: int):
    holiday = service.get_holiday_or_404(current_user, holiday_id)
    form = forms.RemoveHolidayForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请重试。"), "warning")
        return _back()
    day, name = holiday.day, holiday.name
    summary = service.remove_local_holiday(current_user, holiday)
    db.session.commit()
    flash(_("已取消地方节假日 %(day)s“%(name)s”。", day=day.isoformat(), name=name)
          + _("已给出的整改期限不会提前。") + summary.message, "success")
    return _back()
