"""Login, logout, password change, user administration and the audit trail page."""
from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select

from app import clock
from app.audit import AuditEvent
from app.auth import audit_words, services
from app.auth.forms import (
    AuditFilterForm,
    ChangePasswordForm,
    GrantForm,
    LoginForm,
    ResetPasswordForm,
    UserCreateForm,
)
from app.auth.models import RoleGrant, User
from app.database import folded_match, paginate
from app.errors import DomainError, refused
from app.extensions import db, limiter
from app.forms import arg
from app.org.models import Staff, Unit
from app.permissions import require
from app.utils import safe_next_url

bp = Blueprint("auth", __name__)


def _login_rate_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_client_limit():
    return current_app.config["LOGIN_ACCOUNT_CLIENT_LIMIT"]


def _account_client_key():
    """The (account, client) pair a failed login counts against."""
    username = services.normalise_username(request.form.get("username"))[:80]
    return f"login:{get_remote_address()}:{username}"


def _failed(response):
    """Only failed attempts count: a successful login ends in a redirect (and never counts)."""
    return response.status_code != 302


KNOWN_CLIENT_COOKIE = "congvu_known"


def _known_serializer():
    return URLSafeSerializer(current_app.secret_key, salt="known-client")


def _known_user_ids():
    """The accounts that already signed in successfully from this client (a signed cookie)."""
    try:
        ids = _known_serializer().loads(request.cookies.get(KNOWN_CLIENT_COOKIE, ""))
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _fresh_session():
    """A new session on login (no fixation), with the language kept and a CSRF token of its own:
    made here rather than by the first page after the redirect, which would otherwise change the
    session again and send the cookie a second time."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # the old session's
    generate_csrf()


@bp.get("/login")
def login():
    """The sign-in page. Only an attempt (sign_in, the same address posted) is rate-limited: the
    page itself costs nothing to guess with, and its limit checks were a tenth of its time."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    return render_template("auth/login.html", form=None)


