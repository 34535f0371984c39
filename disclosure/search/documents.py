"""A :class:`SearchDocument` turned into index fields: pinyin initials and name sort key, aliases, text pre-cut.

Cutting runs outside the write lock (and in worker processes during a rebuild), so it returns plain
picklable data; :func:`_writer_fields` turns that into the keyword arguments of a Whoosh writer.
"""
from __future__ import annotations

import os
import threading

from disclosure.search import analyzer
from disclosure.search.abbreviations import aliases_for
from disclosure.search.schema import SearchDocument

SEPARATE_SHINGLED = ("functions", "departments")     # long texts of the per-field layout

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


def normalise_name(text: str) -> str:
    """A whole name as one ``exact`` term: lower-cased, without white space."""
    return "".join((text or "").split()).lower()


def _terms(tokens) -> list[str]:
    """The distinct terms of ``tokens`` (the index fields keep no positions)."""
    return list(dict.fromkeys(t[0] for t in tokens))


def _packed(doc: SearchDocument, cut: bool = True) -> dict:
    """The Whoosh index fields of ``doc``, text already cut: ``{"seg": {field: (text, tokens)}, "plain": {...}}``.

    Runs in rebuild worker processes, so it returns only plain picklable data.
    """
    names = [n for n in [doc.name, doc.short_name, *doc.other_names] if n]
    aliases = []
    for n in names:
        for a in aliases_for(n):
            if a not in aliases and a not in names:
                aliases.append(a)
    all_names = names + aliases
    initials = {_initials(n) for n in all_names}
    names_text = "\n".join(all_names)
    body = "\n".join(t for t in (doc.functions_text, doc.departments_text) if t)
    seg = {"name_chars": (names_text, _terms(analyzer.char_segment(names_text, pairs=True)) if cut else None)}
    if body:
        seg["body"] = (body, _terms(analyzer.segment(body, shingles=True)) if cut else None)
    exact = {normalise_name(n) for n in all_names} | {doc.code.lower()}
    plain = {
        "code": doc.code, "name_sort": _sort_key(doc.name), "initials": " ".join(sorted(i for i in initials if i)),
        "exact": " ".join(sorted(e for e in exact if e)),
        "name": doc.name, "short_name": doc.short_name or "", "other_names": "\n".join(n for n in doc.other_names if n),
        "functions": doc.functions_text or "",
        "kind": doc.kind or "", "level": doc.level or "", "region_code": doc.region_code or "",
        "parent_code": doc.parent_code or "", "parent_name": doc.parent_name or "",
    }
    return {"seg": seg, "plain": plain}


def _segmented_fields(doc: SearchDocument, cut: bool = True) -> dict:
    """Each public field cut separately, ``{"seg": {field: (text, tokens)}, "plain": {...}}``: the layout the
    PostgreSQL backend (:mod:`.pg`) builds its weighted vectors from (the Whoosh index uses :func:`_packed`)."""
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
    seg = {k: (v, analyzer.segment(v, shingles=k in SEPARATE_SHINGLED) if cut else None) for k, v in texts.items() if v}
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
    for name, (text, tokens) in packed["seg"].items():
        fields[name] = text if tokens is None else analyzer.Segmented(text, tokens)
    return fields


def _document_fields(doc: SearchDocument) -> dict:
    return _writer_fields(_packed(doc))
