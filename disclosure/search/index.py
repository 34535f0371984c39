"""The Whoosh index of public unit documents: schema, maintenance (safe with several writers) and search.

Everything here is plain functions over a :class:`SearchIndex` handle from :func:`open_or_create_index`;
nothing knows about publications or the database. The publication side passes ``allowed_codes`` so a hit
whose unit is no longer published (a stale index) is never shown, not even as a suggestion or in a facet.

Writers wait for Whoosh's single write lock (a file lock, so it also serialises processes) instead of
failing; a write that still cannot get the lock after :data:`WRITE_WAIT_SECONDS` is logged and reported as
``False`` (the database filter keeps results correct and ``search reindex`` repairs the index).

Queries are built here, never parsed from the public's text: each query word must match (AND), in any of
the name fields as a phrase of its tokens (boosted highest), in the name characters (substring net), in
the pinyin initials or the credit code, or in the functions text as a phrase (boosted lowest). One scoring
pass yields hits, total and facets (columns read once per index generation, then plain list look-ups).

Each search takes the searcher of the index's latest generation: a commit by any process is seen by every
process on its next search. Searchers are never ``refresh()``-ed (whoosh-reloaded 2.7.5 keeps replaced
documents visible after a refresh).
"""
from __future__ import annotations

import difflib
import fcntl
import gc
import logging
import multiprocessing
import os
import re
import shutil
import threading
import time
import warnings
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import And, Every, Or, Phrase, Term

from disclosure.search import analyzer
from disclosure.search.abbreviations import ABBREVIATIONS, aliases_for, expansions_of

log = logging.getLogger(__name__)

INDEX_DIR_NAME = "search_index"
WRITE_WAIT_SECONDS = 120.0    # total wait for the write lock before giving up (logged, never raised)
WRITE_LOCK_SLICE = 2.0        # one attempt of writer(timeout=...) within that wait
REBUILD_LIMITMB = 512
MAX_QUERY_CHARS = 100
MAX_PER_PAGE = 100
SNIPPET_CHARS = 120
MATCH_CACHE_SIZE = 64          # queries whose matches are kept per index generation

# Query boosts per field: a name match always outranks a match in the functions text.
BOOSTS = {
    "code": 30.0, "name": 10.0, "short_name": 8.0, "aliases": 8.0, "other_names": 6.0, "initials": 6.0,
    "name_chars": 4.0, "functions": 1.0, "departments": 0.5,
}
SHINGLED = ("functions", "departments")      # long texts matched by adjacent-word pairs, not positions
FILTER_FIELDS = {"kind": "kind", "level": "level", "region": "region_code", "parent": "parent_code"}
FACET_FIELDS = ("kind", "level", "region_code", "parent_code")

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_ASCII_WORD = re.compile(r"^[0-9A-Za-z]+$")


@dataclass
class SearchDocument:
    """What the index knows of one unit (its public fields only)."""

    code: str
    name: str
    short_name: str = ""
    other_names: Collection[str] = ()          # 加挂牌子, 曾用名 ...
    functions_text: str = ""
    kind: str = ""
    level: str = ""
    region_code: str = ""
    parent_code: str = ""
    parent_name: str = ""
    departments_text: str = ""


@dataclass
class SearchHit:
    code: str
    name: str
    name_html: Markup
    short_name: str
    snippet_html: Markup
    kind: str
    level: str
    region_code: str
    parent_code: str
    parent_name: str
    score: float


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def build_schema() -> Schema:
    words = analyzer.ChineseAnalyzer()
    return Schema(
        code=ID(stored=True, unique=True, sortable=True),
        name=TEXT(analyzer=words, stored=True, phrase=True),
        name_chars=TEXT(analyzer=analyzer.CharAnalyzer(), phrase=False),      # characters and their pairs
        short_name=TEXT(analyzer=words, stored=True, phrase=True),
        aliases=TEXT(analyzer=words, phrase=True),
        other_names=TEXT(analyzer=words, stored=True, phrase=True),
        initials=KEYWORD(lowercase=True, scorable=True),
        # Long texts: no positions (cheaper to write and to match); phrases are shingle look-ups instead.
        functions=TEXT(analyzer=analyzer.ChineseAnalyzer(shingles=True), stored=True, phrase=False),
        departments=TEXT(analyzer=analyzer.ChineseAnalyzer(shingles=True), phrase=False),
        name_sort=ID(sortable=True),
        kind=ID(stored=True, sortable=True),
        level=ID(stored=True, sortable=True),
        region_code=ID(stored=True, sortable=True),
        parent_code=ID(stored=True, sortable=True),
        parent_name=STORED(),
    )


