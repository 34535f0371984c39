"""Nothing classified and no personal data reaches anything public (issue 3, "Done means").

A classified unit, a child naming it as parent and a unit with every classifiable field marked classified
are put into the register, each secret carrying a unique marker string; everything is published from the
command line (as an administrator's bulk load would be); then every public surface — pages, search results,
suggestions and facets, the open-data API, the CSV/JSON downloads, the organisation tree, the sitemap — is
read and must carry none of the markers. Withdrawing a unit, or marking a published unit or field classified
afterwards, removes it from all of them at once.
"""
from __future__ import annotations

import json
from types import SimpleNamespace
from urllib.parse import quote, quote_plus, unquote

from markupsafe import escape

import pytest

from portal.extensions import db
from portal.registry import services as registry
from portal.registry.models import UnitName

from disclosure import services
from tests.disclosure.conftest import record_of

SECRET_NAME = "杭州市保密标记甲局"
SECRET_FUNCTIONS = "负责XQZSECRETFUNC相关工作"
FIELD_MARKERS = {
    "functions": "承担XQZFIELDFUNC的职责",
    "departments": "XQZFIELDDEPT处",
    "other_names": "XQZFIELDPLAQUE中心",
    "documents": "XQZFIELDDOC三定规定",
}
REVIEW_OPINION = "XQZOPINION经审查同意公开"
REVIEWER_NAME = "审核人XQZPERSON"

# every query the public might type to fish for the secrets
FISHING_QUERIES = [SECRET_NAME, "保密标记", "标记甲局", "XQZSECRETFUNC", "XQZSECRET", "bmbjjj", "甲局", *FIELD_MARKERS.values(),
                   "XQZFIELDFUNC", "XQZFIELDDEPT", "XQZFIELDPLAQUE", "XQZFIELDDOC", "XQZ", "XQZOPINION", "XQZPERSON"]


@pytest.fixture()
def city(root_office, make_unit, make_user, runner):
    c = SimpleNamespace()
    c.secret = make_unit(SECRET_NAME, short_name="标记甲局", functions_md=SECRET_FUNCTIONS, is_classified=True,
                         quotas={"administrative": (7, 7)})
    c.child = make_unit("杭州市公开乙中心", kind="institution", parent=c.secret, category="welfare_1",
                        functions_md="负责公开乙中心的日常工作。", quotas={"institutional": (5, 5)})
    c.partial = make_unit("杭州市部分公开局", functions_md=FIELD_MARKERS["functions"],
                          quotas={"administrative": (30, 28)}, posts={"chief": (1, 1)})
    registry.add_department(None, c.partial, {"name": FIELD_MARKERS["departments"], "functions_md": "内设机构职责",
                                              "posts": {"chief": [1, 1]}})
    registry.add_document(None, c.partial, {"doc_number": "杭编〔2020〕1号", "title": FIELD_MARKERS["documents"],
                                            "issued_on": "2020-01-01"})
    c.partial.other_names.append(UnitName(kind="plaque", name=FIELD_MARKERS["other_names"]))
    c.partial.classified_fields = list(FIELD_MARKERS)
    c.plain = make_unit("杭州市完全公开局", short_name="公开局", functions_md="负责完全公开局的全部职责。",
                        quotas={"administrative": (20, 20)})
    c.other = make_unit("杭州市另一公开局", functions_md="负责另一公开局的职责。")
    db.session.commit()
    c.admin = make_user("leakadmin", role="admin", display_name=REVIEWER_NAME)
    c.proposer = make_user("leakproposer", role="admin", display_name="提交人XQZPERSON")
    result = runner.invoke(args=["units", "publish", "--all"])
    assert result.exit_code == 0, result.output
    # one unit also goes through a user's review, so an opinion and a reviewer's name exist to leak
    c.plain.functions_md = "负责完全公开局的全部职责，并承担新增职责。"
    db.session.commit()
    [proposal] = services.propose(c.proposer, c.plain)
    services.approve(c.admin, proposal, REVIEW_OPINION)
    db.session.commit()
    return c


