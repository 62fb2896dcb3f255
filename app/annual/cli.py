"""The annual commands of the `evaluation` group: classify-year, flag-reviews, import-annual,
export-annual (SPEC §9)."""
import sys

import click
from flask_babel import gettext as _

from app.annual import queries, services
from app.audit import act_as_system
from app.evaluation.cli import evaluation_cli
from app.evaluation.services import EvaluationError
from app.exports import csv_text
from app.org.cli import run_import
from app.reviews import services as review_services


def _year(text):
    try:
        return services.parse_year(text)
    except EvaluationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@evaluation_cli.command("classify-year")
@click.argument("year")
def classify_year(year):
    """Compute (or recompute) the annual results of YEAR."""
    act_as_system("cli:evaluation classify-year")
    try:
        result = services.classify_year(_year(year))
    except EvaluationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(_("Năm %(year)d: %(classified)d người được xếp loại, %(missing)d người không đủ số tháng, "
                 "%(kept)d kết quả giữ nguyên (đã chốt hoặc nhập).", year=result.year,
                 classified=result.classified, missing=result.not_classified, kept=result.kept))


@evaluation_cli.command("flag-reviews")
@click.argument("year")
def flag_reviews(year):
    """Open the review cases for YEAR; prints how many are new."""
    act_as_system("cli:evaluation flag-reviews")
    try:
        created = review_services.flag_reviews(_year(year))
    except EvaluationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(_("Đã mở %(count)d hồ sơ xem xét mới.", count=created))


@evaluation_cli.command("import-annual")
@click.argument("file")
def import_annual(file):
    """Import annual levels of years before the system: staff_code,year,level."""
    run_import(_("kết quả năm"), services.import_annual, file, "evaluation import-annual")


@evaluation_cli.command("export-annual")
@click.argument("year")
def export_annual(year):
    """CSV on stdout: staff_code,year,months,mean_score,level,reason."""
    click.echo(csv_text(queries.EXPORT_HEADER, queries.export_rows(_year(year)),
                        neutralise_cells=False), nl=False)
