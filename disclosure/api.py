"""``/api/v1/units`` and ``/api/v1/downloads``: the public open-data API (no login; public data only, token or not).

Read-only JSON (and CSV) over the units public now (``disclosure.opendata``, which reads only through
``disclosure.queries``): a signed-in session or a Bearer token changes nothing.

* Caching: every GET answers ``Cache-Control: no-cache`` (clients may keep a copy but must revalidate, so a
  withdrawal is seen at once) with a strong ``ETag`` — the hash of the body for the list and a unit, a
  fingerprint of the public data for the downloads (streamed, so never hashed) — and ``Last-Modified`` (the
  latest publication or withdrawal, once that second has settled); ``If-None-Match`` and
  ``If-Modified-Since`` get a 304.
* Downloads: every published unit, built in batches while streaming, and kept under the data directory by
  the fingerprint of the public data, so the next download of the same data is a file (with
  ``Content-Length`` and ``Range``); any publication, withdrawal or cascade changes the fingerprint.
* CORS: ``Access-Control-Allow-Origin: *`` on every answer, errors included; a preflight ``OPTIONS`` allows
  GET and HEAD, without credentials.
* Bad input: a bad ``page``, ``per_page``, ``kind``, ``level``, ``region``, ``parent`` or ``sort`` is a 422
  ``{"error": {"code": "invalid", "message", "fields"}}`` in Chinese; ``q`` is plain text (never query syntax:
  ``AND``, ``*`` and ``field:`` are just words); an empty value means no filter; unknown parameters are
  ignored. ``/units/<code>`` with a code that cannot exist (wrong length, characters or check character) is
  a 404 like any unit that is not public, its message saying what is wrong with the code.
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from flask import Response, g, request, stream_with_context, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, pre_load, validate
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import is_resource_modified
from werkzeug.wsgi import wrap_file

from portal.apiutil import EnumField, error_responses
from portal.registry.models import Level, UnitKind
from portal.timeutil import beijing_today

from disclosure import opendata

blp = Blueprint(
    "public_api", __name__, url_prefix="/api/v1",
    description="公开数据接口（无需登录）：已公开单位的列表、详情和批量下载（CSV、JSON）。只含已公开、非涉密的信息；"
                "带登录会话或令牌调用结果相同。响应带 ETag 和 Last-Modified，Cache-Control: no-cache（须重新验证），"
                "支持 If-None-Match / If-Modified-Since（304）；允许跨域 GET（Access-Control-Allow-Origin: *）。",
)

_errors = error_responses(blp, {
    404: "该单位不存在、尚未公开、已撤回、已撤销或涉密（一律 404）；代码格式或校验位错误也是 404，message 说明原因",
    422: "查询参数无效：error.fields 逐项给出中文说明",
})

_PLACEHOLDER = "UNITCODE"
_LAST_MODIFIED = "public_api_last_modified"
_NOT_MODIFIED = {"description": "未修改（If-None-Match 或 If-Modified-Since 命中）：无响应体，沿用缓存"}


# ---------------------------------------------------------------- output schemas (the public snapshot)

class PublicCodeLabelSchema(Schema):
    code = fields.String(metadata={"description": "稳定的英文代码"})
    label = fields.String(metadata={"description": "中文名称"})


class PublicRegionSchema(Schema):
    code = fields.String(metadata={"description": "6 位行政区划代码（GB/T 2260）"})
    name = fields.String(metadata={"description": "行政区划全称"})


class PublicUnitLinkSchema(Schema):
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()


class PublicCountSchema(Schema):
    approved = fields.Integer(metadata={"description": "核定数"})
    actual = fields.Integer(metadata={"description": "实有数（仅在本平台设置公开实有人数时给出）"})


class PublicQuotaSchema(PublicCountSchema):
    category = fields.Nested(PublicCodeLabelSchema, metadata={"description": "编制类别"})


class PublicPostSchema(PublicCountSchema):
    rank = fields.Nested(PublicCodeLabelSchema, metadata={"description": "正职 / 副职"})


class PublicOtherNameSchema(Schema):
    kind = fields.Nested(PublicCodeLabelSchema, metadata={"description": "加挂牌子 / 曾用名"})
    name = fields.String()


class PublicDepartmentSchema(Schema):
    name = fields.String()
    functions_md = fields.String(metadata={"description": "职责（Markdown）"})
    posts = fields.List(fields.Nested(PublicPostSchema), metadata={"description": "领导职数"})


class PublicDocumentSchema(Schema):
    doc_number = fields.String(metadata={"description": "文号"})
    title = fields.String()
    issued_on = fields.String(metadata={"format": "date"})


class PublicSnapshotSchema(Schema):
    """What a published version shows. A field marked classified (涉密) is simply absent."""

    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()
    short_name = fields.String()
    kind = fields.Nested(PublicCodeLabelSchema, metadata={"description": "机构类型"})
    level = fields.Nested(PublicCodeLabelSchema, allow_none=True, metadata={"description": "机构规格"})
    category = fields.Nested(PublicCodeLabelSchema, allow_none=True, metadata={"description": "事业单位类别"})
    funding = fields.Nested(PublicCodeLabelSchema, allow_none=True, metadata={"description": "经费形式"})
    is_civil_service_managed = fields.Boolean(metadata={"description": "参照公务员法管理"})
    parent = fields.Nested(PublicUnitLinkSchema, metadata={"description": "主管部门（涉密或不再公开时不给出）"})
    region = fields.Nested(PublicRegionSchema)
    established_on = fields.String(allow_none=True, metadata={"format": "date"})
    other_names = fields.List(fields.Nested(PublicOtherNameSchema), metadata={"description": "加挂牌子、曾用名"})
    functions_md = fields.String(metadata={"description": "主要职责（Markdown）"})
    departments = fields.List(fields.Nested(PublicDepartmentSchema), metadata={"description": "内设机构"})
    quotas = fields.List(fields.Nested(PublicQuotaSchema), metadata={"description": "核定编制"})
    approved_total = fields.Integer(metadata={"description": "核定编制合计"})
    actual_total = fields.Integer(metadata={"description": "实有人数合计（仅在设置允许时给出）"})
    posts = fields.List(fields.Nested(PublicPostSchema), metadata={"description": "本级领导职数"})
    documents = fields.List(fields.Nested(PublicDocumentSchema), metadata={"description": "设立文件（三定规定等）"})


class PublicUnitSchema(PublicSnapshotSchema):
    """A published unit (an element of the JSON download)."""

    version = fields.Integer(metadata={"description": "公开版本号"})
    published_at = fields.String(metadata={"format": "date-time", "description": "公开时间（UTC）"})
    url = fields.String(metadata={"description": "本接口中该单位的地址"})


class PublicVersionSchema(Schema):
    version = fields.Integer()
    published_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    snapshot = fields.Nested(PublicSnapshotSchema)


class PublicUnitDetailSchema(PublicUnitSchema):
    history = fields.List(fields.Nested(PublicVersionSchema), metadata={"description": "此前公开的版本（沿革），新的在前"})


class PublicUnitItemSchema(Schema):
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()
    short_name = fields.String()
    kind = fields.Nested(PublicCodeLabelSchema, metadata={"description": "机构类型"})
    level = fields.Nested(PublicCodeLabelSchema, allow_none=True, metadata={"description": "机构规格"})
    region = fields.Nested(PublicRegionSchema)
    parent = fields.Nested(PublicUnitLinkSchema, allow_none=True, metadata={"description": "主管部门"})
    published_at = fields.String(metadata={"format": "date-time", "description": "公开时间（UTC）"})
    url = fields.String(metadata={"description": "详情地址"})


class PublicCodeFacetSchema(PublicCodeLabelSchema):
    count = fields.Integer()


class PublicNameFacetSchema(PublicUnitLinkSchema):
    count = fields.Integer()


class PublicFacetsSchema(Schema):
    kind = fields.List(fields.Nested(PublicCodeFacetSchema))
    level = fields.List(fields.Nested(PublicCodeFacetSchema))
    region = fields.List(fields.Nested(PublicNameFacetSchema), metadata={"description": "code 为行政区划代码"})
    parent = fields.List(fields.Nested(PublicNameFacetSchema), metadata={"description": "已公开的主管部门"})


class PublicUnitPageSchema(Schema):
    items = fields.List(fields.Nested(PublicUnitItemSchema))
    total = fields.Integer(metadata={"description": "符合条件的单位总数"})
    page = fields.Integer()
    per_page = fields.Integer()
    facets = fields.Nested(PublicFacetsSchema, metadata={"description": "全部命中结果按类型、规格、区划、主管部门的计数"})
    suggestions = fields.List(fields.String(), metadata={"description": "无结果时的相近名称"})


# ---------------------------------------------------------------- input

class CreditCodeField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        error = opendata.code_error(text)
        if error:
            raise self.make_error("invalid_code", reason=error)
        return text.strip().upper()

    default_error_messages = {"invalid_code": "{reason}"}


class _WholeMatch(validate.Regexp):
    """``Regexp`` over the whole value (``$`` alone would let a trailing newline through)."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class PublicUnitListArgs(Schema):
    q = fields.String(load_default=None, metadata={
        "description": "关键词：名称、简称、常用缩略语、拼音首字母、统一社会信用代码或职责中的词（按普通文字处理）"})
    kind = EnumField(UnitKind, load_default=None)
    level = EnumField(Level, load_default=None)
    region = fields.String(load_default=None, validate=_WholeMatch(
        opendata.REGION_PATTERN, error=opendata.REGION_MESSAGE),
        metadata={"description": "6 位行政区划代码（所在区划，不含下级）"})
    parent = CreditCodeField(load_default=None, metadata={"description": "主管部门的统一社会信用代码"})
    sort = fields.String(load_default="relevance", validate=validate.OneOf(
        ("relevance", "name"), error="排序方式只能是 relevance（相关度）或 name（名称）。"),
        metadata={"description": "relevance=相关度（默认；无关键词时按名称）、name=名称拼音"})
    page = fields.Integer(load_default=1, strict=False, validate=validate.Range(
        min=1, max=opendata.MAX_PAGE, error=f"页码须为 1 到 {opendata.MAX_PAGE} 之间的整数。"),
        error_messages={"invalid": "页码须为正整数。", "too_large": "页码过大。"})
    per_page = fields.Integer(load_default=opendata.PER_PAGE, validate=validate.Range(
        min=1, max=opendata.MAX_PER_PAGE, error=f"每页条数须在 1 到 {opendata.MAX_PER_PAGE} 之间。"),
        error_messages={"invalid": f"每页条数须为 1 到 {opendata.MAX_PER_PAGE} 之间的整数。",
                        "too_large": "每页条数过大。"})

    @pre_load
    def _empty_is_absent(self, data, **_kwargs):
        """``?kind=&q=`` (an empty form field) means no filter, not an invalid value."""
        return {key: data[key] for key in data if data[key] != ""}


