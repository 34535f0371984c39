"""机构编制监督检查与信息公开平台 — the application factory (the composition root).

Only this module knows every package: it binds the extensions, registers the blueprints and CLI
groups of ``portal``'s core and of the feature packages, and installs the error pages.
"""
from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask

from portal.config import (
    DEFAULTS,
    MIGRATIONS_DIR,
    TEMPLATES_DIR,
    TRANSLATIONS_DIR,
    ConfigError,
    data_dir_from_env,
    load_secret_key,
)

__all__ = ["create_app", "ConfigError"]


def create_app(config: dict | None = None) -> Flask:
    overrides = dict(config or {})
    data_dir = data_dir_from_env(overrides)
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        instance_path=str(data_dir),
        instance_relative_config=False,
    )
    app.config.update(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'portal.db'}"
    app.config.from_prefixed_env("PORTAL")
    if "ENV" in app.config:  # from_prefixed_env reads PORTAL_ENV as ENV; the setting is ENV_NAME
        app.config["ENV_NAME"] = str(app.config.pop("ENV"))
    app.config.update(overrides)
    app.config["DATA_DIR"] = str(data_dir)  # resolved (PORTAL_DATA_DIR may be relative)
    app.config["ENV_NAME"] = str(app.config["ENV_NAME"]).strip().lower()
    if app.config["ENV_NAME"] not in ("development", "production"):
        raise ConfigError(
            f"PORTAL_ENV={app.config['ENV_NAME']!r} is not understood: use 'production' on a server "
            "or 'development' (the default)."
        )
    if "DATABASE_URL" in overrides:
        app.config["SQLALCHEMY_DATABASE_URI"] = overrides["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SECRET_KEY"] = load_secret_key(app.config, data_dir)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    # Flask has its own defaults for these two: set them unless the installation chose a value
    chosen = set(overrides) | {name[len("PORTAL_"):] for name in os.environ if name.startswith("PORTAL_")}
    if "PERMANENT_SESSION_LIFETIME" not in chosen:
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"]))
    if app.config["ENV_NAME"] == "production" and "SESSION_COOKIE_SECURE" not in chosen:
        app.config["SESSION_COOKIE_SECURE"] = True

    _configure_logging(app)
    _trust_proxies(app)
    _init_extensions(app)
    _register_packages(app)
    return app


def _trust_proxies(app: Flask) -> None:
    hops = int(app.config["PROXY_COUNT"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the driver; accept the plain postgres:// and postgresql:// spellings
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (every model registered before Alembic looks)
    from portal.extensions import api, babel, csrf, db, login_manager, migrate
    from portal.i18n import check_catalogs

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    babel.init_app(app, locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"])
    check_catalogs(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "flask --app portal users token NAME"}
    )


def _sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _register_packages(app: Flask) -> None:
    from portal import cli, errors, web
    from portal.accounts import init_app as init_accounts
    from portal.audit import init_app as init_audit
    from portal.accounts import demo as accounts_demo  # noqa: F401  (registers its demo step)
    from portal.registry import demo as registry_demo  # noqa: F401  (registers its demo step)
    from portal.registry import init_app as init_registry
    from disclosure import init_app as init_disclosure
    from inspection import init_app as init_inspection

    errors.register_error_handlers(app)
    web.init_app(app)
    init_accounts(app)
    init_registry(app)
    init_audit(app)
    init_disclosure(app)
    init_inspection(app)
    for group in cli.GROUPS:
        app.cli.add_command(group)
