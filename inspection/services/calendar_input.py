"""Reading a year's holiday schedule (节假日安排) typed into a text box or uploaded as CSV or XLSX.

One day per line, three columns: date, name, mark — ``2027-01-01,元旦,休`` (休: a day off on a weekday;
班: an adjusted working weekend day, 调休上班). Commas (half- or full-width) or tabs separate the columns;
a first line whose first column says 日期 is a header and skipped; blank lines and lines starting with
``#`` are skipped. An XLSX file holds the same three columns on its first worksheet.

Every bad line gets its own Chinese message with its line number, in ``InvalidInput({field: …})``.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from portal.errors import InvalidInput
from portal.files.sniff import sniff
from portal.registry.importer.reading import decode_text, xlsx_records
from portal.registry.importer.results import ImportFileError

NAME_MAX = 50
MAX_LINES = 400  # a year has 366 days; a schedule lists a few dozen
MAX_FILE_BYTES = 1024 * 1024
MAX_ERRORS_SHOWN = 20

OFF_MARKS = frozenset({"休", "放假", "休息", "假"})
WORK_MARKS = frozenset({"班", "上班", "补班", "调休上班"})
_SPLIT = re.compile(r"[,，\t]")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
EXAMPLE = "2027-01-01,元旦,休"


@dataclass(frozen=True)
class ScheduleDay:
    day: date
    name: str
    is_workday: bool
    line: int | None = None  # where it was read (for messages)

    @property
    def mark(self) -> str:
        return "班" if self.is_workday else "休"


class LineErrors:
    """Messages per line, shown together (the first ``MAX_ERRORS_SHOWN``)."""

    def __init__(self, field: str):
        self.field, self.messages = field, []

    def add(self, line: int | None, message: str) -> None:
        self.messages.append(f"第 {line} 行：{message}" if line else message)

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        shown = self.messages[:MAX_ERRORS_SHOWN]
        more = len(self.messages) - len(shown)
        text = "；".join(shown) + (f"；另有 {more} 处错误未列出" if more > 0 else "") + "。未保存任何内容，请改正后重新提交。"
        raise InvalidInput({self.field: text})


def parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value or "").strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_schedule(source, *, field: str = "days") -> list[ScheduleDay]:
    """The days of ``source``: text (str), or an uploaded file (``FileStorage``: CSV or XLSX)."""
    if isinstance(source, str):
        rows = [(number, _SPLIT.split(line)) for number, line in enumerate(source.splitlines(), start=1)]
    else:
        rows = _file_rows(source, field)
    return _parse_rows(rows, field)


def _parse_rows(rows, field: str) -> list[ScheduleDay]:
    errors = LineErrors(field)
    days: list[ScheduleDay] = []
    seen_content = False
    for number, cells in rows:
        cells = [_text(c) for c in cells]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells or cells[0].startswith("#"):
            continue
        if not seen_content and "日期" in cells[0]:
            seen_content = True
            continue  # a header row
        seen_content = True
        if len(days) + len(errors.messages) >= MAX_LINES:
            errors.add(number, f"行数超过 {MAX_LINES} 行，一年的节假日安排不会这么多，请检查内容。")
            break
        if len(cells) != 3:
            errors.add(number, f"应为“日期,名称,休或班”三项（如 {EXAMPLE}），实际为 {len(cells)} 项")
            continue
        raw_day, name, mark = cells
        day = parse_date(raw_day)
        problems = []
        if day is None:
            problems.append(f"日期“{raw_day[:20]}”无效，请写成 2027-01-01 的格式")
        if len(name) > NAME_MAX:
            problems.append(f"名称不能超过 {NAME_MAX} 个字")
        if mark in OFF_MARKS:
            working = False
        elif mark in WORK_MARKS:
            working = True
        else:
            problems.append(f"标记“{mark[:10]}”无法识别：放假写“休”，调休上班写“班”")
        if problems:
            errors.add(number, "；".join(problems))
            continue
        days.append(ScheduleDay(day, name, working, number))
    errors.raise_if_any()
    return days


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _file_rows(upload, field: str) -> list[tuple[int, list]]:
    filename = (getattr(upload, "filename", None) or "").strip() or "上传的文件"
    stream = getattr(upload, "stream", upload)
    data = stream.read(MAX_FILE_BYTES + 1)
    if not data:
        raise InvalidInput({field: f"“{filename}”是空文件。"})
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput({field: f"“{filename}”超过 1 MB，不像是节假日安排，请检查文件。"})
    if data.startswith(b"PK\x03\x04"):
        sniff(io.BytesIO(data), filename, allowed=("xlsx",), field=field)  # a real workbook, no zip bomb
        return _xlsx_rows(data, filename, field)
    if data.startswith((b"%PDF", b"\xff\xd8\xff", b"\x89PNG")):
        raise InvalidInput({field: f"“{filename}”不是文本文件：请上传 CSV 或 Excel 工作簿（.xlsx）。"})
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput({field: "不支持旧版 Excel（.xls）：请另存为 .xlsx 或 CSV 后再上传。"})
    try:
        text = decode_text(data)
    except ImportFileError as exc:
        raise InvalidInput({field: exc.message}) from None
    if "\x00" in text:
        raise InvalidInput({field: f"“{filename}”不是文本文件：请上传 CSV 或 Excel 工作簿（.xlsx）。"})
    return [(number, _SPLIT.split(line)) for number, line in enumerate(text.splitlines(), start=1)]


def _xlsx_rows(data: bytes, filename: str, field: str) -> list[tuple[int, list]]:
    """The first worksheet's rows (the register importer's reader: bounded, warnings kept inside)."""
    try:
        return xlsx_records(data, filename, MAX_LINES + 50)
    except ImportFileError as exc:
        raise InvalidInput({field: exc.message}) from None
