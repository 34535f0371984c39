"""Forms of the register's pages. They parse input only: every rule (credit code, quotas, cycles,
jurisdiction) lives in the services, whose messages the views put beside these fields.

Numbers and dates are text fields on purpose: the service says in Chinese what is wrong with
"十" or "-1" instead of a generic form-library message.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from portal.registry.models import (
    CLASSIFIABLE_FIELDS,
    Funding,
    Level,
    PostRank,
    QuotaCategory,
    UnitCategory,
    UnitEventKind,
    UnitKind,
    UnitNameKind,
    UnitStatus,
)


class Required:
    """Marks a field required (asterisk and the HTML ``required`` attribute); the service checks it."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def _date_field(label, required=False, **kwargs):
    return StringField(label, validators=[Required()] if required else [], widget=DateInput(), **kwargs)


def _select(label, required=False, **kwargs):
    # choices are set per request (labels are translated); the service validates the value
    return SelectField(label, validators=[Required()] if required else [], validate_choice=False, **kwargs)


def _enum_choices(enum_cls, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [("", blank)] if blank is not None else []
    return choices + enum_cls.choices()


def _document_choices(unit) -> list[tuple[str, str]]:
    return [("", _("（无）"))] + [(str(d.id), d.display) for d in reversed(unit.documents)]


def lines(text: str | None) -> list[str]:
    """One name per line; blank lines and repeats dropped, order kept."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return seen


# ---------------------------------------------------------------- approved / actual rows

class PairForm(Form):
    approved = StringField(_l("核定"), render_kw=NUMERIC)
    actual = StringField(_l("实有"), render_kw=NUMERIC)


def _pairs_form(enum_cls) -> type[Form]:
    attrs = {member.value: FormField(PairForm, label=_l(member.raw_label)) for member in enum_cls}
    return type(f"{enum_cls.__name__}PairsForm", (Form,), attrs)


QuotasForm = _pairs_form(QuotaCategory)
PostsForm = _pairs_form(PostRank)


def _pairs_data(subform: FormField, keep: set[str]) -> dict:
    """Rows with a value, plus rows that exist already (a cleared row becomes 0, not "unchanged")."""
    out = {}
    for code, row in subform.form._fields.items():
        approved, actual = row.approved.data or "", row.actual.data or ""
        if str(approved).strip() or str(actual).strip() or code in keep:
            out[code] = {"approved": approved, "actual": actual}
    return out


def _fill_pairs(subform: FormField, items) -> None:
    for item in items:
        key = getattr(item, "category", None) or getattr(item, "rank", None)
        row = subform.form._fields.get(key)
        if row is not None:
            row.approved.data, row.actual.data = str(item.approved), str(item.actual)


# ---------------------------------------------------------------- units

class UnitForm(FlaskForm):
    code = StringField(_l("统一社会信用代码"), validators=[Required()],
                       render_kw={"maxlength": 18, "autocomplete": "off", "spellcheck": "false"})
    name = StringField(_l("单位名称"), validators=[Required()], render_kw={"maxlength": 100})
    short_name = StringField(_l("简称"), render_kw={"maxlength": 50})
    kind = _select(_l("机构类型"), required=True)
    category = _select(_l("事业单位类别"), description=_l("仅事业单位填写。"))
    is_civil_service_managed = BooleanField(_l("参照公务员法管理（参公）"))
    funding = _select(_l("经费形式"))
    level = _select(_l("机构规格"))
    parent_code = StringField(_l("主管部门"), render_kw={"autocomplete": "off", "list": "unit-suggestions"},
                              description=_l("填写主管部门的统一社会信用代码（输入名称可从列表中选择）；没有则留空。"))
    region_code = StringField(_l("行政区划代码"), validators=[Required()],
                              render_kw={"maxlength": 6, "inputmode": "numeric", "list": "region-suggestions"},
                              description=_l("6 位 GB/T 2260 代码；决定由哪个编办管理。"))
    established_on = _date_field(_l("设立日期"))
    functions_md = TextAreaField(_l("主要职责"), render_kw={"rows": 8},
                                 description=_l("支持 Markdown：空行分段，“1. ”开头为编号列表。"))
    plaques = TextAreaField(_l("加挂牌子"), render_kw={"rows": 2}, description=_l("每行一个名称。"))
    former_names = TextAreaField(_l("曾用名"), render_kw={"rows": 2}, description=_l("每行一个名称。"))
    is_classified = BooleanField(_l("整个单位涉密（不公开任何信息）"))
    classified_fields = SelectMultipleField(
        _l("涉密字段"), validate_choice=False, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    quotas = FormField(QuotasForm, label=_l("人员编制"))
    posts = FormField(PostsForm, label=_l("领导职数"))

    # service field → form field, for messages (apply_errors)
    ERROR_ALIASES = {"parent_id": "parent_code", "region": "region_code", "other_names": "plaques"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _enum_choices(UnitKind, _("请选择"))
        self.category.choices = _enum_choices(UnitCategory, _("（非事业单位）"))
        self.funding.choices = _enum_choices(Funding, _("（未填）"))
        self.level.choices = _enum_choices(Level, _("（未填）"))
        self.classified_fields.choices = list(CLASSIFIABLE_FIELDS.items())

    def fill(self, unit) -> None:
        """Show ``unit``'s current values (GET of the edit page)."""
        for name in ("code", "name", "short_name", "kind", "category", "funding", "level", "region_code",
                     "is_civil_service_managed", "is_classified"):
            getattr(self, name).data = getattr(unit, name)
        self.parent_code.data = unit.parent.code if unit.parent else ""
        self.established_on.data = unit.established_on.isoformat() if unit.established_on else ""
        self.functions_md.data = unit.functions_md
        self.plaques.data = "\n".join(n.name for n in unit.other_names if n.kind == UnitNameKind.PLAQUE.value)
        self.former_names.data = "\n".join(n.name for n in unit.other_names if n.kind == UnitNameKind.FORMER.value)
        self.classified_fields.data = list(unit.classified_fields or [])
        _fill_pairs(self.quotas, unit.quotas)
        _fill_pairs(self.posts, unit.posts)

    def unit_data(self, unit=None) -> dict:
        """The service's input dict (``create_unit`` / ``update_unit``)."""
        other_names = [{"kind": UnitNameKind.PLAQUE.value, "name": n} for n in lines(self.plaques.data)]
        other_names += [{"kind": UnitNameKind.FORMER.value, "name": n} for n in lines(self.former_names.data)]
        return {
            "code": self.code.data, "name": self.name.data, "short_name": self.short_name.data,
            "kind": self.kind.data, "category": self.category.data,
            "is_civil_service_managed": self.is_civil_service_managed.data,
            "funding": self.funding.data, "level": self.level.data,
            "parent_code": self.parent_code.data, "region_code": self.region_code.data,
            "established_on": self.established_on.data, "functions_md": self.functions_md.data,
            "is_classified": self.is_classified.data, "classified_fields": list(self.classified_fields.data or []),
            "quotas": _pairs_data(self.quotas, {q.category for q in unit.quotas} if unit else set()),
            "posts": _pairs_data(self.posts, {p.rank for p in unit.posts} if unit else set()),
            "other_names": other_names,
        }


class EditUnitForm(UnitForm):
    """The unit form plus an optional 沿革 record for quota and function changes."""

    change_occurred_on = _date_field(_l("变更日期"),
                                     description=_l("填写后，编制、领导职数或职责的调整记入沿革。"))
    change_summary = StringField(_l("变更说明"), render_kw={"maxlength": 2000})
    change_document_id = _select(_l("依据文件"))

    ERROR_ALIASES = {
        **UnitForm.ERROR_ALIASES,
        "occurred_on": "change_occurred_on", "summary": "change_summary", "document_id": "change_document_id",
    }

    def __init__(self, unit, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.change_document_id.choices = _document_choices(unit)

    def change_data(self) -> dict | None:
        values = {
            "occurred_on": self.change_occurred_on.data, "summary": self.change_summary.data,
            "document_id": self.change_document_id.data,
        }
        return values if any(str(v or "").strip() for v in values.values()) else None


# ---------------------------------------------------------------- list filters (GET)

class UnitFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("关键词"), render_kw={"placeholder": _l("名称、简称、代码或其他名称")})
    kind = _select(_l("机构类型"))
    level = _select(_l("机构规格"))
    region = StringField(_l("行政区划"), render_kw={"maxlength": 6, "inputmode": "numeric",
                                                    "list": "region-suggestions", "placeholder": "330100"})
    office_id = _select(_l("管理编办"))
    include_subordinate = BooleanField(_l("含下级编办"))
    status = _select(_l("状态"))
    over_only = BooleanField(_l("只看超编/超职数"))

    def __init__(self, formdata, offices, *args, **kwargs):
        super().__init__(formdata, *args, **kwargs)
        self.kind.choices = _enum_choices(UnitKind, _("全部"))
        self.level.choices = _enum_choices(Level, _("全部"))
        self.status.choices = _enum_choices(UnitStatus, _("全部"))
        self.office_id.choices = [("", _("全部"))] + [
            (str(o.id), "　" * o.depth + o.name) for o in offices
        ]


# ---------------------------------------------------------------- unit actions (沿革)

class _DocumentChoiceMixin:
    def set_documents(self, unit):
        self.document_id.choices = _document_choices(unit)
        return self


class RenameForm(_DocumentChoiceMixin, FlaskForm):
    new_name = StringField(_l("新名称"), validators=[Required()], render_kw={"maxlength": 100})
    occurred_on = _date_field(_l("更名日期"), required=True)
    document_id = _select(_l("依据文件"))


class AbolishForm(_DocumentChoiceMixin, FlaskForm):
    occurred_on = _date_field(_l("撤销日期"), required=True)
    summary = StringField(_l("说明"), render_kw={"maxlength": 2000})
    document_id = _select(_l("依据文件"))


class MergeForm(_DocumentChoiceMixin, FlaskForm):
    target_code = StringField(_l("并入单位"), validators=[Required()],
                              render_kw={"autocomplete": "off", "list": "unit-suggestions"},
                              description=_l("填写并入单位的统一社会信用代码（输入名称可从列表中选择）。"))
    occurred_on = _date_field(_l("合并日期"), required=True)
    summary = StringField(_l("说明"), render_kw={"maxlength": 2000})
    document_id = _select(_l("依据文件"))

    ERROR_ALIASES = {"target_id": "target_code"}


class EventForm(_DocumentChoiceMixin, FlaskForm):
    kind = _select(_l("事件类型"), required=True)
    occurred_on = _date_field(_l("日期"), required=True)
    summary = StringField(_l("说明"), render_kw={"maxlength": 2000})
    document_id = _select(_l("依据文件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _enum_choices(UnitEventKind, _("请选择"))


class DocumentForm(FlaskForm):
    doc_number = StringField(_l("文号"), validators=[Required()], render_kw={"placeholder": "杭编〔2026〕12号"})
    title = StringField(_l("文件标题"), validators=[Required()], render_kw={"maxlength": 200})
    issued_on = _date_field(_l("发文日期"), required=True)


class DepartmentForm(FlaskForm):
    name = StringField(_l("内设机构名称"), validators=[Required()], render_kw={"maxlength": 100})
    functions_md = TextAreaField(_l("职责"), render_kw={"rows": 5}, description=_l("支持 Markdown。"))
    sort_order = StringField(_l("排序"), render_kw=NUMERIC, description=_l("数字小的排在前面。"))
    posts = FormField(PostsForm, label=_l("领导职数"))

    def fill(self, department) -> None:
        self.name.data = department.name
        self.functions_md.data = department.functions_md
        self.sort_order.data = str(department.sort_order or 0)
        _fill_pairs(self.posts, department.posts)

    def department_data(self, department=None) -> dict:
        return {
            "name": self.name.data, "functions_md": self.functions_md.data, "sort_order": self.sort_order.data,
            "posts": _pairs_data(self.posts, {p.rank for p in department.posts} if department else set()),
        }


class ConfirmForm(FlaskForm):
    """A POST with only the CSRF token (remove a department)."""


# ---------------------------------------------------------------- offices

class OfficeForm(FlaskForm):
    name = StringField(_l("编办名称"), validators=[Required()], render_kw={"maxlength": 100})
    short_name = StringField(_l("简称（用于文号）"), validators=[Required()], render_kw={"maxlength": 20},
                             description=_l("如“杭编”，督查文书编号“杭编督〔2026〕3号”用它。"))
    region_code = StringField(_l("行政区划代码"), validators=[Required()],
                              render_kw={"maxlength": 6, "inputmode": "numeric"})
    parent_id = _select(_l("上级编办"))
    address = StringField(_l("地址"), render_kw={"maxlength": 200})
    phone = StringField(_l("电话"), render_kw={"maxlength": 50})
    hours = StringField(_l("接待时间"), render_kw={"maxlength": 100})
    email = StringField(_l("电子邮箱"), render_kw={"maxlength": 120})

    FIELDS = ("name", "short_name", "region_code", "parent_id", "address", "phone", "hours", "email")

    def __init__(self, offices, *args, allow_no_parent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", _("（无：根编办）") if allow_no_parent else _("请选择"))]
        self.parent_id.choices = blank + [(str(o.id), "　" * o.depth + o.name) for o in offices]

    def fill(self, office) -> None:
        for name in self.FIELDS:
            value = getattr(office, name)
            getattr(self, name).data = "" if value is None else str(value)

    def office_data(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}


class DisciplineBodyForm(FlaskForm):
    name = StringField(_l("纪检监察机关名称"), validators=[Required()], render_kw={"maxlength": 100},
                       description=_l("如“中共杭州市纪律检查委员会 杭州市监察委员会”。"))
