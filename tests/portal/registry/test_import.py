"""``units import``: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX, English or Chinese headers, every
bad input reported with spreadsheet row numbers, and nothing imported when any row is wrong."""
from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import event_body
from portal.cli import cli_actor_name
from portal.extensions import db
from portal.registry import importer
from portal.registry.models import Unit
from tests.conftest import credit_code

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_CSV = ROOT / "docs" / "samples" / "units-sample.csv"
SAMPLE_XLSX = ROOT / "docs" / "samples" / "units-sample.xlsx"
FORMAT_DOC = ROOT / "docs" / "import-format.md"
DATA = Path(__file__).resolve().parent / "data"

HEAD = ["code", "name", "kind", "region", "parent_code", "administrative_approved", "administrative_actual"]


def unit_count() -> int:
    return db.session.scalar(select(func.count(Unit.id)))


def unit_named(name: str) -> Unit:
    return db.session.execute(select(Unit).where(Unit.name == name)).scalar_one()


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def row(name: str = "杭州市测试局", *, code: str | None = None, kind: str = "党政机关", region: str = "330100",
        parent: str = "", approved="10", actual="9") -> list:
    return [code or credit_code(), name, kind, region, parent, approved, actual]


def csv_bytes(rows: list[list], header: list[str] = HEAD, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def sample_text(chinese_headers: bool = False) -> str:
    text = SAMPLE_CSV.read_text(encoding="utf-8")
    if chinese_headers:
        header, rest = text.split("\n", 1)
        text = ",".join(importer.COLUMNS_BY_KEY[key].header for key in header.split(",")) + "\n" + rest
    return text


@pytest.fixture()
def run(runner, tmp_path):
    """``run(content_bytes, name, *options)`` writes the file and runs ``units import`` on it."""

    def do(content: bytes, name: str = "units.csv", *options: str):
        path = tmp_path / name
        path.write_bytes(content)
        return runner.invoke(args=["units", "import", str(path), *options])

    return do


def assert_failed(result, *fragments: str, before: int = 0) -> None:
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert "Traceback" not in result.output
    db.session.rollback()
    assert unit_count() == before


# ---------------------------------------------------------------- the sample and its variants

def test_sample_csv_imports_with_parents_plaques_and_audit(app, runner, root_office):
    result = runner.invoke(args=["units", "import", str(SAMPLE_CSV)])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 12 个，更新 0 个" in result.output
    assert unit_count() == 12

    centre = unit_named("杭州市人防指挥信息保障中心")
    assert centre.parent.name == "杭州市人民防空办公室"
    assert (centre.kind, centre.category, centre.funding, centre.level) == ("institution", "welfare_1", "full", "section")
    assert centre.classified_fields == ["departments", "functions"]
    assert unit_named("杭州市机关事务保障中心").is_civil_service_managed is True
    renfang = unit_named("杭州市人民防空办公室")
    assert [(n.kind, n.name) for n in renfang.other_names] == [("plaque", "杭州市民防局")]
    assert [e.kind for e in renfang.events] == ["established"]
    affairs = unit_named("杭州市机关事务管理局")
    assert {q.category: (q.approved, q.actual, q.excess) for q in affairs.quotas} == {
        "administrative": (45, 48, 3), "logistics": (20, 18, 0)}
    assert affairs.is_over_posts
    assert "（二）负责市级机关办公用房" in affairs.functions_md
    assert unit_named("中共杭州市委保密委员会办公室").is_classified is True
    district = unit_named("杭州市拱墅区司法局")
    assert (district.region_code, district.office_id) == ("330105", root_office.id)  # no district office: the root

    creates = events("unit.create")
    assert len(creates) == 12 and {e.actor_name for e in creates} == {cli_actor_name()}
    [summary] = events("units.import")
    details = event_body(summary)["details"]
    assert details["file"] == "units-sample.csv"
    assert details["sha256"] == hashlib.sha256(SAMPLE_CSV.read_bytes()).hexdigest()
    assert (details["created"], details["updated"], details["rows"]) == (12, 0, 12)
    assert summary.actor_name == cli_actor_name()


def test_sample_xlsx_holds_the_same_rows_as_the_csv(app):
    from_csv = importer.parse_file(SAMPLE_CSV)
    from_xlsx = importer.parse_file(SAMPLE_XLSX)
    assert from_xlsx.rows == from_csv.rows
    assert not from_csv.errors and not from_xlsx.errors


def test_sample_xlsx_imports(app, runner):
    result = runner.invoke(args=["units", "import", str(SAMPLE_XLSX)])
    assert result.exit_code == 0, result.output
    assert "新增 12 个" in result.output
    assert unit_named("杭州市园林绿化发展中心").parent.name == "杭州西湖风景名胜区管理委员会"


def test_row_numbers_count_records_not_lines(app):
    """A cell with line breaks is one spreadsheet row: the next unit is still row 5."""
    parsed = importer.parse_file(SAMPLE_CSV)
    numbers = {values["name"]: number for number, values in parsed.rows}
    assert numbers["杭州市机关事务管理局"] == 4
    assert numbers["杭州市机关事务保障中心"] == 5
    assert SAMPLE_CSV.read_text(encoding="utf-8").count("\n") > 13  # the file has more lines than rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("chinese_headers", [False, True], ids=["english", "chinese"])
def test_encodings_and_header_languages(app, run, encoding, chinese_headers):
    content = sample_text(chinese_headers).encode(encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    result = run(content, "units.csv")
    assert result.exit_code == 0, result.output
    assert "新增 12 个" in result.output
    assert unit_named("杭州市红十字会").quotas[0].actual == 16


def test_gb18030_file_as_chinese_excel_saves_it(app, runner):
    path = DATA / "units-gb18030.csv"
    assert path.read_bytes().count(b"\r\n") == 4
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 3 个" in result.output
    assert unit_named("杭州市人防指挥信息保障中心").parent.name == "杭州市人民防空办公室"


def test_xlsx_with_numbers_dates_and_blank_rows(app, run):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Name", "KIND", "region", "established_on", "administrative_approved",
                  "administrative_actual", "classified", None])
    sheet.append([credit_code(), "杭州市测试一局", "党政机关", 330100, datetime(2020, 5, 6), 12, 11.0, True, None])
    sheet.append([None] * 9)
    sheet.append([credit_code(), "杭州市测试二局", "群团机关", "330106", "2021-01-02", "8", "8", "否", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(buffer.getvalue(), "units.xlsx")
    assert result.exit_code == 0, result.output
    first = unit_named("杭州市测试一局")
    assert (first.region_code, str(first.established_on), first.is_classified) == ("330100", "2020-05-06", True)
    assert (first.quotas[0].approved, first.quotas[0].actual) == (12, 11)
    assert unit_named("杭州市测试二局").is_classified is False


def test_headers_are_matched_after_stripping_spaces_bom_and_case(app):
    content = "\ufeff Code ,单位 名称,机构类型*,REGION\n{},杭州市测试局,党政机关,330100\n".format(credit_code())
    parsed = importer.parse_file(content.encode("utf-8"), "units.csv")
    assert parsed.columns == ["code", "name", "kind", "region"]
    assert parsed.rows[0][0] == 2


def test_parent_later_in_the_file_is_created_first(app, run):
    parent_code = credit_code()
    rows = [row("杭州市测试中心", kind="事业单位", parent=parent_code), row("杭州市测试局", code=parent_code)]
    result = run(csv_bytes(rows))
    assert result.exit_code == 0, result.output
    assert unit_named("杭州市测试中心").parent.name == "杭州市测试局"


def test_parent_already_in_the_register(app, run, make_unit):
    parent = make_unit("杭州市已有局")
    result = run(csv_bytes([row("杭州市已有局下属中心", kind="事业单位", parent=parent.code)]))
    assert result.exit_code == 0, result.output
    assert unit_named("杭州市已有局下属中心").parent_id == parent.id


# ---------------------------------------------------------------- bad input: nothing is imported

def test_invalid_credit_code_names_the_row(app, run):
    bad = credit_code()
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    result = run(csv_bytes([row("杭州市甲局"), row("杭州市乙局", code=bad)]))
    assert_failed(result, "第 3 行 统一社会信用代码：", "校验位错误", "未导入任何单位")


def test_duplicate_code_within_the_file(app, run):
    code = credit_code()
    result = run(csv_bytes([row("杭州市甲局", code=code), row("杭州市乙局"), row("杭州市丙局", code=code)]))
    assert_failed(result, f"第 4 行 统一社会信用代码：{code} 与第 2 行重复")


def test_existing_code_needs_update(app, run, make_unit):
    existing = make_unit("杭州市已有局")
    result = run(csv_bytes([row("杭州市新局"), row("杭州市已有局", code=existing.code)]))
    assert_failed(result, "第 3 行 统一社会信用代码：", "已存在（“杭州市已有局”）", "--update", before=1)


@pytest.mark.parametrize(
    ("approved", "actual", "expected"),
    [
        ("-1", "3", "第 3 行 行政编制核定：行政编制核定数不能为负数"),
        ("十", "3", "第 3 行 行政编制核定：行政编制核定数须为非负整数，“十”不是数字"),
        ("5", "4.5", "第 3 行 行政编制实有：行政编制实有数须为非负整数"),
    ],
)
def test_negative_or_non_numeric_quota(app, run, approved, actual, expected):
    result = run(csv_bytes([row("杭州市甲局"), row("杭州市乙局", approved=approved, actual=actual)]))
    assert_failed(result, expected)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("kind", "公司", ("第 2 行 机构类型：机构类型「公司」无效，可选：党政机关、事业单位、群团机关",)),
        ("level", "处级", ("第 2 行 机构规格：机构规格「处级」无效",)),
        ("funding", "全额拨款", ("第 2 行 经费形式：经费形式「全额拨款」无效",)),
        ("category", "公益三类", ("第 2 行 事业单位类别：事业单位类别「公益三类」无效",)),
        ("classified", "也许", ("第 2 行 涉密：涉密应填“是”或“否”",)),
        ("classified_fields", "工资", ("第 2 行 涉密字段：未知的涉密字段：工资",)),
        ("established_on", "2020年", ("第 2 行 设立日期：设立日期“2020年”不是有效日期",)),
        ("region", "999999", ("第 2 行 行政区划代码：行政区划代码“999999”无效",)),
        ("region", "110101", ("第 2 行 行政区划代码：", "不在本系统任何编办的管辖范围内")),
    ],
)
def test_bad_values_are_reported_by_column(app, run, column, value, expected):
    good = {"code": credit_code(), "name": "杭州市乙局", "kind": "党政机关", "region": "330100"}
    bad = {**good, "code": credit_code(), "name": "杭州市甲局", column: value}
    header = list(dict.fromkeys([*good, column]))
    result = run(csv_bytes([[r.get(h, "") for h in header] for r in (bad, good)], header=header))
    assert_failed(result, *expected)


