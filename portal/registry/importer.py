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
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.audit import services as audit
from portal.errors import ServiceError
from portal.extensions import db
from portal.registry import creditcode
from portal.registry.models import CLASSIFIABLE_FIELDS, PostRank, QuotaCategory, Unit, UnitNameKind
from portal.registry.services import units as unit_services

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 20000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary .xls
CSV_EXTENSIONS = {".csv", ".txt", ""}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}


# ---------------------------------------------------------------- the column table

@dataclass(frozen=True)
class Column:
    key: str          # the English header, and the key in a parsed row
    header: str       # the Chinese header
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("code", "统一社会信用代码", ("信用代码",)),
    Column("name", "单位名称", ("名称", "机构名称")),
    Column("short_name", "简称"),
    Column("kind", "机构类型", ("单位类型",)),
    Column("category", "事业单位类别", ("事业单位分类",)),
    Column("civil_service", "参公", ("参照公务员法管理",)),
    Column("funding", "经费形式", ("经费来源",)),
    Column("level", "机构规格", ("规格",)),
    Column("parent_code", "主管部门代码", ("主管部门统一社会信用代码",)),
    Column("region", "行政区划代码", ("region_code", "区划代码")),
    Column("functions", "主要职责"),
    Column("classified", "涉密", ("是否涉密",)),
    Column("classified_fields", "涉密字段"),
    Column("established_on", "设立日期"),
    Column("plaques", "加挂牌子"),
    Column("former_names", "曾用名"),
    *(
        Column(f"{category.value}_{part}", f"{category.raw_label}{part_label}")
        for category in QuotaCategory
        for part, part_label in (("approved", "核定"), ("actual", "实有"))
    ),
    *(
        Column(f"{rank.value}_posts_{part}", f"{rank.raw_label}领导职数{part_label}")
        for rank in PostRank
        for part, part_label in (("approved", "核定"), ("actual", "实有"))
    ),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_COLUMNS = ("code", "name", "kind", "region")

# unit-service field → column (quota, post and other-name fields are mapped by pattern below)
_SERVICE_FIELDS = {
    "code": "code", "name": "name", "short_name": "short_name", "kind": "kind", "category": "category",
    "is_civil_service_managed": "civil_service", "funding": "funding", "level": "level",
    "functions_md": "functions", "is_classified": "classified", "classified_fields": "classified_fields",
    "established_on": "established_on", "region_code": "region", "parent_code": "parent_code",
    "parent_id": "parent_code",
}
_LIST_SEPARATORS = re.compile(r"[;；\r\n]+")
_FIELD_SEPARATORS = re.compile(r"[,，、;；\s]+")
_CLASSIFIABLE_BY_LABEL = {label: key for key, label in CLASSIFIABLE_FIELDS.items()}


def _normalise_header(text: str) -> str:
    return re.sub(r"[\s\ufeff*＊]+", "", text).lower()


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.header, *_column.aliases):
        _HEADER_LOOKUP[_normalise_header(_name)] = _column.key


def column_label(key: str | None) -> str:
    """The Chinese header of a column (how errors name it)."""
    column = COLUMNS_BY_KEY.get(key or "")
    return column.header if column else (key or "")


# ---------------------------------------------------------------- results

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


# ---------------------------------------------------------------- reading the file

def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def _read_source(source: str | Path | bytes, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        size = len(data)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ImportFileError(f"无法读取文件“{path}”：{exc.strerror or exc}。") from None
        if not path.is_file():
            raise ImportFileError(f"“{path}”不是文件。")
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"无法读取文件“{path}”：{exc.strerror or exc}。") from None
        size = len(data)
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    if size == 0:
        raise ImportFileError("文件为空。")
    return data


def _too_large(size: int, max_bytes: int) -> ImportFileError:
    return ImportFileError(f"文件过大：{_human(size)}，上限为 {_human(max_bytes)}（IMPORT_MAX_BYTES）。请拆分后分批导入。")


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} 字节"


def _file_kind(data: bytes, filename: str) -> str:
    extension = Path(filename).suffix.lower()
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        raise ImportFileError("不支持旧版 Excel 97-2003（.xls）格式：请在 Excel 中“另存为” .xlsx 或 CSV 后再导入。")
    if extension in XLSX_EXTENSIONS:
        raise ImportFileError(f"“{filename}”不是有效的 Excel 工作簿（.xlsx）：文件已损坏，或只是改了扩展名。")
    if extension in CSV_EXTENSIONS:
        return "csv"
    raise ImportFileError(f"不支持的文件类型“{extension}”：请使用 CSV（.csv）或 Excel 工作簿（.xlsx）。")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        "无法识别文件编码：CSV 文件应为 UTF-8（可带 BOM）或 GB18030/GBK（中文 Excel 的“CSV（逗号分隔）”）。"
        "该文件可能不是文本文件，或已损坏。"
    )


