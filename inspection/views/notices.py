"""Rectification notices on the web: issuing (整改通知 / 补充整改通知), the printable official document,
one unit's copy and its 签收, the unit's workspace, and the inspectors' list of unsigned notices.

Routes parse a form, call one service and commit once; a refusal is rolled back and its message shown
on the page. Scoping lives in :mod:`inspection.permissions` and :mod:`inspection.notice_queries`:
anything outside the caller's scope answers 404.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry.queries import paginate
from portal.timeutil import beijing_today

from inspection import finding_lists, followup
from inspection import notice_queries as q
from inspection import permissions
from inspection.forms import notices as forms
from inspection.services import notices as service
from inspection.views import bp


def _notice_panel(case):
    """The case page's notices panel (``templates/inspection/notices/_case_panel.html``)."""
    if not current_user.is_authenticated:
        return q.CasePanel()
    return q.case_panel(current_user, case)


@bp.app_context_processor
def _notice_helpers():
    return {"notice_panel": _notice_panel}


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


# ---------------------------------------------------------------- issuing

@bp.route("/cases/<int:case_id>/notices/new", methods=["GET", "POST"])
@login_required
def issue_notice(case_id: int):
    case = q.writable_case_or_404(current_user, case_id)
    form = forms.IssueNoticeForm()
    if request.method == "GET":
        form.requirements.data = service.default_requirements(case)
    elif form.validate_on_submit():
        try:
            notice = service.issue(current_user, case, requirements=form.requirements.data)
        except InvalidInput as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("已下发%(kind)s %(number)s。", kind=notice.kind_enum.label, number=notice.number), "success")
            return redirect(url_for("inspection.show_notice", notice_id=notice.id))
    else:  # the form has no validators of its own: only the CSRF token fails here
        form.form_errors.append(_("页面已过期，请刷新后重试。"))
    status = 422 if form.form_errors or form.errors else 200
    return render_template("inspection/notices/issue_notice.html", case=case, form=form,
                           preview=q.issue_preview(case)), status


# ---------------------------------------------------------------- the printable notice

@bp.route("/notices/<int:notice_id>")
@login_required
def show_notice(notice_id: int):
    """The whole notice (all units) for staff; a unit user is sent to its own copy, if it has one."""
    if permissions.is_unit_user(current_user):
        delivery_id = q.own_delivery_id(current_user, notice_id)
        if delivery_id is None:
            raise NotFound()
        return redirect(url_for("inspection.show_delivery", delivery_id=delivery_id))
    notice = q.notice_or_404(current_user, notice_id)
    return render_template("inspection/notices/show_notice.html", notice=notice, case=notice.case,
                           findings=notice.findings, recipients=[d.unit for d in notice.deliveries])


@bp.route("/deliveries/<int:delivery_id>")
@login_required
def show_delivery(delivery_id: int):
    delivery = q.delivery_or_404(current_user, delivery_id)
    return _delivery_page(delivery, forms.SignForm())


def _delivery_page(delivery, form, status: int = 200):
    notice = delivery.notice
    return render_template(
        "inspection/notices/show_delivery.html", delivery=delivery, notice=notice, case=notice.case,
        findings=q.delivery_findings(delivery), recipients=[delivery.unit], form=form,
        may_sign=q.may_sign(current_user, delivery), staff_view=permissions.is_staff(current_user),
    ), status


@bp.route("/deliveries/<int:delivery_id>/sign", methods=["POST"])
@login_required
def sign_delivery(delivery_id: int):
    delivery = q.delivery_or_404(current_user, delivery_id)
    form = forms.SignForm()
    if not form.validate_on_submit():
        form.form_errors.append(_("签收请求无效，请刷新页面后重试。"))
        return _delivery_page(delivery, form, 400)
    try:
        service.sign(current_user, delivery)
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _delivery_page(q.delivery_or_404(current_user, delivery_id), form, exc.status)
    db.session.commit()
    flash(_("已签收 %(number)s。", number=delivery.notice.number), "success")
    return redirect(url_for("inspection.show_delivery", delivery_id=delivery.id))


# ---------------------------------------------------------------- the unit's workspace

@bp.route("/my-unit")
@login_required
def unit_home():
    """The unit user's workspace: its open findings (overdue first, then by deadline) and its notices
    (unsigned first). Staff: 404."""
    if not permissions.is_unit_user(current_user):
        raise NotFound()
    deliveries = paginate(q.unit_deliveries_query(current_user), request.args.get("npage"), None,
                          default_per_page=_per_page())
    findings = paginate(finding_lists.unit_open_findings_query(current_user), request.args.get("page"), None,
                        default_per_page=_per_page())
    return render_template("inspection/notices/unit_home.html", deliveries=deliveries, findings=findings,
                           rows=finding_lists.finding_rows(list(findings.items), unit_id=current_user.unit_id),
                           overdue_count=followup.unit_overdue_count(current_user),
                           sign_form=forms.SignForm(), unit=current_user.unit)


# ---------------------------------------------------------------- unsigned notices (staff)

@bp.route("/notices/unsigned")
@login_required
def unsigned_notices():
    form = forms.UnsignedFilterForm(request.args)
    pagination = paginate(q.unsigned_query(current_user, include_subordinates=bool(form.sub.data)),
                          request.args.get("page"), None, default_per_page=_per_page())
    today = beijing_today()
    return render_template("inspection/notices/unsigned_notices.html", form=form, pagination=pagination,
                           days={d.id: q.days_since(d.notice.issued_at, today) for d in pagination.items})