def test_parent_cycle_within_the_file(app, run):
    a, b, c = credit_code(), credit_code(), credit_code()
    rows = [row("杭州市甲局", code=a, parent=b), row("杭州市乙局", code=b, parent=c), row("杭州市丙局", code=c, parent=a),
            row("杭州市丁局")]
    result = run(csv_bytes(rows))
    assert_failed(result, "第 2 行 主管部门代码：主管部门关系在文件内形成循环：第 2 行 → 第 3 行 → 第 4 行 → 第 2 行",
                  "第 3 行 主管部门代码：", "第 4 行 主管部门代码：")


def test_unit_cannot_be_its_own_parent(app, run):
    code = credit_code()
    assert_failed(run(csv_bytes([row(code=code, parent=code)])), "第 2 行 主管部门代码：主管部门不能是本单位自身")


def test_unknown_parent(app, run):
    missing = credit_code()
    result = run(csv_bytes([row("杭州市甲局"), row("杭州市乙中心", kind="事业单位", parent=missing)]))
    assert_failed(result, f"第 3 行 主管部门代码：找不到代码为 {missing} 的主管部门")


def test_a_failing_parent_row_is_reported_once(app, run):
    parent = credit_code()
    rows = [row("杭州市甲局", code=parent, kind="公司"), row("杭州市甲局下属中心", kind="事业单位", parent=parent)]
    result = importer.run_import(importer.parse_file(csv_bytes(rows), "units.csv").rows)
    assert [(e.row, e.field) for e in result.errors] == [(2, "kind")]
    assert unit_count() == 0


