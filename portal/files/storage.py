"""Uploaded files kept under ``<DATA_DIR>/files``, outside any static folder, under random names.

``save_upload`` streams the upload in chunks into a temporary file in the target directory (hashing and
counting as it goes: the declared Content-Length is never trusted), refuses an empty or oversized file,
checks the type by content (:mod:`portal.files.sniff`), then links it to
``<area>/<yyyy>/<mm>/<32 hex>.<ext>``. ``os.link`` fails instead of replacing an existing name, so a file
never overwrites another (a clash just draws a new name). Files are created 0600, directories 0700.

Orphans. A file is saved before its database row is committed, so the file must go if the transaction
does not commit. ``save_upload`` registers the file on the current SQLAlchemy session: when the session's
outermost transaction ends without a commit (``rollback()``, a failed flush, ``close()``/``remove()`` of a
session never committed) the file is deleted; a commit keeps it. This is chosen over try/except in each
service because the commit happens in the view, after the service has returned: only the session knows
whether the row was kept. Savepoints are not tracked (the outermost transaction decides), and a crash
between the link and the commit can leave a file without a row — harmless (random name, never served)
and findable by comparing the files area with the table.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.files.sniff import ALL_KINDS, sniff
from portal.timeutil import BEIJING, utcnow

CHUNK = 64 * 1024
MAX_NAME_LENGTH = 120
UNNAMED = "未命名"
_AREA = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")
_STORED = re.compile(r"^[a-z][a-z0-9_-]{0,30}/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z0-9]{1,8}$")
# characters Windows refuses in names (and that confuse a Content-Disposition header)
_RESERVED = re.compile(r'[<>:"|?*]')
_PENDING = "portal.files.pending"


@dataclass(frozen=True)
class StoredFile:
    stored_name: str  # relative to the files root: "cases/2026/03/<hex>.pdf"
    original_name: str  # sanitised, for display and the download's name
    content_type: str
    size: int
    sha256: str
    kind: str


def files_root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "files"


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} 字节"


def safe_name(raw: str | None) -> str:
    """The upload's own name made harmless for display and downloads: no directories (``/``, ``\\``,
    ``..``), no control or format characters (incl. right-to-left overrides), no characters Windows
    refuses, at most ``MAX_NAME_LENGTH`` characters with the extension kept; Chinese stays."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in name
                   if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp"))
    name = _RESERVED.sub("_", name).strip().rstrip(". ")  # Windows drops trailing dots and spaces
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip().lstrip(". ")  # no hidden-file names
    extension = extension.strip()[:10]
    if not stem:
        stem = UNNAMED
    stem = stem[: MAX_NAME_LENGTH - len(extension) - 1]
    return f"{stem}.{extension}" if extension else stem


def _source(upload, filename: str | None) -> tuple[BinaryIO | None, str | None]:
    if upload is None:
        return None, filename
    stream = getattr(upload, "stream", None)  # werkzeug FileStorage
    if stream is not None:
        return stream, filename if filename is not None else upload.filename
    return upload, filename if filename is not None else getattr(upload, "filename", None)


def save_upload(upload, *, area: str, max_bytes: int, filename: str | None = None, allowed=ALL_KINDS,
                field: str = "file") -> StoredFile:
    """Store ``upload`` (a werkzeug ``FileStorage`` or a binary stream with ``filename``) under ``area``.
    Refusals raise ``InvalidInput({field: 中文消息})`` and leave nothing behind."""
    if not _AREA.match(area):
        raise ValueError(f"bad storage area {area!r}")
    stream, raw_name = _source(upload, filename)
    if stream is None or not (raw_name or "").strip():
        raise InvalidInput({field: "请选择要上传的文件。"})
    name = safe_name(raw_name)
    now = utcnow().astimezone(BEIJING)
    relative_dir = f"{area}/{now:%Y}/{now:%m}"
    directory = _make_dirs(files_root(), relative_dir)

    fd, temp_path = tempfile.mkstemp(dir=directory, prefix=".upload-")  # O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "w+b") as temp:
            digest, size = _copy_bounded(stream, temp, max_bytes, name, field)
            if size == 0:
                raise InvalidInput({field: f"“{name}”是空文件，请检查后重新上传。"})
            found = sniff(temp, name, allowed=allowed, field=field)
            temp.flush()
            os.fsync(temp.fileno())
        stored_name = _link_new_name(temp_path, directory, relative_dir, found.extension)
    finally:
        _unlink_quietly(temp_path)
    _delete_unless_committed(files_root() / stored_name)
    return StoredFile(stored_name, name, found.mimetype, size, digest, found.kind)


