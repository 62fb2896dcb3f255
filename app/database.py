"""Transactions: services own them; views, commands and jobs never commit."""
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import QueryableAttribute

from app.extensions import db

_depth = ContextVar("transaction_depth", default=0)
P = ParamSpec("P")
R = TypeVar("R")


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
        except BaseException:
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            _depth.reset(token)

    return wrapper


def lookup(query: Select[Any], key_column: ColumnElement[Any] | QueryableAttribute[Any],
           keys: Iterable[Any], limit: int = 5000) -> Sequence[tuple[Any, ...]]:
    """The rows of `query` whose `key_column` (the first column selected) is one of `keys`.

    One statement either way: an IN list for a few keys; for many (databases cap the number of
    parameters, SQLite at 32,766) the whole query, filtered here.
    """
    keys = set(keys)
    if not keys:
        return []
    if len(keys) <= limit:
        return db.session.execute(query.where(key_column.in_(keys))).tuples().all()
    return [row for row in db.session.execute(query).tuples() if row[0] in keys]


def paginate(query: Select[Any], per_page: int | None = None) -> Pagination:
    """A page of `query` (?page= from the request; a bad page number gives the first page)."""
    return db.paginate(query, per_page=per_page or current_app.config["PAGE_SIZE"],
                       error_out=False, max_per_page=200)


def in_check(column: str, choices: Iterable[str], nullable: bool = False) -> str:
    """The SQL of a CHECK constraint keeping `column` among `choices`."""
    listed = f"{column} IN ({', '.join(repr(c) for c in choices)})"
    return f"{column} IS NULL OR {listed}" if nullable else listed
