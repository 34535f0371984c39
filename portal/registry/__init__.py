"""portal.registry: the establishment register (底账) — units, quotas, posts, history — and the office tree."""
from flask import Flask


def init_app(app: Flask) -> None:
    from portal.extensions import api
    from portal.markdown import render_markdown
    from portal.registry import cli  # noqa: F401  (CLI: adds `units import` to the units group)
    from portal.registry.api import blp as api_blp
    from portal.registry.views import bp

    app.register_blueprint(bp)
    api.register_blueprint(api_blp)
    # `{{ text|markdown }}` for every package's templates: the one sanitising renderer
    app.add_template_filter(render_markdown, "markdown")
