"""Login, lockout and unlock, as services (the web login is in test_views)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from portal import signals
from portal.accounts import services
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.notify.models import Notification
from tests.conftest import STRONG_PASSWORD

T0 = datetime(2026, 3, 2, 1, 0, 0, tzinfo=timezone.utc)  # 09:00 in Beijing


def attempt(user, password, now):
    """One login attempt at ``now``; returns the user or the refusal message. Commits like the view."""
    try:
        result = services.authenticate(user.username, password, now=now)
    except services.LoginRefused as exc:
        result = exc.message
    db.session.commit()
    return result


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# each case: (attempts as (minutes after T0, right password?), expected outcome of the last one)
LOCKOUT_TABLE = [
    pytest.param([(0, False)] * 4 + [(1, True)], "ok", id="4 failures then success"),
    pytest.param([(0, False)] * 5, "locked", id="5th failure locks"),
    pytest.param([(0, False)] * 5 + [(1, True)], "locked", id="locked refuses the right password"),
    pytest.param([(0, False)] * 5 + [(14.9, True)], "locked", id="still locked just before 15 min"),
    pytest.param([(0, False)] * 5 + [(15.1, True)], "ok", id="lock expires after 15 min"),
    pytest.param([(0, False)] * 4 + [(1, True)] + [(2, False)] * 4, "bad", id="success resets the count"),
    pytest.param([(0, False)] * 5 + [(16, False)] * 4, "bad", id="count restarts after the lock"),
    pytest.param([(0, False)] * 5 + [(16, False)] * 5, "locked", id="locks again after 5 more"),
    pytest.param([(0, False)] * 5 + [(5, False)] * 10 + [(15.1, True)], "ok",
                 id="attempts while locked do not extend it"),
]


@pytest.mark.parametrize("attempts, expected", LOCKOUT_TABLE)
def test_lockout_rules(make_user, attempts, expected):
    user = make_user("lisi")
    result = None
    for offset, right in attempts:
        result = attempt(user, STRONG_PASSWORD if right else "Wrong#pass123", T0 + minutes(offset))
    if expected == "ok":
        assert result is user
    elif expected == "locked":
        assert isinstance(result, str) and result.startswith("账户已锁定")
    else:
        assert result == "用户名或密码错误。"


@pytest.mark.parametrize("threshold, lock_minutes", [(3, 5), (1, 60)])
def test_lockout_is_configurable(app, make_user, threshold, lock_minutes):
    app.config.update(LOCKOUT_THRESHOLD=threshold, LOCKOUT_MINUTES=lock_minutes)
    user = make_user()
    for _ in range(threshold - 1):
        assert attempt(user, "Wrong#pass123", T0) == "用户名或密码错误。"
    assert attempt(user, "Wrong#pass123", T0).startswith("账户已锁定")
    assert attempt(user, STRONG_PASSWORD, T0 + minutes(lock_minutes - 0.5)).startswith("账户已锁定")
    assert attempt(user, STRONG_PASSWORD, T0 + minutes(lock_minutes + 0.5)) is user


def test_lock_message_names_the_beijing_minute_it_ends(make_user):
    user = make_user()
    message = None
    for _ in range(5):
        message = attempt(user, "Wrong#pass123", T0 + timedelta(seconds=20))
    # 01:00:20 UTC + 15 min = 09:15:20 Beijing: try again from 09:16
    assert message == "账户已锁定，请于 09:16 后再试或联系管理员解锁。"
    assert attempt(user, STRONG_PASSWORD, T0 + minutes(3)) == message


def test_lock_notifies_the_user_and_sends_the_signal(make_user, audit_events):
    user = make_user()
    received = []

    def listener(sender, **kwargs):
        received.append((sender, kwargs))

    signals.user_locked.connect(listener)
    try:
        for _ in range(5):
            attempt(user, "Wrong#pass123", T0)
    finally:
        signals.user_locked.disconnect(listener)
    [(sender, kwargs)] = received
    assert sender is user and kwargs["failures"] == 5
    [note] = db.session.query(Notification).filter_by(user_id=user.id).all()
    assert note.kind == "account_locked"
    assert "连续 5 次登录失败" in note.subject and "09:15" in note.subject
    [locked] = audit_events("auth.locked")
    assert locked.object_id == str(user.id)
    assert json.loads(locked.payload)["details"] == {"failures": 5}


def test_admin_unlocks_early(admin, make_user, audit_events):
    user = make_user(office=admin.office)
    for _ in range(5):
        attempt(user, "Wrong#pass123", T0)
    assert user.is_locked(T0 + minutes(1))
    services.unlock_user(admin, user)
    db.session.commit()
    assert not user.is_locked(T0 + minutes(1))
    assert attempt(user, STRONG_PASSWORD, T0 + minutes(1)) is user
    [event] = audit_events("user.unlock")
    assert event.actor_id == admin.id
    assert json.loads(event.payload)["changes"]["locked_until"][1] is None


def test_disabled_user_cannot_log_in(make_user, audit_events):
    user = make_user(is_enabled=False)
    assert attempt(user, STRONG_PASSWORD, T0) == "该账户已停用，请联系管理员。"
    # a wrong password says nothing about the account, and does not count towards a lock
    assert attempt(user, "Wrong#pass123", T0) == "用户名或密码错误。"
    assert user.failed_login_count == 0
    assert [json.loads(e.payload)["details"]["reason"] for e in audit_events("auth.login_failed")] == [
        "disabled", "disabled"]


def test_unknown_username_gets_the_same_message_as_a_wrong_password(make_user, audit_events):
    user = make_user("wangwu")
    unknown = attempt(type("Nobody", (), {"username": "nobody"})(), STRONG_PASSWORD, T0)
    wrong = attempt(user, "Wrong#pass123", T0)
    assert unknown == wrong == "用户名或密码错误。"
    reasons = [json.loads(e.payload)["details"] for e in audit_events("auth.login_failed")]
    assert reasons == [{"username": "nobody", "reason": "unknown_user"},
                       {"username": "wangwu", "reason": "bad_password"}]


def test_login_is_case_insensitive_on_the_username(make_user):
    user = make_user("ZhaoLiu")
    assert services.authenticate("zhaoliu", STRONG_PASSWORD, now=T0) is user


def test_success_is_audited_and_recorded(make_user, audit_events):
    user = make_user()
    assert attempt(user, "Wrong#pass123", T0) == "用户名或密码错误。"
    assert attempt(user, STRONG_PASSWORD, T0 + minutes(1)) is user
    assert user.failed_login_count == 0
    assert user.last_login_at is not None
    [event] = audit_events("auth.login")
    assert event.actor_id == user.id
    assert json.loads(event.payload)["changes"] == {"failed_login_count": [1, 0]}
    [failed] = audit_events("auth.login_failed")
    assert failed.actor_id is None and failed.object_id == str(user.id)


def test_password_rehashed_when_parameters_change(app, make_user, audit_events):
    user = make_user()
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    assert attempt(user, STRONG_PASSWORD, T0) is user
    assert user.password_hash != old_hash and "t=2" in user.password_hash
    assert json.loads(audit_events("auth.login")[0].payload)["details"] == {"rehashed": True}


def test_password_hashes_are_argon2id(app):
    assert hash_password(STRONG_PASSWORD).startswith("$argon2id$v=19$")
