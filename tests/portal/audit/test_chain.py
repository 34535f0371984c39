"""The hash chain: record() links events, verify finds tampering, concurrent writers do not fork it."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.audit import services as audit
from portal.audit.models import AuditChainHead, AuditEvent
from portal.extensions import db
from portal.timeutil import BEIJING


def _events() -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))


def _record_three(make_user=None):
    actor = make_user("shenji") if make_user else None
    audit.record("unit.create", "unit", 7, changes=audit.diff({}, {"name": "杭州市财政局"}), actor=actor)
    audit.record("unit.update", "unit", 7, changes=audit.diff({"name": "杭州市财政局"}, {"name": "杭州市财政厅"}),
                 actor=actor)
    audit.record("unit.abolish", "unit", 7, details={"document": "杭编〔2026〕3号"}, actor=actor)
    db.session.commit()
    return _events()


# ---------------------------------------------------------------- canonical JSON and hashing

def test_canonical_json_is_the_same_for_the_same_data():
    one = {"b": [1, 2], "a": "中文", "c": {"y": None, "x": True}}
    two = {"c": {"x": True, "y": None}, "a": "中文", "b": [1, 2]}
    assert audit.canonical_json(one) == audit.canonical_json(two)
    # sorted keys, no spaces, UTF-8 text (not \\u escapes)
    assert audit.canonical_json(one) == '{"a":"中文","b":[1,2],"c":{"x":true,"y":null}}'
    expected = hashlib.sha256(("0" * 64 + '{"a":"中文","b":[1,2],"c":{"x":true,"y":null}}').encode()).hexdigest()
    assert audit.chain_hash(audit.GENESIS_HASH, audit.canonical_json(two)) == expected


def test_canonical_json_normalises_times_to_utc():
    beijing = datetime(2026, 3, 1, 8, 0, tzinfo=BEIJING)
    utc = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)
    expected = '{"t":"2026-03-01T00:00:00+00:00"}'
    assert audit.canonical_json({"t": beijing}) == audit.canonical_json({"t": utc}) == expected


def test_diff_lists_only_changed_fields():
    assert audit.diff({"name": "甲", "level": "处级"}, {"name": "乙", "level": "处级", "short": "乙局"}) == {
        "name": ["甲", "乙"], "short": [None, "乙局"],
    }


# ---------------------------------------------------------------- record()

def test_record_links_each_event_to_the_previous_one(app, make_user):
    events = _record_three(make_user)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    for event in events:
        # the stored text hashes to the stored hash: the database handed back the very bytes hashed
        assert audit.chain_hash(event.prev_hash, event.payload) == event.hash
    body = json.loads(events[1].payload)
    assert body["changes"] == {"name": ["杭州市财政局", "杭州市财政厅"]}
    assert body["actor_name"] == "shenji" and body["actor_id"] == events[1].actor_id
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_seq, head.last_hash) == (3, events[2].hash)


def test_record_without_a_user_is_a_system_event(app):
    event = audit.record("demo.load", "system")
    assert (event.actor_id, event.actor_name, event.object_id) == (None, audit.SYSTEM_ACTOR, None)


def test_an_event_rolled_back_with_its_action_leaves_no_gap(app):
    audit.record("unit.create", "unit", 1)
    db.session.commit()
    audit.record("unit.update", "unit", 1)
    db.session.rollback()  # the action failed: its event goes with it
    audit.record("unit.update", "unit", 1)
    db.session.commit()
    assert [e.seq for e in _events()] == [1, 2]
    assert audit.verify_chain().ok


# ---------------------------------------------------------------- verify

def test_verify_an_empty_and_an_intact_chain(app, runner):
    assert audit.verify_chain().ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "审计日志完整：共 0 条" in result.output

    _record_three()
    outcome = audit.verify_chain(batch_size=2)  # crosses a batch boundary
    assert outcome.ok and outcome.checked == 3 and outcome.last_hash == _events()[-1].hash
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "审计日志完整：共 3 条" in result.output


def _tamper(statement: str) -> None:
    """Change the database behind the application's back, as someone with SQL access could."""
    db.session.execute(sa.text(statement))
    db.session.commit()


