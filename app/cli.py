"""The command line's shared pieces: a command group that turns a refusal into one stderr line
and exit 1, and the all-or-nothing file import of SPEC §9."""
import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.audit import act_as_system
from app.csvimport import ImportRejected
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


def run_import(kind_label, importer, path, command):
    """Read a file, import it all or nothing, report errors with line numbers; exit 1 on error."""
    act_as_system(f"cli:{command}")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise Refusal(_("Không đọc được tệp %(path)s: %(error)s", path=path, error=exc.strerror)) from None
    try:
        count = importer(data)
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(f"{path}:{error.line}: {error.message}", err=True)
        raise Refusal(_("Tệp bị từ chối: %(count)d lỗi; không có dòng nào được nhập.",
                        count=len(rejected.errors))) from None
    click.echo(_("Đã nhập %(count)d %(kind)s.", count=count, kind=kind_label))