def save_uploads(uploads, *, area: str, max_bytes: int, max_total: int, allowed=ALL_KINDS,
                 field: str = "files", already: int = 0) -> list[StoredFile]:
    """Several files of one submission: each within ``max_bytes``, together with the ``already`` bytes
    kept earlier (a draft's files) within ``max_total``. On a refusal the files already stored by this
    call are removed at once."""
    saved: list[StoredFile] = []
    try:
        for upload in uploads:
            stored = save_upload(upload, area=area, max_bytes=max_bytes, allowed=allowed, field=field)
            saved.append(stored)
            total = already + sum(s.size for s in saved)
            if total > max_total:
                raise InvalidInput({field: f"文件合计 {human_size(total)}（含此前已上传的），超过上限 {human_size(max_total)}，"
                                           "请压缩或删减后重新提交。"})
    except BaseException:
        for stored in saved:
            delete_stored(stored.stored_name)
        raise
    return saved


def _make_dirs(root: Path, relative_dir: str) -> Path:
    """Each level created 0700 (``mkdir(parents=True)`` would give the parents the default mode)."""
    root.mkdir(mode=0o700, exist_ok=True)
    directory = root
    for part in relative_dir.split("/"):
        directory = directory / part
        directory.mkdir(mode=0o700, exist_ok=True)
    return directory


def _copy_bounded(stream: BinaryIO, temp: BinaryIO, max_bytes: int, name: str, field: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return digest.hexdigest(), size
        size += len(chunk)
        if size > max_bytes:
            raise InvalidInput({field: f"“{name}”超过大小上限 {human_size(max_bytes)}，请压缩或拆分后重新上传。"})
        digest.update(chunk)
        temp.write(chunk)


def _link_new_name(temp_path: str, directory: Path, relative_dir: str, extension: str) -> str:
    """Give the temporary file a fresh random name without ever replacing an existing file."""
    for _attempt in range(10):
        base = f"{secrets.token_hex(16)}.{extension}"
        target = directory / base
        try:
            os.link(temp_path, target)
        except FileExistsError:
            continue
        except OSError:  # no hard links here: claim the name exclusively, then move onto our own claim
            try:
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                continue
            os.replace(temp_path, target)
        return f"{relative_dir}/{base}"
    raise RuntimeError("could not find a free file name")


def _unlink_quietly(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def stored_path(stored_name: str) -> Path:
    """The absolute path of a stored file; ``NotFound`` for any name that is not one of ours or would
    leave the files root."""
    root = files_root().resolve()
    if not isinstance(stored_name, str) or not _STORED.match(stored_name):
        raise NotFound()
    path = (root / stored_name).resolve()
    if not path.is_relative_to(root):
        raise NotFound()
    return path


def open_stored(stored_name: str) -> BinaryIO:
    """The stored file opened for reading; ``NotFound`` when the name is bad or the file is gone."""
    path = stored_path(stored_name)
    try:
        return open(path, "rb")
    except (FileNotFoundError, IsADirectoryError):
        current_app.logger.error("stored file missing: %s", stored_name)
        raise NotFound("文件不存在或已丢失，请联系管理员。") from None


def delete_stored(stored_name: str) -> bool:
    """Remove a stored file — only to undo a save whose row was not kept. True if a file went."""
    try:
        path = stored_path(stored_name)
    except NotFound:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


# ---------------------------------------------------------------- rollback cleanup

def _delete_unless_committed(path: Path) -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so the file's fate follows a transaction that will end
    session.info.setdefault(_PENDING, []).append(str(path))


@event.listens_for(Session, "after_commit")
def _keep_committed(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted(session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_PENDING, ()):
        _unlink_quietly(path)
