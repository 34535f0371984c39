"""portal.files: type by content, zip-bomb limits, safe names, storage that never overwrites, cleanup of
files whose transaction did not commit."""
from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage

from portal import files
from portal.errors import InvalidInput, NotFound
from portal.extensions import db

# ---------------------------------------------------------------- small real files


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": b"<Relationships/>",
                      "word/document.xml": b"<w:document/>"})


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "整改台账"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ofd_bytes() -> bytes:
    return zip_bytes({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"


def refused(data: bytes, name: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        files.sniff(io.BytesIO(data), name)
    return caught.value.fields["file"]


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize("make, name, kind, mimetype", [
    (pdf_bytes, "报告.pdf", "pdf", "application/pdf"),
    (jpeg_bytes, "现场照片.JPG", "jpeg", "image/jpeg"),
    (jpeg_bytes, "photo.jpeg", "jpeg", "image/jpeg"),
    (png_bytes, "截图.png", "png", "image/png"),
    (ofd_bytes, "通知.ofd", "ofd", "application/ofd"),
    (docx_bytes, "整改方案.docx", "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (xlsx_bytes, "台账.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_each_allowed_type_is_recognised_by_content(app, make, name, kind, mimetype):
    found = files.sniff(io.BytesIO(make()), name)
    assert (found.kind, found.mimetype) == (kind, mimetype)


def test_an_exe_renamed_pdf_is_refused(app):
    message = refused(exe_bytes(), "整改报告.pdf")
    assert "只能上传 PDF、JPEG、PNG、OFD、DOCX、XLSX 文件" in message


def test_a_png_named_pdf_is_refused_for_the_extension(app):
    message = refused(png_bytes(), "扫描件.pdf")
    assert ".pdf" in message and "PNG" in message and ".png" in message


def test_a_docx_named_xlsx_and_a_plain_zip_are_refused(app):
    assert "DOCX" in refused(docx_bytes(), "表格.xlsx")
    assert "只能上传" in refused(zip_bytes({"a.txt": b"hello"}), "资料.docx")


def test_a_name_without_extension_is_refused(app):
    assert "没有扩展名" in refused(pdf_bytes(), "报告")


def test_a_broken_zip_is_refused(app):
    data = docx_bytes()
    assert "已损坏" in refused(data[: len(data) // 2], "报告.docx")


def test_a_macro_document_is_refused(app):
    data = zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>",
                      "word/vbaProject.bin": b"\x00" * 10})
    assert "宏" in refused(data, "报告.docx")


def test_zip_bomb_high_ratio_member_is_refused(app):
    data = zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"\x00" * (5 * 1024 * 1024)})
    assert len(data) < 100 * 1024
    assert "压缩比异常" in refused(data, "报告.docx")


def test_zip_member_declaring_a_huge_size_is_refused(app):
    data = bytearray(docx_bytes())
    at = data.find(b"PK\x01\x02")  # the first central-directory entry: uncompressed size at +24
    struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)
    message = refused(bytes(data), "报告.docx")
    assert "压缩" in message


def test_zip_total_unpacked_size_is_limited(app):
    app.config["FILES_ZIP_MAX_UNPACKED"] = 1000
    data = zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": os.urandom(2000)})
    assert "解压后超过" in refused(data, "报告.docx")


def test_zip_with_too_many_members_is_refused(app):
    members = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"}
    members.update({f"word/media/{i}.txt": b"" for i in range(2000)})
    assert "超过 2000 个" in refused(zip_bytes(members, zipfile.ZIP_STORED), "报告.docx")


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("raw, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\整改报告.pdf", "整改报告.pdf"),
    ("C:\\Users\\张三\\Desktop\\整改方案（第二稿）.docx", "整改方案（第二稿）.docx"),
    ("\x00evil\x1b[31m报告\u202egpj.pdf", "evil[31m报告gpj.pdf"),
    ("a<b>c:d|e?.pdf", "a_b_c_d_e_.pdf"),
    ("..", "未命名"),
    ("", "未命名"),
    (".pdf", "未命名.pdf"),
    ("报告\u3000终稿.pdf", "报告 终稿.pdf"),
])
def test_safe_name(raw, expected):
    assert files.safe_name(raw) == expected


def test_a_long_name_is_cut_keeping_the_extension():
    name = files.safe_name("很长" * 200 + ".xlsx")
    assert len(name) <= 120 and name.endswith(".xlsx")


# ---------------------------------------------------------------- storage


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def area_files(app, area: str = "tests") -> set[Path]:
    root = Path(app.config["DATA_DIR"]) / "files" / area
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_save_upload_stores_under_a_random_name(app):
    data = pdf_bytes()
    stored = files.save_upload(upload(data, "../../整改报告\x07.pdf"), area="tests", max_bytes=1024 * 1024)
    db.session.commit()
    assert re.fullmatch(r"tests/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", stored.stored_name)
    assert stored.original_name == "整改报告.pdf"
    assert (stored.content_type, stored.size, stored.kind) == ("application/pdf", len(data), "pdf")
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    path = files.stored_path(stored.stored_name)
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with files.open_stored(stored.stored_name) as handle:
        assert handle.read() == data
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".upload-")]


