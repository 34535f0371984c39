"""The working-day calendar page (inspection.show_calendar) through the web client: entering a year's
schedule typed or uploaded (CSV, XLSX), errors beside the fields with nothing saved, local holidays and
the inherited ones, the recompute summary flashed, and who may do what (403/404)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.notify.models import Notification

from inspection.models import CalendarDay, CalendarYear, Finding, LocalHoliday
from tests.inspection.calendar_support import D, SCHEDULE_2027, admins, audit_events, today  # noqa: F401

URL = "/inspection/calendar"
SOURCE = "国办发明电〔2026〕7号"


@pytest.fixture()
def switch(client, login):
    """Sign in as another user (the login page ignores a signed-in client)."""

    def do(user):
        client.post("/logout")
        login(user)

    return do


def schedule_post(client, *, year="2027", source=SOURCE, days="", file=None):
    data = {"schedule-year": year, "schedule-source": source, "schedule-days": days}
    if file is not None:
        data["schedule-file"] = file
    return client.post(f"{URL}/schedule", data=data, content_type="multipart/form-data")


def years() -> int:
    return db.session.scalar(select(func.count()).select_from(CalendarYear))


def xlsx(rows) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_the_page_for_the_city_administrator(w, client, login, sent_finding, today):  # noqa: F811
    sent_finding()
    login(w.admin)
    html = client.get(URL).get_data(as_text=True)
    assert 'data-year="2026" data-source="package"' in html
    assert 'data-year="2027" data-source="unknown"' in html
    assert "目前有 1 个未到期的暂定整改期限" in html
    assert 'name="schedule-year"' in html and 'name="holiday-day"' in html


def test_entering_a_typed_schedule_moves_the_deadline(w, client, switch, sent_finding, today):  # noqa: F811
    finding = sent_finding()
    switch(w.inspector)
    assert "（暂定）" in client.get(f"/inspection/cases/{finding.case_id}").get_data(as_text=True)
    switch(w.admin)
    response = schedule_post(client, days=SCHEDULE_2027)
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    html = client.get(URL).get_data(as_text=True)
    assert "已录入2027年节假日安排（7天）" in html and "1 个顺延" in html
    assert 'data-year="2027" data-source="entered"' in html and SOURCE in html
    db.session.expire_all()
    finding = db.session.get(Finding, finding.id)
    assert (finding.due_on, finding.is_due_provisional) == (D("2027-01-06"), False)
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.unit_user.id,
                                                         Notification.kind == "deadline")).one()
    assert note.link.endswith(f"/inspection/findings/{finding.id}")
    switch(w.inspector)
    assert "（暂定）" not in client.get(f"/inspection/cases/{finding.case_id}").get_data(as_text=True)


def test_uploading_a_gbk_csv(w, client, login, today):  # noqa: F811
    login(w.admin)
    body = "日期,名称,安排\r\n2027-01-01,元旦,休\r\n2027-02-06,春节调休上班,班\r\n".encode("gb18030")
    response = schedule_post(client, file=(io.BytesIO(body), "2027节假日.csv"))
    assert response.status_code == 302
    assert {d.day: d.is_workday for d in db.session.scalars(select(CalendarDay))} == {
        D("2027-01-01"): False, D("2027-02-06"): True}


def test_uploading_a_workbook(w, client, login, today):  # noqa: F811
    from datetime import datetime

    login(w.admin)
    book = xlsx([["日期", "名称", "安排"], [datetime(2027, 1, 1), "元旦", "休"], ["2027-02-08", "春节", "休"]])
    assert schedule_post(client, file=(book, "2027.xlsx")).status_code == 302
    assert db.session.get(CalendarYear, 2027).source == SOURCE
    assert [d.name for d in db.session.get(CalendarYear, 2027).days] == ["元旦", "春节"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"days": "2027-01-01,元旦,休\n2026-01-02,元旦,休"}, "第 2 行：2026-01-02 不在 2027 年内"),
    ({"days": "2027-01-01,元旦,休", "year": "2023"}, "年份须在"),
    ({"days": "2027-01-01,元旦,休", "source": ""}, "请填写依据文件"),
    ({"file": (io.BytesIO(b"%PDF-1.7 not a schedule"), "x.xlsx")}, "不是文本文件"),
    ({"file": (io.BytesIO(b"PK\x03\x04broken"), "x.xlsx")}, "已损坏"),
    ({"file": (io.BytesIO("2027-01-01,元旦,休\n2027-01-01,元旦,休\n".encode()), "a.csv")}, "第 2 行：2027-01-01 重复"),
    ({"days": "2027-01-01,元旦,休", "file": (io.BytesIO(b"2027-01-01,x,\xe4\xbc\x91"), "a.csv")}, "不要同时使用"),
])
def test_bad_input_beside_the_field_and_nothing_saved(w, client, login, today, kwargs, message):  # noqa: F811
    login(w.admin)
    response = schedule_post(client, **kwargs)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "invalid-feedback" in html
    assert years() == 0 and audit_events("calendar.schedule") == []


def test_a_bad_workbook_row_is_named_by_its_line(w, client, login, today):  # noqa: F811
    login(w.admin)
    book = xlsx([["日期", "名称", "安排"], ["2027-01-01", "元旦", "休"], ["2027-01-01", "元旦", "休"]])
    response = schedule_post(client, file=(book, "2027.xlsx"))
    assert response.status_code == 422 and "第 3 行：2027-01-01 重复" in response.get_data(as_text=True)
    assert years() == 0


def test_inspectors_read_but_may_not_enter(w, client, login, today):  # noqa: F811
    login(w.inspector)
    html = client.get(URL).get_data(as_text=True)
    assert "各年度日历来源" in html and 'name="schedule-year"' not in html and 'name="holiday-day"' not in html
    assert schedule_post(client, days=SCHEDULE_2027).status_code == 403
    assert client.post(f"{URL}/holidays", data={"holiday-day": "2026-12-15", "holiday-name": "x"}).status_code == 403
    assert years() == 0


def test_a_district_administrator_sets_local_holidays_only(w, client, login, switch, admins, today):  # noqa: F811
    db.session.add(LocalHoliday(office_id=w.city.id, day=D("2026-12-16"), name="全市节"))
    db.session.commit()
    login(admins.xihu)
    html = client.get(URL).get_data(as_text=True)
    assert 'name="schedule-year"' not in html and 'name="holiday-day"' in html
    assert "全市节" in html and 'id="inherited-holidays"' in html  # the city's: read-only
    assert schedule_post(client, days=SCHEDULE_2027).status_code == 403
    response = client.post(f"{URL}/holidays", data={"holiday-day": "2026-12-15", "holiday-name": "西湖节"})
    assert response.status_code == 302
    holiday = db.session.scalars(select(LocalHoliday).where(LocalHoliday.office_id == w.xihu.id)).one()
    assert "已将 2026-12-15 设为地方节假日“西湖节”" in client.get(URL).get_data(as_text=True)
    # bad input beside the field
    response = client.post(f"{URL}/holidays", data={"holiday-day": "2026-12-15", "holiday-name": "又一个"})
    assert response.status_code == 422 and "已由本编办设为“西湖节”" in response.get_data(as_text=True)
    # the city's holiday cannot be removed here; a sibling's is not found
    city_holiday = db.session.scalars(select(LocalHoliday).where(LocalHoliday.office_id == w.city.id)).one()
    assert client.post(f"{URL}/holidays/{city_holiday.id}/remove").status_code == 403
    switch(admins.binjiang)
    assert client.post(f"{URL}/holidays/{holiday.id}/remove").status_code == 404
    switch(admins.xihu)
    assert client.post(f"{URL}/holidays/{holiday.id}/remove").status_code == 302
    assert db.session.get(LocalHoliday, holiday.id) is None
    assert len(audit_events("calendar.holiday")) == 1 and len(audit_events("calendar.holiday_remove")) == 1


@pytest.mark.parametrize("who", ["unit_user", "discipline"])
def test_outside_staff_the_page_is_not_found(w, client, login, who):
    login(getattr(w, who))
    assert client.get(URL).status_code == 404
    assert schedule_post(client, days=SCHEDULE_2027).status_code == 404
