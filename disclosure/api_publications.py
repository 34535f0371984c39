"""``/api/v1/publications``: the publication workflow as JSON, through the same services as the web screens.

Needs a login or a bearer token and ``disclosure.publish`` or ``disclosure.approve`` (403 otherwise);
units and publications outside the caller's write scope answer 404; invalid values 422 with ``fields``.
"""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from portal.accounts import permissions
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
from portal.errors import InvalidInput, PermissionDenied
from portal.extensions import db
from portal.registry.queries import paginate

from disclosure import lifecycle, services
from disclosure.models import PublicationStatus as S

blp = Blueprint(
    "publications_api", __name__, url_prefix="/api/v1/publications",
    description="信息公开流程（内部：提交公开、保密审查、撤回；需 disclosure.publish 或 disclosure.approve 权限，"
                "按编办辖区限定，辖区外一律 404）。",
)

_errors = error_responses(blp, {
    400: "请求体不是 JSON 对象",
    403: "没有信息公开权限，或该操作须由他人完成（双人审核）",
    404: "单位或公开记录不存在，或不在调用者的辖区内",
    422: "取值无效（如审查意见为空、单位不能公开、代码校验位错误）：error.fields 逐项说明",
})

LISTED = (S.PROPOSED, S.PUBLISHED, S.WITHDRAWN, S.REJECTED)


# ---------------------------------------------------------------- schemas

class PublicationUnitSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "统一社会信用代码"})
    name = fields.String(metadata={"description": "台账中的现名（快照中的名称见 snapshot.name）"})


class PublicationSchema(Schema):
    id = fields.Integer()
    unit = fields.Nested(PublicationUnitSchema)
    version = fields.Integer()
    status = EnumField(S)
    proposed_by = fields.String(attribute="proposed_by_name")
    proposed_at = UtcDateTime()
    reviewed_by = fields.String(attribute="reviewed_by_name", allow_none=True)
    reviewed_at = UtcDateTime(allow_none=True)
    review_opinion = fields.String(allow_none=True, metadata={"description": "保密审查意见 / 不通过的理由"})
    withdrawn_by = fields.String(attribute="withdrawn_by_name", allow_none=True)
    withdrawn_at = UtcDateTime(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)


class PublicationDetailSchema(PublicationSchema):
    snapshot = fields.Dict(metadata={"description": "冻结的公开内容（不含涉密字段）"})
    changed_fields = fields.Method("_changed", metadata={
        "description": "待审核时：与已公开版本相比有变化的字段（无已公开版本时为全部字段）"})

    def _changed(self, publication) -> list[str] | None:
        if publication.status != S.PROPOSED.value:
            return None
        base = services.baseline(publication)
        return services.changed_fields(base.snapshot if base else None, publication.snapshot)


PublicationPageSchema = page_schema(PublicationSchema)


class PublicationListSchema(Schema):
    items = fields.List(fields.Nested(PublicationSchema))


class ChangedUnitsSchema(Schema):
    items = fields.List(fields.Nested(PublicationUnitSchema))


class PublicationListArgs(PageArgs):
    status = EnumField(S, load_default=S.PROPOSED.value, metadata={
        "description": "proposed（待审核，最早提交的在前）、published、withdrawn、rejected（最近的在前）"})


