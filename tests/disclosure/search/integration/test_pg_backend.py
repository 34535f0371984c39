"""The PostgreSQL backend's own promises: rows in the publication's transaction, its table only on
PostgreSQL and invisible to ``db check``, literals that no text can break."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from portal.extensions import db

from disclosure import services
from disclosure.public_search import search_units
from disclosure.search import SearchDocument
from tests.disclosure.search.integration.conftest import IS_POSTGRES, NOT_ON_SQLITE
from tests.disclosure.search.integration.test_indexing import indexed


def test_the_search_table_exists_only_on_postgresql(app):
    assert sa.inspect(db.engine).has_table("search_documents") is IS_POSTGRES


def test_db_check_is_clean(app, runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


@NOT_ON_SQLITE
def test_rows_are_written_in_the_publications_transaction(app, empty_search_table, city):
    app.config["SEARCH_BACKEND"] = "postgres"
    services.publish_now(None, city.scj, "同意", actor_name="测试")
    assert indexed("postgres") == set()                 # before the commit: nothing yet
    db.session.commit()
    assert indexed("postgres") == {city.scj.code}
    with db.engine.connect() as other:                   # and every app server sees it
        assert other.execute(sa.text("SELECT count(*) FROM search_documents")).scalar() >= 1


@NOT_ON_SQLITE
def test_a_failing_table_write_is_logged_and_the_publication_still_commits(app, empty_search_table, city, monkeypatch,
                                                                          caplog):
    from disclosure.search import pg

    app.config["SEARCH_BACKEND"] = "postgres"

    def broken(conn, docs, removals=()):
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(pg, "write_documents", broken)
    services.publish_now(None, city.scj, "同意", actor_name="测试")
    with caplog.at_level(logging.ERROR):
        db.session.commit()                              # the savepoint kept the transaction alive
    assert "run `search reindex`" in caplog.text
    assert services.latest_published(city.scj) is not None
    assert indexed("postgres") == set()
    with caplog.at_level(logging.WARNING):              # the first search finds the table empty: fills it
        assert [h.code for h in search_units("市监局").hits] == [city.scj.code]
    assert "filling it from the published units" in caplog.text


@NOT_ON_SQLITE
def test_switching_the_backend_on_fills_the_table_on_first_search(app, empty_search_table, city, publish, caplog,
                                                                  tmp_path):
    app.config["DATA_DIR"] = str(tmp_path)
    publish(city.scj, city.rsj)                          # with Whoosh
    app.config["SEARCH_BACKEND"] = "postgres"
    with caplog.at_level(logging.WARNING):
        assert search_units("人社局").hits[0].code == city.rsj.code
    assert indexed("postgres") == {city.scj.code, city.rsj.code}
    assert caplog.text.count("filling it") == 1
    assert search_units("不存在的单位").total == 0         # a search with no hits does not refill
    assert caplog.text.count("filling it") == 1


@NOT_ON_SQLITE
@pytest.mark.parametrize("text", ["'", "\\", "a'b\\c", "'; DROP TABLE units; --", "x:A & !y", "<->"])
def test_any_text_round_trips_through_the_literals(app, empty_search_table, text):
    from disclosure.search import pg

    doc = SearchDocument(code="TEST" + str(abs(hash(text)) % 10_000), name=f"杭州市{text}局",
                         short_name=text, other_names=[text], functions_text=f"负责{text}工作。")
    pg.write_documents(db.session, [doc])
    result = pg.search(db.session, "杭州市")
    assert [h.code for h in result.hits] == [doc.code]
    assert result.hits[0].name == doc.name
    db.session.rollback()


@NOT_ON_SQLITE
def test_the_same_tokens_as_whoosh(app):
    """Positions are Whoosh's: two-character extras share a position, names never form a phrase across fields."""
    from disclosure.search import pg

    row = pg.document_row(SearchDocument(code="X", name="杭州市审计局", short_name="审计局", other_names=["杭州市统计局"]))
    vector = db.session.execute(sa.select(sa.cast(row["names"], pg.TSVECTOR))).scalar()
    assert "'审计':2A" in vector and "'审计局':2A" in vector
    assert db.session.execute(sa.select(sa.cast(row["names"], pg.TSVECTOR).bool_op("@@")(
        sa.cast("'审计局' <-> '杭州市'", pg.TSQUERY)))).scalar() is False      # short name then other name
