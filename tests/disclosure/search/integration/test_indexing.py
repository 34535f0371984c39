"""Index maintenance: documents from public snapshots, the commit hooks, deferral, corrupt indexes, settings."""
from __future__ import annotations

import logging
import shutil

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db
from portal.registry import services as registry
from portal.registry.models import UnitName

from disclosure import indexing, services
from disclosure.public_search import search_units
from disclosure.queries import public_publications, public_snapshot
from disclosure.search import open_or_create_index, search
from disclosure.search.storage import index_path
from tests.conftest import TEST_CONFIG
from tests.disclosure.conftest import record_of


def indexed(backend: str) -> set[str]:
    """Codes in the index itself (no database filter)."""
    if backend == "postgres":
        from disclosure.search import pg

        return set(db.session.execute(sa.select(pg.table.c.code)).scalars())
    result = search(indexing.whoosh_index(), "", per_page=100)
    return {h.code for h in result.hits}


def withdraw(unit):
    services.withdraw(None, services.current_publication(unit), "测试撤回", actor_name="测试管理员")


# ---------------------------------------------------------------- documents

@pytest.mark.parametrize("markdown, text", [
    ("## 主要职责\n\n1. 负责**市场**监管。\n2. 统筹_协调_。", "主要职责\n负责市场监管。\n统筹协调。"),
    ("- 承担[登记注册](https://x.org/a)工作\n* 其他 `任务`", "承担登记注册工作\n其他 任务"),
    ("> 引用<script>alert(1)</script>文字\n\n---\n![图](a.png)", "引用 alert(1) 文字\n图"),
    ("", ""),
    (None, ""),
])
def test_markdown_text(markdown, text):
    assert indexing.markdown_text(markdown) == text


def test_a_document_is_built_from_the_public_snapshot_only(app, make_unit, publish):
    parent = make_unit("杭州市审计局")
    unit = make_unit("杭州市审计局信息中心", short_name="信息中心", kind="institution", level="section", parent=parent,
                     functions_md="**绝密职责**甲", classified_fields=["functions", "other_names"])
    unit.other_names.append(UnitName(kind="plaque", name="杭州市秘密牌子"))
    registry.add_department(None, unit, {"name": "数据科", "functions_md": "负责*数据*采集。"})
    db.session.commit()
    publish(parent, unit)
    [(publication, row)] = db.session.execute(public_publications().where(sa.text("units.id = :id")),
                                              {"id": unit.id}).all()
    doc = indexing.document_from_snapshot(public_snapshot(publication, row))
    assert (doc.code, doc.name, doc.short_name, doc.kind, doc.level, doc.region_code) == (
        unit.code, "杭州市审计局信息中心", "信息中心", "institution", "section", "330100")
    assert (doc.parent_code, doc.parent_name) == (parent.code, "杭州市审计局")
    assert list(doc.other_names) == [] and doc.functions_text == ""
    assert doc.departments_text == "数据科"               # department functions are classified with functions
    assert "绝密" not in repr(doc) and "秘密牌子" not in repr(doc)


# ---------------------------------------------------------------- following the publications

def test_publishing_indexes_after_the_commit_and_a_rollback_leaves_the_index_alone(backend, city):
    assert indexed(backend) == set()
    services.publish_now(None, city.scj, "同意", actor_name="测试")
    db.session.rollback()
    assert indexed(backend) == set()
    services.publish_now(None, city.scj, "同意", actor_name="测试")
    services.publish_now(None, city.rsj, "同意", actor_name="测试")
    db.session.commit()
    assert indexed(backend) == {city.scj.code, city.rsj.code}
    assert search_units("市监局").hits[0].code == city.scj.code


def test_withdrawing_removes_from_the_index(backend, city, publish):
    publish(city.scj, city.rsj)
    withdraw(city.scj)
    db.session.commit()
    assert indexed(backend) == {city.rsj.code}


