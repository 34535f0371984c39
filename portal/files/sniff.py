"""What an uploaded file really is, judged by its content, and whether its name agrees.

Allowed kinds: PDF, JPEG, PNG, and three ZIP containers told apart by their members (OFD: ``OFD.xml`` at
the root; DOCX: ``[Content_Types].xml`` + ``word/document.xml``; XLSX: ``[Content_Types].xml`` +
``xl/workbook.xml``). A ZIP is judged from its central directory only (``ZipInfo.file_size``), never
extracted, with limits on member count, declared unpacked size and per-member compression ratio so a
zip bomb is refused before anything downstream (a viewer, an indexer) unpacks it. A name whose extension
disagrees with the content (an EXE or a PNG renamed ``.pdf``) is refused: the extension decides how the
file opens on the reader's computer, so it must tell the truth.
"""
from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app, has_app_context

from portal.errors import InvalidInput


@dataclass(frozen=True)
class Kind:
    name: str  # "pdf"
    label: str  # shown in messages: "PDF"
    mimetype: str
    extension: str  # canonical, without the dot
    extensions: tuple[str, ...]  # every accepted spelling, lower case


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("pdf", "PDF", "application/pdf", "pdf", ("pdf",)),
    Kind("jpeg", "JPEG", "image/jpeg", "jpg", ("jpg", "jpeg", "jpe")),
    Kind("png", "PNG", "image/png", "png", ("png",)),
    Kind("ofd", "OFD", "application/ofd", "ofd", ("ofd",)),
    Kind("docx", "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
         ("docx",)),
    Kind("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
         ("xlsx",)),
)}
ALL_KINDS: tuple[str, ...] = tuple(KINDS)

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
_EOCD_MAGIC = b"PK\x05\x06"

# ZIP limits (settings of the same name override them)
DEFAULT_ZIP_MAX_MEMBERS = 2000
DEFAULT_ZIP_MAX_UNPACKED = 200 * 1024 * 1024
DEFAULT_ZIP_MAX_RATIO = 100
# a member smaller than this unpacked is harmless whatever its ratio (XML of repeated tags packs well)
RATIO_FLOOR = 1024 * 1024

_MACRO_MEMBERS = ("word/vbaProject.bin", "xl/vbaProject.bin")


@dataclass(frozen=True)
class Sniffed:
    kind: str
    mimetype: str
    extension: str  # canonical, without the dot
    label: str


def allowed_message(allowed=ALL_KINDS) -> str:
    return "只能上传 " + "、".join(KINDS[k].label for k in allowed) + " 文件"


def accept_attribute(allowed=ALL_KINDS) -> str:
    """For ``<input type=file accept=…>`` (a hint to the browser; the server still checks)."""
    return ",".join(f".{ext}" for k in allowed for ext in KINDS[k].extensions)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


def _refuse(field: str, message: str):
    raise InvalidInput({field: message})


def sniff(stream: BinaryIO, filename: str, *, allowed=ALL_KINDS, field: str = "file") -> Sniffed:
    """The kind of the (seekable, size-bounded) ``stream``; ``InvalidInput({field: …})`` when it is not
    one of ``allowed`` or ``filename``'s extension disagrees with it."""
    allowed = tuple(allowed)
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(PDF_MAGIC):
        kinds = {"pdf"}
    elif head.startswith(JPEG_MAGIC):
        kinds = {"jpeg"}
    elif head.startswith(PNG_MAGIC):
        kinds = {"png"}
    elif head.startswith(ZIP_MAGIC):
        kinds = _zip_kinds(stream, filename, field, allowed)
    else:
        kinds = set()
    stream.seek(0)
    kinds &= set(allowed)
    if not kinds:
        _refuse(field, f"“{filename}”的内容不是允许的文件类型（按文件内容检查，仅修改扩展名无效）：{allowed_message(allowed)}。")
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if not extension:
        _refuse(field, f"“{filename}”没有扩展名：请使用与文件内容相符的扩展名（如 .{KINDS[min(kinds)].extension}）。"
                       f"{allowed_message(allowed)}。")
    for name in sorted(kinds):
        kind = KINDS[name]
        if extension in kind.extensions:
            return Sniffed(kind.name, kind.mimetype, kind.extension, kind.label)
    actual = KINDS[min(kinds)]
    _refuse(field, f"“{filename}”的扩展名 .{extension} 与文件内容（{actual.label}）不符：请确认文件，"
                   f"或改用扩展名 .{actual.extension} 后重新上传。{allowed_message(allowed)}。")


def _declared_entries(stream: BinaryIO) -> int | None:
    """Member count from the end-of-central-directory record, before ``zipfile`` parses every entry."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_length = min(size, 65535 + 22)
    stream.seek(size - tail_length)
    tail = stream.read(tail_length)
    at = tail.rfind(_EOCD_MAGIC)
    if at < 0 or len(tail) - at < 22:
        return None
    entries = struct.unpack("<H", tail[at + 10:at + 12])[0]
    return None if entries == 0xFFFF else entries  # ZIP64: zipfile reads the real count


def _zip_kinds(stream: BinaryIO, filename: str, field: str, allowed: tuple[str, ...]) -> set[str]:
    max_members = _setting("FILES_ZIP_MAX_MEMBERS", DEFAULT_ZIP_MAX_MEMBERS)
    max_unpacked = _setting("FILES_ZIP_MAX_UNPACKED", DEFAULT_ZIP_MAX_UNPACKED)
    max_ratio = _setting("FILES_ZIP_MAX_RATIO", DEFAULT_ZIP_MAX_RATIO)
    too_many = f"“{filename}”内含文件超过 {max_members} 个，疑似异常压缩文件，已拒绝。"
    declared = _declared_entries(stream)
    if declared is not None and declared > max_members:
        _refuse(field, too_many)
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        _refuse(field, f"“{filename}”已损坏或不是有效的文档（无法读取其 ZIP 结构）。{allowed_message(allowed)}。")
    if len(members) > max_members:
        _refuse(field, too_many)
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > RATIO_FLOOR and (
            member.compress_size <= 0 or member.file_size > member.compress_size * max_ratio
        ):
            _refuse(field, f"“{filename}”中的“{member.filename[:80]}”压缩比异常（超过 {max_ratio}:1），"
                           f"疑似压缩炸弹，已拒绝。")
    if total > max_unpacked:
        _refuse(field, f"“{filename}”解压后超过 {max_unpacked // (1024 * 1024)} MB，疑似压缩炸弹，已拒绝。")
    names = {m.filename for m in members}
    if names & set(_MACRO_MEMBERS):
        _refuse(field, f"“{filename}”含有宏（VBA 代码），出于安全考虑不允许上传：请另存为不含宏的文档后重新上传。")
    kinds = set()
    if "OFD.xml" in names:
        kinds.add("ofd")
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            kinds.add("docx")
        if "xl/workbook.xml" in names:
            kinds.add("xlsx")
    return kinds
