"""An inspector may give a finding its own rectification period in working days instead of the default
(RECTIFICATION_WORKING_DAYS); the notice counts it from its issue date, on the case office's calendar."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.errors import InvalidInput
from portal.extensions import db
from portal.timeutil import beijing_today

from inspection import workdays
from inspection.models import Finding
from inspection.services import findings, notices

GOOD = {"area": "establishment", "violation_type": "over_establishment", "description": "行政编制核定 10 名，实有 12 名。"}


def test_own_period_is_counted_when_the_notice_goes_out(app, w, make_case, make_finding, issue_notice):
    case = make_case()
    own = make_finding(case, period_working_days="5")
    default = make_finding(case)
    assert (own.period_working_days, own.due_on) == (5, None)
    planned = {item.finding.id: item for item in notices.plan(case).items}
    assert planned[own.id].working_days == 5 and planned[default.id].working_days == 30
    issue_notice(case)
    today = beijing_today()
    expected = workdays.add_working_days(today, 5, office_id=case.office_id)
    assert (own.due_on, own.is_due_provisional) == (expected.due_on, expected.is_provisional)
    assert (own.due_counted_from_on, own.due_working_days) == (today, 5)  # counted: a schedule can recount it
    assert default.due_working_days == app.config["RECTIFICATION_WORKING_DAYS"]
    assert own.due_on < default.due_on


@pytest.mark.parametrize(("value", "words"), [
    ("0", "1 到 250"), ("251", "1 到 250"), ("十", "不是数字"), ("-3", "不能为负数"),
])
def test_bad_periods_are_refused_and_nothing_saved(w, make_case, value, words):
    from inspection.services import cases

    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        findings.add_finding(w.inspector, case, {**GOOD, "period_working_days": value})
    db.session.rollback()
    assert words in refused.value.fields["period_working_days"]
    assert db.session.scalar(select(func.count(Finding.id))) == 0


def test_a_date_and_a_period_together_are_refused(w, make_case):
    from inspection.services import cases

    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    with pytest.raises(InvalidInput) as refused:
        findings.add_finding(w.inspector, case, {**GOOD, "period_working_days": "10",
                                                 "due_on": (beijing_today() + timedelta(days=20)).isoformat()})
    assert "只填一种" in refused.value.fields["period_working_days"]


def test_editing_switches_between_a_date_and_a_period(w, make_case, make_finding):
    case = make_case()
    finding = make_finding(case, period_working_days="8")
    later = (beijing_today() + timedelta(days=40)).isoformat()
    findings.update_finding(w.inspector, finding, {"version": finding.version, "due_on": later,
                                                   "period_working_days": ""})
    db.session.commit()
    assert (finding.due_on.isoformat(), finding.period_working_days) == (later, None)
    findings.update_finding(w.inspector, finding, {"version": finding.version, "due_on": "",
                                                   "period_working_days": "12"})
    db.session.commit()
    assert (finding.due_on, finding.period_working_days) == (None, 12)


def test_the_finding_form_offers_the_period(w, make_case, signed_in):
    from inspection.services import cases

    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    db.session.commit()
    client = signed_in(w.inspector)
    response = client.post(f"/inspection/cases/{case.id}/findings/new", data={**GOOD, "needs_rectification": "y",
                                                                           "period_working_days": "15"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Finding.period_working_days)) == 15


def test_the_api_takes_and_shows_the_period(w, client, make_case):
    from tests.inspection.api_support import auth

    from inspection.services import cases

    case = make_case()
    cases.transition(w.inspector, case, "verifying")
    db.session.commit()
    made = client.post(f"/api/v1/cases/{case.id}/findings", json={**GOOD, "period_working_days": 20},
                       headers=auth(w.inspector))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["period_working_days"] == 20 and made.get_json()["due_on"] is None
    bad = client.post(f"/api/v1/cases/{case.id}/findings", json={**GOOD, "period_working_days": 0},
                      headers=auth(w.inspector))
    assert bad.status_code == 422 and "period_working_days" in bad.get_json()["error"]["fields"]