def _body(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": properties, **({"required": required} if required else {})}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# ---------------------------------------------------------------- helpers

def _require_disclosure_user() -> None:
    if not any(permissions.has_permission(current_user, p) for p in (lifecycle.PUBLISH, lifecycle.APPROVE)):
        raise PermissionDenied("您没有信息公开的权限。")


def _text(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput({key: "须为文本。"})
    return value


# ---------------------------------------------------------------- routes

@blp.route("")
@blp.doc(security=BEARER, summary="公开记录列表")
@blp.arguments(PublicationListArgs, location="query")
@blp.response(200, PublicationPageSchema)
@_errors(403, 422)
@login_required_api
def list_publications(args):
    """调用者辖区内某一状态的公开记录，分页。"""
    _require_disclosure_user()
    status = S(args["status"])
    if status not in LISTED:
        raise InvalidInput({"status": "可选：" + "、".join(s.value for s in LISTED) + "。"})
    page = paginate(services.publications_query(current_user, status), args["page"], args["per_page"],
                    max_per_page=200)
    return page_envelope(page.items, page.total, page.page, page.per_page)


@blp.route("/changed")
@blp.doc(security=BEARER, summary="台账有变化、待提交公开的单位")
@blp.response(200, ChangedUnitsSchema)
@_errors(403)
@login_required_api
def list_changed_units():
    """内容与已公开版本不同（或尚未公开）、没有待审核申请的单位。"""
    _require_disclosure_user()
    return {"items": services.changed_units(current_user)}


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER, summary="提交公开", **_body({
    "unit_codes": {"type": "array", "items": {"type": "string"}, "description": "要提交的单位的统一社会信用代码"},
    "changed": {"type": "boolean", "description": "true：提交辖区内所有台账有变化的单位"},
}))
@blp.response(201, PublicationListSchema)
@_errors(400, 403, 404, 422)
@login_required_api
def propose_publications():
    """冻结所列单位（或所有有变化的单位）的公开内容，等待保密审查。全部成功或全部不提交。"""
    _require_disclosure_user()
    body = json_body()
    unknown = sorted(set(body) - {"unit_codes", "changed"})
    if unknown:
        raise InvalidInput({key: f"未知字段“{key}”。" for key in unknown})
    changed = body.get("changed", False)
    if not isinstance(changed, bool):
        raise InvalidInput({"changed": "须为 true 或 false。"})
    codes = body.get("unit_codes")
    if changed and codes:
        raise InvalidInput({"unit_codes": "unit_codes 与 changed 只能二选一。"})
    if changed:
        created = services.propose_changed(current_user)
    else:
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise InvalidInput({"unit_codes": "须为统一社会信用代码的列表。"})
        created = services.propose_units(current_user, codes=codes)
    db.session.commit()
    return {"items": created}


@blp.route("/<int:publication_id>")
@blp.doc(security=BEARER, summary="公开记录详情")
@blp.response(200, PublicationDetailSchema)
@_errors(403, 404)
@login_required_api
def get_publication(publication_id: int):
    """一个版本：冻结的公开内容、状态、提交、审查和撤回记录。"""
    _require_disclosure_user()
    return services.get_publication_or_404(current_user, publication_id)


def _act(publication_id: int, service, key: str):
    _require_disclosure_user()
    text = _text(json_body(), key)  # a malformed body is a 400 whatever the publication
    publication = services.get_publication_or_404(current_user, publication_id)
    service(current_user, publication, text)
    db.session.commit()
    return publication


_OPINION = _body({"opinion": {"type": "string", "maxLength": 2000}}, ["opinion"])


@blp.route("/<int:publication_id>/approve", methods=["POST"])
@blp.doc(security=BEARER, summary="保密审查通过并公开", **_OPINION)
@blp.response(200, PublicationDetailSchema)
@_errors(400, 403, 404, 422)
@login_required_api
def approve_publication(publication_id: int):
    """须 disclosure.approve；双人审核开启时提交人不能审核自己的申请（403）。"""
    return _act(publication_id, services.approve, "opinion")


@blp.route("/<int:publication_id>/reject", methods=["POST"])
@blp.doc(security=BEARER, summary="审核不通过", **_OPINION)
@blp.response(200, PublicationDetailSchema)
@_errors(400, 403, 404, 422)
@login_required_api
def reject_publication(publication_id: int):
    """须 disclosure.approve；opinion 写明不通过的理由。"""
    return _act(publication_id, services.reject, "opinion")


@blp.route("/<int:publication_id>/withdraw", methods=["POST"])
@blp.doc(security=BEARER, summary="撤回（已公开的版本或待审核的申请）",
         **_body({"reason": {"type": "string", "maxLength": 2000}}, ["reason"]))
@blp.response(200, PublicationDetailSchema)
@_errors(400, 403, 404, 422)
@login_required_api
def withdraw_publication(publication_id: int):
    """撤回后公众立即看不到该单位。"""
    return _act(publication_id, services.withdraw, "reason")
