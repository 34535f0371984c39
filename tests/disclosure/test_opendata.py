"""The open-data service functions (``disclosure.opendata``), without HTTP: list filling, a unit's public
record, the CSV/JSON exports in batches, the validators of freshness and input."""
from __future__ import annotations

import csv
import gc
import io
import json
import math
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.errors import NotFound
from portal.extensions import db
from portal.registry import services as registry
from portal.timeutil import as_utc, utcnow

from disclosure import opendata, services
from disclosure.search import SearchHit, SearchResult
from tests.conftest import credit_code
from tests.disclosure.conftest import record_of

OPINION = "经保密审查，同意公开。"


def unit_url(code: str) -> str:
    return f"https://open.example/api/v1/units/{code}"


def publish(*units):
    for unit in units:
        services.publish_now(None, unit, OPINION, actor_name="测试管理员")
    db.session.commit()


@pytest.fixture
def live(w):
    publish(w.audit_bureau, w.info_centre, w.education, w.xihu_unit)
    return w


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *_args, **_kwargs):
        self.count += 1


@pytest.fixture
def statements(app):
    counter = StatementCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


def csv_rows(chunks) -> list[dict]:
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


# ---------------------------------------------------------------- validators

@pytest.mark.parametrize("value, ok", [
    ("330100", True), ("999999", True), ("33010", False), ("3301000", False), ("33o100", False), ("", False),
    ("３３０１００", False), ("33 100", False), ("330100\n", False),
])
def test_region_must_be_six_ascii_digits(value, ok):
    assert (opendata.region_error(value) is None) is ok


def test_a_code_with_a_wrong_check_character_is_explained_in_chinese():
    code = credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert opendata.code_error(code) is None and opendata.code_error(code.lower()) is None
    assert "校验位" in opendata.code_error(wrong)
    assert "18位" in opendata.code_error("123")


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+86 12310", "'+86 12310"), ("-1", "'-1"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("杭州市=审计局", "杭州市=审计局"), ("", ""), (42, 42), (0, 0),
])
def test_csv_cells_that_look_like_formulas_are_quoted(value, expected):
    assert opendata.csv_cell(value) == expected


def test_last_modified_is_sent_only_once_its_second_has_settled():
    now = utcnow()
    assert opendata.http_last_modified(None) is None
    assert opendata.http_last_modified(now - timedelta(milliseconds=300), now) is None
    settled = now - opendata.SETTLE
    assert opendata.http_last_modified(settled, now) == settled
    assert opendata.http_last_modified(settled.replace(tzinfo=None), now) == settled   # SQLite: naive UTC


def test_public_fields_keep_only_the_listed_snapshot_keys():
    snapshot = {"schema": 1, "code": "X", "name": "甲", "review_opinion": "内部", "reviewed_by_name": "某人"}
    assert opendata.public_fields(snapshot) == {"name": "甲", "code": "X"}


# ---------------------------------------------------------------- a unit's record

def test_the_record_holds_the_public_snapshot_version_time_and_history(live):
    bureau = live.audit_bureau
    bureau.functions_md = "负责全市审计监督，新增职责。"
    db.session.commit()
    publish(bureau)
    record, published_at = opendata.unit_record(bureau.code.lower(), unit_url)
    assert record["code"] == bureau.code and record["name"] == "杭州市审计局"
    assert record["functions_md"] == "负责全市审计监督，新增职责。"
    assert record["version"] == 2 and record["url"] == unit_url(bureau.code)
    assert published_at is not None and record["published_at"] == as_utc(published_at).isoformat()
    assert [v["version"] for v in record["history"]] == [1]
    assert record["history"][0]["snapshot"]["functions_md"] == "负责全市审计监督。"
    assert "actual_total" not in record and all("actual" not in q for q in record["quotas"])
    assert "schema" not in record


def test_the_record_of_a_child_names_its_public_parent(live):
    record, _ = opendata.unit_record(live.info_centre.code, unit_url)
    assert record["parent"] == {"code": live.audit_bureau.code, "name": "杭州市审计局"}


def _withdraw(unit):
    services.withdraw(None, services.current_publication(unit), "测试撤回", actor_name="测试管理员")
    db.session.commit()


def _classify(w, unit):
    registry.update_unit(w.both, unit, record_of(unit, is_classified=True))
    db.session.commit()


