"""``/api/v1/findings``, ``/api/v1/submissions``, ``/api/v1/extensions``: the rectification loop as JSON.

Role-scoped like the web (``inspection.permissions``): staff read the findings of the cases they see, a
unit user only its own unit's findings that were sent to it; anything outside answers 404. 400 for a
malformed request, 422 with ``fields`` for invalid values, 403 when the caller reads but may not act.

The routes live in :mod:`inspection.api_finding_list` (the list), :mod:`inspection.api_submissions`
(reports, evidence, review) and :mod:`inspection.api_extensions` (extension requests), on this blueprint.
"""
from __future__ import annotations

from flask_smorest import Blueprint

from portal.apiutil import error_responses

blp = Blueprint(
    "rectification_api", __name__, url_prefix="/api/v1",
    description="整改（内部）：问题清单、整改报告与佐证材料、审核验收、延期申请。按角色与编办辖区限定，范围外一律 404；"
                "被督查单位只看到下发给本单位的问题。",
)

errors = error_responses(blp, {
    400: "请求格式错误（如请求体不是 JSON 对象、缺少文件部分）",
    403: "无权办理（如单位用户审核、编办工作人员代替单位提交）",
    404: "问题、整改报告或延期申请不存在，或不在调用者的可见范围内",
    409: "版本冲突或已办结（如整改报告已审核过）",
    422: "取值无效（如文件类型不允许、文件为空或过大、延期日期不晚于当前期限）：error.fields 逐项说明",
})

# the route modules attach their routes to ``blp`` (imported last: they use ``blp`` and ``errors``)
from inspection import api_extensions, api_finding_list, api_submissions  # noqa: E402,F401
