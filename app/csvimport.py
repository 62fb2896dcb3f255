"""Reading the import files of SPEC §9: UTF-8 CSV with a header row, checked row by row.

A reader never writes: it returns rows or raises ImportRejected with every bad
line, so that a file with one bad row imports nothing.
"""
import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from flask_babel import gettext as _

from app.errors import DomainError
from app.text import has_control, nfc

MAX_FIELD = 1000


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


def read_rows(data: bytes | str, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Decode and split a CSV file; yields (line_number, row dict) or raises ImportRejected."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = cast(bytes, data)[: exc.start].count(b"\n") + 1
            raise ImportRejected([RowError(line, _("Tệp không đúng mã hóa UTF-8."))]) from None
    elif data.startswith("\ufeff"):
        data = data[1:]
    reader = csv.reader(io.StringIO(data, newline=""))
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
    rows, errors = [], []
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue  # blank lines are harmless
            if len(values) != len(header):
                errors.append(RowError(line, _(
                    "Có %(found)d cột, cần %(expected)d cột.", found=len(values), expected=len(header))))
                continue
            if any(len(value) > MAX_FIELD for value in values):
                errors.append(RowError(line, _("Có giá trị dài quá %(max)d ký tự.", max=MAX_FIELD)))
                continue
            if any(has_control(value) for value in values):
                errors.append(RowError(line, _("Có ký tự điều khiển (không in được) trong dòng.")))
                continue
            cells = zip(header, values, strict=True)
            rows.append((line, {name: nfc(value.strip()) for name, value in cells}))
    except csv.Error:
        errors.append(RowError(reader.line_num, _("Dòng CSV không đúng định dạng.")))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([RowError(2, _("Tệp không có dòng dữ liệu nào."))])
    return rows


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
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
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
