"""Column types shared by several features."""
from decimal import Decimal

from sqlalchemy import Integer
from sqlalchemy.types import TypeDecorator

TENTH = Decimal("0.1")


class Score(TypeDecorator):
    """A score with one digit after the point, stored as a whole number of tenths.

    Sums and comparisons in SQL are then exact on SQLite as on PostgreSQL (SQLite has no
    decimal type and would add floats): A iff SUM(score) >= 900·n, with no rounding anywhere.
    """

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        tenths = Decimal(value) * 10
        if tenths != tenths.to_integral_value():
            raise ValueError(f"A score has at most one digit after the point: {value}")
        return int(tenths)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 10).quantize(TENTH)


def clamp(value, low, high):
    """`value` kept within low..high."""
    return max(low, min(high, value))


def render_item(type_, obj, autogen_context):
    """Alembic autogenerate: write Score columns as the plain integers they are in the database."""
    if type_ == "type" and isinstance(obj, Score):
        return "sa.Integer()"
    return False
