"""Citizen feedback: QR targets, ratings, complaints; the policy's minimum ratings for C3.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 18:28:21.616864

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'desk' OR staff_id IS NOT NULL", name=op.f('ck_feedback_target_official_staff')),
    sa.CheckConstraint("kind IN ('official', 'desk')", name=op.f('ck_feedback_target_kind')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_feedback_target_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_feedback_target_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_target')),
    sa.UniqueConstraint('token', name=op.f('uq_feedback_target_token'))
    )
    with op.batch_alter_table('feedback_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_target_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_target_unit_id'), ['unit_id'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=False),
    sa.Column('timeliness', sa.String(length=10), nullable=True),
    sa.Column('guidance', sa.String(length=10), nullable=True),
    sa.Column('attitude', sa.String(length=12), nullable=True),
    sa.Column('receipt_code', sa.String(length=40), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('comment_hidden', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('idempotency_token', sa.String(length=64), nullable=False),
    sa.Column('client_hash', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("attitude IS NULL OR attitude IN ('friendly', 'unfriendly', 'harassment')", name=op.f('ck_rating_attitude')),
    sa.CheckConstraint("guidance IS NULL OR guidance IN ('clear', 'unclear')", name=op.f('ck_rating_guidance')),
    sa.CheckConstraint("rating IN ('very_satisfied', 'satisfied', 'dissatisfied')", name=op.f('ck_rating_rating')),
    sa.CheckConstraint("timeliness IS NULL OR timeliness IN ('on_time', 'late')", name=op.f('ck_rating_timeliness')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_rating_staff_id_staff')),
    sa.ForeignKeyConstraint(['target_id'], ['feedback_target.id'], name=op.f('fk_rating_target_id_feedback_target')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_rating_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('idempotency_token', name=op.f('uq_rating_idempotency_token')),
    sa.UniqueConstraint('receipt_code', name=op.f('uq_rating_receipt_code'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index('ix_rating_staff_period', ['staff_id', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_target_id'), ['target_id'], unique=False)
        batch_op.create_index('ix_rating_unit_period', ['unit_id', 'period'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=20), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_complaint_status')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_complaint_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_complaint_rating_id_rating')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_complaint_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_complaint_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_complaint_rating_id')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_complaint_tracking_code'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('satisfaction_min_ratings', sa.Integer(), server_default='5', nullable=False))



def downgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('satisfaction_min_ratings')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_unit_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_staff_id'))

    op.drop_table('complaint')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_unit_period')
        batch_op.drop_index(batch_op.f('ix_rating_target_id'))
        batch_op.drop_index('ix_rating_staff_period')

    op.drop_table('rating')
    with op.batch_alter_table('feedback_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_target_unit_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_target_staff_id'))

    op.drop_table('feedback_target')
