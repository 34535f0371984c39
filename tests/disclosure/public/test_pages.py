"""The public pages, anonymous and signed in: content, 404s, sanitised Markdown, no secrets, withdrawal."""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.registry import services as registry
from tests.disclosure.public.conftest import assert_no_secret

PAGES = ["/", "/search", "/organizations", "/contact", "/contact/330100", "/announcements", "/about"]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_need_no_login(client, pub, path):
    response = client.get(path)
    assert response.status_code == 200
    html = text_of(response)
    assert 'id="publicnav"' in html
    for label in ("首页", "机构查询", "组织机构", "通知公告", "联系我们", "公开说明"):
        assert f">{label}</a>" in html
    assert 'href="/login">登录</a>' in html
    assert_no_secret(html)
    assert pub.secret.code not in html


def test_signed_in_users_see_the_public_pages_with_a_workspace_link(client, pub, make_user, login):
    login(make_user(role="inspector"))
    html = text_of(client.get("/"))
    assert 'href="/workspace">工作台</a>' in html
    assert ">登录</a>" not in html


def test_home_shows_figures_by_kind_and_region_names(client, pub):
    html = main_of(text_of(client.get("/")))
    assert "已公开机构 5 个" in html
    assert re.search(r'href="/search\?kind=party_gov">党政机关</a></th><td class="text-end">3<', html)
    assert re.search(r'href="/search\?kind=institution">事业单位</a></th><td class="text-end">2<', html)
    assert re.search(r'href="/search\?region=330100">浙江省杭州市</a></th><td class="text-end">4<', html)
    assert "浙江省杭州市西湖区</a>" in html
    assert ">330106<" not in html
    for path in ("/organizations", "/contact", "/about"):
        assert f'href="{path}' in html


def test_unit_page_shows_the_snapshot(client, pub):
    html = main_of(text_of(client.get(f"/units/{pub.audit.code}")))
    assert "<h1 id=\"unit-heading\" class=\"h3 mb-1\">杭州市审计局</h1>" in html
    for text in ("市审计局", pub.audit.code, "党政机关", "正处级", "财政全额", "浙江省杭州市", "杭州市审计监督中心",
                 "加挂牌子", "财政审计处", "承担财政预算执行审计。", "行政编制", "工勤编制", "正职", "副职",
                 "杭编〔2019〕12号", "审计局三定规定", "公开日期", "第 1 版", "首次公开"):
        assert text in html, text
    # approved only: the actual headcount is not public by default (42 actual vs 40 approved)
    assert re.search(r"行政编制</th>\s*<td class=\"text-end\">40</td>\s*</tr>", html)
    assert "实有" not in html and ">42<" not in html
    assert "<caption>核定编制</caption>" in html and '<th scope="col">编制类别</th>' in html
    assert 'class="table-responsive"' in html


def test_unit_page_shows_actual_headcount_when_the_setting_allows(app, client, root_office, make_unit, publish):
    app.config["DISCLOSURE_SHOW_ACTUAL"] = True
    unit = make_unit("杭州市统计局", quotas={"administrative": (30, 27)})
    publish(unit)
    html = main_of(text_of(client.get(f"/units/{unit.code}")))
    assert re.search(r"行政编制</th>\s*<td class=\"text-end\">30</td>\s*<td class=\"text-end\">27</td>", html)


def test_unit_page_renders_markdown_sanitised(client, pub):
    html = main_of(text_of(client.get(f"/units/{pub.audit.code}")))
    assert "<li>第一项职责</li>" in html
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<img" not in html


def test_unit_page_links_a_public_parent(client, pub):
    html = main_of(text_of(client.get(f"/units/{pub.centre.code}")))
    assert f'<a href="/units/{pub.audit.code}">杭州市审计局</a>' in html
    assert "事业单位" in html and "公益一类" in html


def test_unit_page_never_names_a_classified_parent(client, pub):
    html = text_of(client.get(f"/units/{pub.orphan.code}"))
    assert "杭州市保障服务中心" in html
    assert "主管部门" not in main_of(html).split("公开沿革")[0]
    assert_no_secret(html)
    assert pub.secret.code not in html


def test_unit_page_hides_classified_fields(client, pub):
    html = text_of(client.get(f"/units/{pub.partly.code}"))
    assert "杭州市国防动员办公室" in html
    assert "主要职责" not in main_of(html) and "内设机构" not in main_of(html)
    assert_no_secret(html)


def test_unit_page_names_the_office_in_charge(client, pub):
    html = main_of(text_of(client.get(f"/units/{pub.xihu.code}")))
    assert "该机构由杭州市西湖区机构编制委员会办公室管理" in html
    assert 'href="/contact/330106"' in html


