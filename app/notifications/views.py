"""The notification centre: the list, and marking as read."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.database import paginate
from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification
from app.utils import safe_next_url

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
def index():
    """The signed-in user's notifications, newest first."""
    page = paginate(select(Notification).where(Notification.user_id == current_user.id)
                    .order_by(Notification.id.desc()))
    return render_template("notifications/index.html", page=page, render=services.render)


@bp.post("/<int:notification_id>/read")
def read(notification_id):
    """Mark one as read and follow its link."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    services.mark_read(current_user, notification.id)
    return redirect(services.link_of(notification))


@bp.post("/read-all")
def read_all():
    services.mark_read(current_user)
    return redirect(safe_next_url(request.form.get("next")) or url_for("notifications.index"))
