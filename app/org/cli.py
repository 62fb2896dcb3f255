"""`flask org …`: the organisation imports of SPEC §9."""
import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.audit import act_as_system
from app.csvimport import ImportRejected
from app.org import services

org_cli = AppGroup("org", help="Đơn vị, cán bộ, kỷ luật (organisation data).")


def run_import(kind_label, importer, path, command):
    """Read a file, import it all or nothing, report errors with line numbers; exit 1 on error."""
    act_as_system(f"cli:{command}")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        click.echo(_("Không đọc được tệp %(path)s: %(error)s", path=path, error=exc.strerror), err=True)
        sys.exit(1)
    try:
        count = importer(data)
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(f"{path}:{error.line}: {error.message}", err=True)
        click.echo(_("Tệp bị từ chối: %(count)d lỗi; không có dòng nào được nhập.",
                     count=len(rejected.errors)), err=True)
        sys.exit(1)
    click.echo(_("Đã nhập %(count)d %(kind)s.", count=count, kind=kind_label))


@org_cli.command("import-units")
@click.argument("file")
def import_units(file):
    """Import units: code,name,parent_code,kind."""
    run_import(_("đơn vị"), services.import_units, file, "org import-units")


@org_cli.command("import-staff")
@click.argument("file")
def import_staff(file):
    """Import staff: code,full_name,unit_code,category,position,is_head,front_desk,email,start_date."""
    run_import(_("cán bộ"), services.import_staff, file, "org import-staff")


@org_cli.command("import-discipline")
@click.argument("file")
def import_discipline(file):
    """Import disciplinary decisions: staff_code,decision_date,form."""
    run_import(_("quyết định kỷ luật"), services.import_discipline, file, "org import-discipline")
