"""The finding page (问题整改页) and its actions: the unit's report (保存草稿 / 提交, with evidence files),
removing a file from the draft, the inspector's review (通过验收 / 退回); the review queue; the printable
sign-off certificate (整改验收确认书); evidence downloads.

Each action loads its record within the caller's scope (404 outside it), parses a form, calls one service
function and commits once; a refusal is rolled back and shown beside its form (the typed text is kept,
nothing is half-saved). An upload over ``MAX_CONTENT_LENGTH`` gets the same treatment, in Chinese.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.errors import CSRF_PAGE_MESSAGE, InvalidInput, NotFound
from portal.extensions import db
from portal.files import send_stored
from portal.forms import apply_errors

from inspection import finding_page, permissions
from inspection.forms.submissions import RemoveEvidenceForm, ReportForm, ReviewForm
from inspection.services import evidence as evidence_service
from inspection.services import extensions as extension_services
from inspection.services import submissions as service
from inspection.views import bp



def _messages(form, exc: InvalidInput | None = None) -> list[str]:
    if exc is not None:
        return [m for k, m in exc.fields.items() if k not in ("measures", "result", "comment")]
    if "csrf_token" in form.errors:
        return [_(CSRF_PAGE_MESSAGE)]
    return [m for errors in form.errors.values() for m in errors]


def _page(finding_id: int, *, report_form=None, report_errors=(), review_form=None, review_errors=(),
          status: int = 200):
    finding = finding_page.load_finding(current_user, finding_id)
    page = finding_page.build(current_user, finding)
    if report_form is None and page.draft is not None:
        report_form = ReportForm(formdata=None)
        report_form.fill(page.draft)
    if review_form is None:
        review_form = ReviewForm(formdata=None)
        if page.waiting is not None:
            review_form.version.data = str(page.waiting.version)
    return render_template(
        "inspection/submissions/show_finding.html", page=page, finding=finding, case=finding.case,
        report_form=report_form, report_errors=list(report_errors), review_form=review_form,
        review_errors=list(review_errors), remove_form=RemoveEvidenceForm(formdata=None),
        extension_panel=extension_services.panel(current_user, finding),
    ), status


def _too_large() -> str:
    return _("上传的内容过大：单个文件不能超过 %(file)s，一次提交的佐证材料合计不能超过 %(total)s。",
             file=finding_page.human_size(evidence_service.max_file_bytes()),
             total=finding_page.human_size(evidence_service.max_submission_bytes()))


@bp.route("/findings/<int:finding_id>")
@login_required
def show_finding(finding_id: int):
    return _page(finding_id)


@bp.post("/findings/<int:finding_id>/report")
@login_required
def save_report(finding_id: int):
    finding = finding_page.load_finding(current_user, finding_id)
    try:
        form = ReportForm()
        uploads = request.files.getlist("files")
    except RequestEntityTooLarge:
        return _page(finding_id, report_form=ReportForm(formdata=None), report_errors=[_too_large()], status=413)
    if not form.validate_on_submit():
        return _page(finding_id, report_form=form, report_errors=_messages(form), status=400)
    submitting = form.action.data == "submit"
    try:
        if submitting:
            service.submit(current_user, finding, form.values(), uploads)
        else:
            service.save_draft(current_user, finding, form.values(), uploads)
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        if "version" in exc.fields:
            draft = service.draft_for(current_user, finding)
            form.version.data = str(draft.version) if draft.id is not None else ""
        return _page(finding_id, report_form=form, report_errors=_messages(form, exc), status=422)
    db.session.commit()
    flash(_("整改报告已提交，等待编办审核。") if submitting else _("草稿已保存。"), "success")
    return redirect(url_for("inspection.show_finding", finding_id=finding_id, _anchor="report"))


@bp.post("/evidence/<int:evidence_id>/remove")
@login_required
def remove_evidence(evidence_id: int):
    file = db.session.execute(
        evidence_service.readable(current_user).where(evidence_service.EvidenceFile.id == evidence_id)
    ).scalar_one_or_none()
    if file is None:
        raise NotFound()
    finding_id, name = file.submission.finding_id, file.original_name
    form = RemoveEvidenceForm()
    if not form.validate_on_submit():
        return _page(finding_id, report_errors=_messages(form), status=400)
    try:
        service.remove_evidence(current_user, file)
    except InvalidInput as exc:
        db.session.rollback()
        return _page(finding_id, report_errors=list(exc.fields.values()), status=422)
    db.session.commit()
    flash(_("已删除佐证材料“%(name)s”。", name=name), "success")
    return redirect(url_for("inspection.show_finding", finding_id=finding_id, _anchor="report"))


@bp.post("/submissions/<int:submission_id>/review")
@login_required
def review_submission(submission_id: int):
    submission = service.get_submission_or_404(current_user, submission_id)
    finding_id = submission.finding_id
    form = ReviewForm()
    if not form.validate_on_submit():
        return _page(finding_id, review_form=form, review_errors=_messages(form), status=400)
    decision = (form.decision.data or "").strip()
    try:
        service.review(current_user, submission, decision, form.comment.data, version=form.version.data or None)
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _page(finding_id, review_form=form, review_errors=_messages(form, exc), status=422)
    except service.AlreadyDecided as exc:
        db.session.rollback()
        return _page(finding_id, review_errors=[exc.message], status=409)
    db.session.commit()
    flash(_("整改报告已通过验收，问题已销号。") if decision == "accept"
          else _("整改报告已退回，单位将按新的期限重新整改。"), "success")
    return redirect(url_for("inspection.show_finding", finding_id=finding_id, _anchor="rounds"))


@bp.route("/reviews")
@login_required
def list_reviews():
    if not permissions.is_staff(current_user):
        raise NotFound()
    pagination = finding_page.review_queue(current_user, request.args.get("page"), request.args.get("per_page"))
    return render_template("inspection/submissions/list_reviews.html", pagination=pagination)


@bp.route("/findings/<int:finding_id>/certificate")
@login_required
def show_certificate(finding_id: int):
    finding, accepted = finding_page.certificate_finding(current_user, finding_id)
    return render_template("inspection/submissions/certificate.html", finding=finding, case=finding.case,
                           accepted=accepted)


@bp.get("/evidence/<int:evidence_id>")
@login_required
def download_evidence(evidence_id: int):
    file = evidence_service.evidence_for_download(current_user, evidence_id)
    return send_stored(file.stored_name, mimetype=file.content_type, name=file.original_name)
