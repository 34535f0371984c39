"""Rules for files people open in a spreadsheet (CSV and XLSX downloads), shared by every export."""
from __future__ import annotations

# a text cell starting with one of these is read as a formula by Excel/WPS (CSV or formula injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
