"""Công vụ: monthly staff assessment, conduct and citizen feedback for government bodies."""
from functools import cache

from babel import Locale
from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.sessions import SessionInterface
from app.templating import LocalizedEnvironment
from config import INSTANCE_DIR, get_config

# Pages open to anonymous visitors. Everything else requires a login (see register_access_control).
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.sign_in", "main.set_language", "main.health"}
# Citizen feedback (no login, rate-limited) and the JSON API (integration tokens only, never a
# session: app/tasks/api.py authenticates every call itself).
PUBLIC_BLUEPRINTS = {"public_feedback", "api"}

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def create_app(config_name=None):
    """The application factory."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.jinja_environment = LocalizedEnvironment  # before anything creates app.jinja_env
    register_url_converters(app)
    app.config.from_object(get_config(config_name))
    app.session_interface = SessionInterface()
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON and in the audit page
    INSTANCE_DIR.mkdir(exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        # Rate limits key on the citizen's address, not the proxy's.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    register_extensions(app)
    register_blueprints(app)
    register_access_control(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_url_converters(app):
    """`<int:id>` within an id column's range, `<period:code>`, `<year:year>`, and text segments
    without control characters: a bad one never reaches a view (404)."""
    from app.periods import IdConverter, PeriodConverter, TextConverter, YearConverter

    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["period"] = PeriodConverter
    app.url_map.converters["year"] = YearConverter


def select_locale():
    """The visitor's chosen language, else the account's, else the default (Vietnamese)."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return None
    chosen = session.get("lang")
    if chosen in languages:
        return _locale(chosen)
    if current_user.is_authenticated and current_user.locale in languages:
        return _locale(current_user.locale)
    # What Flask-Babel would use for None, already parsed (it parses it again on every request).
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


@cache
def _locale(code):
    """Parsed once: Flask-Babel parses a code on every request, a Locale it takes as it is."""
    return Locale.parse(code)


def register_extensions(app):
    from app.auth.signed_in import SignedIn
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman

    db.init_app(app)
    # Every model module is imported here so that migrations see the whole schema.
    from app import audit  # noqa: F401
    from app.annual import models as annual_models  # noqa: F401
    from app.auth import models as auth_models  # noqa: F401
    from app.conduct import models as conduct_models  # noqa: F401
    from app.evaluation import models as evaluation_models  # noqa: F401
    from app.feedback import models as feedback_models  # noqa: F401
    from app.notifications import models as notification_models  # noqa: F401
    from app.org import models as org_models  # noqa: F401
    from app.reports import models as report_models  # noqa: F401
    from app.reviews import models as review_models  # noqa: F401
    from app.scheduler import models as scheduler_models  # noqa: F401
    from app.tasks import models as task_models  # noqa: F401
    from app.tasks import services as task_services  # noqa: F401  (the T1–T3 suggestion source)
    from app.types import render_item

    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"),
                     render_as_batch=True, compare_type=True, render_item=render_item)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
    )

    @login_manager.user_loader
    def load_user(token):
        # The cookie holds "<id>.<session_version>": a bumped version ends old sessions.
        try:
            user_id, version = (int(part) for part in token.split("."))
        except ValueError:
            return None
        # One query, plain values (app/auth/signed_in.py): the user, their staff record and unit,
        # grants with their units and the unread count (read by base.html's badge).
        # On the session's connection: a Core statement through Session.execute pays for the
        # ORM's execution hooks (about as much again as the statement itself on SQLite).
        rows = db.session.connection().execute(_user_statement(), {"user_id": user_id}).all()
        if not rows:
            return None
        user = SignedIn.from_rows(rows)
        if not user.active or user.session_version != version:
            return None
        return user


@cache
def _user_statement():
    """Built once (its cache key is then computed once, not per request); here because the unread
    count reads notifications, a layer above accounts."""
    from sqlalchemy import bindparam, func, select

    from app.auth.models import User
    from app.auth.signed_in import columns
    from app.notifications.models import Notification

    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == User.__table__.c.id, Notification.read_at.is_(None))
              .scalar_subquery().label("unread"))
    cols, joined = columns()
    grant_id = next(col for col in cols if col.name == "g_id")
    return (select(*cols, unread).select_from(joined)
            .where(User.__table__.c.id == bindparam("user_id")).order_by(grant_id))


def register_blueprints(app):
    from app.annual.views import bp as annual_bp
    from app.auth.views import bp as auth_bp
    from app.conduct.views import bp as conduct_bp
    from app.evaluation.views import bp as evaluation_bp
    from app.feedback.views import bp as feedback_bp
    from app.feedback.views import public as public_feedback_bp
    from app.main.views import bp as main_bp
    from app.notifications.views import bp as notifications_bp
    from app.org.views import bp as org_bp
    from app.reports.views import bp as reports_bp
    from app.reviews.views import bp as reviews_bp
    from app.scheduler.views import bp as scheduler_bp
    from app.tasks.api import bp as api_bp
    from app.tasks.views import bp as tasks_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(annual_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(conduct_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(scheduler_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(public_feedback_bp)


def register_access_control(app):
    """Every page requires a login unless it is listed as public."""
    from app.extensions import login_manager

    @app.before_request
    def require_login():
        if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS \
                or request.blueprint in PUBLIC_BLUEPRINTS:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


def register_errorhandlers(app):
    from app.errors import register

    register(app)


def register_template_helpers(app):
    from app.templating import register

    register(app)


def register_commands(app):
    from app import dbroles  # noqa: F401  (adds `flask db grant-roles`)
    from app.annual import cli as annual_cli  # noqa: F401  (adds its commands to `evaluation`)
    from app.auth.cli import register as register_auth
    from app.demo import seed_demo_command
    from app.evaluation.cli import evaluation_cli
    from app.org.cli import org_cli
    from app.reports.cli import reports_cli
    from app.reviews.cli import reviews_cli  # also adds `evaluation flag-reviews`
    from app.scheduler.cli import scheduler_cli
    from app.tasks.cli import tasks_cli

    register_auth(app)
    app.cli.add_command(org_cli)
    app.cli.add_command(evaluation_cli)
    app.cli.add_command(reviews_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(seed_demo_command)
