"""Flask extensions, created unbound and initialised in create_app()."""
import flask
import flask_limiter
import flask_talisman
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so that migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, not consulted before a request that no limit can apply to there.

    Its before-request check applies the application, default and meta limits and the limits of
    the request's blueprints (a view's own limits are checked by its decorator): with none of the
    first three configured (nor the in-memory fallback), a request outside a limited blueprint has
    nothing to check there, yet resolving that took about 6 % of an empty signed-in page's work.
    It reads the extension's own settings (private in 4.1.1, pinned; tests/test_extensions.py
    checks each kind of limit still applies)."""

    def init_app(self, app):
        super().init_app(app)
        app.extensions["limiter_free"] = {}  # (limiter, blueprint, blueprint limits) → none apply

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        manager = self.limit_manager
        if in_middleware and not (manager._application_limits or manager._default_limits
                                  or self._meta_limits or self._in_memory_fallback_enabled):
            free = flask.current_app.extensions["limiter_free"]
            blueprint = flask.request.blueprint  # "parent.child" as registered, or None
            key = (id(self), blueprint, len(manager._blueprint_limits))  # a limit added later: asked again
            if key not in free:
                free[key] = not _blueprint_names(blueprint) & manager._blueprint_limits.keys()
            if free[key]:
                return
        super()._check_request_limit(callable_name, in_middleware)


def _blueprint_names(blueprint):
    """The names Flask-Limiter looks up a request's blueprint limits by: each part of the
    registered dotted name and the blueprint's own name (it may be registered under another)."""
    if not blueprint:
        return set()
    registered = flask.current_app.blueprints.get(blueprint)
    return set(blueprint.split(".")) | ({registered.name} if registered else set())


class Talisman(flask_talisman.Talisman):
    """Flask-Talisman with what it recomputed on every request kept: each view's options (the
    defaults merged with the view's own, fixed once the app is set up: four times a request) and
    each policy as its header's text (parsed from the same setting every time, unless a CSP nonce
    makes it differ). Its headers and redirects are its own (tests/auth/test_login.py checks them)."""

    def init_app(self, app, **options):
        super().init_app(app, **options)
        self._options = {}  # view function → its options (the last init_app's, like Talisman's)
        self._policies = {}  # id(policy) → (policy, its text)

    def _get_local_options(self):
        view = flask.current_app.view_functions.get(flask.request.endpoint)
        options = self._options.get(view)
        if options is None:
            options = self._options[view] = super()._get_local_options()
        return options

    def _parse_policy(self, policy):
        if hasattr(flask.request, "csp_nonce"):
            return super()._parse_policy(policy)
        kept = self._policies.get(id(policy))
        if kept is None or kept[0] is not policy:
            kept = self._policies[id(policy)] = (policy, super()._parse_policy(policy))
        return kept[1]


limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()
