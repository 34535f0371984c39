"""``/api/v1/cases`` routes on the case itself: list, create, read, update, transitions, notices, timeline.

Reads go through ``inspection.permissions`` (and the list through ``inspection.queries``, the web list's
filters), writes through ``inspection.services``; a malformed body is a 400 whatever the case.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.apiutil import BEARER, PageArgs, json_body, login_required_api, page_envelope
from portal.errors import NotFound
from portal.extensions import db
from portal.registry.queries import paginate

from inspection import permissions, queries
from inspection.api import blp, errors
from inspection.api_common import (
    DATE,
    IDS,
    INT,
    TEXT,
    case_response,
    checked,
    require_version,
    stale_as_conflict,
    unit_list_views,
)
from inspection.api_schemas import (
    CaseDetailSchema,
    CaseEventPageSchema,
    CaseInputSchema,
    CasePageSchema,
    CasePatchSchema,
    CaseSummarySchema,
    NoticeInputSchema,
    NoticeSchema,
    TransitionInputSchema,
    UnitCasePageSchema,
    UnitCaseSchema,
    UnitCaseSummarySchema,
)
from inspection.models import Case, CaseEvent, CaseSource, CaseStatus, IndicatorArea, ViolationType
from inspection.services import cases, notices

CASE_FIELDS = {"source": TEXT, "unit_id": INT, "title": TEXT, "description": TEXT, "source_ref": TEXT,
               "received_on": DATE, "lead_inspector_id": INT, "team_ids": IDS}


def _codes(enum_cls) -> str:
    return "代码或中文：" + "、".join(f"{m.value}={m.raw_label}" for m in enum_cls)


def _body(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_ONE_CASE = {"oneOf": [CaseDetailSchema, UnitCaseSchema]}


class CaseListArgs(PageArgs):
    """The web list's filters: passed as they come to ``queries.CaseFilters.from_mapping``, which judges
    them (422 naming the bad one); declared here for the document."""

    scope = fields.String(metadata={"description": "all（可见的全部，缺省）或 mine（本人主办或参与办理的）"})
    source = fields.String(metadata={"description": "来源，" + _codes(CaseSource)})
    status = fields.String(metadata={"description": "状态，" + _codes(CaseStatus)})
    unit_id = fields.String(metadata={"description": "被督查单位 id", "format": "int32"})
    unit_code = fields.String(metadata={"description": "被督查单位的统一社会信用代码（与 unit_id 二选一）"})
    region = fields.String(metadata={"description": "被督查单位所在行政区划（6 位代码，含下级区划）"})
    area = fields.String(metadata={"description": "有该评估指标领域的问题，" + _codes(IndicatorArea)})
    violation_type = fields.String(metadata={"description": "有该类型的问题，" + _codes(ViolationType)})
    overdue = fields.String(metadata={"description": "1/true：只列有逾期问题的事项"})
    date_from = fields.String(metadata={"description": "线索收到日期起（YYYY-MM-DD，含）", "format": "date"})
    date_to = fields.String(metadata={"description": "线索收到日期止（YYYY-MM-DD，含）", "format": "date"})
    q = fields.String(metadata={"description": "关键词：编号、标题、来源编号、被督查单位名称"})
    office_id = fields.String(metadata={
        "description": "编办工作人员：办理的编办 id（本编办或下级编办；缺省本编办）", "format": "int32"})
    include_subordinate = fields.String(metadata={"description": "1/true：含下级编办办理的事项（只读）"})
    sort = fields.String(metadata={"description": "排序（前加 - 为倒序，缺省 -opened）：" + "、".join(
        f"{key}={label}" for key, label in queries.SORT_LABELS.items())})


# ---------------------------------------------------------------- list, create, read, update

@blp.route("")
@blp.doc(security=BEARER, summary="督查事项列表")
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, {"oneOf": [CasePageSchema, UnitCasePageSchema]}, description=(
    "编办工作人员：事项摘要（view=staff）；被督查单位：收到整改通知的事项，只含本单位问题的统计（view=unit）；"
    "纪检监察用户：空列表"))
@errors(422)
@login_required_api
def list_cases(args):
    """与网页列表相同的筛选、排序和范围限定，分页。"""
    filters = queries.CaseFilters.from_mapping(request.args)
    query = queries.filtered_cases(current_user, filters)
    if permissions.is_staff(current_user):
        query = query.options(selectinload(Case.findings))  # the counts, without a query per row
    page = paginate(query, args["page"], args["per_page"], max_per_page=200)
    if permissions.is_staff(current_user):
        items = CaseSummarySchema(many=True).dump(page.items)
    else:
        items = UnitCaseSummarySchema(many=True).dump(unit_list_views(current_user, list(page.items)))
    return jsonify(page_envelope(items, page.total, page.page, page.per_page))


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER, summary="登记督查事项（线索登记）", **_body(CaseInputSchema))
@blp.response(201, CaseDetailSchema)
@errors(400, 403, 422)
@login_required_api
def create_case():
    """本编办立案，被督查单位须在本编办辖区内；编号按编办和年度连续分配。需 cases.manage。"""
    body = checked(json_body(), CASE_FIELDS)
    case = cases.create_case(current_user, body)
    db.session.commit()
    return case_response(current_user, case, 201)


@blp.route("/<int:case_id>")
@blp.doc(security=BEARER, summary="督查事项详情")
@blp.response(200, _ONE_CASE, description=(
    "编办工作人员：完整事项，含问题、整改通知及签收、未答复的督办和调用者可做的操作（view=staff）；"
    "被督查单位：只含下发给本单位的问题和本单位收到的通知（view=unit）"))
@errors(404)
@login_required_api
def get_case(case_id: int):
    """范围外（含其他单位的事项、兄弟编办的事项）一律 404。"""
    return case_response(current_user, permissions.get_case_or_404(current_user, case_id))


@blp.route("/<int:case_id>", methods=["PATCH"])
@blp.doc(security=BEARER, summary="修改督查事项", **_body(CasePatchSchema))
@blp.response(200, CaseDetailSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def update_case(case_id: int):
    """只修改给出的字段；version 必填，为据以修改的版本号，已被他人修改时 409 且不保存。"""
    body = json_body()
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    checked(body, {**CASE_FIELDS, "version": INT})
    version = require_version(body)
    with stale_as_conflict("该督查事项", version):
        cases.update_case(current_user, case, body)
    db.session.commit()
    return case_response(current_user, case)


# ---------------------------------------------------------------- lifecycle

@blp.route("/<int:case_id>/transitions", methods=["POST"])
@blp.doc(security=BEARER, summary="状态转换", **_body(TransitionInputSchema))
@blp.response(200, CaseDetailSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def transition_case(case_id: int):
    """按状态转换表办理：verifying（开始调查核实）、rectifying（下发整改通知）、closed（销号办结，须每个问题均已销号
    或免于整改）、dismissed（不予立案，须填理由）、verifying（重新启用已办结的事项，须理由和 cases.approve）。
    当前状态不能转换、守卫条件不满足时 422；角色无权时 403。"""
    body = json_body()
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    checked(body, {"to": TEXT, "reason": TEXT, "requirements": TEXT}, required=("to",))
    with stale_as_conflict("该督查事项"):
        cases.transition(current_user, case, body["to"], reason=body.get("reason"),
                         requirements=body.get("requirements"))
    db.session.commit()
    return case_response(current_user, case)


@blp.route("/<int:case_id>/notices", methods=["POST"])
@blp.doc(security=BEARER, summary="下发整改通知", **_body(NoticeInputSchema))
@blp.response(201, NoticeSchema)
@errors(400, 403, 404, 409, 422)
@login_required_api
def issue_notice(case_id: int):
    """列入所有需要整改、尚未通知的问题；首次下发使事项转为整改中，之后为补充整改通知。各责任单位只收到本单位的问题。"""
    body = json_body()
    case = permissions.get_case_or_404(current_user, case_id, for_write=True)
    checked(body, {"requirements": TEXT})
    with stale_as_conflict("该督查事项"):
        notice = notices.issue(current_user, case, requirements=body.get("requirements"))
    db.session.commit()
    return notice


@blp.route("/<int:case_id>/timeline")
@blp.doc(security=BEARER, summary="办理过程（仅编办工作人员）")
@blp.arguments(PageArgs, location="query")
@blp.response(200, CaseEventPageSchema)
@errors(404, 422)
@login_required_api
def case_timeline(args, case_id: int):
    """事项的全部办理记录，按时间先后，分页。被督查单位不可见（404）。"""
    if not permissions.is_staff(current_user):
        raise NotFound()
    case = permissions.get_case_or_404(current_user, case_id)
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.created_at, CaseEvent.id)
    page = paginate(query, args["page"], args["per_page"], max_per_page=200)
    return page_envelope(page.items, page.total, page.page, page.per_page)
