"""The public search page: highlighting, facets with labels and counts, sort, pager, suggestions, bad input."""
from __future__ import annotations

import re

import pytest

from tests.disclosure.public.conftest import (
    SECRET_DEPT,
    SECRET_FIELD,
    SECRET_UNIT,
    SECRET_UNIT_FUNCTIONS,
    assert_no_secret,
)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def hit_codes(html: str) -> list[str]:
    return re.findall(r'<h3 class="h6 mb-1"><a href="/units/(\w{18})">', html)


def test_search_highlights_and_links_units(client, pub):
    response = client.get("/search?q=审计局")
    assert response.status_code == 200
    html = main_of(text_of(response))
    assert hit_codes(html)[0] == pub.audit.code
    heading = re.search(rf'<a href="/units/{pub.audit.code}">(.*?)</a>', html).group(1)
    assert "<mark>" in heading and heading.replace("<mark>", "").replace("</mark>", "") == "杭州市审计局"
    assert 'value="审计局"' in html
    assert "共找到" in html


def test_facets_are_labelled_links_with_counts(client, pub):
    html = main_of(text_of(client.get("/search")))
    assert set(hit_codes(html)) == {pub.audit.code, pub.centre.code, pub.orphan.code, pub.partly.code, pub.xihu.code}
    facets = html[html.index('aria-label="筛选"'):html.index("</aside>")]
    assert re.search(r'href="/search\?kind=party_gov"[^>]*>\s*<span>党政机关</span><span class="badge text-bg-light">3</span>',
                     facets)
    assert re.search(r'href="/search\?region=330106"[^>]*>\s*<span>浙江省杭州市西湖区</span><span[^>]*>1</span>', facets)
    assert re.search(rf'href="/search\?parent={pub.audit.code}"[^>]*>\s*<span>杭州市审计局</span><span[^>]*>1</span>',
                     facets)
    assert "正处级" in facets
    assert ">330106<" not in facets and ">party_gov<" not in facets
    assert 'class="col-12 col-md-4 col-xl-3 order-md-1 d-print-none facets"' in html


def test_a_facet_filters_and_can_be_removed(client, pub):
    html = main_of(text_of(client.get("/search?region=330106")))
    assert hit_codes(html) == [pub.xihu.code]
    assert "行政区划：浙江省杭州市西湖区" in html
    assert re.search(r'href="/search"[^>]*title="取消此条件"', html)
    html = main_of(text_of(client.get(f"/search?parent={pub.audit.code}")))
    assert hit_codes(html) == [pub.centre.code]
    assert "主管部门：杭州市审计局" in html


def test_sort_switch(client, pub):
    html = main_of(text_of(client.get("/search?q=杭州&sort=name")))
    assert 'href="/search?q=%E6%9D%AD%E5%B7%9E" ' in html or 'href="/search?q=%E6%9D%AD%E5%B7%9E"' in html
    assert re.search(r'active" href="/search\?q=%E6%9D%AD%E5%B7%9E&amp;sort=name" aria-current="true">按名称', html)


def test_pager(client, make_unit, publish):
    units = [make_unit(f"杭州市第{i:02d}测试局") for i in range(25)]
    publish(*units)
    html = main_of(text_of(client.get("/search?q=测试局&sort=name")))
    assert len(hit_codes(html)) == 20
    assert "共 25 条" in html and 'page=2' in html
    html = main_of(text_of(client.get("/search?q=测试局&sort=name&page=2")))
    assert len(hit_codes(html)) == 5


def test_suggestions_when_nothing_is_found(client, pub):
    html = main_of(text_of(client.get("/search?q=杭州市审计句")))
    assert hit_codes(html) == []
    assert "没有找到符合条件的机构" in html
    assert "您是不是要找" in html
    assert re.search(r'<a href="/search\?q=[^"]+">杭州市审计局</a>', html)


@pytest.mark.parametrize("query", [
    "page=0", "page=-3", "page=abc", "page=10000", "page=99999999999999999999", "page=1.5",
    "q=", "q=%20%20", "q=!!!%3F%3F%E3%80%82%EF%BC%8C", "q=" + "审" * 1000, "q=" + "a" * 5000,
    "q=AND", "q=*", "q=name%3A%E5%AE%A1%E8%AE%A1", "q=%22%E5%AE%A1%E8%AE%A1", "q=(%20OR%20)", "q=%00",
    "kind=nope", "level=%3Cscript%3E", "region=999999", "region=abc", "parent=ZZZ", "parent=" + "x" * 500,
    "sort=zzz", "sort=", "per_page=10000", "q=审计&kind=institution&level=division&region=330100&sort=name&page=3",
])
def test_bad_input_never_fails(client, pub, query):
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    html = text_of(response)
    assert "<script>" not in main_of(html)
    assert_no_secret(html)


def test_a_page_past_the_end_says_so(client, pub):
    html = main_of(text_of(client.get("/search?page=10000")))
    assert hit_codes(html) == []
    assert "没有第 10000 页（共 1 页）" in html


def test_unknown_facet_value_finds_nothing(client, pub):
    for query in ("kind=nope", "region=999999", "parent=ZZZ"):
        html = main_of(text_of(client.get(f"/search?{query}")))
        assert hit_codes(html) == [] and "没有找到符合条件的机构" in html


def test_per_page_is_fixed_on_the_web(client, make_unit, publish):
    publish(*[make_unit(f"杭州市第{i:02d}测试局") for i in range(25)])
    assert len(hit_codes(text_of(client.get("/search?q=测试局&per_page=100")))) == 20


@pytest.mark.parametrize("marker", [SECRET_UNIT, SECRET_UNIT_FUNCTIONS, SECRET_FIELD, SECRET_DEPT])
def test_secrets_are_never_found_suggested_or_faceted(client, pub, marker):
    for query in (marker, marker[:-1] + "Z", "办公室", "保障服务中心"):
        html = text_of(client.get("/search", query_string={"q": query}))
        html = html.replace(query, "")    # the page repeats the query itself (title, search box)
        assert_no_secret(html)
        assert pub.secret.code not in html
