"""Case list exports: the same filtered rows as the list, Chinese headers, BOM, formula-safe, audited."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.timeutil import beijing_today

from inspection import exports
from inspection.queries import CaseFilters, filtered_cases

HEADERS = ["编号", "标题", "被督查单位", "统一社会信用代码", "来源", "状态", "主办人", "线索收到日期",
           "立案时间（北京时间）", "问题数", "逾期问题数", "办案编办"]


@pytest.fixture()
def cases(w, make_case, make_finding, issue_notice):
    today = beijing_today()
    audit = make_case(source="audit", title="=1+1", received_on=(today - timedelta(days=4)).isoformat())
    hotline = make_case(source="hotline", title="举报吃空饷", unit_id=w.centre.id, lead_inspector_id=w.inspector2.id)
    make_finding(hotline, area="staffing", responsible_unit_id=w.centre.id)
    late = make_finding(hotline, area="organisation", responsible_unit_id=w.centre.id)
    issue_notice(hotline)
    late.due_on = today - timedelta(days=1)
    db.session.commit()
    xihu = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项")
    make_case(w.binjiang_inspector, unit_id=w.binjiang_unit.id, title="滨江区事项")
    return dict(audit=audit, hotline=hotline, xihu=xihu)


def listed_numbers(user, **args) -> list[str]:
    return [c.number for c in db.session.scalars(filtered_cases(user, CaseFilters.from_mapping(args)))]


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def export_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.export").order_by(AuditEvent.id)))


def details(event: AuditEvent) -> dict:
    return json.loads(event.payload)["details"]


def test_csv_matches_the_list(client, login, w, cases):
    login(w.inspector)
    response = client.get("/inspection/cases/export.csv", query_string={"include_subordinate": "1", "sort": "number"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and f"{beijing_today():%Y%m%d}" in disposition
    assert "督查事项" in unquote(disposition)
    rows = read_csv(response)
    assert rows[0] == HEADERS
    assert [r[0] for r in rows[1:]] == listed_numbers(w.inspector, include_subordinate="1", sort="number")
    assert len(rows) == 1 + 4
    by_title = {r[1]: r for r in rows[1:]}
    hotline = by_title["举报吃空饷"]
    assert hotline[2] == "杭州市审计局信息中心" and hotline[3] == w.centre.code
    assert hotline[4:7] == ["12310举报", "整改中", "李督查"]
    assert hotline[9:] == ["2", "1", "杭州市机构编制委员会办公室"]
    assert by_title["西湖区事项"][11] == "西湖区机构编制委员会办公室"


def test_csv_neutralises_formulas(client, login, w, cases):
    login(w.inspector)
    rows = read_csv(client.get("/inspection/cases/export.csv"))
    titles = [r[1] for r in rows[1:]]
    assert "'=1+1" in titles and "=1+1" not in titles


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_rule(value):
    assert exports.safe_cell(value) == "'" + value
    assert exports.safe_cell("正常") == "正常" and exports.safe_cell(3) == 3


def test_xlsx_matches_the_list_and_keeps_text_as_text(client, login, w, cases):
    login(w.inspector)
    response = client.get("/inspection/cases/export.xlsx", query_string={"source": "audit"})
    assert response.status_code == 200
    assert response.mimetype == exports.FORMATS["xlsx"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [r[0] for r in rows[1:]] == listed_numbers(w.inspector, source="audit") == [cases["audit"].number]
    title = sheet.cell(row=2, column=2)
    assert title.value == "=1+1" and title.data_type == "s"      # text, not a formula
    assert rows[1][7].date() == beijing_today() - timedelta(days=4)


def test_filters_apply_to_exports(client, login, w, cases):
    login(w.inspector)
    rows = read_csv(client.get("/inspection/cases/export.csv", query_string={"overdue": "1"}))
    assert [r[1] for r in rows[1:]] == ["举报吃空饷"]
    rows = read_csv(client.get("/inspection/cases/export.csv", query_string={"scope": "mine"}))
    assert [r[1] for r in rows[1:]] == ["'=1+1"]
    rows = read_csv(client.get("/inspection/cases/export.csv", query_string={"q": "没有这样的事项"}))
    assert rows == [HEADERS]


def test_sibling_office_never_exported(client, login, w, cases):
    login(w.xihu_inspector)
    rows = read_csv(client.get("/inspection/cases/export.csv", query_string={"include_subordinate": "1"}))
    assert [r[1] for r in rows[1:]] == ["西湖区事项"]
    response = client.get("/inspection/cases/export.csv", query_string={"office_id": w.binjiang.id})
    assert response.status_code == 422
    assert "所选编办不在您的管辖范围内" in response.get_data(as_text=True)
    events = export_events()
    assert len(events) == 1 and details(events[0])["rows"] == 1     # the refused export is not audited


def test_bad_filters_refuse_the_export_without_audit(client, login, w, cases):
    login(w.inspector)
    response = client.get("/inspection/cases/export.xlsx", query_string={"date_from": "yesterday"})
    assert response.status_code == 422
    assert "起始日期" in response.get_data(as_text=True)
    assert client.get("/inspection/cases/export.pdf").status_code == 404
    assert export_events() == []


def test_every_export_is_audited_with_its_filters(client, login, w, cases):
    login(w.inspector)
    client.get("/inspection/cases/export.csv", query_string={"source": "hotline", "overdue": "on", "q": "", "page": "2"})
    response = client.get("/inspection/cases/export.xlsx", query_string={"include_subordinate": "1", "sort": "number"})
    assert f"cases-{beijing_today():%Y%m%d}.xlsx" in response.headers["Content-Disposition"]
    db.session.rollback()          # the events were committed by the requests, not just flushed
    first, second = export_events()
    assert first.object_type == "case" and first.object_id is None
    assert first.actor_id == w.inspector.id
    assert details(first) == {"format": "csv", "filters": {"source": "hotline", "overdue": "1"}, "rows": 1}
    assert details(second) == {"format": "xlsx", "filters": {"include_subordinate": "1"}, "rows": 4}


def test_export_reads_in_batches(app, w, cases, make_case):
    for i in range(5):
        make_case(title=f"批量{i}")
    filters = CaseFilters(sort="number")
    ids = exports.case_ids(w.inspector, filters)
    rows = list(exports.rows(w.inspector.id, filters, ids, batch=2))
    assert [r[0] for r in rows] == listed_numbers(w.inspector, sort="number")
    assert len(rows) == 7


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_download_streams_after_the_request_session_is_gone(client, login, w, cases, fmt):
    """In production the request's session is closed before a streamed body is written (the test's own app
    context normally hides that): served from a thread with no app context, the export still completes."""
    import threading

    login(w.inspector)
    answer = {}

    def download():
        response = client.get(f"/inspection/cases/export.{fmt}")
        answer["status"], answer["body"] = response.status_code, response.get_data()

    thread = threading.Thread(target=download)
    thread.start()
    thread.join()
    assert answer["status"] == 200
    if fmt == "csv":
        assert "举报吃空饷" in answer["body"].decode("utf-8-sig")
    else:
        sheet = load_workbook(io.BytesIO(answer["body"]), read_only=True).active
        assert any("举报吃空饷" in (row[1] or "") for row in sheet.iter_rows(values_only=True))
