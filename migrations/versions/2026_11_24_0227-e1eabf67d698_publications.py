"""publications: one row per unit and version of its public snapshot (信息公开)

Revision ID: e1eabf67d698
Revises: 632cf7c715bf
Create Date: 2026-11-24 02:27:00.865358

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1eabf67d698'
down_revision = '632cf7c715bf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_name', sa.String(length=100), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_name', sa.String(length=100), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_opinion', sa.Text(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_by_name', sa.String(length=100), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('proposed', 'published', 'rejected', 'withdrawn', 'superseded')", name=op.f('ck_publications_status_valid')),
    sa.CheckConstraint("status IN ('proposed', 'withdrawn') OR review_opinion IS NOT NULL", name=op.f('ck_publications_reviewed_has_opinion')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_publications_version_positive')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_publications_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_publications_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_publications_unit_id_units')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_publications_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('unit_id', 'version', name=op.f('uq_publications_unit_id_version'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_publications_one_open', ['unit_id'], unique=True,
                              sqlite_where=sa.text("status = 'proposed'"),
                              postgresql_where=sa.text("status = 'proposed'"))
        batch_op.create_index('uq_publications_one_published', ['unit_id'], unique=True,
                              sqlite_where=sa.text("status = 'published'"),
                              postgresql_where=sa.text("status = 'published'"))


def downgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index('uq_publications_one_published')
        batch_op.drop_index('uq_publications_one_open')
        batch_op.drop_index(batch_op.f('ix_publications_unit_id'))
        batch_op.drop_index(batch_op.f('ix_publications_status'))

    op.drop_table('publications')
