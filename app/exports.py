"""CSV, XLSX and PDF downloads of tables (SPEC §8): names beside codes, numbers as numeric cells,
dates as date cells, headers in the reader's language, cells that a spreadsheet would run as a
formula neutralised, and a `Content-Disposition` that carries a Vietnamese file name (RFC 6266)."""
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, abort
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.text import fold, nfc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def neutralise(value: object) -> object:
    """A cell value that no spreadsheet will evaluate: text (in NFC) starting with = + - @ (or a
    tab or a carriage return) gets a leading quote; numbers and dates stay what they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = nfc(value)  # names typed on any keyboard leave composed, as they are compared
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return value


def _csv_cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]],
             neutralise_cells: bool = True) -> str:
    """CSV text with a header row (the command line's machine formats pass neutralise_cells=False
    so that codes arrive as they are)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(neutralise(v) if neutralise_cells else ("" if v is None else v))
                         for v in row])
    return buffer.getvalue()


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real (Vietnamese) one as `filename*`."""
    filename = nfc(filename)
    stem, dot, ext = filename.rpartition(".")
    fallback = _ASCII_UNSAFE.sub("-", fold(stem)).strip("-") or "export"
    return (f'attachment; filename="{fallback}{dot}{ext}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}")


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM, so that Excel reads Vietnamese correctly."""
    return ("\ufeff" + csv_text(header, rows)).encode("utf-8")


def csv_response(filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> Response:
    """A UTF-8 CSV download (`filename` without extension)."""
    return Response(csv_bytes(header, rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": content_disposition(f"{filename}.csv")})


def _xlsx_cell(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    return neutralise(value)


def xlsx_bytes(title: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """One sheet with a bold header row; numbers are numeric cells, dates date cells."""
    workbook = Workbook()
    sheet = workbook.create_sheet(index=0)
    workbook.remove(workbook.worksheets[1])  # the empty default sheet
    sheet.title = (_SHEET_FORBIDDEN.sub("-", nfc(str(title))) or "Sheet")[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime):
                cell.number_format = DATE_FORMAT + " hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, Decimal):
                cell.number_format = "0." + "0" * max(0, -int(cell.value.as_tuple().exponent))
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 20
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, title: str, header: Sequence[object],
                  rows: Iterable[Sequence[object]]) -> Response:
    """An XLSX download (`filename` without extension)."""
    return Response(xlsx_bytes(title, header, rows), content_type=XLSX_MIMETYPE,
                    headers={"Content-Disposition": content_disposition(f"{filename}.xlsx")})


def pdf_response(filename: str, data: bytes) -> Response:
    """A PDF download (`filename` without extension)."""
    return Response(data, content_type="application/pdf",
                    headers={"Content-Disposition": content_disposition(f"{filename}.pdf")})


@dataclass
class Table:
    """A table as the pages show it and the downloads write it: a title (the sheet's and the
    file's name), translated headers and rows of typed values (str, int, Decimal, date)."""

    title: str
    header: Sequence[Any]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    filename: str = ""

    @property
    def name(self) -> str:
        return self.filename or self.title

    def bytes(self, fmt: str) -> bytes:
        """The table as `csv` or `xlsx` file content."""
        if fmt == "csv":
            return csv_bytes(self.header, self.rows)
        return xlsx_bytes(self.title, self.header, self.rows)


def table_response(table: Table, fmt: str) -> Response:
    """The table as a CSV or XLSX download; any other format is a 404."""
    if fmt == "csv":
        return csv_response(table.name, table.header, table.rows)
    if fmt == "xlsx":
        return xlsx_response(table.name, table.title, table.header, table.rows)
    abort(404)
