"""Case attachments on the web: upload (POST, multipart field ``file``) and download; the case page's
attachments panel gets its data from ``case_attachments(case)`` (a context-processor function).

Upload answers with a redirect back to the case page and a flashed message (errors in Chinese, nothing
kept); a body larger than ``MAX_CONTENT_LENGTH`` is answered the same way rather than with an error page
(with CSRF on, the token check reads the body first and the 413 page says the same in Chinese).
Downloads go out as attachments with ``nosniff``, never cached, and are audited.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.errors import InvalidInput
from portal.extensions import db
from portal.files import human_size, send_stored

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
    return send_stored(attachment.stored_name, mimetype=attachment.content_type, name=attachment.original_name)