# --- documents ---------------------------------------------------------------------------------------

# Place names whose first reading in pypinyin's character table is wrong (the full phrase table is left out:
# it costs ~40 MB per process for the few heteronyms unit names contain).
_PHRASE_READINGS = {
    "重庆": "chóng qìng", "长沙": "cháng shā", "长春": "cháng chūn", "长兴": "cháng xīng", "长宁": "cháng níng",
    "长安": "cháng ān", "长治": "cháng zhì", "长乐": "cháng lè", "长丰": "cháng fēng", "长汀": "cháng tīng",
    "银行": "yín háng", "行业": "háng yè", "厦门": "xià mén", "蚌埠": "bèng bù", "六安": "lù ān",
    "乐清": "yuè qīng", "单县": "shàn xiàn", "朝阳": "cháo yáng", "东阿": "dōng ē", "番禺": "pān yú",
    "曲阜": "qū fù", "铅山": "yán shān", "华县": "huà xiàn", "华山": "huà shān", "大厦": "dà shà",
}
_pinyin_lock = threading.Lock()
_pinyin_ready = False


def _pinyin():
    global _pinyin_ready
    with _pinyin_lock:
        if not _pinyin_ready:
            os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
            import pypinyin

            pypinyin.load_phrases_dict({k: [[r] for r in v.split()] for k, v in _PHRASE_READINGS.items()})
            _pinyin_ready = True
    import pypinyin

    return pypinyin


def _initials(text: str) -> str:
    pypinyin = _pinyin()
    letters = pypinyin.lazy_pinyin(text, style=pypinyin.Style.FIRST_LETTER, errors="ignore")
    return "".join(x for x in letters if x.isascii() and x.isalnum()).lower()


def _sort_key(name: str) -> str:
    return " ".join(_pinyin().lazy_pinyin(name)).lower() + "\x00" + name


def _segmented_fields(doc: SearchDocument, cut: bool = True) -> dict:
    """The document's fields with text fields already cut: ``{field: (text, tokens)}`` plus plain values.

    Runs in rebuild worker processes, so it returns only plain picklable data.
    """
    names = [doc.name, doc.short_name, *doc.other_names]
    aliases = []
    for n in names:
        for a in aliases_for(n or ""):
            if a not in aliases:
                aliases.append(a)
    others = "\n".join(n for n in doc.other_names if n)
    initials = {_initials(n) for n in [*names, *aliases] if n}
    texts = {
        "name": doc.name,
        "short_name": doc.short_name or "",
        "other_names": others,
        "aliases": "\n".join(aliases),
        "functions": doc.functions_text or "",
        "departments": doc.departments_text or "",
    }
    seg = {k: (v, analyzer.segment(v, shingles=k in SHINGLED) if cut else None) for k, v in texts.items() if v}
    char_text = "\n".join(n for n in [*names, *aliases] if n)
    seg["name_chars"] = (char_text, analyzer.char_segment(char_text, pairs=True) if cut else None)
    plain = {
        "code": doc.code, "name_sort": _sort_key(doc.name), "initials": " ".join(sorted(i for i in initials if i)),
        "kind": doc.kind or "", "level": doc.level or "", "region_code": doc.region_code or "",
        "parent_code": doc.parent_code or "", "parent_name": doc.parent_name or "",
    }
    return {"seg": seg, "plain": plain}


def _writer_fields(packed: dict) -> dict:
    fields = dict(packed["plain"])
    if not fields["initials"]:
        del fields["initials"]
    stored = {"name", "short_name", "other_names", "functions"}
    for name, (text, tokens) in packed["seg"].items():
        fields[name] = text if tokens is None else analyzer.Segmented(text, tokens)
        if name in stored and tokens is not None:
            fields["_stored_" + name] = text
    return fields


