"""disclosure: publication of non-classified establishment information (机构编制信息公开).

Imports only ``portal``'s core. ``init_app`` is called by the composition root (``portal.create_app``).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from portal.extensions import api
    from portal.signals import unit_changed

    from disclosure.api import blp as api_blp
    from disclosure.views import bp, load_routes, public_bp

    load_routes()
    app.register_blueprint(public_bp)
    app.register_blueprint(bp)
    api.register_blueprint(api_blp)
    from disclosure.api_publications import blp as publications_api_blp
    api.register_blueprint(publications_api_blp)  # /api/v1/publications: the publication workflow

    from disclosure import bench  # noqa: F401  (adds `bench generate`)
    from disclosure import cli  # noqa: F401  (adds `units publish|withdraw` to the units group)
    from disclosure import cli_search  # noqa: F401  (adds `search reindex`)
    from disclosure import demo  # noqa: F401  (registers its demo step)
    from disclosure import models  # noqa: F401  (tables known to Alembic)
    from disclosure.indexing import init_app as init_search
    from disclosure.services import on_unit_changed

    init_search(app)  # checks SEARCH_BACKEND; the index follows every publication change

    # weak=False: the receiver is a module function, connected once per process (connect is idempotent)
    unit_changed.connect(on_unit_changed, weak=False)