# ---------------------------------------------------------------- headers: CORS and caching

@blp.after_request
def _public_headers(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Content-Disposition"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
        return response
    if request.method not in ("GET", "HEAD"):
        return response
    response.cache_control.no_cache = True
    if response.status_code == 200 and not response.is_streamed and not response.get_etag()[0]:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        last_modified = opendata.http_last_modified(g.pop(_LAST_MODIFIED, None))
        if last_modified is not None:
            response.last_modified = last_modified
        response.make_conditional(request)
    return response


def _unit_url():
    """code → the unit's absolute address here (built once per request, not once per unit)."""
    head, _sep, tail = url_for("public_api.get_unit", code=_PLACEHOLDER, _external=True).rpartition(_PLACEHOLDER)
    return lambda code: f"{head}{code}{tail}"


# ---------------------------------------------------------------- routes

@blp.route("/units")
@blp.arguments(PublicUnitListArgs, location="query")
@blp.response(200, PublicUnitPageSchema)
@blp.alt_response(304, **_NOT_MODIFIED)
@_errors(422)
def list_units(args):
    """已公开单位列表（检索）

    按关键词检索已公开的单位，可按类型、规格、区划、主管部门筛选，按相关度或名称排序，分页（per_page 默认 20，
    最多 100；超出末页时 items 为空、total 照常）。关键词按普通文字处理（AND、*、field: 都只是文字）；
    空参数视为不筛选，未知参数忽略。"""
    setattr(g, _LAST_MODIFIED, opendata.last_change())   # read before the body: never newer than it
    return opendata.unit_list(_unit_url(), **args)


@blp.route("/units/<code>")
@blp.response(200, PublicUnitDetailSchema)
@blp.alt_response(304, **_NOT_MODIFIED)
@_errors(404)
def get_unit(code: str):
    """已公开单位详情

    一个单位最新公开的信息（不含涉密内容）、版本、公开时间和此前公开的版本（沿革）。code 不分大小写。"""
    record, published_at = opendata.unit_record(code, _unit_url())
    setattr(g, _LAST_MODIFIED, published_at)
    return record


def _download(suffix: str, mimetype: str, chunks) -> Response:
    """A download: 304 when the client's copy is current; the kept file when this data was built before
    (with Range support); otherwise built while streaming, and kept. HEAD builds nothing."""
    unit_url = _unit_url()
    etag = opendata.export_fingerprint(suffix, unit_url(""))
    last_modified = opendata.http_last_modified(opendata.last_change())
    path = opendata.export_path(suffix, etag)
    if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(status=304, mimetype=mimetype)
    elif request.method == "HEAD":
        response = Response(mimetype=mimetype)
    elif path.is_file():
        response = Response(wrap_file(request.environ, path.open("rb")), mimetype=mimetype, direct_passthrough=True)
        response.content_length = path.stat().st_size
    else:
        response = Response(stream_with_context(opendata.kept(chunks(unit_url), path)), mimetype=mimetype)
    filename = quote(f"机构编制公开信息-单位-{beijing_today():%Y%m%d}.{suffix}")
    response.headers["Content-Disposition"] = f"attachment; filename=\"units.{suffix}\"; filename*=UTF-8''{filename}"
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    if response.direct_passthrough:   # the kept file: ranges (a resumed download)
        try:
            response = response.make_conditional(request, accept_ranges=True, complete_length=response.content_length)
        except RequestedRangeNotSatisfiable:
            response.close()
            raise
    return response


@blp.route("/downloads/units.csv")
@blp.doc(responses={200: {
    "description": "UTF-8（带 BOM，Excel 可直接打开）、中文列名；多值字段以“；”分隔；以 = + - @ 开头的文字前加 '",
    "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
}, 304: _NOT_MODIFIED})
def download_csv():
    """下载全部已公开单位（CSV）

    每个单位一行，按统一社会信用代码排序；分批生成、流式传输，数据未变时直接发送已生成的文件（支持 Range 断点续传）。
    带 ETag / Last-Modified，可用 If-None-Match 免重复下载。"""
    return _download("csv", "text/csv", opendata.csv_chunks)


@blp.route("/downloads/units.json")
@blp.doc(responses={200: {
    "description": "单位数组，每项与单位详情相同（不含 history）",
    "content": {"application/json": {"schema": PublicUnitSchema(many=True)}},
}, 304: _NOT_MODIFIED})
def download_json():
    """下载全部已公开单位（JSON）

    单位数组，按统一社会信用代码排序；分批生成、流式传输，数据未变时直接发送已生成的文件（支持 Range 断点续传）。
    带 ETag / Last-Modified，可用 If-None-Match 免重复下载。"""
    return _download("json", "application/json", opendata.json_chunks)
