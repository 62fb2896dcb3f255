"""`flask evaluation …`: open and close periods, import results from before the system."""
import click
from flask_babel import gettext as _

from app.audit import act_as_system
from app.cli import CommandGroup, progress, run_import
from app.evaluation import queries, services
from app.exports import csv_text
from app.periods import parse_period

evaluation_cli = CommandGroup("evaluation", help="Đánh giá hằng tháng (monthly assessment).")


@evaluation_cli.command("open-period")
@click.argument("period")
def open_period(period):
    """Open the month PERIOD (YYYY-MM): one assessment per active staff member."""
    act_as_system("cli:evaluation open-period")
    with progress(_("Đang mở kỳ"), services.OPEN_STEPS):
        result = services.open_period(period)
    click.echo(_("Kỳ %(code)s: đã tạo %(created)d phiếu đánh giá.", code=period, created=result.created))
    if result.without_framework:
        click.echo(_("%(count)d cán bộ chưa có bộ tiêu chí phù hợp nên chưa có phiếu.",
                     count=result.without_framework), err=True)


@evaluation_cli.command("close-period")
@click.argument("period")
def close_period(period):
    """Close and publish the month PERIOD (YYYY-MM)."""
    act_as_system("cli:evaluation close-period")
    with progress(_("Đang đóng kỳ"), services.CLOSE_STEPS):
        result = services.close_period(period)
    if result.already_closed:
        click.echo(_("Kỳ %(code)s đã đóng trước đó.", code=period))
    else:
        click.echo(_("Đã đóng kỳ %(code)s: %(closed)d phiếu chốt, %(missing)d phiếu không được đánh giá.",
                     code=period, closed=result.closed, missing=result.not_evaluated))


@evaluation_cli.command("summarise")
@click.argument("period", required=False)
def summarise(period):
    """Count the closed months' assessments again into the summary the dashboards read (every
    closed month, or only PERIOD, YYYY-MM)."""
    act_as_system("cli:evaluation summarise")
    months = services.summarise_all(period)
    click.echo(_("Đã tổng hợp %(count)d kỳ đã đóng.", count=months))


@evaluation_cli.command("import-results")
@click.argument("file")
def import_results(file):
    """Import closed monthly results from before the system: staff_code,period,score."""
    run_import(_("kết quả tháng"), services.import_results, file, "evaluation import-results")


@evaluation_cli.command("export-month")
@click.argument("period")
def export_month(period):
    """CSV on stdout: staff_code,period,unit_code,status,score,level (the unit it is filed under)."""
    click.echo(csv_text(queries.EXPORT_MONTH_HEADER, queries.export_month_rows(parse_period(period)),
                        neutralise_cells=False), nl=False)
