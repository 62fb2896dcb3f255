"""Transactions: services own them; views, commands and jobs never commit. And the statements
whose plans cannot go wrong, for the batch work: INSERT … ON CONFLICT DO NOTHING instead of an
anti join against the table being written, a lock per batch operation, fresh statistics after it."""
import itertools
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import wraps
from select import select as select_fd
from typing import Any, ParamSpec, TypeVar

import psycopg
from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from psycopg.pq import ExecStatus, PipelineStatus, TransactionStatus
from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    Select,
    String,
    Table,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import Pool
from sqlalchemy.sql.visitors import InternalTraversal

from app.errors import StaleError
from app.extensions import db
from app.text import fold

_depth = ContextVar("transaction_depth", default=0)
_staging_names = itertools.count(1)
P = ParamSpec("P")
R = TypeVar("R")


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current transaction commits (never if it rolls back): removing a
    file that a deleted row pointed to, for instance."""
    db.session.info.setdefault("after_commit", []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for action in session.info.pop("after_commit", []):
        action()


@event.listens_for(Session, "after_rollback")
def _forget_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service in one transaction: commit on success, roll back on any error.

    A service called from another service joins the outer transaction, so a
    page, a command or a job that calls several services still commits once.
    """

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = _depth.get()
        token = _depth.set(depth + 1)
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                db.session.commit()
            return result
        except StaleDataError:
            # Two people saved the same object at once: the second is told, nothing is written.
            if depth == 0:
                db.session.rollback()
            raise StaleError(_("Dữ liệu vừa được người khác cập nhật. Trang đã được tải lại với "
                               "dữ liệu mới nhất; hãy kiểm tra và lưu lại.")) from None
        except BaseException:
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            _depth.reset(token)

    return wrapper


# A command line's progress bar (app.cli.progress): called with the units of work just done.
_progress: ContextVar[Callable[[int], None] | None] = ContextVar("progress", default=None)


def progress(done: int = 1) -> None:
    """Report `done` more units of a long batch (rows read, steps done); a no-op unless a
    command line shows a progress bar."""
    report = _progress.get()
    if report is not None:
        report(done)


@contextmanager
def reporting_progress(report: Callable[[int], None]) -> Iterator[None]:
    """While inside, progress() calls `report`."""
    token = _progress.set(report)
    try:
        yield
    finally:
        _progress.reset(token)


# ---------------------------------------------------------------- connections (PostgreSQL)

@event.listens_for(Engine, "rollback")
def _rollback_keeping_prepared(conn: Connection) -> None:
    """Roll a healthy PostgreSQL transaction back on the wire ourselves, so psycopg keeps its
    prepared statements.

    Every request ends with a rollback (the session is closed at teardown), and psycopg 3 forgets
    every statement it prepared on each `rollback()` (a guard for pipeline mode, where a failed
    batch may have skipped a PREPARE; this app does not use pipelines). So no statement of a page
    was ever prepared: each request parsed and planned all of them again, 1–2 ms of the server's
    CPU on the 2 cores gunicorn shares with it. With the plain ROLLBACK sent here, psycopg finds
    the connection idle and has nothing to roll back or forget; statements run five times on a
    connection are prepared and PostgreSQL reuses their plans. A transaction in error, a pipeline
    or a broken connection is left to psycopg, which then rolls back and forgets as before."""
    if conn.closed or conn.invalidated:
        return
    driver = conn.connection.driver_connection
    pgconn = getattr(driver, "pgconn", None)  # psycopg only
    if (pgconn is None or pgconn.transaction_status != TransactionStatus.INTRANS
            or pgconn.pipeline_status != PipelineStatus.OFF):
        return
    with suppress(psycopg.Error):
        pgconn.exec_(b"ROLLBACK")  # should it fail, psycopg's own rollback runs and raises


