"""Web routes of the inspection package, on the ``inspection`` blueprint (``/inspection``).

* :mod:`.cases` — the case page, create/edit, transitions,
  findings, notes, attachments;
* :mod:`.notices` — issuing notices, the printable notice, the unit's deliveries and signing (签收);
* :mod:`.instructions` — supervision instructions (督办/催办) between offices.
* :mod:`.submissions` — the finding page, the unit's reports and evidence, review, the certificate;
* :mod:`.extensions` — extension requests and decisions;
* :mod:`.ledger` — the problem ledger (问题台账) and its export;
* :mod:`.calendar` — entered holiday schedules and local holidays;
* :mod:`.lists` — the case lists and exports, the overdue findings list and the workspace panels.

Each module attaches its routes to ``bp``; ``inspection.init_app`` registers it.
"""
from flask import Blueprint

bp = Blueprint("inspection", __name__, url_prefix="/inspection")


def load_routes() -> None:
    """Import the route modules (each attaches its routes to ``bp``)."""
    from inspection.views import (  # noqa: F401
        attachments, calendar, cases, extensions, instructions, ledger, lists, notices, submissions,
    )
