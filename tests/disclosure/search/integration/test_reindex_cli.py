"""``flask --app portal search reindex``: rebuilds the configured backend from the published snapshots."""
from __future__ import annotations

import pytest

from portal.extensions import db

from disclosure import indexing, services
from disclosure.public_search import search_units
from tests.disclosure.search.integration.test_indexing import indexed


@pytest.fixture
def unindexed(backend, city, publish, monkeypatch):
    """Every unit published while the index missed it, plus one withdrawn unit the index still holds."""
    publish(city.rsj)
    with monkeypatch.context() as m:
        m.setattr(indexing, "mark_for_reindex", lambda *a, **k: None)
        publish(*[u for u in city.all if u is not city.rsj])
        services.withdraw(None, services.current_publication(city.rsj), "测试撤回", actor_name="测试管理员")
        db.session.commit()
    assert indexed(backend) == {city.rsj.code}
    return city


@pytest.mark.parametrize("procs", ["1", "2"])
def test_reindex_rebuilds_from_the_published_snapshots(unindexed, backend, runner, procs):
    result = runner.invoke(args=["search", "reindex", "--procs", procs])
    assert result.exit_code == 0, result.output
    assert "已为 6 个公开单位重建检索索引" in result.output and f"{procs} 个进程" in result.output
    assert "重建索引" in result.output                   # the progress bar's label
    db.session.rollback()                                # see what the command committed
    assert indexed(backend) == {u.code for u in unindexed.all} - {unindexed.rsj.code}
    assert search_units("市监局").hits[0].code == unindexed.scj.code


def test_reindex_defaults_to_at_most_two_processes(backend, runner, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert indexing.default_procs() == 2
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert indexing.default_procs() == 1
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "已为 0 个公开单位重建检索索引" in result.output


def test_reindex_rejects_a_bad_process_count(backend, runner):
    result = runner.invoke(args=["search", "reindex", "--procs", "0"])
    assert result.exit_code == 2 and "--procs" in result.output
