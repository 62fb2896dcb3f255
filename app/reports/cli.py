"""`flask reports …`: the disclosure list, the annual sheet and the province ranking as files, for
scripts and the province's archive (SPEC §9)."""
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask_babel import gettext as _
from sqlalchemy import select

from app.cli import CommandGroup
from app.errors import DomainError
from app.exports import Table
from app.extensions import db
from app.org.models import Unit
from app.periods import parse_period, parse_year
from app.reports import queries, sheets, tables

reports_cli = CommandGroup(
    "reports", help="Báo cáo (reports): danh sách công khai, bảng xếp loại năm, xếp hạng.")


@contextmanager
def _progress(label: str, steps: int) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr when it is a terminal (never in a pipe or a log)."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    with click.progressbar(length=steps, label=label, file=sys.stderr) as bar:
        yield lambda: bar.update(1)


def _unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise DomainError(_("Không có đơn vị mã %(code)s.", code=code))
    return unit


def _write(output: str, content: bytes, rows: int) -> None:
    try:
        with open(output, "wb") as handle:
            handle.write(content)
    except OSError as exc:
        raise DomainError(_("Không ghi được tệp %(path)s: %(error)s",
                            path=output, error=exc.strerror)) from None
    click.echo(_("Đã ghi %(rows)d dòng vào %(path)s.", rows=rows, path=output))


def _sheet_file(fmt: str, sheet: Any, table: Table) -> bytes:
    return sheets.pdf_bytes(sheet) if fmt == "pdf" else table.bytes(fmt)


FORMAT = click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), default="csv",
                      show_default=True)
OUTPUT = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                      help="Tệp kết quả (output file).")


def _export_sheet(label: str, build, fmt: str, output: str) -> None:
    """Build a printable sheet, render it as `fmt` and write it, with a two-step progress bar."""
    with _progress(label, 2) as step:
        sheet, table = build()
        step()
        content = _sheet_file(fmt, sheet, table)
        step()
    _write(output, content, len(table.rows))


@reports_cli.command("disclosure")
@click.argument("unit_code")
@click.argument("period")
@FORMAT
@OUTPUT
def disclosure(unit_code: str, period: str, fmt: str, output: str) -> None:
    """The unit's monthly disclosure list of PERIOD (YYYY-MM)."""
    parse_period(period)
    unit = _unit(unit_code)
    found = queries.closed_period(period)
    if found is None:
        raise DomainError(_("Kỳ %(code)s chưa được công khai.", code=period))
    _export_sheet(_("Danh sách công khai"), lambda: sheets.disclosure(unit, found), fmt, output)


@reports_cli.command("annual-sheet")
@click.argument("unit_code")
@click.argument("year")
@FORMAT
@OUTPUT
def annual_sheet(unit_code: str, year: str, fmt: str, output: str) -> None:
    """The unit's annual classification sheet of YEAR."""
    number = parse_year(year)
    unit = _unit(unit_code)
    _export_sheet(_("Bảng xếp loại năm"), lambda: sheets.annual(unit, number), fmt, output)


@reports_cli.command("province")
@click.argument("period")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--kind", default="", help="Loại đơn vị (unit kind), mặc định: đơn vị trực thuộc tỉnh.")
@OUTPUT
def province(period: str, fmt: str, kind: str, output: str) -> None:
    """The ranking of units for PERIOD (YYYY-MM, or a year YYYY)."""
    span = queries.parse_span(period)
    with _progress(_("Xếp hạng đơn vị"), 2) as step:
        table = tables.province_table(queries.province_ranking(span, kind))
        step()
        content = table.bytes(fmt)
        step()
    _write(output, content, len(table.rows))
