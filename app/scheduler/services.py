"""Running jobs with a ledger row each, the catch-up on start, and the lock that keeps a second
scheduler process (on this host or another) idle."""
import fcntl
import os
import socket
import traceback
from datetime import date
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import Connection, text

from app import audit, clock
from app.extensions import db
from app.scheduler.jobs import JOBS
from app.scheduler.models import JobRun


def run_job(name: str, trigger: str = "manual", today: date | None = None) -> JobRun:
    """Run one job now; the ledger gets its start, end, outcome, counts or error."""
    audit.act_as_system(f"scheduler:{name}")
    run: JobRun = JobRun(job=name, trigger=trigger, host=socket.gethostname()[:120], pid=os.getpid(),
                 started_at=clock.utcnow())
    db.session.add(run)
    db.session.commit()
    try:
        counts = JOBS[name](today or clock.today())
    except Exception as exc:  # the ledger keeps the failure; the scheduler carries on
        db.session.rollback()
        run = db.session.get(JobRun, run.id)
        run.outcome = "failed"
        run.error = "".join(traceback.format_exception_only(exc)).strip()[:4000]
        current_app.logger.exception("Job %s failed", name)
    else:
        run = db.session.get(JobRun, run.id)
        run.outcome = "success" if counts is not None else "skipped"
        run.counts = counts
    run.finished_at = clock.utcnow()
    db.session.commit()
    return run


def catch_up() -> list[JobRun]:
    """On start: every job once, in order, so that anything missed while down is done now."""
    return [run_job(name, "catch_up") for name in JOBS]


class SchedulerLock:
    """One active scheduler: a PostgreSQL advisory lock held by a dedicated connection (released
    by the database if the process dies), or on SQLite a file lock on this host."""

    KEY = 727_2026  # an arbitrary, fixed advisory-lock key for Công vụ's scheduler

    def __init__(self) -> None:
        self.connection: Connection | None = None
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        if db.engine.dialect.name == "postgresql":
            if self.connection is None:
                self.connection = db.engine.connect()
            got = self.connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.KEY}).scalar()
            self.connection.commit()
            return bool(got)
        path = Path(current_app.instance_path) / "scheduler.lock"
        self.handle = self.handle or open(path, "w")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def alive(self) -> bool:
        """Still holding the lock (the database connection still answers)."""
        if self.connection is None:
            return True
        try:
            self.connection.execute(text("SELECT 1"))
            self.connection.commit()
            return True
        except Exception:  # the connection died: the database released the lock
            return False
