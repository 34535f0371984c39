"""Register and audit-trail figures at scale: how the paged unit list and the audit chain behave.

    .venv/bin/python bench/registry_bench.py [--units 20000] [--events 20000]
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_db .venv/bin/python bench/registry_bench.py   # an empty database

Builds a throwaway database (SQLite in a temp folder unless DATABASE_URL is set), loads N units with quotas
through bulk inserts, appends M audit events through ``audit.record`` (the real chained path), then times
the internal unit list page (first page, keyword, over-establishment filter, a deep page) through the real
view with a signed-in admin, and ``audit verify``. Prints p50/p95 in milliseconds; it asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402


BENCH_PASSWORD = "Bench#2026-only"


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=20000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="portal-bench-")
    app = create_app({"DATA_DIR": data_dir, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        upgrade()
        from portal.accounts.models import User
        from portal.accounts.passwords import hash_password
        from portal.audit import services as audit
        from portal.registry.creditcode import make
        from portal.registry.jurisdiction import root_office
        from portal.registry.models import StaffingQuota, Unit

        root = root_office()
        admin = User(username="bench", role="admin", office_id=root.id, password_hash=hash_password(BENCH_PASSWORD))
        db.session.add(admin)
        db.session.commit()

        start = time.perf_counter()
        batch = 2000
        for offset in range(0, args.units, batch):
            rows = [{
                "code": make(f"11330100{n:09d}"), "name": f"杭州市第{n}测试局", "short_name": f"测{n}",
                "kind": "party_gov", "level": "division", "region_code": "330100", "office_id": root.id,
                "status": "active", "functions_md": "负责有关工作。", "is_classified": False, "classified_fields": [],
                "is_civil_service_managed": False,
            } for n in range(offset + 1, min(offset + batch, args.units) + 1)]
            ids = db.session.execute(insert(Unit).returning(Unit.id), rows).scalars().all()
            db.session.execute(insert(StaffingQuota), [
                {"unit_id": unit_id, "category": "administrative", "approved": 50, "actual": 50 + (unit_id % 17 == 0)}
                for unit_id in ids
            ])
            db.session.commit()
        load_s = time.perf_counter() - start

        start = time.perf_counter()
        for n in range(args.events):
            audit.record("bench.event", "unit", n % args.units + 1, changes={"actual": [50, 51]}, actor=admin)
            if n % 500 == 499:
                db.session.commit()
        db.session.commit()
        append_s = time.perf_counter() - start

        start = time.perf_counter()
        result = audit.verify_chain()
        verify_s = time.perf_counter() - start
        assert result.ok

    client = app.test_client()
    signed_in = client.post("/login", data={"username": "bench", "password": BENCH_PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    pages = {
        "first page": "/registry/units",
        "keyword 测试局 + page 3": "/registry/units?q=%E6%B5%8B%E8%AF%95%E5%B1%80&page=3",
        "over-establishment only": "/registry/units?over_only=1",
        "deep page (page 400)": "/registry/units?page=400",
    }
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"database: {database}; {args.units} units loaded in {load_s:.1f} s")
    print(f"audit: {args.events} events appended in {append_s:.1f} s ({args.events / append_s:.0f}/s); "
          f"verify {verify_s:.2f} s ({args.events / verify_s:.0f} events/s)")
    for label, url in pages.items():
        status = client.get(url).status_code
        p50, p95 = timed(lambda url=url: client.get(url), args.runs)
        print(f"unit list, {label:<28} HTTP {status}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
