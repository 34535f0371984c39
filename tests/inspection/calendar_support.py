"""Shared pieces of the calendar tests: a fixed "today" (2026-11-24, a Tuesday: a 30-working-day deadline
set on it reaches into 2027, which chinesecalendar 1.11 does not know), district administrators, and
helpers to read the audit trail. Import the fixtures by name into a test module."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db

TODAY = date(2026, 11, 24)
D = date.fromisoformat

# a 2027 schedule as the State Council might publish it: 元旦 on Friday 1 January, a working Saturday
SCHEDULE_2027 = "\n".join([
    "日期,名称,安排",
    "2027-01-01,元旦,休",
    "2027-02-06,春节调休上班,班",
    "2027-02-08,春节,休",
    "2027-02-09,春节,休",
    "2027-02-10,春节,休",
    "2027-02-11,春节,休",
    "2027-02-12,春节,休",
])


def set_today(monkeypatch, day: date) -> None:
    """Make ``day`` "today" for issuing notices and counting deadlines again."""
    from inspection.services import calendar, findings, notices

    for module in (calendar, notices, findings):
        monkeypatch.setattr(module, "beijing_today", lambda: day)


@pytest.fixture()
def today(monkeypatch):
    set_today(monkeypatch, TODAY)
    return TODAY


@pytest.fixture()
def admins(w, make_user):
    """Administrators (settings.manage by role) of the two district offices; ``w.admin`` is the city's."""
    from types import SimpleNamespace

    return SimpleNamespace(xihu=make_user("xihu_admin", role="admin", office=w.xihu),
                           binjiang=make_user("binjiang_admin", role="admin", office=w.binjiang))


@pytest.fixture()
def district_finding(w, make_case, make_finding, issue_notice):
    """``district_finding("xihu")``: a finding sent on a notice of a case of that district office."""

    def factory(district: str):
        inspector = getattr(w, f"{district}_inspector")
        case = make_case(inspector, unit_id=getattr(w, f"{district}_unit").id, title=f"{district}超编问题")
        finding = make_finding(case, inspector)
        issue_notice(case, inspector)
        return finding

    return factory


def audit_events(action: str) -> list[tuple[AuditEvent, dict]]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()
    return [(e, json.loads(e.payload)) for e in events]
