"""A notification to one user; its text is rendered in the reader's language when shown or sent."""
from app.clock import utcnow
from app.extensions import db


class Notification(db.Model):
    """One message. `dedupe_key` makes a reminder that runs twice arrive once."""

    __tablename__ = "notification"
    __table_args__ = (
        db.UniqueConstraint("user_id", "dedupe_key", name="uq_notification_user_dedupe"),
        db.Index("ix_notification_user_read", "user_id", "read_at"),
        db.Index("ix_notification_unsent", "emailed_at", "email_wanted"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)
    kind = db.Column(db.String(30), nullable=False)
    params = db.Column(db.JSON, nullable=False, default=dict)
    # Where the notification leads: an endpoint and its arguments, built with url_for when shown.
    endpoint = db.Column(db.String(80), nullable=False, default="notifications.index")
    link_args = db.Column(db.JSON, nullable=False, default=dict)
    dedupe_key = db.Column(db.String(120), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime(timezone=True))
    email_wanted = db.Column(db.Boolean, nullable=False, default=True)
    emailed_at = db.Column(db.DateTime(timezone=True))

    user = db.relationship("User", lazy="joined", innerjoin=True)
