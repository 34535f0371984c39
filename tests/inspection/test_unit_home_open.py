"""The unit's home page lists what is still to do: open findings, overdue first then by deadline, each
with its notice, working days left, a 待审核 marker and a link to the finding page — paged, no query per row."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from portal.extensions import db
from portal.timeutil import beijing_today

from inspection import finding_lists, workdays
from tests.inspection.ledger_support import add_round, make_overdue


def text(response) -> str:
    return response.get_data(as_text=True)


def test_overdue_first_then_by_deadline(w, sent_finding):
    later = sent_finding()
    later.due_on = beijing_today() + timedelta(days=40)
    sooner = sent_finding()
    sooner.due_on = beijing_today() + timedelta(days=5)
    db.session.commit()
    late = make_overdue(sent_finding(), days=1)
    later_late = make_overdue(sent_finding(), days=9)
    rows = db.session.scalars(finding_lists.unit_open_findings_query(w.unit_user)).unique().all()
    assert [f.id for f in rows] == [later_late.id, late.id, sooner.id, later.id]


def test_rows_facts(w, sent_finding):
    waiting = sent_finding()
    add_round(waiting, w.unit_user, status="submitted", submitted_on=waiting.due_on - timedelta(days=1))
    late = make_overdue(sent_finding())
    plain = sent_finding()
    plain.is_due_provisional = True
    db.session.commit()
    found = db.session.scalars(finding_lists.unit_open_findings_query(w.unit_user)).unique().all()
    rows = {r.finding.id: r for r in finding_lists.finding_rows(found, unit_id=w.bureau.id)}
    assert rows[waiting.id].waiting is not None and rows[waiting.id].rounds == 1 and not rows[waiting.id].is_overdue
    assert rows[late.id].is_overdue and rows[late.id].days_left == workdays.working_days_between(
        beijing_today(), late.due_on) < 0
    assert rows[plain.id].days_left == workdays.working_days_between(beijing_today(), plain.due_on)
    assert all(r.delivery_id is not None for r in rows.values())


def test_page(w, client, login, sent_finding):
    from inspection.services import findings

    late = make_overdue(sent_finding(description="逾期的问题。"))
    waiting = sent_finding(description="等待审核的问题。")
    add_round(waiting, w.unit_user, status="submitted")
    provisional = sent_finding(description="暂定期限的问题。")
    provisional.is_due_provisional = True
    db.session.commit()
    done = sent_finding(description="已经销号的问题。")
    findings.accept(w.inspector, done, "已整改。")
    db.session.commit()
    login(w.unit_user)
    page = text(client.get("/inspection/my-unit"))
    assert page.index("逾期的问题。") < page.index("等待审核的问题。")  # overdue on top
    assert "已经销号的问题。" not in page
    assert "待审核" in page and "暂定" in page and "table-danger" in page
    assert "本单位有 1 个问题已超过整改期限" in page
    for finding in (late, waiting, provisional):
        assert f"/inspection/findings/{finding.id}\"" in page
        assert finding.notice.number in page
    assert f"/inspection/ledger/{w.bureau.code}" in page
    # the notices are still listed
    assert "整改通知" in page and "/inspection/deliveries/" in page


def test_no_query_per_row(w, client, login, sent_finding):
    login(w.unit_user)

    def count_statements() -> int:
        statements = []
        listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/inspection/my-unit").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    first = sent_finding()
    add_round(first, w.unit_user, status="submitted")
    few = count_statements()
    for n in range(6):
        finding = sent_finding()
        finding.due_on = beijing_today() + timedelta(days=10 + n)  # distinct deadlines
        db.session.commit()
        add_round(finding, w.unit_user, status="submitted")
    make_overdue(sent_finding())
    assert count_statements() == few
