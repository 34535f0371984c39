"""Helpers of the publication screens' tests: a signed-in client per user, page text, field errors."""
from __future__ import annotations

import html as htmllib
import re

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.conftest import STRONG_PASSWORD

from disclosure import services
from disclosure.models import Publication

OPINION = "经保密审查，不含涉密内容，同意公开。"


def signed_in(app, user):
    """A test client signed in as ``user`` (one per user, so two people can take turns)."""
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": STRONG_PASSWORD})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    return client


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def errors_beside(page: str, field: str) -> list[str]:
    """The messages rendered beside the form field ``field``."""
    match = re.search(rf'name="{field}".*?(?=<div class="(?:mb-3|d-flex)|</form>)', page, re.S)
    assert match, f"no field {field}"
    return re.findall(r'invalid-feedback d-block">([^<]+)<', match.group(0))


def propose(w, unit) -> Publication:
    [publication] = services.propose(w.proposer, unit)
    db.session.commit()
    return publication


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def count_publications() -> int:
    return db.session.scalar(select(func.count(Publication.id)))
