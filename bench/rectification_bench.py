"""Rectification-loop figures at scale: the unit's and the inspector's lists, the ledger, the API, the
register's 整改未完成 flag, `reminders send` and recounting provisional deadlines.

    .venv/bin/python bench/rectification_bench.py [--cases 20000] [--runs 20]
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_db .venv/bin/python bench/rectification_bench.py   # an empty database

Loads the same cases as ``cases_bench.py`` (N cases on 2,000 units, one to three findings each), then makes one
unit "big" (every 20th finding is its own, about 5% of all), puts a fifth of the sent open findings under review
(a tenth of those submitted late), a twentieth under a pending extension request, and marks the deadlines that
reach into 2027 as provisional (counted 30 working days from the notice). Times the real pages through signed-in
users, one ledger export, one `reminders send` over everything, and entering the 2027 schedule (which counts the
provisional deadlines again). Prints p50/p95 in milliseconds; asserts nothing.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases_bench import BENCH_PASSWORD, analyze, bench_user, load, make_app, timed  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from portal.extensions import db  # noqa: E402

SCHEDULE_2027 = "\n".join([
    "2027-01-01,元旦,休", "2027-02-06,春节调休上班,班", "2027-02-08,春节,休", "2027-02-09,春节,休",
    "2027-02-10,春节,休", "2027-02-11,春节,休", "2027-02-12,春节,休",
])


def shape(big_unit_id: int, submitter_id: int) -> dict:
    """Give the loaded findings the rectification states of a working office (bulk SQL, no services)."""
    from inspection.models import ExtensionRequest, Finding, RectificationSubmission

    today = date.today()
    db.session.execute(update(Finding).where(Finding.id % 20 == 0).values(responsible_unit_id=big_unit_id))
    open_sent = db.session.execute(
        select(Finding.id, Finding.due_on).where(Finding.notice_id.is_not(None),
                                                 Finding.rectification_status == "pending").order_by(Finding.id)
    ).all()
    submissions, extensions, submitted_ids = [], [], []
    now = datetime.now(timezone.utc)
    for k, (finding_id, due_on) in enumerate(open_sent):
        if k % 5 == 0:
            late = k % 50 == 0 and due_on < today
            submitted_on = due_on + timedelta(days=1) if late else min(due_on, today)
            submissions.append({
                "finding_id": finding_id, "round": 1, "status": "submitted", "measures": "已整改。", "result": "已到位。",
                "submitted_at": now - timedelta(days=k % 9), "submitted_on": submitted_on, "due_on": due_on,
                "submitted_by_id": submitter_id,
                "version": 1, "created_at": now, "updated_at": now,
            })
            submitted_ids.append(finding_id)
        elif k % 20 == 1 and due_on >= today:
            extensions.append({
                "finding_id": finding_id, "status": "pending", "current_due_on": due_on,
                "requested_due_on": due_on + timedelta(days=30), "reason": "需要更多时间。", "requested_at": now,
                "version": 1,
            })
    if submissions:
        db.session.execute(RectificationSubmission.__table__.insert(), submissions)
        db.session.execute(update(Finding).where(Finding.id.in_(submitted_ids)).values(rectification_status="submitted"))
    if extensions:
        db.session.execute(ExtensionRequest.__table__.insert(), extensions)
    # deadlines reaching into 2027, counted from a notice 30 working days before: provisional until 2027 is entered
    provisional = db.session.execute(
        update(Finding).where(Finding.due_on >= date(2027, 1, 1), Finding.notice_id.is_not(None))
        .values(is_due_provisional=True, due_counted_from_on=Finding.due_on - 42, due_working_days=30)
    ).rowcount if db.engine.dialect.name == "postgresql" else db.session.execute(
        update(Finding).where(Finding.due_on >= date(2027, 1, 1), Finding.notice_id.is_not(None))
        .values(is_due_provisional=True, due_counted_from_on=func.date(Finding.due_on, "-42 days"), due_working_days=30)
    ).rowcount
    db.session.commit()
    return {"submitted": len(submissions), "extensions": len(extensions), "provisional": provisional}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    app = make_app()
    with app.app_context():
        from portal.registry.models import Unit

        from inspection.models import Finding

        root, inspector = bench_user("bench", "inspector")
        _root, admin = bench_user("bench_admin", "admin")
        admin_id = admin.id
        start = time.perf_counter()
        load(args, root, inspector)
        big = db.session.scalar(select(Unit).order_by(Unit.id).limit(1))
        _root, unit_user = bench_user("bench_unit", "unit", unit_id=big.id)
        made = shape(big.id, unit_user.id)
        load_s = time.perf_counter() - start
        analyze()
        big_code = big.code
        big_findings = db.session.scalar(select(func.count(Finding.id)).where(Finding.responsible_unit_id == big.id))

    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"database: {database}; {args.cases} cases on {args.units} units loaded in {load_s:.1f} s; "
          f"{made['submitted']} reports waiting, {made['extensions']} extension requests, "
          f"{made['provisional']} provisional deadlines; the big unit has {big_findings} findings")

    def client_for(username: str):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": BENCH_PASSWORD})
        assert response.status_code == 302, (username, response.status_code)
        return client

    staff, unit = client_for("bench"), client_for("bench_unit")
    pages = [
        ("unit: home (open findings)", unit, "/inspection/my-unit"),
        ("unit: its ledger", unit, f"/inspection/ledger/{big_code}"),
        ("unit: API findings, overdue", unit, "/api/v1/findings?overdue=true"),
        ("staff: workspace (overdue panel)", staff, "/workspace"),
        ("staff: overdue findings", staff, "/inspection/findings/overdue"),
        ("staff: reviews waiting", staff, "/inspection/reviews"),
        ("staff: extension requests", staff, "/inspection/extensions"),
        ("staff: big unit's ledger", staff, f"/inspection/ledger/{big_code}"),
        ("staff: API findings", staff, "/api/v1/findings"),
        ("staff: API findings, overdue", staff, "/api/v1/findings?overdue=true"),
        ("staff: API findings, page 200", staff, "/api/v1/findings?page=200"),
        ("staff: register list (flags)", staff, "/registry/units"),
    ]
    for label, client, url in pages:
        status = client.get(url).status_code
        p50, p95 = timed(lambda client=client, url=url: client.get(url), args.runs)
        print(f"{label:<34} HTTP {status}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    start = time.perf_counter()
    response = staff.get(f"/inspection/ledger/{big_code}/export.xlsx")
    size = len(response.get_data())
    print(f"{'ledger export xlsx (big unit)':<34} HTTP {response.status_code}  {(time.perf_counter() - start):6.2f} s"
          f"  {size / 1024:6.0f} KiB")

    with app.app_context():
        from portal.accounts.models import User

        from inspection.reminders import send_reminders
        from inspection.services import calendar

        start = time.perf_counter()
        result = send_reminders(on_batch=db.session.commit)
        db.session.commit()
        print(f"{'reminders send (first run)':<34} {(time.perf_counter() - start):6.2f} s  "
              f"{result.unit} to units, {result.lead} to leads")
        start = time.perf_counter()
        again = send_reminders(on_batch=db.session.commit)
        print(f"{'reminders send (second run)':<34} {(time.perf_counter() - start):6.2f} s  "
              f"{again.unit + again.lead} sent")
        admin = db.session.get(User, admin_id)
        start = time.perf_counter()
        entered = calendar.enter_schedule(admin, 2027, SCHEDULE_2027, "国办发明电〔2026〕1号（演练）")
        db.session.commit()
        summary = entered.summary if hasattr(entered, "summary") else entered
        print(f"{'enter 2027 schedule + recount':<34} {(time.perf_counter() - start):6.2f} s  {summary}")


if __name__ == "__main__":
    main()
