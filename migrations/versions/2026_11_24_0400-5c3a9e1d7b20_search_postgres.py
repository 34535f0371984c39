"""PostgreSQL full-text search table (PostgreSQL only; SQLite skips this step)

The table of the ``SEARCH_BACKEND=postgres`` search (``disclosure.search.pg``): jieba-segmented names,
character pairs, pinyin initials and functions as ``tsvector`` columns, each with a GIN index. It is not a
model of ``db.metadata`` (``migrations/env.py`` leaves it out of ``db check``), so SQLite never has it.

Revision ID: 5c3a9e1d7b20
Revises: e1eabf67d698
Create Date: 2026-11-24 04:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '5c3a9e1d7b20'
down_revision = 'e1eabf67d698'
branch_labels = None
depends_on = None

VECTORS = ("names", "name_chars", "initials", "body")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_documents",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("short_name", sa.Text(), server_default="", nullable=False),
        sa.Column("functions", sa.Text(), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=32), server_default="", nullable=False),
        sa.Column("level", sa.String(length=32), server_default="", nullable=False),
        sa.Column("region_code", sa.String(length=12), server_default="", nullable=False),
        sa.Column("parent_code", sa.String(length=32), server_default="", nullable=False),
        sa.Column("parent_name", sa.Text(), server_default="", nullable=False),
        sa.Column("name_sort", sa.Text(), nullable=False),
        *[sa.Column(name, postgresql.TSVECTOR(), nullable=False) for name in VECTORS],
        sa.PrimaryKeyConstraint("code", name=op.f("pk_search_documents")),
    )
    for name in VECTORS:
        op.create_index(f"ix_search_documents_{name}", "search_documents", [name], postgresql_using="gin")
    for name in ("kind", "level", "region_code", "parent_code"):
        op.create_index(f"ix_search_documents_{name}", "search_documents", [name])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_documents")
