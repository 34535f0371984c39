"""(placeholder: the finding page, reports, evidence and review come with the rectification loop)"""
from __future__ import annotations

from flask_login import login_required

from portal.errors import NotFound

from inspection.views import bp


@bp.route("/findings/<int:finding_id>")
@login_required
def show_finding(finding_id: int):
    raise NotFound()


@bp.route("/reviews")
@login_required
def list_reviews():
    raise NotFound()
