"""Searching the index: query building, hits and paging, facets, highlighting, did-you-mean suggestions.

The publication side passes ``allowed_codes`` so a hit whose unit is no longer published (a stale index) is
never shown, not even as a suggestion or in a facet.

Queries are built here, never parsed from the public's text: each query word must match (AND), in any of
the name fields as a phrase of its tokens (boosted highest), in the name characters (substring net), in
the pinyin initials or the credit code, or in the functions text as a phrase (boosted lowest). One scoring
pass yields hits, total and facets (columns read once per index generation, then plain list look-ups);
the matches are cached per generation by the :class:`~disclosure.search.handle.SearchIndex`.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from whoosh.query import And, Every, Or, Phrase, Term

from disclosure.search import analyzer
from disclosure.search.abbreviations import ABBREVIATIONS, expansions_of
from disclosure.search.handle import SearchIndex
from disclosure.search.schema import SHINGLED

MAX_QUERY_CHARS = 100
MAX_PER_PAGE = 100
SNIPPET_CHARS = 120

# Query boosts per field: a name match always outranks a match in the functions text.
BOOSTS = {
    "code": 30.0, "name": 10.0, "short_name": 8.0, "aliases": 8.0, "other_names": 6.0, "initials": 6.0,
    "name_chars": 4.0, "functions": 1.0, "departments": 0.5,
}
FILTER_FIELDS = {"kind": "kind", "level": "level", "region": "region_code", "parent": "parent_code"}
FACET_FIELDS = ("kind", "level", "region_code", "parent_code")

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_ASCII_WORD = re.compile(r"^[0-9A-Za-z]+$")


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

