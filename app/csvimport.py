"""Reading the import files of SPEC §9: UTF-8 CSV with a header row, checked row by row.

A reader never writes: it returns rows or raises ImportRejected with every bad
line, so that a file with one bad row imports nothing.

Large files go through `stage`: the rows stream into a temporary table of the database (COPY on
PostgreSQL, one executemany on SQLite) and are checked there with set-based SQL, so the file is
never held whole in Python and the statement count does not depend on its length.
"""
import csv
import io
import itertools
import operator
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any, TypeVar, cast
from unicodedata import is_normalized

from flask_babel import gettext as _
from sqlalchemy import Column, Integer, MetaData, Row, Table, Text, TextClause, bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeEngine

from app.database import analyze, is_postgresql, progress
from app.errors import DomainError
from app.extensions import db
from app.text import CONTROL, nfc

MAX_FIELD = 1000
PROGRESS_EVERY = 1000  # rows between two reports to a progress bar

Source = bytes | str | IO[bytes]
T = TypeVar("T")
_names = itertools.count(1)


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Dòng %(line)d: %(message)s", line=self.line, message=self.message)


class ImportRejected(DomainError):
    """The file was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("Tệp bị từ chối: %(count)d lỗi; không có dòng nào được nhập.", count=len(errors)))
        self.errors = errors


def _text_stream(source: Source) -> IO[str]:
    if isinstance(source, str):
        return io.StringIO(source[1:] if source.startswith("\ufeff") else source, newline="")
    binary = io.BytesIO(source) if isinstance(source, bytes) else source
    return io.TextIOWrapper(cast(Any, binary), encoding="utf-8-sig", newline="")


def _bad_encoding_line(source: Source) -> int:
    """The line of the first byte that is not UTF-8 (the file is read again, line by line)."""
    binary = io.BytesIO(source) if isinstance(source, bytes) else cast(IO[bytes], source)
    binary.seek(0)
    for number, raw in enumerate(binary, start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 1  # pragma: no cover - the decoder failed, so some line does


def iter_rows(source: Source, columns: Sequence[str], errors: list[RowError]
              ) -> Iterator[tuple[int, list[str]]]:
    """Stream a CSV file: yields (line number, cells in the order of `columns`), NFC, stripped.

    A bad header, an empty file or bytes that are not UTF-8 raise ImportRejected at once; a bad
    line (cell count, length, control characters, CSV syntax) is appended to `errors` and skipped.
    """
    return _records(source, columns, errors, lambda line, cells: (line, cells))


def _records(source: Source, columns: Sequence[str], errors: list[RowError],
             record: Callable[[int, list[str]], T], counted: list[int] | None = None) -> Iterator[T]:
    """iter_rows' loop, yielding record(line, cells); `counted[0]`: the good lines so far, with a
    progress() report every PROGRESS_EVERY of them. One generator and a few C-level calls per
    line: an import streams 200,000 of them."""
    stream = _text_stream(source)
    reader = csv.reader(stream)
    count = 0
    try:
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            raise ImportRejected([RowError(1, _("Tệp trống hoặc không có dòng tiêu đề."))]) from None
        header = [nfc(name.strip()) for name in header]
        missing = [name for name in columns if name not in header]
        unknown = [name for name in header if name not in columns]
        if missing or unknown or len(set(header)) != len(header):
            raise ImportRejected([RowError(1, _(
                "Dòng tiêu đề phải gồm đúng các cột: %(expected)s.", expected=",".join(columns)))])
        order = [header.index(name) for name in columns]
        width = len(header)
        # The columns in the file's order need no reordering; else one C-level pick (≥ 2 columns).
        pick = None if order == list(range(width)) else operator.itemgetter(*order)
        join, strip, control = "".join, str.strip, CONTROL.search
        # The checks below run on the line's cells joined into one string (one C-level pass
        # each, not one per cell): blank, length, control characters, already NFC (a part of
        # an NFC text is NFC: cells are normalised one by one only when the line is not).
        try:
            for values in reader:
                joined = join(values)
                if not joined or joined.isspace():
                    continue  # blank lines are harmless
                if len(values) != width:
                    errors.append(RowError(reader.line_num, _(
                        "Có %(found)d cột, cần %(expected)d cột.", found=len(values), expected=width)))
                    continue
                if len(joined) > MAX_FIELD and max(map(len, values)) > MAX_FIELD:
                    errors.append(RowError(reader.line_num, _(
                        "Có giá trị dài quá %(max)d ký tự.", max=MAX_FIELD)))
                    continue
                if control(joined):
                    errors.append(RowError(reader.line_num, _(
                        "Có ký tự điều khiển (không in được) trong dòng.")))
                    continue
                cells = list(map(strip, values if pick is None else pick(values)))
                if not (joined.isascii() or is_normalized("NFC", joined)):
                    cells = list(map(nfc, cells))
                count += 1
                if not count % PROGRESS_EVERY:
                    progress(PROGRESS_EVERY)  # rows read, for a command line's progress bar
                yield record(reader.line_num, cells)
        except csv.Error:
            errors.append(RowError(reader.line_num, _("Dòng CSV không đúng định dạng.")))
    except UnicodeDecodeError:
        line = _bad_encoding_line(source)
        raise ImportRejected([RowError(line, _("Tệp không đúng mã hóa UTF-8."))]) from None
    finally:
        if isinstance(stream, io.TextIOWrapper) and not isinstance(source, bytes):
            stream.detach()  # the caller's file stays open (and is closed by the caller)
        if counted is not None:
            counted[0] = count
    progress(count % PROGRESS_EVERY)


def read_rows(data: Source, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Decode and split a small CSV file: [(line_number, row dict)] or raises ImportRejected."""
    errors: list[RowError] = []
    rows = [(line, dict(zip(columns, cells, strict=True)))
            for line, cells in iter_rows(data, columns, errors)]
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([RowError(2, _("Tệp không có dòng dữ liệu nào."))])
    return rows


