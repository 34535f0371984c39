"""publications: index the review and withdrawal times (the open-data API's Last-Modified is their maximum)

Revision ID: a19800af554a
Revises: 357cc18527f4
Create Date: 2026-11-24 05:43:04.068852

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a19800af554a'
down_revision = '357cc18527f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_reviewed_at'), ['reviewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_withdrawn_at'), ['withdrawn_at'], unique=False)



def downgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_withdrawn_at'))
        batch_op.drop_index(batch_op.f('ix_publications_reviewed_at'))

