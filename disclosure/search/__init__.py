"""Chinese full-text search of public unit documents (Whoosh + jieba), independent of the publication model.

Distribution: **whoosh-reloaded 2.7.5** (``import whoosh``), not Whoosh 2.7.4. Compiled on Python 3.11 with
warnings as errors, Whoosh 2.7.4 fails in modules every index uses: a ``SyntaxWarning`` (``is`` with a
literal) in ``whoosh/codec/whoosh3.py`` (the default codec) and invalid escape sequences in
``whoosh/analysis/filters.py`` and ``analysis/intraword.py``; 2.7.4 is also unmaintained since 2016.
whoosh-reloaded's only warning is in its vendored ``whoosh/support/pyparsing.py``, which nothing here
imports. Its known bug — ``Searcher.refresh()`` keeps replaced documents visible after
``update_document`` — is avoided by design: each search takes a fresh searcher when the index's generation
changed and never refreshes one (a regression test covers it).

Other dependencies: jieba 0.42.1 (only ``jieba.Tokenizer``, never ``jieba.analyse``: ~100 MB per process
saved, no ``idf.txt`` left open); pypinyin for initials and the name sort key, loaded without its phrase
table (``PYPINYIN_NO_PHRASES``: +8 MB instead of +53 MB per process), with a small table of place-name
heteronyms (重庆 cq, 长沙 cs, 厦门 xm …) instead.

Modules: :mod:`.analyzer` (jieba tokenizers with consecutive positions and the user dictionary
``userdict.txt``), :mod:`.abbreviations` (市监局 → 市场监督管理局 …), :mod:`.schema` (the Whoosh schema and
:class:`SearchDocument`), :mod:`.documents` (a document cut into index fields, pinyin initials),
:mod:`.handle` (:class:`SearchIndex`: the latest generation's searcher, column lists, match cache),
:mod:`.storage` (opening, corrupt-index rebuild, lock-waiting writers, indexing, rebuild) and
:mod:`.searching` (queries, results, facets, highlighting, suggestions). Public API re-exported here.
"""
from disclosure.search.handle import SearchIndex
from disclosure.search.schema import SearchDocument
from disclosure.search.searching import SearchHit, SearchResult, search
from disclosure.search.storage import (
    index_documents,
    open_or_create_index,
    rebuild,
    remove_document,
)

__all__ = [
    "SearchDocument", "SearchHit", "SearchIndex", "SearchResult", "index_documents", "open_or_create_index",
    "rebuild", "remove_document", "search",
]