# ---------------------------------------------------------------- staging in the database

class Staged:
    """A CSV file in a temporary table `name`: `line` and one TEXT column per CSV column (plus
    the derived columns of `stage`), for set-based checks and one INSERT … SELECT per table."""

    def __init__(self, table: Table, rows: int) -> None:
        self.table, self.rows, self.name = table, rows, table.name

    def sql(self, statement: str) -> TextClause:
        """A statement over the staged rows: `{rows}` stands for the temporary table."""
        return text(statement.replace("{rows}", self.name))

    def errors(self, statement: str, message: Callable[..., str], **params: Any) -> list[RowError]:
        """One RowError per row `statement` returns: (line, *values) → message(*values); the
        message (and its translated labels) is built for the bad rows only."""
        return [RowError(line, message(*values))
                for line, *values in db.session.execute(self.sql(statement), params).tuples()]

    def problems(self, statement: str, checks: Sequence[Callable[[Row[Any]], str | None]],
                 **params: Any) -> list[RowError]:
        """Every problem of the staged rows in one pass: `statement` returns the rows that have
        any (`line` among its columns), each check turns a row into its message or None; the
        errors come by line (sorted here: only the bad rows, not the whole file, are sorted),
        a line's in the order of `checks`, and are built for the bad rows only."""
        return sorted((RowError(row.line, message)
                       for row in db.session.execute(self.sql(statement), params)
                       for message in (check(row) for check in checks) if message),
                      key=lambda error: error.line)

    def drop(self) -> None:
        db.session.execute(text(f"DROP TABLE IF EXISTS {self.name}"))


