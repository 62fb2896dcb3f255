"""The annual commands of the `evaluation` group: classify-year, import-annual, export-annual
(SPEC §9)."""
import click
from flask_babel import gettext as _

from app.annual import queries, services
from app.audit import act_as_system
from app.cli import progress, run_import
from app.evaluation.cli import evaluation_cli
from app.exports import csv_text
from app.periods import parse_year


@evaluation_cli.command("classify-year")
@click.argument("year")
def classify_year(year):
    """Compute (or recompute) the annual results of YEAR."""
    act_as_system("cli:evaluation classify-year")
    with progress(_("Đang xếp loại"), services.CLASSIFY_STEPS):
        result = services.classify_year(parse_year(year))
    click.echo(_("Năm %(year)d: %(classified)d người được xếp loại, %(missing)d người không đủ số tháng, "
                 "%(kept)d kết quả giữ nguyên (đã chốt hoặc nhập).", year=result.year,
                 classified=result.classified, missing=result.not_classified, kept=result.kept))


@evaluation_cli.command("import-annual")
@click.argument("file")
def import_annual(file):
    """Import annual levels of years before the system: staff_code,year,level."""
    run_import(_("kết quả năm"), services.import_annual, file, "evaluation import-annual")


@evaluation_cli.command("export-annual")
@click.argument("year")
def export_annual(year):
    """CSV on stdout: staff_code,year,months,mean_score,level,reason."""
    click.echo(csv_text(queries.EXPORT_HEADER, queries.export_rows(parse_year(year)),
                        neutralise_cells=False), nl=False)
