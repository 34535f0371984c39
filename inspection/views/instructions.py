"""Supervision instructions (督办/催办) on the web: the lists for both sides (收到的督办, 发出的督办), issuing
one on a subordinate office's case, and the subordinate office's answer.

Routes parse a form, call one service and commit once; bad input is rolled back and shown beside the
fields. Scope lives in :mod:`inspection.instruction_queries` and the services: anything outside the
caller's scope answers 404, a readable case or instruction the caller may not act on 403.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from portal.accounts.permissions import offices_query
from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry.models import Office
from portal.registry.queries import paginate
from portal.timeutil import beijing_today

from inspection import instruction_queries as q
from inspection import permissions
from inspection.forms import instructions as forms
from inspection.services import instructions as service
from inspection.views import bp

STATES = ("open", "overdue", "late", "all")


def _instruction_panel(case):
    """The case page's instructions panel (``templates/inspection/instructions/_case_panel.html``)."""
    if not current_user.is_authenticated:
        return None
    return q.case_panel(current_user, case)


@bp.app_context_processor
def _instruction_helpers():
    return {"instruction_panel": _instruction_panel, "instruction_state": q.state_of,
            "instruction_may_answer": _may_answer}


def _may_answer(instruction) -> bool:
    return current_user.is_authenticated and q.may_answer(current_user, instruction)


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


def _office_id(raw, offices) -> int | None:
    try:
        wanted = int(raw)
    except (TypeError, ValueError):
        return None
    return wanted if any(o.id == wanted for o in offices) else None


# ---------------------------------------------------------------- the lists

@bp.route("/instructions")
@login_required
def list_instructions():
    if not permissions.is_staff(current_user):
        raise NotFound()
    direction = request.args.get("direction", q.RECEIVED)
    direction = direction if direction in q.DIRECTIONS else q.RECEIVED
    state = request.args.get("state", "open")
    state = state if state in STATES else "open"
    include_subordinate = request.args.get("sub") in ("1", "on", "true")
    offices = db.session.scalars(
        offices_query(current_user).where(Office.id != current_user.office_id).order_by(Office.path)
    ).all()
    office_id = _office_id(request.args.get("office"), offices) if include_subordinate else None
    today = beijing_today()
    query = q.instructions_query(current_user, direction=direction, include_subordinate=include_subordinate,
                                 office_id=office_id, state=None if state == "all" else state, today=today)
    pagination = paginate(query, request.args.get("page"), None, default_per_page=_per_page())
    overdue_counts = q.overdue_counts(current_user, today)
    return render_template(
        "inspection/instructions/list_instructions.html", pagination=pagination, direction=direction,
        state=state, include_subordinate=include_subordinate, offices=offices, office_id=office_id,
        today=today, overdue_counts=overdue_counts,
    )


# ---------------------------------------------------------------- issuing

@bp.route("/cases/<int:case_id>/instructions/new", methods=["GET", "POST"])
@login_required
def issue_instruction(case_id: int):
    case = permissions.get_case_or_404(current_user, case_id)
    form = forms.IssueInstructionForm()
    try:
        service.check_may_issue(current_user, case)
    except InvalidInput as exc:  # the case is closed or dismissed: say so, no form
        flash(exc.message, "warning")
        return redirect(url_for("inspection.show_case", case_id=case.id))
    if form.validate_on_submit():
        try:
            instruction = service.issue_instruction(current_user, case, form.instruction_data())
        except InvalidInput as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("已向%(office)s发出%(kind)s，答复期限 %(due)s。", office=case.office.name,
                    kind=instruction.kind_enum.label, due=instruction.due_on.isoformat()), "success")
            return redirect(url_for("inspection.show_case", case_id=case.id, _anchor="instructions"))
    status = 422 if form.form_errors or form.errors else 200
    return render_template("inspection/instructions/issue_instruction.html", case=case, form=form), status


# ---------------------------------------------------------------- answering

@bp.route("/instructions/<int:instruction_id>/answer", methods=["GET", "POST"])
@login_required
def answer_instruction(instruction_id: int):
    instruction = q.get_instruction_or_404(current_user, instruction_id)
    form = forms.AnswerInstructionForm()
    if not q.is_open(instruction):  # already answered: show it, no form
        return render_template("inspection/instructions/answer_instruction.html", instruction=instruction,
                               case=instruction.case, form=None, state=q.state_of(instruction))
    service.check_may_answer(current_user, instruction)
    if form.validate_on_submit():
        try:
            service.answer_instruction(current_user, instruction, form.answer.data)
        except InvalidInput as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("已答复%(kind)s。", kind=instruction.kind_enum.label), "success")
            return redirect(url_for("inspection.show_case", case_id=instruction.case_id, _anchor="instructions"))
    status = 422 if form.form_errors or form.errors else 200
    return render_template("inspection/instructions/answer_instruction.html", instruction=instruction,
                           case=instruction.case, form=form, state=q.state_of(instruction)), status
