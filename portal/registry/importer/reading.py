"""Reading an import file: ``parse_file`` for CSV (UTF-8 with or without BOM, or GB18030) and XLSX
(the first worksheet), within the size and row limits (``IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``), into
numbered rows of column key → text."""
from __future__ import annotations

import csv
import hashlib
import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

from flask import current_app, has_app_context

from portal.registry.importer.columns import COLUMNS_BY_KEY, REQUIRED_COLUMNS, header_key
from portal.registry.importer.results import ImportFileError, ParsedFile, RowError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 20000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary .xls
CSV_EXTENSIONS = {".csv", ".txt", ""}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}


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


def decode_text(data: bytes) -> str:
    """A CSV's text: UTF-8 (with or without BOM) or GB18030/GBK, as Chinese Excel saves it."""
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
    reader = csv.reader(io.StringIO(decode_text(data), newline=""), strict=True)
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


def xlsx_records(data: bytes, filename: str, max_rows: int) -> list[tuple[int, list]]:
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
        key = header_key(text)
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
    """Read a CSV or XLSX file into numbered rows of column key → text (see the package doc)."""
    max_bytes = max_bytes if max_bytes is not None else _setting("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    max_rows = max_rows if max_rows is not None else _setting("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    if filename is None:
        filename = Path(source).name if not isinstance(source, (bytes, bytearray)) else "upload.csv"
    data = _read_source(source, max_bytes)
    kind = _file_kind(data, filename)
    records = iter(xlsx_records(data, filename, max_rows) if kind == "xlsx" else _csv_records(data))

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
