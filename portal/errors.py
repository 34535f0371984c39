"""Service-layer errors and how the web and the API show them.

Services raise ``InvalidInput`` (field → Chinese message), ``PermissionDenied`` or ``NotFound``;
views put field messages beside the fields, the API answers ``{"error": {code, message, fields}}``.
Anything under ``/api/`` gets JSON; everything else a Chinese HTML error page.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.enums import N_

log = logging.getLogger(__name__)

# a page form whose CSRF token was missing or stale (the error page and the forms that show it in place)
CSRF_PAGE_MESSAGE = N_("页面已过期或缺少安全令牌（CSRF），请刷新页面后重新提交。")


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(ServiceError):
    """One or more values are invalid; ``fields`` maps field names to Chinese messages."""

    status = 422
    code = "invalid"

    def __init__(self, fields: dict[str, str] | str, message: str | None = None):
        if isinstance(fields, str):
            fields = {"_": fields}
        super().__init__(message or "；".join(fields.values()), fields)


class PermissionDenied(ServiceError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "您没有执行此操作的权限。"):
        super().__init__(message)


class NotFound(ServiceError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "未找到该记录，或您无权查看。"):
        super().__init__(message)


_MESSAGES = {
    400: ("bad_request", N_("请求格式不正确。")),
    401: ("unauthorized", N_("需要登录或有效的访问令牌。")),
    403: ("forbidden", N_("您没有执行此操作的权限。")),
    404: ("not_found", N_("未找到该页面或记录，或您无权查看。")),
    405: ("method_not_allowed", N_("不支持该请求方法。")),
    413: ("too_large", N_("上传的文件过大。")),
    422: ("invalid", N_("提交的数据无效。")),
    429: ("too_many_requests", N_("请求过于频繁，请稍后再试。")),
    500: ("server_error", N_("服务器内部错误，请稍后再试或联系管理员。")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_body(status: int, message: str | None = None, fields: dict | None = None, code: str | None = None):
    default_code, default_message = _MESSAGES.get(status, ("error", "请求失败。"))
    return {"error": {"code": code or default_code, "message": message or _(default_message), "fields": fields or {}}}


def _fields_from_webargs(messages) -> dict:
    """webargs/marshmallow messages ({"json": {"name": ["…"]}}) → {"name": "…"}."""
    fields: dict[str, str] = {}
    if not isinstance(messages, dict):
        return fields
    for location_messages in messages.values():
        if not isinstance(location_messages, dict):
            continue
        for name, errs in location_messages.items():
            if isinstance(errs, list):
                fields[name] = "；".join(str(e) for e in errs)
            elif isinstance(errs, dict):
                fields[name] = "；".join(f"{k}: {v}" for k, v in errs.items())
            else:
                fields[name] = str(errs)
    return fields


def render_error(status: int, message: str | None = None, fields: dict | None = None, code: str | None = None):
    if wants_json():
        return jsonify(error_body(status, message, fields, code)), status
    _code, default_message = _MESSAGES.get(status, ("error", "请求失败。"))
    return (
        render_template("errors/error.html", status=status, message=message or _(default_message)),
        status,
    )


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    fields = None
    message = None
    data = getattr(error, "data", None)
    if isinstance(data, dict):
        fields = _fields_from_webargs(data.get("messages")) or None
        message = data.get("message")
    if status == 422 and fields:
        message = "提交的数据无效：" + "；".join(f"{k}：{v}" for k, v in fields.items())
    if isinstance(error, CSRFError):
        message = (
            _("缺少有效的 CSRF 令牌：使用登录会话调用 API 时须带 X-CSRFToken 请求头，或改用 Authorization: Bearer 令牌。")
            if wants_json() else _(CSRF_PAGE_MESSAGE)
        )
    if status == 400 and wants_json() and message is None:
        message = _("请求格式不正确（需要 JSON 对象）。")
    return render_error(status, message, fields)


def handle_service_error(error: ServiceError):
    from portal.extensions import db

    db.session.rollback()
    return render_error(error.status, error.message, error.fields or None, error.code)


def handle_unexpected(error: Exception):
    from portal.extensions import db

    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return render_error(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    if not app.testing or app.config.get("HANDLE_500_IN_TESTS"):
        app.register_error_handler(Exception, handle_unexpected)
