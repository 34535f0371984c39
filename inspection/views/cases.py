"""The case page and its actions: register (线索登记) and edit a case, move it along the lifecycle,
record and edit findings, accept (验收销号) and waive (免于整改) them, internal notes.

Each action loads its record within the caller's scope (404 outside it, 403 when read-only), parses
a form, calls one service function and commits once; a service's ``InvalidInput`` is rolled back and
its messages sit beside the fields (the form keeps what the user typed). A ``unit`` user gets the unit
view of a case (``inspection.unit_view``): only what was sent to its own unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import CSRF_PAGE_MESSAGE, InvalidInput, PermissionDenied
from portal.extensions import db
from portal.forms import apply_errors

from inspection import case_page, permissions, unit_view
from inspection.forms.cases import CaseForm, NoteForm, TransitionForm
from inspection.forms.findings import AcceptForm, FindingForm, WaiverDecisionForm, WaiverRequestForm
from inspection.services import cases as case_services
from inspection.services import findings as finding_services
from inspection.views import bp



@dataclass
class Failed:
    """A refused action of the case page: shown beside its own form (``key``), keeping the typed text."""

    key: str
    form: object
    messages: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- the case page

def _case_page(case, failed: Failed | None = None, status: int = 200):
    page = case_page.build(current_user, case, request.args)
    return render_template("inspection/cases/detail.html", page=page, case=case, failed=failed,
                           failed_inline=failed is not None and failed.key in page.action_keys), status


@bp.route("/cases/<int:case_id>")
@login_required
def show_case(case_id: int):
    case = permissions.get_case_or_404(current_user, case_id)
    if permissions.is_unit_user(current_user):
        return render_template("inspection/cases/unit_view.html", view=unit_view.case_for_unit(current_user, case))
    return _case_page(case)


def _act(case, key: str, form, action, done_message: str, anchor: str = ""):
    """POST of a case-page form: one service call, commit, flash and back to the case page; a refusal
    re-renders the case page with the message beside the form (422 invalid, 403 not allowed)."""
    if not form.validate_on_submit():
        messages = [_(CSRF_PAGE_MESSAGE)] if "csrf_token" in form.errors else \
            [m for errors in form.errors.values() for m in errors]
        return _case_page(case, Failed(key, form, messages), 400)
    try:
        action()
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _case_page(case, Failed(key, form, list(exc.fields.values())), 422)
    except PermissionDenied as exc:
        db.session.rollback()
        return _case_page(case, Failed(key, form, [exc.message]), 403)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("inspection.show_case", case_id=case.id) + anchor)


@bp.route("/cases/<int:case_id>/transition", methods=["POST"])
@login_required
def transition_case(case_id: int):
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    form = TransitionForm()
    target = (form.to.data or "").strip()
    return _act(case, f"transition:{target}", form,
                lambda: case_services.transition(current_user, case, target, reason=form.reason.data),
                _("事项状态已更新。"))


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@login_required
def add_note(case_id: int):
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    form = NoteForm()
    return _act(case, "note", form, lambda: case_services.add_note(current_user, case, form.text.data),
                _("内部备注已添加。"), "#notes")


# ---------------------------------------------------------------- register and edit a case

def _require_case_manager() -> None:
    """The form needs the user's office; the service checks the same rule again."""
    if not permissions.may_open_cases(current_user):
        raise PermissionDenied(_("您没有办理督查事项的权限。"))


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def create_case():
    _require_case_manager()
    form = CaseForm(current_user.office)
    status = 200
    if form.validate_on_submit():
        try:
            case = case_services.create_case(current_user, form.values())
        except InvalidInput as exc:
            db.session.rollback()
            apply_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("已登记督查事项 %(number)s。", number=case.number), "success")
            return redirect(url_for("inspection.show_case", case_id=case.id))
    return render_template("inspection/cases/form.html", form=form, case=None), status


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
def edit_case(case_id: int):
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    form = CaseForm(case.office, current_unit=case.unit)
    if not form.is_submitted():
        form.fill(case)
    done, status, stale = _save_edit(form, case, lambda: case_services.update_case(current_user, case, form.values()))
    if done:
        flash(_("事项信息已保存。"), "success")
        return redirect(url_for("inspection.show_case", case_id=case.id))
    return render_template("inspection/cases/form.html", form=form, case=case, stale=stale), status


