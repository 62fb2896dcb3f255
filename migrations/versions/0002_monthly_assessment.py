"""Monthly assessment: versioned policies and frameworks (seeded with the defaults), periods,
assessments with copied criteria, objections. Scores are stored as whole tenths.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:02:33.950444

"""
from alembic import op
import sqlalchemy as sa

from app.evaluation.defaults import insert_defaults


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('framework',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('for_heads', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework')),
    sa.UniqueConstraint('code', 'effective_from', name='uq_framework_code_from')
    )
    op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('total_max', sa.Integer(), nullable=False),
    sa.Column('open_day', sa.Integer(), nullable=False),
    sa.Column('self_due_day', sa.Integer(), nullable=False),
    sa.Column('review_due_day', sa.Integer(), nullable=False),
    sa.Column('close_day', sa.Integer(), nullable=False),
    sa.Column('objection_days', sa.Integer(), nullable=False),
    sa.Column('excellent_quota_ratio', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('min_months', sa.Integer(), nullable=False),
    sa.Column('consecutive_years', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_policy_effective_from'))
    )
    op.create_table('framework_category',
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_category_framework_id_framework')),
    sa.PrimaryKeyConstraint('framework_id', 'category', name=op.f('pk_framework_category'))
    )
    op.create_table('framework_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('group_code', sa.String(length=20), nullable=False),
    sa.Column('name_vi', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('auto_source', sa.String(length=30), nullable=True),
    sa.Column('auto_param', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_criterion_framework_id_framework')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_criterion')),
    sa.UniqueConstraint('framework_id', 'code', name='uq_framework_criterion_code')
    )
    with op.batch_alter_table('framework_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_criterion_framework_id'), ['framework_id'], unique=False)

    op.create_table('period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=7), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('self_due_on', sa.Date(), nullable=True),
    sa.Column('review_due_on', sa.Date(), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_period_status')),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_period_policy_id_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period')),
    sa.UniqueConstraint('code', name=op.f('uq_period_code'))
    )
    op.create_table('policy_band',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=2), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('label_vi', sa.String(length=120), nullable=False),
    sa.Column('label_en', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_policy_band_policy_id_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_band')),
    sa.UniqueConstraint('policy_id', 'level', name='uq_policy_band_level')
    )
    with op.batch_alter_table('policy_band', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_band_policy_id'), ['policy_id'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=True),
    sa.Column('is_head', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('self_report', sa.Text(), nullable=False),
    sa.Column('self_total', sa.Integer(), nullable=True),
    sa.Column('self_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_without_self', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=2), nullable=True),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'self_submitted', 'reviewed', 'closed', 'not_evaluated')", name=op.f('ck_assessment_status')),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_assessment_framework_id_framework')),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_assessment_period_id_period')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_assessment_reviewer_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_assessment_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assessment_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    sa.UniqueConstraint('staff_id', 'period_id', name='uq_assessment_staff_period')
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_period_status', ['period_id', 'status'], unique=False)
        batch_op.create_index('ix_assessment_period_unit', ['period_id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_staff_id'), ['staff_id'], unique=False)

    op.create_table('assessment_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('group_code', sa.String(length=20), nullable=False),
    sa.Column('name_vi', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('auto_source', sa.String(length=30), nullable=True),
    sa.Column('auto_param', sa.Integer(), nullable=True),
    sa.Column('self_score', sa.Integer(), nullable=True),
    sa.Column('head_score', sa.Integer(), nullable=True),
    sa.Column('suggested_score', sa.Integer(), nullable=True),
    sa.Column('suggestion_note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_criterion_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_criterion')),
    sa.UniqueConstraint('assessment_id', 'code', name='uq_assessment_criterion_code')
    )
    with op.batch_alter_table('assessment_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_criterion_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_objection_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_objection_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_objection_assessment_id'))
    )

    insert_defaults(op.get_bind())

def downgrade():
    op.drop_table('objection')
    with op.batch_alter_table('assessment_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_criterion_assessment_id'))

    op.drop_table('assessment_criterion')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_staff_id'))
        batch_op.drop_index('ix_assessment_period_unit')
        batch_op.drop_index('ix_assessment_period_status')

    op.drop_table('assessment')
    with op.batch_alter_table('policy_band', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_band_policy_id'))

    op.drop_table('policy_band')
    op.drop_table('period')
    with op.batch_alter_table('framework_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_criterion_framework_id'))

    op.drop_table('framework_criterion')
    op.drop_table('framework_category')
    op.drop_table('policy')
    op.drop_table('framework')
