"""create_app: where settings come from and in which order, the data directory, the secret key,
paths that do not depend on the working directory, and China's locale and time zone."""
from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone

import flask_babel
import pytest
from flask import render_template_string
from flask_migrate import upgrade
from sqlalchemy import inspect

from portal import ConfigError, create_app
from portal.config import MIGRATIONS_DIR, ROOT_DIR, TEMPLATES_DIR
from portal.extensions import db

_SETTINGS_FROM_ENV = ("DATABASE_URL", "SECRET_KEY")


@pytest.fixture()
def env(monkeypatch, tmp_path):
    """A clean environment: no DATABASE_URL, SECRET_KEY or PORTAL_* from the machine running the tests."""
    for name in list(os.environ):
        if name in _SETTINGS_FROM_ENV or name.startswith("PORTAL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.fixture()
def make_app():
    """``make_app(config)``; the engines made are disposed of afterwards."""
    made = []

    def factory(config: dict | None = None):
        app = create_app({"TESTING": True, **(config or {})})
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            db.engine.dispose()


# ---------------------------------------------------------------- database and data directory

def test_default_database_is_sqlite_in_the_data_directory(env, make_app, tmp_path):
    app = make_app({"SECRET_KEY": "k"})
    data = tmp_path / "data"
    assert app.config["DATA_DIR"] == str(data)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{data / 'portal.db'}"
    assert app.instance_path == str(data)
    assert data.is_dir()


def test_without_portal_data_dir_the_data_directory_is_instance(env, make_app):
    env.delenv("PORTAL_DATA_DIR")
    app = make_app({"SECRET_KEY": "k"})
    assert app.config["DATA_DIR"] == str(ROOT_DIR / "instance")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{ROOT_DIR / 'instance' / 'portal.db'}"


def test_a_relative_portal_data_dir_is_resolved_once(env, make_app, tmp_path):
    env.chdir(tmp_path)
    env.setenv("PORTAL_DATA_DIR", "elsewhere")
    app = make_app({"SECRET_KEY": "k"})
    assert app.config["DATA_DIR"] == str(tmp_path / "elsewhere")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'elsewhere' / 'portal.db'}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://portal@db.internal/portal", "postgresql+psycopg://portal@db.internal/portal"),
        ("postgres://portal@db.internal/portal", "postgresql+psycopg://portal@db.internal/portal"),
        ("postgresql+psycopg://portal@db.internal/portal", "postgresql+psycopg://portal@db.internal/portal"),
        ("sqlite:////srv/portal/portal.db", "sqlite:////srv/portal/portal.db"),
    ],
)
def test_database_url_from_the_environment(env, make_app, url, expected):
    env.setenv("DATABASE_URL", url)
    assert make_app({"SECRET_KEY": "k"}).config["SQLALCHEMY_DATABASE_URI"] == expected


# ---------------------------------------------------------------- order: defaults < environment < mapping

def test_prefixed_environment_variables_are_parsed(env, make_app):
    env.setenv("PORTAL_LOCKOUT_THRESHOLD", "3")
    env.setenv("PORTAL_ROOT_OFFICE_NAME", "西湖区机构编制委员会办公室")
    app = make_app({"SECRET_KEY": "k"})
    assert app.config["LOCKOUT_THRESHOLD"] == 3
    assert app.config["ROOT_OFFICE_NAME"] == "西湖区机构编制委员会办公室"
    assert app.config["LOCKOUT_MINUTES"] == 15  # untouched defaults stay


def test_the_mapping_overrides_the_environment(env, make_app, tmp_path):
    env.setenv("PORTAL_LOCKOUT_THRESHOLD", "3")
    env.setenv("DATABASE_URL", "postgresql://portal@db.internal/portal")
    app = make_app({"SECRET_KEY": "k", "LOCKOUT_THRESHOLD": 7, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                    "DATA_DIR": str(tmp_path / "mine")})
    assert app.config["LOCKOUT_THRESHOLD"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.db'}"
    assert app.config["DATA_DIR"] == str(tmp_path / "mine")


def test_the_session_lifetime_follows_the_idle_timeout(env, make_app):
    env.setenv("PORTAL_IDLE_TIMEOUT_MINUTES", "10")
    assert make_app({"SECRET_KEY": "k"}).config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=10)


# ---------------------------------------------------------------- secret key and PORTAL_ENV

def test_development_start_keeps_a_generated_secret_key(env, make_app, tmp_path):
    first = make_app()
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text(encoding="utf-8") == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert make_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]  # reused, not regenerated