def _abolish(w, unit):
    registry.abolish_unit(w.both, unit, {"occurred_on": "2026-11-01"})
    db.session.commit()


@pytest.mark.parametrize("how", ["unpublished", "withdrawn", "classified", "abolished"])
def test_a_unit_that_is_not_public_has_no_record_and_the_same_answer(w, how):
    unit = w.education
    if how != "unpublished":
        publish(unit)
        {"withdrawn": lambda: _withdraw(unit), "classified": lambda: _classify(w, unit),
         "abolished": lambda: _abolish(w, unit)}[how]()
    with pytest.raises(NotFound) as caught:
        opendata.unit_record(unit.code, unit_url)
    assert caught.value.message == opendata.NOT_PUBLIC and not caught.value.fields


@pytest.mark.parametrize("code", ["123", "11330100MB1234567", "11330100MB12345670I", "<script>", "11330100MB123456!A"])
def test_a_code_that_cannot_exist_is_not_found_saying_why(app, code):
    with pytest.raises(NotFound) as caught:
        opendata.unit_record(code, unit_url)
    assert caught.value.fields["code"] and caught.value.message != opendata.NOT_PUBLIC


def test_a_code_with_a_wrong_check_character_is_not_found(live):
    code = live.education.code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(NotFound) as caught:
        opendata.unit_record(wrong, unit_url)
    assert "校验位" in caught.value.fields["code"]


# ---------------------------------------------------------------- the list

def _result(*codes, total=None):
    hits = [SearchHit(code=c, name="", name_html="", short_name="", snippet_html="", kind="", level="",
                      region_code="", parent_code="", parent_name="", score=1.0) for c in codes]
    return SearchResult("", hits, len(codes) if total is None else total, 1, 20,
                        {"kind": [], "level": [], "region_code": [], "parent_code": []})


def test_items_follow_the_hit_order_and_come_from_the_database(live, monkeypatch):
    order = [live.xihu_unit.code, live.audit_bureau.code, live.info_centre.code]
    monkeypatch.setattr(opendata, "search_units", lambda *a, **k: _result(*order))
    page = opendata.unit_list(unit_url)
    assert [i["code"] for i in page["items"]] == order
    centre = page["items"][2]
    assert centre == {
        "code": live.info_centre.code, "name": "杭州市审计局信息中心", "short_name": "",
        "kind": {"code": "institution", "label": "事业单位"}, "level": None,
        "region": {"code": "330100", "name": "浙江省杭州市"},
        "parent": {"code": live.audit_bureau.code, "name": "杭州市审计局"},
        "published_at": centre["published_at"], "url": unit_url(live.info_centre.code),
    }
    assert page["items"][1]["level"] == {"code": "division", "label": "正处级"}


def test_a_hit_no_longer_public_in_the_database_is_not_shown(live, monkeypatch):
    """A stale index (or a withdrawal between the search and the fill) never shows a unit."""
    _withdraw(live.education)
    monkeypatch.setattr(opendata, "search_units", lambda *a, **k: _result(live.education.code, live.xihu_unit.code))
    assert [i["code"] for i in opendata.unit_list(unit_url)["items"]] == [live.xihu_unit.code]


def test_filling_a_page_takes_the_same_number_of_queries_whatever_its_size(live, make_unit, monkeypatch, statements):
    def run(codes):
        monkeypatch.setattr(opendata, "search_units", lambda *a, **k: _result(*codes))
        before = statements.count
        assert len(opendata.unit_list(unit_url)["items"]) == len(codes)
        return statements.count - before

    small = run([live.audit_bureau.code, live.info_centre.code])
    more = [make_unit(f"杭州市第{i}测试局", parent=live.audit_bureau) for i in range(12)]
    publish(*more)
    large = run([u.code for u in more] + [live.info_centre.code])
    assert large == small