@bp.post("/login")
@limiter.limit(_login_rate_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_client_limit, methods=["POST"], key_func=_account_client_key, deduct_when=_failed)
def sign_in():
    """Sign in with a username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.find_user(form.username.data)
        known = user is not None and user.id in _known_user_ids()
        result = services.authenticate(form.username.data, form.password.data, known_client=known)
        if result.user is not None:
            _fresh_session()
            login_user(result.user)
            response = redirect(safe_next_url(request.args.get("next")) or url_for("main.index"))
            known_ids = [result.user.id, *[i for i in _known_user_ids() if i != result.user.id]][:5]
            response.set_cookie(KNOWN_CLIENT_COOKIE, _known_serializer().dumps(known_ids),
                                max_age=current_app.config["KNOWN_CLIENT_DAYS"] * 86400,
                                secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                                httponly=True, samesite="Lax")
            return response
        if result.error == "locked":
            flash(_("Tài khoản tạm thời bị khóa do có quá nhiều lần đăng nhập sai. Hãy đăng nhập từ "
                    "thiết bị bạn vẫn dùng, hoặc liên hệ quản trị hệ thống để mở khóa."), "error")
        else:
            flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out; the old session cookie stops working everywhere."""
    services.end_sessions(current_user.account, "logout")
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; other sessions of the account end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user.account
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except DomainError as exc:
            status = refused(exc, form.current_password)
            return render_template("auth/change_password.html", form=form), status
        login_user(user)  # keep this session, with the new session version
        flash(_("Đã đổi mật khẩu."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


def _get_user(user_id):
    require("user.admin")
    return db.get_or_404(User, user_id)


@bp.get("/admin/users")
def users():
    """Accounts, searchable by username or name."""
    require("user.admin")
    q = arg("q", max_length=80)
    query = select(User).order_by(User.username)
    if q:  # with or without accents, the account's own name or its staff member's
        query = (query.outerjoin(Staff, Staff.id == User.staff_id)
                 .where(or_(folded_match(User.search, q), folded_match(Staff.search, q))))
    page = paginate(query)
    return render_template("auth/users.html", page=page, q=q)


@bp.route("/admin/users/new", methods=["GET", "POST"])
def user_new():
    """Create an account, optionally linked to a staff member."""
    require("user.admin")
    form = UserCreateForm()
    if form.validate_on_submit():
        staff = None
        if services.find_user(form.username.data) is not None:
            form.username.errors.append(_("Tên đăng nhập đã được sử dụng."))
        if form.staff_code.data:
            staff = db.session.scalar(select(Staff).where(Staff.code == form.staff_code.data.strip()))
            if staff is None:
                form.staff_code.errors.append(_("Không có cán bộ với mã này."))
            elif db.session.scalar(select(User.id).where(User.staff_id == staff.id)):
                form.staff_code.errors.append(_("Cán bộ này đã có tài khoản."))
        if not form.errors:
            user = services.create_user(form.username.data, form.display_name.data,
                                        form.password.data, email=form.email.data, staff=staff)
            flash(_("Đã tạo tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user_new.html", form=form)


@bp.get("/admin/users/<int:user_id>")
def user_detail(user_id):
    """An account: its roles with their scopes, and the actions on it."""
    user = _get_user(user_id)
    return render_template("auth/user_detail.html", user=user, grant_form=GrantForm(),
                           reset_form=ResetPasswordForm())


@bp.post("/admin/users/<int:user_id>/grants")
def grant_add(user_id):
    """Grant a role over a unit and its descendants."""
    user = _get_user(user_id)
    form = GrantForm()
    if form.validate_on_submit():
        unit = None
        if form.role.data != "sys_admin":
            code = (form.unit_code.data or "").strip()
            unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else None
            if unit is None:
                form.unit_code.errors.append(_("Hãy nhập mã của một đơn vị có trong hệ thống."))
        if not form.errors:
            services.grant_role(user, form.role.data, unit, granted_by=current_user)
            flash(_("Đã cấp vai trò."), "success")
            return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user_detail.html", user=user, grant_form=form,
                           reset_form=ResetPasswordForm()), 400


@bp.post("/admin/users/<int:user_id>/grants/<int:grant_id>/revoke")
def grant_revoke(user_id, grant_id):
    """Revoke one role grant (never the last system administrator's)."""
    user = _get_user(user_id)
    grant = db.session.scalar(
        select(RoleGrant).where(RoleGrant.id == grant_id, RoleGrant.user_id == user.id)
    )
    if grant is None:
        abort(404)
    if services.is_last_sys_admin_grant(grant):
        flash(_("Không thể thu hồi quyền của quản trị hệ thống cuối cùng."), "error")
    else:
        services.revoke_role(grant)
        flash(_("Đã thu hồi vai trò."), "success")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/active")
def user_set_active(user_id):
    """Disable or re-enable an account."""
    user = _get_user(user_id)
    active = request.form.get("active") == "1"
    if not active and user.id == current_user.id:
        flash(_("Bạn không thể tự khóa tài khoản của mình."), "error")
    else:
        services.set_active(user, active)
        flash(_("Đã mở khóa tài khoản.") if active else _("Đã khóa tài khoản."), "success")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/unlock")
def user_unlock(user_id):
    """Lift the lock that many failed logins put on an account."""
    user = _get_user(user_id)
    services.unlock(user)
    flash(_("Đã gỡ khóa đăng nhập của tài khoản."), "success")
    return redirect(url_for("auth.user_detail", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/password")
def user_reset_password(user_id):
    """Set a new password for an account (ends its sessions)."""
    user = _get_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash(_("Đã đặt lại mật khẩu."), "success")
        return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/user_detail.html", user=user, grant_form=GrantForm(),
                           reset_form=form), 400


@bp.get("/admin/audit")
def audit_trail():
    """The audit trail, newest first, filtered by action, object, actor and dates."""
    require("audit.view")
    form = AuditFilterForm(request.args)
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.validate():
        if form.action.data:
            query = query.where(AuditEvent.action.startswith(form.action.data.strip()))
        if form.object_type.data:
            query = query.where(AuditEvent.object_type == form.object_type.data.strip())
        if form.actor.data:
            query = query.where(AuditEvent.actor_label == form.actor.data.strip().lower())
        if form.date_from.data:
            query = query.where(AuditEvent.at >= _day_start(form.date_from.data))
        if form.date_to.data:
            query = query.where(AuditEvent.at < _day_start(form.date_to.data) + timedelta(days=1))
    page = paginate(query, per_page=50) if not form.errors else None
    return render_template("auth/audit.html", form=form, page=page, words=audit_words)


def _day_start(day):
    """Midnight at the start of a day, in the organisation's time zone."""
    return clock.from_local(datetime.combine(day, time.min))

