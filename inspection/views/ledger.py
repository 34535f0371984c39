"""The problem ledger (问题台账) on the web: a unit's ledger with filters and paging, its XLSX download,
and the ledger index (a sponsor's institutions; the staff's unit picker and units with overdue findings).

Who reads which ledger is :mod:`inspection.ledger`'s question (a query): anything else answers 404.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry import creditcode
from portal.registry.queries import paginate
from portal.timeutil import beijing_today

from inspection import exports, ledger, permissions
from inspection.forms.ledger import LedgerFilterForm, LedgerPickForm
from inspection.views import bp

XLSX = exports.FORMATS["xlsx"]


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


@bp.route("/ledger")
@login_required
def ledger_index():
    """A sponsor: its sponsored institutions; a unit user otherwise: its own ledger; staff: pick a unit."""
    if permissions.is_unit_user(current_user):
        if not ledger.is_sponsor(current_user):
            return redirect(url_for("inspection.show_ledger", code=current_user.unit.code))
        pagination = paginate(ledger.sponsored_units_query(current_user), request.args.get("page"), None,
                              default_per_page=_per_page())
        return render_template("inspection/ledger/index.html", pagination=pagination, sponsor=True,
                               counts=ledger.unit_counts(current_user, [u.id for u in pagination.items]),
                               own=current_user.unit, form=None)
    if not permissions.is_staff(current_user):
        raise NotFound()
    form = LedgerPickForm(request.args)
    status = 200
    code = (form.code.data or "").strip()
    if code:
        problem = creditcode.validation_error(creditcode.normalise(code))
        if problem:
            form.code.errors = [problem]
            status = 422
        else:
            try:
                unit = ledger.ledger_unit_or_404(current_user, code)
            except NotFound:
                form.code.errors = [_("未找到该单位，或该单位不在您的管辖范围内。")]
                status = 404
            else:
                return redirect(url_for("inspection.show_ledger", code=unit.code))
    pagination = paginate(ledger.staff_overdue_units_query(current_user), request.args.get("page"), None,
                          default_per_page=_per_page())
    return render_template("inspection/ledger/index.html", pagination=pagination, sponsor=False, form=form,
                           counts=ledger.unit_counts(current_user, [u.id for u in pagination.items]),
                           own=None), status


@bp.route("/ledger/<code>")
@login_required
def show_ledger(code: str):
    unit = ledger.ledger_unit_or_404(current_user, code)
    form = LedgerFilterForm(request.args)
    pagination, rows, status = None, [], 200
    try:
        filters = ledger.LedgerFilters.from_mapping(request.args)
    except InvalidInput as exc:
        apply_errors(form, exc)
        filters, status = None, 422
    else:
        pagination = paginate(ledger.ledger_query(current_user, unit, filters), request.args.get("page"),
                              request.args.get("per_page"), default_per_page=_per_page())
        rows = ledger.ledger_rows(pagination.items)
    return render_template(
        "inspection/ledger/show.html", unit=unit, form=form, pagination=pagination, rows=rows, filters=filters,
        sponsor_view=ledger.is_sponsor_of(current_user, unit), staff_view=permissions.is_staff(current_user),
    ), status


@bp.route("/ledger/<code>/export.xlsx")
@login_required
def export_ledger(code: str):
    unit = ledger.ledger_unit_or_404(current_user, code)
    try:
        filters = ledger.LedgerFilters.from_mapping(request.args)
    except InvalidInput as exc:
        return render_template("inspection/ledger/export_refused.html", unit=unit, errors=exc.fields), 422
    ids = ledger.finding_ids(current_user, unit, filters)
    ledger.record_export(unit, filters, len(ids))
    db.session.commit()
    handle, size = ledger.xlsx_file(ledger.export_rows(current_user, unit, filters, ids))
    response = Response(exports.file_chunks(handle), mimetype=XLSX)
    response.content_length = size
    filename = f"问题台账-{unit.name}-{beijing_today():%Y%m%d}.xlsx"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"ledger-{unit.code}-{beijing_today():%Y%m%d}.xlsx\"; "
        f"filename*=UTF-8''{quote(filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
