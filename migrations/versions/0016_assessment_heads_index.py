"""The heads' assessments by (period, unit), a partial index: the team page and the inbox find the
heads of a head's child units without reading every person of those units (reviewed_in).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_period_unit_head', ['period_id', 'unit_id'], unique=False,
                              postgresql_where=sa.text('is_head'), sqlite_where=sa.text('is_head'))


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_period_unit_head')
