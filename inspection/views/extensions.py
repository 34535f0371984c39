"""Extension requests (延期申请) on the web: the unit asks, the inspector decides, staff list what waits.

The forms sit in the finding page's panel (``templates/inspection/extensions/_panel.html``, built by
``services.extensions.panel``) and post here; a refused request or decision is shown on a small page of
its own with the messages beside the fields and the typed values kept. Success goes back to the finding
page with a flashed message.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import CSRF_PAGE_MESSAGE, InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry.queries import paginate

from inspection import permissions
from inspection.forms.extensions import ExtensionDecisionForm, ExtensionRequestForm
from inspection.services import extensions as service
from inspection.views import bp



def _finding_page(finding):
    return redirect(url_for("inspection.show_finding", finding_id=finding.id, _anchor="extensions"))


def _form_failed(form) -> None:
    """A form that did not validate (only the CSRF token can fail: the service checks the values)."""
    if "csrf_token" in form.errors:
        form.form_errors.append(_(CSRF_PAGE_MESSAGE))


def _blocked(check, *args) -> str | None:
    """Why ``check`` refuses (a 403 is raised: the page is not for this user)."""
    try:
        check(*args)
    except PermissionDenied:
        raise
    except (InvalidInput, service.AlreadyDecided) as exc:
        return exc.message
    return None


# ---------------------------------------------------------------- the unit asks

def _request_page(finding, form, blocked=None, status: int = 200):
    return render_template("inspection/extensions/request.html", finding=finding, case=finding.case, form=form,
                           blocked=blocked, history=service.history(finding)), status


@bp.route("/findings/<int:finding_id>/extensions/new", methods=["GET", "POST"])
@login_required
def request_extension(finding_id: int):
    finding = permissions.get_finding_or_404(current_user, finding_id)
    form = ExtensionRequestForm()
    if request.method == "GET":
        blocked = _blocked(service.check_request, current_user, finding)
        return _request_page(finding, None if blocked else form, blocked)
    if not form.validate_on_submit():
        _form_failed(form)
        return _request_page(finding, form, status=400)
    try:
        service.request_extension(current_user, finding, form.values())
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _request_page(finding, form, status=422)
    db.session.commit()
    flash(_("已提交问题%(seq)s的延期申请，等待编办审批。", seq=finding.seq), "success")
    return _finding_page(finding)


# ---------------------------------------------------------------- the inspector decides

def _decision_page(ext, form, blocked=None, status: int = 200):
    finding = ext.finding
    return render_template("inspection/extensions/decide.html", ext=ext, finding=finding, case=finding.case,
                           form=form, blocked=blocked, history=service.history(finding)), status


@bp.route("/extensions/<int:request_id>/decision", methods=["GET", "POST"])
@login_required
def decide_extension(request_id: int):
    ext = service.get_request_or_404(current_user, request_id)
    form = ExtensionDecisionForm()
    if request.method == "GET":
        blocked = _blocked(service.check_decide, current_user, ext)
        form.due_on.data = ext.requested_due_on.isoformat()
        return _decision_page(ext, None if blocked else form, blocked)
    if not form.validate_on_submit():
        _form_failed(form)
        return _decision_page(ext, form, status=400)
    decision = (form.decision.data or "").strip()
    try:
        if decision not in ("approve", "refuse"):
            raise InvalidInput({"decision": "请选择“同意”或“不同意”延期。"})
        service.decide_extension(current_user, ext, approve=decision == "approve", due_on=form.due_on.data,
                                 comment=form.comment.data)
    except service.AlreadyDecided as exc:
        db.session.rollback()
        return _decision_page(ext, None, exc.message, 409)
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _decision_page(ext, form, status=422)
    db.session.commit()
    finding = ext.finding
    if decision == "approve":
        flash(_("已同意问题%(seq)s延期至 %(due)s。", seq=finding.seq, due=ext.granted_due_on.isoformat()), "success")
    else:
        flash(_("已不同意问题%(seq)s的延期申请。", seq=finding.seq), "success")
    return _finding_page(finding)


# ---------------------------------------------------------------- what waits

@bp.route("/extensions")
@login_required
def list_extension_requests():
    if not permissions.is_staff(current_user):
        raise NotFound()
    pagination = paginate(service.pending_query(current_user), request.args.get("page"),
                          request.args.get("per_page"), default_per_page=25)
    return render_template("inspection/extensions/list.html", pagination=pagination)