def test_every_row_error_is_reported_in_row_order(app):
    rows = [row("杭州市甲局", approved="-2"), row("杭州市乙局"), row("", kind="公司"), row("杭州市丁局", region="")]
    result = importer.run_import(importer.parse_file(csv_bytes(rows), "units.csv").rows)
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [
        (2, "administrative_approved"), (4, "name"), (4, "kind"), (5, "region")]
    assert (result.created, result.updated) == (0, 0)
    assert unit_count() == 0
    assert events("unit.create") == [] and events("units.import") == []


def test_oversized_file_is_refused_before_parsing(app, run):
    app.config["IMPORT_MAX_BYTES"] = 200
    result = run(csv_bytes([row("杭州市甲局"), row("杭州市乙局"), row("杭州市丙局")]))
    assert_failed(result, "文件过大", "IMPORT_MAX_BYTES")


def xlsx_bytes(rows: list[list], header: list[str] = HEAD) -> bytes:
    workbook = Workbook()
    for values in [header, *rows]:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("make", "name"), [(csv_bytes, "units.csv"), (xlsx_bytes, "units.xlsx")])
def test_too_many_rows(app, run, make, name):
    app.config["IMPORT_MAX_ROWS"] = 2
    rows = [row("杭州市甲局"), [None] * 7, row("杭州市乙局")]
    assert run(make(rows), name).exit_code == 0  # blank rows do not count
    result = run(make([row("杭州市丙局"), row("杭州市丁局"), row("杭州市戊局")]), name)
    assert_failed(result, "数据行过多：超过上限 2 行", before=2)


