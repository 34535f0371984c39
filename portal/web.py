"""Request plumbing shared by every page and API call: who is calling, CSRF, idle timeout, Jinja globals."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.extensions import csrf, db, login_manager

bp = Blueprint("core", __name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOAD_LIMITS = "portal.upload_limits"  # app.extensions key: endpoint → the setting that bounds its body
FORM_ALLOWANCE = 1024 * 1024  # the form fields and multipart framing around the files


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, so Bearer-token API calls can skip it
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _lazy("请先登录。")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_token)
    app.before_request(_apply_upload_limit)  # before the CSRF check: it reads the body
    app.before_request(_check_csrf)
    app.before_request(_enforce_idle_timeout)
    app.context_processor(_template_globals)
    app.register_blueprint(bp)


def allow_large_body(app: Flask, endpoint: str, setting: str) -> None:
    """Let ``endpoint`` take a body of up to ``app.config[setting]`` bytes (plus the form around the files)
    instead of ``MAX_CONTENT_LENGTH``, which stays small for every other route (the login form included)."""
    app.extensions.setdefault(UPLOAD_LIMITS, {})[endpoint] = setting


def _apply_upload_limit():
    from flask import current_app

    setting = current_app.extensions.get(UPLOAD_LIMITS, {}).get(request.endpoint)
    if setting is not None:
        request.max_content_length = int(current_app.config[setting]) + FORM_ALLOWANCE
    return None


def _lazy(text):
    from flask_babel import lazy_gettext

    return lazy_gettext(text)


def _load_user(session_id: str):
    from portal.accounts.models import User

    user_id, _sep, nonce = (session_id or "").partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_nonce != nonce or not user.is_enabled:
        return None
    return user


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _load_user_from_token(_request):
    """``Authorization: Bearer <token>`` on API paths; a bad token is rejected in ``_check_csrf``."""
    if not request.path.startswith("/api/"):
        return None
    token = bearer_token()
    if token is None:
        return None
    from portal.accounts.tokens import user_for_token

    user = user_for_token(token)
    if user is not None:
        g.token_auth = True
    return user


def _check_csrf():
    if request.method not in UNSAFE_METHODS:
        return None
    if request.path.startswith("/api/") and request.headers.get("Authorization"):
        # token requests carry no cookie session: CSRF does not apply; the token must be valid
        if not current_user.is_authenticated:
            from portal.errors import render_error

            return render_error(401, _("访问令牌无效或已吊销。"))
        return None
    if not _config("WTF_CSRF_ENABLED"):  # tests switch CSRF off; protect() itself ignores the setting
        return None
    csrf.protect()
    return None


def _enforce_idle_timeout():
    # load the user first: only then is a bearer-token caller known (it gets no session cookie)
    if not current_user.is_authenticated or g.get("token_auth"):
        return None
    now = datetime.now(timezone.utc).timestamp()
    last_seen = session.get("last_seen")
    limit = int(_config("IDLE_TIMEOUT_MINUTES")) * 60
    if last_seen is not None and now - float(last_seen) > limit:
        logout_user()
        session.clear()
        flash(_("您已长时间未操作，为安全起见已自动退出，请重新登录。"), "warning")
        if request.path.startswith("/api/"):
            from portal.errors import render_error

            return render_error(401, _("会话已过期，请重新登录。"))
        return redirect(url_for("accounts.login", next=request.full_path))
    # the session stays a browser-session cookie: Flask-Login's "strong" protection only marks a
    # *permanent* session non-fresh instead of dropping it when the browser fingerprint changes
    session["last_seen"] = now
    return None


def _config(name):
    from flask import current_app

    return current_app.config[name]


def _template_globals():
    from portal.accounts import permissions
    from portal.registry import regions

    def can(action, obj=None):
        return permissions.can(current_user, action, obj)

    def has_permission(name):
        return permissions.has_permission(current_user, name)

    return {
        "can": can,
        "has_permission": has_permission,
        "region_name": regions.name,
        "region_full_name": regions.full_name,
        "unread_notifications": _unread_count,
    }


def _unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    from portal.notify.services import unread_count

    return unread_count(current_user)


@bp.route("/workspace")
def index():
    """The workspace for signed-in users (the public portal's home is ``/``, served by ``disclosure``)."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template("core/index.html")
