"""`flask reviews …`: the review cases."""
import click
from flask.cli import AppGroup

from app.exports import csv_text
from app.reviews import services

reviews_cli = AppGroup("reviews", help="Hồ sơ xem xét (review cases).")


@reviews_cli.command("export")
def export():
    """CSV on stdout: staff_code,year,previous_year,status,proposed_measure."""
    click.echo(csv_text(("staff_code", "year", "previous_year", "status", "proposed_measure"),
                        services.export_rows(), neutralise_cells=False), nl=False)
