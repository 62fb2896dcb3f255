"""Months (`YYYY-MM`) and years: the one parser used by every form, URL, query argument, file
and command, and the URL converter that keeps a bad period from ever reaching a view."""
import re
from datetime import date, timedelta
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, IntegerConverter, UnicodeConverter, ValidationError

from app import clock
from app.errors import DomainError
from app.text import has_control, nfc

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
YEAR_PATTERN = re.compile(r"^\d{4}$")
FIRST_YEAR = 2000  # no result in the system is older


YEARS_AHEAD = 5  # a policy or a framework may be prepared a few years ahead, never for 9999


def last_year() -> int:
    """The last year a period may name: a few years from now, so that no date arithmetic on a
    period (month ends, deadlines in the next month) can overflow."""
    return clock.today().year + YEARS_AHEAD


def parse_period(code: str | None) -> date:
    """The first day of the month named `YYYY-MM` (year 2000 to last_year()), or DomainError."""
    match = PERIOD_PATTERN.match(code or "")
    if not match or not FIRST_YEAR <= int(match.group(1)) <= last_year():
        raise DomainError(_("Kỳ đánh giá phải có dạng YYYY-MM, ví dụ 2026-03, từ năm %(min)d đến %(max)d.",
                            min=FIRST_YEAR, max=last_year()))
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_code(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(start: date) -> date:
    """The last day of the month starting on `start`."""
    return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` months later (or earlier), kept within the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    start = date(year, month + 1, 1)
    return start.replace(day=min(day.day, month_end(start).day))


def month_bounds(code: str) -> tuple[date, date]:
    """The first and last day of the month `YYYY-MM`."""
    start = parse_period(code)
    return start, month_end(start)


def parse_year(text: str | int | None) -> int:
    """A year written YYYY, between 2000 and next year, or DomainError."""
    text = str(text or "").strip()
    last = clock.today().year + 1
    if not YEAR_PATTERN.match(text) or not FIRST_YEAR <= int(text) <= last:
        raise DomainError(_("Năm phải có dạng YYYY, từ %(min)d đến %(max)d.", min=FIRST_YEAR, max=last))
    return int(text)


def month_arg(name: str = "period") -> str:
    """A `YYYY-MM` query argument (this month when absent); anything else is a 404."""
    value = request.args.get(name) or period_code(clock.today())
    try:
        parse_period(value)
    except DomainError:
        abort(404)
    return value


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a whole number an id column can hold (0 … 2³¹−1); anything
    larger does not match the route (404) instead of overflowing in the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=2**31 - 1 if max is None else max, signed=signed)


class PeriodConverter(BaseConverter):
    """`<period:code>` in a route: a well-formed `YYYY-MM`, else the route does not match (404)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        try:
            parse_period(value)
        except DomainError:
            raise ValidationError() from None
        return value


class YearConverter(BaseConverter):
    """`<year:year>` in a route: a year the system can hold, else 404."""

    regex = r"\d{4}"

    def to_python(self, value: str) -> int:
        try:
            return parse_year(value)
        except DomainError:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return str(value)


class TextConverter(UnicodeConverter):
    """`<token>` / `<string:…>` in every route: at most 200 characters, no control characters
    (a NUL cannot reach the database), in NFC; anything else does not match the route (404)."""

    def to_python(self, value: str) -> str:
        if len(value) > 200 or has_control(value):
            raise ValidationError()
        return nfc(value)
