"""Kiosk devices (issue 16): a tablet registered by hr_admin for one desk, with a token of its
own; ratings remember the kiosk they came from.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 03:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kiosk_device',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('registered_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'],
                                name=op.f('fk_kiosk_device_registered_by_id_user_account')),
        sa.ForeignKeyConstraint(['target_id'], ['feedback_target.id'],
                                name=op.f('fk_kiosk_device_target_id_feedback_target')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_kiosk_device_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_device')),
        sa.UniqueConstraint('token', name=op.f('uq_kiosk_device_token')),
    )
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_device_target_id'), ['target_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kiosk_device_unit_id'), ['unit_id'], unique=False)
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kiosk_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_rating_kiosk_id'), ['kiosk_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_rating_kiosk_id_kiosk_device'), 'kiosk_device',
                                    ['kiosk_id'], ['id'])


def downgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rating_kiosk_id_kiosk_device'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_rating_kiosk_id'))
        batch_op.drop_column('kiosk_id')
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_device_unit_id'))
        batch_op.drop_index(batch_op.f('ix_kiosk_device_target_id'))
    op.drop_table('kiosk_device')
