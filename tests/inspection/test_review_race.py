"""Two inspectors decide the same report (or extension request) at the same moment (PostgreSQL, one
connection each): exactly one decision is kept, the other is told it was already decided — never two
outcomes, never a finding both accepted and returned."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db

from inspection.models import ExtensionRequest, Finding, RectificationSubmission
from inspection.services import extensions, submissions
from tests.inspection.submission_support import submit
from tests.inspection.test_numbering import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="concurrent row locking is a PostgreSQL matter "
                                                        "(TEST_DATABASE_URL)")


def race(app, model, row_id: int, refused: type[Exception], *moves) -> list[str]:
    """Run each ``(actor_id, decide)`` at once, each in its own app context (session, connection), on the
    ``model`` row ``row_id``; ``decide(actor, row)``. Returns "decided" or "already" per move."""
    barrier = threading.Barrier(len(moves))
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(actor_id: int, decide) -> None:
        try:
            with app.app_context():
                actor, row = db.session.get(User, actor_id), db.session.get(model, row_id)
                barrier.wait(timeout=30)
                try:
                    decide(actor, row)
                    db.session.commit()
                    result = "decided"
                except refused:
                    db.session.rollback()
                    result = "already"
                with lock:
                    outcomes.append(result)
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=move) for move in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    db.session.expire_all()
    return sorted(outcomes)


@pytest.mark.parametrize("decisions", [("accept", "return"), ("accept", "accept")])
def test_simultaneous_reviews_keep_one_decision(app, w, sent_finding, decisions):
    finding = sent_finding()
    submission_id = submit(w, finding).id
    moves = [(actor.id, lambda a, s, d=decision: submissions.review(a, s, d, "审核意见"))
             for actor, decision in zip((w.inspector, w.inspector2), decisions)]
    assert race(app, RectificationSubmission, submission_id, submissions.AlreadyDecided, *moves) == ["already", "decided"]
    kept = db.session.get(RectificationSubmission, submission_id)
    status = db.session.scalar(select(Finding.rectification_status).where(Finding.id == finding.id))
    assert (kept.status, status) in (("accepted", "accepted"), ("returned", "returned"))


def test_simultaneous_extension_decisions_keep_one(app, w, sent_finding):
    finding = sent_finding()
    request_id = extensions.request_extension(w.unit_user, finding, {
        "requested_due_on": (finding.due_on + timedelta(days=10)).isoformat(), "reason": "需上级批复"}).id
    db.session.commit()
    moves = [(w.inspector.id, lambda a, r: extensions.decide_extension(a, r, approve=True, comment="同意")),
             (w.inspector2.id, lambda a, r: extensions.decide_extension(a, r, approve=False, comment="不同意"))]
    assert race(app, ExtensionRequest, request_id, extensions.AlreadyDecided, *moves) == ["already", "decided"]
    assert db.session.get(ExtensionRequest, request_id).status in ("approved", "refused")
