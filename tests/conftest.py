"""Fixtures: one migrated database per test run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
emptied after every test; factories that return callables (Indico style).

The schema comes from the Alembic migrations, not ``create_all``, so a missing revision fails here.
"""
from __future__ import annotations

import copy
import itertools
import os
import uuid

import pytest
import sqlalchemy as sa
from flask import g
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
    "ARGON2_PARALLELISM": 1,
    "SERVER_NAME": "portal.test",
}

STRONG_PASSWORD = "Zhengce#2026ok"

pytest_plugins = ["tests.mail_fixtures"]  # smtp_server, mail_on: an SMTP server on loopback


def _make_database_url(tmp_path_factory) -> tuple[str, callable]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        path = tmp_path_factory.mktemp("db") / "test.db"
        return f"sqlite:///{path}", lambda: None
    url = sa.engine.make_url(base.replace("postgresql://", "postgresql+psycopg://", 1)
                             if base.startswith("postgresql://") else base)
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url, drop = _make_database_url(tmp_path_factory)
    yield url
    drop()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def _migrated(database_url, data_dir):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir)})
    with app.app_context():
        upgrade()
        seed = _snapshot_seed_rows()
        db.session.remove()
        db.engine.dispose()
    return seed


def _snapshot_seed_rows() -> dict:
    """Rows the migration seeds (root office, chain head): restored after each test."""
    tables = ("offices", "audit_chain_head")
    return {t: [dict(r._mapping) for r in db.session.execute(db.metadata.tables[t].select())] for t in tables}


def _reset(seed: dict) -> None:
    db.session.rollback()
    meta = db.metadata
    with db.engine.begin() as conn:
        for table in reversed(meta.sorted_tables):
            conn.execute(table.delete())
        for name, rows in seed.items():
            if rows:
                conn.execute(meta.tables[name].insert(), rows)
        if conn.dialect.name == "postgresql":
            for table in meta.sorted_tables:
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer) and table.c.id.autoincrement:
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    ))


@pytest.fixture(scope="session")
def _shared_app(_migrated, database_url, data_dir):
    """One application for the whole run: building one costs ~0.2 s (blueprints, OpenAPI schemas),
    which over ~2,000 tests was minutes. Each test still starts from the same settings and state:
    ``app`` restores the configuration and drops per-app extension state after the test."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir)})

    @app.teardown_request
    def _fresh_g(_exc):
        # test requests share the test's app context, so `g` (and Flask-Login's cached user in it)
        # would outlive the request; a real request gets a fresh `g`, so clear it after each one
        for name in list(g):
            g.pop(name)

    return app, dict(app.config), set(app.extensions)


@pytest.fixture()
def app(_shared_app, _migrated):
    app, config, extensions = _shared_app
    with app.app_context():
        yield app
        _reset(_migrated)
        db.session.remove()
        db.engine.dispose()
    # what a test changed on the app goes back to how create_app left it
    app.config.clear()
    app.config.update(copy.deepcopy(config))
    for name in set(app.extensions) - extensions:
        del app.extensions[name]
    # state that features keep per app (the search handle) starts afresh, as with a new app
    search_state = app.extensions.pop("disclosure_search", None)
    if search_state is not None:
        from disclosure.indexing import _close_all

        _close_all(search_state.handles)


@pytest.fixture()
def fresh_app(_migrated, database_url, data_dir):
    """An application of the test's own, for tests that add routes or blueprints (which Flask refuses on
    an app that has served a request). A module overrides ``app`` with it: ``def app(fresh_app)``."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir)})

    @app.teardown_request
    def _fresh_g(_exc):
        for name in list(g):
            g.pop(name)

    with app.app_context():
        yield app
        _reset(_migrated)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- factories

_seq = itertools.count(1)


def credit_code(region: str = "330100", kind_prefix: str = "11") -> str:
    """A valid 统一社会信用代码 for tests: prefix + region + 9-char body + check character."""
    from portal.registry.creditcode import make

    return make(f"{kind_prefix}{region}{next(_seq):09d}")


@pytest.fixture()
def root_office(app):
    from portal.registry.jurisdiction import root_office

    return root_office()


@pytest.fixture()
def make_office(app, root_office):
    from portal.registry.models import Office

    def factory(region_code: str, *, name: str | None = None, parent=None, short_name: str = "区编"):
        parent = parent or root_office
        office = Office(
            name=name or f"{region_code}机构编制委员会办公室", short_name=short_name,
            region_code=region_code, parent=parent, path="/",
        )
        db.session.add(office)
        db.session.flush()
        office.path = f"{parent.path}{office.id}/"
        db.session.commit()
        return office

    return factory


@pytest.fixture()
def make_unit(app):
    from portal.registry.jurisdiction import office_for_region
    from portal.registry.models import LeadershipPost, StaffingQuota, Unit

    def factory(name: str = "杭州市测试局", *, region_code: str = "330100", kind: str = "party_gov",
                code: str | None = None, parent=None, quotas: dict | None = None, posts: dict | None = None,
                **fields):
        office = office_for_region(region_code)
        unit = Unit(
            code=code or credit_code(region_code), name=name, kind=kind, region_code=region_code,
            office_id=office.id, parent=parent, status="active", functions_md=fields.pop("functions_md", ""),
            classified_fields=fields.pop("classified_fields", []), **fields,
        )
        for category, (approved, actual) in (quotas or {}).items():
            unit.quotas.append(StaffingQuota(category=category, approved=approved, actual=actual))
        for rank, (approved, actual) in (posts or {}).items():
            unit.posts.append(LeadershipPost(rank=rank, approved=approved, actual=actual))
        db.session.add(unit)
        db.session.commit()
        return unit

    return factory


@pytest.fixture()
def make_user(app, root_office):
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password

    def factory(username: str | None = None, *, role: str = "inspector", office=None, unit=None, body=None,
                password: str = STRONG_PASSWORD, **fields):
        user = User(
            username=username or f"user{next(_seq)}", role=role, password_hash=hash_password(password),
            office=(office or root_office) if role in ("admin", "inspector") else None,
            unit=unit, discipline_body=body, display_name=fields.pop("display_name", "测试用户"), **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture()
def login(client):
    """``login(user)`` signs the test client in through the real login form."""

    def do_login(user, password: str = STRONG_PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return do_login
