"""The reads behind the publication screens: scoped, ordered lists; units by id or code within the
write scope; a unit's versions and state; which snapshot fields changed."""
from datetime import timedelta

import pytest

from portal.errors import InvalidInput, NotFound
from portal.extensions import db

from disclosure import services
from tests.conftest import credit_code
from disclosure.models import PublicationStatus as S

OPINION = "经保密审查，不含涉密内容，同意公开。"


def listed(actor, status) -> list[str]:
    return [p.snapshot["name"] for p in db.session.execute(services.publications_query(actor, status)).scalars()]


def test_waiting_proposals_are_oldest_first_and_scoped(w):
    proposals = [services.propose(w.proposer, u)[0] for u in (w.info_centre, w.education, w.audit_bureau)]
    base = proposals[0].proposed_at
    for offset, publication in zip((2, 0, 1), proposals):
        publication.proposed_at = base + timedelta(minutes=offset)
    services.propose(w.district, w.xihu_unit)
    db.session.commit()
    assert listed(w.approver, S.PROPOSED) == ["杭州市教育局", "杭州市审计局", "杭州市审计局信息中心"]
    assert listed(w.district, S.PROPOSED) == ["杭州市西湖区教育局"]
    assert listed(w.inspector, S.PROPOSED) == []  # no write scope at all


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.PUBLISHED, ["杭州市教育局", "杭州市审计局信息中心"]),  # newest approval first
        (S.WITHDRAWN, ["杭州市审计局"]),
        (S.REJECTED, []),
    ],
)
def test_other_lists_newest_first(w, published, status, expected):
    services.withdraw(w.proposer, published(w.audit_bureau), "内容有误")
    first, second = published(w.info_centre), published(w.education)
    second.reviewed_at = first.reviewed_at + timedelta(minutes=1)
    db.session.commit()
    assert listed(w.approver, status) == expected


def test_find_units_by_id_and_code_within_the_write_scope(w):
    found = services.find_units(w.proposer, ids=[str(w.education.id), w.education.id],
                                codes=[w.audit_bureau.code.lower(), w.education.code])
    assert found == [w.education, w.audit_bureau]


@pytest.mark.parametrize(
    "bad",
    [
        {"ids": ["abc"]}, {"ids": [0]}, {"ids": [-1]}, {"ids": [2**40]}, {"ids": [None]},
        "unknown_code", "xihu_by_id", "xihu_by_code",
    ],
)
def test_find_units_refuses_what_is_missing_or_out_of_scope(w, bad):
    if bad == "unknown_code":
        bad = {"codes": [credit_code("330100")]}
    elif bad == "xihu_by_id":
        bad = {"ids": [w.xihu_unit.id]}
    elif bad == "xihu_by_code":
        bad = {"codes": [w.xihu_unit.code]}
    with pytest.raises(NotFound):
        services.find_units(w.proposer, **bad)


@pytest.mark.parametrize(("code", "message"), [("NOPE", "应为18位"), ("", "应为18位"),
                                              ("91330100MA27XK1234", "校验位错误")])
def test_find_units_says_what_is_wrong_with_a_malformed_code(w, code, message):
    with pytest.raises(InvalidInput, match=message) as info:
        services.find_units(w.proposer, codes=[code])
    assert list(info.value.fields) == ["unit_codes"]


def test_propose_units_is_all_or_nothing(w):
    services.propose(w.proposer, w.audit_bureau)
    with pytest.raises(InvalidInput) as info:
        services.propose_units(w.proposer, ids=[w.education.id], codes=[w.audit_bureau.code])
    assert list(info.value.fields) == [w.audit_bureau.code]
    assert services.open_proposal(w.education) is None
    with pytest.raises(InvalidInput, match="请选择"):
        services.propose_units(w.proposer)


def test_unit_versions_are_newest_first_and_scoped(w, published):
    first = published(w.audit_bureau)
    services.withdraw(w.proposer, first, "内容有误")
    services.propose(w.proposer, w.audit_bureau)
    assert [p.version for p in services.unit_versions(w.approver, w.audit_bureau)] == [2, 1]
    with pytest.raises(NotFound):
        services.unit_versions(w.district, w.audit_bureau)


def test_publication_state(w, published):
    state = services.publication_state(w.audit_bureau)
    assert (state.current, state.proposal, state.latest, state.blocker) == (None, None, None, None)
    assert state.is_changed
    current = published(w.audit_bureau)
    state = services.publication_state(w.audit_bureau)
    assert (state.current, state.is_changed) == (current, False) and "相同" in state.blocker
    w.audit_bureau.short_name = "审计局"
    [proposal] = services.propose(w.proposer, w.audit_bureau)
    state = services.publication_state(w.audit_bureau)
    assert (state.current, state.proposal, state.latest) == (current, proposal, proposal)
    assert "待审核" in state.blocker
    assert services.baseline(proposal) == current and services.baseline(current) is None
    w.education.is_classified = True
    state = services.publication_state(w.education)
    assert not state.is_changed and "涉密单位" in state.blocker


def test_changed_fields_in_screen_order(w):
    old = {"schema": 1, "name": "甲", "functions_md": "a", "quotas": [1], "posts": []}
    new = {"schema": 2, "name": "甲", "functions_md": "b", "posts": [], "parent": {"code": "X"}, "extra": 1}
    assert services.changed_fields(old, new) == ["parent", "functions_md", "quotas", "extra"]
    assert services.changed_fields(None, {"name": "甲", "code": "C"}) == ["name", "code"]
    assert services.changed_fields(new, new) == []


def test_every_snapshot_key_has_a_place_on_the_screens(w):
    from disclosure.snapshot import build_snapshot

    w.audit_bureau.parent = w.education
    db.session.flush()
    assert set(build_snapshot(w.audit_bureau)) - {"schema"} <= set(services.SNAPSHOT_FIELDS) | {"actual_total"}