class _Malformed(NamedTuple):
    message: str


def _csv_records(data: bytes) -> Iterator[tuple[int, list | _Malformed]]:
    """(row number, values) per record; a record that breaks the CSV rules ends the file with a
    ``_Malformed`` entry (the reader cannot resynchronise after an unbalanced quote)."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""), strict=True)
    number = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number + 1, _Malformed(f"CSV 格式错误（{_csv_error_text(exc)}），通常是引号不配对；本行及其后的内容无法读取。")
            return
        number += 1
        yield number, values


def _csv_error_text(exc: csv.Error) -> str:
    text = str(exc)
    known = {
        "unexpected end of data": "文件在引号内结束",
        "',' expected after '\"'": "引号后应紧跟逗号",
    }
    return known.get(text, text)


def _xlsx_records(data: bytes, filename: str, max_rows: int) -> list[tuple[int, list]]:
    """The first worksheet's rows, read eagerly (openpyxl's warnings stay inside) and only as far as
    one row past the limit, so a huge sheet is refused without reading all of it."""
    from openpyxl import load_workbook

    bad = ImportFileError(f"“{filename}”不是有效的 Excel 工作簿（.xlsx）：文件已损坏，或只是改了扩展名。")
    records: list[tuple[int, list]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles, extensions and odd cells it skips
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # BadZipFile, KeyError, ValueError…: openpyxl raises many kinds on a broken archive
            raise bad from exc
        try:
            if not workbook.worksheets:
                raise ImportFileError("工作簿中没有工作表。")
            filled = 0
            for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
                values = list(values)
                while values and values[-1] is None:
                    values.pop()
                records.append((number, values))
                filled += not _is_blank(values)
                if filled > max_rows + 1:  # the header and one row too many
                    break
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
            raise bad from exc
        finally:
            workbook.close()
    return records


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _is_blank(values: Iterable) -> bool:
    return all(_cell_text(v) == "" for v in values)


def _map_header(values: list) -> list[str | None]:
    """Header cells → column keys (None for blank cells); raises on unknown, duplicate or missing."""
    keys: list[str | None] = []
    unknown, seen, duplicate = [], {}, []
    for value in values:
        text = _cell_text(value)
        if not text:
            keys.append(None)
            continue
        key = _HEADER_LOOKUP.get(_normalise_header(text))
        if key is None:
            unknown.append(text)
        elif key in seen:
            duplicate.append(f"“{seen[key]}”与“{text}”")
        else:
            seen[key] = text
        keys.append(key)
    problems = []
    if unknown:
        shown = "、".join(f"“{u[:30]}”" for u in unknown[:10]) + (f" 等 {len(unknown)} 个" if len(unknown) > 10 else "")
        problems.append(f"第 1 行有无法识别的表头：{shown}（可用的表头见 docs/import-format.md）")
    if duplicate:
        problems.append(f"第 1 行有重复的列：{'、'.join(duplicate)}")
    missing = [k for k in REQUIRED_COLUMNS if k not in seen]
    if missing:
        problems.append(
            "缺少必填列：" + "、".join(f"{COLUMNS_BY_KEY[k].header}（{k}）" for k in missing)
        )
    if problems:
        raise ImportFileError("；".join(problems) + "。")
    return keys


_NUMERIC_CODE_COLUMNS = ("code", "parent_code")


def parse_file(
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> ParsedFile:
    """Read a CSV or XLSX file into numbered rows of column key → text (see the module doc)."""
    max_bytes = max_bytes if max_bytes is not None else _setting("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    max_rows = max_rows if max_rows is not None else _setting("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    if filename is None:
        filename = Path(source).name if not isinstance(source, (bytes, bytearray)) else "upload.csv"
    data = _read_source(source, max_bytes)
    kind = _file_kind(data, filename)
    records = iter(_xlsx_records(data, filename, max_rows) if kind == "xlsx" else _csv_records(data))

    parsed = ParsedFile(filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data), columns=[], rows=[])
    keys: list[str | None] | None = None
    for number, values in records:
        if keys is None:
            if isinstance(values, _Malformed):
                raise ImportFileError(f"第 1 行（表头）无法读取：{values.message}")
            if _is_blank(values):
                if _remaining_blank(records):
                    break
                raise ImportFileError("第 1 行应为表头（列名），但它是空行。")
            keys = _map_header(values)
            parsed.columns = [k for k in keys if k]
            continue
        if isinstance(values, _Malformed):
            parsed.errors.append(RowError(number, None, values.message))
            break
        if _is_blank(values):
            continue
        if len(parsed.rows) + len(parsed.errors) >= max_rows:
            raise ImportFileError(f"数据行过多：超过上限 {max_rows} 行（IMPORT_MAX_ROWS）。请拆分后分批导入。")
        row, problem = _row_values(keys, values, kind)
        if problem:
            parsed.errors.append(RowError(number, problem[0], problem[1]))
        else:
            parsed.rows.append((number, row))
    if keys is None:
        raise ImportFileError("文件为空：没有表头，也没有数据。")
    if not parsed.rows and not parsed.errors:
        raise ImportFileError("文件只有表头，没有数据行。")
    return parsed


def _remaining_blank(records: Iterator) -> bool:
    """After a blank first row: True when the rest is blank too (an empty sheet)."""
    for _number, values in records:
        if isinstance(values, _Malformed) or not _is_blank(values):
            return False
    return True


def _row_values(keys: list[str | None], values: list, kind: str) -> tuple[dict[str, str], tuple | None]:
    """One data row → {column: text}, or a (column, message) problem."""
    if kind == "csv" and len(values) != len(keys):
        extra = values[len(keys):]
        if len(values) < len(keys) or not _is_blank(extra):
            return {}, (None, f"该行有 {len(values)} 列，表头有 {len(keys)} 列（可能是引号不配对或多了逗号）。")
    row: dict[str, str] = {}
    for index, value in enumerate(values):
        key = keys[index] if index < len(keys) else None
        text = _cell_text(value)
        if "\x00" in text:
            return {}, (key, "含有空字符（NUL），文件可能已损坏或不是文本文件。")
        if key is None:
            if text:
                return {}, (None, f"第 {index + 1} 列没有表头，却填写了内容“{text[:20]}”。")
            continue
        if key in _NUMERIC_CODE_COLUMNS and isinstance(value, (int, float)) and not isinstance(value, bool):
            return {}, (key, "统一社会信用代码被 Excel 存成了数字（会丢失位数），请把该列设为“文本”格式后重新填写。")
        row[key] = text
    for key in keys:
        if key is not None:
            row.setdefault(key, "")
    return row, None


# ---------------------------------------------------------------- rows → service data

def _split_names(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(text or "") if part.strip()]


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$")


def _date_text(text: str) -> str:
    """``2019/2/28`` (how Chinese Excel writes dates into CSV), ``2019年2月28日`` → ``2019-02-28``;
    anything else is left for the service to judge."""
    match = _DATE.match(text.strip())
    if not match:
        return text
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _classified_fields(text: str) -> list[str]:
    out = []
    for part in _FIELD_SEPARATORS.split(text or ""):
        if part:
            out.append(_CLASSIFIABLE_BY_LABEL.get(part, part))
    return out


def _pairs_from_row(row: dict[str, str], enum_cls, key_of: Callable[[str, str], str]) -> dict[str, dict]:
    """Quota or post columns → {code: {"approved", "actual"}}; a pair with both cells blank is left out
    (on create: no such quota; on update: unchanged)."""
    out = {}
    for member in enum_cls:
        approved, actual = row.get(key_of(member.value, "approved"), ""), row.get(key_of(member.value, "actual"), "")
        if approved != "" or actual != "":
            out[member.value] = {"approved": approved, "actual": actual}
    return out


def _quota_key(category: str, part: str) -> str:
    return f"{category}_{part}"


def _post_key(rank: str, part: str) -> str:
    return f"{rank}_posts_{part}"


def _existing_values(unit: Unit) -> dict:
    """The unit's current record in service form (columns missing from the file keep these)."""
    return {
        "name": unit.name, "short_name": unit.short_name, "kind": unit.kind, "category": unit.category,
        "is_civil_service_managed": unit.is_civil_service_managed, "funding": unit.funding, "level": unit.level,
        "parent_id": unit.parent_id, "region_code": unit.region_code, "functions_md": unit.functions_md,
        "is_classified": unit.is_classified, "classified_fields": list(unit.classified_fields or []),
        "established_on": unit.established_on,
    }


