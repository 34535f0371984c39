"""Searching the index: matching on bitsets, relevance tiers, filters, facets, highlighting, suggestions.

The publication side passes ``allowed_codes`` so a hit whose unit is no longer published (a stale index) is
never shown, not even as a suggestion or in a facet.

Queries are built here, never parsed from the public's text. Each query word must match (AND), in any of:
the names (all its adjacent character pairs are in the name, short name, abbreviations or other names —
also for the full form of an abbreviation), the credit code or pinyin initials (ASCII words), or the functions text (its words
as adjacent pairs, i.e. a phrase). Everything is set algebra on the generation's bitsets
(:mod:`.bitsets`): filters are ANDed in before anything is ranked, and ranking is by **tier** — the whole
query is a unit's name, short name, abbreviation or code; every word is in the names (or code, initials);
some word is; the functions text only — then shorter names first, then pinyin order. Only the page's
documents are ever read. Per generation, each query's sets, total and facets are cached.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from disclosure.search import analyzer
from disclosure.search.abbreviations import ABBREVIATIONS, expansions_of
from disclosure.search.bitsets import Generation, members, set_of
from disclosure.search.documents import normalise_name
from disclosure.search.handle import SearchIndex

MAX_QUERY_CHARS = 100
MAX_PER_PAGE = 100
SNIPPET_CHARS = 120

FILTER_FIELDS = {"kind": "kind", "level": "level", "region": "region_code", "parent": "parent_code"}
FACET_FIELDS = ("kind", "level", "region_code", "parent_code")
TIER_SCORES = (4.0, 3.0, 2.0, 1.0)
# Per-field weights of the PostgreSQL backend (:mod:`.pg`), which scores rows instead of ranking by tier.
BOOSTS = {
    "code": 30.0, "name": 10.0, "short_name": 8.0, "aliases": 8.0, "other_names": 6.0, "initials": 6.0,
    "name_chars": 4.0, "functions": 1.0, "departments": 0.5,
}     # exact name, all words in names, some word in names, functions only

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


def _in_names(g: Generation, text: str) -> int:
    """Documents whose names hold every adjacent character pair of ``text`` (a substring net that does not
    depend on how jieba cuts a name in context)."""
    return g.all_of("name_chars", analyzer.char_pairs(text))


def _word_sets(g: Generation, word: str) -> tuple[int, int] | None:
    """``(in names, code or initials, anywhere)`` of one query word; None when it has no tokens."""
    tokens = analyzer.query_words(word)
    if not tokens:
        return None
    names = _in_names(g, word)
    for full in expansions_of(word):
        names |= _in_names(g, full)
    if _ASCII_WORD.match(word):
        names |= g.term("code", word.upper()) | g.term("initials", word.lower())
    shingles = analyzer.shingle_terms(tokens)
    body = g.all_of("body", shingles) if shingles else g.term("body", tokens[0])
    return names, names | body


def _filter_set(g: Generation, filters: dict | None) -> int:
    bits = g.all
    for key, value in (filters or {}).items():
        if key not in FILTER_FIELDS:
            raise ValueError(f"unknown search filter {key!r}")
        if value not in (None, ""):
            bits &= g.term(FILTER_FIELDS[key], str(value))
    return bits


def _match(g: Generation, words: list[str], filters: dict | None) -> tuple[int, list[int]] | None:
    """All matches and their relevance tiers (disjoint sets, best first); None when no word has tokens."""
    allowed = _filter_set(g, filters)
    parts = [p for p in (_word_sets(g, w) for w in words) if p is not None]
    if words and not parts:
        return None
    if not parts:
        return allowed, [allowed]
    match = allowed
    for _names, anywhere in sorted(parts, key=lambda p: p[1].bit_count()):
        match &= anywhere
        if not match:
            return 0, []
    exact = g.term("exact", normalise_name("".join(words))) & match
    every_name = match
    some_name = 0
    for names, _anywhere in parts:
        every_name &= names
        some_name |= names
    every_name &= ~exact
    some_name &= match & ~exact & ~every_name
    rest = match & ~exact & ~every_name & ~some_name
    return match, [exact, every_name, some_name, rest]


def _facets(g: Generation, ranks: list[int]) -> dict[str, list[tuple[str, int]]]:
    facets = {}
    for name in FACET_FIELDS:
        col = g.columns[name]
        counts = Counter(map(col.__getitem__, ranks))
        counts.pop("", None)
        facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return facets


def _page(g: Generation, groups: list[tuple[float, int]], skip: int, take: int) -> list[tuple[float, int]]:
    """``(score, rank)`` of the page: groups in order, each in name order."""
    out: list[tuple[float, int]] = []
    for score, bits in groups:
        count = bits.bit_count()
        if skip >= count:
            skip -= count
            continue
        out.extend((score, r) for r in members(bits, skip, take - len(out)))
        skip = 0
        if len(out) >= take:
            break
    return out


def _groups(g: Generation, tiers: list[int], by_name: bool) -> list[tuple[float, int]]:
    """The tiers split by name length (shorter names first), or everything in name order."""
    if by_name:
        return [(0.0, _union(tiers))]
    groups = []
    for score, tier in zip(TIER_SCORES, tiers):
        if not tier:
            continue
        for length_set in g.length_sets:
            part = tier & length_set
            if part:
                groups.append((score, part))
    return groups


def _union(sets: list[int]) -> int:
    bits = 0
    for s in sets:
        bits |= s
    return bits


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


def search(si: SearchIndex, query: str | None, filters: dict | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20,
           allowed_codes: Callable[[list[str]], Collection[str]] | None = None) -> SearchResult:
    """Search the public index.

    ``query`` is plain text (operators and field names typed by the public are just words); an empty query
    lists everything. ``filters`` keys: kind, level, region, parent. ``allowed_codes(codes)`` returns the
    subset of ``codes`` that may be shown; hits, totals, facets and suggestions all respect it. It is asked
    about every match of the query — unless it has a ``cache_key`` attribute (a hashable token of the
    database's publication state, e.g. the count and highest id of published rows): then it is asked once
    about every document per index generation and token, and the verdict is reused by every query.
    """
    if sort not in ("relevance", "name"):
        raise ValueError(f"unknown sort {sort!r}")
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    words = query_words(query)
    for key in filters or {}:
        if key not in FILTER_FIELDS:
            raise ValueError(f"unknown search filter {key!r}")
    by_name = sort == "name" or not words
    with si.held() as held:
        g = si.view(held)
        if g.size == 0:
            return SearchResult(query or "", [], 0, page, per_page, {name: [] for name in FACET_FIELDS})

        def compute():
            found = _match(g, words, filters)
            if found is None:
                return None
            match, tiers = found
            return match, tiers, _facets(g, members(match))

        key = (tuple(words), tuple(sorted((k, str(v)) for k, v in (filters or {}).items() if v not in (None, ""))))
        cached = held.cached_matches(key, compute)
        if cached is None:
            return SearchResult(query or "", [], 0, page, per_page)
        match, tiers, facets = cached
        if allowed_codes is not None or g.has_duplicates:
            state = getattr(allowed_codes, "cache_key", None)
            if state is not None:     # the caller names its database state: one verdict on every document
                every = held.cached_matches(("\x00hidden", state), lambda: _hidden(g, g.all, allowed_codes))
                hidden = match & every
            else:
                hidden = _hidden(g, match, allowed_codes)
            if hidden:
                match &= ~hidden
                tiers = [t & ~hidden for t in tiers]
                facets = _facets(g, members(match))
        total = match.bit_count()
        rows = _page(g, _groups(g, tiers, by_name), (page - 1) * per_page, per_page)
        terms = _highlight_terms(words)
        hits = []
        for score, rank in rows:
            f = held.searcher.stored_fields(g.docnum(rank))
            hits.append(SearchHit(
                code=f["code"], name=f["name"], name_html=highlight(f["name"], terms),
                short_name=f.get("short_name", ""),
                snippet_html=highlight(f.get("functions", ""), terms, window=SNIPPET_CHARS),
                kind=f.get("kind", ""), level=f.get("level", ""), region_code=f.get("region_code", ""),
                parent_code=f.get("parent_code", ""), parent_name=f.get("parent_name", ""),
                score=score if not by_name else 0.0,
            ))
        suggestions = _suggest(g, held.searcher, words, allowed_codes) if words and not total else []
    return SearchResult(query or "", hits, total, page, per_page, facets, suggestions)


def _hidden(g: Generation, match: int, allowed_codes) -> int:
    """Matches that may not be shown: codes ``allowed_codes`` refuses, and any second copy of a code."""
    ranks = members(match)
    codes = g.columns["code"]
    matched = [codes[r] for r in ranks]
    allowed = set(allowed_codes(list(dict.fromkeys(matched)))) if allowed_codes is not None else None
    seen: set[str] = set()
    hidden = []
    for rank, code in zip(ranks, matched):
        if (allowed is not None and code not in allowed) or code in seen:
            hidden.append(rank)
        seen.add(code)
    return set_of(hidden, g.size) if hidden else 0


def _suggest(g: Generation, s, words: list[str], allowed_codes, limit: int = 5) -> list[str]:
    """Did-you-mean: published names sharing the most character pairs with the query, closest first."""
    text = "".join(words)
    pairs = sorted({p for w in words for p in analyzer.char_pairs(w)})
    if not pairs:
        return []
    sets = sorted((g.term("name_chars", p) for p in pairs), key=int.bit_count)
    sets = [b for b in sets if b]
    counts: Counter = Counter()
    for bits in sets[:8]:                            # the rarest pairs say the most
        counts.update(members(bits, take=2000))
    ranks = [r for r, _n in counts.most_common(50)]
    codes = g.columns["code"]
    allowed = _allowed_list([codes[r] for r in ranks], allowed_codes)
    names = {s.stored_fields(g.docnum(r))["name"] for r in ranks if codes[r] in allowed}
    for w in words:   # a near-miss of an abbreviation: suggest it when a shown unit carries its full form
        close = difflib.get_close_matches(w, list(ABBREVIATIONS), n=1, cutoff=0.6) if len(w) <= 6 else []
        for short in close:
            if short != w and any(ABBREVIATIONS[short] in n for n in list(names)):
                names.add(short)
    scored = sorted(((difflib.SequenceMatcher(None, text, n).ratio(), n) for n in names), key=lambda x: (-x[0], x[1]))
    return [n for ratio, n in scored if ratio >= 0.4 and n != text][:limit]


def _allowed_list(codes: list[str], allowed_codes) -> set[str]:
    if allowed_codes is None:
        return set(codes)
    return set(allowed_codes(list(dict.fromkeys(codes))))