def test_xlsx_cell_under_a_blank_header(app, run):
    content = xlsx_bytes([row("杭州市甲局") + [None, "备注"]])
    assert_failed(run(content, "units.xlsx"), "第 2 行：第 9 列没有表头，却填写了内容“备注”")


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (bytes(range(256)) * 8, "units.csv", "无法识别文件编码"),
        (b"PK\x03\x04" + bytes(range(200)), "units.xlsx", "不是有效的 Excel 工作簿"),
        (b"code,name,kind,region\n", "units.xlsx", "不是有效的 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "units.xls", "不支持旧版 Excel 97-2003"),
        (b"%PDF-1.4 hello", "units.pdf", "不支持的文件类型“.pdf”"),
        (b"", "units.csv", "文件为空"),
        (b"\xef\xbb\xbf\r\n\r\n", "units.csv", "文件为空"),
        (b"code,name,kind,region\r\n", "units.csv", "只有表头，没有数据行"),
        (b"\r\ncode,name,kind,region\r\nx,y,z,330100\r\n", "units.csv", "第 1 行应为表头"),
    ],
    ids=["binary", "bad-zip", "text-as-xlsx", "xls", "pdf", "empty", "bom-only", "header-only", "blank-first-row"],
)
def test_malformed_files(app, run, content, name, expected):
    assert_failed(run(content, name), "导入失败：", expected)


def test_broken_zip_named_csv_is_read_as_a_workbook(app, run):
    assert_failed(run(b"PK\x03\x04" + bytes(50), "units.csv"), "不是有效的 Excel 工作簿")


