"""(placeholder: extension requests come with the rectification loop)"""
from __future__ import annotations

from flask_login import login_required

from portal.errors import NotFound

from inspection.views import bp


@bp.route("/extensions")
@login_required
def list_extension_requests():
    raise NotFound()