def _public_urls(client, codes: list[str]) -> list[str]:
    urls = ["/", "/search", "/search?sort=name", "/organizations", "/contact", "/contact/330100", "/sitemap.xml",
            "/about", "/announcements", "/api/v1/units", "/api/v1/units?per_page=100",
            "/api/v1/downloads/units.csv", "/api/v1/downloads/units.json"]
    urls += [f"/units/{code}" for code in codes] + [f"/api/v1/units/{code}" for code in codes]
    for q in FISHING_QUERIES:
        urls += [f"/search?q={quote(q)}", f"/api/v1/units?q={quote(q)}"]
    for facet in ("kind=party_gov", "kind=institution", "level=division", "region=330100"):
        urls += [f"/search?{facet}", f"/api/v1/units?{facet}"]
    return urls


def _bodies(client, urls: list[str]) -> dict[str, str]:
    """Each URL's body, with the query the visitor typed taken out (echoing it back is not a leak)."""
    bodies = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        body = response.get_data(as_text=True)
        if response.is_json:     # Chinese travels as \\u escapes in JSON: compare the decoded text
            body = json.dumps(response.get_json(), ensure_ascii=False)
        if "q=" in url:
            typed = unquote(url.split("q=", 1)[1].split("&", 1)[0])
            for form in (typed, str(escape(typed)), quote(typed), quote_plus(typed)):
                body = body.replace(form, "")
        bodies[url] = body
    return bodies


def _assert_absent(bodies: dict[str, str], *needles: str) -> None:
    for url, body in bodies.items():
        for needle in needles:
            assert needle not in body, f"{needle!r} leaked on {url}"


SECRETS = [SECRET_NAME, "标记甲局", "XQZ"]


def test_markers_appear_nowhere_public(client, city):
    public_codes = [city.child.code, city.partial.code, city.plain.code, city.other.code]
    bodies = _bodies(client, _public_urls(client, public_codes + [city.secret.code]))
    _assert_absent(bodies, *SECRETS, city.secret.code)
    # the public units themselves are there (the test looks in the right places)
    assert city.partial.name in bodies[f"/units/{city.partial.code}"]
    assert city.child.name in bodies["/organizations"] and city.plain.name in bodies["/api/v1/downloads/units.csv"]
    assert city.plain.name in bodies["/search"] and city.plain.name in bodies["/api/v1/units"]
    assert f"/units/{city.plain.code}" in client.get(f"/search?q={quote('完全公开局')}").get_data(as_text=True)
    assert client.get(f"/units/{city.secret.code}").status_code == 404
    assert client.get(f"/api/v1/units/{city.secret.code}").status_code == 404


def test_withdrawal_removes_a_unit_everywhere_at_once(client, city):
    codes = [city.plain.code, city.other.code]
    before = _bodies(client, _public_urls(client, codes))
    assert any(city.other.name in body for body in before.values())
    services.withdraw(city.admin, services.current_publication(city.other), "测试撤回")
    db.session.commit()
    after = _bodies(client, _public_urls(client, codes))
    _assert_absent(after, city.other.name, city.other.code)
    assert client.get(f"/units/{city.other.code}").status_code == 404


def test_classifying_a_published_unit_removes_it_everywhere(client, city):
    registry.update_unit(city.admin, city.other, record_of(city.other, is_classified=True))
    db.session.commit()
    bodies = _bodies(client, _public_urls(client, [city.plain.code, city.other.code]))
    _assert_absent(bodies, city.other.name, city.other.code)


def test_classifying_a_published_field_removes_it_everywhere(client, city):
    marker = "负责另一公开局的职责"
    assert marker in client.get(f"/units/{city.other.code}").get_data(as_text=True)
    registry.update_unit(city.admin, city.other, record_of(city.other, classified_fields=["functions"]))
    db.session.commit()
    bodies = _bodies(client, _public_urls(client, [city.other.code]) + [f"/search?q={quote('另一公开局的职责')}"])
    _assert_absent(bodies, marker)
    assert city.other.name in bodies[f"/units/{city.other.code}"]   # the unit itself stays public