def test_unit_page_lists_the_public_history(client, pub, publish):
    registry.rename_unit(None, pub.xihu, {"new_name": "杭州市西湖区教育和体育局", "occurred_on": "2026-11-01"})
    db.session.commit()
    publish(pub.xihu)
    html = main_of(text_of(client.get(f"/units/{pub.xihu.code}")))
    assert "<h1 id=\"unit-heading\" class=\"h3 mb-1\">杭州市西湖区教育和体育局</h1>" in html
    assert "曾用名" in html
    history = html[html.index("公开沿革"):]
    assert "第 2 版" in history and "现行" in history and "第 1 版" in history
    assert "<td>杭州市西湖区教育局</td>" in history
    assert re.search(r"第 2 版.*?<td>名称、其他名称（加挂牌子、曾用名）</td>", history, re.DOTALL)


@pytest.mark.parametrize("which", ["draft", "secret", "partly_wrong_check", "garbage", "withdrawn", "abolished"])
def test_unit_page_404(client, pub, which):
    from disclosure import services
    from portal.registry.creditcode import CHARSET

    if which == "withdrawn":
        services.withdraw(None, services.current_publication(pub.xihu), "测试撤回", actor_name="测试管理员")
        db.session.commit()
        code = pub.xihu.code
    elif which == "abolished":
        registry.abolish_unit(None, pub.xihu, {"occurred_on": "2026-01-01", "summary": "机构改革"})
        db.session.commit()
        code = pub.xihu.code
    elif which == "partly_wrong_check":
        good = pub.partly.code
        code = good[:17] + next(c for c in CHARSET if c != good[17])
    elif which == "garbage":
        code = "<script>"
    else:
        code = getattr(pub, which).code
    response = client.get(f"/units/{code}")
    assert response.status_code == 404
    html = text_of(response)
    assert "页面不存在" in html and 'id="publicnav"' in html
    assert_no_secret(html)


def test_lower_case_code_redirects_to_the_canonical_page(client, make_unit, publish):
    from portal.registry.creditcode import make

    unit = make_unit("杭州市字母局", code=make("11330100MA2CDEFGH"))
    publish(unit)
    response = client.get(f"/units/{unit.code.lower()}")
    assert response.status_code == 301
    assert response.location.endswith(f"/units/{unit.code}")


# ---------------------------------------------------------------- tree

def test_tree_nests_children_under_their_public_parent(client, pub):
    html = main_of(text_of(client.get("/organizations")))
    assert re.search(r'<h2 class="h5" id="region-330100">浙江省杭州市 <span', html)
    audit = html.index(f'href="/units/{pub.audit.code}"')
    centre = html.index(f'href="/units/{pub.centre.code}"')
    between = html[audit:centre]
    assert between.count("<ul") == 1 and "</ul>" not in between   # the centre sits one level below
    assert "浙江省杭州市西湖区" in html
    assert ">330106<" not in html
    assert_no_secret(html)
    assert pub.secret.code not in html
    # the classified unit's child is a root of its region
    assert f'href="/units/{pub.orphan.code}"' in html


def test_tree_by_region(client, pub):
    html = main_of(text_of(client.get("/organizations?region=330106")))
    assert f'href="/units/{pub.xihu.code}"' in html
    assert f'href="/units/{pub.audit.code}"' not in html
    for bad in ("999999", "abc", "<b>"):
        response = client.get(f"/organizations?region={bad}")
        assert response.status_code == 200
        assert "该地区暂无公开的机构" in text_of(response)


def test_large_tree_asks_for_a_region(client, pub, monkeypatch):
    from disclosure.views import public

    monkeypatch.setattr(public, "TREE_INLINE_MAX", 2)
    html = main_of(text_of(client.get("/organizations")))
    assert "请选择一个地区浏览" in html
    assert 'href="/organizations?region=330106"' in html


# ---------------------------------------------------------------- offices

def test_contact_pages(client, pub):
    html = main_of(text_of(client.get("/contact")))
    assert "分级负责" in html and "12310" in html
    assert 'href="/contact/330100"' in html and 'href="/contact/330106"' in html
    html = main_of(text_of(client.get("/contact/330100")))
    for text in ("杭州市机构编制委员会办公室", "杭州市上城区解放东路18号", "0571-12310", "工作日 8:30-12:00",
                 "12310@hangzhou.example.cn", "浙江省杭州市已公开机构 4 个", "分级负责",
                 'href="/search?region=330100"', 'href="/contact/330106"'):
        assert text in html, text
    html = main_of(text_of(client.get("/contact/330106")))
    assert "浙江省杭州市西湖区已公开机构 1 个" in html
    assert "（未提供）" in html    # the district office gave no address


