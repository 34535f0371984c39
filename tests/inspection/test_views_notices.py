"""The notice screens: issuing, the printable notice, one unit's copy and its 签收, the unsigned list,
the case page's panel — with the 404 rule for anything outside the caller's scope."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.notify.models import Notification
from portal.timeutil import beijing_today

from inspection import workdays
from inspection.models import NoticeDelivery, RectificationNotice
from inspection.services import notices


def year() -> int:
    return beijing_today().year


def cn(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def text(response) -> str:
    return response.get_data(as_text=True)


def as_user(client, login, user):
    """Sign the test client in as ``user`` (signing out whoever was signed in)."""
    client.post("/logout")
    login(user)


def delivery_of(notice, unit) -> NoticeDelivery:
    return next(d for d in notice.deliveries if d.unit_id == unit.id)


def two_unit_case(w, make_case, make_finding):
    case = make_case()
    make_finding(case, description="审计局超编进人两名。")
    make_finding(case, responsible_unit_id=w.centre.id, description="信息中心混编混岗。", violation_type="mixed_posts",
                 basis="《事业单位机构编制管理规定》")
    return case


# ---------------------------------------------------------------- issuing

def test_issue_page_shows_what_will_be_listed(w, client, login, make_case, make_finding, app):
    case = two_unit_case(w, make_case, make_finding)
    as_user(client, login, w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}/notices/new"))
    due = workdays.add_working_days(beijing_today(), app.config["RECTIFICATION_WORKING_DAYS"]).due_on
    assert "审计局超编进人两名。" in page and "信息中心混编混岗。" in page
    assert cn(due) in page
    assert "第一份整改通知" in page and "整改中" in page
    assert notices.default_requirements(case)[:20] in page
    assert "确认下发整改通知" in page


def test_issue_then_supplementary(w, client, login, make_case, make_finding):
    case = two_unit_case(w, make_case, make_finding)
    as_user(client, login, w.inspector)
    response = client.post(f"/inspection/cases/{case.id}/notices/new", data={"requirements": "请立即整改。"})
    assert response.status_code == 302
    notice = db.session.scalars(select(RectificationNotice)).one()
    assert response.headers["Location"].endswith(f"/inspection/notices/{notice.id}")
    assert notice.number == f"杭编督改〔{year()}〕1号" and notice.requirements == "请立即整改。"
    db.session.refresh(case)
    assert case.status == "rectifying"
    # unit users get a link to their own copy, and no finding text
    note = db.session.scalars(select(Notification).where(Notification.user_id == w.centre_user.id)).one()
    assert note.link.endswith(f"/inspection/deliveries/{delivery_of(notice, w.centre).id}")
    assert "混编混岗" not in note.subject

    make_finding(case, description="新发现：擅自加挂牌子。", violation_type="disguised_body")
    page = text(client.get(f"/inspection/cases/{case.id}/notices/new"))
    assert "补充整改通知" in page and "新发现：擅自加挂牌子。" in page and "审计局超编进人两名。" not in page
    response = client.post(f"/inspection/cases/{case.id}/notices/new", data={"requirements": ""})
    assert response.status_code == 302
    second = db.session.scalars(select(RectificationNotice).order_by(RectificationNotice.id.desc())).first()
    assert second.kind == "supplementary" and second.number == f"杭编督改〔{year()}〕2号"
    assert second.requirements == notices.default_requirements(case)  # left empty: the default text


def test_nothing_to_notify_is_shown(w, client, login, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    issue_notice(case)
    as_user(client, login, w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}/notices/new"))
    assert "没有需要整改且尚未通知的问题" in page and "确认下发" not in page
    response = client.post(f"/inspection/cases/{case.id}/notices/new", data={"requirements": "x"})
    assert response.status_code == 422
    assert "没有需要整改且尚未通知的问题" in text(response)
    assert db.session.scalar(select(func.count(RectificationNotice.id))) == 1


def test_wrong_state_is_shown(w, client, login, make_case):
    case = make_case()  # still 线索登记
    as_user(client, login, w.inspector)
    assert "不能下发整改通知" in text(client.get(f"/inspection/cases/{case.id}/notices/new"))
    response = client.post(f"/inspection/cases/{case.id}/notices/new", data={"requirements": "x"})
    assert response.status_code == 422 and "当前状态（线索登记）不能下发整改通知" in text(response)


def test_past_due_date_is_refused_and_nothing_saved(w, client, login, make_case, make_finding, issue_notice):
    case = make_case()
    finding = make_finding(case)
    finding.due_on = beijing_today() - timedelta(days=1)
    db.session.commit()
    as_user(client, login, w.inspector)
    assert "期限已到或已过" in text(client.get(f"/inspection/cases/{case.id}/notices/new"))
    response = client.post(f"/inspection/cases/{case.id}/notices/new", data={"requirements": "请整改。"})
    assert response.status_code == 422
    page = text(response)
    assert "问题1的整改期限" in page and "请整改。" in page  # the text typed is kept
    assert db.session.scalar(select(func.count(RectificationNotice.id))) == 0
    finding.due_on = beijing_today() + timedelta(days=20)
    db.session.commit()
    assert issue_notice(case).number == f"杭编督改〔{year()}〕1号"  # the counter did not move


def test_who_may_not_issue(w, client, login, make_case, make_finding):
    xihu_case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(xihu_case, w.xihu_inspector)
    as_user(client, login, w.inspector)  # the city reads the district's case but may not write it
    response = client.get(f"/inspection/cases/{xihu_case.id}/notices/new")
    assert response.status_code == 403 and "只能查看" in text(response)
    assert client.post(f"/inspection/cases/{xihu_case.id}/notices/new").status_code == 403
    as_user(client, login, w.binjiang_inspector)  # a sibling district does not even see it
    assert client.get(f"/inspection/cases/{xihu_case.id}/notices/new").status_code == 404
    city_case = make_case()
    make_finding(city_case)
    notices.issue(w.inspector, city_case)
    db.session.commit()
    as_user(client, login, w.unit_user)  # reads its delivered case, but issuing is not for it
    assert client.get(f"/inspection/cases/{city_case.id}/notices/new").status_code == 404
    assert client.get(f"/inspection/cases/{xihu_case.id}/notices/new").status_code == 404
    assert db.session.scalar(select(func.count(RectificationNotice.id))) == 1


# ---------------------------------------------------------------- the printable notice

def test_print_view(w, client, login, make_case, make_finding, issue_notice):
    case = two_unit_case(w, make_case, make_finding)
    notice = issue_notice(case)
    as_user(client, login, w.inspector)
    response = client.get(f"/inspection/notices/{notice.id}")
    assert response.status_code == 200
    page = text(response)
    assert notice.number in page and w.city.name in page
    assert "审计局超编进人两名。" in page and "信息中心混编混岗。" in page and "《事业单位机构编制管理规定》" in page
    assert "杭州市审计局、杭州市审计局信息中心：" in page  # 主送
    assert "整改通知" in page and "print-notice.css" in page
    assert cn(case.findings[0].due_on) in page
    assert "未签收" in page  # the deliveries, staff only


def test_print_view_scope(w, client, login, make_case, make_finding, issue_notice):
    case = two_unit_case(w, make_case, make_finding)
    notice = issue_notice(case)
    as_user(client, login, w.xihu_inspector)
    assert client.get(f"/inspection/notices/{notice.id}").status_code == 404
    as_user(client, login, w.discipline)
    assert client.get(f"/inspection/notices/{notice.id}").status_code == 404
    # a unit user is sent to its own copy; a unit with no copy gets 404
    as_user(client, login, w.centre_user)
    response = client.get(f"/inspection/notices/{notice.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/deliveries/{delivery_of(notice, w.centre).id}")
    assert client.get("/inspection/notices/999999").status_code == 404


# ---------------------------------------------------------------- one unit's copy and 签收

def test_delivery_lists_only_the_units_findings(w, client, login, make_case, make_finding, issue_notice):
    case = two_unit_case(w, make_case, make_finding)
    notice = issue_notice(case)
    centre = delivery_of(notice, w.centre)
    as_user(client, login, w.centre_user)
    page = text(client.get(f"/inspection/deliveries/{centre.id}"))
    assert "信息中心混编混岗。" in page and "审计局超编进人两名。" not in page
    assert "杭州市审计局信息中心：" in page and notice.number in page
    assert "本通知尚未签收" in page
    # the other unit's copy does not exist for this user
    assert client.get(f"/inspection/deliveries/{delivery_of(notice, w.bureau).id}").status_code == 404
    assert client.post(f"/inspection/deliveries/{delivery_of(notice, w.bureau).id}/sign").status_code == 404


def test_signing_on_the_web(w, client, login, make_case, make_finding, issue_notice):
    case = two_unit_case(w, make_case, make_finding)
    notice = issue_notice(case)
    bureau = delivery_of(notice, w.bureau)
    as_user(client, login, w.unit_user)
    response = client.post(f"/inspection/deliveries/{bureau.id}/sign")
    assert response.status_code == 302
    db.session.refresh(bureau)
    assert bureau.signed_at is not None and bureau.signed_by_name == w.unit_user.label
    page = text(client.get(f"/inspection/deliveries/{bureau.id}"))
    assert "已签收" in page and w.unit_user.username in page and "北京时间" in page
    assert "本通知尚未签收" not in page
    signed_at = bureau.signed_at
    again = client.post(f"/inspection/deliveries/{bureau.id}/sign")
    assert again.status_code == 422 and "由 测试用户（bureau_user） 签收" in text(again)
    db.session.refresh(bureau)
    assert bureau.signed_at == signed_at


def test_staff_see_but_cannot_sign(w, client, login, make_case, make_finding, issue_notice):
    case = two_unit_case(w, make_case, make_finding)
    notice = issue_notice(case)
    bureau = delivery_of(notice, w.bureau)
    as_user(client, login, w.inspector)
    page = text(client.get(f"/inspection/deliveries/{bureau.id}"))
    assert "审计局超编进人两名。" in page and "信息中心混编混岗。" not in page
    assert "尚未签收" in page and "sign_delivery" not in page and f"/deliveries/{bureau.id}/sign" not in page
    assert client.post(f"/inspection/deliveries/{bureau.id}/sign").status_code == 403
    db.session.refresh(bureau)
    assert not bureau.is_signed
    as_user(client, login, w.binjiang_inspector)
    assert client.get(f"/inspection/deliveries/{bureau.id}").status_code == 404


# ---------------------------------------------------------------- unsigned list

def test_unsigned_list(w, client, login, make_case, make_finding, issue_notice):
    case = two_unit_case(w, make_case, make_finding)
    notice = issue_notice(case)
    notices.sign(w.unit_user, delivery_of(notice, w.bureau))
    db.session.commit()
    xihu_case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(xihu_case, w.xihu_inspector)
    issue_notice(xihu_case, w.xihu_inspector)
    as_user(client, login, w.inspector)
    page = text(client.get("/inspection/notices/unsigned"))
    assert "杭州市审计局信息中心" in page and notice.number in page and "0 天" in page
    assert "杭州市西湖区审计局" not in page and ">杭州市审计局<" not in page
    page = text(client.get("/inspection/notices/unsigned?sub=y"))
    assert "杭州市西湖区审计局" in page and f"西编督改〔{year()}〕1号" in page
    as_user(client, login, w.unit_user)
    assert client.get("/inspection/notices/unsigned").status_code == 404


# ---------------------------------------------------------------- the case page's panel

def test_case_panel(w, client, login, make_case, make_finding, issue_notice):
    case = two_unit_case(w, make_case, make_finding)
    as_user(client, login, w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert f"/inspection/cases/{case.id}/notices/new" in page and "下发整改通知" in page
    notice = issue_notice(case)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert notice.number in page and f"/inspection/notices/{notice.id}" in page and "未签收" in page
    assert f"/inspection/cases/{case.id}/notices/new" not in page  # nothing left to notify
    make_finding(case)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "下发补充整改通知" in page


def test_case_panel_hides_the_button_from_readers(w, client, login, make_case, make_finding):
    xihu_case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(xihu_case, w.xihu_inspector)
    as_user(client, login, w.inspector)
    page = text(client.get(f"/inspection/cases/{xihu_case.id}"))
    assert page and f"/inspection/cases/{xihu_case.id}/notices/new" not in page
    as_user(client, login, w.xihu_inspector)
    assert f"/inspection/cases/{xihu_case.id}/notices/new" in text(client.get(f"/inspection/cases/{xihu_case.id}"))

