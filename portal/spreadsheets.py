"""Rules for files people open in a spreadsheet (CSV and XLSX downloads), shared by every export."""
from __future__ import annotations

import re
from datetime import date

# a text cell starting with one of these is read as a formula by Excel/WPS (CSV or formula injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# characters an XLSX cell cannot hold (XML 1.0 forbids most control characters)
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(sheet, value):
    """A write-only openpyxl cell: text stays text (a title "=1+1" is never a formula) without the
    characters XLSX cannot hold; a date shows as yyyy-mm-dd."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=XML_ILLEGAL.sub("", value))
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def saved_workbook(workbook):
    """A finished workbook in a temporary file (memory up to 8 MiB, then disk), rewound, and its size: XLSX is
    a zip, so it is complete before the first byte is sent."""
    import tempfile

    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(handle)
    size = handle.tell()
    handle.seek(0)
    return handle, size

