"""Shared pieces of the JSON API (``/api/v1``): auth, enum fields, paging, errors.

Each package declares a ``flask_smorest.Blueprint`` in its ``api.py``; the composition root
registers it with ``portal.extensions.api``. Errors are always ``{"error": {code, message, fields}}``
(see ``portal.errors``); values that fail validation answer 422, malformed bodies 400, anything
outside the caller's scope 404.
"""
from __future__ import annotations

from functools import wraps

from flask import request
from flask_login import current_user
from marshmallow import Schema, fields, validate

from portal.enums import CodedEnum
from portal.errors import ServiceError

BEARER = [{"bearerAuth": []}]


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str = "需要登录或有效的访问令牌（Authorization: Bearer …）。"):
        super().__init__(message)


def login_required_api(fn):
    """401 JSON unless the caller is signed in (cookie session) or sent a valid bearer token."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized()
        return fn(*args, **kwargs)

    return wrapper


class EnumField(fields.Field):
    """Dumps a code as ``{"code": "...", "label": "..."}``; loads a code (or its Chinese label)."""

    def __init__(self, enum_cls: type[CodedEnum], **kwargs):
        self.enum_cls = enum_cls
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault(
            "description", "、".join(f"{m.value}={m.raw_label}" for m in enum_cls)
        )
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        member = value if isinstance(value, self.enum_cls) else self.enum_cls(value)
        return {"code": member.value, "label": member.label}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.enum_cls.from_label(str(value)).value
        except ValueError as exc:
            allowed = "、".join(self.enum_cls.codes())
            raise self.make_error("invalid", allowed=allowed) from exc

    default_error_messages = {"invalid": "取值无效，可选：{allowed}。"}


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="页码须为正整数。"))
    per_page = fields.Integer(
        load_default=25, validate=validate.Range(min=1, max=200, error="每页条数须在 1 到 200 之间。")
    )


def page_envelope(items: list, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The schema of a ``page_envelope`` answer holding ``item_schema`` items (``UserSchema`` → ``UserPage``)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )


DEFAULT_ERROR_DESCRIPTIONS = {
    400: "请求格式不正确（请求体不是 JSON 对象，或以登录会话调用时缺少 CSRF 令牌）",
    401: "未登录，或令牌无效、已吊销",
    403: "没有所需的权限",
    404: "记录不存在或不在调用者的辖区内",
    422: "取值无效：error.fields 逐项给出中文说明",
}


def error_responses(blueprint, descriptions: dict[int, str] | None = None):
    """A decorator factory documenting the portal's error body for the given statuses:
    ``errors = error_responses(blp, {403: "…"})`` then ``@errors(400, 403)`` on a view."""
    texts = {**DEFAULT_ERROR_DESCRIPTIONS, **(descriptions or {})}

    def for_codes(*codes):
        def decorate(fn):
            for code in reversed(codes):
                fn = blueprint.alt_response(code, schema=ErrorSchema, description=texts[code])(fn)
            return fn

        return decorate

    return for_codes


def json_body() -> dict:
    """The request's JSON object, or a 400 when the body is not one."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError("请求体须为 JSON 对象。")
    return data


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with its offset (SQLite hands back naive UTC datetimes)."""

    def _serialize(self, value, attr, obj, **kwargs):
        from portal.timeutil import as_utc

        return None if value is None else super()._serialize(as_utc(value), attr, obj, **kwargs)


class ErrorDetailSchema(Schema):
    code = fields.String(metadata={"description": "stable English code: bad_request, unauthorized, invalid …"})
    message = fields.String(metadata={"description": "中文说明"})
    # ``fields`` is a Schema attribute in marshmallow: declared under another name, sent as "fields"
    field_messages = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.String(),
        metadata={"description": "field name → 中文消息"},
    )


class ErrorSchema(Schema):
    """The body of every API error (what ``portal.errors`` sends); replaces flask-smorest's own in the spec."""

    error = fields.Nested(ErrorDetailSchema)
