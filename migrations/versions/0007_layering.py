"""Policy numbers that were literals (reminder offsets, the repeat-offender window), and
notifications that store an endpoint and its arguments instead of a hard-coded path.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 01:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The paths the application wrote before this revision, and the endpoints they stand for.
OLD_LINKS = {
    '/evaluation/my': 'reports.my_assessment',
    '/conduct/mine': 'conduct.mine',
}


def upgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('self_reminder_days', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('review_reminder_days', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('repeat_offender_min', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('repeat_offender_months', sa.Integer(), server_default='12', nullable=False))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endpoint', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('link_args', sa.JSON(), nullable=True))

    # Set-based: one statement per kind of link, whatever the number of notifications.
    json_object = 'json_build_object' if op.get_bind().dialect.name == 'postgresql' else 'json_object'
    for link, endpoint in OLD_LINKS.items():
        op.execute(sa.text("UPDATE notification SET endpoint = :endpoint WHERE link = :link")
                   .bindparams(endpoint=endpoint, link=link))
    team = '/evaluation/team?period='
    op.execute(sa.text(f"UPDATE notification SET endpoint = 'evaluation.team', "
                       f"link_args = {json_object}('period', substr(link, {len(team) + 1})) "
                       f"WHERE link LIKE :team").bindparams(team=team + '%'))
    op.execute("UPDATE notification SET endpoint = 'notifications.index' WHERE endpoint IS NULL")
    op.execute(f"UPDATE notification SET link_args = {json_object}() WHERE link_args IS NULL")

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('endpoint', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('link_args', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('link')


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link', sa.String(length=300), nullable=False, server_default=''))
        batch_op.drop_column('link_args')
        batch_op.drop_column('endpoint')

    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('repeat_offender_months')
        batch_op.drop_column('repeat_offender_min')
        batch_op.drop_column('review_reminder_days')
        batch_op.drop_column('self_reminder_days')
