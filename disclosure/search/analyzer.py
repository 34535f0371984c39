"""Chinese analysis for the search index: jieba with an establishment user dictionary, phrase-safe positions.

Why not ``jieba.analyse.ChineseAnalyzer``: importing ``jieba.analyse`` costs ~100 MB and leaves ``idf.txt``
open, and its tokens carry character offsets as positions, so no phrase query ever matches. Here:

* jieba (one private ``jieba.Tokenizer`` per process, built lazily, its dictionary cache file under the data
  directory) cuts text in accurate mode;
* every jieba word is reduced to its **fine parts** (:func:`fine_parts`): words of up to three characters
  stay whole, longer ones (``市场监督管理局``) are re-cut with dictionary words of at most three characters
  (``市场/监督/管理局``). This depends only on the word, not on its context, so a query and a document cut the
  same way: ``市场监督`` (→ 市场/监督) is a phrase of two consecutive tokens in both;
* fine parts are numbered consecutively; the two-character dictionary words inside a three-character part
  (``审计`` in ``审计局``, ``杭州`` in ``杭州市``) are extra tokens **at the same position** (index mode only),
  so a two-character query word matches without breaking phrases;
* a line break in the value starts a new segment 100 positions further on, so several names joined with
  ``\\n`` never form a phrase across their boundary.

:class:`CharTokenizer` emits each CJK character and each adjacent pair of them (ASCII runs stay whole): a
query word of n characters is then the conjunction of its n-1 pairs, a cheap substring match that the name
fields use as a recall net for words jieba cuts differently in context (``保障局`` in ``社会保障局``).

The long texts (functions, departments) are indexed without positions but with **shingles** (each two
adjacent parts as one token, ``市场¦监督``): a phrase there is a conjunction of term look-ups, several times
cheaper than Whoosh's positional phrase matching over thousands of documents.

A value may be a :class:`Segmented` string carrying tokens made earlier (in a worker process during a
rebuild): the tokenizer then replays them instead of cutting again. For fields without positions the
tokens may be just the distinct term strings (less to pickle between processes, less for Whoosh to count).
"""
from __future__ import annotations

import itertools
import logging
import re
import threading
from pathlib import Path

from whoosh.analysis import Token, Tokenizer

log = logging.getLogger(__name__)

USERDICT_PATH = Path(__file__).with_name("userdict.txt")
CACHE_FILE_NAME = "jieba.cache"
SEGMENT_GAP = 100            # positions between lines of a multi-valued text
FINE_MAX = 3                 # longest fine part, in characters
SHINGLE_JOIN = "\u00a6"      # joins two adjacent words into one shingle term; never in a query word

_WORDLIKE = re.compile(r"\w", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CHAR_TOKENS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u9fff\uf900-\ufaff]+", re.UNICODE)

_lock = threading.Lock()
_tokenizer = None            # the process's jieba.Tokenizer, built on first use
_cache_dir: Path | None = None


def configure(data_dir) -> None:
    """Put jieba's dictionary cache under ``data_dir`` (call before the first segmentation)."""
    global _cache_dir
    path = Path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    _cache_dir = path


def cache_path() -> Path:
    """Where jieba keeps its dictionary cache: the configured data directory, never the system temp."""
    if _cache_dir is None:
        from portal.config import data_dir_from_env

        configure(data_dir_from_env({}))
    return _cache_dir / CACHE_FILE_NAME


