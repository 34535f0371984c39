"""The administration of announcements (通知公告): list, create, edit, publish, unpublish.

Pages need ``announcements.manage`` (403 otherwise; the services check it again). Each route parses a
form, calls one service, commits once and redirects; a service's ``InvalidInput`` is rolled back and
its messages sit beside the fields.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry.queries import paginate

from disclosure import announcements as services
from disclosure.forms.announcements import ActionForm, AnnouncementForm
from disclosure.views import bp

PER_PAGE = 25
_NOT_DONE = object()


def _require_manage() -> None:
    services.require_manage(current_user)


def _submit(form, action):
    """Run ``action()`` on a valid POST and commit; ``_NOT_DONE`` when not posted or refused (rolled back)."""
    if not form.validate_on_submit():
        return _NOT_DONE
    try:
        result = action()
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _NOT_DONE
    db.session.commit()
    return result


@bp.route("/announcements")
@login_required
def list_announcements():
    _require_manage()
    pagination = paginate(services.announcements_query(current_user), request.args.get("page"), PER_PAGE,
                          default_per_page=PER_PAGE)
    return render_template("disclosure/announcements/list.html", pagination=pagination, action_form=ActionForm(),
                           is_public_now=services.is_public_now)


@bp.route("/announcements/new", methods=["GET", "POST"])
@login_required
def create_announcement():
    _require_manage()
    form = AnnouncementForm()
    announcement = _submit(form, lambda: services.create(current_user, form.announcement_data()))
    if announcement is not _NOT_DONE:
        flash(_("已保存通知公告：%(title)s。", title=announcement.title), "success")
        return redirect(url_for("disclosure.list_announcements"))
    return render_template("disclosure/announcements/form.html", form=form, announcement=None)


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@login_required
def edit_announcement(announcement_id: int):
    _require_manage()
    announcement = services.get_or_404(current_user, announcement_id)
    form = AnnouncementForm()
    if request.method == "GET":
        form.fill(announcement)
    if _submit(form, lambda: services.update(current_user, announcement, form.announcement_data())) is not _NOT_DONE:
        flash(_("已保存通知公告：%(title)s。", title=announcement.title), "success")
        return redirect(url_for("disclosure.list_announcements"))
    return render_template("disclosure/announcements/form.html", form=form, announcement=announcement)


def _action(announcement_id: int, service, done_message):
    _require_manage()
    announcement = services.get_or_404(current_user, announcement_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            service(current_user, announcement)
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "warning")
        else:
            db.session.commit()
            flash(done_message(announcement.title), "success")
    return redirect(url_for("disclosure.list_announcements"))


@bp.route("/announcements/<int:announcement_id>/publish", methods=["POST"])
@login_required
def publish_announcement(announcement_id: int):
    return _action(announcement_id, services.publish, lambda title: _("已发布通知公告：%(title)s。", title=title))


@bp.route("/announcements/<int:announcement_id>/unpublish", methods=["POST"])
@login_required
def unpublish_announcement(announcement_id: int):
    return _action(announcement_id, services.unpublish,
                   lambda title: _("已撤下通知公告：%(title)s，公众不再能看到。", title=title))
