"""Counting the SQL statements a piece of work sends (for the set-based and bounded-page tests)."""
from sqlalchemy import event


class StatementCounter:
    """`with StatementCounter(engine) as counter: …` then `counter.count`."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1