def test_the_same_name_twice_keeps_both(app):
    first = files.save_upload(upload(pdf_bytes(), "报告.pdf"), area="tests", max_bytes=10_000)
    second = files.save_upload(upload(pdf_bytes() + b"%second\n", "报告.pdf"), area="tests", max_bytes=10_000)
    db.session.commit()
    assert first.stored_name != second.stored_name
    assert files.stored_path(first.stored_name).read_bytes() == pdf_bytes()
    assert files.stored_path(second.stored_name).read_bytes().endswith(b"%second\n")


def test_a_name_clash_draws_a_new_name_and_never_overwrites(app, monkeypatch):
    names = iter(["a" * 32, "a" * 32, "b" * 32])
    monkeypatch.setattr("portal.files.storage.secrets.token_hex", lambda _n: next(names))
    first = files.save_upload(upload(pdf_bytes(), "一.pdf"), area="tests", max_bytes=10_000)
    second = files.save_upload(upload(pdf_bytes() + b"%2\n", "二.pdf"), area="tests", max_bytes=10_000)
    db.session.commit()
    assert first.stored_name.endswith("a" * 32 + ".pdf") and second.stored_name.endswith("b" * 32 + ".pdf")
    assert files.stored_path(first.stored_name).read_bytes() == pdf_bytes()


def test_an_empty_file_is_refused_and_nothing_stays(app):
    before = area_files(app)
    with pytest.raises(InvalidInput) as caught:
        files.save_upload(upload(b"", "空.pdf"), area="tests", max_bytes=10_000)
    assert "空文件" in caught.value.fields["file"]
    assert area_files(app) == before


def test_a_missing_file_is_refused(app):
    for missing in (None, upload(b"", "")):
        with pytest.raises(InvalidInput) as caught:
            files.save_upload(missing, area="tests", max_bytes=10_000)
        assert caught.value.fields == {"file": "请选择要上传的文件。"}


def test_size_limit_counts_the_bytes_read(app):
    data = pdf_bytes()
    before = area_files(app)
    with pytest.raises(InvalidInput) as caught:
        files.save_upload(upload(data, "大.pdf"), area="tests", max_bytes=len(data) - 1)
    assert "超过大小上限" in caught.value.fields["file"]
    assert area_files(app) == before
    assert files.save_upload(upload(data, "刚好.pdf"), area="tests", max_bytes=len(data)).size == len(data)


def test_a_refused_type_leaves_nothing(app):
    before = area_files(app)
    with pytest.raises(InvalidInput):
        files.save_upload(upload(exe_bytes(), "报告.pdf"), area="tests", max_bytes=10_000)
    assert area_files(app) == before


def test_a_plain_stream_needs_a_filename(app):
    stored = files.save_upload(io.BytesIO(png_bytes()), filename="图.png", area="tests", max_bytes=10_000)
    assert stored.kind == "png" and stored.stored_name.endswith(".png")


def test_rollback_removes_the_file_commit_keeps_it(app):
    dropped = files.save_upload(upload(pdf_bytes(), "回滚.pdf"), area="tests", max_bytes=10_000)
    path = files.stored_path(dropped.stored_name)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()

    kept = files.save_upload(upload(pdf_bytes(), "保留.pdf"), area="tests", max_bytes=10_000)
    db.session.commit()
    db.session.rollback()  # a later transaction's rollback does not touch it
    assert files.stored_path(kept.stored_name).exists()


def test_a_session_closed_without_commit_removes_the_file(app):
    stored = files.save_upload(upload(pdf_bytes(), "关闭.pdf"), area="tests", max_bytes=10_000)
    db.session.close()
    assert not files.stored_path(stored.stored_name).exists()


def test_save_uploads_limits_the_total(app):
    before = area_files(app)
    data = pdf_bytes()
    with pytest.raises(InvalidInput) as caught:
        files.save_uploads([upload(data, "一.pdf"), upload(data, "二.pdf")], area="tests",
                           max_bytes=10_000, max_total=len(data) + 1)
    assert "合计" in caught.value.fields["files"]
    assert area_files(app) == before
    saved = files.save_uploads([upload(data, "一.pdf"), upload(png_bytes(), "二.png")], area="tests",
                               max_bytes=10_000, max_total=10_000)
    assert [s.kind for s in saved] == ["pdf", "png"]


@pytest.mark.parametrize("name", [
    "../secret_key", "/etc/passwd", "tests/2026/01/../../../secret_key", "tests/2026/01/" + "a" * 32,
    "tests/2026/01/" + "A" * 32 + ".pdf", "", None,
])
def test_open_stored_refuses_names_outside_the_files_root(app, name):
    with pytest.raises(NotFound):
        files.open_stored(name)
    assert files.delete_stored(name) is False


def test_open_stored_of_a_lost_file_is_not_found(app):
    with pytest.raises(NotFound):
        files.open_stored("tests/2026/01/" + "c" * 32 + ".pdf")


def test_bad_area_is_a_programming_error(app):
    with pytest.raises(ValueError):
        files.save_upload(upload(pdf_bytes(), "a.pdf"), area="../x", max_bytes=10_000)


def test_human_size():
    sizes = (512, 2048, 1536 * 1024, 20 * 1024 * 1024)
    assert [files.human_size(n) for n in sizes] == ["512 字节", "2 KB", "1.5 MB", "20 MB"]
