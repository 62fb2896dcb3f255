"""`flask org …`: the organisation imports of SPEC §9."""
import click
from flask_babel import gettext as _

from app.cli import CommandGroup, run_import
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
