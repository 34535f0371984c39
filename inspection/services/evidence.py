"""Evidence files (佐证材料) of a rectification report: stored, removed from a draft, downloaded.

The files themselves live in :mod:`portal.files` (type checked by content, zip-bomb limits, random names
under the data directory, SHA-256, removed again when the transaction does not commit). This module adds
what evidence needs on top:

- names: a name carrying a path (``/``, ``\\``, ``..``) or control characters is refused with a message
  (``portal.files.safe_name`` would only clean it; a report's evidence should keep the name it was given);
- limits: ``EVIDENCE_MAX_BYTES`` per file, ``SUBMISSION_MAX_BYTES`` for all files of one submission
  (those already on the draft included);
- removal (drafts only): the row goes at once, the file once the transaction commits;
- who downloads: staff who read the case (never a draft's files) and the users of the responsible unit;
  anyone else gets 404. Every download is audited.
"""
from __future__ import annotations

import os
import unicodedata

from flask import current_app
from sqlalchemy import Select, event, false, select
from sqlalchemy.orm import Session

from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.files import save_uploads, stored_path

from inspection import permissions
from inspection.models import EvidenceFile, Finding, RectificationSubmission

AREA = "evidence"
FIELD = "files"
BAD_NAME = "文件名不能包含路径或控制字符（如 “../”、“/”、“\\”、换行符）：请改名后重新上传。"
_DELETE_AFTER_COMMIT = "inspection.evidence.delete_after_commit"


def max_file_bytes() -> int:
    return int(current_app.config["EVIDENCE_MAX_BYTES"])


def max_submission_bytes() -> int:
    return int(current_app.config["SUBMISSION_MAX_BYTES"])


def chosen(uploads) -> list:
    """The uploads a person actually chose (a browser sends an empty part for an empty file input)."""
    return [u for u in (uploads or []) if u is not None and (getattr(u, "filename", None) or "").strip()]


def bad_name(raw: str) -> bool:
    """A path or control characters in an upload's own name."""
    if "/" in raw or "\\" in raw or raw.strip().startswith(".."):
        return True
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in raw)


def check_names(uploads) -> None:
    for upload in uploads:
        if bad_name(upload.filename or ""):
            raise InvalidInput({FIELD: BAD_NAME})


def attach(actor, submission: RectificationSubmission, uploads) -> list[EvidenceFile]:
    """Store ``uploads`` on ``submission`` (the caller checked the actor may change it). Either every
    file is kept or none: a refused file removes those already stored and raises ``InvalidInput``."""
    uploads = chosen(uploads)
    if not uploads:
        return []
    check_names(uploads)
    saved = save_uploads(uploads, area=AREA, max_bytes=max_file_bytes(), max_total=max_submission_bytes(),
                         field=FIELD, already=sum(e.size for e in submission.evidence))
    rows = []
    for stored in saved:
        row = EvidenceFile(
            stored_name=stored.stored_name, original_name=stored.original_name, content_type=stored.content_type,
            kind=stored.kind, size=stored.size, sha256=stored.sha256,
            uploaded_by_id=actor.id if actor is not None else None,
        )
        submission.evidence.append(row)
        rows.append(row)
    db.session.flush()
    finding = submission.finding
    for row in rows:
        audit.record("evidence.upload", "evidence", row.id, actor=actor, details={
            "submission_id": submission.id, "finding_id": finding.id, "round": submission.round,
            "name": row.original_name, "sha256": row.sha256, "size": row.size, "content_type": row.content_type})
    return rows


def remove(actor, evidence: EvidenceFile) -> None:
    """Delete the row now and the file when the transaction commits (the caller checked the draft)."""
    submission = evidence.submission
    audit.record("evidence.remove", "evidence", evidence.id, actor=actor, details={
        "submission_id": submission.id, "finding_id": submission.finding_id, "round": submission.round,
        "name": evidence.original_name, "sha256": evidence.sha256, "size": evidence.size})
    stored_name = evidence.stored_name
    submission.evidence.remove(evidence)  # delete-orphan
    db.session.flush()
    session = db.session()
    session.info.setdefault(_DELETE_AFTER_COMMIT, []).append(stored_name)


@event.listens_for(Session, "after_commit")
def _delete_removed(session) -> None:
    if session.in_nested_transaction():
        return
    for stored_name in session.info.pop(_DELETE_AFTER_COMMIT, ()):
        try:
            os.unlink(stored_path(stored_name))
        except (FileNotFoundError, NotFound):
            pass


@event.listens_for(Session, "after_rollback")
def _keep_removed(session) -> None:
    session.info.pop(_DELETE_AFTER_COMMIT, None)


# ---------------------------------------------------------------- reading

def readable(actor) -> Select:
    """Evidence ``actor`` may download: of findings in its scope; staff never see a draft's files."""
    query = select(EvidenceFile).join(RectificationSubmission, RectificationSubmission.id == EvidenceFile.submission_id)
    if actor is None:
        return query.where(false())
    return query.where(
        RectificationSubmission.finding_id.in_(permissions.findings_query(actor).with_only_columns(Finding.id)),
        permissions.submissions_clause(actor))


def evidence_for_download(actor, evidence_id) -> EvidenceFile:
    """The file's row with its download audited (the caller commits); ``NotFound`` outside scope."""
    try:
        evidence_id = int(evidence_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    evidence = db.session.execute(readable(actor).where(EvidenceFile.id == evidence_id)).scalar_one_or_none()
    if evidence is None:
        raise NotFound()
    submission = evidence.submission
    audit.record("evidence.download", "evidence", evidence.id, actor=actor, details={
        "submission_id": submission.id, "finding_id": submission.finding_id, "round": submission.round,
        "name": evidence.original_name, "sha256": evidence.sha256, "size": evidence.size})
    return evidence
