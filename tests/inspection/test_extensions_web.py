"""Extension requests through the web client: the unit asks, the inspector decides (back to the finding
page with a flashed message), a refusal is shown on the page of its own with the typed values kept, staff
list what waits; 403/404 outside the rules. The finding page is another part's: the panel is rendered
on its own here."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from portal.extensions import db
from portal.notify.models import Notification

from inspection.models import ExtensionRequest
from inspection.services import extensions

REASON = "涉及机构改革，人员分流须经市委编委会议研究。"


def later(finding, days: int = 20) -> str:
    return (finding.due_on + timedelta(days=days)).isoformat()


def count() -> int:
    return db.session.scalar(select(func.count(ExtensionRequest.id)))


def ask(w, finding, days: int = 20) -> ExtensionRequest:
    made = extensions.request_extension(w.unit_user, finding, {"requested_due_on": later(finding, days), "reason": REASON})
    db.session.commit()
    return made


def test_the_unit_asks_through_the_form(w, client, login, sent_finding):
    finding = sent_finding()
    login(w.unit_user)
    url = f"/inspection/findings/{finding.id}/extensions/new"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "延期理由" in html and finding.due_on.isoformat() in html and "尚无延期申请" in html
    response = client.post(url, data={"requested_due_on": later(finding), "reason": REASON})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspection/findings/{finding.id}#extensions")
    made = db.session.scalars(select(ExtensionRequest)).one()
    assert made.requested_due_on.isoformat() == later(finding) and made.requested_by_id == w.unit_user.id
    note = db.session.scalars(select(Notification).where(Notification.kind == "extension")).one()
    assert note.user_id == w.inspector.id and note.link.endswith(f"/inspection/findings/{finding.id}")
    # the page now says why no second request, and shows the first
    again = client.get(url).get_data(as_text=True)
    assert "已有待审批的延期申请" in again and REASON in again and 'name="reason"' not in again


@pytest.mark.parametrize(("data", "words"), [
    ({"requested_due_on": "before"}, "延期后的期限须晚于当前期限（"),
    ({"requested_due_on": "2026-02-30"}, "不是有效日期"),
    ({"reason": ""}, "请填写延期理由"),
])
def test_a_refused_request_shows_the_page_again_with_the_values(w, client, login, sent_finding, data, words):
    finding = sent_finding()
    login(w.unit_user)
    values = {"requested_due_on": later(finding), "reason": REASON, **data}
    if values["requested_due_on"] == "before":
        values["requested_due_on"] = (finding.due_on - timedelta(days=1)).isoformat()
    response = client.post(f"/inspection/findings/{finding.id}/extensions/new", data=values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert words in html and "is-invalid" in html
    assert values["requested_due_on"] in html and (values["reason"] in html)
    assert count() == 0


def test_a_second_pending_request_is_refused_on_the_page(w, client, login, sent_finding):
    finding = sent_finding()
    ask(w, finding)
    login(w.unit_user)
    response = client.post(f"/inspection/findings/{finding.id}/extensions/new",
                           data={"requested_due_on": later(finding, 40), "reason": "再次申请"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "已有待审批的延期申请" in html and "再次申请" in html
    assert count() == 1


@pytest.mark.parametrize(("who", "status"), [("inspector", 403), ("centre_user", 404), ("xihu_inspector", 404)])
def test_others_may_not_ask(w, client, login, sent_finding, who, status):
    finding = sent_finding()
    login(getattr(w, who))
    url = f"/inspection/findings/{finding.id}/extensions/new"
    assert client.post(url, data={"requested_due_on": later(finding), "reason": REASON}).status_code == status
    assert client.get(url).status_code == status
    assert count() == 0


def test_staff_list_what_waits_and_decide(w, client, login, sent_finding):
    finding = sent_finding()
    made = ask(w, finding)
    login(w.inspector)
    listing = client.get("/inspection/extensions")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert w.bureau.name in html and finding.case.number in html
    assert made.requested_due_on.isoformat() in html and finding.due_on.isoformat() in html
    assert f"/inspection/extensions/{made.id}/decision" in html and f"/inspection/findings/{finding.id}" in html
    url = f"/inspection/extensions/{made.id}/decision"
    page = client.get(url)
    assert page.status_code == 200 and REASON in page.get_data(as_text=True)
    response = client.post(url, data={"decision": "approve", "due_on": later(finding, 15), "comment": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspection/findings/{finding.id}#extensions")
    db.session.refresh(finding)
    assert made.status == "approved" and finding.due_on.isoformat() == made.granted_due_on.isoformat()
    assert "没有待审批的延期申请" in client.get("/inspection/extensions").get_data(as_text=True)
    # a second decision: said so, nothing changes
    again = client.post(url, data={"decision": "refuse", "comment": "不同意"})
    assert again.status_code == 409 and "不能再次审批" in again.get_data(as_text=True)
    assert made.status == "approved"


def test_a_refused_decision_keeps_the_typed_values(w, client, login, sent_finding):
    finding = sent_finding()
    made = ask(w, finding)
    login(w.inspector)
    url = f"/inspection/extensions/{made.id}/decision"
    response = client.post(url, data={"decision": "refuse", "comment": "", "due_on": later(finding, 7)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "不同意延期时须填写理由" in html and later(finding, 7) in html
    bad_date = client.post(url, data={"decision": "approve", "due_on": finding.due_on.isoformat(), "comment": "同意"})
    assert bad_date.status_code == 422 and "延期后的期限须晚于当前期限（" in bad_date.get_data(as_text=True)
    nonsense = client.post(url, data={"decision": "maybe", "comment": "?"})
    assert nonsense.status_code == 422 and "请选择“同意”或“不同意”延期" in nonsense.get_data(as_text=True)
    db.session.refresh(made)
    assert made.status == "pending"
    done = client.post(url, data={"decision": "refuse", "comment": "理由不充分。"})
    assert done.status_code == 302 and made.status == "refused"


@pytest.mark.parametrize(("who", "status"), [("unit_user", 403), ("admin", 403), ("centre_user", 404)])
def test_others_may_not_decide(w, client, login, sent_finding, who, status):
    made = ask(w, sent_finding())
    login(getattr(w, who))
    url = f"/inspection/extensions/{made.id}/decision"
    assert client.post(url, data={"decision": "approve"}).status_code == status
    assert client.get(url).status_code == status
    db.session.refresh(made)
    assert made.status == "pending"


def test_the_list_is_for_staff(w, client, login):
    login(w.unit_user)
    assert client.get("/inspection/extensions").status_code == 404


def test_the_list_is_paged_oldest_first(w, client, login, sent_finding):
    made = [ask(w, sent_finding()) for _ in range(3)]
    login(w.inspector)
    first = client.get("/inspection/extensions?per_page=2").get_data(as_text=True)
    second = client.get("/inspection/extensions?per_page=2&page=2").get_data(as_text=True)
    links = [f"/inspection/extensions/{m.id}/decision" for m in made]
    assert links[0] in first and links[1] in first and links[2] not in first
    assert links[2] in second and first.index(links[0]) < first.index(links[1])


def test_the_panel_renders_history_and_forms(app, w, sent_finding):
    finding = sent_finding()
    first = ask(w, finding, 10)
    extensions.decide_extension(w.inspector, first, approve=False, comment="请补充说明。")
    db.session.commit()
    second = ask(w, finding, 12)
    with app.test_request_context():
        staff = render_template("inspection/extensions/_panel.html",
                                extension_panel=extensions.panel(w.inspector, finding))
        unit = render_template("inspection/extensions/_panel.html",
                               extension_panel=extensions.panel(w.unit_user, finding))
        nothing = render_template("inspection/extensions/_panel.html", extension_panel=None)
    assert f'action="/inspection/extensions/{second.id}/decision"' in staff and "请补充说明。" in staff
    assert staff.index(f"extension-{second.id}") < staff.index(f"extension-{first.id}")  # newest first
    assert 'name="requested_due_on"' not in staff
    assert "已有待审批的延期申请" in unit and "/decision" not in unit and "请补充说明。" in unit
    assert nothing.strip() == ""
    extensions.decide_extension(w.inspector, second, approve=True)
    db.session.commit()
    with app.test_request_context():
        unit = render_template("inspection/extensions/_panel.html",
                               extension_panel=extensions.panel(w.unit_user, finding))
    assert f'action="/inspection/findings/{finding.id}/extensions/new"' in unit and "同意延期，期限改为" in unit


def test_the_units_history_shows_the_office_decided_not_who(w, sent_finding, signed_in):
    from inspection.services import extensions as service

    finding = sent_finding()
    made = service.request_extension(w.unit_user, finding, {
        "requested_due_on": (finding.due_on + timedelta(days=10)).isoformat(), "reason": "需上级批复"})
    db.session.commit()
    service.decide_extension(w.inspector, made, approve=False, comment="可按期完成。")
    db.session.commit()
    unit_page = signed_in(w.unit_user).get(f"/inspection/findings/{finding.id}").get_data(as_text=True)
    staff_page = signed_in(w.inspector2).get(f"/inspection/findings/{finding.id}").get_data(as_text=True)
    assert "可按期完成。" in unit_page and "可按期完成。" in staff_page
    assert f"（{w.inspector.username}）" in staff_page
    assert f"（{w.inspector.username}）" not in unit_page and w.inspector.display_name not in unit_page
