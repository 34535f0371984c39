"""The inspector's case lists ("我的事项", "全部事项") with filters, sorting and paging, and their
XLSX/CSV exports. The filters, scoping and counts live in :mod:`inspection.queries`; the rows of an
export in :mod:`inspection.exports`. Staff only: a unit user goes to its own workspace, anyone else 404.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from portal.errors import InvalidInput, NotFound
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry.queries import paginate
from portal.timeutil import beijing_today

from inspection import exports, followup, permissions, queries
from inspection.forms.ledger import OverdueFilterForm
from inspection.models import CaseSource, CaseStatus, IndicatorArea, ViolationType
from inspection.views import bp

def _select(label):
    # choices are set per request; queries.CaseFilters.from_mapping validates the value
    return SelectField(label, validate_choice=False)


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("关键词"), render_kw={"placeholder": _l("编号、标题、来源编号或单位名称"), "maxlength": 100})
    source = _select(_l("来源"))
    status = _select(_l("状态"))
    # a code, not a select: a register of thousands of units makes no usable drop-down
    unit_code = StringField(_l("被督查单位（统一社会信用代码）"), render_kw={"maxlength": 18, "placeholder": "11330100…"})
    region = StringField(_l("行政区划"), render_kw={"maxlength": 6, "inputmode": "numeric", "placeholder": "330100"})
    area = _select(_l("指标领域"))
    violation_type = _select(_l("问题类型"))
    date_from = StringField(_l("线索收到日期（起）"), render_kw={"type": "date"})
    date_to = StringField(_l("线索收到日期（止）"), render_kw={"type": "date"})
    office_id = _select(_l("办案编办"))
    include_subordinate = BooleanField(_l("含下级编办"))
    overdue = BooleanField(_l("只看有逾期问题的"))

    def __init__(self, formdata, offices, *args, **kwargs):
        super().__init__(formdata, *args, **kwargs)
        everything = ("", _("全部"))
        self.source.choices = [everything] + CaseSource.choices()
        self.status.choices = [everything] + CaseStatus.choices()
        self.area.choices = [everything] + IndicatorArea.choices()
        self.violation_type.choices = [everything] + ViolationType.choices()
        self.office_id.choices = [("", _("本编办"))] + [
            (str(o.id), "　" * max(o.depth - offices[0].depth, 0) + o.name) for o in offices
        ]


def _require_staff():
    """Staff go on; a unit user is sent to its workspace (``None`` returned: go on)."""
    if permissions.is_staff(current_user):
        return None
    if permissions.is_unit_user(current_user):
        return redirect(url_for("inspection.unit_home"))
    raise NotFound()


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


@bp.route("/cases")
@login_required
def list_cases():
    elsewhere = _require_staff()
    if elsewhere is not None:
        return elsewhere
    form = CaseFilterForm(request.args, queries.office_choices(current_user))
    pagination, counts, errors, filters = None, {}, {}, None
    try:
        filters = queries.CaseFilters.from_mapping(request.args)
        pagination = paginate(queries.filtered_cases(current_user, filters), request.args.get("page"),
                              request.args.get("per_page"), default_per_page=_per_page())
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc)
        errors = exc.fields
    else:
        counts = queries.finding_counts(current_user, [c.id for c in pagination.items])
    scope = filters.scope if filters is not None else request.args.get("scope", "all")
    return render_template(
        "inspection/lists/list_cases.html", form=form, pagination=pagination, counts=counts, errors=errors,
        filters=filters, scope=scope if scope in queries.SCOPES else "all",
        sort=filters.sort if filters is not None else "-opened", sort_labels=queries.SORT_LABELS,
        read_only=lambda case: queries.is_read_only_row(current_user, case),
    )


@bp.route("/cases/export.<fmt>")
@login_required
def export_cases(fmt: str):
    elsewhere = _require_staff()
    if elsewhere is not None:
        return elsewhere
    if fmt not in exports.FORMATS:
        raise NotFound()
    try:
        filters = queries.CaseFilters.from_mapping(request.args)
        ids = exports.case_ids(current_user, filters)
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("inspection/lists/export_refused.html", errors=exc.fields), 422
    exports.record_export(fmt, filters, len(ids))
    db.session.commit()
    row_iter = exports.rows(current_user.id, filters, ids)
    filename = f"督查事项-{beijing_today():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        handle, size = exports.xlsx_file(row_iter)
        response = Response(exports.file_chunks(handle), mimetype=exports.FORMATS[fmt])
        response.content_length = size
    else:
        response = Response(stream_with_context(exports.csv_chunks(row_iter)), mimetype=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"cases-{beijing_today():%Y%m%d}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


# ---------------------------------------------------------------- follow-up: overdue findings

def _overdue_panel():
    """The workspace's 逾期问题 panel (staff with cases.manage) or ``None``."""
    if not current_user.is_authenticated:
        return None
    return followup.overdue_panel(current_user)


def _unit_overdue_count() -> int:
    return followup.unit_overdue_count(current_user) if current_user.is_authenticated else 0


@bp.app_context_processor
def _followup_helpers():
    return {"overdue_findings_panel": _overdue_panel, "unit_overdue_count": _unit_overdue_count}


@bp.route("/findings/overdue")
@login_required
def list_overdue_findings():
    """Overdue findings of the office's cases (and its subordinate offices', on request), most overdue first."""
    elsewhere = _require_staff()
    if elsewhere is not None:
        return elsewhere
    form = OverdueFilterForm(request.args)
    pagination = paginate(followup.overdue_findings_query(current_user, include_subordinates=bool(form.sub.data)),
                          request.args.get("page"), None, default_per_page=_per_page())
    today = beijing_today()
    return render_template("inspection/lists/list_overdue_findings.html", form=form, pagination=pagination,
                           days={f.id: followup.days_overdue(f, today) for f in pagination.items},
                           read_only={f.id for f in pagination.items if not permissions.may_write(current_user, f.case)})