def jieba_tokenizer():
    """The process's jieba tokenizer with the user dictionary, built once (about 2 s); thread-safe."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba  # deliberately not jieba.analyse

            jieba.setLogLevel(logging.WARNING)
            target = cache_path()
            tok = jieba.Tokenizer()
            tok.tmp_dir = str(target.parent)
            tok.cache_file = target.name
            tok.initialize()
            with USERDICT_PATH.open("rb") as fh:  # jieba would leave a path it opens itself unclosed
                tok.load_userdict(fh)
            log.info("jieba loaded (cache %s)", target)
            _tokenizer = tok
    return _tokenizer


def is_loaded() -> bool:
    return _tokenizer is not None


def fine_parts(word: str) -> list[str]:
    """``word`` cut into dictionary words of at most three characters (itself when it is that short)."""
    if len(word) <= FINE_MAX or not _CJK.search(word):
        return [word]
    tok = jieba_tokenizer()
    freq = tok.FREQ
    n = len(word)
    dag = {}
    for start in range(n):
        ends = [start]
        for end in range(start + 1, min(n, start + FINE_MAX)):
            if freq.get(word[start:end + 1]):
                ends.append(end)
        dag[start] = ends
    route: dict = {}
    tok.calc(word, dag, route)
    parts, i = [], 0
    while i < n:
        j = route[i][1] + 1
        parts.append(word[i:j])
        i = j
    return parts


def _sub_words(part: str) -> list[str]:
    """Two-character dictionary words inside a three-character part (``审计`` in ``审计局``)."""
    if len(part) != FINE_MAX or not _CJK.search(part):
        return []
    freq = jieba_tokenizer().FREQ
    return [s for s in (part[:2], part[1:]) if freq.get(s)]


def segment(text: str, mode: str = "index", shingles: bool = False) -> list[tuple[str, int, int, int]]:
    """``(text, position, startchar, endchar)`` tokens of ``text``; ``mode="query"`` leaves out extras.

    With ``shingles`` (index mode), each pair of adjacent parts within a sentence is also a token
    (``市场¦监督``), so a phrase in a long text is a conjunction of term look-ups (:func:`shingle_terms`).
    """
    tokens: list[tuple[str, int, int, int]] = []
    if not text:
        return tokens
    tok = jieba_tokenizer()
    pos = 0
    offset = 0
    shingles = shingles and mode == "index"
    for line in text.split("\n"):
        start = offset
        prev = None
        for word in tok.cut(line, HMM=True):
            end = start + len(word)
            if _WORDLIKE.search(word):
                char = start
                for part in fine_parts(word):
                    low = part.lower()
                    tokens.append((low, pos, char, char + len(part)))
                    if mode == "index":
                        for sub in _sub_words(part):
                            tokens.append((sub, pos, char, char + len(part)))
                    if shingles and prev is not None:
                        tokens.append((prev + SHINGLE_JOIN + low, pos, char, char + len(part)))
                    prev = low
                    char += len(part)
                    pos += 1
            elif not word.isspace():
                prev = None              # no shingle across punctuation
            start = end
        offset += len(line) + 1
        pos += SEGMENT_GAP
    return tokens


def shingle_terms(tokens: list[str]) -> list[str]:
    """The shingle terms of consecutive query tokens: ``[市场, 监督, 管理]`` → ``[市场¦监督, 监督¦管理]``."""
    return [a + SHINGLE_JOIN + b for a, b in itertools.pairwise(tokens)]


def query_words(text: str) -> list[str]:
    """The consecutive tokens a query string is searched as (no extras), lower-cased."""
    return [t[0] for t in segment(text, mode="query")]


def char_segment(text: str, pairs: bool = False) -> list[tuple[str, int, int, int]]:
    """One token per CJK character, ASCII/digit runs whole (lower-cased); line breaks add a position gap.

    With ``pairs``, each two adjacent tokens also form one token (``监督``): a word of n characters is then
    found by n-1 term look-ups (:func:`char_pairs`) instead of a phrase over very common characters.
    """
    tokens = []
    pos = 0
    offset = 0
    for line in (text or "").split("\n"):
        singles = [(m.group().lower(), offset + m.start(), offset + m.end()) for m in _CHAR_TOKENS.finditer(line)]
        for i, (tok, start, end) in enumerate(singles):
            tokens.append((tok, pos, start, end))
            if pairs and i and singles[i - 1][2] == start:
                tokens.append((singles[i - 1][0] + tok, pos, singles[i - 1][1], end))
            pos += 1
        offset += len(line) + 1
        pos += SEGMENT_GAP
    return tokens


def char_pairs(text: str) -> list[str]:
    """The adjacent-character terms of a query word; the word itself when it is a single token."""
    tokens = char_segment(text)
    if len(tokens) == 1:
        return [tokens[0][0]]
    return [a[0] + b[0] for a, b in itertools.pairwise(tokens) if a[3] == b[2]]


class Segmented(str):
    """A string carrying its tokens (made by a worker process) so the analyzer need not cut it again."""

    tokens: list

    def __new__(cls, text: str, tokens):
        obj = super().__new__(cls, text)
        obj.tokens = tokens
        return obj


class _ReplayTokenizer(Tokenizer):
    """Base: turns ``(text, pos, start, end)`` tuples into Whoosh tokens."""

    def _segment(self, value: str, mode: str):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        pre = getattr(value, "tokens", None)
        items = pre if pre is not None else self._segment(value, mode or "index")
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for item in items:
            if isinstance(item, str):       # a bare term (fields without positions: distinct terms only)
                text, pos, startchar, endchar = item, 0, 0, len(item)
            else:
                text, pos, startchar, endchar = item
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + startchar
                t.endchar = start_char + endchar
            yield t


class JiebaTokenizer(_ReplayTokenizer):
    """Words as described in the module docstring; with ``shingles``, adjacent-word pairs too."""

    def __init__(self, shingles: bool = False):
        self.shingles = shingles

    def _segment(self, value, mode):
        return segment(value, mode="query" if mode == "query" else "index", shingles=self.shingles)

    def __eq__(self, other):
        return type(self) is type(other) and self.shingles == getattr(other, "shingles", None)

    __hash__ = object.__hash__


class CharTokenizer(_ReplayTokenizer):
    """One token per CJK character, and one per adjacent pair of them."""

    def _segment(self, value, mode):
        return char_segment(value, pairs=True)

    def __eq__(self, other):
        return type(self) is type(other)

    __hash__ = object.__hash__


def ChineseAnalyzer(shingles: bool = False):
    return JiebaTokenizer(shingles=shingles)


def CharAnalyzer():
    return CharTokenizer()


def warm_up() -> None:
    """Load jieba now (before a server forks its workers, or before a rebuild's pool starts)."""
    jieba_tokenizer()
    segment("杭州市市场监督管理局")


__all__ = [
    "CharAnalyzer",
    "ChineseAnalyzer",
    "Segmented",
    "cache_path",
    "char_segment",
    "configure",
    "fine_parts",
    "is_loaded",
    "jieba_tokenizer",
    "query_words",
    "segment",
    "warm_up",
]
