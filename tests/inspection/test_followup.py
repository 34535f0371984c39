"""Follow-up of what is late (跟踪督查): overdue lists for staff, the workspace panel, and the register flag
整改未完成 (暂停受理机构编制事项) — derived by query, shown on internal pages only."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.errors import NotFound
from portal.extensions import db
from portal.registry.flags import flags_for
from portal.timeutil import beijing_today

from inspection import followup
from tests.inspection.ledger_support import add_round, make_overdue


def text(response) -> str:
    return response.get_data(as_text=True)


def listed(user, **kwargs) -> list[int]:
    return [f.id for f in db.session.scalars(followup.overdue_findings_query(user, **kwargs)).unique()]


@pytest.fixture()
def district_finding(w, make_case, make_finding, issue_notice):
    """A finding of a 西湖区 case (by the 西湖 office) on the 西湖 unit, sent."""
    def factory():
        case = make_case(actor=w.xihu_inspector, unit_id=w.xihu_unit.id, title="西湖区事项")
        finding = make_finding(case, actor=w.xihu_inspector)
        issue_notice(case, actor=w.xihu_inspector)
        return finding

    return factory


# ---------------------------------------------------------------- overdue lists

def test_past_due_is_listed_most_overdue_first(w, sent_finding):
    older = make_overdue(sent_finding(), days=10)
    newer = make_overdue(sent_finding(), days=2)
    sent_finding()  # not due yet
    assert listed(w.inspector) == [older.id, newer.id]


def test_on_time_submission_waiting_stops_the_clock(w, sent_finding):
    finding = sent_finding()
    add_round(finding, w.unit_user, status="submitted", submitted_on=finding.due_on - timedelta(days=1))
    make_overdue(finding)  # the deadline passes while the report waits for review
    assert finding.rectification_status == "submitted"
    assert listed(w.inspector) == []


def test_late_submission_keeps_it_overdue(w, sent_finding):
    finding = make_overdue(sent_finding(), days=5)
    add_round(finding, w.unit_user, status="submitted", submitted_on=beijing_today())
    assert listed(w.inspector) == [finding.id]


def test_settled_and_unsent_are_not_overdue(w, sent_finding, make_case, make_finding):
    from inspection.services import findings

    finding = make_overdue(sent_finding())
    findings.accept(w.inspector, finding, "已整改。")
    db.session.commit()
    unsent = make_finding(make_case())
    unsent.due_on = beijing_today() - timedelta(days=3)
    db.session.commit()
    assert listed(w.inspector) == []


def test_office_scope_and_subordinates(w, sent_finding, district_finding):
    city = make_overdue(sent_finding())
    district = make_overdue(district_finding())
    assert listed(w.inspector) == [city.id]
    assert set(listed(w.inspector, include_subordinates=True)) == {city.id, district.id}
    assert listed(w.xihu_inspector, include_subordinates=True) == [district.id]
    assert listed(w.binjiang_inspector, include_subordinates=True) == []
    for user in (w.unit_user, w.discipline):
        with pytest.raises(NotFound):
            followup.overdue_findings_query(user)


def test_workspace_panel(w, client, login, sent_finding):
    findings = [make_overdue(sent_finding(), days=n) for n in range(1, 13)]
    login(w.inspector)
    page = text(client.get("/workspace"))
    assert "逾期问题" in page and ">12<" in page
    assert page.count("/inspection/findings/") - page.count("/inspection/findings/overdue") == 10
    assert f"/inspection/findings/{findings[-1].id}\"" in page  # the most overdue is shown
    assert f"/inspection/findings/{findings[0].id}\"" not in page  # the 12th is not
    assert "/inspection/findings/overdue" in page
    panel = followup.overdue_panel(w.inspector)
    assert panel.count == 12 and panel.days_overdue(panel.findings[0]) == 12


def test_workspace_panel_only_for_case_managers(w, client, login, sent_finding):
    make_overdue(sent_finding())
    assert followup.overdue_panel(w.admin) is None  # staff without cases.manage
    assert followup.overdue_panel(w.unit_user) is None
    login(w.admin)
    assert "overdue-panel" not in text(client.get("/workspace"))
    client.post("/logout")
    login(w.unit_user)
    page = text(client.get("/workspace"))
    assert "overdue-panel" not in page and "本单位有 1 个整改问题已逾期" in page


def test_overdue_list_page(w, client, login, sent_finding, district_finding, app):
    app.config["PER_PAGE"] = 2
    found = [make_overdue(sent_finding(), days=n) for n in (3, 5, 7)]
    district = make_overdue(district_finding())
    login(w.inspector)
    first = text(client.get("/inspection/findings/overdue"))
    assert f"/inspection/findings/{found[2].id}\"" in first and f"/inspection/findings/{found[0].id}\"" not in first
    assert "共 3 条" in first
    with_sub = text(client.get("/inspection/findings/overdue?sub=y&page=2"))
    assert "共 4 条" in with_sub and f"/inspection/findings/{district.id}\"" in with_sub and "下级编办·只读" in with_sub
    client.post("/logout")
    login(w.unit_user)
    response = client.get("/inspection/findings/overdue")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inspection/my-unit")
    client.post("/logout")
    login(w.discipline)
    assert client.get("/inspection/findings/overdue").status_code == 404


# ---------------------------------------------------------------- the register flag

def _situation(w, name, sent_finding, make_case, make_finding):
    """Build one situation on the bureau; returns nothing (the flag is asked about the bureau)."""
    from inspection.services import findings

    if name == "none":
        return
    if name == "unsent":
        finding = make_finding(make_case())
        finding.due_on = beijing_today() - timedelta(days=3)
        db.session.commit()
        return
    finding = sent_finding()
    if name == "open":
        return
    if name == "overdue":
        make_overdue(finding)
    elif name == "overdue_accepted":
        make_overdue(finding)
        findings.accept(w.inspector, finding, "已整改。")
        db.session.commit()
    elif name == "waiting_on_time":
        add_round(finding, w.unit_user, status="submitted", submitted_on=finding.due_on - timedelta(days=1))
        make_overdue(finding)
    elif name == "waiting_late":
        make_overdue(finding)
        add_round(finding, w.unit_user, status="submitted", submitted_on=beijing_today())


@pytest.mark.parametrize("situation, flagged, flagged_any_open", [
    ("none", False, False),
    ("unsent", False, False),
    ("open", False, True),
    ("overdue", True, True),
    ("overdue_accepted", False, False),
    ("waiting_on_time", False, True),
    ("waiting_late", True, True),
])
@pytest.mark.parametrize("any_open", [False, True])
def test_flag_rule(w, app, sent_finding, make_case, make_finding, situation, flagged, flagged_any_open, any_open):
    app.config["RECTIFICATION_FLAG_ANY_OPEN"] = any_open
    _situation(w, situation, sent_finding, make_case, make_finding)
    expected = flagged_any_open if any_open else flagged
    result = followup.flagged_units([w.bureau.id, w.centre.id])
    assert (w.bureau.id in result) is expected
    assert w.centre.id not in result
    hook = flags_for([w.bureau.id])
    assert (w.bureau.id in hook) is expected
    if expected:
        assert hook[w.bureau.id][0].label == "整改未完成"
        assert "暂停受理机构编制事项" in hook[w.bureau.id][0].detail


def test_flag_clears_when_accepted(w, sent_finding):
    from inspection.services import findings

    finding = make_overdue(sent_finding())
    assert "1 个整改问题已逾期" in followup.flagged_units([w.bureau.id])[w.bureau.id]
    findings.accept(w.inspector, finding, "已整改。")
    db.session.commit()
    assert followup.flagged_units([w.bureau.id]) == {}


def test_flag_on_internal_pages(w, client, login, sent_finding):
    make_overdue(sent_finding())
    login(w.inspector)
    page = text(client.get(f"/registry/units/{w.bureau.id}"))
    assert "整改未完成" in page and "暂停受理机构编制事项" in page
    assert "整改未完成" not in text(client.get(f"/registry/units/{w.centre.id}"))
    listing = text(client.get("/registry/units"))
    assert listing.count("整改未完成") == 1
    client.post("/logout")
    login(w.unit_user)  # the unit sees it on its own internal page too
    assert "暂停受理机构编制事项" in text(client.get(f"/registry/units/{w.bureau.id}"))


def test_flag_list_is_one_query(w, client, login, sent_finding, make_unit, app):
    from sqlalchemy import event

    make_overdue(sent_finding())
    for n in range(5):
        make_unit(f"杭州市测试{n}局")
    statements = []
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            flags_for([u for u in range(1, 20)])
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1


def test_flag_never_on_public_pages(w, client, app, tmp_path, sent_finding):
    from disclosure import services

    app.config["DATA_DIR"] = str(tmp_path / "data")
    app.config["SEARCH_BACKEND"] = "whoosh"
    make_overdue(sent_finding())
    services.publish_now(None, w.bureau, "经保密审查，不含涉密内容，同意公开。", actor_name="测试管理员")
    db.session.commit()
    assert followup.flagged_units([w.bureau.id])
    page = client.get(f"/units/{w.bureau.code}")
    assert page.status_code == 200 and w.bureau.name in text(page)
    assert "整改未完成" not in text(page) and "暂停受理" not in text(page)
    api = client.get(f"/api/v1/units/{w.bureau.code}")
    assert api.status_code == 200 and "整改" not in api.get_data(as_text=True)