def test_nul_bytes_make_a_row_error(app, run):
    content = csv_bytes([row("杭州市甲局"), row("杭州市乙局")]).replace("杭州市乙局".encode(), b"\x00\x00")
    assert_failed(run(content), "第 3 行", "空字符（NUL）")


def test_unbalanced_quote(app, run):
    good = csv_bytes([row("杭州市甲局")])
    content = good + f'{credit_code()},"杭州市乙局,党政机关,330100,,1,1\r\n'.encode()
    assert_failed(run(content), "第 3 行：CSV 格式错误", "引号")


def test_wrong_number_of_fields(app, run):
    content = csv_bytes([row("杭州市甲局"), row("杭州市乙局")[:3], row("杭州市丙局") + ["多余"]])
    assert_failed(run(content), "第 3 行：该行有 3 列，表头有 7 列", "第 4 行：该行有 8 列，表头有 7 列")


def test_unknown_and_missing_headers(app, run):
    content = csv_bytes([[credit_code(), "杭州市甲局", "红色"]], header=["code", "name", "colour"])
    assert_failed(run(content), "无法识别的表头：“colour”", "缺少必填列：机构类型（kind）、行政区划代码（region）")


def test_duplicate_headers(app, run):
    content = csv_bytes([[credit_code(), "甲", "党政机关", "330100", "乙"]], header=["code", "name", "kind", "region", "单位名称"])
    assert_failed(run(content), "重复的列：“name”与“单位名称”")


