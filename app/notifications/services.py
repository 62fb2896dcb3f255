"""Notifications: written set-wise in the caller's transaction, shown in the reader's language,
copied by e-mail (an outbox the scheduler empties) when SMTP is configured."""
import smtplib
from email.message import EmailMessage
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, Subquery, literal, select, true, update
from werkzeug.routing import BuildError

from app import clock
from app.auth.models import User
from app.auth.services import account_locked
from app.database import insert_missing, transactional
from app.extensions import db
from app.notifications.models import Notification


def render(notification: Notification) -> tuple[str, str]:
    """(subject, body) of a notification in the current language."""
    p = notification.params
    kind = notification.kind
    if kind == "self_reminder":
        return (_("Nhắc tự đánh giá tháng %(period)s", period=p["period"]),
                _("Bạn chưa nộp bản tự đánh giá tháng %(period)s. Hạn nộp: %(due)s.",
                  period=p["period"], due=p["due"]))
    if kind == "review_reminder":
        return (_("Nhắc đánh giá cán bộ tháng %(period)s", period=p["period"]),
                _("Bạn còn phiếu chưa đánh giá của tháng %(period)s. Hạn: %(due)s.",
                  period=p["period"], due=p["due"]))
    if kind == "review_case":
        years = p.get("years", 2)  # the policy's consecutive years when the case was opened
        return (_("Hồ sơ xem xét năm %(year)s", year=p["year"]),
                _("Bạn được đưa vào diện xem xét do xếp loại không hoàn thành nhiệm vụ %(years)d năm "
                  "liên tiếp (%(first)s–%(year)s). Bạn có thể gửi giải trình.",
                  years=years, first=p["year"] - years + 1, year=p["year"]))
    if kind == "conduct_finding":
        return (_("Biên bản văn hóa công vụ số %(report)s", report=p["report"]),
                _("Bạn có %(count)d nội dung trong biên bản số %(report)s. Bạn có thể giải trình "
                  "trong thời hạn quy định.", count=p["count"], report=p["report"]))
    if kind == "account_locked":
        return (_("Tài khoản của bạn tạm thời bị khóa đăng nhập"),
                _("Có %(count)d lần đăng nhập sai vào tài khoản của bạn, nên tài khoản bị khóa đăng nhập "
                  "đến %(until)s. Bạn vẫn đăng nhập được từ thiết bị đã dùng trước đây (việc đó gỡ khóa); "
                  "nếu không phải bạn đăng nhập sai, hãy đổi mật khẩu và báo quản trị hệ thống.",
                  count=p["count"], until=p["until"]))
    return kind, ""


def notify_users(user_ids_query: Subquery, kind: str, params: dict[str, Any], endpoint: str, dedupe_key: str,
                 link_args: dict[str, Any] | None = None) -> int:
    """One notification per user selected by `user_ids_query` (a select of user ids), once per
    dedupe key: a single INSERT … SELECT, whatever the number of users. The notification leads
    to `endpoint` with `link_args`. Returns how many were written."""
    # The unique (user, dedupe key) index skips those already told: no anti join.
    return db.session.execute(insert_missing(Notification, ["user_id", "dedupe_key"]).from_select(
        ["user_id", "kind", "params", "endpoint", "link_args", "dedupe_key", "email_wanted",
         "created_at"],
        select(user_ids_query.c.id, literal(kind), literal(params, Notification.params.type),
               literal(endpoint), literal(link_args or {}, Notification.link_args.type),
               literal(dedupe_key), literal(True), literal(clock.utcnow()))
        .where(true())  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    ).execution_options(preserve_rowcount=True)).rowcount  # type: ignore[attr-defined]  # DML: CursorResult


def link_of(notification: Notification, external: bool = False) -> str:
    """The address a notification leads to (the notification centre if its page is gone)."""
    try:
        return url_for(notification.endpoint, _external=external, **(notification.link_args or {}))
    except BuildError:
        return url_for("notifications.index", _external=external)


def staff_users(staff_ids_query: Select[Any]) -> Subquery:
    """The active accounts linked to the staff selected by `staff_ids_query`, as a subquery."""
    return select(User.id.label("id")).where(User.staff_id.in_(staff_ids_query),
                                             User.active.is_(True)).subquery()


def unread_count(user: User) -> int | None:
    return db.session.scalar(select(db.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


@transactional
def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one (or all) of the user's notifications as read."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=clock.utcnow()).execution_options(synchronize_session=False))


def send_pending_emails(limit: int = 500) -> int:
    """Send the outbox by SMTP (when configured), each in its reader's language; returns the count."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    pending = db.session.scalars(
        select(Notification).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.email_wanted.is_(True),
               User.email.is_not(None), User.active.is_(True))
        .order_by(Notification.id).limit(limit)).all()
    if not pending:
        return 0
    sent = 0
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        base = config.get("PUBLIC_BASE_URL") or config.get("APP_BASE_URL") or "http://localhost"
        for notification in pending:
            with current_app.test_request_context(base_url=base), \
                    force_locale(notification.user.locale or "vi"):
                subject, body = render(notification)
                footer = _("Xem trên hệ thống Công vụ: %(link)s",
                           link=link_of(notification, external=True))
            message = EmailMessage()
            message["Subject"] = subject
            message["From"] = config["MAIL_FROM"]
            message["To"] = notification.user.email
            message.set_content(f"{body}\n\n{footer}\n")
            smtp.send_message(message)
            notification.emailed_at = clock.utcnow()
            db.session.commit()  # one by one: a failure later keeps what was sent marked
            sent += 1
    return sent


@account_locked.connect
def tell_the_owner(user: User, until: Any, **_extra: Any) -> None:
    """The owner of an account locked by failed logins is told (here and by e-mail), in the
    login's own transaction."""
    until_text = clock.local(until).strftime("%d/%m/%Y %H:%M")
    notify_users(select(User.id).where(User.id == user.id).subquery(), "account_locked",
                 {"count": current_app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"], "until": until_text},
                 "auth.change_password", f"account_locked:{user.id}:{until.isoformat()}")
