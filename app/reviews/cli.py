"""`flask reviews …`: the review cases; and `flask evaluation flag-reviews` (SPEC §9)."""
import click
from flask_babel import gettext as _

from app.audit import act_as_system
from app.cli import CommandGroup, progress
from app.evaluation.cli import evaluation_cli
from app.exports import csv_text
from app.periods import parse_year
from app.reviews import queries, services

reviews_cli = CommandGroup("reviews", help="Hồ sơ xem xét (review cases).")


@evaluation_cli.command("flag-reviews")
@click.argument("year")
def flag_reviews(year):
    """Open the review cases for YEAR; prints how many are new."""
    act_as_system("cli:evaluation flag-reviews")
    with progress(_("Đang rà soát"), services.FLAG_STEPS):
        created = services.flag_reviews(parse_year(year))
    click.echo(_("Đã mở %(count)d hồ sơ xem xét mới.", count=created))


@reviews_cli.command("export")
def export():
    """CSV on stdout: staff_code,year,previous_year,status,proposed_measure."""
    click.echo(csv_text(queries.EXPORT_HEADER, queries.export_rows(), neutralise_cells=False), nl=False)
