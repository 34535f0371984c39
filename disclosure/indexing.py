"""Keeping the public search index in step with the publications, whatever the backend.

* :func:`document_from_snapshot` turns a public snapshot into a :class:`SearchDocument` (always built from
  ``queries.public_snapshot``, so classified fields never reach the index);
* :func:`whoosh_index` is the process's Whoosh handle for the app (``app.extensions["disclosure_search"]``,
  keyed by the data directory), opened lazily under ``<DATA_DIR>/search_index``; a missing or unreadable
  index is rebuilt from the published snapshots (logged);
* :func:`mark_for_reindex` is called by ``lifecycle.apply`` (the one place a publication changes state): the
  unit's code is noted on the session (``session.info``). Before the database commit the notes become
  documents (public now: index it; otherwise: remove it). With the PostgreSQL backend the rows are written
  there and then, in the same transaction (in a savepoint, so a failure cannot abort it). With Whoosh the
  batch is written after the commit in one writer commit (``after_commit``); a rollback discards it. A
  failure is logged and never raised into the request: the database filter keeps results right and
  ``flask --app portal search reindex`` repairs the index;
* :func:`deferred_updates` lets a bulk command (``units publish --all``) commit the database in batches and
  update the Whoosh index once at the end (a full parallel rebuild when the batch is large);
* :func:`reindex` rebuilds the configured backend from every published snapshot.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import weakref
from collections.abc import Callable, Collection, Iterable
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session, selectinload

from portal.config import ConfigError
from portal.extensions import db
from portal.registry.models import Unit

from disclosure.models import Publication, PublicationStatus
from disclosure.queries import code_in, public_publications, public_snapshot
from disclosure.search import SearchDocument, SearchIndex, analyzer, open_or_create_index
from disclosure.search import rebuild as whoosh_rebuild

log = logging.getLogger(__name__)

BACKENDS = ("whoosh", "postgres")
EXTENSION = "disclosure_search"
CHUNK = 500
BULK_REBUILD = 1000            # a deferred batch at least this large rebuilds the whole Whoosh index

_PENDING = "disclosure_search.pending"        # codes changed in the current transaction
_PREPARED = "disclosure_search.prepared"      # (documents, removals) waiting for the commit
_COMMITTING = "disclosure_search.committing"  # codes of a deferred batch's current commit
_DEFERRED = "disclosure_search.deferred"      # codes committed while updates are deferred


# ---------------------------------------------------------------- documents

_MD_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_TAG = re.compile(r"<[^>]{0,200}>")
_MD_RULE = re.compile(r"^\s{0,3}([-*_]\s*){3,}$", re.M)
_MD_LINE_MARK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)", re.M)
_MD_EMPHASIS = re.compile(r"[*_`~]+")
_MD_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|#\d{1,6});")


def markdown_text(md: str | None) -> str:
    """Markdown roughly reduced to its words: links to their text, markup and HTML tags dropped."""
    text = _MD_IMAGE_OR_LINK.sub(r"\1", md or "")
    text = _MD_TAG.sub(" ", text)
    text = _MD_RULE.sub("", text)
    text = _MD_LINE_MARK.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _MD_ENTITY.sub(" ", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _code_of(value) -> str:
    if isinstance(value, dict):
        return value.get("code") or ""
    return str(value or "")


def document_from_snapshot(snapshot: dict, code: str | None = None) -> SearchDocument:
    """The search document of a public snapshot (pass it through ``queries.public_snapshot`` first)."""
    parent = snapshot.get("parent") or {}
    departments = []
    for department in snapshot.get("departments") or []:
        departments.append(department.get("name") or "")
        departments.append(markdown_text(department.get("functions_md")))
    return SearchDocument(
        code=code or snapshot["code"],
        name=snapshot.get("name") or "",
        short_name=snapshot.get("short_name") or "",
        other_names=[n["name"] for n in snapshot.get("other_names") or [] if n.get("name")],
        functions_text=markdown_text(snapshot.get("functions_md")),
        kind=_code_of(snapshot.get("kind")),
        level=_code_of(snapshot.get("level")),
        region_code=_code_of(snapshot.get("region")),
        parent_code=parent.get("code") or "",
        parent_name=parent.get("name") or "",
        departments_text="\n".join(d for d in departments if d),
    )


def _public_rows(query) -> Iterable[tuple[Publication, Unit]]:
    return db.session.execute(query.options(selectinload(Unit.parent))).all()


def published_documents() -> list[SearchDocument]:
    """A document for every unit public now (read in chunks; a list, so worker pools can consume it)."""
    ids = db.session.execute(
        public_publications().with_only_columns(Publication.id).order_by(Publication.id)
    ).scalars().all()
    docs = []
    for start in range(0, len(ids), CHUNK):
        rows = _public_rows(public_publications().where(Publication.id.in_(ids[start:start + CHUNK])))
        docs.extend(document_from_snapshot(public_snapshot(p, u), u.code) for p, u in rows)
    return docs


def documents_for(codes: Collection[str]) -> tuple[list[SearchDocument], set[str]]:
    """``(documents of the codes public now, codes to remove)``."""
    codes = sorted(set(codes))
    found: dict[str, SearchDocument] = {}
    for start in range(0, len(codes), CHUNK):
        rows = _public_rows(public_publications().where(code_in(codes[start:start + CHUNK])))
        for p, u in rows:
            found[u.code] = document_from_snapshot(public_snapshot(p, u), u.code)
    return list(found.values()), set(codes) - set(found)


# ---------------------------------------------------------------- the backend and the Whoosh handle

def backend_name(app: Flask | None = None) -> str:
    app = app or current_app
    return str(app.config.get("SEARCH_BACKEND") or "whoosh").strip().lower()


def check_config(app: Flask) -> None:
    """``SEARCH_BACKEND`` must be known; ``postgres`` needs a PostgreSQL database (ConfigError otherwise)."""
    name = backend_name(app)
    if name not in BACKENDS:
        raise ConfigError(f"SEARCH_BACKEND={name!r} is not understood: use 'whoosh' (the default) or 'postgres'.")
    if name == "postgres" and not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        raise ConfigError(
            "SEARCH_BACKEND=postgres needs a PostgreSQL database (DATABASE_URL=postgresql://...); this "
            "installation runs on SQLite: leave PORTAL_SEARCH_BACKEND unset to use the embedded Whoosh index."
        )


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.handles: dict[str, SearchIndex] = {}
        self.rebuilds = 0            # indexes found missing or unreadable and rebuilt on opening

    def rebuild_from(self, app: Flask) -> list[SearchDocument]:
        """The published documents, read in an app context (and so a session) of their own: the caller's
        session may be in the middle of a commit, when it can read nothing."""
        self.rebuilds += 1
        with app.app_context():
            return published_documents()


def _close_all(handles: dict) -> None:
    for handle in list(handles.values()):
        try:
            handle.close()
        except Exception:  # noqa: BLE001 - closing at interpreter or app teardown
            log.debug("closing a search index failed", exc_info=True)
    handles.clear()


def _state(app: Flask) -> _State:
    state = app.extensions.get(EXTENSION)
    if state is None:
        state = app.extensions.setdefault(EXTENSION, _State())
        weakref.finalize(app, _close_all, state.handles)
    return state


def whoosh_index(app: Flask | None = None) -> SearchIndex:
    """The app's Whoosh handle (opened on first use; a missing or corrupt index is rebuilt, logged)."""
    return _open(app)[0]


