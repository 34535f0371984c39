"""Web pages of the register: browse, create and edit units, their history actions, the office tree.

Each route parses a form, calls one service, commits once and redirects; a service's ``InvalidInput``
is rolled back and its messages are shown beside the fields. Scope comes from the permissions
module: a unit outside the caller's scope is a 404, a visible but read-only one a 403 on writes.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal.accounts import permissions
from portal.accounts.models import Role
from portal.audit import services as audit
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.extensions import db
from portal.forms import apply_errors
from portal.registry import forms, queries, regions, services
from portal.registry.flags import flags_for
from portal.registry.models import (
    CLASSIFIABLE_FIELDS,
    DisciplineBody,
    Funding,
    InternalDepartment,
    Level,
    Unit,
    UnitCategory,
    UnitEvent,
    UnitEventKind,
    UnitKind,
    UnitNameKind,
    UnitStatus,
)

bp = Blueprint("registry", __name__, url_prefix="/registry")

_NOT_DONE = object()

_ENUMS = {
    "kind": UnitKind, "category": UnitCategory, "funding": Funding, "level": Level, "status": UnitStatus,
    "event": UnitEventKind, "name_kind": UnitNameKind,
}


@bp.context_processor
def _labels():
    def enum_label(name: str, code: str | None) -> str:
        """The Chinese label of a stored code (``enum_label('level', unit.level)``); empty for none."""
        return _ENUMS[name](code).label if code else ""

    return {"enum_label": enum_label, "classifiable": CLASSIFIABLE_FIELDS}


def _submit(form, action):
    """On a valid POST run ``action()`` (one service call) and commit; return its result.

    ``_NOT_DONE`` when the form was not posted, or when the service refused the input: then the
    transaction is rolled back and the messages sit beside the form's fields.
    """
    if not form.validate_on_submit():
        return _NOT_DONE
    try:
        result = action()
    except InvalidInput as exc:
        db.session.rollback()
        apply_errors(form, exc, getattr(form, "ERROR_ALIASES", None))
        return _NOT_DONE
    db.session.commit()
    return result


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


def _require_staff_read() -> None:
    permissions.require_permission(current_user, "registry.read")


def _readable_unit(unit_id: int) -> Unit:
    return permissions.get_unit_or_404(current_user, unit_id)


def _writable_unit(unit_id: int) -> Unit:
    return permissions.get_unit_or_404(current_user, unit_id, for_write=True)


def _suggestions() -> dict:
    """Datalist options for unit-code and region inputs."""
    return {
        "unit_suggestions": queries.parent_choices(current_user),
        "region_suggestions": queries.region_suggestions(current_user.office),
    }


# ---------------------------------------------------------------- units: list and detail

@bp.route("/units")
@login_required
def list_units():
    if current_user.role == Role.UNIT.value:
        if current_user.unit_id is None:
            raise NotFound()
        return redirect(url_for("registry.unit_detail", unit_id=current_user.unit_id))
    _require_staff_read()
    offices = queries.office_tree(current_user)
    form = forms.UnitFilterForm(request.args, offices)
    pagination = None
    try:
        filters = queries.parse_filters(request.args)
    except InvalidInput as exc:
        apply_errors(form, exc)
    else:
        pagination = queries.paginate(
            queries.units_list_query(current_user, filters), request.args.get("page"),
            request.args.get("per_page"), default_per_page=_per_page(),
        )
    return render_template(
        "registry/list_units.html", form=form, pagination=pagination,
        region_suggestions=queries.region_suggestions(current_user.office),
        flags=flags_for([u.id for u in pagination.items]) if pagination is not None else {},
    )


@bp.route("/units/<int:unit_id>")
@login_required
def unit_detail(unit_id: int):
    unit = _readable_unit(unit_id)
    children = db.session.scalars(
        permissions.units_query(current_user).where(Unit.parent_id == unit.id).order_by(Unit.status, Unit.name)
    ).all()
    return render_template("registry/unit_detail.html", unit=unit, children=children,
                           region_full_name=regions.full_name(unit.region_code),
                           flags=flags_for([unit.id]).get(unit.id, []))


@bp.route("/units/<int:unit_id>/history")
@login_required
def unit_history(unit_id: int):
    unit = _readable_unit(unit_id)
    events = db.session.scalars(
        select(UnitEvent).where(UnitEvent.unit_id == unit.id).order_by(UnitEvent.occurred_on.desc(), UnitEvent.id.desc())
    ).all()
    audit_page = None
    if permissions.has_permission(current_user, "audit.read"):
        query = audit.events_query(current_user, audit.EventFilters(object_type="unit", object_id=str(unit.id)))
        audit_page = queries.paginate(query, request.args.get("page"), None, default_per_page=_per_page())
    return render_template(
        "registry/unit_history.html", unit=unit, events=events, audit_page=audit_page,
    )


# ---------------------------------------------------------------- units: create and edit

@bp.route("/units/new", methods=["GET", "POST"])
@login_required
def create_unit():
    if not permissions.can(current_user, "unit.create"):
        raise PermissionDenied(_("您没有维护机构编制台账的权限。"))
    form = forms.UnitForm()
    if request.method == "GET":
        form.region_code.data = current_user.office.region_code
    unit = _submit(form, lambda: services.create_unit(current_user, form.unit_data()))
    if unit is not _NOT_DONE:
        flash(_("已新增单位：%(name)s。", name=unit.name), "success")
        return redirect(url_for("registry.unit_detail", unit_id=unit.id))
    return render_template("registry/unit_form.html", form=form, unit=None, **_suggestions())


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@login_required
def edit_unit(unit_id: int):
    unit = _writable_unit(unit_id)
    form = forms.EditUnitForm(unit)
    if request.method == "GET":
        form.fill(unit)
    changes = _submit(
        form, lambda: services.update_unit(current_user, unit, form.unit_data(unit), change=form.change_data())
    )
    if changes is not _NOT_DONE:
        flash(_("已保存。") if changes else _("没有需要保存的修改。"), "success" if changes else "info")
        return redirect(url_for("registry.unit_detail", unit_id=unit.id))
    return render_template("registry/unit_form.html", form=form, unit=unit, **_suggestions())


# ---------------------------------------------------------------- units: history actions (沿革)

def _done(unit, message: str):
    flash(message, "success")
    return redirect(url_for("registry.unit_detail", unit_id=unit.id))


def _unit_action(unit_id: int, form_cls, service, *, done: str, title: str, submit: str, intro: str = "",
                 danger: bool = False):
    """A history action's page: the form, then ``service(actor, unit, form.data)``, then the unit page."""
    unit = _writable_unit(unit_id)
    form = form_cls()
    if hasattr(form, "set_documents"):
        form.set_documents(unit)
    if _submit(form, lambda: service(current_user, unit, form.data)) is not _NOT_DONE:
        return _done(unit, done)
    return render_template("registry/unit_action.html", unit=unit, form=form, title=title, submit=submit,
                           intro=intro, danger=danger, **_suggestions())