def test_a_secret_key_from_the_environment_is_used_and_nothing_is_written(env, make_app, tmp_path):
    env.setenv("SECRET_KEY", "from-the-environment")
    assert make_app().config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "data" / "secret_key").exists()


@pytest.mark.parametrize("value", ["production", "Production", " production "])
def test_production_without_secret_key_refuses_to_start(env, make_app, tmp_path, value):
    make_app()  # a development start left a key file behind: production must not pick it up
    env.setenv("PORTAL_ENV", value)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app()


def test_production_with_a_secret_key_starts_with_secure_cookies(env, make_app):
    env.setenv("PORTAL_ENV", "production")
    env.setenv("SECRET_KEY", "a-fixed-production-key")
    app = make_app()
    assert app.config["ENV_NAME"] == "production"
    assert "ENV" not in app.config
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_over_plain_http_can_turn_secure_cookies_off(env, make_app):
    env.setenv("PORTAL_ENV", "production")
    env.setenv("PORTAL_SESSION_COOKIE_SECURE", "false")
    assert make_app({"SECRET_KEY": "k"}).config["SESSION_COOKIE_SECURE"] is False


def test_development_is_the_default_environment(env, make_app):
    app = make_app({"SECRET_KEY": "k"})
    assert app.config["ENV_NAME"] == "development"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_an_unknown_portal_env_refuses_to_start(env, make_app):
    env.setenv("PORTAL_ENV", "prod")  # a typo must not mean "development with a generated key"
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        make_app({"SECRET_KEY": "k"})


# ---------------------------------------------------------------- paths do not depend on the working directory

def test_templates_and_migrations_are_found_from_anywhere(env, make_app, tmp_path):
    env.chdir(tmp_path)
    app = make_app({"SECRET_KEY": "k"})
    assert os.path.isabs(app.template_folder) and app.template_folder == str(TEMPLATES_DIR)
    assert app.extensions["migrate"].directory == str(MIGRATIONS_DIR)
    with app.app_context():
        assert app.jinja_env.get_template("base.html") is not None
        upgrade()  # the real migrations, run from a foreign working directory
        assert {"units", "users", "audit_events"} <= set(inspect(db.engine).get_table_names())
    assert (tmp_path / "data" / "portal.db").exists()


# ---------------------------------------------------------------- locale and time zone

def test_babel_is_chinese_and_beijing_whatever_the_browser_asks(env, make_app):
    app = make_app({"SECRET_KEY": "k"})
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_Hans_CN"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Shanghai"
    with app.test_request_context("/", headers={"Accept-Language": "en-US,en;q=0.9"}):
        assert str(flask_babel.get_locale()) == "zh_Hans_CN"
        assert str(flask_babel.get_timezone()) == "Asia/Shanghai"


def test_datetimes_render_in_beijing_time(env, make_app):
    app = make_app({"SECRET_KEY": "k"})
    aware = datetime(2026, 12, 31, 16, 5, tzinfo=timezone.utc)
    naive = datetime(2026, 12, 31, 16, 5)  # as SQLite hands it back: UTC without tzinfo
    with app.test_request_context("/"):
        rendered = render_template_string(
            "{{ a|datetimeformat('yyyy-MM-dd HH:mm') }} {{ n|datetimeformat('yyyy-MM-dd HH:mm') }}", a=aware, n=naive
        )
    assert rendered == "2027-01-01 00:05 2027-01-01 00:05"


def test_proxy_count_trusts_forwarded_client_address(app, database_url, data_dir):
    """Behind nginx (PROXY_COUNT=1) the audit trail records the client, not the proxy; without it, the peer."""
    from flask import request

    from portal import create_app

    def seen_address(config):
        proxied = create_app({**app.config, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), **config})
        proxied.add_url_rule("/_ip", "ip", lambda: request.remote_addr or "")
        return proxied.test_client().get(
            "/_ip", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        ).get_data(as_text=True)

    assert seen_address({"PROXY_COUNT": 1}) == "203.0.113.9"
    assert seen_address({"PROXY_COUNT": 0}) == "127.0.0.1"


def test_the_distribution_installs_the_three_packages():
    """pyproject's package list (flat layout, explicit include) yields portal, inspection and disclosure."""
    import tomllib

    from setuptools import find_packages

    from portal.config import ROOT_DIR

    config = tomllib.loads((ROOT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = set(find_packages(where=str(ROOT_DIR), include=include))
    assert {"portal", "inspection", "disclosure", "portal.registry.importer", "disclosure.search"} <= packages
    assert not {p for p in packages if p.split(".")[0] in ("tests", "migrations", "templates")}
