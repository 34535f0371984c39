"""``GET /api/v1/findings``: the findings the caller reads (``permissions.findings_query``), filtered and
paged, with their deadline facts — staff the findings of the cases they read, a unit user only its own
findings that were sent to it. The filters are ``finding_lists.FindingFilters`` (422 naming a bad value).
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from portal.apiutil import BEARER, login_required_api, page_envelope
from portal.registry.queries import paginate

from inspection import finding_lists, permissions
from inspection.api_finding_list_schemas import FindingListArgs, FindingListItemSchema, FindingListPageSchema
from inspection.api_rectification import blp, errors


@blp.route("/findings")
@blp.doc(security=BEARER, summary="问题清单（整改）")
@blp.arguments(FindingListArgs, location="query")
@blp.response(200, FindingListPageSchema, description=(
    "编办工作人员：可见事项中的问题（含尚未通知的）；被督查单位：下发给本单位的问题；纪检监察用户：空列表"))
@errors(422)
@login_required_api
def list_findings(args):
    """按整改期限先后（无期限的在后），分页。overdue=true 列出逾期问题：已过期限、未销号或免于整改，且没有按期提交待审核的整改报告。"""
    filters = finding_lists.FindingFilters.from_mapping(request.args,
                                                        unit_user=permissions.is_unit_user(current_user))
    page = paginate(finding_lists.filtered_findings(current_user, filters), args["page"], args["per_page"],
                    max_per_page=200)
    rows = finding_lists.finding_rows(list(page.items))
    items = FindingListItemSchema(many=True).dump(rows)
    return jsonify(page_envelope(items, page.total, page.page, page.per_page))
