"""Public search of published units: one entry point for the pages and the open-data API, whatever the backend.

Contract:

``search_units(query=None, *, kind=None, level=None, region=None, parent=None, sort="relevance", page=1,
per_page=20) -> disclosure.search.SearchResult``

* ``query`` is the public's plain text (never parsed as query syntax); empty lists every published unit.
* ``kind``/``level`` are enum codes, ``region`` a 6-digit GB/T 2260 code, ``parent`` a unit code; an unknown
  value simply matches nothing.
* ``sort`` is ``relevance`` or ``name``; anything else is ``InvalidInput``.
* ``page`` ≥ 1 and ``1 ≤ per_page ≤ 100`` (callers clamp or reject first; a page past the end is empty).
* hits, total, facets (``kind``, ``level``, ``region_code``, ``parent_code`` → ``[(value, count)]``) and
  suggestions only ever contain units public *now* (``disclosure.queries.public_codes``).

The backend is the setting ``SEARCH_BACKEND`` (``whoosh``, the default: an index under the data directory;
``postgres``: a table in the PostgreSQL database). A Whoosh index that cannot be read is rebuilt from the
published snapshots (logged) and the search retried, never a 500.
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from portal.audit.models import AuditChainHead
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry.models import Unit

from disclosure import indexing
from disclosure.queries import public_codes, public_publications
from disclosure.search import SearchResult, search
from disclosure.search.searching import MAX_PER_PAGE

log = logging.getLogger(__name__)

SORTS = ("relevance", "name")


def search_units(query: str | None = None, *, kind: str | None = None, level: str | None = None,
                 region: str | None = None, parent: str | None = None, sort: str = "relevance", page: int = 1,
                 per_page: int = 20) -> SearchResult:
    """Search the units public now (see the module docstring for the contract)."""
    if sort not in SORTS:
        raise InvalidInput({"sort": "排序方式只能是“相关度”或“名称”。"})
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    filters = {"kind": kind, "level": level, "region": region, "parent": parent}
    if indexing.backend_name() == "postgres":
        from disclosure.search import pg

        allowed = public_publications().with_only_columns(Unit.code)
        result = pg.search(db.session, query, filters, sort=sort, page=page, per_page=per_page, allowed=allowed)
        if result.total == 0 and _fill_empty_table():
            result = pg.search(db.session, query, filters, sort=sort, page=page, per_page=per_page, allowed=allowed)
        return result
    return _search_whoosh(query, filters, sort, page, per_page)


def _fill_empty_table() -> bool:
    """The PostgreSQL table empty while units are published (the backend was just switched on): fill it
    from the published snapshots, once (an advisory lock keeps other servers from doing it too)."""
    from disclosure.search import pg

    if not pg.is_empty(db.session) or not db.session.execute(public_publications().limit(1)).first():
        return False
    pg.lock_for_rebuild(db.session)
    if not pg.is_empty(db.session):                 # another server filled it meanwhile
        db.session.commit()
        return True
    log.warning("Search table %s is empty while units are published: filling it from the published units",
                pg.TABLE_NAME)
    count = pg.rebuild(db.session, indexing.published_documents(), procs=1)
    db.session.commit()
    log.warning("Search table %s filled: %d documents", pg.TABLE_NAME, count)
    return True


class PublicNow:
    """``public_codes`` as the engine's ``allowed_codes``, with a ``cache_key`` so the engine can judge every
    indexed document once per index generation and key, and reuse that verdict for every query.

    The key is the audit trail's last sequence number: every publication change (``lifecycle.apply``) and
    every register change (which may hide a unit: the cascade) is audited in its own transaction, so the
    key moves with every change that can alter what is public, even when the index missed it. It costs one
    single-row read (no scan of the publications). A change made behind the services' back (plain SQL) is
    caught on the page itself: :func:`_search_whoosh` re-checks the hits it returns."""

    def __init__(self):
        self.cache_key = db.session.execute(select(func.max(AuditChainHead.last_seq))).scalar()

    def __call__(self, codes):
        return public_codes(codes)


def _search_whoosh(query, filters, sort, page, per_page) -> SearchResult:
    handle = indexing.whoosh_index()
    public_now = PublicNow()
    try:
        result = search(handle, query, filters, sort=sort, page=page, per_page=per_page, allowed_codes=public_now)
    except Exception as exc:  # noqa: BLE001 - an unreadable index is rebuilt, then searched again
        log.exception("Search index at %s could not be searched: reopening it (rebuilding it if it is unreadable)",
                      handle.path)
        indexing.close_files_left_open(exc)    # Whoosh leaves a table of contents it cannot parse open
        handle = indexing.reopen_whoosh()
        result = search(handle, query, filters, sort=sort, page=page, per_page=per_page, allowed_codes=public_now)
    shown = [hit.code for hit in result.hits]
    if shown and len(public_codes(shown)) != len(set(shown)):
        log.warning("Publication state changed without an audit event; searching with a verdict per match")
        result = search(handle, query, filters, sort=sort, page=page, per_page=per_page, allowed_codes=public_codes)
    return result