def test_facets_name_only_parents_that_are_public(live, monkeypatch):
    result = _result(live.info_centre.code)
    result.facets = {"kind": [("institution", 1), ("bogus", 3)], "level": [], "region_code": [("330100", 1)],
                     "parent_code": [(live.audit_bureau.code, 1), (live.education.code, 2)]}
    monkeypatch.setattr(opendata, "search_units", lambda *a, **k: result)
    facets = opendata.unit_list(unit_url)["facets"]
    assert facets["kind"] == [{"code": "institution", "label": "事业单位", "count": 1}]
    assert facets["region"] == [{"code": "330100", "name": "浙江省杭州市", "count": 1}]
    assert facets["parent"] == [{"code": live.audit_bureau.code, "name": "杭州市审计局", "count": 1},
                                {"code": live.education.code, "name": "杭州市教育局", "count": 2}]
    _classify(live, live.education)
    facets = opendata.unit_list(unit_url)["facets"]
    assert [f["code"] for f in facets["parent"]] == [live.audit_bureau.code]


def test_the_list_searches_with_the_given_filters_and_pages(live):
    page = opendata.unit_list(unit_url, q="审计", sort="name", page=1, per_page=1)
    assert page["total"] == 2 and page["per_page"] == 1 and len(page["items"]) == 1
    assert opendata.unit_list(unit_url, region="330106")["total"] == 1
    far = opendata.unit_list(unit_url, page=10_000)
    assert far["items"] == [] and far["total"] == 4 and far["page"] == 10_000


# ---------------------------------------------------------------- downloads

def test_csv_has_a_bom_chinese_headers_and_one_row_per_public_unit(live):
    _withdraw(live.education)
    rows = csv_rows(opendata.csv_chunks(unit_url, batch=2))
    assert [r["统一社会信用代码"] for r in rows] == sorted([live.audit_bureau.code, live.info_centre.code,
                                                       live.xihu_unit.code])
    bureau = next(r for r in rows if r["单位名称"] == "杭州市审计局")
    assert bureau["简称"] == "市审计局" and bureau["机构规格"] == "正处级" and bureau["经费形式"] == "财政全额"
    assert bureau["行政编制（核定）"] == "40" and bureau["工勤编制（核定）"] == "3" and bureau["核定编制合计"] == "43"
    assert bureau["正职领导职数（核定）"] == "1" and bureau["副职领导职数（核定）"] == "3"
    assert bureau["其他名称（加挂牌子、曾用名）"] == "加挂牌子：杭州市审计监督中心"
    assert bureau["内设机构"] == "财政审计处"
    assert bureau["设立文件"] == "杭编〔2019〕12号《审计局三定规定》（2019-02-28）"
    assert bureau["详情链接"] == unit_url(live.audit_bureau.code) and bureau["公开版本"] == "1"
    centre = next(r for r in rows if r["单位名称"] == "杭州市审计局信息中心")
    assert centre["主管部门"] == "杭州市审计局" and centre["事业单位类别"] == "公益一类"
    assert not any("实有" in header for header in rows[0])


def test_actual_figures_are_columns_only_when_the_setting_publishes_them(app, w):
    app.config["DISCLOSURE_SHOW_ACTUAL"] = True
    publish(w.audit_bureau)
    rows = csv_rows(opendata.csv_chunks(unit_url))
    bureau = next(r for r in rows if r["单位名称"] == "杭州市审计局")
    assert bureau["行政编制（实有）"] == "42" and bureau["实有人数合计"] == "44"


def test_a_classified_field_is_an_empty_cell_and_absent_from_the_json(live):
    registry.update_unit(live.both, live.audit_bureau,
                         record_of(live.audit_bureau, classified_fields=["quotas", "other_names", "documents"]))
    db.session.commit()
    [bureau] = [r for r in csv_rows(opendata.csv_chunks(unit_url)) if r["单位名称"] == "杭州市审计局"]
    assert bureau["行政编制（核定）"] == bureau["核定编制合计"] == bureau["设立文件"] == ""
    assert "杭州市审计监督中心" not in json.dumps(bureau, ensure_ascii=False)
    [doc] = [d for d in json.loads(b"".join(opendata.json_chunks(unit_url))) if d["code"] == live.audit_bureau.code]
    assert not {"quotas", "approved_total", "other_names", "documents"} & set(doc)


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_json_is_an_array_of_unit_documents_whatever_the_batch(live, batch):
    docs = json.loads(b"".join(opendata.json_chunks(unit_url, batch=batch)).decode("utf-8"))
    assert [d["code"] for d in docs] == sorted(u.code for u in
                                               (live.audit_bureau, live.info_centre, live.education, live.xihu_unit))
    record, _ = opendata.unit_record(live.audit_bureau.code, unit_url)
    record.pop("history")
    assert docs[[d["code"] for d in docs].index(live.audit_bureau.code)] == record


