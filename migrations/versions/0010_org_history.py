"""Organisation history that survives reorganisation: unit successors and retirement, the names a
unit had (effective-dated), the note on an assessment moved by a merge; and every human-text
column of every table normalised to Unicode NFC (set-based: one UPDATE per column, only the rows
that change).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 03:00:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The audit trail is append-only (a trigger refuses updates on PostgreSQL): it keeps what was
# recorded, byte for byte. The migration ledger is not ours to rewrite.
_NOT_NORMALISED = {"audit_event", "alembic_version"}


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('handed_over', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_unit_successor_id'), ['successor_id'], unique=False)
        batch_op.create_foreign_key('fk_unit_successor_id_unit', 'unit', ['successor_id'], ['id'])
    op.create_table(
        'unit_name',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_name_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_name')),
        sa.UniqueConstraint('unit_id', 'valid_from', name='uq_unit_name_unit_from'),
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_note', sa.String(length=500), nullable=True))
    normalise_text()
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search', sa.String(length=340), nullable=False, server_default=""))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, username, display_name FROM user_account")).all()
    if rows:
        bind.execute(sa.text("UPDATE user_account SET search = :search WHERE id = :id"),
                     [{"id": id_, "search": _fold(f"{username} {name}")[:340]}
                      for id_, username, name in rows])


def _fold(value):
    decomposed = unicodedata.normalize("NFKD", value.replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalise_text():
    """NFC in every string column: PostgreSQL's normalize(); on SQLite a Python function."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        nfc = "normalize({col}, NFC)"
    else:
        bind.connection.driver_connection.create_function(
            "congvu_nfc", 1, lambda v: unicodedata.normalize("NFC", v) if isinstance(v, str) else v,
            deterministic=True)
        nfc = "congvu_nfc({col})"
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        if table in _NOT_NORMALISED:
            continue
        for column in inspector.get_columns(table):
            if not isinstance(column["type"], (sa.String, sa.Text)):
                continue
            col = f'"{column["name"]}"'
            expr = nfc.format(col=col)
            op.execute(f'UPDATE "{table}" SET {col} = {expr} WHERE {col} <> {expr}')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('search')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('filing_note')
    op.drop_table('unit_name')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint('fk_unit_successor_id_unit', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_unit_successor_id'))
        batch_op.drop_column('handed_over')
        batch_op.drop_column('retired_on')
        batch_op.drop_column('successor_id')