def test_a_withdrawal_rolled_back_keeps_the_unit(backend, city, publish):
    publish(city.scj)
    withdraw(city.scj)
    db.session.rollback()
    assert indexed(backend) == {city.scj.code}
    assert search_units("市监局").total == 1


def test_proposing_and_rejecting_touch_nothing(backend, city, make_user, monkeypatch):
    calls = []
    monkeypatch.setattr(indexing, "documents_for", lambda codes: calls.append(codes) or ([], set()))
    [proposal] = services.propose(None, city.scj, actor_name="测试")
    services.reject(None, proposal, "不同意", actor_name="测试")
    db.session.commit()
    assert calls == []


def test_the_cascade_updates_the_index_in_the_same_commit(backend, city, publish):
    publish(city.sjj, city.sjzx)
    registry.update_unit(None, city.sjj, record_of(city.sjj, is_classified=True))
    db.session.commit()
    assert indexed(backend) == {city.sjzx.code}
    hit = search_units("信息中心").hits[0]
    assert (hit.parent_code, hit.parent_name) == ("", "")


def test_a_savepoint_commit_does_not_index_early(backend, city):
    assert indexed(backend) == set()                   # (opens the index before anything is published)
    with db.session.begin_nested():
        services.publish_now(None, city.scj, "同意", actor_name="测试")
    assert indexed(backend) == set()
    db.session.commit()
    assert indexed(backend) == {city.scj.code}


def test_one_writer_commit_for_a_batch(app, city, tmp_path):
    app.config["DATA_DIR"] = str(tmp_path)
    handle = indexing.whoosh_index()
    generation = handle.ix.latest_generation()
    for unit in city.all:
        services.publish_now(None, unit, "同意", actor_name="测试")
    db.session.commit()
    assert handle.ix.latest_generation() == generation + 1
    assert handle.doc_count() == len(city.all)


def test_a_failed_index_write_is_logged_never_raised(app, city, publish, tmp_path, monkeypatch, caplog):
    app.config["DATA_DIR"] = str(tmp_path)
    publish(city.scj, city.rsj)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("disclosure.search.storage._write", broken)
    withdraw(city.scj)
    with caplog.at_level(logging.ERROR):
        db.session.commit()                             # the withdrawal is saved all the same
    assert "run `search reindex`" in caplog.text
    assert services.latest_published(city.scj) is None
    assert city.scj.code in indexed("whoosh")          # the index is stale...
    assert search_units("市监局").total == 0           # ...and the database filter hides it


def test_a_failure_preparing_the_update_is_logged_never_raised(backend, city, monkeypatch, caplog):
    monkeypatch.setattr(indexing, "documents_for", lambda codes: 1 / 0)
    services.publish_now(None, city.scj, "同意", actor_name="测试")
    with caplog.at_level(logging.ERROR):
        db.session.commit()
    assert "search" in caplog.text.lower() and services.latest_published(city.scj) is not None


def test_another_handle_on_the_same_directory_sees_each_change(app, city, publish, tmp_path):
    app.config["DATA_DIR"] = str(tmp_path)
    indexing.whoosh_index()
    other = open_or_create_index(tmp_path)            # another worker's handle
    try:
        assert search(other, "市监局").total == 0
        publish(city.scj)
        assert [h.code for h in search(other, "市监局").hits] == [city.scj.code]
        withdraw(city.scj)
        db.session.commit()
        assert search(other, "市监局").total == 0
    finally:
        other.close()


def test_a_bulk_publish_updates_the_index_once_at_the_end(app, city, runner, tmp_path):
    app.config["DATA_DIR"] = str(tmp_path)
    handle = indexing.whoosh_index()
    generation = handle.ix.latest_generation()
    result = runner.invoke(args=["units", "publish", "--all"])
    assert result.exit_code == 0, result.output
    assert handle.ix.latest_generation() == generation + 1
    assert handle.doc_count() == len(city.all)
    assert search_units("人社局").hits[0].code == city.rsj.code