def test_credit_code_stored_as_an_excel_number(app, run):
    workbook = Workbook()
    workbook.active.append(["code", "name", "kind", "region"])
    workbook.active.append([123301000024976310, "杭州市甲局", "党政机关", "330100"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert_failed(run(buffer.getvalue(), "units.xlsx"), "第 2 行 统一社会信用代码：", "文本")


def test_missing_file(app, runner, tmp_path):
    result = runner.invoke(args=["units", "import", str(tmp_path / "nope.csv")])
    assert_failed(result, "导入失败：无法读取文件")


# ---------------------------------------------------------------- --update and --dry-run

def test_update_changes_existing_units_and_keeps_absent_columns(app, runner, run):
    assert runner.invoke(args=["units", "import", str(SAMPLE_CSV)]).exit_code == 0
    affairs = unit_named("杭州市机关事务管理局")
    content = csv_bytes(
        [[affairs.code, "杭州市机关事务管理局", "党政机关", "330100", "50", "48"]],
        header=["code", "name", "kind", "region", "administrative_approved", "administrative_actual"],
    )
    result = run(content, "update.csv", "--update")
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 0 个，更新 1 个" in result.output
    db.session.expire_all()
    affairs = unit_named("杭州市机关事务管理局")
    assert {q.category: (q.approved, q.actual) for q in affairs.quotas} == {"administrative": (50, 48),
                                                                          "logistics": (20, 18)}
    assert "（二）" in affairs.functions_md and affairs.level == "division" and affairs.short_name == "市机关事务局"
    assert [(n.kind, n.name) for n in affairs.other_names] == [("former", "杭州市人民政府机关事务管理局")]
    [update] = events("unit.update")
    assert update.actor_name == cli_actor_name()
    assert event_body(update)["changes"]["quotas"][1]["administrative"] == [50, 48]
    assert event_body(events("units.import")[-1])["details"]["updated"] == 1


def test_update_of_the_whole_sample_changes_nothing(app, runner):
    assert runner.invoke(args=["units", "import", str(SAMPLE_CSV)]).exit_code == 0
    result = runner.invoke(args=["units", "import", str(SAMPLE_XLSX), "--update"])
    assert result.exit_code == 0, result.output
    assert "新增 0 个，更新 0 个（另有 12 个无变化）" in result.output
    assert events("unit.update") == []


def test_update_replaces_plaques_and_parent_when_the_columns_are_there(app, runner, run):
    assert runner.invoke(args=["units", "import", str(SAMPLE_CSV)]).exit_code == 0
    centre, affairs = unit_named("杭州市人防指挥信息保障中心"), unit_named("杭州市机关事务管理局")
    content = csv_bytes(
        [[centre.code, centre.name, "事业单位", "330100", affairs.code, "杭州市人防信息保障中心"]],
        header=["code", "name", "kind", "region", "parent_code", "plaques"],
    )
    result = run(content, "update.csv", "--update")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    centre = unit_named("杭州市人防指挥信息保障中心")
    assert centre.parent.name == "杭州市机关事务管理局"
    assert [(n.kind, n.name) for n in centre.other_names] == [("plaque", "杭州市人防信息保障中心")]
    assert centre.category == "welfare_1"  # no category column: kept


def test_update_cannot_rename(app, run, make_unit):
    existing = make_unit("杭州市已有局")
    result = run(csv_bytes([row("杭州市改名局", code=existing.code)]), "units.csv", "--update")
    assert_failed(result, "第 2 行 单位名称：与台账中的名称“杭州市已有局”不同", "更名", before=1)
    db.session.expire_all()
    assert unit_named("杭州市已有局").quotas == []


def test_update_parent_cycle_through_the_register(app, run, make_unit):
    top = make_unit("杭州市上级局")
    child = make_unit("杭州市下级中心", kind="institution", parent=top)
    content = csv_bytes([row("杭州市上级局", code=top.code, parent=child.code)])
    result = run(content, "units.csv", "--update")
    assert_failed(result, "第 2 行 主管部门代码：", "循环", before=2)
    db.session.expire_all()
    assert unit_named("杭州市上级局").parent_id is None


def test_update_mixing_new_and_existing_is_all_or_nothing(app, run, make_unit):
    existing = make_unit("杭州市已有局")
    rows = [row("杭州市已有局", code=existing.code, approved="30", actual="30"), row("杭州市新局", approved="-5")]
    result = run(csv_bytes(rows), "units.csv", "--update")
    assert_failed(result, "第 3 行 行政编制核定：", before=1)
    db.session.expire_all()
    assert unit_named("杭州市已有局").quotas == []
    assert events("unit.update") == []


def test_dry_run_checks_without_importing(app, runner):
    result = runner.invoke(args=["units", "import", str(SAMPLE_CSV), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "校验通过（未导入）：将新增 12 个" in result.output
    assert unit_count() == 0
    assert events("units.import") == []


# ---------------------------------------------------------------- the importer as functions

def test_parse_file_and_run_import_without_the_cli(app):
    parsed = importer.parse_file(SAMPLE_CSV.read_bytes(), "units-sample.csv")
    assert parsed.sha256 == hashlib.sha256(SAMPLE_CSV.read_bytes()).hexdigest()
    assert [number for number, _values in parsed.rows] == list(range(2, 14))
    result = importer.run_import(parsed.rows, actor_name="测试", source=parsed)
    assert result.ok and (result.created, result.updated) == (12, 0)
    db.session.commit()
    assert unit_count() == 12
    again = importer.validate(parsed.rows)
    assert {(e.row, e.field) for e in again} == {(n, "code") for n in range(2, 14)}
    assert all("已存在" in e.message for e in again)


@pytest.mark.parametrize("text", ["2019-02-28", "2019/2/28", "2019.2.28", "2019年2月28日", "2019/2/28 0:00"])
def test_dates_as_excel_and_people_write_them(app, text):
    data, _columns = importer.row_to_data({"code": "x", "established_on": text})
    assert data["established_on"] == "2019-02-28"


def test_classified_fields_accept_labels_and_keys(app):
    data, _columns = importer.row_to_data({"code": "x", "classified_fields": "主要职责、quotas；编制 领导职数"})
    assert data["classified_fields"] == ["functions", "quotas", "quotas", "posts"]


def test_every_column_is_documented():
    doc = FORMAT_DOC.read_text(encoding="utf-8")
    for column in importer.COLUMNS:
        assert f"`{column.key}`" in doc, column.key
        assert column.header in doc, column.header
    assert "units-sample.csv" in doc and "--update" in doc
