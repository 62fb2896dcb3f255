"""`flask org …`: the organisation imports of SPEC §9."""
import click
from flask_babel import gettext as _

from app.audit import act_as_system
from app.cli import CommandGroup, Refusal, run_import
from app.csvimport import ImportRejected
from app.org import services

org_cli = CommandGroup("org", help="Đơn vị, cán bộ, kỷ luật (organisation data).")


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


@org_cli.command("import-transfers")
@click.argument("file")
def import_transfers(file):
    """Import effective-dated transfers: staff_code,unit_code,effective_date."""
    run_import(_("điều chuyển"), services.import_transfers, file, "org import-transfers")


@org_cli.command("reorganise")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
def reorganise(file, dry_run):
    """Merge, rename, retire units: action,old_code,new_code,new_name,effective_date."""
    act_as_system("cli:org reorganise")
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise Refusal(_("Không đọc được tệp %(path)s: %(error)s", path=file, error=exc.strerror)) from None
    try:
        report = services.reorganise(data, dry_run=dry_run)
    except ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(f"{file}:{error.line}: {error.message}", err=True)
        raise Refusal(_("Tệp bị từ chối: %(count)d lỗi; không có thay đổi nào.",
                        count=len(rejected.errors))) from None
    for line in report:
        click.echo(line)
    click.echo(_("Chạy thử: không có thay đổi nào được ghi.") if dry_run
               else _("Đã sắp xếp %(count)d đơn vị.", count=len(report)))