_SIMPLE = {
    "name": "name", "short_name": "short_name", "kind": "kind", "category": "category",
    "civil_service": "is_civil_service_managed", "funding": "funding", "level": "level", "region": "region_code",
    "functions": "functions_md", "classified": "is_classified", "established_on": "established_on",
}


def row_to_data(row: dict[str, str], existing: Unit | None = None) -> tuple[dict, list[str]]:
    """A parsed row → the dict ``create_unit``/``update_unit`` take, and the column of each
    ``other_names`` entry (to name the column in errors). With ``existing``, columns the file does
    not have keep the unit's current values."""
    data: dict = _existing_values(existing) if existing is not None else {}
    data["code"] = creditcode.normalise(row.get("code", ""))
    for column, name in _SIMPLE.items():
        if column in row:
            data[name] = row[column]
    if "established_on" in row:
        data["established_on"] = _date_text(row["established_on"])
    if "classified_fields" in row:
        data["classified_fields"] = _classified_fields(row["classified_fields"])
    if "parent_code" in row:
        data.pop("parent_id", None)
        data["parent_code"] = creditcode.normalise(row["parent_code"])
    data["quotas"] = _pairs_from_row(row, QuotaCategory, _quota_key)
    data["posts"] = _pairs_from_row(row, PostRank, _post_key)
    names: list[tuple[str, str, str]] = []  # (kind, name, column)
    for column, kind in (("plaques", UnitNameKind.PLAQUE.value), ("former_names", UnitNameKind.FORMER.value)):
        if column in row:
            names += [(kind, n, column) for n in _split_names(row[column])]
        elif existing is not None:
            names += [(o.kind, o.name, column) for o in existing.other_names if o.kind == kind]
    data["other_names"] = [{"kind": kind, "name": name} for kind, name, _c in names]
    return data, [column for _k, _n, column in names]


