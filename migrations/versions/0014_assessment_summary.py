"""The closed months' assessments counted per unit and level (assessment_summary), for the
dashboards and the province ranking; filled here for the months already closed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 04:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# The text of app.evaluation.services.SUMMARY_INSERT, for every closed month (a migration never
# imports the app).
FILL = """
    INSERT INTO assessment_summary (period_id, unit_id, level, assessments, scored, score_tenths,
                                    not_evaluated, waiting)
    SELECT a.period_id, a.unit_id, a.level, COUNT(a.id),
           SUM(CASE WHEN a.status IN ('reviewed', 'closed') AND a.score IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.status IN ('reviewed', 'closed') AND a.score IS NOT NULL
                    THEN a.score ELSE 0 END),
           SUM(CASE WHEN a.status = 'not_evaluated' THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.status IN ('draft', 'self_submitted') THEN 1 ELSE 0 END)
    FROM assessment a WHERE a.period_id IN (SELECT id FROM period WHERE status = 'closed')
    GROUP BY a.period_id, a.unit_id, a.level"""


def upgrade():
    op.create_table(
        'assessment_summary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=2), nullable=True),
        sa.Column('assessments', sa.Integer(), nullable=False),
        sa.Column('scored', sa.Integer(), nullable=False),
        sa.Column('score_tenths', sa.BigInteger(), nullable=False),
        sa.Column('not_evaluated', sa.Integer(), nullable=False),
        sa.Column('waiting', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_assessment_summary_period_id_period')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assessment_summary_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_summary')),
    )
    op.create_index('ix_assessment_summary_period_unit', 'assessment_summary', ['period_id', 'unit_id'],
                    unique=False)
    op.execute(FILL)


def downgrade():
    op.drop_index('ix_assessment_summary_period_unit', table_name='assessment_summary')
    op.drop_table('assessment_summary')
