"""Supervision instructions through the web client: issuing, answering, the two lists, the case page's
panel, and 404/403 outside scope."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection.models import SupervisionInstruction
from inspection.services.instructions import answer_instruction, issue_instruction

TEXT = "请报告该局超编进人问题的核查进展。"


def later(days: int = 10) -> str:
    return (beijing_today() + timedelta(days=days)).isoformat()


@pytest.fixture()
def xihu_case(w, make_case):
    return make_case(w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区审计局超编问题")


@pytest.fixture()
def instruction(w, xihu_case):
    made = issue_instruction(w.inspector, xihu_case, {"kind": "supervise", "text": TEXT, "due_on": later()})
    db.session.commit()
    return made


def count() -> int:
    return db.session.scalar(select(func.count(SupervisionInstruction.id)))


def test_city_inspector_issues_through_the_form(w, client, login, xihu_case):
    login(w.inspector)
    url = f"/inspection/cases/{xihu_case.id}/instructions/new"
    page = client.get(url)
    assert page.status_code == 200 and "督办内容" in page.get_data(as_text=True)
    response = client.post(url, data={"kind": "urge", "text": TEXT, "due_on": later(5)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspection/cases/{xihu_case.id}#instructions")
    made = db.session.scalars(select(SupervisionInstruction)).one()
    assert made.kind == "urge" and made.to_office_id == w.xihu.id
    # the case page shows it to the superior office, with the button to issue another
    html = client.get(f"/inspection/cases/{xihu_case.id}").get_data(as_text=True)
    assert TEXT in html and "待答复" in html and f"/inspection/cases/{xihu_case.id}/instructions/new" in html
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.xihu_inspector.id,
                                                         Notification.kind == "instruction")).one()
    assert note.link.endswith(f"/inspection/cases/{xihu_case.id}#instructions") and TEXT[:6] not in note.subject


@pytest.mark.parametrize(("due_on", "text", "kind", "message"), [
    ("2020-01-01", TEXT, "supervise", "答复期限须晚于今天"),
    (None, TEXT, "supervise", "答复期限须晚于今天"),  # today
    ("2099-01-01", "", "supervise", "请填写督办内容"),
    ("2099-01-01", TEXT, "order", "督办类型「order」无效"),
])
def test_bad_input_is_shown_beside_the_field(w, client, login, xihu_case, due_on, text, kind, message):
    login(w.inspector)
    response = client.post(f"/inspection/cases/{xihu_case.id}/instructions/new",
                           data={"kind": kind, "text": text, "due_on": due_on or beijing_today().isoformat()})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "invalid-feedback" in html
    assert count() == 0


def test_own_office_gets_403_and_other_offices_404(w, client, login, xihu_case, make_case):
    city_case = make_case(w.inspector)
    login(w.xihu_inspector)
    assert client.get(f"/inspection/cases/{xihu_case.id}/instructions/new").status_code == 403
    assert client.post(f"/inspection/cases/{xihu_case.id}/instructions/new",
                       data={"kind": "supervise", "text": TEXT, "due_on": later()}).status_code == 403
    assert client.get(f"/inspection/cases/{city_case.id}/instructions/new").status_code == 404
    assert count() == 0


def test_xihu_answers_through_the_form(w, client, login, instruction):
    login(w.xihu_inspector)
    received = client.get("/inspection/instructions?direction=received").get_data(as_text=True)
    assert instruction.case.number in received and "待答复" in received
    assert f"/inspection/instructions/{instruction.id}/answer" in received
    url = f"/inspection/instructions/{instruction.id}/answer"
    assert client.post(url, data={"answer": "  "}).status_code == 422
    response = client.post(url, data={"answer": "已核查，正在整改。"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SupervisionInstruction, instruction.id).answer == "已核查，正在整改。"
    # answered: the page shows it without a form, and a second answer is not possible
    page = client.get(url).get_data(as_text=True)
    assert "已核查，正在整改。" in page and "提交答复" not in page and "已答复" in page


def test_city_cannot_answer_and_binjiang_cannot_see(w, client, login, instruction):
    url = f"/inspection/instructions/{instruction.id}/answer"
    login(w.inspector)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"answer": "越级答复"}).status_code == 403
    client.post("/logout")
    login(w.binjiang_inspector)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"answer": "越权答复"}).status_code == 404
    for direction in ("received", "issued"):
        html = client.get(f"/inspection/instructions?direction={direction}&state=all&sub=1").get_data(as_text=True)
        assert instruction.case.number not in html
    db.session.expire_all()
    assert db.session.get(SupervisionInstruction, instruction.id).answer is None


@pytest.mark.parametrize("user", ["unit_user", "discipline"])
def test_unit_and_discipline_users_get_404(w, client, login, instruction, user):
    login(getattr(w, user))
    assert client.get("/inspection/instructions").status_code == 404
    assert client.get(f"/inspection/instructions/{instruction.id}/answer").status_code == 404
    assert client.get(f"/inspection/cases/{instruction.case_id}/instructions/new").status_code == 404


def test_lists_show_open_overdue_and_late_for_both_sides(w, client, login, xihu_case):
    today = beijing_today()
    made = {}
    for name in ("open", "overdue", "late"):
        made[name] = issue_instruction(w.inspector, xihu_case,
                                       {"kind": "supervise", "text": f"{name}-督办内容", "due_on": later()})
    answer_instruction(w.xihu_inspector, made["late"], "迟到的答复")
    db.session.commit()
    for name, due in (("overdue", today - timedelta(days=2)), ("late", today - timedelta(days=5))):
        db.session.execute(update(SupervisionInstruction).where(SupervisionInstruction.id == made[name].id)
                           .values(due_on=due))
    db.session.commit()

    def rows(direction, state, **extra):
        args = "&".join(f"{k}={v}" for k, v in {"direction": direction, "state": state, **extra}.items())
        response = client.get(f"/inspection/instructions?{args}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        return {name for name in made if f"{name}-督办内容" in html}, html

    for user, direction, extra in ((w.xihu_inspector, "received", {}), (w.inspector, "issued", {}),
                                   (w.inspector, "received", {"sub": "1"})):
        client.post("/logout")
        login(user)
        assert rows(direction, "open", **extra)[0] == {"open", "overdue"}
        found, html = rows(direction, "overdue", **extra)
        assert found == {"overdue"} and "已逾期" in html
        found, html = rows(direction, "late", **extra)
        assert found == {"late"} and "逾期答复" in html
        assert rows(direction, "all", **extra)[0] == {"open", "overdue", "late"}
    # the city's own received tab (nothing came from above) stays empty
    assert rows("received", "all")[0] == set()


def test_case_panel_buttons(app, w, xihu_case, instruction):
    """The panel offers 督办/催办 to the superior office and 答复 to the case's office, nothing to others."""
    new_url = f"/inspection/cases/{xihu_case.id}/instructions/new"
    answer_url = f"/inspection/instructions/{instruction.id}/answer"
    for user, has_new, has_answer, shown in ((w.inspector, True, False, True), (w.xihu_inspector, False, True, True),
                                             (w.binjiang_inspector, False, False, False),
                                             (w.unit_user, False, False, False)):
        with app.test_request_context():
            login_user(user)
            html = render_template("inspection/instructions/_case_panel.html", case=xihu_case)
        assert (new_url in html) is has_new, user
        assert (answer_url in html) is has_answer, user
        assert (TEXT in html) is shown, user


