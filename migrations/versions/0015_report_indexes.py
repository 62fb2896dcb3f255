"""Indexes for the dashboards and the province ranking at scale: the confirmed violations by day
(finding.status, occurred_on) and the satisfaction roll-up by month (scope, period), so that a
span's rows are read without reading every finding or every month's roll-up.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 06:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index('ix_finding_status_occurred', ['status', 'occurred_on'], unique=False)
    with op.batch_alter_table('satisfaction_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_satisfaction_monthly_scope_period', ['scope', 'period'], unique=False)


def downgrade():
    with op.batch_alter_table('satisfaction_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_satisfaction_monthly_scope_period')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_status_occurred')
