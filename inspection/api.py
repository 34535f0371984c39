"""``/api/v1/cases``: supervision cases as JSON (being built)."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "cases_api", __name__, url_prefix="/api/v1/cases",
    description="督查事项（内部：立案、状态流转、问题记录；按角色与编办辖区限定，范围外一律 404）。",
)
