"""The province view's ranking policy: weights of the composite index (mean score, share of the
top level, satisfaction index, conduct) and its bands, versioned like the other policies.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 03:10:00

"""
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    policy = op.create_table('ranking_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('weight_score', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('weight_excellent', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('weight_satisfaction', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('weight_conduct', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('violation_penalty', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weight_score >= 0 AND weight_excellent >= 0 AND weight_satisfaction >= 0 AND weight_conduct >= 0', name=op.f('ck_ranking_policy_weights')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_policy')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_ranking_policy_effective_from'))
    )
    band = op.create_table('ranking_band',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('min_index', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('label_vi', sa.String(length=120), nullable=False),
    sa.Column('label_en', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['ranking_policy.id'], name=op.f('fk_ranking_band_policy_id_ranking_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_band')),
    sa.UniqueConstraint('policy_id', 'code', name='uq_ranking_band_code')
    )
    with op.batch_alter_table('ranking_band', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_band_policy_id'), ['policy_id'], unique=False)

    # The default: 40 % mean score, 20 % share of A, 25 % satisfaction, 15 % conduct (10 points
    # off per confirmed violation per 100 staff a month); bands Tốt ≥ 85, Khá ≥ 70,
    # Trung bình ≥ 50, Yếu below.
    op.bulk_insert(policy, [{
        'name': 'Chỉ số xếp hạng đơn vị (mặc định)', 'effective_from': date(2000, 1, 1),
        'weight_score': Decimal('0.40'), 'weight_excellent': Decimal('0.20'),
        'weight_satisfaction': Decimal('0.25'), 'weight_conduct': Decimal('0.15'),
        'violation_penalty': Decimal('10.00'),
        'created_at': datetime(2026, 11, 22, tzinfo=UTC)}])
    op.bulk_insert(band, [
        {'policy_id': 1, 'code': 'tot', 'min_index': Decimal('85'), 'label_vi': 'Tốt', 'label_en': 'Good'},
        {'policy_id': 1, 'code': 'kha', 'min_index': Decimal('70'), 'label_vi': 'Khá', 'label_en': 'Fair'},
        {'policy_id': 1, 'code': 'trung_binh', 'min_index': Decimal('50'), 'label_vi': 'Trung bình', 'label_en': 'Average'},
        {'policy_id': 1, 'code': 'yeu', 'min_index': Decimal('0'), 'label_vi': 'Yếu', 'label_en': 'Weak'},
    ])  # the policy above is the table's first row: id 1


def downgrade():
    with op.batch_alter_table('ranking_band', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_band_policy_id'))
    op.drop_table('ranking_band')
    op.drop_table('ranking_policy')