@bp.route("/units/<int:unit_id>/rename", methods=["GET", "POST"])
@login_required
def rename_unit(unit_id: int):
    return _unit_action(unit_id, forms.RenameForm, services.rename_unit, done=_("已更名，原名称记为曾用名。"),
                        title=_("更名"), submit=_("确认更名"), intro=_("原名称将记为曾用名，并在沿革中记录更名事件。"))


@bp.route("/units/<int:unit_id>/abolish", methods=["GET", "POST"])
@login_required
def abolish_unit(unit_id: int):
    return _unit_action(unit_id, forms.AbolishForm, services.abolish_unit, done=_("单位已撤销。"),
                        title=_("撤销"), submit=_("确认撤销"), danger=True,
                        intro=_("单位不会被删除：它保留在台账中，状态改为“已撤销”，并在沿革中记录撤销事件。"))


def _merge_into(actor, unit: Unit, data: dict):
    """Resolve the target's credit code among the units the actor may change, then merge."""
    target = queries.writable_unit_by_code(actor, data.get("target_code"))
    if target is None:
        raise InvalidInput({"target_code": _("找不到该单位，或它不由本编办管理。")})
    return services.merge_units(actor, unit, target, data)


@bp.route("/units/<int:unit_id>/merge", methods=["GET", "POST"])
@login_required
def merge_unit(unit_id: int):
    return _unit_action(unit_id, forms.MergeForm, _merge_into,
                        done=_("已合并：本单位并入所选单位并撤销，两个单位的沿革均已记录。"),
                        title=_("合并"), submit=_("确认合并"), danger=True,
                        intro=_("本单位并入所选单位后状态改为“已撤销”，两个单位的沿革中都会记录合并事件。"))


@bp.route("/units/<int:unit_id>/documents/new", methods=["GET", "POST"])
@login_required
def add_document(unit_id: int):
    return _unit_action(unit_id, forms.DocumentForm, services.add_document, done=_("已添加文件。"),
                        title=_("添加设立或调整文件"), submit=_("添加"))


@bp.route("/units/<int:unit_id>/events/new", methods=["GET", "POST"])
@login_required
def record_event(unit_id: int):
    return _unit_action(unit_id, forms.EventForm, services.record_event, done=_("已记入沿革。"),
                        title=_("记录沿革事件"), submit=_("记录"),
                        intro=_("用于补录历史事件；更名、撤销、合并请使用对应的操作。"))


# ---------------------------------------------------------------- internal departments

def _department(unit: Unit, department_id: int) -> InternalDepartment:
    department = db.session.get(InternalDepartment, department_id)
    if department is None or department.unit_id != unit.id:
        raise NotFound()
    return department