@pytest.mark.parametrize(
    ("statement", "broken_seq", "reason"),
    [
        ("UPDATE audit_events SET payload = REPLACE(payload, '杭州市财政厅', '杭州市财政局') WHERE seq = 2",
         2, "内容被修改"),
        ("UPDATE audit_events SET action = 'unit.view' WHERE seq = 2", 2, "action 被修改"),
        ("UPDATE audit_events SET actor_name = 'someone' WHERE seq = 2", 2, "actor_name 被修改"),
        ("UPDATE audit_events SET object_id = '8' WHERE seq = 2", 2, "object_id 被修改"),
        ("UPDATE audit_events SET prev_hash = hash WHERE seq = 2", 2, "链接被修改"),
    ],
    ids=["payload", "action-column", "actor-column", "object-column", "link"],
)
def test_tampering_with_one_row_breaks_verify_and_names_it(app, runner, make_user, statement, broken_seq, reason):
    events = _record_three(make_user)
    target = events[broken_seq - 1]
    _tamper(statement)

    outcome = audit.verify_chain()
    assert not outcome.ok
    assert (outcome.broken_seq, outcome.broken_id, outcome.checked) == (broken_seq, target.id, broken_seq - 1)
    assert reason in outcome.reason

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"第 {broken_seq} 条事件（id={target.id}）被篡改：" in result.output
    assert reason in result.output


def test_shifting_created_at_breaks_verify(app, runner):
    events = _record_three()
    event = db.session.get(AuditEvent, events[0].id)
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == event.id).values(created_at=event.created_at - timedelta(days=1))
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"第 1 条事件（id={events[0].id}）被篡改" in result.output and "created_at" in result.output


def test_deleting_a_row_in_the_middle_breaks_verify(app, runner):
    events = _record_three()
    _tamper(f"DELETE FROM audit_events WHERE id = {events[1].id}")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "第 2 条事件被篡改" in result.output
    assert f"id={events[2].id}" in result.output  # where the chain picks up again


def test_deleting_the_last_row_breaks_verify(app, runner):
    _record_three()
    _tamper("DELETE FROM audit_events WHERE seq = 3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "第 3 条事件被篡改" in result.output and "链尾" in result.output


def test_rewriting_an_event_and_its_own_hash_breaks_the_next_link(app, runner):
    events = _record_three()
    forged = json.loads(events[1].payload)
    forged["action"] = "unit.view"
    payload = audit.canonical_json(forged)
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == events[1].id).values(
            payload=payload, action="unit.view", hash=audit.chain_hash(events[1].prev_hash, payload)
        )
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"第 3 条事件（id={events[2].id}）被篡改：前一事件哈希不符" in result.output


def test_verify_leaves_the_session_usable(app, make_user):
    user = make_user("reader")
    _record_three()
    assert audit.verify_chain(batch_size=1).ok
    assert user.username == "reader"  # nothing was expunged from under the caller


# ---------------------------------------------------------------- concurrency (PostgreSQL)

ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="PostgreSQL only (TEST_DATABASE_URL): the chain head's row lock is what is tested; "
           "SQLite takes one writer at a time by itself",
)
def test_concurrent_writers_do_not_fork_the_chain(app):
    assert db.engine.dialect.name == "postgresql"
    writers = 12
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                audit.record("unit.update", "unit", n, changes={"n": [None, n]}, actor=None)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # collected and re-raised in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    events = _events()
    assert [e.seq for e in events] == list(range(1, writers + 1))
    assert sorted(int(e.object_id) for e in events) == list(range(writers))
    assert len({e.prev_hash for e in events}) == writers  # no two events claim the same predecessor
    assert audit.verify_chain().ok
