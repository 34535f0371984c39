"""Web routes of the inspection package, on the ``inspection`` blueprint (``/inspection``).

* :mod:`.cases` — case lists (mine, all), filters, exports, the case page, create/edit, transitions,
  findings, notes, attachments;
* :mod:`.notices` — issuing notices, the printable notice, the unit's deliveries and signing (签收);
* :mod:`.instructions` — supervision instructions (督办/催办) between offices.

Each module attaches its routes to ``bp``; ``inspection.init_app`` registers it.
"""
from flask import Blueprint

bp = Blueprint("inspection", __name__, url_prefix="/inspection")


def load_routes() -> None:
    """Import the route modules (each attaches its routes to ``bp``)."""
    from inspection.views import (  # noqa: F401
        attachments, calendar, cases, extensions, instructions, ledger, lists, notices, submissions,
    )
