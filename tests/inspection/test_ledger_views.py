"""The ledger pages and the XLSX download: access by HTTP (404 outside scope), content, paging, the
download opens in openpyxl with the rows, keeps text as text and is audited."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db

from inspection import ledger
from tests.inspection.conftest import grant
from tests.inspection.ledger_support import add_extension, add_round, make_overdue


def text(response) -> str:
    return response.get_data(as_text=True)


def as_user(client, login, user):
    client.post("/logout")
    login(user)


@pytest.fixture()
def sent(w, make_case, make_finding, issue_notice):
    case = make_case()
    bureau = make_finding(case, description="=1+1 审计局超编。")
    centre = make_finding(case, responsible_unit_id=w.centre.id, description="中心混岗。", violation_type="mixed_posts")
    issue_notice(case)
    return dict(case=case, bureau=bureau, centre=centre)


def export_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ledger.export").order_by(AuditEvent.id)))


@pytest.mark.parametrize("reader, unit, status", [
    ("unit_user", "bureau", 200),
    ("centre_user", "centre", 200),
    ("centre_user", "bureau", 404),
    ("unit_user", "centre", 404),           # no ledger.sponsor yet
    ("unit_user", "xihu_unit", 404),
    ("inspector", "bureau", 200),
    ("inspector", "centre", 200),
    ("binjiang_inspector", "bureau", 404),
    ("xihu_inspector", "centre", 404),
    ("discipline", "bureau", 404),
])
def test_who_reads_which_ledger(w, client, login, sent, reader, unit, status):
    login(getattr(w, reader))
    code = getattr(w, unit).code
    assert client.get(f"/inspection/ledger/{code}").status_code == status
    assert client.get(f"/inspection/ledger/{code}/export.xlsx").status_code == status


def test_unknown_code_and_anonymous(w, client, login, sent):
    assert client.get(f"/inspection/ledger/{w.bureau.code}").status_code in (302, 401)
    login(w.inspector)
    assert client.get("/inspection/ledger/NOSUCHCODE").status_code == 404


def test_sponsor_reads_its_institution_read_only(w, client, login, sent):
    grant(w.unit_user, "ledger.sponsor")
    login(w.unit_user)
    page = text(client.get(f"/inspection/ledger/{w.centre.code}"))
    assert "中心混岗。" in page and "审计局超编" not in page and "主管部门查看" in page
    assert "/inspection/findings/" not in page  # no link to a finding page the sponsor cannot open
    index = text(client.get("/inspection/ledger"))
    assert w.centre.name in index and f"/inspection/ledger/{w.centre.code}" in index
    assert client.get(f"/inspection/ledger/{w.xihu_unit.code}").status_code == 404


def test_unit_without_grant_goes_to_its_own_ledger(w, client, login, sent):
    login(w.centre_user)
    response = client.get("/inspection/ledger")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inspection/ledger/{w.centre.code}")


def test_page_shows_rounds_and_outcomes(w, client, login, sent):
    finding = sent["bureau"]
    add_round(finding, w.unit_user, status="returned", submitted_on=finding.due_on - timedelta(days=1),
              reviewer=w.inspector, comment="佐证材料不全，请补充。")
    add_extension(finding, w.unit_user, status="approved", decider=w.inspector)
    add_round(finding, w.unit_user, status="submitted")
    login(w.unit_user)
    page = text(client.get(f"/inspection/ledger/{w.bureau.code}"))
    assert sent["case"].number in page and "=1+1 审计局超编。" in page
    assert "第1轮" in page and "第2轮" in page and "按期" in page and "已退回" in page and "待审核" in page
    assert "佐证材料不全，请补充。" in page and "已同意" in page
    assert f"/inspection/findings/{finding.id}" in page
    assert "中心混岗。" not in page


def test_staff_index_picks_a_unit_and_lists_overdue_units(w, client, login, sent):
    make_overdue(sent["centre"])
    login(w.inspector)
    page = text(client.get("/inspection/ledger"))
    assert f"/inspection/ledger/{w.centre.code}" in page  # only units with overdue findings
    assert f"/inspection/ledger/{w.bureau.code}\"" not in page
    response = client.get("/inspection/ledger", query_string={"code": w.bureau.code.lower()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inspection/ledger/{w.bureau.code}")
    response = client.get("/inspection/ledger", query_string={"code": "123"})
    assert response.status_code == 422 and "统一社会信用代码" in text(response)
    as_user(client, login, w.binjiang_inspector)
    response = client.get("/inspection/ledger", query_string={"code": w.bureau.code})
    assert response.status_code == 404 and "不在您的管辖范围内" in text(response)
    as_user(client, login, w.discipline)
    assert client.get("/inspection/ledger").status_code == 404


def test_filters_paging_and_bad_values(w, client, login, sent, make_case, make_finding, issue_notice, app):
    app.config["PER_PAGE"] = 2
    case = make_case(title="第二个")
    for n in range(2):
        make_finding(case, description=f"第二批问题{n}。")
    issue_notice(case)
    make_overdue(sent["bureau"])
    login(w.inspector)
    first = text(client.get(f"/inspection/ledger/{w.bureau.code}"))
    second = text(client.get(f"/inspection/ledger/{w.bureau.code}?page=2"))
    assert first.count("第二批问题") == 2 and "审计局超编" in second and "共 3 条" in first
    late = text(client.get(f"/inspection/ledger/{w.bureau.code}?overdue=1"))
    assert "审计局超编" in late and "第二批问题" not in late
    response = client.get(f"/inspection/ledger/{w.bureau.code}?year=abc")
    assert response.status_code == 422 and "年度" in text(response)
    response = client.get(f"/inspection/ledger/{w.bureau.code}/export.xlsx?status=nope")
    assert response.status_code == 422 and export_events() == []


def test_export_opens_and_is_audited(w, client, login, sent):
    finding = sent["bureau"]
    add_round(finding, w.unit_user, status="returned", submitted_on=finding.due_on + timedelta(days=2),
              reviewer=w.inspector, comment="@SUM(A1) 需补充")
    login(w.unit_user)
    response = client.get(f"/inspection/ledger/{w.bureau.code}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["问题台账", "整改轮次"]
    rows = list(book["问题台账"].iter_rows(values_only=True))
    assert list(rows[0]) == list(ledger.FINDING_HEADERS)
    assert len(rows) == 2 and rows[1][0] == sent["case"].number and rows[1][1] == finding.seq
    assert rows[1][10] == 1  # one round
    description = book["问题台账"].cell(row=2, column=5)
    assert description.value == "=1+1 审计局超编。" and description.data_type == "s"  # text, not a formula
    rounds = list(book["整改轮次"].iter_rows(values_only=True))
    assert list(rounds[0]) == list(ledger.ROUND_HEADERS)
    assert rounds[1][2] == 1 and rounds[1][5] == "否" and rounds[1][6] == "已退回"
    comment = book["整改轮次"].cell(row=2, column=8)
    assert comment.value == "@SUM(A1) 需补充" and comment.data_type == "s"
    events = export_events()
    assert len(events) == 1
    payload = json.loads(events[0].payload)
    assert payload["object_type"] == "ledger" and payload["object_id"] == str(w.bureau.id)
    assert payload["details"]["rows"] == 1 and payload["actor_name"] == w.unit_user.username


def test_staff_export_limited_to_scope(w, client, login, make_case, make_finding, issue_notice):
    city = make_case(unit_id=w.xihu_unit.id, title="市里查")
    make_finding(city, description="市里的问题。")
    issue_notice(city)
    district = make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id, title="区里查")
    make_finding(district, actor=w.xihu_inspector, description="区里的问题。")
    issue_notice(district, actor=w.xihu_inspector)
    login(w.xihu_inspector)
    book = load_workbook(io.BytesIO(client.get(f"/inspection/ledger/{w.xihu_unit.code}/export.xlsx").get_data()))
    assert [r[4] for r in book["问题台账"].iter_rows(min_row=2, values_only=True)] == ["区里的问题。"]
    as_user(client, login, w.inspector)
    book = load_workbook(io.BytesIO(client.get(f"/inspection/ledger/{w.xihu_unit.code}/export.xlsx").get_data()))
    assert sorted(r[4] for r in book["问题台账"].iter_rows(min_row=2, values_only=True)) == ["区里的问题。", "市里的问题。"]
