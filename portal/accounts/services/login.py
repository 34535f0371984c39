"""Login and lockout: ``authenticate``, the lock after repeated failures and its message, an
administrator's ``unlock_user``, and recording a logout.

``authenticate`` is the exception to "raise and roll back": a refused login raises
``LoginRefused`` *after* recording the failure (counter, lock, audit, notification), and the caller
commits those before showing the message.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _

from portal import signals
from portal.accounts import passwords
from portal.accounts.models import User
from portal.accounts.services.guards import require_manage
from portal.accounts.services.users import find_user
from portal.audit import services as audit
from portal.errors import ServiceError
from portal.extensions import db
from portal.notify.services import notify
from portal.timeutil import as_utc, to_beijing, utcnow

ANONYMOUS = "匿名"


class LoginRefused(ServiceError):
    """The login was refused; ``message`` says why in words safe to show on the login page."""

    status = 401
    code = "login_refused"


def bad_credentials_message() -> str:
    return _("用户名或密码错误。")


def _link(endpoint: str, **values) -> str | None:
    """A path for a notification link, when there is a request to build it from."""
    return url_for(endpoint, **values) if has_request_context() else None


@lru_cache(maxsize=4)
def _dummy_hash(_params: tuple) -> str:
    return passwords.hash_password("not-a-real-password")


def _spend_like_a_check(password: str) -> None:
    """Verify against a throwaway hash so unknown names take as long as wrong passwords."""
    cfg = current_app.config
    params = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    passwords.verify_password(_dummy_hash(params), password)


def lock_message(user: User) -> str:
    """"账户已锁定，请于 HH:MM 后再试…" with the minute (Beijing time) when the lock ends."""
    until = to_beijing(user.locked_until)
    if until.second or until.microsecond:
        until = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _("账户已锁定，请于 %(time)s 后再试或联系管理员解锁。", time=until.strftime("%H:%M"))


def _login_failed(username: str, user: User | None, reason: str) -> None:
    audit.record("auth.login_failed", "user", user.id if user else None, actor=None, actor_name=ANONYMOUS,
                 details={"username": username[:50], "reason": reason})


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User:
    """Check a login. Returns the user, or records the failure and raises ``LoginRefused``.

    ``LOCKOUT_THRESHOLD`` failures in a row lock the account for ``LOCKOUT_MINUTES``; a locked
    account refuses even the right password until the lock ends or an admin unlocks it. Unknown
    names and wrong passwords get the same message.
    """
    now = now or utcnow()
    username = (username or "").strip()
    user = find_user(username)
    if user is None:
        _spend_like_a_check(password or "")
        _login_failed(username, None, "unknown_user")
        raise LoginRefused(bad_credentials_message())
    if user.is_locked(now):
        _login_failed(username, user, "locked")
        raise LoginRefused(lock_message(user))
    if not passwords.verify_password(user.password_hash, password or ""):
        if not user.is_enabled:
            _login_failed(username, user, "disabled")
            raise LoginRefused(bad_credentials_message())
        user.failed_login_count = (user.failed_login_count or 0) + 1
        _login_failed(username, user, "bad_password")
        if user.failed_login_count >= int(current_app.config["LOCKOUT_THRESHOLD"]):
            _lock(user, now)
            db.session.flush()
            raise LoginRefused(lock_message(user))
        db.session.flush()
        raise LoginRefused(bad_credentials_message())
    if not user.is_enabled:
        _login_failed(username, user, "disabled")
        raise LoginRefused(_("该账户已停用，请联系管理员。"))

    changes = {}
    if user.failed_login_count or user.locked_until is not None:
        changes = {"failed_login_count": [user.failed_login_count, 0]}
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    rehashed = passwords.needs_rehash(user.password_hash)
    if rehashed:
        user.password_hash = passwords.hash_password(password)
    db.session.flush()
    audit.record("auth.login", "user", user.id, actor=user, changes=changes,
                 details={"rehashed": True} if rehashed else None)
    return user


def _lock(user: User, now: datetime) -> None:
    failures = user.failed_login_count
    user.locked_until = now + timedelta(minutes=int(current_app.config["LOCKOUT_MINUTES"]))
    # the next window starts counting afresh once the lock ends
    user.failed_login_count = 0
    audit.record("auth.locked", "user", user.id, actor=None, actor_name=ANONYMOUS,
                 changes={"locked_until": [None, as_utc(user.locked_until).isoformat()]},
                 details={"failures": failures})
    notify(
        user, "account_locked",
        _("您的账户因连续 %(n)s 次登录失败已被锁定至 %(time)s（北京时间）。如非本人操作，请立即联系管理员。",
          n=failures, time=to_beijing(user.locked_until).strftime("%Y-%m-%d %H:%M")),
        link=_link("accounts.profile"),
    )
    signals.user_locked.send(user, until=user.locked_until, failures=failures)


def record_logout(user: User) -> None:
    audit.record("auth.logout", "user", user.id, actor=user)


def unlock_user(actor: User, user: User) -> User:
    """An administrator ends a lock early (and clears the failure count)."""
    require_manage(actor, user)
    if user.locked_until is None and not user.failed_login_count:
        return user
    changes = audit.diff(
        {"locked_until": user.locked_until, "failed_login_count": user.failed_login_count},
        {"locked_until": None, "failed_login_count": 0},
    )
    user.locked_until = None
    user.failed_login_count = 0
    db.session.flush()
    audit.record("user.unlock", "user", user.id, changes=changes, actor=actor)
    return user
