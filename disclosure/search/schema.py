"""The Whoosh schema of the public index and :class:`SearchDocument`, what the index knows of one unit.

Whoosh stores and writes; matching is done on per-generation bitsets (:mod:`.bitsets`), so the indexed
text fields keep only which documents contain a term (``Existence`` postings: no positions, frequencies
or field lengths — smaller, faster to write and to read):

* ``name_chars`` — the characters of the name, short name, abbreviations (aliases) and other names (加挂牌子,
  曾用名) and each adjacent pair of them (a word is in the names when all its pairs are);
* ``exact`` — each whole name and the credit code, normalised, as one term (the "exact match" tier);
* ``initials`` — pinyin initials of the names; ``body`` — jieba words and adjacent-word pairs (shingles) of
  the functions text and the internal departments (a phrase there is the AND of its shingles).

Sortable columns (``code``, ``name_sort``, ``kind``, ``level``, ``region_code``, ``parent_code``) give the
name order, facets and the page's codes without reading stored documents.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Existence

from disclosure.search import analyzer

SHINGLED = ("body",)      # long texts matched by adjacent-word pairs, not positions


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


def _existence(field):
    """``field`` recording only which documents hold a term (no frequencies, positions or lengths)."""
    field.format = Existence(field_boost=1.0)
    field.scorable = False
    return field


def build_schema() -> Schema:
    return Schema(
        code=ID(stored=True, unique=True, sortable=True),
        name=STORED(), short_name=STORED(), other_names=STORED(), functions=STORED(), parent_name=STORED(),
        name_chars=_existence(TEXT(analyzer=analyzer.CharAnalyzer(), phrase=False)),
        exact=KEYWORD(lowercase=False, scorable=False),
        initials=KEYWORD(lowercase=True, scorable=False),
        body=_existence(TEXT(analyzer=analyzer.ChineseAnalyzer(shingles=True), phrase=False)),
        name_sort=ID(sortable=True),
        kind=ID(stored=True, sortable=True),
        level=ID(stored=True, sortable=True),
        region_code=ID(stored=True, sortable=True),
        parent_code=ID(stored=True, sortable=True),
    )


def schema_signature(schema: Schema) -> list:
    """A comparable description of ``schema`` (Whoosh's own ``==`` compares column objects by identity)."""
    out = []
    for name, field in schema.items():
        tokenizer = getattr(field, "analyzer", None)
        out.append((name, type(field).__name__, type(field.format).__name__ if field.format else None,
                    field.stored, field.unique, field.scorable,
                    type(field.column_type).__name__ if field.column_type else None,
                    type(tokenizer).__name__, getattr(tokenizer, "shingles", None)))
    return out
