"""`flask tasks …`: the catalogue and task imports and the month's results (SPEC §9)."""

import click
from flask_babel import gettext as _

from app.cli import CommandGroup, run_import
from app.tasks import queries, services

tasks_cli = CommandGroup("tasks", help="Sổ theo dõi nhiệm vụ (work results ledger).")


@tasks_cli.command("import-products")
@click.argument("file")
def import_products(file):
    """Import the catalogue: code,name,unit_code,coefficient,effective_from."""
    run_import(_("sản phẩm"), services.import_products, file, "tasks import-products")


@tasks_cli.command("import")
@click.argument("file")
def import_tasks(file):
    """Import tasks from the task-assignment software, upserted by external_ref."""
    run_import(_("nhiệm vụ"), services.import_tasks, file, "tasks import")


@tasks_cli.command("results")
@click.argument("period")
def results(period):
    """CSV on stdout: staff_code,period,assigned,quantity_pct,quality_pct,progress_pct,t1,t2,t3."""
    for text in queries.month_results_csv(period):  # streamed: a month's bad code fails before any line
        click.echo(text, nl=False)
