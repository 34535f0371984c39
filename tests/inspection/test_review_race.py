"""Two inspectors decide the same report at the same moment (PostgreSQL, one connection each): exactly one
decision is kept, the other is told the report was already decided — never two rounds of outcomes, never a
finding both accepted and returned."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db

from inspection.models import Finding, RectificationSubmission
from inspection.services import submissions
from tests.inspection.submission_support import submit
from tests.inspection.test_numbering import ON_POSTGRES


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent row locking is a PostgreSQL matter (TEST_DATABASE_URL)")
@pytest.mark.parametrize("decisions", [("accept", "return"), ("accept", "accept")])
def test_simultaneous_reviews_keep_one_decision(app, w, sent_finding, decisions):
    finding = sent_finding()
    submission_id = submit(w, finding).id
    finding_id = finding.id
    actors = [w.inspector.id, w.inspector2.id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(actor_id: int, decision: str) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, actor_id)
                submission = db.session.get(RectificationSubmission, submission_id)
                barrier.wait(timeout=30)
                try:
                    submissions.review(actor, submission, decision, "审核意见")
                    db.session.commit()
                    result = "decided"
                except submissions.AlreadyDecided:
                    db.session.rollback()
                    result = "already"
                with lock:
                    outcomes.append(result)
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(a, d)) for a, d in zip(actors, decisions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sorted(outcomes) == ["already", "decided"]
    db.session.expire_all()
    kept = db.session.get(RectificationSubmission, submission_id)
    status = db.session.scalar(select(Finding.rectification_status).where(Finding.id == finding_id))
    assert (kept.status, status) in (("accepted", "accepted"), ("returned", "returned"))


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent row locking is a PostgreSQL matter (TEST_DATABASE_URL)")
def test_simultaneous_extension_decisions_keep_one(app, w, sent_finding):
    from datetime import timedelta

    from inspection.models import ExtensionRequest
    from inspection.services import extensions

    finding = sent_finding()
    request_id = extensions.request_extension(w.unit_user, finding, {
        "requested_due_on": (finding.due_on + timedelta(days=10)).isoformat(), "reason": "需上级批复"}).id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(actor_id: int, approve: bool) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, actor_id)
                request = db.session.get(ExtensionRequest, request_id)
                barrier.wait(timeout=30)
                try:
                    extensions.decide_extension(actor, request, approve=approve, comment="意见")
                    db.session.commit()
                    result = "decided"
                except extensions.AlreadyDecided:
                    db.session.rollback()
                    result = "already"
                with lock:
                    outcomes.append(result)
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(w.inspector.id, True)),
               threading.Thread(target=work, args=(w.inspector2.id, False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(outcomes) == ["already", "decided"]
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, request_id).status in ("approved", "refused")