def _save_edit(form, obj, save) -> tuple[bool, int, bool]:
    """Run ``save`` on a valid POST and commit: (saved, status, stale). A refusal is rolled back with its
    messages beside the fields; a stale edit keeps the typed text and the next save starts from the version
    now stored (shown beside the form)."""
    if not form.validate_on_submit():
        return False, 200, False
    try:
        save()
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        stale = "version" in exc.fields
        if stale:
            form.version.data = str(obj.version)
        return False, 422, stale
    db.session.commit()
    return True, 200, False


# ---------------------------------------------------------------- findings

def _finding_form_page(form, case, finding=None, status: int = 200, stale: bool = False):
    return render_template("inspection/cases/finding_form.html", form=form, case=case, finding=finding,
                           stale=stale), status


@bp.route("/cases/<int:case_id>/findings/new", methods=["GET", "POST"])
@login_required
def add_finding(case_id: int):
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    form = FindingForm(case)
    status = 200
    if form.validate_on_submit():
        try:
            finding = finding_services.add_finding(current_user, case, form.values())
        except InvalidInput as exc:
            db.session.rollback()
            apply_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("已记录问题%(seq)s。", seq=finding.seq), "success")
            return redirect(url_for("inspection.show_case", case_id=case.id) + "#findings")
    return _finding_form_page(form, case, status=status)


@bp.route("/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@login_required
def edit_finding(finding_id: int):
    finding = permissions.get_finding_or_404(current_user, finding_id, for_write=True)
    case = finding.case
    form = FindingForm(case, current_unit=finding.responsible_unit)
    if not form.is_submitted():
        form.fill(finding)
    done, status, stale = _save_edit(
        form, finding, lambda: finding_services.update_finding(current_user, finding, form.values()))
    if done:
        flash(_("问题%(seq)s已保存。", seq=finding.seq), "success")
        return redirect(url_for("inspection.show_case", case_id=case.id) + "#findings")
    return _finding_form_page(form, case, finding, status, stale)


@bp.route("/findings/<int:finding_id>/accept", methods=["POST"])
@login_required
def accept_finding(finding_id: int):
    finding = permissions.get_finding_or_404(current_user, finding_id, for_write=True)
    form = AcceptForm()
    return _act(finding.case, f"accept:{finding.id}", form,
                lambda: finding_services.accept(current_user, finding, form.comment.data),
                _("问题%(seq)s已验收销号。", seq=finding.seq), "#findings")


@bp.route("/findings/<int:finding_id>/waiver", methods=["POST"])
@login_required
def request_waiver(finding_id: int):
    finding = permissions.get_finding_or_404(current_user, finding_id, for_write=True)
    form = WaiverRequestForm()
    return _act(finding.case, f"waiver:{finding.id}", form,
                lambda: finding_services.request_waiver(current_user, finding, form.reason.data),
                _("已提交问题%(seq)s的免于整改申请，等待审批。", seq=finding.seq), "#findings")


def _decide(finding, decision: str, comment):
    if decision not in ("approve", "refuse"):
        raise InvalidInput({"decision": "请选择“同意”或“不同意”免于整改。"})
    return finding_services.decide_waiver(current_user, finding, approve=decision == "approve", comment=comment)


@bp.route("/findings/<int:finding_id>/waiver/decision", methods=["POST"])
@login_required
def decide_waiver(finding_id: int):
    finding = permissions.get_finding_or_404(current_user, finding_id, for_write=True)
    form = WaiverDecisionForm()
    decision = (form.decision.data or "").strip()
    message = _("已同意问题%(seq)s免于整改。", seq=finding.seq) if decision == "approve" \
        else _("已不同意问题%(seq)s免于整改。", seq=finding.seq)
    return _act(finding.case, f"decide:{finding.id}", form,
                lambda: _decide(finding, decision, form.comment.data), message, "#findings")
