"""portal.accounts: users, roles, login and lockout, per-user permissions, API tokens."""
from flask import Flask


def init_app(app: Flask) -> None:
    from portal.accounts import cli  # noqa: F401  (adds `users create|token` to the users group)
    from portal.accounts.api import blp as api_blp
    from portal.accounts.views import bp
    from portal.extensions import api

    app.register_blueprint(bp)
    api.register_blueprint(api_blp)
