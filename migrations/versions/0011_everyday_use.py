"""Everyday use: the policy's back-fill window for opening periods (a month at most this many
months back can be opened besides the current and the next one; 2 in every existing version).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 03:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backfill_months', sa.Integer(), server_default='2', nullable=False))


def downgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('backfill_months')
