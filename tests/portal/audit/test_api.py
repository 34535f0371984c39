"""GET /api/v1/audit/events: the same filters and scope as the page, in the paged envelope."""
from __future__ import annotations

from datetime import datetime, timezone

from portal.accounts.tokens import issue_token
from portal.audit import services as audit
from portal.extensions import db


def _get(client, user, **query):
    token = issue_token(user)  # a system event ("token.issue") of its own
    db.session.commit()
    return client.get("/api/v1/audit/events", query_string=query, headers={"Authorization": f"Bearer {token}"})


def test_events_come_in_the_paged_envelope(client, people, write_event, monkeypatch):
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc))
    event = write_event(people.xihu_admin, "unit.update", "unit", 17,
                        changes=audit.diff({"name": "甲"}, {"name": "乙"}), details={"document": "西编〔2026〕5号"})
    monkeypatch.undo()
    response = _get(client, people.city_auditor, actor="xihu_admin")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 25)
    assert body["items"] == [{
        "id": event.id, "seq": event.seq, "created_at": "2026-03-01T16:30:00+00:00",
        "actor_id": people.xihu_admin.id, "actor_name": "xihu_admin",
        "action": "unit.update", "action_label": "修改", "object_type": "unit", "object_type_label": "单位",
        "object_id": "17", "changes": {"name": ["甲", "乙"]}, "details": {"document": "西编〔2026〕5号"},
        "ip": None, "prev_hash": event.prev_hash, "hash": event.hash,
    }]


def test_scope_and_paging(client, people, write_event):
    for n in range(3):
        write_event(people.xihu_inspector, object_id=n)
    write_event(people.city_admin)  # outside the district
    write_event(people.xihu_admin)  # the caller's own
    first = _get(client, people.xihu_admin, per_page=2).get_json()
    # the district's inspector's three, plus the system's token.issue events of this test
    names = [item["actor_name"] for item in first["items"]]
    assert first["total"] == 4 and first["per_page"] == 2
    assert names == [audit.SYSTEM_ACTOR, "xihu_inspector"]
    second = _get(client, people.xihu_admin, per_page=2, page=2).get_json()
    # a second token was issued for the second call: one more system event at the top
    assert second["total"] == 5
    assert [item["object_id"] for item in second["items"]] == ["2", "1"]
    beyond = _get(client, people.xihu_admin, per_page=2, page=9).get_json()
    assert beyond["items"] == [] and beyond["page"] == 9


def test_filters_by_object_and_date(client, people, write_event):
    write_event(people.xihu_inspector, "unit.update", "unit", 42)
    write_event(people.xihu_inspector, "user.update", "user", 42)
    body = _get(client, people.city_auditor, object_type="unit", object_id="42").get_json()
    assert [(i["object_type"], i["object_id"]) for i in body["items"]] == [("unit", "42")]
    assert _get(client, people.city_auditor, date_to="2000-01-01").get_json()["total"] == 0
