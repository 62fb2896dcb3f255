"""The command line's shared pieces: a command group that turns a refusal into one stderr line
and exit 1, the all-or-nothing file import of SPEC §9, and the progress bar of long work."""
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.audit import act_as_system
from app.csvimport import ImportRejected
from app.database import reporting_progress
from app.errors import DomainError


class Refusal(click.ClickException):
    """A DomainError on the command line: its message alone on stderr, exit status 1."""

    def show(self, file=None):
        click.echo(self.format_message(), err=True)


class CommandGroup(AppGroup):
    """A `flask <group>` whose commands may raise DomainError (shown as a clean refusal)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise Refusal(exc.message) from None


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


class _Terminal:
    """stderr, known to be a terminal (stderr_is_terminal decides, once, for the bar)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return True


@contextmanager
def progress(label: str, length: int) -> Iterator[None]:
    """A progress bar with counts on stderr while the work inside reports to app.database.progress
    — only when stderr is a terminal: a pipe, a log or cron gets the summary line alone."""
    if not stderr_is_terminal():
        yield
        return
    bar: Any = click.progressbar(length=max(length, 1), label=label, file=cast(TextIO, _Terminal(sys.stderr)),
                                 show_pos=True, show_percent=True, show_eta=True)
    with bar, reporting_progress(bar.update):
        yield
        bar.update(bar.length - bar.pos)  # done: the bar ends full, the summary line follows


def _data_lines(path: str) -> int:
    """The number of lines after the header (a cheap pass over the file, never held whole)."""
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def run_import(kind_label: str, importer: Callable[[Any], int], path: str, command: str) -> None:
    """Stream a file into an import, all or nothing, report errors with line numbers; exit 1 on
    error. A progress bar counts the rows read when stderr is a terminal."""
    act_as_system(f"cli:{command}")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the import
    except OSError as exc:
        raise Refusal(_("Không đọc được tệp %(path)s: %(error)s", path=path, error=exc.strerror)) from None
    try:
        with handle, progress(_("Đang nhập"), _data_lines(path)):
            count = importer(handle)
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(f"{path}:{error.line}: {error.message}", err=True)
        raise Refusal(_("Tệp bị từ chối: %(count)d lỗi; không có dòng nào được nhập.",
                        count=len(rejected.errors))) from None
    click.echo(_("Đã nhập %(count)d %(kind)s.", count=count, kind=kind_label))
