"""Searching the corpus: every way of finding a unit, ranking, facets, filters, sort, paging, suggestions."""
from __future__ import annotations

import pytest

from disclosure.search import search
from disclosure.search.searching import highlight
from tests.disclosure.search.conftest import (
    BB,
    CORPUS,
    NAMES,
    RSJ,
    SCJ,
    SJJ,
    SJZX,
    XHSCJ,
    YBJ,
)


def codes(result):
    return [h.code for h in result.hits]


@pytest.mark.parametrize("query, expected", [
    ("杭州市市场监督管理局", SCJ),                 # full name
    (SCJ, SCJ),                                   # credit code
    (SCJ.lower(), SCJ),
    ("杭州市知识产权局", SCJ),                      # 加挂牌子
    ("杭州市医疗保险管理服务中心", YBJ),              # 曾用名
    ("市监局", SCJ),                               # common abbreviation and own short name
    ("杭州市监局", SCJ),
    ("人社局", RSJ),
    ("编办", BB),                                  # abbreviation and two-character word
    ("市委编办", BB),                               # own short name
    ("审计", SJJ),                                 # two-character word, the body before its centre
    ("医保局", YBJ),
    ("hzsscjdglj", SCJ),                          # pinyin initials of the name
    ("HZSSJJ", SJJ),
    ("社会保险", RSJ),                              # words of the functions text
    ("吃空饷", BB),
    ("保障局", YBJ),                               # a piece jieba would cut differently: character net
])
def test_finds_the_unit_first(corpus_index, query, expected):
    result = search(corpus_index, query)
    assert codes(result)[:1] == [expected], (query, [h.name for h in result.hits])


def test_a_phrase_matches_adjacent_words_only(corpus_index):
    assert {SCJ, XHSCJ} <= set(codes(search(corpus_index, '"市场监督"')))
    assert search(corpus_index, "监督市场").total == 0


def test_a_name_match_ranks_above_a_functions_only_match(corpus_index):
    found = codes(search(corpus_index, "市场监督"))
    assert SJJ in found                          # its functions mention 市场监督
    assert found.index(SJJ) > max(found.index(SCJ), found.index(XHSCJ))


def test_two_words_must_both_match(corpus_index):
    assert codes(search(corpus_index, "西湖区 市场监督")) == [XHSCJ]


def test_hits_are_highlighted_and_escaped(corpus_index):
    hit = search(corpus_index, "审计").hits[0]
    assert str(hit.name_html) == "杭州市<mark>审计</mark>局"
    assert "<mark>审计</mark>" in str(hit.snippet_html)
    assert str(highlight("<script>市场</script>", ["市场"])) == "&lt;script&gt;<mark>市场</mark>&lt;/script&gt;"


def test_facets_count_every_match(corpus_index):
    result = search(corpus_index, "杭州市")
    assert result.total == 6
    assert dict(result.facets["kind"]) == {"admin": 4, "party": 1, "institution": 1}
    assert dict(result.facets["region_code"]) == {"330100": 6}
    assert dict(result.facets["parent_code"]) == {SJJ: 1}
    assert dict(search(corpus_index, "市场监督管理局").facets["level"]) == {"city": 1, "district": 1}


@pytest.mark.parametrize("filters, expected", [
    ({"kind": "party"}, {BB}),
    ({"level": "district"}, {XHSCJ}),
    ({"region": "330106"}, {XHSCJ}),
    ({"parent": SJJ}, {SJZX}),
    ({"kind": "admin", "region": "330100"}, {SCJ, RSJ, SJJ, YBJ}),
    ({"kind": "no-such-kind"}, set()),
    ({"kind": ""}, set(NAMES)),
])
def test_filters(corpus_index, filters, expected):
    assert set(codes(search(corpus_index, "", filters=filters, per_page=100))) == expected


def test_an_unknown_filter_is_a_programming_error(corpus_index):
    with pytest.raises(ValueError):
        search(corpus_index, "杭州", filters={"secret": "1"})


def test_sort_by_name_follows_pinyin(corpus_index):
    names = [h.name for h in search(corpus_index, "杭州市", sort="name").hits]
    assert names == ["杭州市人力资源和社会保障局", "杭州市审计局", "杭州市审计局信息中心", "杭州市市场监督管理局",
                     "杭州市医疗保障局", "中共杭州市委机构编制委员会办公室"]


def test_paging(corpus_index):
    pages = [search(corpus_index, "杭州市", sort="name", page=p, per_page=2) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [2, 2, 2, 0]
    assert {p.total for p in pages} == {6}
    assert len({c for p in pages for c in codes(p)}) == 6
    assert pages[0].pages == 3
    capped = search(corpus_index, "杭州市", page=0, per_page=10_000)
    assert (capped.page, capped.per_page) == (1, 100)


@pytest.mark.parametrize("query, total", [
    ("", 7), ("   ", 7), ("！！！", 7), ("(((", 7), ("*", 7), ("\x00", 7),     # nothing to search: list all
    ("杭" * 1000, 0), ("AND", 0), ("NOT 杭州", 0), ("name:杭州", 0), ("code:*", 0), ("市场 OR", 0),
    ("审计 AND", 0), ("审计*", 2), ("kind:party", 0),
])
def test_public_input_is_text_never_syntax(corpus_index, query, total):
    assert search(corpus_index, query).total == total


def test_typo_gets_suggestions(corpus_index):
    result = search(corpus_index, "杭州市市场监肚管理局")
    assert result.total == 0
    assert result.suggestions[0] == "杭州市市场监督管理局"
    assert "市监局" in search(corpus_index, "市监句").suggestions


def test_allowed_codes_filter_hits_facets_and_suggestions(corpus_index):
    def allowed(codes):
        return [c for c in codes if c != SCJ]

    result = search(corpus_index, "市场监督管理局", allowed_codes=allowed)
    assert codes(result) == [XHSCJ]
    assert result.total == 1
    assert dict(result.facets["level"]) == {"district": 1}
    suggestions = search(corpus_index, "杭州市市场监肚管理局", allowed_codes=allowed).suggestions
    assert NAMES[SCJ] not in suggestions
    assert suggestions                         # the other bodies are still offered


def test_every_unit_of_the_corpus_is_found_by_its_own_name(corpus_index):
    for doc in CORPUS:
        assert codes(search(corpus_index, doc.name))[0] == doc.code


def test_an_allowed_codes_with_a_cache_key_is_asked_once_per_state(corpus_index):
    asked = []

    def allowed(codes):
        asked.append(len(codes))
        return [c for c in codes if c != SCJ]

    allowed.cache_key = ("published", 1)
    assert codes(search(corpus_index, "市场监督管理局", allowed_codes=allowed)) == [XHSCJ]
    assert SCJ not in codes(search(corpus_index, "杭州市", allowed_codes=allowed, per_page=100))
    assert search(corpus_index, "", allowed_codes=allowed).total == len(CORPUS) - 1
    assert asked == [len(CORPUS)]                       # one verdict on every document, reused
    allowed.cache_key = ("published", 2)                # the database changed: asked again
    assert codes(search(corpus_index, "市监局", allowed_codes=allowed)) == [XHSCJ]
    assert len(asked) == 2


def test_relevance_tiers_exact_name_then_names_then_functions(corpus_index):
    found = codes(search(corpus_index, "杭州市审计局"))
    assert found[:2] == [SJJ, SJZX]                     # the exact name, then a longer name containing it
    found = codes(search(corpus_index, "审计"))
    assert found.index(SJZX) < found.index(SCJ) if SCJ in found else True
    assert search(corpus_index, "审计").hits[0].score > search(corpus_index, "社会保险").hits[0].score
