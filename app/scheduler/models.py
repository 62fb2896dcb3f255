"""The job-run ledger: every run of every job, with its outcome and counts."""
from app.clock import utcnow
from app.extensions import db


class JobRun(db.Model):
    __tablename__ = "job_run"
    __table_args__ = (
        db.CheckConstraint("outcome IN ('running', 'success', 'skipped', 'failed')", name="outcome"),
        db.Index("ix_job_run_job_started", "job", "started_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    job = db.Column(db.String(40), nullable=False)
    trigger = db.Column(db.String(20), nullable=False)  # schedule, catch_up, manual
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))
    outcome = db.Column(db.String(10), nullable=False, default="running")
    counts = db.Column(db.JSON)
    error = db.Column(db.Text)
    host = db.Column(db.String(120), nullable=False)
    pid = db.Column(db.Integer, nullable=False)
