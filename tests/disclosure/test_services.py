"""Publication services without HTTP: two-person rule, opinion, scope, versions, audit."""
import json
import os
import threading

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db

from disclosure import services
from disclosure.models import Publication, PublicationStatus as S

OPINION = "经保密审查，不含涉密内容，同意公开。"


def events(action: str) -> list[dict]:
    rows = db.session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).scalars()
    return [{"actor": e.actor_name, "object_id": e.object_id, **json.loads(e.payload)} for e in rows]


def test_propose_then_approve_publishes_and_audits(w):
    [publication] = services.propose(w.proposer, w.audit_bureau)
    assert (publication.status, publication.version, publication.proposed_by_id) == ("proposed", 1, w.proposer.id)
    assert services.latest_published(w.audit_bureau) is None
    services.approve(w.approver, publication, OPINION)
    db.session.commit()
    assert publication.status == S.PUBLISHED.value and publication.review_opinion == OPINION
    assert publication.reviewed_by_id == w.approver.id and publication.published_at is not None
    assert services.latest_published(w.audit_bureau.code) is publication
    assert services.latest_published(w.audit_bureau.code.lower()) is publication
    [proposed] = events("publication.propose")
    [approved] = events("publication.approve")
    assert proposed["actor"] == "proposer" and approved["actor"] == "approver"
    assert approved["object_id"] == str(publication.id)
    assert approved["details"]["opinion"] == OPINION and approved["changes"] == {"status": ["proposed", "published"]}


def test_two_person_rule_refuses_the_proposer_as_approver(app, w):
    [publication] = services.propose(w.both, w.audit_bureau)
    with pytest.raises(PermissionDenied, match="提交人以外"):
        services.approve(w.both, publication, OPINION)
    assert publication.status == "proposed"
    with pytest.raises(PermissionDenied, match="双人审核"):
        services.publish_now(w.both, w.education, OPINION)


def test_two_person_rule_off_lets_one_user_with_both_permissions_publish(app, w):
    app.config["DISCLOSURE_TWO_PERSON_RULE"] = False
    publication = services.publish_now(w.both, w.audit_bureau, OPINION)
    assert publication.status == "published"
    assert publication.proposed_by_id == publication.reviewed_by_id == w.both.id
    # still no approval without the approve permission
    with pytest.raises(PermissionDenied):
        services.publish_now(w.proposer, w.education, OPINION)


@pytest.mark.parametrize("opinion", ["", "   ", None, "长" * 2001])
def test_approval_needs_a_secrecy_review_opinion(w, opinion):
    [publication] = services.propose(w.proposer, w.audit_bureau)
    with pytest.raises(InvalidInput) as info:
        services.approve(w.approver, publication, opinion)
    assert "保密审查意见" in info.value.fields["opinion"]
    assert publication.status == "proposed"


def test_reject_needs_a_reason_and_ends_the_proposal(w):
    [publication] = services.propose(w.proposer, w.audit_bureau)
    with pytest.raises(InvalidInput):
        services.reject(w.approver, publication, "")
    services.reject(w.approver, publication, "职责表述含有内部信息")
    assert publication.status == "rejected" and services.open_proposal(w.audit_bureau) is None
    [again] = services.propose(w.proposer, w.audit_bureau)
    assert again.version == 2


def test_a_classified_unit_cannot_be_proposed(w):
    w.education.is_classified = True
    db.session.commit()
    with pytest.raises(InvalidInput) as info:
        services.propose(w.proposer, [w.audit_bureau, w.education])
    assert "涉密单位" in info.value.fields[w.education.code]
    assert db.session.scalar(select(Publication.id)) is None  # all or nothing


def test_an_abolished_unit_cannot_be_proposed(w):
    w.education.status, w.education.abolished_on = "abolished", __import__("datetime").date(2026, 1, 1)
    db.session.commit()
    with pytest.raises(InvalidInput, match="已撤销"):
        services.propose(w.proposer, w.education)


def test_only_one_open_proposal_per_unit(w):
    services.propose(w.proposer, w.audit_bureau)
    with pytest.raises(InvalidInput, match="待审核"):
        services.propose(w.proposer, w.audit_bureau)


def test_an_unchanged_unit_is_not_proposed_again(w, published):
    published(w.audit_bureau)
    with pytest.raises(InvalidInput, match="相同"):
        services.propose(w.proposer, w.audit_bureau)


def test_approval_supersedes_the_previous_version_and_history_lists_it(w, published):
    first = published(w.audit_bureau)
    w.audit_bureau.functions_md = "负责全市审计监督，新增经济责任审计。"
    db.session.commit()
    second = published(w.audit_bureau)
    assert (first.status, second.status, second.version) == ("superseded", "published", 2)
    assert services.latest_published(w.audit_bureau) is second
    assert second.snapshot["functions_md"].endswith("经济责任审计。")
    [earlier] = services.history(w.audit_bureau)
    assert (earlier.version, earlier.snapshot, earlier.published_at) == (1, first.snapshot, first.reviewed_at)
    assert events("publication.supersede")[0]["actor"] == "系统"


