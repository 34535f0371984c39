"""The public open-data API over HTTP: ``/api/v1/units``, ``/api/v1/units/<code>``, the CSV/JSON downloads.

No login; public data only; nothing classified anywhere; revalidating clients see a withdrawal at once; CORS
open for GET; bad input is a Chinese 4xx, never a 500.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.registry import services as registry
from portal.registry.models import UnitName

from disclosure import services
from disclosure.models import Publication
from tests.conftest import STRONG_PASSWORD
from tests.disclosure.conftest import record_of

OPINION = "经保密审查，同意公开。"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
IS_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres")
BACKENDS = ["whoosh", "postgres"] if IS_POSTGRES else ["whoosh"]

SECRET_NAME = "杭州市接口保密甲局"
MARKERS = {     # each secret carries a unique marker string
    "unit_functions": "负责QJXSECRETUNIT相关工作",
    "functions": "承担QJXFIELDFUNC的职责",
    "departments": "QJXFIELDDEPT处",
    "other_names": "QJXFIELDPLAQUE中心",
    "documents": "QJXFIELDDOC三定规定",
    "opinion": "QJXOPINION经审查同意公开",
}


def publish(*units, opinion: str = OPINION):
    for unit in units:
        services.publish_now(None, unit, opinion, actor_name="测试管理员")
    db.session.commit()


def withdraw(unit):
    services.withdraw(None, services.current_publication(unit), "测试撤回", actor_name="测试管理员")
    db.session.commit()


def age_publications(hours: int = 1):
    """Move every publication's times into the past (so their Last-Modified has settled)."""
    for publication in db.session.execute(select(Publication)).scalars():
        for name in ("proposed_at", "reviewed_at", "withdrawn_at"):
            value = getattr(publication, name)
            if value is not None:
                setattr(publication, name, value - timedelta(hours=hours))
    db.session.commit()


