"""``search_units`` over units published in the database: every test runs on each backend.

The corpus (``city`` in conftest) mirrors the index-only tests' corpus, but as register units published
through the administrator's path: what is searched is built from the public snapshots.
"""
from __future__ import annotations

from datetime import date

import pytest

from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry import services as registry

from disclosure import services
from disclosure.public_search import search_units
from tests.disclosure.conftest import record_of


def codes(result):
    return [h.code for h in result.hits]


def names(result):
    return [h.name for h in result.hits]


@pytest.fixture
def live(backend, city, publish):
    publish(*city.all)
    return city


@pytest.mark.parametrize("query, unit", [
    ("杭州市市场监督管理局", "scj"),                # full name
    ("杭州市知识产权局", "scj"),                     # 加挂牌子
    ("杭州市医疗保险管理服务中心", "ybj"),             # 曾用名
    ("市监局", "scj"),                              # short name and common abbreviation
    ("杭州市监局", "scj"),
    ("人社局", "rsj"),                              # abbreviation of 人力资源和社会保障局
    ("编办", "bb"),                                 # abbreviation and two-character word
    ("市委编办", "bb"),
    ("审计", "sjj"),                                # two-character word: the body before its centre
    ("医保局", "ybj"),
    ("hzsscjdglj", "scj"),                          # pinyin initials of the name
    ("HZSSJJ", "sjj"),
    ("社会保险", "rsj"),                              # words of the functions text
    ("吃空饷", "bb"),
    ("市场综合监督管理", "scj"),                       # functions text written in Markdown
    ("登记注册处", "scj"),                           # an internal department
    ("保障局", "ybj"),                               # a piece jieba cuts differently in the name
])
def test_finds_the_unit_first(live, query, unit):
    result = search_units(query)
    assert codes(result)[:1] == [getattr(live, unit).code], (query, names(result))


def test_finds_by_credit_code(live):
    assert codes(search_units(live.rsj.code)) == [live.rsj.code]
    assert codes(search_units(live.rsj.code.lower())) == [live.rsj.code]


def test_every_unit_is_found_by_its_own_name(live):
    for unit in live.all:
        assert codes(search_units(unit.name))[0] == unit.code, unit.name


def test_a_name_match_ranks_above_a_functions_only_match(live):
    found = codes(search_units("市场监督"))
    assert live.sjj.code in found                    # its functions mention 市场监督
    assert found.index(live.sjj.code) > max(found.index(live.scj.code), found.index(live.xhscj.code))


def test_two_words_must_both_match(live):
    assert codes(search_units("西湖区 市场监督")) == [live.xhscj.code]


def test_hits_are_highlighted(live):
    hit = search_units("审计").hits[0]
    assert str(hit.name_html) == "杭州市<mark>审计</mark>局"
    assert "<mark>审计</mark>" in str(hit.snippet_html)
    assert "](https" not in str(hit.snippet_html)        # Markdown markup is not searched text


def test_facets_count_every_match(live):
    result = search_units("杭州市")
    assert result.total == 6
    assert dict(result.facets["kind"]) == {"party_gov": 4, "mass_org": 1, "institution": 1}
    assert dict(result.facets["level"]) == {"division": 5, "section": 1}
    assert dict(result.facets["region_code"]) == {"330100": 6}
    assert dict(result.facets["parent_code"]) == {live.sjj.code: 1}
    assert dict(search_units("市场监督管理局").facets["region_code"]) == {"330100": 1, "330106": 1}


@pytest.mark.parametrize("filters, expected", [
    ({"kind": "mass_org"}, {"bb"}),
    ({"level": "section", "region": "330106"}, {"xhscj"}),
    ({"region": "330106"}, {"xhscj"}),
    ({"kind": "party_gov", "region": "330100"}, {"scj", "rsj", "sjj", "ybj"}),
    ({"kind": "no-such-kind"}, set()),                # an unknown facet value matches nothing
    ({"region": "999999"}, set()),
    ({"parent": "not-a-code"}, set()),
    ({"kind": ""}, {"scj", "rsj", "bb", "sjj", "sjzx", "ybj", "xhscj"}),
])
def test_filters(live, filters, expected):
    found = set(codes(search_units("", per_page=100, **filters)))
    assert found == {getattr(live, name).code for name in expected}


def test_filter_by_parent(live):
    assert codes(search_units(parent=live.sjj.code)) == [live.sjzx.code]


def test_sort_by_name_follows_pinyin(live):
    assert names(search_units("杭州市", sort="name")) == [
        "杭州市人力资源和社会保障局", "杭州市审计局", "杭州市审计局信息中心", "杭州市市场监督管理局",
        "杭州市医疗保障局", "中共杭州市委机构编制委员会办公室"]


def test_an_unknown_sort_is_invalid_input(live):
    with pytest.raises(InvalidInput):
        search_units("杭州", sort="random")


def test_paging_and_past_the_end(live):
    pages = [search_units("杭州市", sort="name", page=p, per_page=2) for p in (1, 2, 3, 4, 10_000)]
    assert [len(p.hits) for p in pages] == [2, 2, 2, 0, 0]
    assert {p.total for p in pages} == {6}
    assert len({c for p in pages for c in codes(p)}) == 6
    assert pages[0].pages == 3
    capped = search_units("杭州市", page=0, per_page=10_000)
    assert (capped.page, capped.per_page, capped.total) == (1, 100, 6)


