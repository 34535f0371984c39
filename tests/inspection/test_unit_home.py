"""The unit user's workspace (/inspection/my-unit): its own notices and findings, nothing else."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.timeutil import beijing_today

from inspection import notice_queries, workdays
from inspection.services import cases, findings, notices


def text(response) -> str:
    return response.get_data(as_text=True)


def as_user(client, login, user):
    client.post("/logout")
    login(user)


def setup_case(w, make_case, make_finding, issue_notice):
    case = make_case()
    own = make_finding(case, description="审计局超编进人两名。")
    other = make_finding(case, responsible_unit_id=w.centre.id, description="信息中心混编混岗。",
                         violation_type="mixed_posts")
    cases.add_note(w.inspector, case, "内部备注：举报人为张某。")
    db.session.commit()
    notice = issue_notice(case)
    unnoticed = make_finding(case, description="尚未通知的问题。")
    return case, notice, own, other, unnoticed


def test_lists_only_own_delivered_findings(w, client, login, make_case, make_finding, issue_notice):
    case, notice, own, other, unnoticed = setup_case(w, make_case, make_finding, issue_notice)
    login(w.unit_user)
    response = client.get("/inspection/my-unit")
    assert response.status_code == 200
    page = text(response)
    assert "审计局超编进人两名。" in page and notice.number in page
    assert "信息中心混编混岗。" not in page  # another unit's finding
    assert "尚未通知的问题。" not in page  # not sent yet
    assert "内部备注" not in page and "举报人" not in page
    days = workdays.working_days_between(beijing_today(), own.due_on)
    assert f">{days}<" in page.replace("\n", "").replace(" ", "")
    delivery = next(d for d in notice.deliveries if d.unit_id == w.bureau.id)
    assert f"/inspection/deliveries/{delivery.id}/sign" in page  # unsigned: a 签收 button


def test_unsigned_first_and_sign_from_the_workspace(w, client, login, make_case, make_finding, issue_notice):
    case, first, *_ = setup_case(w, make_case, make_finding, issue_notice)
    second = issue_notice(case)  # the unnoticed finding goes on a supplementary notice
    first_delivery = next(d for d in first.deliveries if d.unit_id == w.bureau.id)
    second_delivery = next(d for d in second.deliveries if d.unit_id == w.bureau.id)
    notices.sign(w.unit_user, second_delivery)
    db.session.commit()
    rows = db.session.scalars(notice_queries.unit_deliveries_query(w.unit_user)).all()
    assert [d.id for d in rows] == [first_delivery.id, second_delivery.id]  # unsigned first
    login(w.unit_user)
    response = client.post(f"/inspection/deliveries/{first_delivery.id}/sign")
    assert response.status_code == 302
    db.session.refresh(first_delivery)
    assert first_delivery.is_signed
    page = text(client.get("/inspection/my-unit"))
    assert "/sign" not in page and page.count("已签收") >= 2


def test_overdue_is_marked(w, client, login, make_case, make_finding, issue_notice):
    case, notice, own, *_ = setup_case(w, make_case, make_finding, issue_notice)
    own.due_on = beijing_today() - timedelta(days=3)
    db.session.commit()
    login(w.unit_user)
    page = text(client.get("/inspection/my-unit"))
    assert "逾期" in page and "table-danger" in page
    findings.accept(w.inspector, own, "现场核查已整改。")
    db.session.commit()
    page = text(client.get("/inspection/my-unit"))
    # settled findings leave the home page (it lists what is still to do); the ledger keeps them
    assert "审计局超编进人两名。" not in page and "table-danger" not in page
    page = text(client.get(f"/inspection/ledger/{w.bureau.code}"))
    assert "审计局超编进人两名。" in page and "已销号" in page and "现场核查已整改。" in page


def test_other_unit_sees_only_its_own(w, client, login, make_case, make_finding, issue_notice):
    setup_case(w, make_case, make_finding, issue_notice)
    login(w.centre_user)
    page = text(client.get("/inspection/my-unit"))
    assert "信息中心混编混岗。" in page and "审计局超编进人两名。" not in page


def test_nothing_yet(w, client, login):
    login(w.unit_user)
    page = text(client.get("/inspection/my-unit"))
    assert "尚未收到整改通知" in page and "没有需要本单位整改的问题" in page


def test_paged(w, client, login, make_case, make_finding, issue_notice, app):
    app.config["PER_PAGE"] = 2
    case = make_case()
    for n in range(3):
        make_finding(case, description=f"问题文本{n}。")
    issue_notice(case)
    login(w.unit_user)
    first = text(client.get("/inspection/my-unit"))
    second = text(client.get("/inspection/my-unit?page=2"))
    assert first.count("问题文本") == 2 and second.count("问题文本") == 1
    assert "共 3 条" in first


def test_not_for_staff_or_discipline(w, client, login):
    for user in (w.inspector, w.admin, w.discipline):
        as_user(client, login, user)
        assert client.get("/inspection/my-unit").status_code == 404