def constant(word: str) -> ColumnElement[str]:
    """A fixed word of a statement (a status, a kind) written into its SQL, not sent as a parameter.

    For a statement run on every request: PostgreSQL plans a prepared statement once for all
    parameters (its generic plan) only if that plan looks no worse than the ones made for the values
    at hand, and with `status = $1` it must guess how many rows any status has — a third of the
    periods instead of the one open month — so it kept planning afresh on every call."""
    if not word.replace("_", "").replace("-", "").isalnum() or not word.isascii():
        raise ValueError(f"not a plain word: {word!r}")
    return literal_column(f"'{word}'", String)


# A pooled PostgreSQL connection is asked whether it is alive only when in doubt: when it has been
# idle this long (a firewall or a failover may have dropped it without a word), or when the server
# has written to it while it sat in the pool (a terminated backend or a server shutting down sends
# its FATAL message and closes the socket). Pinging on every checkout (pool_pre_ping) cost every
# request one more round trip to the database that shares the application's two cores.
PING_AFTER_IDLE_SECONDS = 30.0


@event.listens_for(Pool, "connect")
@event.listens_for(Pool, "checkin")
def _note_idle(dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_when_in_doubt(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Hand out a live connection: a dead one is replaced by a new one (the pool's documented
    DisconnectionError), so the request that follows a database restart still succeeds."""
    pgconn = getattr(dbapi_connection, "pgconn", None)  # psycopg only (SQLite's file does not go away)
    if pgconn is None:
        return
    idle = time.monotonic() - record.info.get("idle_since", 0.0)
    if idle < PING_AFTER_IDLE_SECONDS and not _server_has_spoken(pgconn):
        return
    if not _answers(pgconn):
        raise DisconnectionError("the PostgreSQL connection is gone")


def _server_has_spoken(pgconn: Any) -> bool:
    """True when something waits to be read on an idle connection (or it has no socket left)."""
    try:
        readable, _writable, _errors = select_fd([pgconn.socket], [], [], 0)
    except (psycopg.Error, OSError, ValueError):
        return True
    return bool(readable)


def _answers(pgconn: Any) -> bool:
    """One `SELECT 1` on the idle connection, outside any transaction."""
    try:
        return bool(pgconn.exec_(b"SELECT 1").status == ExecStatus.TUPLES_OK)
    except psycopg.Error:
        return False


class _ForDialect(ColumnElement[Any]):
    """One condition written two ways, the database's own chosen when the statement is compiled."""

    inherit_cache = True
    _traverse_internals = [("default", InternalTraversal.dp_clauseelement),
                           ("postgresql", InternalTraversal.dp_clauseelement)]

    def __init__(self, default: ColumnElement[Any], postgresql: ColumnElement[Any]) -> None:
        self.default = default
        self.postgresql = postgresql
        self.type = default.type
        # A condition is one already: without this, SQLAlchemy writes it `(…) = 1` in a WHERE on
        # SQLite (no native boolean), which hides its column comparisons from the planner (the
        # team's list read the whole month through (period, unit) instead of the team's units).
        self._is_implicitly_boolean = default._is_implicitly_boolean


@compiles(_ForDialect)
def _compile_default(element: _ForDialect, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.default, **kw)})"  # whatever surrounds it


@compiles(_ForDialect, "postgresql")
def _compile_postgresql(element: _ForDialect, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.postgresql, **kw)})"


def for_dialect(default: ColumnElement[Any], postgresql: ColumnElement[Any]) -> ColumnElement[Any]:
    """`postgresql` on PostgreSQL, `default` elsewhere: the same rows, each written as its planner
    reads best (a test runs the statement on both databases)."""
    return _ForDialect(default, postgresql)


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_missing(model: Any, keys: Sequence[str]) -> Any:
    """`INSERT … ON CONFLICT (keys) DO NOTHING` into `model`: rows whose key is already there are
    skipped by the unique index itself, so the plan never depends on what the statistics know of
    the table being written (an anti join against it can turn quadratic on PostgreSQL)."""
    dialect = postgresql if is_postgresql() else sqlite
    return dialect.insert(model).on_conflict_do_nothing(index_elements=list(keys))