@pytest.mark.parametrize("query, total", [
    ("", 7), ("   ", 7), ("！！！", 7), ("(((", 7), ("*", 7), ("\x00", 7),     # nothing to search: list all
    ("杭" * 1000, 0), ("AND", 0), ("NOT 杭州", 0), ("name:杭州", 0), ("code:*", 0), ("市场 OR", 0),
    ("审计 AND", 0), ("审计*", 2), ("kind:mass_org", 0), ("'; DROP TABLE units; --", 0), ("a:B & !c <-> d", 0),
])
def test_public_input_is_text_never_syntax(live, query, total):
    assert search_units(query).total == total


def test_typo_gets_suggestions(live):
    result = search_units("杭州市市场监肚管理局")
    assert result.total == 0 and result.hits == []
    assert result.suggestions[0] == "杭州市市场监督管理局"
    assert "市监局" in search_units("市监句").suggestions


def test_an_empty_register_finds_nothing(backend):
    result = search_units("杭州")
    assert (result.total, result.hits, result.suggestions) == (0, [], [])
    assert search_units("").total == 0


# ---------------------------------------------------------------- only what is public now

def test_unpublished_units_are_never_found(backend, city, publish):
    publish(city.scj)
    assert codes(search_units("市场监督管理局")) == [city.scj.code]
    assert search_units("审计").total == 0
    assert search_units("").total == 1


def test_withdrawal_removes_a_unit_at_once(live):
    services.withdraw(None, services.current_publication(live.scj), "测试撤回", actor_name="测试管理员")
    db.session.commit()
    result = search_units("市场监督管理局")
    assert codes(result) == [live.xhscj.code]
    assert dict(result.facets["region_code"]) == {"330106": 1}
    assert "杭州市市场监督管理局" not in search_units("杭州市市场监肚管理局").suggestions


def test_a_unit_marked_classified_afterwards_disappears(live):
    registry.update_unit(None, live.sjj, record_of(live.sjj, is_classified=True))
    db.session.commit()
    assert live.sjj.code not in codes(search_units("审计", per_page=100))
    centre = search_units("审计局信息中心").hits[0]      # its child is re-published without naming it
    assert (centre.code, centre.parent_code, centre.parent_name) == (live.sjzx.code, "", "")
    assert search_units(parent=live.sjj.code).total == 0
    assert live.sjj.code not in dict(search_units("").facets["parent_code"])
    assert "杭州市审计局" not in search_units("杭州市审计句").suggestions


def test_a_field_marked_classified_afterwards_leaves_the_results(live):
    assert codes(search_units("吃空饷")) == [live.bb.code]
    registry.update_unit(None, live.bb, record_of(live.bb, classified_fields=["functions"]))
    db.session.commit()
    assert search_units("吃空饷").total == 0
    hit = search_units("编办").hits[0]
    assert hit.code == live.bb.code and "吃空饷" not in str(hit.snippet_html)


def test_other_names_marked_classified_are_no_longer_searchable(live):
    registry.update_unit(None, live.scj, record_of(live.scj, classified_fields=["other_names"]))
    db.session.commit()
    assert live.scj.code not in codes(search_units("杭州市知识产权局"))
    assert codes(search_units("市监局"))[:1] == [live.scj.code]


def test_a_stale_index_never_shows_a_withdrawn_unit(live, monkeypatch):
    from disclosure import indexing

    assert codes(search_units("人社局")) == [live.rsj.code]        # verdicts the engine may have cached
    assert search_units("", per_page=100).total == 7
    monkeypatch.setattr(indexing, "mark_for_reindex", lambda *a, **k: None)   # the index misses the change
    services.withdraw(None, services.current_publication(live.rsj), "测试撤回", actor_name="测试管理员")
    db.session.commit()
    result = search_units("人社局")
    assert live.rsj.code not in codes(result)
    assert result.total == 0 and "rsj" not in str(result.facets)
    assert live.rsj.code not in codes(search_units("", per_page=100))
    assert "杭州市人力资源和社会保障局" not in search_units("杭州市人力资源和社会保肚局").suggestions


@pytest.mark.parametrize("change", [{"is_classified": True}, {"status": "abolished", "abolished_on": date(2026, 1, 1)}])
def test_a_unit_hidden_behind_the_services_back_is_never_shown(live, change):
    """No cascade, no publication change, no index update: the database's state still decides."""
    assert codes(search_units("审计局信息中心"))[:1] == [live.sjzx.code]
    assert search_units("", per_page=100).total == 7
    for key, value in change.items():
        setattr(live.sjzx, key, value)
    db.session.commit()
    assert live.sjzx.code not in codes(search_units("审计局信息中心"))
    assert search_units("", per_page=100).total == 6
    assert dict(search_units("").facets["kind"]).get("institution") is None


def test_the_engines_cache_key_moves_with_every_publication_change(app, city, publish):
    from disclosure.public_search import PublicNow

    publish(city.scj)
    before = PublicNow()
    assert PublicNow().cache_key == before.cache_key                   # nothing changed: verdicts reused
    assert before([city.scj.code, city.rsj.code]) == {city.scj.code}
    services.withdraw(None, services.current_publication(city.scj), "测试撤回", actor_name="测试管理员")
    db.session.commit()
    assert PublicNow().cache_key != before.cache_key
