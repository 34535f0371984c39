"""Document numbers per office and year (杭编督〔2026〕3号), without gaps or duplicates.

``allocate`` bumps the counter row inside the caller's transaction: the UPDATE takes the row's lock on
PostgreSQL (SQLite's write lock does the same), so concurrent creations queue and each gets the next
number; a rollback undoes the bump together with the document, so no number is lost.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db

from inspection.models import NumberCounter

CASE = "case"
NOTICE = "notice"


def _insert_missing(office_id: int, year: int, series: str) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(NumberCounter)
        .values(office_id=office_id, year=year, series=series, last_seq=0)
        .on_conflict_do_nothing()
    )


def allocate(office_id: int, year: int, series: str) -> int:
    """The next number of ``series`` for ``office_id`` in ``year`` (1, 2, 3 …)."""
    _insert_missing(office_id, year, series)
    return db.session.execute(
        update(NumberCounter)
        .where(NumberCounter.office_id == office_id, NumberCounter.year == year, NumberCounter.series == series)
        .values(last_seq=NumberCounter.last_seq + 1)
        .returning(NumberCounter.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def format_number(short_name: str, word: str, year: int, seq: int) -> str:
    return f"{short_name}{word}〔{year}〕{seq}号"