def test_issue_page_on_a_dismissed_case_explains_instead_of_a_form(w, client, login, xihu_case):
    from inspection.services import cases

    cases.transition(w.xihu_inspector, xihu_case, "verifying")
    cases.transition(w.xihu_inspector, xihu_case, "dismissed", reason="查无实据")
    db.session.commit()
    login(w.inspector)
    response = client.get(f"/inspection/cases/{xihu_case.id}/instructions/new", follow_redirects=True)
    assert response.status_code == 200 and "不能再督办" in response.get_data(as_text=True)
    assert client.post(f"/inspection/cases/{xihu_case.id}/instructions/new",
                       data={"kind": "supervise", "text": TEXT, "due_on": later()}).status_code == 302
    assert count() == 0


def test_the_list_does_not_query_per_row(app, w, client, login, xihu_case, make_case):
    from sqlalchemy import event

    def statements_for_list() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/inspection/instructions?direction=issued&state=all").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    login(w.inspector)
    issue_instruction(w.inspector, xihu_case, {"kind": "supervise", "text": TEXT, "due_on": later()})
    db.session.commit()
    one = statements_for_list()
    for index in range(4):  # other cases, in both district offices
        inspector, unit = (w.xihu_inspector, w.xihu_unit) if index % 2 else (w.binjiang_inspector, w.binjiang_unit)
        case = make_case(inspector, unit_id=unit.id)
        issue_instruction(w.inspector, case, {"kind": "urge", "text": TEXT, "due_on": later()})
    db.session.commit()
    db.session.expire_all()
    assert statements_for_list() == one
