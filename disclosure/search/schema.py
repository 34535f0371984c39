"""The Whoosh schema of the public index and :class:`SearchDocument`, what the index knows of one unit.

The long texts (:data:`SHINGLED`) are stored without positions; a phrase in them is matched by its
adjacent-word pairs (shingles), both when a document is cut (:mod:`.documents`) and when a query is built
(:mod:`.searching`).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from disclosure.search import analyzer

SHINGLED = ("functions", "departments")      # long texts matched by adjacent-word pairs, not positions


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
