"""Supervision-case figures at scale: the inspector's case list with its filters, and the export.

    .venv/bin/python bench/cases_bench.py [--cases 20000] [--runs 20]
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_db .venv/bin/python bench/cases_bench.py   # an empty database

Builds a throwaway database (SQLite in a temp folder unless DATABASE_URL is set), bulk-loads units, N cases in
every source and state with one to three findings each (a notice for the cases being rectified, a share of
findings overdue), then times the real list page through a signed-in inspector (first page, each filter, a
deep page, a sort by unit) and one CSV and XLSX export. Prints p50/p95 in milliseconds; asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

BENCH_PASSWORD = "Bench#2026-only"
WORDS = ["超编进人", "违规设置内设机构", "挤占挪用编制", "混编混岗", "超职数配备", "吃空饷", "擅自加挂牌子"]


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def load(args, root, inspector) -> None:
    from portal.registry.creditcode import make
    from portal.registry.models import Unit

    from inspection.models import (Case, CaseSource, CaseStatus, Finding, IndicatorArea, NoticeDelivery,
                                   RectificationNotice, ViolationType)

    rng = random.Random(7)
    unit_rows = [{
        "code": make(f"11330100{n:09d}"), "name": f"杭州市第{n}测试局", "short_name": f"测{n}", "kind": "party_gov",
        "level": "division", "region_code": "330100", "office_id": root.id, "status": "active",
        "functions_md": "", "is_classified": False, "classified_fields": [], "is_civil_service_managed": False,
    } for n in range(1, args.units + 1)]
    unit_ids = db.session.execute(insert(Unit).returning(Unit.id), unit_rows).scalars().all()
    sources, statuses = CaseSource.codes(), CaseStatus.codes()
    areas, types = IndicatorArea.codes(), ViolationType.codes()
    today = date.today()
    batch = 2000
    for offset in range(0, args.cases, batch):
        case_rows, count = [], min(batch, args.cases - offset)
        for i in range(count):
            n = offset + i + 1
            status = statuses[n % len(statuses)]
            opened = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=n * 13)
            case_rows.append({
                "office_id": root.id, "unit_id": unit_ids[n % len(unit_ids)], "number": f"杭编督〔2026〕{n}号",
                "number_year": 2026, "number_seq": n, "source": sources[n % len(sources)],
                "source_ref": f"审计报告第{n}号", "title": f"{WORDS[n % len(WORDS)]}问题线索{n}",
                "description": "巡察发现的问题。", "status": status, "lead_inspector_id": inspector.id,
                "received_on": opened.date(), "opened_at": opened, "updated_at": opened, "version": 1,
                "closed_at": opened if status == "closed" else None,
                "dismiss_reason": "查无实据" if status == "dismissed" else None,
            })
        case_ids = db.session.execute(insert(Case).returning(Case.id, Case.status, Case.unit_id), case_rows).all()
        notice_rows = [{"case_id": cid, "office_id": root.id, "kind": "initial", "number": f"杭编督改〔2026〕{cid}号",
                        "number_year": 2026, "number_seq": cid, "requirements": "", "issued_by_name": "bench",
                        "issued_at": datetime.now(timezone.utc)}
                       for cid, status, _unit in case_ids if status in ("rectifying", "closed")]
        notices = dict(db.session.execute(
            insert(RectificationNotice).returning(RectificationNotice.case_id, RectificationNotice.id), notice_rows
        ).all()) if notice_rows else {}
        finding_rows, deliveries = [], []
        for cid, status, unit_id in case_ids:  # each case's findings are its unit's
            if status in ("registered", "dismissed"):
                continue
            notice_id = notices.get(cid)
            for seq in range(1, 1 + rng.randint(1, 3)):
                if status == "closed":
                    state = "accepted"
                else:
                    state = "pending"
                due = (today + timedelta(days=rng.randint(-20, 40))) if notice_id else None
                finding_rows.append({
                    "case_id": cid, "seq": seq, "area": rng.choice(areas), "violation_type": rng.choice(types),
                    "description": "问题描述。", "basis": "", "severity": "minor", "responsible_unit_id": unit_id,
                    "needs_rectification": True, "due_on": due, "is_due_provisional": False,
                    "rectification_status": state, "notice_id": notice_id, "version": 1,
                })
            if notice_id:
                deliveries.append({"notice_id": notice_id, "unit_id": unit_id})
        db.session.execute(insert(Finding), finding_rows)
        if deliveries:
            db.session.execute(insert(NoticeDelivery), deliveries)
        db.session.commit()


def make_app():
    """An app on a throwaway data dir (SQLite inside unless DATABASE_URL is set), migrated, cheap hashing."""
    app = create_app({"DATA_DIR": tempfile.mkdtemp(prefix="portal-bench-"), "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "ARGON2_PARALLELISM": 1})
    with app.app_context():
        upgrade()
    return app


def bench_user(username: str, role: str, **binding):
    """(the root office, a new user of ``role`` with the bench password); staff belong to the root office."""
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.registry.jurisdiction import root_office

    root = root_office()
    if not binding:
        binding = {"office_id": root.id}
    user = User(username=username, role=role, password_hash=hash_password(BENCH_PASSWORD), **binding)
    db.session.add(user)
    db.session.commit()
    return root, user


def analyze() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # as autovacuum would after a bulk load
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    app = make_app()
    with app.app_context():
        root, inspector = bench_user("bench", "inspector")
        start = time.perf_counter()
        load(args, root, inspector)
        load_s = time.perf_counter() - start
        analyze()

    client = app.test_client()
    signed_in = client.post("/login", data={"username": "bench", "password": BENCH_PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    pages = {
        "first page": "/inspection/cases",
        "mine": "/inspection/cases?scope=mine",
        "status rectifying": "/inspection/cases?status=rectifying",
        "overdue": "/inspection/cases?overdue=1",
        "area + violation type": "/inspection/cases?area=establishment&violation_type=over_establishment",
        "keyword 超编": "/inspection/cases?q=%E8%B6%85%E7%BC%96",
        "date range": "/inspection/cases?date_from=2026-03-01&date_to=2026-04-30",
        "sort by unit": "/inspection/cases?sort=unit",
        "deep page (page 300)": "/inspection/cases?page=300",
    }
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"database: {database}; {args.cases} cases on {args.units} units loaded in {load_s:.1f} s")
    for label, url in pages.items():
        status = client.get(url).status_code
        p50, p95 = timed(lambda url=url: client.get(url), args.runs)
        print(f"case list, {label:<24} HTTP {status}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    for fmt in ("csv", "xlsx"):
        start = time.perf_counter()
        response = client.get(f"/inspection/cases/export.{fmt}")
        size = len(response.get_data())
        print(f"export {fmt:<4} (all {args.cases} cases)   HTTP {response.status_code}  "
              f"{(time.perf_counter() - start):6.2f} s  {size / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