def _open(app: Flask | None = None, rebuild: bool = True) -> tuple[SearchIndex, bool]:
    """The handle, and whether opening it just rebuilt the index from the published snapshots.

    ``rebuild=False`` (``search reindex``, about to fill it anyway) creates a missing index empty."""
    app = app or current_app._get_current_object()
    state = _state(app)
    data_dir = app.config["DATA_DIR"]
    handle = state.handles.get(data_dir)
    if handle is not None:
        return handle, False
    with state.lock:
        handle = state.handles.get(data_dir)
        if handle is not None:
            return handle, False
        before = state.rebuilds
        analyzer.configure(data_dir)
        handle = open_or_create_index(data_dir, rebuild_source=(lambda: state.rebuild_from(app)) if rebuild else None,
                                      procs=default_procs())
        state.handles[data_dir] = handle
        return handle, state.rebuilds > before


def reopen_whoosh(app: Flask | None = None) -> SearchIndex:
    """Drop the app's handle (after a failure reading it) and open the index again, rebuilding it if need be."""
    app = app or current_app._get_current_object()
    state = _state(app)
    with state.lock:
        old = state.handles.pop(app.config["DATA_DIR"], None)
    if old is not None:
        _close_all({"old": old})
    return whoosh_index(app)


def close_files_left_open(exc: BaseException | None) -> None:
    """Close the index files a failed read left open (Whoosh does not close a table of contents it cannot
    parse: its frame's closure keeps it alive until the log record holding the traceback goes)."""
    from whoosh.filedb.structfile import StructFile

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb = exc.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if isinstance(value, StructFile) and not getattr(value, "is_closed", True):
                    try:
                        value.close()
                    except Exception:  # noqa: BLE001
                        log.debug("closing %r failed", value, exc_info=True)
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__


def default_procs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def reindex(procs: int | None = None, progress: Callable[[int], None] | None = None,
            documents: list[SearchDocument] | None = None) -> int:
    """Rebuild the configured backend from every published snapshot; returns the number of documents.

    With PostgreSQL the table is rewritten in the current transaction (the caller commits)."""
    procs = default_procs() if procs is None else max(1, int(procs))
    docs = published_documents() if documents is None else documents
    if backend_name() == "postgres":
        from disclosure.search import pg

        return pg.rebuild(db.session, docs, procs=procs, progress=progress)
    handle, _rebuilt = _open(rebuild=False)    # a missing index is created empty: filled just below
    return whoosh_rebuild(handle, docs, procs=procs, progress=progress)