def test_an_approval_is_refused_when_the_unit_classified_something_since(w):
    [publication] = services.propose(w.proposer, w.audit_bureau)
    w.audit_bureau.classified_fields = ["functions"]  # behind the services' back: the approve check holds
    db.session.flush()
    with pytest.raises(InvalidInput, match="涉密设置已变化"):
        services.approve(w.approver, publication, OPINION)


@pytest.mark.parametrize("who", ["proposer", "approver"])
def test_either_role_withdraws_and_the_public_sees_nothing(w, published, who):
    publication = published(w.audit_bureau)
    with pytest.raises(InvalidInput, match="撤回理由"):
        services.withdraw(getattr(w, who), publication, " ")
    services.withdraw(getattr(w, who), publication, "内容有误，需更正")
    assert publication.status == "withdrawn" and publication.withdraw_reason == "内容有误，需更正"
    assert services.latest_published(w.audit_bureau) is None and services.history(w.audit_bureau) == []
    assert events("publication.withdraw")[0]["actor"] == who


def test_the_inspector_cannot_propose_nor_withdraw(w, published):
    with pytest.raises(PermissionDenied):
        services.propose(w.inspector, w.audit_bureau)
    publication = published(w.audit_bureau)
    with pytest.raises((PermissionDenied, NotFound)):
        services.withdraw(w.inspector, publication, "理由")
    assert publication.status == "published"


def test_a_district_admin_cannot_touch_a_city_unit(w, published):
    with pytest.raises(NotFound):
        services.propose(w.district, w.audit_bureau)
    [publication] = services.propose(w.proposer, w.education)
    with pytest.raises(NotFound):
        services.approve(w.district, publication, OPINION)
    with pytest.raises(NotFound):
        services.get_publication_or_404(w.district, publication.id)
    assert services.get_publication_or_404(w.approver, publication.id) is publication


def test_propose_changed_takes_every_changed_unit_in_write_scope(w, published):
    published(w.audit_bureau)
    w.education.is_classified = False
    w.info_centre.is_classified = True
    db.session.commit()
    created = services.propose_changed(w.proposer)
    # the published, unchanged bureau, the classified centre and the district's unit are left out
    assert {p.unit_id for p in created} == {w.education.id}
    assert services.propose_changed(w.proposer) == []  # the open proposal is not repeated
    assert [p.unit_id for p in services.propose_changed(w.district)] == [w.xihu_unit.id]


def test_history_hides_what_was_classified_after_it_was_published(w, published):
    from tests.disclosure.conftest import record_of
    from portal.registry import services as registry

    published(w.audit_bureau)
    w.audit_bureau.functions_md = "第二版职责"
    db.session.commit()
    published(w.audit_bureau)
    registry.rename_unit(w.both, w.audit_bureau, {"new_name": "杭州市审计监督局", "occurred_on": "2026-11-01"})
    published(w.audit_bureau)
    registry.update_unit(w.both, w.audit_bureau, record_of(w.audit_bureau, classified_fields=["documents"]))
    versions = services.history(w.audit_bureau)
    assert [v.version for v in versions] == [3, 2, 1]
    assert all("documents" not in v.snapshot for v in versions)
    registry.update_unit(w.both, w.audit_bureau, record_of(w.audit_bureau, classified_fields=["documents", "other_names"]))
    # the former name is classified now: versions published under it are no longer listed
    assert [v.version for v in services.history(w.audit_bureau)] == [4, 3]


@pytest.mark.parametrize("status", ["proposed", "published"])
def test_the_database_holds_one_open_and_one_published_version_per_unit(w, status):
    from sqlalchemy.exc import IntegrityError

    from disclosure.snapshot import build_snapshot

    for version in (1, 2):
        db.session.add(Publication(unit_id=w.education.id, version=version, status=status, proposed_by_name="x",
                                   review_opinion="意见", snapshot=build_snapshot(w.education)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL only (TEST_DATABASE_URL): the unit row lock is what is tested; SQLite takes one writer at a time",
)
def test_concurrent_proposals_of_one_unit_queue_instead_of_clashing(app, w):
    """Two proposers at once: one proposal is created, the other is told one is open — never a 500."""
    from portal.accounts.models import User
    from portal.registry.models import Unit

    unit_id, proposer_id = w.audit_bureau.id, w.proposer.id
    barrier = threading.Barrier(2)
    outcomes: list = []

    def propose() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                services.propose(db.session.get(User, proposer_id), db.session.get(Unit, unit_id))
                db.session.commit()
                outcomes.append("created")
            except InvalidInput as exc:
                db.session.rollback()
                outcomes.append(exc.message)
            except BaseException as exc:  # re-raised below in the test's thread
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=propose) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("created") == 1, outcomes
    other = next(o for o in outcomes if o != "created")
    assert isinstance(other, str) and "待审核" in other, other
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Publication.id)).where(Publication.unit_id == unit_id)) == 1
