"""The case list as a download (XLSX, CSV): the same filtered rows as the page, every page of them,
read in batches; every export is recorded in the audit trail with its filters and row count.

The rows are fixed before anything is written: the ordered ids come first (a narrow query), the audit
event names their number, and each batch is then read by id (still through ``filtered_cases``, so the
caller's scope holds) with its finding counts from one grouped query.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from portal.accounts.models import User
from portal.audit import services as audit
from portal.extensions import db
from portal.spreadsheets import csv_cell, saved_workbook, xlsx_cell
from portal.timeutil import to_beijing

from inspection.models import Case, CaseSource, CaseStatus
from inspection.queries import CaseFilters, filtered_cases, finding_counts

BATCH = 500
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HEADERS = (
    "编号", "标题", "被督查单位", "统一社会信用代码", "来源", "状态", "主办人", "线索收到日期",
    "立案时间（北京时间）", "问题数", "逾期问题数", "办案编办",
)

# characters XML 1.0 (and so XLSX) cannot hold; openpyxl refuses them


# a text cell a spreadsheet would read as a formula gets a leading apostrophe (the portal's one rule)
safe_cell = csv_cell


def case_ids(user, filters: CaseFilters) -> list[int]:
    """The ids of the filtered cases, in list order (``InvalidInput`` for an office outside the subtree)."""
    return list(db.session.scalars(filtered_cases(user, filters).with_only_columns(Case.id)))


def record_export(fmt: str, filters: CaseFilters, rows: int) -> None:
    """The audit event of one export (the caller commits)."""
    used = {k: v for k, v in filters.as_args().items() if k != "sort"}
    audit.record("case.export", "case", None, details={"format": fmt, "filters": used, "rows": rows})


def rows(user_id: int, filters: CaseFilters, ids: list[int], batch: int = BATCH) -> Iterator[tuple]:
    """One tuple of cell values per case, ``batch`` cases read at a time.

    Takes the user's id, not the user: a streamed download runs after the request's session has been
    closed, so the rows are read (user included) in the session the streaming context opens."""
    user = db.session.get(User, user_id)
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        cases = db.session.scalars(filtered_cases(user, filters).where(Case.id.in_(chunk))).all()
        place = {case_id: index for index, case_id in enumerate(chunk)}
        cases.sort(key=lambda c: place[c.id])
        counts = finding_counts(user, chunk)
        for case in cases:
            total, late = counts.get(case.id, (0, 0))
            lead = case.lead_inspector
            yield (
                case.number, case.title, case.unit.name, case.unit.code,
                CaseSource(case.source).label, CaseStatus(case.status).label,
                (lead.display_name or lead.username) if lead is not None else "",
                case.received_on, to_beijing(case.opened_at).strftime("%Y-%m-%d %H:%M"),
                total, late, case.office.name,
            )
        del cases  # the session holds rows weakly: a written batch can go


def csv_chunks(row_iter: Iterator[tuple], batch: int = BATCH) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel reads it as UTF-8), Chinese headers, formula-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(HEADERS)
    for count, row in enumerate(row_iter, start=1):
        writer.writerow([safe_cell(v.isoformat() if isinstance(v, date) else v) for v in row])
        if count % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def xlsx_file(row_iter: Iterator[tuple]):
    """A write-only workbook in a temporary file, rewound, and its size; text is stored as text (a title
    "=1+1" stays that text), never as a formula. XLSX is a zip, so it is finished before it is sent."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("督查事项")
    sheet.append(list(HEADERS))
    for row in row_iter:
        sheet.append([xlsx_cell(sheet, v) for v in row])
    return saved_workbook(workbook)


def file_chunks(handle, size: int = 64 * 1024) -> Iterator[bytes]:
    """Hand a file out in pieces and close it when done (or when the response is dropped)."""
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()


__all__ = ["FORMATS", "HEADERS", "case_ids", "csv_chunks", "file_chunks", "record_export", "rows", "safe_cell", "xlsx_file"]
