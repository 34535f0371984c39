"""``/api/v1/registry``: the internal register as JSON, with the web pages' filters, scope and services.

Enums travel as ``{"code", "label"}``; vacancies and over-establishment are derived per quota. A unit
outside the caller's scope is a 404; a visible but read-only one answers 403 to writes. Bodies of
POST/PATCH are checked by the same services as the web forms: 400 when the body is not a JSON
object, 422 with ``fields`` when a value is invalid.
"""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from portal.apiutil import (
    BEARER,
    EnumField,
    PageArgs,
    UtcDateTime,
    error_responses,
    json_body,
    login_required_api,
    page_envelope,
    page_schema,
)
from portal.errors import InvalidInput
from portal.extensions import db
from portal.registry import queries, regions, services
from portal.registry.models import (
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

blp = Blueprint(
    "registry_api", __name__, url_prefix="/api/v1/registry",
    description="机构编制台账（内部数据，需登录或 Bearer 令牌；按编办辖区限定，辖区外的单位一律 404）。",
)

_errors = error_responses(blp, {
    400: "请求体不是 JSON 对象",
    403: "无权修改（如下级编办管理的单位，只读）",
    404: "单位不存在或不在调用者的辖区内",
})


# ---------------------------------------------------------------- output schemas

class _FiguresSchema(Schema):
    approved = fields.Integer(metadata={"description": "核定数"})
    actual = fields.Integer(metadata={"description": "实有数"})
    vacancy = fields.Integer(metadata={"description": "空编 / 空缺职数（派生：核定−实有，不小于 0）"})
    excess = fields.Integer(metadata={"description": "超编 / 超职数（派生：实有−核定，不小于 0）"})


class UnitQuotaSchema(_FiguresSchema):
    category = EnumField(QuotaCategory)


class UnitPostSchema(_FiguresSchema):
    rank = EnumField(PostRank)


class UnitOtherNameSchema(Schema):
    kind = EnumField(UnitNameKind)
    name = fields.String()


class UnitDepartmentSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    functions_md = fields.String(metadata={"description": "职责（Markdown）"})
    sort_order = fields.Integer()
    posts = fields.List(fields.Nested(UnitPostSchema))


class UnitDocumentSchema(Schema):
    id = fields.Integer()
    doc_number = fields.String(metadata={"description": "文号"})
    title = fields.String()
    issued_on = fields.Date()


class UnitLinkSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()


class UnitHistorySchema(Schema):
    kind = EnumField(UnitEventKind)
    occurred_on = fields.Date()
    summary = fields.String()
    document = fields.Nested(UnitDocumentSchema, allow_none=True)
    related_unit = fields.Nested(UnitLinkSchema, allow_none=True, metadata={"description": "合并的另一方"})


class UnitOfficeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    region_code = fields.String()


class UnitSummarySchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()
    short_name = fields.String(allow_none=True)
    kind = EnumField(UnitKind)
    category = EnumField(UnitCategory, allow_none=True)
    level = EnumField(Level, allow_none=True)
    funding = EnumField(Funding, allow_none=True)
    status = EnumField(UnitStatus)
    region_code = fields.String(metadata={"description": "6 位行政区划代码"})
    region_name = fields.Function(lambda unit: regions.full_name(unit.region_code))
    office = fields.Nested(UnitOfficeSchema, metadata={"description": "管理该单位的编办"})
    approved_total = fields.Integer(metadata={"description": "各类编制核定数合计"})
    actual_total = fields.Integer(metadata={"description": "各类编制实有数合计"})
    is_over_quota = fields.Boolean(metadata={"description": "超编（派生）"})
    is_over_posts = fields.Boolean(metadata={"description": "超职数（派生，本级领导职数）"})
    quotas = fields.List(fields.Nested(UnitQuotaSchema))
    posts = fields.List(fields.Nested(UnitPostSchema), metadata={"description": "本级领导职数"})


class UnitDetailSchema(UnitSummarySchema):
    is_civil_service_managed = fields.Boolean(metadata={"description": "参照公务员法管理"})
    parent = fields.Nested(UnitLinkSchema, allow_none=True, metadata={"description": "主管部门"})
    established_on = fields.Date(allow_none=True)
    abolished_on = fields.Date(allow_none=True)
    functions_md = fields.String(metadata={"description": "主要职责（Markdown）"})
    other_names = fields.List(fields.Nested(UnitOtherNameSchema))
    departments = fields.List(fields.Nested(UnitDepartmentSchema))
    documents = fields.List(fields.Nested(UnitDocumentSchema))
    events = fields.List(fields.Nested(UnitHistorySchema), metadata={"description": "沿革"})
    is_classified = fields.Boolean(metadata={"description": "整个单位涉密"})
    classified_fields = fields.List(fields.String(), metadata={"description": "单独涉密的字段"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


UnitPageSchema = page_schema(UnitSummarySchema)


class RegistryOfficeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()
    region_code = fields.String()
    region_name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer(metadata={"description": "在编办树中的层级，根为 0"})
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    hours = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    unit_count = fields.Integer(metadata={"description": "存续单位数"})
    abolished_unit_count = fields.Integer(metadata={"description": "已撤销单位数"})


class RegistryOfficeListSchema(Schema):
    items = fields.List(fields.Nested(RegistryOfficeSchema))
    total = fields.Integer()


# ---------------------------------------------------------------- input (documented; checked by the services)

class PairInputSchema(Schema):
    approved = fields.Integer(metadata={"description": "核定数（非负整数）"})
    actual = fields.Integer(metadata={"description": "实有数（非负整数）"})


class OtherNameInputSchema(Schema):
    kind = fields.String(metadata={"description": "plaque=加挂牌子、former=曾用名（或中文）"})
    name = fields.String()


def _codes(enum_cls) -> str:
    return "代码或中文：" + "、".join(f"{m.value}={m.raw_label}" for m in enum_cls)


class UnitInputSchema(Schema):
    code = fields.String(required=True, metadata={"description": "统一社会信用代码（18 位，校验位按 GB 32100-2015）"})
    name = fields.String(required=True)
    short_name = fields.String()
    kind = fields.String(required=True, metadata={"description": _codes(UnitKind)})
    category = fields.String(metadata={"description": "仅事业单位；" + _codes(UnitCategory)})
    is_civil_service_managed = fields.Boolean()
    funding = fields.String(metadata={"description": _codes(Funding)})
    level = fields.String(metadata={"description": _codes(Level)})
    parent_code = fields.String(metadata={"description": "主管部门的统一社会信用代码"})
    parent_id = fields.Integer(metadata={"description": "主管部门的 id（与 parent_code 二选一）"})
    region_code = fields.String(required=True, metadata={"description": "6 位行政区划代码，决定管理编办"})
    established_on = fields.Date()
    functions_md = fields.String(metadata={"description": "主要职责（Markdown）"})
    is_classified = fields.Boolean()
    classified_fields = fields.List(fields.String())
    quotas = fields.Dict(keys=fields.String(metadata={"description": _codes(QuotaCategory)}),
                         values=fields.Nested(PairInputSchema),
                         metadata={"description": '{"administrative": {"approved": 40, "actual": 38}}'})
    posts = fields.Dict(keys=fields.String(metadata={"description": _codes(PostRank)}),
                        values=fields.Nested(PairInputSchema))
    other_names = fields.List(fields.Nested(OtherNameInputSchema))


class UnitChangeInputSchema(Schema):
    occurred_on = fields.Date(required=True, metadata={"description": "变更日期"})
    summary = fields.String()
    document_id = fields.Integer(metadata={"description": "本单位的设立或调整文件 id"})


class UnitPatchSchema(UnitInputSchema):
    """Every field optional: the given keys are merged over the unit's current values."""

    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String(metadata={"description": "不能在此更名（更名记入沿革，请用网页上的“更名”操作）"})
    kind = fields.String(metadata={"description": _codes(UnitKind)})
    region_code = fields.String(metadata={"description": "6 位行政区划代码"})
    change = fields.Nested(UnitChangeInputSchema, metadata={
        "description": "给出时，编制、领导职数或职责的调整同时记入沿革"})


UNIT_KEYS = frozenset(UnitInputSchema().fields)


def _request_body(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


class UnitListArgs(PageArgs):
    q = fields.String(load_default=None, metadata={"description": "名称、简称、代码或其他名称中的关键词"})
    kind = EnumField(UnitKind, load_default=None)
    level = EnumField(Level, load_default=None)
    status = EnumField(UnitStatus, load_default=None)
    region = fields.String(load_default=None, metadata={"description": "行政区划代码（含其下级区划）"})
    office_id = fields.Integer(load_default=None, metadata={"description": "管理编办"})
    include_subordinate = fields.Boolean(load_default=False, metadata={"description": "含下级编办管理的单位"})
    over_only = fields.Boolean(load_default=False, metadata={"description": "只列超编或超职数的单位"})


# ---------------------------------------------------------------- helpers

def _check_keys(body: dict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput({key: f"未知字段“{key}”。" for key in unknown})


def _current_values(unit) -> dict:
    """The unit as service input (what PATCH merges the given keys over)."""
    snapshot = services.unit_snapshot(unit)
    snapshot["other_names"] = [{"kind": kind, "name": name} for kind, name in snapshot["other_names"]]
    for derived in ("office_id", "status"):
        snapshot.pop(derived, None)
    return snapshot


# ---------------------------------------------------------------- routes

@blp.route("/units")
@blp.doc(security=BEARER, summary="单位列表")
@blp.arguments(UnitListArgs, location="query")
@blp.response(200, UnitPageSchema)
@login_required_api
def list_units(args):
    """调用者辖区内的单位（本编办及下级编办；单位用户只有本单位），可筛选，分页。"""
    filters = queries.parse_filters(args)
    page = queries.paginate(queries.units_list_query(current_user, filters), args["page"], args["per_page"],
                            max_per_page=200)
    return page_envelope(page.items, page.total, page.page, page.per_page)


@blp.route("/units", methods=["POST"])
@blp.doc(security=BEARER, summary="新增单位", **_request_body(UnitInputSchema))
@blp.response(201, UnitDetailSchema)
@_errors(400, 403, 422)
@login_required_api
def create_unit():
    """新增单位（需 registry.edit；行政区划须在本编办管辖范围内）。"""
    body = json_body()
    _check_keys(body, UNIT_KEYS)
    unit = services.create_unit(current_user, body)
    db.session.commit()
    return unit


@blp.route("/units/<code>")
@blp.doc(security=BEARER, summary="单位详情")
@blp.response(200, UnitDetailSchema)
@_errors(404)
@login_required_api
def get_unit(code: str):
    """一个单位的全部台账信息：编制、领导职数、内设机构、文件和沿革。"""
    return queries.unit_by_code_or_404(current_user, code)


@blp.route("/units/<code>", methods=["PATCH"])
@blp.doc(security=BEARER, summary="修改单位", **_request_body(UnitPatchSchema))
@blp.response(200, UnitDetailSchema)
@_errors(400, 403, 404, 422)
@login_required_api
def update_unit(code: str):
    """给出的字段覆盖当前值后整体校验保存；更名请用网页上的“更名”操作（记入沿革）。"""
    body = json_body()
    _check_keys(body, UNIT_KEYS | {"change"})
    unit = queries.unit_by_code_or_404(current_user, code, for_write=True)
    change = body.pop("change", None)
    if change is not None and not isinstance(change, dict):
        raise InvalidInput({"change": "change 应为对象：{occurred_on, summary, document_id}。"})
    data = {**_current_values(unit), **body}
    if "parent_code" in body:
        data.pop("parent_id", None)
    services.update_unit(current_user, unit, data, change=change)
    db.session.commit()
    return unit


@blp.route("/offices")
@blp.doc(security=BEARER, summary="编办列表")
@blp.response(200, RegistryOfficeListSchema)
@_errors(403)
@login_required_api
def list_offices():
    """调用者可见的编办（本编办及其下级），按编办树排列，附各编办管理的单位数。"""
    offices = queries.office_tree(current_user)
    counts = queries.unit_counts([o.id for o in offices])
    items = [
        {
            **{name: getattr(o, name) for name in ("id", "name", "short_name", "region_code", "parent_id", "depth",
                                                  "address", "phone", "hours", "email")},
            "region_name": regions.full_name(o.region_code),
            "unit_count": counts[o.id]["active"],
            "abolished_unit_count": counts[o.id]["abolished"],
        }
        for o in offices
    ]
    return {"items": items, "total": len(items)}
