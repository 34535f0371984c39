"""The classification cascade, driven through the register's own services (same transaction)."""
import json

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.registry import services as registry

from disclosure import services
from tests.disclosure.conftest import record_of


def test_marking_a_published_unit_classified_withdraws_it_and_renames_no_parent(w, published):
    own = published(w.audit_bureau)
    child = published(w.info_centre)
    assert child.snapshot["parent"]["code"] == w.audit_bureau.code
    registry.update_unit(w.both, w.audit_bureau, record_of(w.audit_bureau, is_classified=True))
    # nothing committed yet: the cascade ran inside the register's transaction
    assert own.status == "withdrawn" and own.withdraw_reason.startswith("单位已标为涉密")
    assert services.latest_published(w.audit_bureau) is None
    child_now = services.latest_published(w.info_centre)
    assert child_now.version == 2 and "parent" not in child_now.snapshot
    assert w.audit_bureau.code not in json.dumps(child_now.snapshot, ensure_ascii=False)
    assert child.status == "superseded"
    # everything else of the child stays as it was reviewed
    assert {k: v for k, v in child.snapshot.items() if k != "parent"} == child_now.snapshot
    db.session.rollback()  # and it all goes together when the register's change is not saved
    assert services.latest_published(w.audit_bureau).id == own.id
    assert services.latest_published(w.info_centre).id == child.id


def test_marking_a_field_classified_republishes_without_it(w, published):
    first = published(w.audit_bureau)
    w.audit_bureau.functions_md = "尚未审核的新职责"  # register edit not yet reviewed
    registry.update_unit(w.both, w.audit_bureau, record_of(w.audit_bureau, classified_fields=["documents"]))
    db.session.commit()
    now = services.latest_published(w.audit_bureau)
    assert now.version == 2 and "documents" not in now.snapshot and "审计局三定规定" not in json.dumps(now.snapshot,
                                                                                                 ensure_ascii=False)
    assert now.snapshot["functions_md"] == "负责全市审计监督。"
    assert (first.status, now.proposed_by_name, now.reviewed_by_name) == ("superseded", "系统", "系统")
    actions = [e.action for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert actions[-3:] == ["unit.update", "publication.supersede", "publication.republish"]


def test_marking_the_parent_field_classified_takes_the_parent_out(w, published):
    published(w.info_centre)
    registry.update_unit(w.both, w.info_centre, record_of(w.info_centre, classified_fields=["parent"]))
    assert "parent" not in services.latest_published(w.info_centre).snapshot


def test_an_open_proposal_showing_a_newly_classified_field_is_withdrawn(w):
    [proposal] = services.propose(w.proposer, w.audit_bureau)
    registry.update_unit(w.both, w.audit_bureau, record_of(w.audit_bureau, classified_fields=["functions"]))
    assert proposal.status == "withdrawn" and services.open_proposal(w.audit_bureau) is None


def test_an_unrelated_edit_changes_no_publication(w, published):
    publication = published(w.audit_bureau)
    registry.update_unit(w.both, w.audit_bureau, record_of(w.audit_bureau, functions_md="新的职责表述"))
    registry.rename_unit(w.both, w.audit_bureau, {"new_name": "杭州市审计监督局", "occurred_on": "2026-11-01"})
    assert services.latest_published(w.audit_bureau) is publication and publication.version == 1
    assert [u.id for u in services.changed_units(w.proposer)][:1] == [w.audit_bureau.id]


def test_abolishing_a_published_unit_withdraws_it(w, published):
    publication = published(w.education)
    registry.abolish_unit(w.both, w.education, {"occurred_on": "2026-11-01"})
    db.session.commit()
    assert publication.status == "withdrawn" and publication.withdraw_reason.startswith("单位已撤销")
    assert services.latest_published(w.education.code) is None


def test_merging_a_published_unit_withdraws_it(w, published):
    publication = published(w.education)
    registry.merge_units(w.both, w.education, w.audit_bureau, {"occurred_on": "2026-11-01"})
    assert publication.status == "withdrawn"


def test_abolishing_a_parent_renames_no_abolished_parent_in_children(w, published):
    child = published(w.info_centre)
    registry.update_unit(w.both, w.info_centre, record_of(w.info_centre, parent_id=None))
    # the child still names the (unchanged) parent until a new version is approved; abolishing the
    # old parent now re-publishes the child without it
    registry.abolish_unit(w.both, w.audit_bureau, {"occurred_on": "2026-11-01"})
    now = services.latest_published(w.info_centre)
    assert child.status == "superseded" and "parent" not in now.snapshot
