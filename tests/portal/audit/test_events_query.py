"""events_query: who reads which events (三员分立, 分级负责), and the filters."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from portal.audit import services as audit
from portal.audit.services import EventFilters, events_query
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db


def _visible(viewer, filters: EventFilters | None = None) -> list[str]:
    """The actor names of the events ``viewer`` sees, oldest first."""
    return [e.actor_name for e in reversed(db.session.scalars(events_query(viewer, filters)).all())]


@pytest.fixture()
def trail(people, write_event):
    for name in ("city_auditor", "city_admin", "xihu_admin", "xihu_inspector", "xihu_unit_user",
                 "binjiang_inspector", "binjiang_discipline"):
        write_event(getattr(people, name))
    write_event(None)  # system
    write_event(None, actor_name="命令行:root")
    return people


def test_nobody_sees_their_own_events(trail):
    seen = _visible(trail.city_auditor)
    assert "city_auditor" not in seen
    assert "city_admin" in seen
    assert "city_auditor" in _visible(trail.city_admin)


def test_the_city_sees_its_whole_subtree_and_system_events(trail):
    assert _visible(trail.city_auditor) == [
        "city_admin", "xihu_admin", "xihu_inspector", "xihu_unit", "binjiang_inspector", "binjiang_jw",
        audit.SYSTEM_ACTOR, "命令行:root",
    ]


def test_a_district_sees_its_own_people_not_the_city_or_a_sibling(trail):
    # staff by office, unit users by their unit's office; never the parent office or a sibling district
    assert _visible(trail.xihu_admin) == ["xihu_inspector", "xihu_unit", audit.SYSTEM_ACTOR, "命令行:root"]


def test_a_name_without_a_user_is_hidden_from_the_user_of_that_name(trail, write_event):
    write_event(None, actor_name="city_auditor")
    assert _visible(trail.city_auditor).count("city_auditor") == 0


@pytest.mark.parametrize("name", ["xihu_inspector", "xihu_unit_user", "binjiang_discipline"])
def test_without_audit_read_the_trail_is_refused(trail, name):
    with pytest.raises(PermissionDenied):
        events_query(getattr(trail, name))


def test_a_revoked_audit_read_is_refused(trail, grant):
    grant(trail.city_admin, "audit.read", granted=False)
    with pytest.raises(PermissionDenied):
        events_query(trail.city_admin)


def test_audit_read_without_an_office_reads_nothing(trail, grant):
    grant(trail.xihu_unit_user, "audit.read")
    assert _visible(trail.xihu_unit_user) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"actor": "xihu_admin"}, ["xihu_admin"]),
        ({"actor": " xihu_admin "}, ["xihu_admin"]),
        ({"actor": "xihu"}, []),  # the user name, exactly
        ({"action": "user.create"}, ["xihu_admin"]),
        ({"object_type": "user"}, ["xihu_admin", "binjiang_inspector"]),
        ({"object_type": "unit", "object_id": "42"}, ["xihu_inspector"]),
        ({"object_id": "42"}, ["xihu_inspector", "binjiang_inspector"]),
        ({"actor": "", "action": "  "}, ["xihu_admin", "xihu_inspector", "binjiang_inspector"]),
    ],
)
def test_filters(people, write_event, filters, expected):
    write_event(people.xihu_admin, "user.create", "user", 5)
    write_event(people.xihu_inspector, "unit.update", "unit", 42)
    write_event(people.binjiang_inspector, "user.update", "user", 42)
    assert _visible(people.city_auditor, EventFilters.from_mapping(filters)) == expected


def test_date_range_is_in_beijing_days(people, write_event, monkeypatch):
    times = {
        "late_feb_28": datetime(2026, 2, 28, 15, 59, tzinfo=timezone.utc),  # 2月28日 23:59 北京
        "early_mar_1": datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc),   # 3月1日 00:00 北京
        "late_mar_1": datetime(2026, 3, 1, 15, 59, 59, tzinfo=timezone.utc),  # 3月1日 23:59:59 北京
        "early_mar_2": datetime(2026, 3, 1, 16, 0, 1, tzinfo=timezone.utc),  # 3月2日 00:00:01 北京
    }
    for name, when in times.items():
        monkeypatch.setattr(audit, "utcnow", lambda when=when: when)
        write_event(None, actor_name=name)

    def seen(date_from=None, date_to=None):
        return _visible(people.city_auditor, EventFilters(date_from=date_from, date_to=date_to))

    assert seen(date(2026, 3, 1), date(2026, 3, 1)) == ["early_mar_1", "late_mar_1"]
    assert seen(date_from=date(2026, 3, 1)) == ["early_mar_1", "late_mar_1", "early_mar_2"]
    assert seen(date_to=date(2026, 2, 28)) == ["late_feb_28"]
    assert seen() == list(times)


def test_an_end_before_the_start_is_an_error_on_the_end_field(people):
    with pytest.raises(InvalidInput) as info:
        events_query(people.city_auditor, EventFilters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1)))
    assert info.value.fields == {"date_to": "结束日期不能早于开始日期。"}


def test_newest_first_and_filter_hints_are_scoped(people, write_event):
    write_event(people.xihu_admin, "user.create", "user", 5)
    write_event(people.city_auditor, "registry.export", "unit", None)  # own: not even as a hint
    write_event(people.binjiang_inspector, "unit.update", "unit", 3)
    seqs = [e.seq for e in db.session.scalars(events_query(people.city_admin))]
    assert seqs == sorted(seqs, reverse=True)
    assert audit.distinct_values(people.city_auditor, "action") == ["unit.update", "user.create"]
    assert audit.distinct_values(people.xihu_admin, "object_type") == []
