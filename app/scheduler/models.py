"""The job-run ledger: every run of every job, with its outcome and counts."""
from flask_babel import lazy_gettext as _l

from app.clock import utcnow
from app.extensions import db

JOB_NAMES = {
    "open_period": _l("Mở kỳ đánh giá"),
    "close_period": _l("Đóng và công khai kỳ đánh giá"),
    "self_reminders": _l("Nhắc tự đánh giá"),
    "review_reminders": _l("Nhắc thủ trưởng đánh giá"),
    "annual": _l("Xếp loại năm và lập hồ sơ xem xét"),
    "satisfaction_rollup": _l("Tổng hợp mức độ hài lòng"),
    "mail": _l("Gửi thư điện tử"),
}
TRIGGERS = {"schedule": _l("Theo lịch"), "catch_up": _l("Chạy bù khi khởi động"), "manual": _l("Chạy tay")}
OUTCOMES = {"running": _l("Đang chạy"), "success": _l("Thành công"), "skipped": _l("Không có việc"),
            "failed": _l("Lỗi")}


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
