"""Real processes: gunicorn with three workers beside the scheduler process; on PostgreSQL two
schedulers never both run a job, and killing one in the middle of closing a period leaves no
half-closed period."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app.evaluation.models import Assessment, Period
from app.extensions import db
from app.scheduler.jobs import JOBS
from app.scheduler.models import JobRun

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def _env(app, frozen):
    env = dict(os.environ, APP_ENV="testing", TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               CONGVU_FROZEN_CLOCK=frozen, SCHEDULER_LOCK_RETRY_SECONDS="1", PYTHONUNBUFFERED="1")
    return env


def _scheduler(app, frozen, *extra):
    return subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "scheduler", "run", *extra],
                            cwd=ROOT, env=_env(app, frozen), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _runs(app):
    with app.app_context():
        db.session.remove()
        return db.session.execute(select(JobRun.job, JobRun.pid, JobRun.trigger, JobRun.started_at,
                                         JobRun.finished_at).order_by(JobRun.id)).all()


def _wait_for(condition, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def _stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture()
def on_file_database(app):
    if app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":
        pytest.skip("needs a database that other processes can open")


def test_with_three_gunicorn_workers_each_job_runs_once_in_the_scheduler_process(app, world,
                                                                                  on_file_database):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = _env(app, "2026-04-07T23:56:00")
    web = subprocess.Popen([str(BIN / "gunicorn"), "-w", "3", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scheduler = None
    try:
        import urllib.request

        assert _wait_for(lambda: _healthy(urllib.request, port), 30), "gunicorn did not start"
        for _ in range(12):  # keep every worker busy for a moment
            _healthy(urllib.request, port)
        scheduler = _scheduler(app, "2026-04-07T23:56:00")
        assert _wait_for(lambda: len(_runs(app)) >= len(JOBS) and all(r[4] for r in _runs(app)))
        time.sleep(2)  # nothing else fires
        runs = _runs(app)
        assert [r.job for r in runs] == list(JOBS)
        assert {r.pid for r in runs} == {scheduler.pid}
        with app.app_context():
            assert db.session.scalar(select(Period.status).where(Period.code == "2026-03")) == "closed"
    finally:
        if scheduler is not None:
            _stop(scheduler)
        _stop(web)


def _healthy(urllib_request, port):
    try:
        with urllib_request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture()
def on_postgresql(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (advisory locks, row locks)")


def test_two_schedulers_never_both_run_and_the_second_takes_over(app, world, on_postgresql):
    first = _scheduler(app, "2026-04-07T23:56:00")
    assert _wait_for(lambda: len(_runs(app)) >= len(JOBS) and all(r[4] for r in _runs(app)))
    second = _scheduler(app, "2026-04-07T23:56:00")
    try:
        time.sleep(4)  # the second stays idle, polling the lock every second
        assert {r.pid for r in _runs(app)} == {first.pid}
        first.kill()  # the database drops the dead session's advisory lock
        first.wait()
        assert _wait_for(lambda: sum(1 for r in _runs(app) if r.pid == second.pid) >= len(JOBS))
        runs = _runs(app)
        by_first = [r for r in runs if r.pid == first.pid]
        by_second = [r for r in runs if r.pid == second.pid]
        assert [r.job for r in by_first] == [r.job for r in by_second[:len(JOBS)]] == list(JOBS)
        assert max(r.finished_at for r in by_first) <= min(r.started_at for r in by_second)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Period)
                                     .where(Period.status == "closed")) == 1
    finally:
        _stop(first)
        _stop(second)


def test_killing_the_scheduler_while_it_closes_leaves_no_half_closed_period(app, world, on_postgresql):
    blocker = create_engine(app.config["SQLALCHEMY_DATABASE_URI"]).connect()
    transaction = blocker.begin()
    blocker.execute(text("SELECT id FROM period WHERE code = '2026-03' FOR UPDATE"))
    scheduler = _scheduler(app, "2026-04-07T23:56:00", "--once")
    watcher = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        # The close has updated the assessments and now waits for the period row: kill it there.
        assert _wait_for(lambda: _waiting_on_lock(watcher), 30)
        scheduler.kill()
        scheduler.wait()
    finally:
        transaction.rollback()
        blocker.close()
        watcher.dispose()
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(select(Period.status).where(Period.code == "2026-03")) == "open"
        assert db.session.scalar(select(func.count()).select_from(Assessment)
                                 .where(Assessment.status == "not_evaluated")) == 0
    again = _scheduler(app, "2026-04-07T23:56:00", "--once")
    again.wait(60)
    with app.app_context():
        db.session.remove()
        assert db.session.scalar(select(Period.status).where(Period.code == "2026-03")) == "closed"
        assert db.session.scalar(select(func.count()).select_from(Assessment)
                                 .where(Assessment.status == "not_evaluated")) == 3


def _waiting_on_lock(engine):
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' "
            "AND query LIKE 'UPDATE period%'")).scalar())