def lock(name: str) -> None:
    """Serialise a batch operation (open, close, flag…) across processes and hosts until the
    transaction ends: a PostgreSQL advisory lock; SQLite already admits one writer at a time."""
    if is_postgresql():
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": zlib.crc32(f"congvu:{name}".encode())})


def analyze(*tables: str) -> None:
    """Fresh planner statistics for tables a batch has just changed materially (PostgreSQL's
    autovacuum would get there later; the next statement of the same job should not wait)."""
    if is_postgresql():
        for table in tables:
            db.session.execute(text(f"ANALYZE {table}"))


def max_id(model: Any) -> int:
    """The highest id so far (0 for an empty table): rows inserted after it have larger ids."""
    return db.session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0


def lookup(query: Select[Any], key_column: ColumnElement[Any] | QueryableAttribute[Any],
           keys: Iterable[Any], limit: int = 5000) -> Sequence[tuple[Any, ...]]:
    """The rows of `query` whose `key_column` (the first column selected) is one of `keys`.

    A fixed number of statements either way, and only the matching rows come back: an IN list
    for a few keys; for many (databases cap the number of parameters, SQLite at 32,766) the keys
    go into a temporary table the query is joined with.
    """
    keys = set(keys)
    if not keys:
        return []
    if len(keys) <= limit:
        return db.session.execute(query.where(key_column.in_(keys))).tuples().all()
    staged = Table(f"lookup_keys_{next(_staging_names)}", MetaData(),
                   Column("key", key_column.type, primary_key=True), prefixes=["TEMPORARY"])
    connection = db.session.connection()
    staged.create(connection)
    try:
        connection.execute(insert(staged), [{"key": key} for key in keys])
        return db.session.execute(query.where(key_column.in_(select(staged.c.key)))).tuples().all()
    finally:
        staged.drop(connection)


MAX_PAGE = 100_000  # far beyond any list; a larger ?page= is a probe, not a reader


def paginate(query: Select[Any], per_page: int | None = None) -> Pagination:
    """A page of `query` (?page= from the request; a malformed one gives the first page, one
    beyond any list a 404 before any query)."""
    page = request.args.get("page", 1, type=int)
    if page is not None and page > MAX_PAGE:
        abort(404)
    return db.paginate(query, per_page=per_page or current_app.config["PAGE_SIZE"],
                       error_out=False, max_per_page=200)


class _Fetched(Pagination):
    """A page whose rows and list length `fetch(limit, offset)` gives, in one go."""

    def _query_items(self) -> list[Any]:
        items, self._total = self._query_args["fetch"](self.per_page, self._query_offset)
        return list(items)

    def _query_count(self) -> int:
        return int(self._total)


def paginate_rows(fetch: Callable[[int, int], tuple[Iterable[Any], int]],
                  per_page: int | None = None) -> Pagination:
    """Like paginate(), for a statement built once with :limit and :offset parameters (no new
    statement per request) that tells the list's length itself, or a list already counted:
    `fetch(limit, offset)` gives (the page's rows, the list's length); no count query."""
    page = request.args.get("page", 1, type=int)
    if page is not None and page > MAX_PAGE:
        abort(404)
    return _Fetched(per_page=per_page or current_app.config["PAGE_SIZE"], error_out=False,
                    max_per_page=200, fetch=fetch)


def in_check(column: str, choices: Iterable[str], nullable: bool = False) -> str:
    """The SQL of a CHECK constraint keeping `column` among `choices`."""
    listed = f"{column} IN ({', '.join(repr(c) for c in choices)})"
    return f"{column} IS NULL OR {listed}" if nullable else listed


def folded_match(column: Any, term: str) -> Any:
    """`column` (a folded search column, app.text.fold) contains `term` typed with or without accents."""
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")
