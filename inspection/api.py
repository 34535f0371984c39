"""``/api/v1/cases``: supervision cases as JSON, through the same services and scoped queries as the web.

Staff (admin, inspector) read their office's cases and, read-only, those of subordinate offices (writes
there answer 403); a unit user reads only the unit view of the cases whose notices it received; a
discipline user reads none. Anything outside the caller's scope answers 404. 400 when the body is not
a JSON object, 422 with ``fields`` for invalid values, 409 when the case or finding was changed by
someone else since the ``version`` the edit started from.

The routes live in :mod:`inspection.api_cases` and :mod:`inspection.api_findings`, on this blueprint.
"""
from __future__ import annotations

from flask_smorest import Blueprint

from portal.apiutil import error_responses

blp = Blueprint(
    "cases_api", __name__, url_prefix="/api/v1/cases",
    description="督查事项（内部：立案、状态流转、问题记录、整改通知；按角色与编办辖区限定，范围外一律 404）。"
                "编办工作人员看到完整事项（view=staff），被督查单位只看到下发给本单位的问题和通知（view=unit），"
                "纪检监察用户暂无可见事项。",
)

errors = error_responses(blp, {
    400: "请求体不是 JSON 对象",
    403: "无权办理（如没有 cases.manage 权限、事项由下级编办办理只能查看、须由有 cases.approve 权限的他人审批）",
    404: "督查事项或问题不存在，或不在调用者的可见范围内",
    409: "版本冲突：事项或问题已被他人修改（version 已过期），修改未保存；请重新获取后再提交",
    422: "取值无效（如未知来源、单位不在辖区、当前状态不能转换、还有未销号的问题、期限已过）：error.fields 逐项说明",
})

# the route modules attach their routes to ``blp`` (imported last: they use ``blp`` and ``errors``)
from inspection import api_cases, api_findings  # noqa: E402,F401
