"""Accent-insensitive search: `unit.search` and `staff.search` hold the folded code and name
("huong" finds "Hương"), kept by the models on every insert and update; filled here for the rows
that exist.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 02:42:44.567900

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _fold(value):
    decomposed = unicodedata.normalize("NFKD", value.replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()[:320]


def upgrade():
    for table, name in (("unit", "name"), ("staff", "full_name")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search', sa.String(length=320), nullable=False, server_default=""))
        bind = op.get_bind()
        rows = bind.execute(sa.text(f"SELECT id, code, {name} FROM {table}")).all()
        if rows:
            bind.execute(sa.text(f"UPDATE {table} SET search = :search WHERE id = :id"),
                         [{"id": id_, "search": _fold(f"{code} {text}")} for id_, code, text in rows])


def downgrade():
    for table in ("unit", "staff"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search')