def _document_fields(doc: SearchDocument) -> dict:
    return _writer_fields(_segmented_fields(doc))


# --- the index handle ----------------------------------------------------------------------------------

class _Held:
    """A searcher of one index generation, its columns read into lists on first use, and a match cache."""

    __slots__ = ("_columns", "_lock", "generation", "matches", "retired", "searcher", "users")

    def __init__(self, generation, searcher):
        self.generation, self.searcher, self.users, self.retired = generation, searcher, 0, False
        self._columns: dict[str, list] = {}
        self._lock = threading.Lock()
        # (query, filter, order) → every match as (score, docnum): repeated queries and further pages of this
        # generation skip the engine; a commit starts a new generation and so an empty cache.
        self.matches: OrderedDict = OrderedDict()

    def cached_matches(self, key, compute):
        with self._lock:
            if key in self.matches:
                self.matches.move_to_end(key)
                return self.matches[key]
        value = compute()
        with self._lock:
            self.matches[key] = value
            while len(self.matches) > MATCH_CACHE_SIZE:
                self.matches.popitem(last=False)
        return value

    def column(self, name: str, segment_cache: dict | None = None) -> list:
        """Every document's value of a sortable field, indexed by document number.

        Read segment by segment; ``segment_cache`` (kept by the :class:`SearchIndex`) holds the lists of
        segments earlier generations already read, so after a commit only the new segment is read.
        """
        values = self._columns.get(name)
        if values is None:
            with self._lock:
                values = self._columns.get(name)
                if values is None:
                    values = []
                    for reader, _base in self.searcher.reader().leaf_readers():
                        key = (_segment_key(reader), name)
                        part = segment_cache.get(key) if segment_cache is not None and key[0] else None
                        if part is None:
                            part = list(reader.column_reader(name))
                            if segment_cache is not None and key[0]:
                                segment_cache[key] = part
                        values.extend(part)
                    self._columns[name] = values
        return values


def _segment_key(reader) -> str | None:
    segment = getattr(reader, "segment", lambda: None)()
    return segment.segment_id() if segment is not None else None


class SearchIndex:
    """An open index plus the searcher of its latest generation (shared by searches until the next commit)."""

    def __init__(self, ix, path: Path):
        self.ix = ix
        self.path = path
        self._lock = threading.Lock()
        self._held: _Held | None = None
        self._segment_columns: dict = {}

    def column(self, held: _Held, name: str) -> list:
        return held.column(name, self._segment_columns)

    @contextmanager
    def held(self):
        """The latest generation's :class:`_Held` searcher, kept open while in use."""
        generation = self.ix.latest_generation()
        with self._lock:
            held = self._held
            if held is None or held.generation != generation:
                if held is not None:
                    held.retired = True
                    if held.users == 0:
                        held.searcher.close()
                held = self._held = _Held(generation, self.ix.searcher())
                live = {_segment_key(r) for r, _ in held.searcher.reader().leaf_readers()}
                self._segment_columns = {k: v for k, v in self._segment_columns.items() if k[0] in live}
            held.users += 1
        try:
            yield held
        finally:
            with self._lock:
                held.users -= 1
                if held.retired and held.users == 0:
                    held.searcher.close()

    @contextmanager
    def searcher(self):
        with self.held() as held:
            yield held.searcher

    def clear_cache(self) -> None:
        """Forget cached matches (benchmarks measuring the engine itself)."""
        held = self._held
        if held is not None:
            with held._lock:
                held.matches.clear()

    def doc_count(self) -> int:
        with self.searcher() as s:
            return s.doc_count()

    def close(self) -> None:
        with self._lock:
            if self._held is not None and self._held.users == 0:
                self._held.searcher.close()
            self._held = None
        self.ix.close()


def index_path(data_dir) -> Path:
    return Path(data_dir) / INDEX_DIR_NAME