def test_a_large_bulk_publish_rebuilds_the_index(app, city, runner, tmp_path, monkeypatch):
    app.config["DATA_DIR"] = str(tmp_path)
    monkeypatch.setattr(indexing, "BULK_REBUILD", 3)
    handle = indexing.whoosh_index()
    handle_generation = handle.ix.latest_generation()
    assert runner.invoke(args=["units", "publish", "--all"]).exit_code == 0
    assert handle.ix.latest_generation() == handle_generation + 1
    assert indexed("whoosh") == {u.code for u in city.all}


def test_deferred_updates_on_a_fresh_index_rebuild_it_once(app, city, tmp_path):
    app.config["DATA_DIR"] = str(tmp_path / "new")
    with indexing.deferred_updates():
        for unit in city.all:
            services.publish_now(None, unit, "同意", actor_name="测试")
            db.session.commit()
        assert not (tmp_path / "new" / "search_index").exists()
    handle = indexing.whoosh_index()
    assert handle.doc_count() == len(city.all) and handle.ix.latest_generation() == 1


# ---------------------------------------------------------------- missing and corrupt indexes

def _forget_handles(app):
    indexing._close_all(app.extensions.pop(indexing.EXTENSION).handles)


def test_a_corrupt_index_is_rebuilt_on_first_search(app, city, publish, tmp_path, caplog):
    app.config["DATA_DIR"] = str(tmp_path)
    publish(*city.all)
    _forget_handles(app)                               # a new worker starts
    for path in index_path(tmp_path).iterdir():
        path.write_bytes(b"\x00garbage\xff" * 10)
    with caplog.at_level(logging.WARNING):
        result = search_units("市监局")
    assert result.hits[0].code == city.scj.code
    assert "unreadable" in caplog.text and "rebuilt" in caplog.text
    assert search_units("").total == len(city.all)


def test_a_missing_index_is_rebuilt_on_first_search(app, city, publish, tmp_path, caplog):
    app.config["DATA_DIR"] = str(tmp_path)
    publish(*city.all)
    _forget_handles(app)
    shutil.rmtree(index_path(tmp_path))
    with caplog.at_level(logging.WARNING):
        assert search_units("编办").hits[0].code == city.bb.code
    assert "missing" in caplog.text


def test_an_index_broken_under_an_open_handle_is_reopened_and_rebuilt(app, city, publish, tmp_path, caplog):
    app.config["DATA_DIR"] = str(tmp_path)
    publish(*city.all)
    assert search_units("市监局").total == 2            # the handle now holds a searcher
    (index_path(tmp_path) / "_MAIN_99.toc").write_bytes(b"garbage")   # a broken newer generation
    with caplog.at_level(logging.WARNING):
        result = search_units("市监局")
    assert [h.code for h in result.hits] == [city.scj.code, city.xhscj.code]
    assert "could not be searched" in caplog.text and "rebuilt" in caplog.text


# ---------------------------------------------------------------- settings

@pytest.mark.parametrize("value", ["elastic", "postgres"])
def test_a_wrong_backend_setting_stops_start_up_on_sqlite(tmp_path, value):
    with pytest.raises(ConfigError, match="SEARCH_BACKEND"):
        create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "DATA_DIR": str(tmp_path),
                    "SEARCH_BACKEND": value})


def test_the_backend_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SEARCH_BACKEND", "postgres")
    with pytest.raises(ConfigError, match="PostgreSQL"):
        create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "DATA_DIR": str(tmp_path)})
    monkeypatch.setenv("PORTAL_SEARCH_BACKEND", "Whoosh")
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "DATA_DIR": str(tmp_path)})
    assert indexing.backend_name(app) == "whoosh"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": "postgresql://u@localhost/x", "DATA_DIR": str(tmp_path),
                      "SEARCH_BACKEND": "postgres"})
    assert indexing.backend_name(app) == "postgres"
