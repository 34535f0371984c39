"""Session rules wired in portal/web.py: idle timeout, strong session protection, CSRF."""
from __future__ import annotations

import re
import time

import pytest

from portal import create_app
from portal.accounts.tokens import issue_token
from portal.extensions import db
from tests.conftest import STRONG_PASSWORD, TEST_CONFIG


# ---------------------------------------------------------------- idle timeout

@pytest.mark.parametrize("idle_minutes, signed_in", [(29, True), (31, False)])
def test_idle_timeout(client, make_user, login, idle_minutes, signed_in):
    login(make_user("lisi"))
    assert client.get("/profile").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - idle_minutes * 60
    response = client.get("/profile")
    if signed_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
        assert "next=" in response.headers["Location"]
        assert "长时间未操作" in client.get("/login").get_data(as_text=True)
        assert client.get("/profile").status_code == 302  # signed out for good


def test_idle_timeout_is_configurable(app, client, make_user, login):
    app.config["IDLE_TIMEOUT_MINUTES"] = 1
    login(make_user("lisi"))
    client.get("/profile")
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 90
    assert client.get("/profile").status_code == 302


def test_idle_timeout_answers_401_json_on_the_api(client, make_user, login):
    login(make_user("lisi"))
    client.get("/profile")
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 3600
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# ---------------------------------------------------------------- strong session protection

def test_session_replayed_from_another_browser_is_dropped(client, make_user):
    make_user("lisi")
    client.post("/login", data={"username": "lisi", "password": STRONG_PASSWORD},
                headers={"User-Agent": "Browser A"})
    assert client.get("/profile", headers={"User-Agent": "Browser A"}).status_code == 200
    assert client.get("/profile", headers={"User-Agent": "Stolen cookie B"}).status_code == 302
    assert client.get("/profile", headers={"User-Agent": "Browser A"}).status_code == 302


# ---------------------------------------------------------------- CSRF

@pytest.fixture()
def csrf_client(app, database_url, data_dir):
    """A second app on the same database with CSRF checking on, as in production."""
    csrf_app = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True, "DATABASE_URL": database_url,
                           "DATA_DIR": str(data_dir)})
    yield csrf_app.test_client()
    with csrf_app.app_context():
        db.session.remove()
        db.engine.dispose()


def csrf_token(client, path="/login") -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def test_form_post_without_csrf_token_is_rejected(csrf_client, make_user):
    make_user("lisi")
    response = csrf_client.post("/login", data={"username": "lisi", "password": STRONG_PASSWORD})
    assert response.status_code == 400
    assert "lisi" not in csrf_client.get("/login").get_data(as_text=True)


def test_form_post_with_csrf_token_is_accepted(csrf_client, make_user):
    make_user("lisi")
    token = csrf_token(csrf_client)
    response = csrf_client.post("/login", data={"username": "lisi", "password": STRONG_PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302
    assert csrf_client.post("/logout").status_code == 400  # signed in: every form still needs the token


def test_api_post_with_bearer_token_needs_no_csrf_token(csrf_client, make_user):
    token = issue_token(make_user("lisi"))
    db.session.commit()
    response = csrf_client.post("/api/v1/notifications/read-all", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == {"marked": 0}


def test_api_post_with_a_bad_bearer_token_is_401(csrf_client):
    response = csrf_client.post("/api/v1/notifications/read-all", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_post_with_cookie_session_but_no_csrf_token_is_rejected(csrf_client, make_user):
    make_user("lisi")
    csrf_client.post("/login", data={"username": "lisi", "password": STRONG_PASSWORD,
                                     "csrf_token": csrf_token(csrf_client)})
    assert csrf_client.get("/api/v1/me").status_code == 200  # signed in by cookie
    response = csrf_client.post("/api/v1/notifications/read-all")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    response = csrf_client.post("/api/v1/notifications/read-all",
                                headers={"X-CSRFToken": csrf_token(csrf_client, "/profile")})
    assert response.status_code == 200