# ---------------------------------------------------------------- following the publications

def mark_for_reindex(publication: Publication, source, target) -> None:
    """Called by ``lifecycle.apply``: a move into or out of ``published`` changes what the public can find."""
    if PublicationStatus.PUBLISHED not in (source, target):
        return
    session = object_session(publication) or db.session
    codes = {publication.snapshot.get("code") if publication.snapshot else None,
             publication.unit.code if publication.unit is not None else None}
    session.info.setdefault(_PENDING, set()).update(c for c in codes if c)


def _write_whoosh(app: Flask, batches: list[tuple[list[SearchDocument], set[str]]]) -> bool:
    """Apply prepared changes in one writer commit (waits for the lock; logs and returns False on failure)."""
    from disclosure.search.documents import _document_fields
    from disclosure.search.storage import _write

    docs: dict[str, SearchDocument] = {}
    removals: set[str] = set()
    for batch_docs, batch_removals in batches:
        for doc in batch_docs:
            docs[doc.code] = doc
            removals.discard(doc.code)
        for code in batch_removals:
            docs.pop(code, None)
            removals.add(code)
    if not docs and not removals:
        return True
    try:
        handle = whoosh_index(app)
        prepared = [_document_fields(d) for d in docs.values()]   # cut before taking the lock

        def apply(writer):
            for code in sorted(removals):
                writer.delete_by_term("code", code)
            for fields in prepared:
                writer.update_document(**fields)

        return _write(handle, f"updating {len(prepared)} and removing {len(removals)} unit(s)", apply)
    except Exception:  # noqa: BLE001 - never into the request; the database filter keeps results right
        log.exception("Search index update failed (%d documents, %d removals); run `search reindex`",
                      len(docs), len(removals))
        return False


def _write_postgres(session: Session, codes: set[str]) -> None:
    from disclosure.search import pg

    docs, removals = documents_for(codes)
    connection = session.connection()
    try:
        with connection.begin_nested():       # a failure must not abort the publication's transaction
            pg.write_documents(connection, docs, removals)
    except Exception:  # noqa: BLE001
        log.exception("Search table update failed for %s; run `search reindex`", ", ".join(sorted(codes)))


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_PENDING) or not has_app_context():
        return
    codes = session.info.pop(_PENDING)
    app = current_app._get_current_object()
    try:
        if backend_name(app) == "postgres":
            _write_postgres(session, codes)
        elif _DEFERRED in session.info:
            session.info.setdefault(_COMMITTING, set()).update(codes)
        else:
            session.info.setdefault(_PREPARED, []).append(documents_for(codes))
    except Exception:  # noqa: BLE001 - never into the request
        log.exception("Preparing the search update failed for %s; run `search reindex`", ", ".join(sorted(codes)))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    committing = session.info.pop(_COMMITTING, None)
    if committing and _DEFERRED in session.info:
        session.info[_DEFERRED].update(committing)
    prepared = session.info.pop(_PREPARED, None)
    if prepared and has_app_context():
        _write_whoosh(current_app._get_current_object(), prepared)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:
        # after a commit these are consumed already; after a rollback they are discarded
        for key in (_PENDING, _PREPARED, _COMMITTING):
            session.info.pop(key, None)


@contextmanager
def deferred_updates(session=None):
    """Hold Whoosh updates back across several database commits; apply them once at the end.

    A batch of at least :data:`BULK_REBUILD` units rebuilds the whole index (in parallel) instead. The
    PostgreSQL backend needs no deferral: its rows go with each commit."""
    session = session if session is not None else db.session
    if _DEFERRED in session.info:
        yield
        return
    session.info[_DEFERRED] = set()
    try:
        yield
    finally:
        codes = session.info.pop(_DEFERRED, set())
        if codes and backend_name() == "whoosh":
            _flush_deferred(codes)


def _flush_deferred(codes: set[str]) -> None:
    app = current_app._get_current_object()
    try:
        handle, rebuilt = _open(app)
        if rebuilt:
            return                   # opening it rebuilt it from the database, with this batch
        if len(codes) >= BULK_REBUILD:
            count = whoosh_rebuild(handle, published_documents(), procs=default_procs())
            log.info("Search index rebuilt after a bulk change of %d units: %d documents", len(codes), count)
        else:
            _write_whoosh(app, [documents_for(codes)])
    except Exception:  # noqa: BLE001
        log.exception("Search index update after a bulk change failed; run `search reindex`")


_listening = False
_listen_lock = threading.Lock()


def _listen() -> None:
    global _listening
    with _listen_lock:
        if not _listening:
            event.listen(db.session, "before_commit", _before_commit)
            event.listen(db.session, "after_commit", _after_commit)
            event.listen(db.session, "after_transaction_end", _after_transaction_end)
            _listening = True


def init_app(app: Flask) -> None:
    check_config(app)
    _listen()
