"""The work results ledger (Decree 335, SPEC §2a): product catalogue, tasks with their history
and evidence files, integration tokens for the task-assignment software; the policy's deductions
per return and per late delivery, and whether a head's T1–T3 include their unit's tasks.

Coefficients are stored as whole thousandths (integers), so sums are exact on every database.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 00:31:05.629550

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name_vi', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=False),
    sa.Column('measure', sa.String(length=50), nullable=False),
    sa.Column('coefficient', sa.Integer(), nullable=False),
    sa.Column('default_days', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('coefficient > 0', name=op.f('ck_task_product_coefficient')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_task_product_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_product')),
    sa.UniqueConstraint('code', 'effective_from', name='uq_task_product_code_from')
    )
    with op.batch_alter_table('task_product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_product_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_product_unit_id'), ['unit_id'], unique=False)

    op.create_table('integration_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_integration_token_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_integration_token_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_integration_token_token_hash'))
    )
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assigner_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('coefficient', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('external_ref', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('returns', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('exempt_returns', sa.Integer(), nullable=False),
    sa.Column('exempt_late', sa.Integer(), nullable=False),
    sa.Column('cancel_reason', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('assigned', 'submitted', 'accepted', 'returned', 'cancelled')", name=op.f('ck_task_status')),
    sa.CheckConstraint('coefficient > 0 AND quantity > 0', name=op.f('ck_task_weight')),
    sa.CheckConstraint('due_on >= assigned_on', name=op.f('ck_task_dates')),
    sa.CheckConstraint('exempt_returns <= returns AND exempt_late <= late AND exempt_returns >= 0 AND exempt_late >= 0', name=op.f('ck_task_counts')),
    sa.ForeignKeyConstraint(['assigner_id'], ['user_account.id'], name=op.f('fk_task_assigner_id_user_account')),
    sa.ForeignKeyConstraint(['product_id'], ['task_product.id'], name=op.f('fk_task_product_id_task_product')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_task_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_task_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_task_external_ref'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_due_staff', ['due_on', 'staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_task_staff_due', ['staff_id', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_unit_id'), ['unit_id'], unique=False)

    op.create_table('task_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_task_file_unit_id_unit')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_task_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_file')),
    sa.UniqueConstraint('filename', name=op.f('uq_task_file_filename'))
    )
    op.create_table('task_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('old_due', sa.Date(), nullable=True),
    sa.Column('new_due', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('assigned', 'submitted', 'accepted', 'returned', 'extended', 'exempt_return', 'exempt_delay', 'cancelled', 'imported')", name=op.f('ck_task_event_kind')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_task_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['file_id'], ['task_file.id'], name=op.f('fk_task_event_file_id_task_file')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_event_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_event'))
    )
    with op.batch_alter_table('task_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_event_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quality_deduction', sa.Numeric(precision=4, scale=2), server_default='0.25', nullable=False))
        batch_op.add_column(sa.Column('progress_deduction', sa.Numeric(precision=4, scale=2), server_default='0.25', nullable=False))
        batch_op.add_column(sa.Column('head_includes_unit', sa.Boolean(), server_default=sa.true(), nullable=False))

    # T1–T3 of the seeded Decree 335 frameworks are now computed from the ledger. Assessments
    # already created keep their copies (past scores never change).
    op.execute(sa.text("UPDATE framework_criterion SET auto_source = 'tasks' "
                       "WHERE code IN ('T1', 'T2', 'T3') AND auto_source IS NULL AND framework_id IN "
                       "(SELECT id FROM framework WHERE code IN ('ND335', 'ND335-LD'))"))



def downgrade():
    op.execute(sa.text("UPDATE framework_criterion SET auto_source = NULL "
                       "WHERE code IN ('T1', 'T2', 'T3') AND auto_source = 'tasks'"))
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('head_includes_unit')
        batch_op.drop_column('progress_deduction')
        batch_op.drop_column('quality_deduction')

    with op.batch_alter_table('task_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_event_task_id'))

    op.drop_table('task_event')
    op.drop_table('task_file')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_unit_id'))
        batch_op.drop_index('ix_task_staff_due')
        batch_op.drop_index(batch_op.f('ix_task_product_id'))
        batch_op.drop_index('ix_task_due_staff')

    op.drop_table('task')
    op.drop_table('integration_token')
    with op.batch_alter_table('task_product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_product_unit_id'))
        batch_op.drop_index(batch_op.f('ix_task_product_code'))

    op.drop_table('task_product')
