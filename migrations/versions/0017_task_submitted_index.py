"""The tasks waiting for acceptance by unit, a partial covering index: the home inbox counts a
head's tasks to accept (and their first due day) from the index alone, not from every task of
the head's units (app/main/inbox.py, `accept`).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_submitted_unit', ['unit_id', 'staff_id', 'due_on', 'id'], unique=False,
                              postgresql_where=sa.text("status = 'submitted'"),
                              sqlite_where=sa.text("status = 'submitted'"))


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_submitted_unit')
