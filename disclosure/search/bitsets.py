"""One index generation as bitsets: matching, filtering, ranking and facets without Whoosh's matchers.

Every live document of the generation gets a **rank**: its place in pinyin name order (``name_sort``).
A set of documents is a Python ``int`` whose bit *r* stands for the document of rank *r*: AND, OR and
popcount over 100,000 documents are a few microseconds in C, and the lowest set bits of a set are its
first documents in name order — so paging never sorts, and only the page's documents are ever looked at.

A term's set is read once per generation from Whoosh's postings (then cached, bounded); the columns
(code, kind, level, region, parent) are lists in rank order for facets and codes; ``length_sets`` group
the documents by name length (shorter names first within a relevance tier).
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict

TERM_CACHE_SIZE = 2048          # term sets kept per generation (each ≤ documents / 8 bytes)
_NONZERO = re.compile(rb"[^\x00]")
_BYTE_BITS = [tuple(i for i in range(8) if value >> i & 1) for value in range(256)]


def set_of(ranks, size: int) -> int:
    """The set of ``ranks`` (ints below ``size``)."""
    data = bytearray((size >> 3) + 1)
    for r in ranks:
        data[r >> 3] |= 1 << (r & 7)
    return int.from_bytes(data, "little")


def members(bits: int, skip: int = 0, take: int | None = None) -> list[int]:
    """The ranks in ``bits``, ascending, leaving out the first ``skip`` and stopping after ``take``."""
    out: list[int] = []
    if bits <= 0 or take == 0:
        return out
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    for match in _NONZERO.finditer(data):
        index = match.start()
        ones = _BYTE_BITS[data[index]]
        if skip >= len(ones):
            skip -= len(ones)
            continue
        base = index << 3
        out.extend(base + j for j in ones[skip:])
        skip = 0
        if take is not None and len(out) >= take:
            return out[:take]
    return out


class Generation:
    """The live documents of one searcher in name order, with their columns and a cache of term sets."""

    def __init__(self, searcher, column):
        reader = searcher.reader()
        names = column("name_sort")
        live: list[int] = []
        for leaf, base in reader.leaf_readers():
            if leaf.has_deletions():
                live.extend(base + d for d in leaf.all_doc_ids())
            else:
                live.extend(range(base, base + leaf.doc_count_all()))
        live.sort(key=names.__getitem__)
        self.searcher = searcher
        self.order = live                                   # rank → docnum
        self.size = len(live)
        self.rank_of = [-1] * reader.doc_count_all()        # docnum → rank (-1: deleted)
        for rank, docnum in enumerate(live):
            self.rank_of[docnum] = rank
        self.all = (1 << self.size) - 1
        self.columns = {name: [values[d] for d in live]
                        for name in ("code", "kind", "level", "region_code", "parent_code")
                        for values in (column(name),)}
        self.has_duplicates = len(set(self.columns["code"])) != self.size     # stale copies of a document
        lengths: dict[int, list[int]] = {}
        for rank, docnum in enumerate(live):
            lengths.setdefault(len(names[docnum].partition("\x00")[2]), []).append(rank)
        self.length_sets = [set_of(ranks, self.size) for _length, ranks in sorted(lengths.items())]
        self._leaves = reader.leaf_readers()
        self._terms: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def term(self, field: str, text: str) -> int:
        """The set of documents whose ``field`` holds the term ``text`` (cached)."""
        key = (field, text)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
        rank_of = self.rank_of
        data = bytearray((self.size >> 3) + 1)
        for leaf, base in self._leaves:
            if (field, text) not in leaf:
                continue
            for d in leaf.postings(field, text).all_ids():
                r = rank_of[base + d]
                if r >= 0:
                    data[r >> 3] |= 1 << (r & 7)
        bits = int.from_bytes(data, "little")
        with self._lock:
            self._terms[key] = bits
            while len(self._terms) > TERM_CACHE_SIZE:
                self._terms.popitem(last=False)
        return bits

    def all_of(self, field: str, texts) -> int:
        """Documents holding every term (rarest first, stopping early when nothing is left)."""
        sets = sorted((self.term(field, t) for t in dict.fromkeys(texts)), key=int.bit_count)
        if not sets:
            return 0
        bits = sets[0]
        for other in sets[1:]:
            if not bits:
                break
            bits &= other
        return bits

    def docnum(self, rank: int) -> int:
        return self.order[rank]
