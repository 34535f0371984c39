"""Opening and writing the index: open_or_create_index (corrupt-index rebuild), lock-waiting writers, rebuild.

Everything here is plain functions over a :class:`~disclosure.search.handle.SearchIndex`; nothing knows
about publications or the database.

Writers wait for Whoosh's single write lock (a file lock, so it also serialises processes) instead of
failing; a write that still cannot get the lock after :data:`WRITE_WAIT_SECONDS` is logged and reported as
``False`` (the database filter keeps results correct and ``search reindex`` repairs the index).
"""
from __future__ import annotations

import fcntl
import gc
import logging
import shutil
import time
import warnings
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.index import LockError

from disclosure.search import analyzer
from disclosure.search.documents import _document_fields, _initials, _packed, _writer_fields
from disclosure.search.handle import SearchIndex
from disclosure.search.schema import SearchDocument, build_schema, schema_signature

log = logging.getLogger(__name__)

INDEX_DIR_NAME = "search_index"
WRITE_WAIT_SECONDS = 120.0    # total wait for the write lock before giving up (logged, never raised)
WRITE_LOCK_SLICE = 2.0        # one attempt of writer(timeout=...) within that wait
REBUILD_LIMITMB = 512
REBUILD_BATCH = 200          # documents per job file handed to the rebuild's writer processes


def index_path(data_dir) -> Path:
    return Path(data_dir) / INDEX_DIR_NAME


def _check(ix) -> None:
    """Raise if the index cannot be read (garbage files, a foreign schema)."""
    if schema_signature(ix.schema) != schema_signature(build_schema()):
        raise ValueError("schema differs from this version's")
    with ix.searcher() as s:
        s.doc_count_all()
        for _ in zip(range(1), s.reader().lexicon("code")):
            pass
        for docnum in zip(range(1), s.reader().all_doc_ids()):
            s.stored_fields(docnum[0])


def _clear(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def open_or_create_index(data_dir, rebuild_source: Callable[[], Iterable[SearchDocument]] | None = None,
                         procs: int = 1) -> SearchIndex:
    """Open the index under ``data_dir``; a missing or unreadable one is created anew (logged) and filled
    from ``rebuild_source()`` when given. Never raises for the index's own state."""
    analyzer.configure(data_dir)
    path = index_path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    with _setup_lock(path):      # several workers starting at once: one checks/rebuilds, the others wait
        return _open_or_create(path, rebuild_source, procs)


@contextmanager
def _setup_lock(path: Path):
    with open(path.parent / f"{path.name}.setup.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _open_or_create(path: Path, rebuild_source, procs: int) -> SearchIndex:
    reason = None
    ix = None
    if not any(path.glob("_MAIN_*.toc")):
        reason = "missing"
    else:
        # Whoosh leaves the table of contents open when it cannot parse it: let that file go quietly.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                ix = whoosh_index.open_dir(str(path))
                _check(ix)
            except Exception as exc:  # noqa: BLE001 - any failure to read means: rebuild
                reason = f"unreadable ({exc.__class__.__name__}: {exc})"
                if ix is not None:
                    try:
                        ix.close()
                    except Exception:
                        log.debug("closing the unreadable index failed", exc_info=True)
                ix = None
            gc.collect()
    if reason is None:
        return SearchIndex(ix, path)
    log.warning("Search index at %s is %s: creating it anew%s", path, reason,
                " and rebuilding it from the published units" if rebuild_source else "")
    _clear(path)
    handle = SearchIndex(whoosh_index.create_in(str(path), build_schema()), path)
    if rebuild_source is not None:
        count = rebuild(handle, rebuild_source(), procs=procs)
        log.warning("Search index at %s rebuilt: %d documents", path, count)
    return handle


def _writer(si: SearchIndex, wait: float | None = None, **kwargs):
    """A writer, waiting for the write lock up to ``wait`` seconds (raises LockError after that)."""
    deadline = time.monotonic() + (WRITE_WAIT_SECONDS if wait is None else wait)
    while True:
        try:
            return si.ix.writer(timeout=WRITE_LOCK_SLICE, delay=0.02, **kwargs)
        except LockError:
            if time.monotonic() >= deadline:
                raise


def _write(si: SearchIndex, action: str, apply: Callable, wait: float | None = None) -> bool:
    try:
        w = _writer(si, wait=wait)
    except LockError:
        log.error("Search index %s: %s gave up waiting for the write lock; run `search reindex`", si.path, action)
        return False
    try:
        apply(w)
        w.commit()
    except Exception:
        log.exception("Search index %s: %s failed; run `search reindex`", si.path, action)
        try:
            w.cancel()
        except Exception:
            log.debug("cancelling the writer failed", exc_info=True)
        return False
    return True


def index_documents(si: SearchIndex, docs: Iterable[SearchDocument], wait: float | None = None) -> bool:
    """Add or replace documents (by code) in one commit. ``False`` (logged) if the index could not be written."""
    prepared = [_document_fields(d) for d in docs]  # cut before taking the lock

    def apply(w):
        for fields in prepared:
            w.update_document(**fields)

    return _write(si, f"indexing {len(prepared)} document(s)", apply, wait)


def remove_document(si: SearchIndex, code: str, wait: float | None = None) -> bool:
    """Remove the document of ``code`` (no-op when absent). ``False`` (logged) if the index could not be written."""
    return _write(si, f"removing {code}", lambda w: w.delete_by_term("code", code), wait)


def rebuild(si: SearchIndex, docs: Iterable[SearchDocument], procs: int = 2,
            progress: Callable[[int], None] | None = None) -> int:
    """Replace the whole index with ``docs`` in one commit; cutting and writing run in ``procs`` processes.

    With ``procs > 1`` each process writes a segment of its own and the commit keeps them unmerged (a single
    writer spent most of a 100,000-unit rebuild merging its posting runs in one process: 20,000 units took
    156 s that way, 95 s this way). The old segments are all replaced. Holds the write lock throughout (other
    writers wait); searches see the old index until the commit.
    """
    analyzer.warm_up()                     # loaded before forking: workers share jieba's tables
    _initials("预热")                       # and pypinyin's
    if procs > 1:
        # Whoosh's multi-process writer: each of ``procs`` forked processes cuts its share of the documents
        # (the fields' analyzers) and writes its own segment; the segments are kept as they are (no merge).
        # The fields are existence-only, so raw text cut there indexes the same terms as pre-cut text.
        w = _writer(si, limitmb=max(64, REBUILD_LIMITMB // procs), procs=procs, multisegment=True,
                    batchsize=REBUILD_BATCH)
        packed_docs = (_packed(d, cut=False) for d in docs)
    else:
        w = _writer(si, limitmb=REBUILD_LIMITMB)
        packed_docs = (_packed(d) for d in docs)
    count = 0
    try:
        for packed in packed_docs:
            w.add_document(**_writer_fields(packed))
            count += 1
            if progress:
                progress(1)
        w.commit(mergetype=writing.CLEAR)
    except BaseException:
        w.cancel()
        raise
    return count
