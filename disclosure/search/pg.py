"""The PostgreSQL search backend: jieba-segmented text in ``tsvector`` columns with GIN indexes.

For offices running several app servers (``SEARCH_BACKEND=postgres``): every server reads the same table,
and rows are written in the same database transaction as the publication change. Like the Whoosh engine it
knows nothing of publications; the caller passes ``allowed`` (a select of the codes public now).

The table ``search_documents`` exists only on PostgreSQL (created by migration ``5c3a9e1d7b20``; ``db check``
ignores it). It is not part of ``db.metadata``: :data:`table` lives on its own ``MetaData``.

Text is cut exactly as for Whoosh (:mod:`.documents`: same tokens, same positions, extras at the same
position, shingles in the long texts) and written as ``tsvector`` *literals*, so PostgreSQL's own parser
and the database locale play no part, and queries are ``tsquery`` literals built from the same query
tokens as :mod:`.searching`:

* ``names``: the name (weight A), short name and abbreviations (B; each field 2,000 positions apart so
  no phrase spans two of them), 加挂牌子 and former names (C); a query word is a phrase (``<->``) there;
* ``name_chars``: characters and character pairs of every name (the substring net);
* ``initials``: pinyin initials of the names; ``code``: the credit code (a plain column);
* ``body``: functions (weight D) and departments (weight C), with the adjacent-word shingles, so a phrase
  there is a conjunction of lexemes.

Each word must match (AND). Rows are ranked by the boost (:data:`searching.BOOSTS`) of the best way each word
matched a name, the code or the initials (so a name match always outranks a functions match), then shorter
names first, then the boosts of the functions and departments matches, then the pinyin name.
"""
from __future__ import annotations

import difflib
import multiprocessing
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR, insert

from disclosure.search import analyzer
from disclosure.search.abbreviations import ABBREVIATIONS, expansions_of
from disclosure.search.documents import _initials, _segmented_fields
from disclosure.search.schema import SearchDocument
from disclosure.search.searching import (
    _ASCII_WORD,
    BOOSTS,
    FACET_FIELDS,
    FILTER_FIELDS,
    MAX_PER_PAGE,
    SNIPPET_CHARS,
    SearchHit,
    SearchResult,
    _highlight_terms,
    highlight,
    query_words,
)

TABLE_NAME = "search_documents"
FIELD_GAP = 2000             # positions between the name fields inside ``names``
BODY_GAP = 8000              # departments start here inside ``body``
MAX_POSITION = 16383         # PostgreSQL's largest tsvector position
SUGGEST_CANDIDATES = 50
WRITE_BATCH = 500
REBUILD_LOCK_KEY = 0x5EA2C4     # advisory lock id of a rebuild of the search table

metadata = sa.MetaData()
table = sa.Table(
    TABLE_NAME, metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("short_name", sa.Text, nullable=False, server_default=""),
    sa.Column("functions", sa.Text, nullable=False, server_default=""),
    sa.Column("kind", sa.String(32), nullable=False, server_default=""),
    sa.Column("level", sa.String(32), nullable=False, server_default=""),
    sa.Column("region_code", sa.String(12), nullable=False, server_default=""),
    sa.Column("parent_code", sa.String(32), nullable=False, server_default=""),
    sa.Column("parent_name", sa.Text, nullable=False, server_default=""),
    sa.Column("name_sort", sa.Text, nullable=False),
    sa.Column("names", TSVECTOR, nullable=False),
    sa.Column("name_chars", TSVECTOR, nullable=False),
    sa.Column("initials", TSVECTOR, nullable=False),
    sa.Column("body", TSVECTOR, nullable=False),
)
t = table.c


# ---------------------------------------------------------------- literals

def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _vector(parts: Iterable[tuple[list, str, int]]) -> str:
    """A tsvector literal from ``(tokens, weight, offset)`` parts; ``weight`` "" for lexemes without positions."""
    positions: dict[str, list[str]] = {}
    for tokens, weight, offset in parts:
        for token in tokens or ():
            text, pos = token[0], token[1]
            if not text:
                continue
            slot = positions.setdefault(text, [])
            if weight:
                slot.append(f"{min(MAX_POSITION, offset + pos + 1)}{weight}")
    return " ".join(_quote(lex) + (":" + ",".join(p) if p else "") for lex, p in positions.items())


