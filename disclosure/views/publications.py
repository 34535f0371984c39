"""The internal publication screens: lists, proposal, secrecy review (保密审查), withdrawal, history.

Each route parses a form, calls one service, commits once and redirects; a service's ``InvalidInput``
is rolled back and its messages sit beside the fields. Pages need ``disclosure.publish`` or
``disclosure.approve`` (403 otherwise); the services scope every unit and publication to the
caller's write scope (404 outside it) and decide, through the lifecycle table, who may do what.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal.accounts import permissions
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry.queries import paginate

from disclosure import lifecycle, services
from disclosure.forms import publications as forms
from disclosure.models import PublicationStatus as S
from disclosure.snapshot import build_snapshot, unpublishable_reason
from disclosure.views import bp

TABS = {"proposed": S.PROPOSED, "published": S.PUBLISHED, "withdrawn": S.WITHDRAWN, "rejected": S.REJECTED}
CHANGED = "changed"
_NOT_DONE = object()


# ---------------------------------------------------------------- what templates read

def _may(name: str, publication=None) -> bool:
    """May the signed-in user make transition ``name`` (from ``publication``'s state)? The lifecycle
    table answers; the services enforce it again."""
    if not current_user.is_authenticated:
        return False
    transition = lifecycle.find(name, S(publication.status) if publication is not None else None)
    return transition is not None and lifecycle.may(current_user, transition)


def _unit_publication_state(unit):
    """The registry unit page's publication panel: None unless the user works on publication and the
    unit is in their write scope."""
    if not _is_disclosure_user() or not permissions.can(current_user, "unit.edit", unit):
        return None
    return services.publication_state(unit)


@bp.app_context_processor
def _publication_helpers():
    return {"publication_may": _may, "unit_publication_state": _unit_publication_state}


# ---------------------------------------------------------------- plumbing

def _is_disclosure_user() -> bool:
    return current_user.is_authenticated and any(
        permissions.has_permission(current_user, p) for p in (lifecycle.PUBLISH, lifecycle.APPROVE)
    )


def _require_disclosure_user() -> None:
    if not _is_disclosure_user():
        raise PermissionDenied(_("您没有信息公开的权限。"))


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


def _submit(form, action, *, show_denied: bool = False):
    """On a valid POST run ``action()`` (one service call) and commit; return its result, or
    ``_NOT_DONE`` when not posted or refused (rolled back, messages beside the fields).
    ``show_denied``: a refusal (the two-person rule) is shown on the form rather than as an error page."""
    if not form.validate_on_submit():
        return _NOT_DONE
    try:
        result = action()
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc, getattr(form, "ERROR_ALIASES", None))
        form.service_errors = exc.fields
        return _NOT_DONE
    except PermissionDenied as exc:
        if not show_denied:
            raise
        db.session.rollback()
        form.form_errors.append(exc.message)
        form.is_denied = True
        return _NOT_DONE
    db.session.commit()
    return result


class _ListPagination(Pagination):
    """Server-side paging of a list computed in Python (the changed units), for the ``pager`` macro."""

    def _query_items(self):
        start = (self.page - 1) * self.per_page
        return self._query_args["items"][start:start + self.per_page]

    def _query_count(self):
        return len(self._query_args["items"])


def _page_number() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


# ---------------------------------------------------------------- the lists

def _list_page(tab: str, bulk_form=None):
    waiting_query = services.publications_query(current_user, S.PROPOSED).order_by(None)
    waiting = db.session.scalar(select(func.count()).select_from(waiting_query.subquery()))
    if tab == CHANGED:
        units = services.changed_units(current_user)
        pagination = _ListPagination(page=_page_number(), per_page=_per_page(), error_out=False, items=units)
        current = {u.id: services.current_publication(u) for u in pagination.items}
    else:
        pagination = paginate(services.publications_query(current_user, TABS[tab]), request.args.get("page"), None,
                              default_per_page=_per_page())
        current = {}
    return render_template(
        "disclosure/publications/list_publications.html", tab=tab, pagination=pagination, waiting=waiting,
        current=current, bulk_form=bulk_form or forms.BulkProposeForm(),
    )


@bp.route("/")
@login_required
def list_publications():
    _require_disclosure_user()
    tab = request.args.get("tab", "proposed")
    if tab not in TABS and tab != CHANGED:
        tab = "proposed"
    return _list_page(tab)


@bp.route("/propose", methods=["POST"])
@login_required
def propose_publications():
    """Propose the ticked units of the changed list, or every changed unit."""
    _require_disclosure_user()
    form = forms.BulkProposeForm()
    if form.submit_all.data:
        action = lambda: services.propose_changed(current_user)  # noqa: E731
    else:
        action = lambda: services.propose_units(current_user, ids=form.unit_ids.data or [])  # noqa: E731
    created = _submit(form, action)
    if created is _NOT_DONE:
        return _list_page(CHANGED, bulk_form=form)
    if created:
        flash(_("已提交 %(n)s 个单位的公开申请，等待保密审查。", n=len(created)), "success")
    else:
        flash(_("没有需要提交的单位：台账与已公开信息一致。"), "info")
    return redirect(url_for("disclosure.list_publications", tab="proposed"))


# ---------------------------------------------------------------- one unit

@bp.route("/units/<int:unit_id>/propose", methods=["GET", "POST"])
@login_required
def propose_publication(unit_id: int):
    """The snapshot that will be frozen, compared with the published version; then the proposal."""
    _require_disclosure_user()
    unit = services.writable_unit_or_404(current_user, unit_id)
    form = forms.ProposeForm()
    created = _submit(form, lambda: services.propose(current_user, unit))
    if created is not _NOT_DONE:
        flash(_("已提交公开申请，等待保密审查。"), "success")
        return redirect(url_for("disclosure.publication_detail", publication_id=created[0].id))
    state = services.publication_state(unit)
    snapshot = None if unpublishable_reason(unit) else build_snapshot(unit)
    changed = [] if snapshot is None else \
        services.changed_fields(state.current.snapshot if state.current else None, snapshot)
    return render_template("disclosure/publications/propose_publication.html", unit=unit, form=form, state=state,
                           snapshot=snapshot, changed=changed)


@bp.route("/units/<int:unit_id>/publications")
@login_required
def unit_publications(unit_id: int):
    _require_disclosure_user()
    unit = services.writable_unit_or_404(current_user, unit_id)
    return render_template("disclosure/publications/unit_publications.html", unit=unit,
                           versions=services.unit_versions(current_user, unit),
                           state=services.publication_state(unit))


# ---------------------------------------------------------------- one publication

def _publication_page(template: str, publication, form=None, status: int = 200):
    base = services.baseline(publication) if publication.status == S.PROPOSED.value else None
    changed = services.changed_fields(base.snapshot if base else None, publication.snapshot)
    return render_template(f"disclosure/publications/{template}", publication=publication, unit=publication.unit,
                           form=form, baseline=base, changed=changed,
                           two_person_rule=current_app.config["DISCLOSURE_TWO_PERSON_RULE"]), status


@bp.route("/publications/<int:publication_id>")
@login_required
def publication_detail(publication_id: int):
    _require_disclosure_user()
    publication = services.get_publication_or_404(current_user, publication_id)
    return _publication_page("publication_detail.html", publication)


@bp.route("/publications/<int:publication_id>/review", methods=["GET", "POST"])
@login_required
def review_publication(publication_id: int):
    """保密审查: the frozen snapshot, what changed since the published version, approve or reject."""
    _require_disclosure_user()
    publication = services.get_publication_or_404(current_user, publication_id)
    if request.method == "GET" and publication.status != S.PROPOSED.value:
        flash(_("该申请已处理（%(state)s）。", state=publication.status_enum.label), "info")
        return redirect(url_for("disclosure.publication_detail", publication_id=publication.id))
    form = forms.ReviewForm()
    if form.is_submitted() and not (form.approve.data or form.reject.data):
        form.form_errors.append(_("请选择“审核通过并公开”或“审核不通过”。"))
        return _publication_page("review_publication.html", publication, form)
    service = services.approve if form.approve.data else services.reject
    done = _submit(form, lambda: service(current_user, publication, form.opinion.data), show_denied=True)
    if done is not _NOT_DONE:
        flash(_("审核通过，已公开。") if done.status == S.PUBLISHED.value else _("已审核不通过，申请已退回。"),
              "success")
        return redirect(url_for("disclosure.publication_detail", publication_id=publication.id))
    return _publication_page("review_publication.html", publication, form,
                             403 if getattr(form, "is_denied", False) else 200)


@bp.route("/publications/<int:publication_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_publication(publication_id: int):
    _require_disclosure_user()
    publication = services.get_publication_or_404(current_user, publication_id)
    if request.method == "GET" and not _may("withdraw", publication):
        flash(_("当前状态（%(state)s）下不能撤回。", state=publication.status_enum.label), "info")
        return redirect(url_for("disclosure.publication_detail", publication_id=publication.id))
    form = forms.WithdrawForm()
    done = _submit(form, lambda: services.withdraw(current_user, publication, form.reason.data))
    if done is not _NOT_DONE:
        flash(_("已撤回。"), "success")
        return redirect(url_for("disclosure.publication_detail", publication_id=publication.id))
    return _publication_page("withdraw_publication.html", publication, form)
