"""Case attachments on the web: upload (POST, multipart field ``file``) and download; the case page's
attachments panel gets its data from ``case_attachments(case)`` (a context-processor function).

Upload answers with a redirect back to the case page and a flashed message (errors in Chinese, nothing
kept); a body larger than ``MAX_CONTENT_LENGTH`` is answered the same way rather than with an error page
(with CSRF on, the token check reads the body first and the 413 page says the same in Chinese).
Downloads go out as attachments with ``nosniff``, never cached, and are audited.
"""
from __future__ import annotations

from flask import flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.errors import InvalidInput
from portal.extensions import db
from portal.files import human_size, open_stored

from inspection import permissions
from inspection.services import attachments as service
from inspection.views import bp

PAGE_ARG = "attachments_page"


@bp.app_context_processor
def _attachment_helpers():
    def case_attachments(case):
        if not current_user.is_authenticated:
            return None
        return service.panel(current_user, case, request.args.get(PAGE_ARG, 1))

    return {"case_attachments": case_attachments, "attachments_page_arg": PAGE_ARG}


def _back(case_id: int):
    return redirect(url_for("inspection.show_case", case_id=case_id, _anchor="attachments"))


@bp.post("/cases/<int:case_id>/attachments")
@login_required
def upload_attachment(case_id: int):
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        flash(_("上传的文件过大：单个附件不能超过 %(size)s。", size=human_size(service.max_bytes())), "danger")
        return _back(case_id)
    try:
        attachment = service.add_attachment(current_user, case, upload)
    except InvalidInput as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "danger")
        return _back(case_id)
    name = attachment.original_name
    db.session.commit()
    flash(_("已上传附件“%(name)s”。", name=name), "success")
    return _back(case_id)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download_attachment(attachment_id: int):
    attachment = service.attachment_for_download(current_user, attachment_id)
    handle = open_stored(attachment.stored_name)
    mimetype, name = attachment.content_type, attachment.original_name
    try:
        db.session.commit()  # the audit event: no download without its record
    except BaseException:
        handle.close()
        raise
    response = send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name,
                         conditional=False, etag=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # should a browser render it anyway: no scripts, no requests, no same-origin access
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