@bp.route("/units/<int:unit_id>/departments/new", methods=["GET", "POST"])
@login_required
def add_department(unit_id: int):
    unit = _writable_unit(unit_id)
    form = forms.DepartmentForm()
    if _submit(form, lambda: services.add_department(current_user, unit, form.department_data())) is not _NOT_DONE:
        return _done(unit, _("已添加内设机构。"))
    return render_template("registry/department_form.html", unit=unit, form=form, department=None)


@bp.route("/units/<int:unit_id>/departments/<int:department_id>/edit", methods=["GET", "POST"])
@login_required
def edit_department(unit_id: int, department_id: int):
    unit = _writable_unit(unit_id)
    department = _department(unit, department_id)
    form = forms.DepartmentForm()
    if request.method == "GET":
        form.fill(department)
    action = lambda: services.update_department(current_user, department, form.department_data(department))  # noqa: E731
    if _submit(form, action) is not _NOT_DONE:
        return _done(unit, _("已保存内设机构。"))
    return render_template("registry/department_form.html", unit=unit, form=form, department=department,
                           remove_form=forms.ConfirmForm())


@bp.route("/units/<int:unit_id>/departments/<int:department_id>/remove", methods=["POST"])
@login_required
def remove_department(unit_id: int, department_id: int):
    unit = _writable_unit(unit_id)
    department = _department(unit, department_id)
    form = forms.ConfirmForm()
    name = department.name
    if _submit(form, lambda: services.remove_department(current_user, department)) is not _NOT_DONE:
        return _done(unit, _("已撤销内设机构：%(name)s。", name=name))
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("registry.unit_detail", unit_id=unit.id))


# ---------------------------------------------------------------- offices and discipline bodies

def _require_office_manage(office=None) -> None:
    if not permissions.can(current_user, "office.manage", office):
        raise PermissionDenied(_("您没有管理编办的权限。"))


@bp.route("/offices")
@login_required
def list_offices():
    offices = queries.office_tree(current_user)
    ids = [o.id for o in offices]
    bodies = dict(db.session.execute(
        select(DisciplineBody.office_id, func.count(DisciplineBody.id))
        .where(DisciplineBody.office_id.in_(ids)).group_by(DisciplineBody.office_id)
    ).all()) if ids else {}
    return render_template("registry/list_offices.html", offices=offices, counts=queries.unit_counts(ids),
                           body_counts=bodies, full_name=regions.full_name)


@bp.route("/offices/new", methods=["GET", "POST"])
@login_required
def create_office():
    _require_office_manage()
    form = forms.OfficeForm(queries.office_tree(current_user))
    if request.method == "GET":
        form.parent_id.data = str(current_user.office_id)
    office = _submit(form, lambda: services.create_office(current_user, form.office_data()))
    if office is not _NOT_DONE:
        flash(_("已新增编办：%(name)s。", name=office.name), "success")
        return redirect(url_for("registry.list_offices"))
    return render_template("registry/office_form.html", form=form, office=None)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@login_required
def edit_office(office_id: int):
    office = queries.office_or_404(current_user, office_id)
    _require_office_manage(office)
    candidates = [o for o in queries.office_tree(current_user) if not o.path.startswith(office.path)]
    form = forms.OfficeForm(candidates, allow_no_parent=office.parent_id is None)
    if request.method == "GET":
        form.fill(office)
    if _submit(form, lambda: services.update_office(current_user, office, form.office_data())) is not _NOT_DONE:
        flash(_("已保存编办：%(name)s。", name=office.name), "success")
        return redirect(url_for("registry.list_offices"))
    return render_template("registry/office_form.html", form=form, office=office)


def _bodies_page(office, form):
    bodies = db.session.scalars(
        select(DisciplineBody).where(DisciplineBody.office_id == office.id).order_by(DisciplineBody.name)
    ).all()
    return render_template("registry/discipline_bodies.html", office=office, bodies=bodies, form=form)


@bp.route("/offices/<int:office_id>/discipline-bodies")
@login_required
def list_discipline_bodies(office_id: int):
    office = queries.office_or_404(current_user, office_id)
    return _bodies_page(office, forms.DisciplineBodyForm())


@bp.route("/offices/<int:office_id>/discipline-bodies", methods=["POST"])
@login_required
def create_discipline_body(office_id: int):
    office = queries.office_or_404(current_user, office_id)
    _require_office_manage(office)
    form = forms.DisciplineBodyForm()
    body = _submit(form, lambda: services.create_discipline_body(current_user, office, form.data))
    if body is not _NOT_DONE:
        flash(_("已新增纪检监察机关：%(name)s。", name=body.name), "success")
        return redirect(url_for("registry.list_discipline_bodies", office_id=office.id))
    return _bodies_page(office, form)
