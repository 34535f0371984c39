"""``/api/v1/audit``: the audit trail as JSON, with the same filters and scope as the admin page."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal.apiutil import BEARER, PageArgs, UtcDateTime, login_required_api, page_envelope, page_schema
from portal.audit import services
from portal.extensions import db

blp = Blueprint(
    "audit_api", __name__, url_prefix="/api/v1/audit",
    description="审计日志（需要 audit.read 权限；不含调用者本人的操作，按编办辖区限定）",
)

_DATE_ERROR = {"invalid": "日期格式应为 YYYY-MM-DD（北京时间日期）。"}


class EventArgs(PageArgs):
    actor = fields.String(validate=validate.Length(max=100), metadata={"description": "操作人用户名"})
    action = fields.String(validate=validate.Length(max=50), metadata={"description": "操作代码，如 user.create"})
    object_type = fields.String(validate=validate.Length(max=50), metadata={"description": "对象类型，如 unit"})
    object_id = fields.String(validate=validate.Length(max=64), metadata={"description": "对象编号"})
    date_from = fields.Date(error_messages=_DATE_ERROR, metadata={"description": "开始日期（北京时间，含）"})
    date_to = fields.Date(error_messages=_DATE_ERROR, metadata={"description": "结束日期（北京时间，含）"})


class AuditEventSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer(metadata={"description": "哈希链中的序号"})
    created_at = UtcDateTime(metadata={"description": "UTC"})
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    action = fields.String()
    action_label = fields.Function(lambda e: services.action_label(e.action))
    object_type = fields.String()
    object_type_label = fields.Function(lambda e: services.object_type_label(e.object_type))
    object_id = fields.String(allow_none=True)
    changes = fields.Function(lambda e: services.event_body(e).get("changes", {}),
                              metadata={"description": "字段 → [原值, 新值]"})
    details = fields.Function(lambda e: services.event_body(e).get("details", {}))
    ip = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


AuditEventPageSchema = page_schema(AuditEventSchema)


@blp.route("/events")
@login_required_api
@blp.doc(security=BEARER)
@blp.arguments(EventArgs, location="query")
@blp.response(200, AuditEventPageSchema)
def list_events(args):
    """审计事件列表（最新在前，分页）"""
    query = services.events_query(current_user, services.EventFilters.from_mapping(args))
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return page_envelope(page.items, page.total, page.page, page.per_page)