def _check(ix) -> None:
    """Raise if the index cannot be read (garbage files, a foreign schema)."""
    if ix.schema != build_schema():
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
    """Replace the whole index with ``docs`` in one commit; segmentation runs in ``procs`` processes.

    Holds the write lock throughout (other writers wait); searches see the old index until the commit.
    """
    analyzer.warm_up()                     # loaded before forking: workers share jieba's tables
    _initials("预热")                       # and pypinyin's
    w = _writer(si, limitmb=REBUILD_LIMITMB)
    count = 0
    try:
        if procs > 1:
            ctx = multiprocessing.get_context("fork")
            pool = ctx.Pool(procs)
            try:
                for packed in pool.imap(_segmented_fields, docs, chunksize=32):
                    w.add_document(**_writer_fields(packed))
                    count += 1
                    if progress:
                        progress(1)
            finally:
                pool.close()
                pool.join()
        else:
            for doc in docs:
                w.add_document(**_document_fields(doc))
                count += 1
                if progress:
                    progress(1)
        w.commit(mergetype=writing.CLEAR)
    except BaseException:
        w.cancel()
        raise
    return count


# --- search ----------------------------------------------------------------------------------------------

def query_words(text: str | None) -> list[str]:
    """The words of a public query: letters and digits only, so no Whoosh syntax ever reaches the engine."""
    return _WORDS.findall((text or "")[:MAX_QUERY_CHARS])


def _phrase(fieldname: str, tokens: list[str], boost: float):
    if len(tokens) == 1:
        return Term(fieldname, tokens[0], boost=boost)
    return Phrase(fieldname, tokens, boost=boost)


def _word_query(word: str):
    tokens = analyzer.query_words(word)
    if not tokens:
        return None
    clauses = [_phrase(f, tokens, BOOSTS[f]) for f in ("name", "short_name", "aliases", "other_names")]
    shingles = analyzer.shingle_terms(tokens)      # a phrase in the long texts: all its adjacent pairs
    for f in SHINGLED:
        if shingles:
            clauses.append(And([Term(f, p) for p in shingles], boost=BOOSTS[f]))
        else:
            clauses.append(Term(f, tokens[0], boost=BOOSTS[f]))
    pairs = analyzer.char_pairs(word)      # every name containing the word as a substring, whatever the cut
    if pairs:
        clauses.append(And([Term("name_chars", p) for p in pairs], boost=BOOSTS["name_chars"]))
    if _ASCII_WORD.match(word):
        clauses.append(Term("code", word.upper(), boost=BOOSTS["code"]))
        clauses.append(Term("initials", word.lower(), boost=BOOSTS["initials"]))
    for full in expansions_of(word):
        clauses.append(_phrase("name", analyzer.query_words(full), BOOSTS["aliases"]))
    return Or(clauses)


def _filter_query(filters: dict | None):
    terms = []
    for key, value in (filters or {}).items():
        if key not in FILTER_FIELDS:
            raise ValueError(f"unknown search filter {key!r}")
        if value not in (None, ""):
            terms.append(Term(FILTER_FIELDS[key], str(value)))
    return And(terms) if terms else None


