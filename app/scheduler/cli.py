"""`flask scheduler run`: the one process that runs the jobs (SPEC §7)."""
import sys
import time

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app import clock
from app.scheduler import services
from app.scheduler.jobs import JOBS

scheduler_cli = AppGroup("scheduler", help="Công việc định kỳ (scheduled jobs).")


def _trigger(name):
    when = current_app.config["SCHEDULE"][name]
    if isinstance(when, int):
        return IntervalTrigger(minutes=when, timezone=clock.ZONE)
    hour, minute = (int(part) for part in when.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=clock.ZONE)


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Catch up on every job, then exit (no schedule).")
def run(once):
    """Take the scheduler lock (waiting idle while another process holds it), catch up, then run
    the jobs at their times until stopped."""
    app = current_app._get_current_object()
    lock = services.SchedulerLock()
    retry = app.config["SCHEDULER_LOCK_RETRY_SECONDS"]
    while not lock.acquire():
        if once:
            click.echo(_("Một tiến trình lập lịch khác đang chạy; không làm gì."))
            return
        time.sleep(retry)
    click.echo(_("Đã giữ khóa lập lịch; chạy bù các công việc."))
    for run_ in services.catch_up():
        click.echo(f"{run_.job}: {run_.outcome} {run_.counts or ''}")
    if once:
        return

    def job(name):
        with app.app_context():
            services.run_job(name, "schedule")

    scheduler = BackgroundScheduler(timezone=clock.ZONE, job_defaults={
        "coalesce": True, "max_instances": 1,
        "misfire_grace_time": app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"]})
    for name in JOBS:
        scheduler.add_job(job, _trigger(name), args=[name], id=name, replace_existing=True)
    scheduler.start()
    click.echo(_("Bộ lập lịch đang chạy (%(count)d công việc).", count=len(JOBS)))
    try:
        while True:
            time.sleep(retry)
            with app.app_context():
                if not lock.alive():
                    click.echo(_("Mất kết nối giữ khóa; dừng để tránh chạy trùng."), err=True)
                    scheduler.shutdown(wait=False)
                    sys.exit(1)
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=True)
        raise


@scheduler_cli.command("run-job")
@click.argument("name")
def run_job(name):
    """Run one job now (it still writes its ledger row)."""
    if name not in JOBS:
        click.echo(_("Không có công việc %(name)s; dùng một trong: %(names)s.", name=name,
                     names=", ".join(JOBS)), err=True)
        sys.exit(1)
    result = services.run_job(name, "manual")
    click.echo(f"{result.job}: {result.outcome} {result.counts or result.error or ''}")
    if result.outcome == "failed":
        sys.exit(1)


