"""Web routes of the disclosure package, on two blueprints.

* ``public`` — the public portal, no login: home, search, unit pages, organisation tree, office contacts,
  announcements, sitemap, the page explaining what is published (:mod:`.public`, :mod:`.public_announcements`).
* ``disclosure`` — the internal side: publication proposals, secrecy review, withdrawal and history
  (:mod:`.publications`) and the administration of announcements (:mod:`.announcements`).

Each module attaches its routes to one of these blueprints; ``disclosure.init_app`` registers both.
"""
from flask import Blueprint

public_bp = Blueprint("public", __name__)
bp = Blueprint("disclosure", __name__, url_prefix="/disclosure")


def load_routes() -> None:
    """Import the route modules (each attaches its routes to a blueprint above)."""
    from disclosure.views import announcements, public, publications  # noqa: F401
