"""Import units into the register from CSV or XLSX (``flask --app portal units import PATH``).

Two steps, each usable without the CLI:

``parse_file(source, filename)`` reads the bytes (CSV in UTF-8 with or without BOM or GB18030; XLSX's
first worksheet), maps the header row to column keys (English or Chinese headers, one table:
``COLUMNS``) and returns a ``ParsedFile`` whose ``rows`` are ``(row_number, {column: text})`` with the
row numbers a spreadsheet shows (the header is row 1). File-level problems (too large, not a CSV or
workbook, empty, unknown or missing columns, too many rows) raise ``ImportFileError``; a malformed
row (wrong number of fields, NUL bytes) becomes a ``RowError`` and the other rows are still read.

``run_import(rows, update=…, actor_name=…)`` checks every row with the unit services — creating
parents before their children, duplicate codes and parent cycles within the file, codes already in
the register — and applies them in the current transaction. When any row is invalid it rolls the
session back, so nothing is imported, and returns every error; otherwise it writes one
``units.import`` audit event beside the services' ``unit.create``/``unit.update`` events and leaves
the commit to the caller.

A changed name for an existing unit under ``--update`` is reported as an error: a rename is a dated
沿革 event with its document (the unit page's 更名 action), which a spreadsheet row cannot carry.

The package's modules: ``columns`` (the column table and row → service data), ``reading``
(``parse_file``), ``run`` (``run_import``, ``validate``) and ``results`` (the error and result types).
"""
from portal.registry.importer.columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    REQUIRED_COLUMNS,
    Column,
    column_label,
    row_to_data,
)
from portal.registry.importer.reading import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, parse_file
from portal.registry.importer.results import ImportFileError, ImportResult, ParsedFile, Row, RowError
from portal.registry.importer.run import run_import, validate

__all__ = [
    "COLUMNS", "COLUMNS_BY_KEY", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_ROWS", "REQUIRED_COLUMNS", "Column",
    "ImportFileError", "ImportResult", "ParsedFile", "Row", "RowError", "column_label", "parse_file",
    "row_to_data", "run_import", "validate",
]
