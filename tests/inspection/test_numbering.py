"""Case and notice numbers: per office and year (杭编督〔2026〕1号 …), never a gap, never a duplicate —
also when a creation fails, is rolled back, or many run at once on PostgreSQL."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.errors import InvalidInput
from portal.extensions import db
from portal.timeutil import beijing_today

from inspection import numbering
from inspection.models import Case, NumberCounter
from inspection.services import cases

YEAR = beijing_today().year
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _data(w, **extra):
    return {"source": "audit", "unit_id": w.bureau.id, "title": "审计移交：超编进人", "source_ref": "杭审〔2026〕12号",
            **extra}


def test_numbers_run_per_office_and_year(w, make_case):
    city = [make_case() for _ in range(3)]
    xihu = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    assert [c.number for c in city] == [f"杭编督〔{YEAR}〕{n}号" for n in (1, 2, 3)]
    assert [(c.number_year, c.number_seq) for c in city] == [(YEAR, 1), (YEAR, 2), (YEAR, 3)]
    assert xihu.number == f"西编督〔{YEAR}〕1号"
    assert make_case().number == f"杭编督〔{YEAR}〕4号"


def test_years_and_series_count_apart(w, make_case):
    make_case()
    assert numbering.allocate(w.city.id, YEAR - 1, numbering.CASE) == 1
    assert numbering.allocate(w.city.id, YEAR - 1, numbering.CASE) == 2
    assert numbering.allocate(w.city.id, YEAR, numbering.NOTICE) == 1
    assert numbering.allocate(w.city.id, YEAR, numbering.CASE) == 2
    assert numbering.format_number("杭编", "督", 2027, 12) == "杭编督〔2027〕12号"


def test_notices_are_numbered_per_office(w, make_case, make_finding, issue_notice):
    numbers = []
    for _ in range(2):
        case = make_case()
        make_finding(case)
        numbers.append(issue_notice(case).number)
    district = make_case(w.xihu_inspector, unit_id=w.xihu_unit.id)
    make_finding(district, actor=w.xihu_inspector)
    numbers.append(issue_notice(district, actor=w.xihu_inspector).number)
    assert numbers == [f"杭编督改〔{YEAR}〕1号", f"杭编督改〔{YEAR}〕2号", f"西编督改〔{YEAR}〕1号"]


def test_a_refused_creation_takes_no_number(w, make_case):
    make_case()
    for bad in ({"unit_id": 999999}, {"source": "rumour"}, {"title": ""}, {"unit_id": w.binjiang_unit.id}):
        with pytest.raises(InvalidInput):
            cases.create_case(w.xihu_inspector if bad.get("unit_id") == w.binjiang_unit.id else w.inspector,
                              _data(w, **bad))
        db.session.rollback()
    assert make_case().number_seq == 2


def test_a_rolled_back_creation_leaves_no_gap(w, make_case):
    make_case()
    allocated = cases.create_case(w.inspector, _data(w))
    assert allocated.number_seq == 2
    db.session.rollback()  # e.g. a later step of the request failed
    assert db.session.scalar(select(func.count(Case.id))) == 1
    assert make_case().number == f"杭编督〔{YEAR}〕2号"
    counter = db.session.get(NumberCounter, (w.city.id, YEAR, numbering.CASE))
    assert counter.last_seq == 2


THREADS, PER_THREAD = 8, 5


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent row locking is a PostgreSQL matter (TEST_DATABASE_URL)")
def test_concurrent_creations_get_distinct_gapless_numbers(app, w):
    """8 threads × 5 cases for the same office at once: each thread has its own app context, hence its
    own session and connection; all start together at a barrier."""
    actor_id, unit_id = w.inspector.id, w.bureau.id
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    numbers: list[int] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, actor_id)
                barrier.wait(timeout=30)
                for n in range(PER_THREAD):
                    case = cases.create_case(actor, {"source": "routine", "unit_id": unit_id,
                                                     "title": f"并发立案 {index}-{n}"})
                    db.session.commit()
                    with lock:
                        numbers.append(case.number_seq)
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    total = THREADS * PER_THREAD
    assert sorted(numbers) == list(range(1, total + 1))
    db.session.expire_all()
    stored = db.session.execute(select(Case.number_seq, Case.number).where(Case.office_id == w.city.id)).all()
    assert sorted(seq for seq, _ in stored) == list(range(1, total + 1))
    assert len({number for _, number in stored}) == total
    assert db.session.get(NumberCounter, (w.city.id, YEAR, numbering.CASE)).last_seq == total
