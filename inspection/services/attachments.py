"""Case attachments (附件): internal case files — audit reports, documents, photos.

Staff who may change a case attach files to it while it is open (a closed or dismissed case is frozen
like every other edit: re-open it first). Staff who read the case — including a superior office reading
a subordinate's case — may download; unit users never see case attachments (the unit gets what is sent
to it on a notice, not the case file), and get 404 like anyone outside the case's scope. Every download
is audited. The files themselves live in :mod:`portal.files` (content-checked, random names; a file
whose row is rolled back is removed with the transaction).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, false, select

from portal.audit import services as audit
from portal.errors import NotFound, PermissionDenied
from portal.extensions import db
from portal.files import ALL_KINDS, accept_attribute, allowed_message, human_size, save_upload
from portal.registry.queries import paginate

from inspection import permissions
from inspection.models import Case, CaseAttachment
from inspection.services import timeline
from inspection.services.common import FROZEN, require_open

AREA = "cases"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PER_PAGE = 20


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def add_attachment(actor, case: Case, upload) -> CaseAttachment:
    """Store ``upload`` (a werkzeug ``FileStorage``) on ``case``; ``InvalidInput({"file": …})`` when the
    file is missing, empty, too large or not an allowed type (nothing is kept)."""
    if not permissions.may_write(actor, case):
        raise PermissionDenied()
    require_open(case)
    stored = save_upload(upload, area=AREA, max_bytes=max_bytes())
    attachment = CaseAttachment(
        case_id=case.id, stored_name=stored.stored_name, original_name=stored.original_name,
        content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
        uploaded_by_id=actor.id if actor is not None else None, uploaded_by_name=timeline.actor_name(actor),
    )
    db.session.add(attachment)
    db.session.flush()
    timeline.record(
        case, "attachment", f"上传附件：{stored.original_name}", actor=actor, audit_type="attachment",
        audit_id=attachment.id,
        details={"name": stored.original_name, "sha256": stored.sha256, "size": stored.size,
                 "content_type": stored.content_type},
    )
    return attachment


def _readable(actor) -> Select:
    """Attachments ``actor`` may read: those of cases it reads as staff; nothing for anyone else."""
    query = select(CaseAttachment)
    if actor is None or not permissions.is_staff(actor):
        return query.where(false())
    return query.where(CaseAttachment.case_id.in_(permissions.cases_query(actor).with_only_columns(Case.id)))


def attachment_for_download(actor, attachment_id) -> CaseAttachment:
    """The attachment, with its download audited (the caller commits); ``NotFound`` outside scope."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    attachment = db.session.execute(
        _readable(actor).where(CaseAttachment.id == attachment_id)
    ).scalar_one_or_none()
    if attachment is None:
        raise NotFound()
    case = db.session.get(Case, attachment.case_id)
    audit.record(
        "attachment.download", "attachment", attachment.id,
        details={"case_id": case.id, "number": case.number, "name": attachment.original_name,
                 "sha256": attachment.sha256, "size": attachment.size},
        actor=actor,
    )
    return attachment


@dataclass
class Panel:
    """What the case page's attachments panel shows."""

    page: object  # Pagination of CaseAttachment, newest first
    may_upload: bool
    frozen: bool  # the actor could upload, but the case is closed or dismissed
    max_size: str
    accept: str
    allowed: str

    @staticmethod
    def size_text(size: int) -> str:
        return human_size(size)


def panel(actor, case: Case, page=1) -> Panel | None:
    """The panel for ``actor`` on ``case``; None when the actor does not see case attachments."""
    if actor is None or not permissions.is_staff(actor):
        return None
    readable = permissions.cases_query(actor).where(Case.id == case.id).with_only_columns(Case.id)
    if db.session.scalar(readable) is None:
        return None
    query = (_readable(actor).where(CaseAttachment.case_id == case.id)
             .order_by(CaseAttachment.uploaded_at.desc(), CaseAttachment.id.desc()))
    writable = permissions.may_write(actor, case)
    frozen = case.status in FROZEN
    return Panel(
        page=paginate(query, page, PER_PAGE, default_per_page=PER_PAGE), may_upload=writable and not frozen,
        frozen=writable and frozen,
        max_size=human_size(max_bytes()), accept=accept_attribute(ALL_KINDS), allowed=allowed_message(ALL_KINDS),
    )
