"""portal.audit: the append-only, hash-chained audit trail, its admin page, API and ``audit verify``."""
from flask import Flask


def init_app(app: Flask) -> None:
    from portal.audit import cli  # noqa: F401  (adds ``verify`` to the ``audit`` group)
    from portal.audit import services
    from portal.audit.api import blp
    from portal.audit.views import bp
    from portal.extensions import api

    app.register_blueprint(bp)
    api.register_blueprint(blp)
    # for templates/audit/_macros.html, which any page showing the trail imports
    app.jinja_env.globals.update(
        audit_event_body=services.event_body,
        audit_action_label=services.action_label,
        audit_object_type_label=services.object_type_label,
        audit_value=services.display_value,
    )
