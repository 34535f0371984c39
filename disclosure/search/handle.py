"""The index handle :class:`SearchIndex`: an open index plus the searcher of its latest generation.

Each search takes the searcher of the index's latest generation: a commit by any process is seen by every
process on its next search. Searchers are never ``refresh()``-ed (whoosh-reloaded 2.7.5 keeps replaced
documents visible after a refresh). Per generation the handle keeps the sortable columns read into lists
(segment by segment, reused across generations) and a cache of recent queries' matches.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from disclosure.search.bitsets import Generation

MATCH_CACHE_SIZE = 256         # queries whose matches are kept per index generation


class _Held:
    """A searcher of one index generation, its columns read into lists on first use, and a match cache."""

    __slots__ = ("_columns", "_lock", "_view", "_view_lock", "generation", "matches", "retired", "searcher", "users")

    def __init__(self, generation, searcher):
        self.generation, self.searcher, self.users, self.retired = generation, searcher, 0, False
        self._columns: dict[str, list] = {}
        self._view = None
        self._view_lock = threading.Lock()
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

    def view(self, segment_cache: dict | None = None):
        """This generation as bitsets (:class:`~disclosure.search.bitsets.Generation`), built on first use."""
        view = self._view
        if view is None:
            with self._view_lock:
                view = self._view
                if view is None:
                    view = self._view = Generation(self.searcher, lambda n: self.column(n, segment_cache))
        return view

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
                            part = (list(reader.column_reader(name)) if reader.has_column(name)
                                    else [""] * reader.doc_count_all())
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

    def view(self, held: _Held) -> Generation:
        return held.view(self._segment_columns)

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