def _column_for(service_field: str, name_columns: list[str]) -> str | None:
    if service_field in _SERVICE_FIELDS:
        return _SERVICE_FIELDS[service_field]
    parts = service_field.split(".")
    if parts[0] == "quotas" and len(parts) >= 2:
        return _quota_key(parts[1], parts[2] if len(parts) > 2 else "approved")
    if parts[0] == "posts" and len(parts) >= 2:
        return _post_key(parts[1], parts[2] if len(parts) > 2 else "approved")
    if parts[0] == "other_names" and len(parts) == 2 and parts[1].isdigit() and int(parts[1]) < len(name_columns):
        return name_columns[int(parts[1])]
    return None


# ---------------------------------------------------------------- checking and importing

@dataclass
class _Item:
    number: int
    row: dict[str, str]
    code: str
    parent_code: str
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


def _units_by_code(codes: set[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    ordered = sorted(c for c in codes if c)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        for unit in db.session.scalars(select(Unit).where(Unit.code.in_(chunk))):
            found[unit.code] = unit
    return found


def _file_checks(items: list[_Item], in_register: dict[str, Unit]) -> tuple[dict[str, _Item], dict[int, int]]:
    """Duplicate codes, unknown parents and parent cycles within the file; returns the first row of
    each code and each row's depth in the file's parent tree (parents sort before children)."""
    first: dict[str, _Item] = {}
    for item in items:
        if not item.code:
            continue
        if item.code in first:
            item.fail("code", f"{item.code} 与第 {first[item.code].number} 行重复。")
        else:
            first[item.code] = item

    def parent_of(item: _Item) -> _Item | None:
        return first.get(item.parent_code) if item.parent_code else None

    for item in items:
        if item.parent_code and item.parent_code not in first and item.parent_code not in in_register:
            item.fail("parent_code", f"找不到代码为 {item.parent_code} 的主管部门：台账和本文件中都没有。")

    in_cycle: set[int] = set()
    done: set[int] = set()
    for start in items:
        path: list[_Item] = []
        position: dict[int, int] = {}
        node = start
        while node is not None and id(node) not in done and id(node) not in position:
            position[id(node)] = len(path)
            path.append(node)
            node = parent_of(node)
        if node is not None and id(node) in position:
            cycle = path[position[id(node)]:]
            if len(cycle) == 1:
                node.fail("parent_code", "主管部门不能是本单位自身。")
            else:
                chain = " → ".join(f"第 {n.number} 行" for n in [*cycle, cycle[0]])
                for member in cycle:
                    member.fail("parent_code", f"主管部门关系在文件内形成循环：{chain}。")
            in_cycle.update(id(n) for n in cycle)
        done.update(id(n) for n in path)

    depth: dict[int, int] = {}

    def depth_of(item: _Item) -> int:
        chain = []
        node = item
        while node is not None and id(node) not in depth:
            chain.append(node)
            parent = parent_of(node) if id(node) not in in_cycle else None
            node = parent if parent is not None and id(parent) not in in_cycle else None
        base = depth[id(node)] if node is not None else -1
        for member in reversed(chain):
            base += 1
            depth[id(member)] = base
        return depth[id(item)]

    for item in items:
        depth_of(item)
    return first, depth


def _collect(item: _Item, exc: ServiceError, name_columns: list[str], skip: set[str | None] = frozenset()) -> None:
    for service_field, message in (exc.fields or {"_": exc.message}).items():
        column = _column_for(service_field, name_columns)
        if column not in skip:
            item.fail(column, message)


def _check_only(item: _Item, data: dict, name_columns: list[str], unit: Unit | None, skip: set[str | None]) -> None:
    """Report the row's other problems without applying it."""
    try:
        unit_services.validate_unit_data(None, data, unit)
    except ServiceError as exc:
        _collect(item, exc, name_columns, skip)


def run_import(
    rows: list[Row],
    *,
    update: bool = False,
    actor_name: str | None = None,
    source: ParsedFile | None = None,
    errors: Iterable[RowError] = (),
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check and apply ``rows`` in the current transaction (see the module doc).

    ``errors`` are problems already found while parsing (they make the import fail too);
    ``dry_run`` checks everything and always rolls back. Call it in a fresh transaction: on failure
    (or a dry run) it rolls the session back.
    """
    result = ImportResult(errors=list(errors))
    items = [
        _Item(number, row, creditcode.normalise(row.get("code", "")), creditcode.normalise(row.get("parent_code", "")))
        for number, row in rows
    ]
    in_register = _units_by_code({i.code for i in items} | {i.parent_code for i in items})
    first, depth = _file_checks(items, in_register)
    applied: set[str] = set()  # codes whose row went in (usable as a parent by later rows)

    try:
        for item in sorted(items, key=lambda i: (depth[id(i)], i.number)):
            _import_one(item, first, in_register, applied, update, actor_name, result)
            result.errors.extend(item.errors)
            if progress:
                progress(1)
    except SQLAlchemyError as exc:
        db.session.rollback()
        result.errors.append(RowError(None, None, f"数据库错误，导入已中止：{type(exc).__name__}: {str(exc)[:200]}"))
        result.created = result.updated = result.unchanged = 0
        return result

    result.errors.sort(key=lambda e: (e.row or 0, _column_order(e.field)))
    if result.errors or dry_run:
        db.session.rollback()
        if result.errors:
            result.created = result.updated = result.unchanged = 0
        return result
    audit.record(
        "units.import", "unit", None, actor=None, actor_name=actor_name,
        details={
            "file": source.filename if source else None, "sha256": source.sha256 if source else None,
            "rows": len(rows), "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "update": update,
        },
    )
    db.session.flush()
    return result


def validate(rows: list[Row], *, update: bool = False, errors: Iterable[RowError] = ()) -> list[RowError]:
    """Every problem ``run_import`` would report, without importing anything."""
    return run_import(rows, update=update, errors=errors, dry_run=True).errors


_COLUMN_POSITION = {c.key: index for index, c in enumerate(COLUMNS)}


def _column_order(key: str | None) -> int:
    return -1 if key is None else _COLUMN_POSITION.get(key, len(_COLUMN_POSITION))


def _import_one(item: _Item, first: dict[str, _Item], in_register: dict[str, Unit], applied: set[str],
                update: bool, actor_name: str | None, result: ImportResult) -> None:
    existing = in_register.get(item.code)
    data, name_columns = row_to_data(item.row, existing if update else None)
    parent_row = first.get(item.parent_code)
    if any(e.field == "parent_code" for e in item.errors) or (
        parent_row is not None and item.parent_code not in applied and item.parent_code not in in_register
    ):
        # the parent is unknown or cyclic (reported on this row) or its own row failed (reported there)
        data.pop("parent_code", None)
        data.pop("parent_id", None)
    if existing is not None and not update and first.get(item.code) is item:
        item.fail("code", f"{item.code} 已存在（“{existing.name}”），如需更新请加 --update。")
    elif existing is not None and update and data.get("name") and data["name"] != existing.name:
        item.fail("name", f"与台账中的名称“{existing.name}”不同。导入不能更名：更名是带日期和文件的沿革事件，"
                          f"请在单位页面使用“更名”操作，或在文件中保留原名称。")
    if item.errors:
        # already wrong: report the row's other problems too, but do not apply it
        _check_only(item, data, name_columns, existing, {e.field for e in item.errors} | {"code"})
        return
    try:
        if existing is not None:
            changes = unit_services.update_unit(None, existing, data, actor_name=actor_name)
            if changes:
                result.updated += 1
            else:
                result.unchanged += 1
        else:
            unit_services.create_unit(None, data, actor_name=actor_name)
            result.created += 1
    except ServiceError as exc:
        _collect(item, exc, name_columns)
        return
    applied.add(item.code)
