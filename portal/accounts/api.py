"""JSON API of accounts: who am I, the users an administrator sees, the caller's notifications."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.accounts import permissions, services
from portal.accounts.models import Role
from portal.apiutil import (
    BEARER, EnumField, PageArgs, UtcDateTime, error_responses, login_required_api, page_envelope, page_schema,
)
from portal.extensions import db
from portal.notify import services as notify

blp = Blueprint(
    "accounts_api", __name__, url_prefix="/api/v1",
    description="当前用户、用户管理与站内通知（需登录或 Bearer 令牌）。",
)


_errors = error_responses(blp, {
    400: "缺少 CSRF 令牌（以登录会话调用时）或请求格式不正确",
    403: "没有所需的权限（users.manage）",
    422: "查询参数取值无效：error.fields 逐项给出中文说明",
})


class OfficeRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    region_code = fields.String(metadata={"description": "6 位行政区划代码"})


class UnitRefSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String()


class BodyRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    role = EnumField(Role)
    office = fields.Nested(OfficeRefSchema, allow_none=True,
                           metadata={"description": "所属编办（单位、纪检监察用户为其单位或机关所属编办）"})
    unit = fields.Nested(UnitRefSchema, allow_none=True)
    discipline_body = fields.Nested(BodyRefSchema, allow_none=True)
    is_enabled = fields.Boolean()
    is_locked = fields.Boolean()
    last_login_at = UtcDateTime(allow_none=True)


class MeSchema(UserSchema):
    permissions = fields.List(fields.String(), metadata={"description": "生效的具名权限（角色默认加单独授予，减单独收回）"})


class UserListArgs(PageArgs):
    role = EnumField(Role, load_default=None)
    office_id = fields.Integer(load_default=None)
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(list(services.USER_STATUSES), error="状态须为 active、disabled 或 locked。"),
    )
    q = fields.String(load_default=None, validate=validate.Length(max=50))


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    subject = fields.String()
    link = fields.String(allow_none=True)
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class MarkedSchema(Schema):
    marked = fields.Integer(metadata={"description": "标为已读的条数"})


class _UserView:
    """A user as the API shows it: its office (direct, or through its unit or body) and lock state."""

    def __init__(self, user):
        self._user = user
        self.office = services.user_office(user)
        self.is_locked = user.is_locked()

    def __getattr__(self, name):
        return getattr(self._user, name)


@blp.route("/me")
@blp.doc(security=BEARER, summary="当前用户")
@blp.response(200, MeSchema)
@_errors(401)
@login_required_api
def me():
    """当前登录用户（或令牌所属用户）：用户名、角色、所属编办或单位、生效权限。"""
    view = _UserView(current_user)
    view.permissions = sorted(permissions.permissions_of(current_user))
    return view


@blp.route("/users")
@blp.doc(security=BEARER, summary="用户列表")
@blp.arguments(UserListArgs, location="query")
@blp.response(200, page_schema(UserSchema))
@_errors(401, 403, 422)
@login_required_api
def list_users(args):
    """本编办及下级编办的用户（需 users.manage 权限），分页。"""
    permissions.require_permission(current_user, "users.manage")
    query = services.users_list_query(
        current_user, role=args["role"], office_id=args["office_id"], status=args["status"], q=args["q"]
    )
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_envelope([_UserView(u) for u in page.items], page.total, page.page, page.per_page)


@blp.route("/notifications")
@blp.doc(security=BEARER, summary="我的通知")
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, page_schema(NotificationSchema))
@_errors(401, 422)
@login_required_api
def list_notifications(args):
    """当前用户的站内通知，最新在前；unread=true 只列未读。"""
    page = db.paginate(
        notify.notifications_query(current_user, unread_only=args["unread"]),
        page=args["page"], per_page=args["per_page"] or int(current_app.config["PER_PAGE"]), error_out=False,
    )
    return page_envelope(page.items, page.total, page.page, page.per_page)


@blp.route("/notifications/read-all", methods=["POST"])
@blp.doc(security=BEARER, summary="全部标为已读")
@blp.response(200, MarkedSchema)
@_errors(400, 401)
@login_required_api
def read_all_notifications():
    """把当前用户的未读通知全部标为已读。"""
    marked = notify.mark_all_read(current_user)
    db.session.commit()
    return {"marked": marked}
