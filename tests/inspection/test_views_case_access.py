"""Who sees the case page and what: the owner office works it, a superior office reads it, a sibling
office, an unrelated unit and a discipline user get 404, and a unit user sees only what was sent to it."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.timeutil import beijing_today

from inspection.services import cases, findings


def text(response) -> str:
    return response.get_data(as_text=True)


def xihu_case(make_case, make_finding, w):
    case = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项-MARK-XIHU")
    make_finding(case, w.xihu_inspector)
    return case


def test_owner_office_sees_the_case_with_its_actions(client, login, w, make_case, make_finding):
    case = make_case(description="情况描述-MARK-DESC", source_ref="第三轮巡察")
    finding = make_finding(case, description="问题描述-MARK-F1")
    cases.add_note(w.inspector, case, "内部备注-MARK-NOTE")
    db.session.commit()
    login(w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    for marker in (case.number, "情况描述-MARK-DESC", "第三轮巡察", "问题描述-MARK-F1", "内部备注-MARK-NOTE",
                   w.bureau.name, "机构编制委员会办公室", "张督查", "调查核实"):
        assert marker in page, marker
    assert f'action="/inspection/cases/{case.id}/transition"' in page
    assert f'href="/inspection/cases/{case.id}/notices/new"' in page  # issue_notice links, not posts
    assert f'action="/inspection/cases/{case.id}/notes"' in page
    assert f'href="/inspection/findings/{finding.id}/edit"' in page
    assert f'action="/inspection/findings/{finding.id}/waiver"' in page
    assert f'href="/inspection/cases/{case.id}/edit"' in page
    # the timeline, newest first, and the finding's own history
    assert page.index("记录问题1") < page.index("线索登记：")
    assert "问题办理记录" in page


def test_city_inspector_reads_a_district_case_without_actions(client, login, w, make_case, make_finding):
    case = xihu_case(make_case, make_finding, w)
    finding = case.findings[0]
    login(w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "西湖区事项-MARK-XIHU" in page and "只读（下级编办办理）" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert f"/inspection/cases/{case.id}/edit" not in page
    assert f"/inspection/findings/{finding.id}/edit" not in page
    for url, data in ((f"/inspection/cases/{case.id}/transition", {"to": "dismissed", "reason": "越权"}),
                      (f"/inspection/cases/{case.id}/notes", {"text": "越权备注"}),
                      (f"/inspection/findings/{finding.id}/accept", {"comment": "x"}),
                      (f"/inspection/findings/{finding.id}/waiver", {"reason": "x"}),
                      (f"/inspection/findings/{finding.id}/waiver/decision", {"decision": "approve"}),
                      (f"/inspection/cases/{case.id}/findings/new", {"description": "x"}),
                      (f"/inspection/findings/{finding.id}/edit", {"description": "x"}),
                      (f"/inspection/cases/{case.id}/edit", {"title": "x"})):
        assert client.post(url, data=data).status_code == 403, url
    assert client.get(f"/inspection/cases/{case.id}/edit").status_code == 403
    db.session.expire_all()
    assert case.status == "verifying" and case.title == "西湖区事项-MARK-XIHU"


def test_sibling_district_inspector_gets_404(client, login, w, make_case, make_finding):
    case = xihu_case(make_case, make_finding, w)
    finding_id = case.findings[0].id
    login(w.binjiang_inspector)
    assert client.get(f"/inspection/cases/{case.id}").status_code == 404
    assert client.get(f"/inspection/cases/{case.id}/edit").status_code == 404
    assert client.post(f"/inspection/cases/{case.id}/transition", data={"to": "dismissed"}).status_code == 404
    assert client.post(f"/inspection/findings/{finding_id}/accept").status_code == 404
    assert client.get(f"/inspection/findings/{finding_id}/edit").status_code == 404


def test_discipline_user_sees_no_case(client, login, w, make_case, make_finding, issue_notice):
    case = make_case()
    make_finding(case)
    issue_notice(case)
    login(w.discipline)
    assert client.get(f"/inspection/cases/{case.id}").status_code == 404


def test_unit_user_gets_404_for_cases_not_sent_to_it(client, login, w, make_case, make_finding, issue_notice):
    verifying = make_case(title="核实中-MARK-VERIFY")
    make_finding(verifying)  # its unit, but no notice yet
    other = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(other, w.xihu_inspector)
    issue_notice(other, w.xihu_inspector)  # sent, but to another unit
    login(w.unit_user)
    for case_id in (verifying.id, other.id, other.id + 1000):
        assert client.get(f"/inspection/cases/{case_id}").status_code == 404, case_id
    assert client.get(f"/inspection/findings/{other.findings[0].id}/edit").status_code == 404


def test_unit_view_shows_only_what_was_sent_to_the_unit(client, login, w, make_case, make_finding, issue_notice):
    case = make_case(description="情况描述-MARK-DESC", title="张某举报超编-MARK-TITLE", source="hotline",
                     source_ref="举报编号-MARK-REF")
    own = make_finding(case, description="本单位问题-MARK-OWN", basis="依据-MARK-BASIS")
    make_finding(case, description="中心问题-MARK-CENTRE", responsible_unit_id=w.centre.id)
    cases.add_note(w.inspector, case, "内部备注-MARK-NOTE")
    db.session.commit()
    issue_notice(case)
    findings.request_waiver(w.inspector, own, "内部讨论-MARK-WAIVER")
    db.session.commit()
    later = make_finding(case, description="尚未通知-MARK-LATER")  # not on a notice yet
    assert later.notice_id is None

    login(w.unit_user)
    response = client.get(f"/inspection/cases/{case.id}")
    assert response.status_code == 200
    page = text(response)
    assert case.number in page and "关于杭州市审计局机构编制问题的整改事项" in page
    assert "本单位问题-MARK-OWN" in page and "依据-MARK-BASIS" in page and "整改中" in page
    delivery = next(d for d in own.notice.deliveries if d.unit_id == w.bureau.id)
    assert f'href="/inspection/deliveries/{delivery.id}"' in page and own.notice.number in page
    for leak in ("中心问题-MARK-CENTRE", "情况描述-MARK-DESC", "内部备注-MARK-NOTE", "内部讨论-MARK-WAIVER",
                 "尚未通知-MARK-LATER", "免于整改待审批", "办理过程", "张督查", "线索登记",
                 "MARK-TITLE", "MARK-REF", "12310"):
        assert leak not in page, leak
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    # actions answer 403 (the finding is its own) or 404 (another unit's)
    assert client.post(f"/inspection/findings/{own.id}/accept").status_code == 403
    assert client.post(f"/inspection/cases/{case.id}/notes", data={"text": "x"}).status_code == 403

    client.post("/logout")
    login(w.centre_user)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "中心问题-MARK-CENTRE" in page and "本单位问题-MARK-OWN" not in page


def test_due_dates_show_provisional_and_overdue(client, login, w, make_case, make_finding, issue_notice):
    case = make_case()
    first = make_finding(case)
    second = make_finding(case, due_on=(beijing_today() + timedelta(days=30)).isoformat())
    issue_notice(case)
    first.due_on, first.is_due_provisional = beijing_today() - timedelta(days=2), True
    db.session.commit()
    login(w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert f"{first.due_on.isoformat()}（暂定）" in page
    assert f"{second.due_on.isoformat()}（暂定）" not in page and second.due_on.isoformat() in page
    assert "逾期" in page
    client.post("/logout")
    login(w.unit_user)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert f"{first.due_on.isoformat()}（暂定）" in page and "逾期" in page


def test_hotline_case_shows_the_related_report(client, login, w, make_case):
    case = make_case(source="hotline", source_ref="12310-2026-0042")
    login(w.inspector)
    page = text(client.get(f"/inspection/cases/{case.id}"))
    assert "关联举报" in page and "12310-2026-0042" in page
    other = make_case(source="audit", source_ref="杭审报〔2026〕1号")
    assert "关联举报" not in text(client.get(f"/inspection/cases/{other.id}"))


def test_case_page_queries_do_not_grow_with_findings(client, login, w, make_case, make_finding):
    from sqlalchemy import event

    case = make_case()
    login(w.inspector)

    def statements_for_page() -> int:
        seen = []
        db.session.expire_all()  # as in a fresh request

        def count(*args):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/inspection/cases/{case.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    make_finding(case)
    statements_for_page()  # warm-up
    few = statements_for_page()
    for _ in range(8):
        make_finding(case, responsible_unit_id=w.centre.id)
    findings.request_waiver(w.inspector, case.findings[-1], "理由")
    db.session.commit()
    assert statements_for_page() <= few