class BufferedClient(FlaskClient):
    """Reads each response whole and closes it at once (a kept download is an open file until closed)."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = BufferedClient
    return app.test_client()


@pytest.fixture(params=BACKENDS)
def backend(request, app, tmp_path):
    """Search with one backend over its own empty index (both backends on PostgreSQL)."""
    app.config["SEARCH_BACKEND"] = request.param
    app.config["DATA_DIR"] = str(tmp_path / "data")
    if request.param == "postgres":
        from disclosure.search import pg

        db.session.execute(pg.table.delete())
        db.session.commit()
    return request.param


@pytest.fixture
def live(w):
    publish(w.audit_bureau, w.info_centre, w.education, w.xihu_unit)
    return w


@pytest.fixture
def secrets(w, make_unit, runner):
    """A classified unit (with a public child naming it), a unit with every classifiable field classified,
    each secret with a marker; everything published from the command line, one unit by a reviewer."""
    s = SimpleNamespace()
    s.secret = make_unit(SECRET_NAME, short_name="接口甲局", functions_md=MARKERS["unit_functions"],
                         is_classified=True)
    s.child = make_unit("杭州市接口乙中心", kind="institution", parent=s.secret, category="welfare_1")
    s.partial = make_unit("杭州市接口部分公开局", functions_md=MARKERS["functions"],
                          quotas={"administrative": (30, 28)}, posts={"chief": (1, 1)})
    registry.add_department(None, s.partial, {"name": MARKERS["departments"], "functions_md": "内设机构职责"})
    registry.add_document(None, s.partial, {"doc_number": "杭编〔2020〕1号", "title": MARKERS["documents"],
                                            "issued_on": "2020-01-01"})
    s.partial.other_names.append(UnitName(kind="plaque", name=MARKERS["other_names"]))
    s.partial.classified_fields = ["functions", "departments", "other_names", "documents"]
    db.session.commit()
    result = runner.invoke(args=["units", "publish", "--all"])
    assert result.exit_code == 0, result.output
    w.education.functions_md = "负责全市教育工作。"
    db.session.commit()
    services.publish_now(None, w.education, MARKERS["opinion"], actor_name="审核人QJXPERSON")
    db.session.commit()
    s.w = w
    return s


def text_of(response) -> str:
    """The body as text, JSON with its escapes undone (``\\u676d`` would hide a Chinese marker)."""
    if response.mimetype == "application/json" and response.data:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and CHINESE.search(error["message"])
    return error


# ---------------------------------------------------------------- the list

def test_the_list_is_a_page_envelope_of_public_units(client, backend, live):
    response = client.get("/api/v1/units")
    assert response.status_code == 200
    body = response.get_json()
    assert {"items", "total", "page", "per_page"} <= set(body)
    assert (body["total"], body["page"], body["per_page"]) == (4, 1, 20)
    assert {i["code"] for i in body["items"]} == {u.code for u in (live.audit_bureau, live.info_centre,
                                                                   live.education, live.xihu_unit)}
    item = next(i for i in body["items"] if i["code"] == live.info_centre.code)
    assert set(item) == {"code", "name", "short_name", "kind", "level", "region", "parent", "published_at", "url"}
    assert item["kind"] == {"code": "institution", "label": "事业单位"}
    assert item["region"] == {"code": "330100", "name": "浙江省杭州市"}
    assert item["parent"] == {"code": live.audit_bureau.code, "name": "杭州市审计局"}
    assert client.get(item["url"]).get_json()["name"] == "杭州市审计局信息中心"
    assert {f["code"]: f["count"] for f in body["facets"]["kind"]} == {"party_gov": 3, "institution": 1}


def test_the_list_searches_filters_sorts_and_pages(client, backend, live):
    first = client.get(f"/api/v1/units?q={quote('审计')}&sort=name&per_page=1").get_json()
    assert first["total"] == 2 and len(first["items"]) == 1
    second = client.get(f"/api/v1/units?q={quote('审计')}&sort=name&per_page=1&page=2").get_json()
    assert {first["items"][0]["code"], second["items"][0]["code"]} == {live.audit_bureau.code, live.info_centre.code}
    assert [i["code"] for i in client.get("/api/v1/units?region=330106").get_json()["items"]] == [live.xihu_unit.code]
    assert client.get("/api/v1/units?kind=institution").get_json()["total"] == 1
    assert client.get("/api/v1/units?kind=事业单位").get_json()["total"] == 1
    assert client.get("/api/v1/units?level=division").get_json()["total"] == 1
    assert client.get(f"/api/v1/units?parent={live.audit_bureau.code.lower()}").get_json()["total"] == 1
    assert client.get("/api/v1/units?region=110101").get_json() | {"facets": None} == {
        "items": [], "total": 0, "page": 1, "per_page": 20, "facets": None, "suggestions": []}


def test_a_page_past_the_end_is_empty_with_the_right_total(client, backend, live):
    body = client.get("/api/v1/units?page=10000&per_page=100").get_json()
    assert body["items"] == [] and body["total"] == 4 and body["page"] == 10000 and body["per_page"] == 100


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=x", "page"), ("page=-1", "page"), ("page=1.5", "page"), ("page=" + "9" * 40, "page"),
    ("per_page=0", "per_page"), ("per_page=10000", "per_page"), ("per_page=101", "per_page"), ("per_page=abc", "per_page"),
    ("kind=ministry", "kind"), ("level=emperor", "level"),
    ("region=12", "region"), ("region=abcdef", "region"), ("region=3301000", "region"), ("region=33010０", "region"),
    ("region=330100%0A", "region"),
    ("parent=123", "parent"), ("parent=11330100MB1234567I", "parent"), ("sort=random", "sort"),
])
def test_bad_parameters_are_a_422_in_chinese(client, live, query, field):
    error = error_of(client.get(f"/api/v1/units?{query}"), 422)
    assert error["code"] == "invalid" and list(error["fields"]) == [field]
    assert CHINESE.search(error["fields"][field])


def test_a_parent_code_with_a_wrong_check_character_says_so(client, live):
    code = live.audit_bureau.code
    error = error_of(client.get(f"/api/v1/units?parent={code[:-1]}{'0' if code[-1] != '0' else '1'}"), 422)
    assert "校验位" in error["fields"]["parent"]


def test_unknown_and_empty_parameters_change_nothing(client, live):
    everything = client.get("/api/v1/units").get_json()
    assert client.get("/api/v1/units?foo=bar&fields=secret&kind=&level=&region=&parent=&q=&page=&per_page=").get_json() \
        == everything


@pytest.mark.parametrize("q", [
    "审" * 1000, "杭州市审计局" * 200, "！？。，、…【】《》", "!@#$%^&*()_+-=[]{};':\",./<>?\\|`~", "AND", "OR NOT",
    "*", "审计*", "?", "name:", "field:", "code:*", "functions_md:QJX", "name:审计 OR kind:institution", "(", ")",
    '"', "\"审计", "审计 AND", "AND 审计", "NOT 审计", "审计~2", "^2", "[a TO z]", "{}", "\x00", "%", "　",
])
def test_any_query_text_is_a_200_with_plain_text_results(client, backend, live, q):
    response = client.get(f"/api/v1/units?q={quote(q)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["total"] == len(body["items"]) and body["total"] <= 4


def test_query_syntax_is_read_as_words(client, backend, live):
    """``AND`` is a word to look for (nothing has it), never an operator; ``field:`` reaches no field;
    punctuation around a word is dropped, so ``*`` is no wildcard."""
    for q in ("审计*", '"审计"', "审计！", "（审计）"):
        codes = [i["code"] for i in client.get(f"/api/v1/units?q={quote(q)}").get_json()["items"]]
        assert live.audit_bureau.code in codes, q
    assert client.get(f"/api/v1/units?q={quote('审计 AND 教育')}").get_json()["total"] == 0
    assert client.get(f"/api/v1/units?q={quote('kind:institution')}").get_json()["total"] == 0
    # punctuation alone holds no word: it lists what an empty query lists
    assert client.get("/api/v1/units?q=*").get_json()["total"] == client.get("/api/v1/units").get_json()["total"] == 4


# ---------------------------------------------------------------- a unit

def test_a_unit_is_its_public_snapshot_with_time_version_and_history(client, live):
    bureau = live.audit_bureau
    bureau.functions_md = "负责全市审计监督，新增职责。"
    db.session.commit()
    publish(bureau)
    response = client.get(f"/api/v1/units/{bureau.code}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "杭州市审计局" and body["version"] == 2 and body["functions_md"].endswith("新增职责。")
    assert body["quotas"] == [{"category": {"code": "administrative", "label": "行政编制"}, "approved": 40},
                              {"category": {"code": "logistics", "label": "工勤编制"}, "approved": 3}]
    assert body["departments"][0]["name"] == "财政审计处"
    assert body["other_names"] == [{"kind": {"code": "plaque", "label": "加挂牌子"}, "name": "杭州市审计监督中心"}]
    assert [(h["version"], h["snapshot"]["functions_md"]) for h in body["history"]] == [(1, "负责全市审计监督。")]
    assert body["published_at"].endswith("+00:00")
    assert client.get(f"/api/v1/units/{bureau.code.lower()}").get_json() == body


def test_a_unit_in_the_json_download_is_its_detail_without_history(client, live):
    detail = client.get(f"/api/v1/units/{live.audit_bureau.code}").get_json()
    detail.pop("history")
    [download] = [d for d in client.get("/api/v1/downloads/units.json").get_json()
                  if d["code"] == live.audit_bureau.code]
    assert download == detail


@pytest.mark.parametrize("how", ["unpublished", "withdrawn", "classified", "abolished"])
def test_a_unit_not_public_is_a_404_and_absent_everywhere(client, live, make_unit, how):
    unit = make_unit("杭州市待公开局") if how == "unpublished" else live.education
    if how == "withdrawn":
        withdraw(unit)
    elif how == "classified":
        registry.update_unit(live.both, unit, record_of(unit, is_classified=True))
        db.session.commit()
    elif how == "abolished":
        registry.abolish_unit(live.both, unit, {"occurred_on": "2026-11-01"})
        db.session.commit()
    error = error_of(client.get(f"/api/v1/units/{unit.code}"), 404)
    assert error["code"] == "not_found" and unit.name not in json.dumps(error, ensure_ascii=False)
    for url in ("/api/v1/units?per_page=100", f"/api/v1/units?q={quote(unit.name)}",
                "/api/v1/downloads/units.csv", "/api/v1/downloads/units.json"):
        body = text_of(client.get(url))
        assert unit.code not in body and unit.name not in body, url


@pytest.mark.parametrize("code", ["123", "not-a-code", "11330100MB1234567I", "%3Cscript%3E", "1" * 300])
def test_a_code_that_cannot_exist_is_a_404_saying_why(client, app, code):
    error = error_of(client.get(f"/api/v1/units/{code}"), 404)
    assert error["code"] == "not_found" and error["fields"]["code"]


def test_a_code_with_a_wrong_check_character_is_a_404_saying_so(client, live):
    code = live.education.code
    error = error_of(client.get(f"/api/v1/units/{code[:-1]}{'0' if code[-1] != '0' else '1'}"), 404)
    assert "校验位" in error["message"]


# ---------------------------------------------------------------- downloads

def test_the_csv_opens_in_excel_and_parses(client, live):
    response = client.get("/api/v1/downloads/units.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["统一社会信用代码", "单位名称"]
    assert sorted(r[0] for r in rows[1:]) == sorted(u.code for u in (live.audit_bureau, live.info_centre,
                                                                     live.education, live.xihu_unit))


def test_csv_cells_cannot_be_formulas(client, w, make_unit):
    publish(make_unit("杭州市公式测试局", short_name="=HYPERLINK(\"http://x\",\"点我\")", functions_md="+86 12310\n-1"),
            make_unit("@杭州市某某局", short_name="-1+1"))
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/downloads/units.csv").data.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c and c[0] in "=+-@"]
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in cells and "'@杭州市某某局" in cells and "'+86 12310\n-1" in cells


def test_the_json_download_is_an_array_of_public_units(client, live):
    response = client.get("/api/v1/downloads/units.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    docs = json.loads(response.data)
    assert isinstance(docs, list) and len(docs) == 4 and all("history" not in d for d in docs)


@pytest.mark.parametrize("url", ["/api/v1/downloads/units.csv", "/api/v1/downloads/units.json"])
def test_head_of_a_download_gives_its_headers_without_building_it(client, live, url):
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"] and head.headers["Content-Type"] == get.headers["Content-Type"]


@pytest.fixture
def own_data_dir(app, tmp_path):
    """A data directory of this test only (the kept downloads live there)."""
    app.config["DATA_DIR"] = str(tmp_path)
    return tmp_path


@pytest.mark.parametrize("url", ["/api/v1/downloads/units.csv", "/api/v1/downloads/units.json"])
def test_a_download_is_built_once_then_served_from_the_kept_file(client, own_data_dir, live, monkeypatch, url):
    first = client.get(url)
    [kept] = (own_data_dir / "opendata").iterdir()
    assert kept.read_bytes() == first.data and first.headers["ETag"].strip('"') in kept.name

    def no_database_work(*_args, **_kwargs):
        raise AssertionError("the kept file should have been served")

    monkeypatch.setattr("disclosure.opendata.public_rows", no_database_work)
    second = client.get(url)
    assert second.status_code == 200 and second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"] and second.headers["Cache-Control"] == "no-cache"
    assert int(second.headers["Content-Length"]) == len(first.data)
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    part = client.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == first.data[:10]
    beyond = client.get(url, headers={"Range": "bytes=999999-"})
    assert beyond.status_code == 416 and beyond.get_json()["error"]


def test_a_withdrawal_builds_a_new_file(client, own_data_dir, live):
    before = client.get("/api/v1/downloads/units.csv")
    assert live.education.code in before.get_data(as_text=True)
    withdraw(live.education)
    after = client.get("/api/v1/downloads/units.csv")
    assert after.headers["ETag"] != before.headers["ETag"] and live.education.code not in after.get_data(as_text=True)
    assert len(list((own_data_dir / "opendata").glob("units-*.csv"))) == 2


def test_a_download_broken_off_keeps_no_file(client, own_data_dir, live, monkeypatch):
    monkeypatch.setattr("disclosure.opendata.BATCH", 1)
    response = client.get("/api/v1/downloads/units.json", buffered=False)
    assert next(iter(response.response))
    response.close()
    assert list((own_data_dir / "opendata").iterdir()) == []
    assert len(client.get("/api/v1/downloads/units.json").get_json()) == 4


# ---------------------------------------------------------------- nothing classified, anywhere

def _api_urls(codes):
    urls = ["/api/v1/units", "/api/v1/units?per_page=100", "/api/v1/units?sort=name&per_page=100",
            "/api/v1/downloads/units.csv", "/api/v1/downloads/units.json"]
    urls += [f"/api/v1/units/{code}" for code in codes]
    for q in [SECRET_NAME, "接口甲局", "保密甲局", "QJX", "QJXSECRETUNIT", "QJXFIELDFUNC", "QJXFIELDDEPT",
              "QJXFIELDPLAQUE", "QJXFIELDDOC", "QJXOPINION", "QJXPERSON", "hzsjkbmjj", *MARKERS.values(),
              "functions_md:QJX", "other_names:QJX"]:
        urls.append(f"/api/v1/units?q={quote(q)}")
    for facet in ("kind=party_gov", "kind=institution", "region=330100", "level=division"):
        urls.append(f"/api/v1/units?{facet}&per_page=100")
    return urls


def test_classified_units_and_fields_appear_nowhere_in_the_api(client, backend, secrets):
    public = [secrets.child, secrets.partial, secrets.w.education, secrets.w.audit_bureau]
    bodies = {}
    for url in _api_urls([u.code for u in public] + [secrets.secret.code]):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        bodies[url] = text_of(response)
    for url, body in bodies.items():
        for needle in [SECRET_NAME, "接口甲局", "QJX", secrets.secret.code]:
            assert needle not in body, f"{needle!r} leaked on {url}"
    # and the test looked in the right places
    assert "杭州市接口部分公开局" in bodies[f"/api/v1/units/{secrets.partial.code}"]
    assert "杭州市接口乙中心" in bodies["/api/v1/downloads/units.csv"]
    assert "杭州市接口部分公开局" in bodies["/api/v1/downloads/units.json"]
    child = json.loads(bodies[f"/api/v1/units/{secrets.child.code}"])
    assert "parent" not in child
    assert client.get(f"/api/v1/units/{secrets.secret.code}").status_code == 404


def test_a_field_classified_after_publication_leaves_the_api_at_once(client, live):
    marker = "负责全市审计监督"
    assert marker in text_of(client.get("/api/v1/downloads/units.json"))
    registry.update_unit(live.both, live.audit_bureau, record_of(live.audit_bureau, classified_fields=["functions"]))
    db.session.commit()
    for url in (f"/api/v1/units/{live.audit_bureau.code}", "/api/v1/downloads/units.csv",
                "/api/v1/downloads/units.json", f"/api/v1/units?q={quote(marker)}"):
        assert marker not in text_of(client.get(url)), url


# ---------------------------------------------------------------- caching

@pytest.mark.parametrize("url", ["/api/v1/units", "/api/v1/units?q=%E5%AE%A1%E8%AE%A1", "UNIT",
                                 "/api/v1/downloads/units.csv", "/api/v1/downloads/units.json"])
def test_every_answer_has_validators_and_makes_clients_revalidate(client, live, url):
    url = f"/api/v1/units/{live.education.code}" if url == "UNIT" else url
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    etag, is_weak = response.get_etag()
    assert etag and not is_weak
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == response.headers["ETag"] and again.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/units", "/api/v1/units?per_page=100", "/api/v1/downloads/units.csv",
                                 "/api/v1/downloads/units.json"])
def test_a_unit_withdrawn_after_a_client_cached_the_list_gets_it_a_fresh_answer(client, live, url):
    age_publications(hours=3)
    cached = client.get(url)
    assert live.education.code in cached.get_data(as_text=True)
    last_modified = cached.headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    withdraw(live.education)
    for headers in ({"If-None-Match": cached.headers["ETag"]}, {"If-Modified-Since": last_modified},
                    {"If-None-Match": cached.headers["ETag"], "If-Modified-Since": last_modified}):
        fresh = client.get(url, headers=headers)
        assert fresh.status_code == 200, headers
        assert fresh.headers["ETag"] != cached.headers["ETag"]
        assert live.education.code not in fresh.get_data(as_text=True)
    age_publications()   # once the withdrawal has settled, it is the new Last-Modified
    settled = client.get(url)
    assert settled.headers["Last-Modified"] != last_modified
    assert client.get(url, headers={"If-Modified-Since": settled.headers["Last-Modified"]}).status_code == 304


def test_a_unit_withdrawn_after_a_client_cached_it_is_a_404(client, live):
    url = f"/api/v1/units/{live.education.code}"
    cached = client.get(url)
    withdraw(live.education)
    assert client.get(url, headers={"If-None-Match": cached.headers["ETag"]}).status_code == 404


def test_a_classification_changes_the_list_validators(client, live):
    cached = client.get("/api/v1/units")
    registry.update_unit(live.both, live.info_centre, record_of(live.info_centre, is_classified=True))
    db.session.commit()
    fresh = client.get("/api/v1/units", headers={"If-None-Match": cached.headers["ETag"]})
    assert fresh.status_code == 200 and live.info_centre.code not in fresh.get_data(as_text=True)


def test_a_change_in_the_current_second_sends_no_last_modified_yet(client, live, monkeypatch):
    """A Last-Modified date has one-second resolution: until its second has passed the ETag alone validates."""
    from disclosure import opendata

    changed = opendata.last_change()
    monkeypatch.setattr(opendata, "utcnow", lambda: changed + timedelta(milliseconds=300))
    response = client.get("/api/v1/units")
    assert "Last-Modified" not in response.headers and response.headers["ETag"]
    monkeypatch.setattr(opendata, "utcnow", lambda: changed + opendata.SETTLE)
    assert client.get("/api/v1/units").last_modified == changed.replace(microsecond=0)


# ---------------------------------------------------------------- who is calling changes nothing; CORS

def test_a_session_or_a_token_changes_nothing(client, live, login):
    anonymous = client.get("/api/v1/units?per_page=100")
    with_bad_token = client.get("/api/v1/units?per_page=100", headers={"Authorization": "Bearer nonsense"})
    assert with_bad_token.status_code == 200 and with_bad_token.headers["ETag"] == anonymous.headers["ETag"]
    login(live.both, STRONG_PASSWORD)
    signed_in = client.get("/api/v1/units?per_page=100")
    assert signed_in.get_json() == anonymous.get_json() and signed_in.headers["ETag"] == anonymous.headers["ETag"]
    assert client.get(f"/api/v1/units/{live.education.code}").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/units", "/api/v1/units?page=0", "UNIT", "/api/v1/units/123",
                                 "/api/v1/downloads/units.csv", "/api/v1/downloads/units.json"])
def test_cors_is_open_for_get_on_answers_and_errors(client, live, url):
    url = f"/api/v1/units/{live.education.code}" if url == "UNIT" else url
    response = client.get(url, headers={"Origin": "https://data.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("url", ["/api/v1/units", "/api/v1/units/11330100MB1234567A", "/api/v1/downloads/units.csv"])
def test_a_preflight_allows_get_without_credentials(client, app, url):
    response = client.options(url, headers={"Origin": "https://data.example.org",
                                            "Access-Control-Request-Method": "GET",
                                            "Access-Control-Request-Headers": "If-None-Match"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"].split(", ")
    assert "POST" not in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_the_api_is_read_only(client, live):
    assert client.post("/api/v1/units", json={}).status_code == 405
    assert client.delete(f"/api/v1/units/{live.education.code}").status_code == 405


# ---------------------------------------------------------------- documentation

def test_the_openapi_document_describes_the_public_api(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/units", "/api/v1/units/{code}", "/api/v1/downloads/units.csv",
                 "/api/v1/downloads/units.json"):
        assert "get" in spec["paths"][path], path
        assert "security" not in spec["paths"][path]["get"]
    listing = spec["paths"]["/api/v1/units"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"q", "kind", "level", "region", "parent", "sort", "page",
                                                          "per_page"}
    assert {"200", "304", "422"} <= set(listing["responses"])
    assert "text/csv" in spec["paths"]["/api/v1/downloads/units.csv"]["get"]["responses"]["200"]["content"]
    assert "PublicUnitDetail" in spec["components"]["schemas"]
