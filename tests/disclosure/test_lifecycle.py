"""The transition table: which move is allowed from which state, and who may make it."""
import pytest

from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db

from disclosure import lifecycle
from disclosure.models import Publication, PublicationStatus as S
from disclosure.snapshot import build_snapshot

P, A, D, W, SUP = S.PROPOSED, S.PUBLISHED, S.REJECTED, S.WITHDRAWN, S.SUPERSEDED


@pytest.mark.parametrize(
    ("name", "source", "who", "allowed"),
    [
        ("propose", None, "proposer", True),
        ("propose", None, "both", True),
        ("propose", None, "approver", False),
        ("propose", None, "inspector", False),
        ("approve", P, "approver", True),
        ("approve", P, "proposer", False),
        ("approve", P, "inspector", False),
        ("reject", P, "approver", True),
        ("reject", P, "proposer", False),
        ("withdraw", P, "proposer", True),
        ("withdraw", A, "proposer", True),
        ("withdraw", A, "approver", True),
        ("withdraw", A, "inspector", False),
        ("supersede", A, "both", False),
        ("supersede", A, "system", True),
        ("republish", None, "both", False),
        ("republish", None, "system", True),
        ("approve", P, "cli", True),
        ("withdraw", A, "cli", True),
        ("supersede", A, "cli", False),
    ],
)
def test_who_may_make_each_transition(w, name, source, who, allowed):
    transition = lifecycle.find(name, source)
    assert transition is not None
    actor = None if who in ("system", "cli") else getattr(w, who)
    assert lifecycle.may(actor, transition, system=who == "system") is allowed


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("approve", A), ("approve", D), ("approve", W), ("approve", SUP),
        ("reject", A), ("reject", W),
        ("withdraw", D), ("withdraw", W), ("withdraw", SUP),
        ("propose", P), ("supersede", P),
    ],
)
def test_forbidden_transitions_are_refused_and_leave_the_state(w, name, source):
    publication = Publication(unit=w.education, unit_id=w.education.id, version=1, status=source.value,
                              snapshot=build_snapshot(w.education), proposed_by_name="x", review_opinion="意见")
    db.session.add(publication)
    db.session.flush()
    assert lifecycle.find(name, source) is None
    with pytest.raises(InvalidInput, match="当前状态"):
        lifecycle.apply(None, publication, name, system=True, opinion="意见", reason="理由")
    assert publication.status == source.value


def test_a_user_without_the_permission_is_refused(w):
    publication = Publication(unit=w.education, unit_id=w.education.id, version=1, snapshot=build_snapshot(w.education))
    with pytest.raises(PermissionDenied):
        lifecycle.apply(w.approver, publication, "propose")


def test_every_target_state_is_reachable_and_every_state_is_in_the_table():
    targets = {t.target for t in lifecycle.TRANSITIONS}
    assert targets == set(S)
    sources = {t.source for t in lifecycle.TRANSITIONS} - {None}
    assert sources == {P, A}  # rejected, withdrawn and superseded are final