def test_empty_exports_are_well_formed(app):
    assert json.loads(b"".join(opendata.json_chunks(unit_url))) == []
    assert csv_rows(opendata.csv_chunks(unit_url)) == []


def test_exports_read_in_batches_without_a_query_per_unit_nor_keeping_every_unit(live, make_unit, statements):
    publish(*[make_unit(f"杭州市批量测试{i}局", parent=live.audit_bureau) for i in range(30)])
    gc.collect()
    before = statements.count
    held = []
    for _row in opendata.public_rows(batch=5):
        gc.collect()
        held.append(len(db.session.identity_map))
    assert len(held) == 34
    # the ordered ids, then per batch its rows and one look-up of their parents
    assert statements.count - before <= 1 + 2 * math.ceil(34 / 5)
    # the session keeps the fixture's own units and about one batch, never all 34 units and publications
    assert max(held) < 34


# ---------------------------------------------------------------- freshness

def test_the_last_change_moves_with_a_withdrawal(live):
    first = opendata.last_change()
    _withdraw(live.education)
    assert opendata.last_change() > first


@pytest.mark.parametrize("change", ["withdraw", "publish", "classify_field", "classify_unit"])
def test_the_export_fingerprint_changes_with_the_public_data(live, make_unit, change):
    before = opendata.export_fingerprint("csv", "https://open.example/")
    assert opendata.export_fingerprint("csv", "https://open.example/") == before
    assert opendata.export_fingerprint("json", "https://open.example/") != before
    assert opendata.export_fingerprint("csv", "https://other.example/") != before
    if change == "withdraw":
        _withdraw(live.education)
    elif change == "publish":
        publish(make_unit("杭州市新公开局"))
    elif change == "classify_field":
        registry.update_unit(live.both, live.audit_bureau, record_of(live.audit_bureau, classified_fields=["functions"]))
        db.session.commit()
    else:
        _classify(live, live.education)
    assert opendata.export_fingerprint("csv", "https://open.example/") != before


def test_rows_withdrawn_while_the_export_runs_are_left_out(live):
    rows = opendata.public_rows(batch=1)
    first_code = next(rows)[1].code
    codes = sorted(u.code for u in (live.audit_bureau, live.info_centre, live.education, live.xihu_unit))
    later = next(u for u in (live.audit_bureau, live.info_centre, live.education, live.xihu_unit)
                 if u.code == codes[-1])
    _withdraw(later)
    assert [first_code] + [unit.code for _, unit in rows] == codes[:-1]


# ---------------------------------------------------------------- finished downloads kept on disk

def test_a_finished_download_is_kept_under_its_fingerprint(tmp_path):
    path = tmp_path / "opendata" / "units-abc.csv"
    assert b"".join(opendata.kept(iter([b"a,", b"b\r\n"]), path)) == b"a,b\r\n"
    assert path.read_bytes() == b"a,b\r\n"
    assert [p.name for p in path.parent.iterdir()] == ["units-abc.csv"]


def test_a_download_broken_off_or_failing_leaves_nothing(tmp_path):
    path = tmp_path / "units-abc.json"
    stream = opendata.kept(iter([b"[", b"1", b"]"]), path)
    assert next(stream) == b"["
    stream.close()                          # the client went away

    def failing():
        yield b"["
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        b"".join(opendata.kept(failing(), path))
    assert list(tmp_path.iterdir()) == []


def test_a_disk_that_cannot_keep_the_download_still_streams_it(tmp_path):
    (tmp_path / "blocked").write_text("a file where the directory should be")
    path = tmp_path / "blocked" / "units-abc.csv"
    assert b"".join(opendata.kept(iter([b"x", b"y"]), path)) == b"xy"
    assert not path.exists()


def test_only_the_newest_downloads_are_kept(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setattr(opendata, "KEEP_FILES", 2)
    old = time.time() - 7200
    for index, name in enumerate(["units-1.csv", "units-2.csv", "units-3.json", ".units-9.csv.dead.tmp"]):
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (old + index, old + index))
    b"".join(opendata.kept(iter([b"new"]), tmp_path / "units-4.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["units-2.csv", "units-3.json", "units-4.csv"]
