"""Web pages of the audit trail: the filterable list (needs ``audit.read``)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from portal.audit import services
from portal.audit.forms import EventFilterForm
from portal.errors import InvalidInput
from portal.extensions import db
from portal.forms import apply_errors

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@login_required
def list_events():
    # filter hints; also the permission check (403 without audit.read) before anything else
    actions = services.distinct_values(current_user, "action")
    object_types = services.distinct_values(current_user, "object_type")
    form = EventFilterForm(request.args)
    pagination = None
    if form.validate():
        try:
            query = services.events_query(current_user, services.EventFilters.from_mapping(form.data))
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            pagination = db.paginate(
                query, page=request.args.get("page", 1, type=int),
                per_page=current_app.config["PER_PAGE"], error_out=False,
            )
    return render_template(
        "audit/list_events.html",
        form=form,
        pagination=pagination,
        actions=actions,
        object_types=object_types,
    )
