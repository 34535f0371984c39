"""What the importer hands back: ``ImportFileError`` (the file as a whole is refused), ``RowError``
(one problem, named by spreadsheet row and column), ``ParsedFile`` and ``ImportResult``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from portal.registry.importer.columns import column_label


class ImportFileError(Exception):
    """The file as a whole cannot be imported (size, format, encoding, header, row count)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RowError(NamedTuple):
    row: int | None      # spreadsheet row number (header = 1); None for the file as a whole
    field: str | None    # column key, None when the row as a whole is wrong
    message: str

    def describe(self) -> str:
        where = f"第 {self.row} 行" if self.row is not None else "文件"
        if self.field:
            return f"{where} {column_label(self.field)}：{self.message}"
        return f"{where}：{self.message}"


Row = tuple[int, dict[str, str]]


@dataclass
class ParsedFile:
    filename: str
    sha256: str
    size: int
    columns: list[str]
    rows: list[Row]
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self) -> list[str]:
        return [e.describe() for e in self.errors]

    def summary(self) -> str:
        text = f"导入完成：新增 {self.created} 个，更新 {self.updated} 个"
        return text + (f"（另有 {self.unchanged} 个无变化）" if self.unchanged else "")
