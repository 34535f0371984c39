"""inspection: supervision cases (督查事项), findings (问题), rectification notices (整改通知书),
supervision instructions (督办) and the rectification loop (reports, evidence, review, extensions,
working-day calendars, the problem ledger, follow-up of what is late, reminders).

Imports only ``portal``'s core. ``init_app`` is called by the composition root (``portal.create_app``).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from portal.extensions import api
    from portal.web import allow_large_body

    from inspection import models  # noqa: F401  (tables known to Alembic)
    from inspection.api import blp as api_blp
    from inspection.api_rectification import blp as rectification_api_blp
    from inspection.views import bp, load_routes

    load_routes()
    app.register_blueprint(bp)
    api.register_blueprint(api_blp)
    api.register_blueprint(rectification_api_blp)
    # a rectification report carries up to SUBMISSION_MAX_BYTES of evidence (every other body stays small)
    for endpoint in ("inspection.save_report", "rectification_api.create_submission"):
        allow_large_body(app, endpoint, "SUBMISSION_MAX_BYTES")

    from inspection import followup

    followup.register(app)  # the register's 整改未完成 flag (portal.registry.flags)

    from inspection import demo, demo_rectification  # noqa: F401  (register their demo steps)
    from inspection import cli  # noqa: F401  (registers `reminders send`)