@pytest.mark.parametrize("code", ["999999", "33010", "abcdef", "330100x"])
def test_contact_page_404(client, pub, code):
    response = client.get(f"/contact/{code}")
    assert response.status_code == 404
    assert "未找到该地区的机构编制部门" in text_of(response)


# ---------------------------------------------------------------- sitemap and about

def test_sitemap_lists_public_units_with_absolute_urls(client, pub):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    xml = text_of(response)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    for unit in (pub.audit, pub.centre, pub.orphan, pub.partly, pub.xihu):
        assert re.search(rf"<url><loc>http://portal\.test/units/{unit.code}</loc><lastmod>\d{{4}}-\d\d-\d\dT[\d:]+\+00:00"
                         r"</lastmod></url>", xml)
    assert pub.draft.code not in xml and pub.secret.code not in xml
    assert "<loc>http://portal.test/about</loc>" in xml and "<loc>http://portal.test/contact/330106</loc>" in xml
    assert_no_secret(xml)


def test_large_sitemap_is_an_index_of_parts(app, client, pub):
    app.config["SITEMAP_MAX_URLS"] = 2
    xml = text_of(client.get("/sitemap.xml"))
    assert "<sitemapindex" in xml
    parts = re.findall(r"<loc>http://portal\.test(/sitemap-\d+\.xml)</loc>", xml)
    assert parts == ["/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-3.xml", "/sitemap-4.xml"]
    codes = set()
    for part in parts[1:]:
        codes |= set(re.findall(r"/units/(\w{18})</loc>", text_of(client.get(part))))
    assert codes == {pub.audit.code, pub.centre.code, pub.orphan.code, pub.partly.code, pub.xihu.code}
    assert client.get("/sitemap-5.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_about_page(client, pub):
    html = main_of(text_of(client.get("/about")))
    for text in ("主要职责", "内设机构及其职责", "核定编制", "领导职数", "涉密", "个人信息", "12310",
                 'href="/contact"', 'href="/api/v1/units"', 'href="/api/v1/downloads/units.csv"',
                 'href="/api/v1/downloads/units.json"', "实有人数目前不公开"):
        assert text in html, text


# ---------------------------------------------------------------- withdrawal and later classification

def _everywhere(client) -> str:
    return "".join(text_of(client.get(path)) for path in
                   ("/", "/organizations", "/organizations?region=330106", "/sitemap.xml", "/search",
                    "/search?q=西湖区教育局", "/search?region=330106", "/contact/330106"))


def test_withdrawn_unit_disappears_from_every_page_at_once(client, pub):
    from disclosure import services

    assert pub.xihu.code in _everywhere(client)
    services.withdraw(None, services.current_publication(pub.xihu), "测试撤回", actor_name="测试管理员")
    db.session.commit()
    pages = _everywhere(client)
    assert pub.xihu.code not in pages and "杭州市西湖区教育局" not in pages
    assert client.get(f"/units/{pub.xihu.code}").status_code == 404


def test_unit_marked_classified_later_disappears_everywhere(client, pub):
    assert pub.audit.code in _everywhere(client)
    registry.update_unit(None, pub.audit, {**_record(pub.audit), "is_classified": True})
    db.session.commit()
    pages = _everywhere(client)
    assert pub.audit.code not in pages and "杭州市审计局</a>" not in pages
    # its child stays public, at the top of its region, no longer naming it
    html = text_of(client.get(f"/units/{pub.centre.code}"))
    assert "杭州市审计局信息中心" in html and f"/units/{pub.audit.code}" not in html


def _record(unit) -> dict:
    from tests.disclosure.conftest import record_of

    return record_of(unit)


def test_child_of_a_withdrawn_parent_moves_to_the_top_of_its_region(client, pub):
    from disclosure import services

    services.withdraw(None, services.current_publication(pub.audit), "测试撤回", actor_name="测试管理员")
    db.session.commit()
    html = main_of(text_of(client.get("/organizations")))
    assert f'href="/units/{pub.audit.code}"' not in html
    region = html[html.index('id="region-330100"'):html.index('id="region-330106"')]
    top_level = re.search(r'<ul class="org-tree">(.*)</ul>', region, re.S).group(1)
    assert re.search(rf'^\s*<li><a href="/units/{pub.centre.code}">', top_level, re.M)
    # the unit page still names its parent (not classified) but no longer links it
    page = main_of(text_of(client.get(f"/units/{pub.centre.code}")))
    assert "杭州市审计局" in page and f'href="/units/{pub.audit.code}"' not in page
