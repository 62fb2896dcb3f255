"""Annual results (with reasons), finalised unit years, review cases with their steps and
responses; policy columns for the discipline override and the early warning.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 18:14:54.322141

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('previous_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('proposed_measure', sa.String(length=30), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IS NULL OR decision IN ('dismissal', 'reassignment', 'cleared')", name=op.f('ck_review_case_decision')),
    sa.CheckConstraint("status IN ('open', 'under_review', 'decided')", name=op.f('ck_review_case_status')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_review_case_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_review_case_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_case')),
    sa.UniqueConstraint('staff_id', 'year', name='uq_review_case_staff_year')
    )
    with op.batch_alter_table('review_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_case_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_case_unit_id'), ['unit_id'], unique=False)

    op.create_table('annual_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('maternity_months', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=2), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('demoted_from', sa.String(length=2), nullable=True),
    sa.Column('demotion_reason', sa.Text(), nullable=True),
    sa.Column('demoted_by_id', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('score', 'insufficient_months', 'disciplined', 'imported')", name=op.f('ck_annual_result_reason')),
    sa.ForeignKeyConstraint(['demoted_by_id'], ['user_account.id'], name=op.f('fk_annual_result_demoted_by_id_user_account')),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_annual_result_policy_id_policy')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_annual_result_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_annual_result_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_result')),
    sa.UniqueConstraint('staff_id', 'year', name='uq_annual_result_staff_year')
    )
    with op.batch_alter_table('annual_result', schema=None) as batch_op:
        batch_op.create_index('ix_annual_result_year_unit', ['year', 'unit_id'], unique=False)

    op.create_table('annual_unit_year',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['user_account.id'], name=op.f('fk_annual_unit_year_finalised_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_annual_unit_year_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'year', name=op.f('pk_annual_unit_year'))
    )
    op.create_table('review_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_review_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['review_case.id'], name=op.f('fk_review_event_case_id_review_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_event'))
    )
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_event_case_id'), ['case_id'], unique=False)

    op.create_table('review_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['review_case.id'], name=op.f('fk_review_response_case_id_review_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_response'))
    )
    with op.batch_alter_table('review_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_response_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discipline_min_form', sa.String(length=20), server_default='khien_trach', nullable=False))
        batch_op.add_column(sa.Column('warning_low_months', sa.Integer(), server_default='3', nullable=False))



def downgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('warning_low_months')
        batch_op.drop_column('discipline_min_form')

    with op.batch_alter_table('review_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_response_case_id'))

    op.drop_table('review_response')
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_event_case_id'))

    op.drop_table('review_event')
    op.drop_table('annual_unit_year')
    with op.batch_alter_table('annual_result', schema=None) as batch_op:
        batch_op.drop_index('ix_annual_result_year_unit')

    op.drop_table('annual_result')
    with op.batch_alter_table('review_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_case_unit_id'))
        batch_op.drop_index(batch_op.f('ix_review_case_staff_id'))

    op.drop_table('review_case')