def _plain_tokens(words: Iterable[str]) -> list[tuple[str, int]]:
    return [(w, 0) for w in words if w]


def _row(packed: dict) -> dict:
    """The table row of a document cut by ``documents._segmented_fields``."""
    seg, plain = packed["seg"], packed["plain"]

    def tokens(name):
        return seg[name][1] if name in seg else []

    def text(name):
        return seg[name][0] if name in seg else ""

    return {
        "code": plain["code"], "name": text("name"), "short_name": text("short_name"),
        "functions": text("functions"), "kind": plain["kind"], "level": plain["level"],
        "region_code": plain["region_code"], "parent_code": plain["parent_code"],
        "parent_name": plain["parent_name"],
        "name_sort": plain["name_sort"].replace("\x00", "\x01"),   # PostgreSQL text holds no NUL
        "names": _vector([(tokens("name"), "A", 0), (tokens("short_name"), "B", FIELD_GAP),
                          (tokens("aliases"), "B", 2 * FIELD_GAP), (tokens("other_names"), "C", 3 * FIELD_GAP)]),
        "name_chars": _vector([(tokens("name_chars"), "", 0)]),
        "initials": _vector([(_plain_tokens(plain["initials"].split()), "", 0)]),
        "body": _vector([(tokens("functions"), "D", 0), (tokens("departments"), "C", BODY_GAP)]),
    }


def document_row(doc: SearchDocument) -> dict:
    return _row(_segmented_fields(doc))


# ---------------------------------------------------------------- writing

def _insert():
    stmt = insert(table)
    values = {c.name: sa.cast(sa.bindparam(c.name), TSVECTOR) if isinstance(c.type, TSVECTOR) else sa.bindparam(c.name)
              for c in table.columns}
    stmt = stmt.values(values)
    return stmt.on_conflict_do_update(
        index_elements=[t.code], set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != "code"})


def _write_rows(conn, rows: list[dict]) -> None:
    for start in range(0, len(rows), WRITE_BATCH):
        conn.execute(_insert(), rows[start:start + WRITE_BATCH])


def write_documents(conn, docs: Iterable[SearchDocument], removals: Iterable[str] = ()) -> None:
    """Upsert ``docs`` and delete ``removals`` (by code) on ``conn`` (a Connection or Session; caller commits)."""
    removals = sorted(set(removals))
    for start in range(0, len(removals), WRITE_BATCH):
        conn.execute(table.delete().where(t.code.in_(removals[start:start + WRITE_BATCH])))
    _write_rows(conn, [document_row(d) for d in docs])


def is_empty(conn) -> bool:
    return conn.execute(sa.select(t.code).limit(1)).first() is None


def lock_for_rebuild(conn) -> None:
    """Serialise rebuilds across app servers until the transaction ends (a PostgreSQL advisory lock)."""
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(REBUILD_LOCK_KEY)))


def rebuild(conn, docs: Iterable[SearchDocument], procs: int = 2,
            progress: Callable[[int], None] | None = None) -> int:
    """Replace every row with ``docs`` (in the caller's transaction); segmentation runs in ``procs`` processes."""
    analyzer.warm_up()            # loaded before forking: workers share jieba's tables
    _initials("预热")
    lock_for_rebuild(conn)
    conn.execute(table.delete())
    count = 0
    batch: list[dict] = []

    def take(packed):
        nonlocal count
        batch.append(_row(packed))
        count += 1
        if progress:
            progress(1)
        if len(batch) >= WRITE_BATCH:
            _write_rows(conn, batch)
            batch.clear()

    if procs > 1:
        pool = multiprocessing.get_context("fork").Pool(procs)
        try:
            for packed in pool.imap(_segmented_fields, list(docs), chunksize=32):
                take(packed)
        finally:
            pool.close()
            pool.join()
    else:
        for doc in docs:
            take(_segmented_fields(doc))
    _write_rows(conn, batch)
    return count


# ---------------------------------------------------------------- searching

