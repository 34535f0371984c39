"""inspection: supervision cases (督查事项), findings (问题), rectification notices (整改通知书) and
supervision instructions (督办).

Imports only ``portal``'s core. ``init_app`` is called by the composition root (``portal.create_app``).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from portal.extensions import api

    from inspection import models  # noqa: F401  (tables known to Alembic)
    from inspection.api import blp as api_blp
    from inspection.api_rectification import blp as rectification_api_blp
    from inspection.views import bp, load_routes

    load_routes()
    app.register_blueprint(bp)
    api.register_blueprint(api_blp)
    api.register_blueprint(rectification_api_blp)

    from inspection import demo  # noqa: F401  (registers its demo step)
    from inspection import cli  # noqa: F401  (registers `reminders send`)
