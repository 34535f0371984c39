"""Helpers of the rectification report tests: uploads, counting rows and stored files, a submitted report."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from tests.portal.test_files import docx_bytes, exe_bytes, pdf_bytes, png_bytes  # noqa: F401

from inspection.models import EvidenceFile, RectificationSubmission
from inspection.services import submissions

REPORT = {"measures": "已按编制核减 2 名，调整岗位。", "result": "实有人数 10 名，与核定编制一致。"}


def upload(data: bytes | None = None, name: str = "整改报告.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(pdf_bytes() if data is None else data), name)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored_files(app) -> set[Path]:
    root = Path(app.config["DATA_DIR"]) / "files"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def nothing_stored(app, before: set[Path]) -> bool:
    return count(EvidenceFile) == 0 and stored_files(app) == before


def submit(w, finding, data=None, files=None, actor=None):
    """A report submitted by the unit (committed)."""
    submission = submissions.submit(actor or w.unit_user, finding, dict(data or REPORT),
                                    files if files is not None else [upload()])
    db.session.commit()
    return submission


def review(w, submission, decision, comment=None, actor=None):
    result = submissions.review(actor or w.inspector, submission, decision, comment)
    db.session.commit()
    return result


def rounds(finding) -> list[RectificationSubmission]:
    return list(db.session.scalars(select(RectificationSubmission).where(
        RectificationSubmission.finding_id == finding.id).order_by(RectificationSubmission.round)))