def _tsq(text: str):
    return sa.cast(sa.literal(text, sa.Text), TSQUERY)


def _matches(column, query: str):
    return column.bool_op("@@")(_tsq(query))


def _phrase(tokens: list[str], weight: str = "") -> str:
    suffix = f":{weight}" if weight else ""
    return " <-> ".join(_quote(tok) + suffix for tok in tokens)


def _all(terms: list[str], weight: str = "") -> str:
    suffix = f":{weight}" if weight else ""
    return " & ".join(_quote(term) + suffix for term in terms)


def _word(word: str):
    """``(condition, name score, text score)`` of one query word, mirroring ``searching._word_query``; None if it
    has no tokens. The name score is the boost of the best way the word matched a name (or the code or the
    initials), the text score adds its matches in the functions and departments."""
    tokens = analyzer.query_words(word)
    if not tokens:
        return None
    scored = [  # (condition, boost): the condition for matching and, weighted, for scoring
        (_matches(t.names, _phrase(tokens, "A")), BOOSTS["name"]),
        (_matches(t.names, _phrase(tokens, "B")), BOOSTS["short_name"]),
        (_matches(t.names, _phrase(tokens, "C")), BOOSTS["other_names"]),
    ]
    match = [_matches(t.names, _phrase(tokens))]
    shingles = analyzer.shingle_terms(tokens)
    body_terms = shingles or tokens[:1]
    match.append(_matches(t.body, _all(body_terms)))
    in_body = [(_matches(t.body, _all(body_terms, "D")), BOOSTS["functions"]),
               (_matches(t.body, _all(body_terms, "C")), BOOSTS["departments"])]
    pairs = analyzer.char_pairs(word)
    if pairs:
        chars = _matches(t.name_chars, _all(pairs))
        match.append(chars)
        scored.append((chars, BOOSTS["name_chars"]))
    if _ASCII_WORD.match(word):
        by_code = t.code == word.upper()
        by_initials = _matches(t.initials, _quote(word.lower()))
        match += [by_code, by_initials]
        scored += [(by_code, BOOSTS["code"]), (by_initials, BOOSTS["initials"])]
    for full in expansions_of(word):
        full_tokens = analyzer.query_words(full)
        if full_tokens:
            expanded = _matches(t.names, _phrase(full_tokens, "A"))
            match.append(expanded)
            scored.append((expanded, BOOSTS["aliases"]))
    scored.append((t.name == word, BOOSTS["name"] / 2))          # the whole name typed
    best_name = sa.func.greatest(*[sa.case((cond, boost), else_=0.0) for cond, boost in scored])
    return sa.or_(*match), best_name, sum((sa.case((c, b), else_=0.0) for c, b in in_body), sa.literal(0.0))


def _where(words_sql, filters: dict | None, allowed) -> list:
    where = [w[0] for w in words_sql]
    for key, value in (filters or {}).items():
        if key not in FILTER_FIELDS:
            raise ValueError(f"unknown search filter {key!r}")
        if value not in (None, ""):
            column = t[FILTER_FIELDS[key]]
            # with query words, keep the planner on the word indexes (a facet column's own index would have
            # it test the vectors of every row of that kind); without, the column's index is the way in
            where.append((sa.func.coalesce(column, "") if words_sql else column) == str(value))
    if allowed is not None:
        where.append(t.code.in_(allowed))
    return where


def _facets(conn, where) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    cols = [t[name] for name in FACET_FIELDS]
    grouping = sa.func.grouping(*cols).label("g")
    stmt = (sa.select(*cols, sa.func.count().label("n"), grouping).where(*where)
            .group_by(sa.func.grouping_sets(*[sa.tuple_(c) for c in cols], sa.text("()"))))
    everything = (1 << len(cols)) - 1
    total = 0
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACET_FIELDS}
    for row in conn.execute(stmt):
        if row.g == everything:
            total = row.n
            continue
        for i, name in enumerate(FACET_FIELDS):
            if row.g == everything ^ (1 << (len(cols) - 1 - i)) and row[i]:
                facets[name].append((row[i], row.n))
    for name in FACET_FIELDS:
        facets[name].sort(key=lambda kv: (-kv[1], kv[0]))
    return total, facets


