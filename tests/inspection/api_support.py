"""Helpers of the ``/api/v1/cases`` tests: bearer headers and the portal's error body."""
from __future__ import annotations

import re

from portal.accounts.tokens import issue_token
from portal.extensions import db

BASE = "/api/v1/cases"


def auth(user) -> dict:
    """Headers carrying a fresh bearer token of ``user``."""
    token = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def error_of(response, status: int, code: str) -> dict:
    """The ``{"error": {code, message, fields}}`` body of ``response``, checked; its ``error`` part."""
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), "the message is for people: Chinese"
    return body["error"]