def _highlight_terms(words: list[str]) -> list[str]:
    terms = set()
    for w in words:
        terms.add(w)
        terms.update(t for t in analyzer.query_words(w) if len(t) > 1 or len(w) == 1)
        terms.update(expansions_of(w))
    return sorted(terms, key=len, reverse=True)


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    low = text.lower()
    spans = []
    for term in terms:
        t = term.lower()
        start = low.find(t)
        while t and start >= 0:
            spans.append((start, start + len(t)))
            start = low.find(t, start + len(t))
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def highlight(text: str, terms: list[str], window: int | None = None) -> Markup:
    """``text`` HTML-escaped with the query terms in ``<mark>``; with ``window``, a snippet around the first."""
    text = text or ""
    spans = _spans(text, terms)
    lo, hi = 0, len(text)
    if window is not None:
        first = spans[0][0] if spans else 0
        lo = max(0, first - window // 4)
        hi = min(len(text), lo + window)
        spans = [(max(s, lo), min(e, hi)) for s, e in spans if e > lo and s < hi]
    out = [Markup("…") if lo > 0 else Markup("")]
    cursor = lo
    for s, e in spans:
        out.append(escape(text[cursor:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        cursor = e
    out.append(escape(text[cursor:hi]))
    if hi < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)


def _allowed(codes: list[str], allowed_codes) -> set[str]:
    if allowed_codes is None:
        return set(codes)
    return set(allowed_codes(list(dict.fromkeys(codes))))


def search(si: SearchIndex, query: str | None, filters: dict | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20,
           allowed_codes: Callable[[list[str]], Collection[str]] | None = None) -> SearchResult:
    """Search the public index.

    ``query`` is plain text (operators and field names typed by the public are just words); an empty query
    lists everything. ``filters`` keys: kind, level, region, parent. ``allowed_codes(codes)`` returns the
    subset of ``codes`` that may be shown; hits, totals, facets and suggestions all respect it.
    """
    if sort not in ("relevance", "name"):
        raise ValueError(f"unknown sort {sort!r}")
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    words = query_words(query)
    parts = [q for q in (_word_query(w) for w in words) if q is not None]
    if words and not parts:
        return SearchResult(query or "", [], 0, page, per_page)
    q = And(parts) if len(parts) > 1 else (parts[0] if parts else Every())
    fq = _filter_query(filters)
    by_name = sort == "name" or not parts

    with si.held() as held:
        s = held.searcher
        if s.doc_count() == 0:
            return SearchResult(query or "", [], 0, page, per_page, {name: [] for name in FACET_FIELDS})
        # One pass over every match (Whoosh's top-k pruning saves less than a second pass costs here).
        def every_match():
            results = s.search(q, filter=fq, limit=None, sortedby="name_sort" if by_name else None,
                               scored=not by_name, terms=False)
            return [(item[0], item[1]) for item in results.top_n]

        ranked_all = held.cached_matches((repr(q), repr(fq), by_name), every_match)
        code_col = si.column(held, "code")
        allowed = _allowed([code_col[d] for _, d in ranked_all], allowed_codes)
        ranked, seen = [], set()
        for score, docnum in ranked_all:
            code = code_col[docnum]
            if code in allowed and code not in seen:   # never a stale duplicate
                seen.add(code)
                ranked.append((score, docnum))
        facets = {}
        for name in FACET_FIELDS:
            col = si.column(held, name)
            counts = Counter(col[docnum] for _, docnum in ranked)
            counts.pop("", None)
            facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        terms = _highlight_terms(words)
        hits = []
        for score, docnum in ranked[(page - 1) * per_page: page * per_page]:
            f = s.stored_fields(docnum)
            hits.append(SearchHit(
                code=f["code"], name=f["name"], name_html=highlight(f["name"], terms),
                short_name=f.get("short_name", ""),
                snippet_html=highlight(f.get("functions", ""), terms, window=SNIPPET_CHARS),
                kind=f.get("kind", ""), level=f.get("level", ""), region_code=f.get("region_code", ""),
                parent_code=f.get("parent_code", ""), parent_name=f.get("parent_name", ""),
                score=float(score) if not by_name else 0.0,
            ))
        suggestions = _suggest(s, words, allowed_codes) if words and not ranked else []
    return SearchResult(query or "", hits, len(ranked), page, per_page, facets, suggestions)


def _suggest(s, words: list[str], allowed_codes, limit: int = 5) -> list[str]:
    """Did-you-mean: published names sharing the most character pairs with the query, closest first."""
    text = "".join(words)
    pairs = sorted({p for w in words for p in analyzer.char_pairs(w)})
    if not pairs:
        return []
    loose = Or([Term("name_chars", p) for p in pairs] + [Term("name", t) for t in analyzer.query_words(text)])
    found = s.search(loose, limit=50, terms=False)
    candidates = [(hit["code"], hit["name"]) for hit in found]
    allowed = _allowed([c for c, _ in candidates], allowed_codes)
    names = {name for code, name in candidates if code in allowed}
    for w in words:   # a near-miss of an abbreviation: suggest it when a shown unit carries its full form
        close = difflib.get_close_matches(w, list(ABBREVIATIONS), n=1, cutoff=0.6) if len(w) <= 6 else []
        for short in close:
            if short != w and any(ABBREVIATIONS[short] in n for n in list(names)):
                names.add(short)
    scored = sorted(((difflib.SequenceMatcher(None, text, n).ratio(), n) for n in names), key=lambda x: (-x[0], x[1]))
    return [n for ratio, n in scored if ratio >= 0.4 and n != text][:limit]