def search(conn, query: str | None, filters: dict | None = None, sort: str = "relevance", page: int = 1,
           per_page: int = 20, allowed=None) -> SearchResult:
    """Search the table (same contract as ``searching.search``; ``allowed`` a select of showable codes)."""
    if sort not in ("relevance", "name"):
        raise ValueError(f"unknown sort {sort!r}")
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    words = query_words(query)
    words_sql = [w for w in (_word(word) for word in words) if w is not None]
    if words and not words_sql:
        return SearchResult(query or "", [], 0, page, per_page, {name: [] for name in FACET_FIELDS})
    where = _where(words_sql, filters, allowed)
    # The planner prices the GIN look-ups of these phrase queries far above their cost and would rather
    # test every row's vectors (several times slower from 10,000 rows on): steer it to bitmap scans, for
    # these queries only (RESET below; SET LOCAL ends with the transaction anyway).
    steer = bool(words_sql)
    if steer:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        conn.execute(sa.text("SET LOCAL enable_indexscan = off"))
    total, facets = _facets(conn, where)
    name_order = [t.name_sort.collate("C"), t.code]
    if sort == "name" or not words_sql:
        score = sa.literal(0.0)
        order = name_order
    else:
        name_score = sum((w[1] for w in words_sql), sa.literal(0.0))
        text_score = sum((w[2] for w in words_sql), sa.literal(0.0))
        # a name match first; among equal name matches the shorter name, then a functions match
        order = [name_score.desc(), sa.func.length(t.name), text_score.desc(), *name_order]
        score = name_score + text_score / 10
    rows = conn.execute(
        sa.select(t.code, t.name, t.short_name, t.functions, t.kind, t.level, t.region_code, t.parent_code,
                  t.parent_name, score.label("score"))
        .where(*where).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    terms = _highlight_terms(words)
    hits = [SearchHit(
        code=r.code, name=r.name, name_html=highlight(r.name, terms), short_name=r.short_name,
        snippet_html=highlight(r.functions, terms, window=SNIPPET_CHARS), kind=r.kind, level=r.level,
        region_code=r.region_code, parent_code=r.parent_code, parent_name=r.parent_name, score=float(r.score),
    ) for r in rows]
    suggestions = _suggest(conn, words, allowed) if words and total == 0 else []
    if steer:
        conn.execute(sa.text("RESET enable_seqscan"))
        conn.execute(sa.text("RESET enable_indexscan"))
    return SearchResult(query or "", hits, total, page, per_page, facets, suggestions)


def _suggest(conn, words: list[str], allowed, limit: int = 5) -> list[str]:
    """Did-you-mean, as ``searching._suggest``: shown names sharing the most character pairs, closest first."""
    text = "".join(words)
    pairs = sorted({p for w in words for p in analyzer.char_pairs(w)})
    if not pairs:
        return []
    loose = " | ".join(_quote(p) for p in pairs)
    name_words = analyzer.query_words(text)
    cond = _matches(t.name_chars, loose)
    if name_words:
        cond = sa.or_(cond, _matches(t.names, " | ".join(_quote(w) for w in name_words)))
    stmt = sa.select(t.name).where(cond)
    if allowed is not None:
        stmt = stmt.where(t.code.in_(allowed))
    stmt = stmt.order_by(sa.func.ts_rank(t.name_chars, _tsq(loose)).desc(), t.code).limit(SUGGEST_CANDIDATES)
    names = set(conn.execute(stmt).scalars())
    for w in words:   # a near-miss of an abbreviation: suggest it when a shown unit carries its full form
        close = difflib.get_close_matches(w, list(ABBREVIATIONS), n=1, cutoff=0.6) if len(w) <= 6 else []
        for short in close:
            if short != w and any(ABBREVIATIONS[short] in n for n in list(names)):
                names.add(short)
    scored = sorted(((difflib.SequenceMatcher(None, text, n).ratio(), n) for n in names), key=lambda x: (-x[0], x[1]))
    return [n for ratio, n in scored if ratio >= 0.4 and n != text][:limit]