def temporary_table(prefix: str, columns: Sequence[Column[Any]]) -> Table:
    """A temporary table created now, on the session's connection (dropped by the caller)."""
    table = Table(f"{prefix}_{next(_names)}", MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(db.session.connection())
    return table


def stage(source: Source, columns: Sequence[str],
          derived: Sequence[tuple[str, TypeEngine[Any], Callable[[list[str]], Any]]] = ()) -> Staged:
    """Stream `source` into a temporary table; raises ImportRejected (nothing kept) on a bad
    file or bad lines. `derived`: (name, type, fn(cells)) columns computed while streaming, for
    checks SQL cannot do (an e-mail address's syntax). Memory stays flat whatever the size."""
    table = temporary_table("import_rows", [
        Column("line", Integer, primary_key=True),
        *(Column(name, Text, nullable=False) for name in columns),
        *(Column(name, kind) for name, kind, _fn in derived)])
    errors: list[RowError] = []
    counted = [0]
    derive = [fn for _name, _kind, fn in derived]
    # The row for the load as one tuple, without a loop over `derived` per line for the usual
    # one to three derived columns.
    record: Callable[[int, list[str]], tuple[Any, ...]]
    if not derive:
        record = lambda line, cells: (line, *cells)  # noqa: E731
    elif len(derive) == 1:
        first_fn = derive[0]
        record = lambda line, cells: (line, *cells, first_fn(cells))  # noqa: E731
    elif len(derive) == 2:
        first_fn, second_fn = derive
        record = lambda line, cells: (line, *cells, first_fn(cells), second_fn(cells))  # noqa: E731
    elif len(derive) == 3:
        first_fn, second_fn, third_fn = derive
        record = lambda line, cells: (line, *cells, first_fn(cells), second_fn(cells), third_fn(cells))  # noqa: E731
    else:
        record = lambda line, cells: (line, *cells, *[fn(cells) for fn in derive])  # noqa: E731

    names = ["line", *columns, *(name for name, _kind, _fn in derived)]
    stream = _records(source, columns, errors, record, counted)
    try:
        first = next(stream, None)  # a bad header or an empty file is refused before any write
        _load(table.name, names, itertools.chain([first] if first else [], stream))
    except ImportRejected:
        if db.session.get_bind().dialect.name != "postgresql":
            db.session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        raise  # on PostgreSQL an interrupted COPY ends the transaction: its rollback drops the table
    staged = Staged(table, counted[0])
    if errors or not counted[0]:
        staged.drop()
        raise ImportRejected(errors or [RowError(2, _("Tệp không có dòng dữ liệu nào."))])
    return staged


def _load(name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows into the table `name` in one statement: COPY on PostgreSQL, executemany on SQLite
    (both consume `rows` lazily); on PostgreSQL the table is then analysed."""
    connection = db.session.connection()
    driver = cast(Any, connection.connection).driver_connection
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(
                f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Autovacuum never analyses a temporary table: without this the planner takes the
        # file for two rows and joins it by nested loops (70 million comparisons at 200,000).
        analyze(name)
    else:
        marks = ", ".join("?" for _c in columns)
        driver.cursor().executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)  # nosec B608


def staged_values(staged: Staged, column: str | Sequence[str], parse: Callable[[str], dict[str, Any]],
                  columns: Sequence[Column[Any]]) -> Table:
    """The distinct values of a staged column (or of several, together), each parsed once in
    Python: a temporary table (value, error, *columns) — `parse` returns the columns' values or
    raises DomainError (its message becomes `error`). For columns with few distinct values
    (months, scores, dates, counts)."""
    table = temporary_table("import_values", [
        Column("value", Text, primary_key=True), Column("error", Text), *columns])
    dialect = db.session.get_bind().dialect
    # Values as the column types store them (e.g. a score in whole tenths), for the raw load.
    processors = [c.type.bind_processor(dialect) or (lambda v: v) for c in columns]
    names = [c.name for c in columns]
    union = " UNION ".join(f"SELECT DISTINCT {name} FROM {{rows}}" for name in  # nosec B608
                           ([column] if isinstance(column, str) else column))
    distinct = db.session.execute(staged.sql(union)).scalars().all()

    def rows() -> Iterator[tuple[Any, ...]]:
        for value in distinct:
            try:
                parsed = parse(value)
            except DomainError as exc:
                yield (value, exc.message, *(None for _n in names))
                continue
            yield (value, None, *(None if parsed.get(name) is None else process(parsed[name])
                                  for name, process in zip(names, processors, strict=True)))

    _load(table.name, ["value", "error", *names], rows())
    return table


def analyze_if_material(written: int, *tables: str) -> None:
    """ANALYZE (PostgreSQL) the tables an import wrote `written` rows into, when that is a material
    change: at least a tenth of the rows the planner knew of (autovacuum's own threshold), or a
    table never analysed. A month of results added to years of them is not; the first staff file
    into an empty table is. One statement to read the estimates, one per table analysed."""
    if not tables or not is_postgresql():
        return
    known = dict(db.session.execute(text(
        "SELECT relname, reltuples FROM pg_class WHERE relname IN :names AND relkind = 'r'"
    ).bindparams(bindparam("names", expanding=True)), {"names": list(tables)}).tuples().all())
    analyze(*(table for table in tables if known.get(table, -1) < 0 or written * 10 >= known[table]))


def drop(*tables: Table | Staged) -> None:
    for table in tables:
        db.session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


def write_unless_repeated(write: Callable[[], T], thorough: Callable[[], list[RowError]],
                          *tables: Table | Staged) -> T:
    """`write` (an import's INSERT … SELECT) in a savepoint. The checks before it leave the file's
    repeats (and rows already in the system) to the unique index the INSERT probes anyway, instead
    of grouping the whole file to find them: if the INSERT breaks the index, it is rolled back,
    and `thorough` (every check, those included) names each problem with its line."""
    try:
        with db.session.begin_nested():
            return write()
    except IntegrityError:
        errors = thorough()
        if not errors:
            raise
    drop(*tables)
    raise ImportRejected(errors)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RowChecker:
    """Collects the problems of one row; field parsers return None when the value is bad."""

    def __init__(self, line: int, errors: list[RowError]) -> None:
        self.line = line
        self.errors = errors

    def error(self, message: str) -> Any:  # None, for the parsers' `return self.error(...)`
        self.errors.append(RowError(self.line, message))
        return None

    def required(self, value: str, label: str) -> str | None:
        if not value:
            return self.error(_("Thiếu %(field)s.", field=label))
        return value

    def date(self, value: str, label: str) -> date | None:
        if not _DATE.fullmatch(value or ""):
            return self.error(_("%(field)s \"%(value)s\" không phải ngày dạng YYYY-MM-DD.",
                                field=label, value=value))
        try:
            return date.fromisoformat(value)
        except ValueError:
            return self.error(_("%(field)s \"%(value)s\" không phải ngày có thật.",
                                field=label, value=value))

    def flag(self, value: str, label: str) -> bool | None:
        if value not in ("0", "1"):
            return self.error(_("%(field)s phải là 0 hoặc 1.", field=label))
        return value == "1"

    def choice(self, value: str, choices: Collection[str], label: str) -> str | None:
        if value not in choices:
            return self.error(_("%(field)s \"%(value)s\" không hợp lệ; dùng một trong: %(choices)s.",
                                field=label, value=value, choices=", ".join(choices)))
        return value

    def decimal(self, value: str, label: str, low: Decimal | int, high: Decimal | int,
                places: int = 1) -> Decimal | None:
        if not re.fullmatch(rf"\d{{1,3}}(\.\d{{1,{places}}})?", value or ""):
            return self.error(_("%(field)s \"%(value)s\" phải là số có tối đa %(places)d chữ số thập phân.",
                                field=label, value=value, places=places))
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern above already excludes it
            return self.error(_("%(field)s \"%(value)s\" không phải là số.", field=label, value=value))
        if not low <= number <= high:
            return self.error(_("%(field)s phải nằm trong khoảng %(low)s–%(high)s.",
                                field=label, low=low, high=high))
        return number
