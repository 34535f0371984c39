"""Web routes: login/logout, the user's own page and notifications, and the user administration.

Each route parses a form, calls one service, commits once and redirects or renders.
"""
from __future__ import annotations

from functools import wraps
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal.accounts import forms, permissions, services
from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import apply_errors
from portal.notify import services as notify
from portal.registry.models import DisciplineBody, Office

bp = Blueprint("accounts", __name__)


def manage_required(fn):
    """Signed in and holding ``users.manage`` (403 otherwise)."""

    @wraps(fn)
    @login_required
    def wrapper(*args, **kwargs):
        permissions.require_permission(current_user, "users.manage")
        return fn(*args, **kwargs)

    return wrapper


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# ---------------------------------------------------------------- login / logout

@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("core.index"))
    form = forms.LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.LoginRefused as exc:
            db.session.commit()  # the failure count, lock, audit event and notification stay
            flash(exc.message, "danger")
            return render_template("accounts/login.html", form=form), 200
        session.clear()  # no session fixation: a fresh session for the signed-in user
        login_user(user)
        db.session.commit()
        return redirect(safe_next(form.next.data) or url_for("core.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.record_logout(current_user)
        db.session.commit()
        logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("accounts.login"))


# ---------------------------------------------------------------- the user's own page

def _render_profile(password_form=None, new_token: str | None = None, status: int = 200):
    return render_template(
        "accounts/profile.html",
        user=current_user,
        office=services.user_office(current_user),
        password_form=password_form or forms.ChangePasswordForm(formdata=None),
        action_form=forms.ActionForm(),
        tokens=current_user.tokens,
        permission_rows=services.permission_table(current_user),
        new_token=new_token,
    ), status


@bp.route("/profile")
@login_required
def profile():
    return _render_profile()


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            login_user(user)  # the session id changed with the password: keep this session
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(password_form=form)


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def issue_token():
    form = forms.ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.profile"))
    token = services.issue_own_token(current_user)
    db.session.commit()
    # shown once, in this response only (not in a flash message: the session cookie is not secret)
    return _render_profile(new_token=token)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    record = services.revoke_api_token(current_user, token_id)
    db.session.commit()
    flash(_("令牌 %(prefix)s… 已吊销。", prefix=record.prefix), "success")
    if record.user_id == current_user.id:
        return redirect(url_for("accounts.profile"))
    return redirect(url_for("accounts.user_detail", user_id=record.user_id))


# ---------------------------------------------------------------- notifications

@bp.route("/notifications")
@login_required
def notifications():
    unread_only = request.args.get("unread") == "1"
    page = db.paginate(
        notify.notifications_query(current_user, unread_only=unread_only),
        per_page=int(current_app.config["PER_PAGE"]), error_out=False,
    )
    return render_template("accounts/notifications.html", page=page, unread_only=unread_only,
                           action_form=forms.ActionForm())


@bp.route("/notifications/<int:notification_id>", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    """Mark one notification read and follow its link (local links only)."""
    note = notify.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(safe_next(note.link) or url_for("accounts.notifications"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all_notifications():
    count = notify.mark_all_read(current_user)
    db.session.commit()
    flash(_("已将 %(n)s 条通知标为已读。", n=count), "success")
    return redirect(url_for("accounts.notifications"))


# ---------------------------------------------------------------- user administration

def _offices_for_filter():
    return db.session.scalars(permissions.offices_query(current_user).order_by(Office.path)).all()


def _binding_choices(form) -> None:
    office = permissions.manageable_office(current_user)
    offices = [office] if office is not None else []
    bodies = db.session.scalars(
        select(DisciplineBody).where(DisciplineBody.office_id == (office.id if office else None))
        .order_by(DisciplineBody.name)
    ).all()
    form.set_choices(offices, bodies)


@bp.route("/users")
@manage_required
def list_users():
    form = forms.UserFilterForm(request.args)
    form.set_choices(_offices_for_filter())
    office_id = request.args.get("office_id", type=int)
    query = services.users_list_query(
        current_user, role=form.role.data or None, office_id=office_id,
        status=form.status.data or None, q=form.q.data or None,
    )
    page = db.paginate(query, per_page=int(current_app.config["PER_PAGE"]), error_out=False)
    return render_template("accounts/users/list.html", form=form, page=page, office_of=services.user_office)


@bp.route("/users/new", methods=["GET", "POST"])
@manage_required
def create_user():
    form = forms.UserCreateForm()
    _binding_choices(form)
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, form.service_data())
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("用户 %(name)s 已创建。", name=user.username), "success")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/users/form.html", form=form, user=None)


def _render_detail(target, reset_form=None, status: int = 200):
    rows = services.permission_table(target)
    perm_form = forms.permissions_form([r.name for r in rows], {r.name: r.state for r in rows})
    return render_template(
        "accounts/users/detail.html",
        target=target,
        office=services.user_office(target),
        rows=rows,
        perm_form=perm_form,
        field_name=forms.permission_field_name,
        reset_form=reset_form or forms.ResetPasswordForm(formdata=None),
        action_form=forms.ActionForm(),
        manageable=permissions.can(current_user, "user.manage", target),
        is_self=target.id == current_user.id,
    ), status


@bp.route("/users/<int:user_id>")
@manage_required
def user_detail(user_id: int):
    return _render_detail(permissions.get_user_or_404(current_user, user_id))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@manage_required
def edit_user(user_id: int):
    target = permissions.get_user_or_404(current_user, user_id)
    form = forms.UserEditForm(obj=None if request.method == "POST" else _edit_defaults(target))
    _binding_choices(form)
    if form.validate_on_submit():
        try:
            services.update_user(current_user, target, form.service_data())
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("用户信息已保存。"), "success")
            return redirect(url_for("accounts.user_detail", user_id=target.id))
    return render_template("accounts/users/form.html", form=form, user=target)


def _edit_defaults(user) -> SimpleNamespace:
    """The edit form's initial values (select fields hold ids as text)."""
    return SimpleNamespace(
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        office_id=str(user.office_id) if user.office_id else "",
        unit_code=user.unit.code if user.unit is not None else "",
        discipline_body_id=str(user.discipline_body_id) if user.discipline_body_id else "",
    )


@bp.route("/users/<int:user_id>/permissions", methods=["POST"])
@manage_required
def set_permissions(user_id: int):
    target = permissions.get_user_or_404(current_user, user_id)
    names = list(permissions.PERMISSIONS)
    form = forms.permissions_form(names, {}, formdata=request.form)
    if form.validate_on_submit():
        changed = services.set_permissions(current_user, target, form.states())
        db.session.commit()
        flash(_("权限已保存（%(n)s 项变更）。", n=len(changed)) if changed else _("权限没有变化。"), "success")
    else:
        flash(_("权限设置无效，请重试。"), "danger")
    return redirect(url_for("accounts.user_detail", user_id=target.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@manage_required
def reset_password(user_id: int):
    target = permissions.get_user_or_404(current_user, user_id)
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, target, form.password.data)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("已为 %(name)s 重置密码，其现有登录已失效。", name=target.username), "success")
            return redirect(url_for("accounts.user_detail", user_id=target.id))
    return _render_detail(target, reset_form=form)


def _simple_action(user_id: int, action, message: str):
    target = permissions.get_user_or_404(current_user, user_id)
    if forms.ActionForm().validate_on_submit():
        action(current_user, target)
        db.session.commit()
        flash(message % {"name": target.username}, "success")
    return redirect(url_for("accounts.user_detail", user_id=target.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@manage_required
def deactivate_user(user_id: int):
    return _simple_action(user_id, services.deactivate_user, _("用户 %(name)s 已停用。"))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@manage_required
def reactivate_user(user_id: int):
    return _simple_action(user_id, services.reactivate_user, _("用户 %(name)s 已重新启用。"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@manage_required
def unlock_user(user_id: int):
    return _simple_action(user_id, services.unlock_user, _("用户 %(name)s 已解锁。"))
