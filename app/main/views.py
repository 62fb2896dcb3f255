"""The home page, the language switch and the health check."""
from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from app.auth import services as auth_services
from app.extensions import db
from app.forms import arg
from app.main.inbox import inbox
from app.main.menu import menu_html
from app.main.search import ACTIONS, search
from app.utils import safe_next_url

bp = Blueprint("main", __name__)


@bp.app_context_processor
def inject_menu():
    """The main menu of every page (base.html), built only when a page shows it."""
    user = current_user._get_current_object()
    return {"main_menu": (lambda: menu_html(user)) if user.is_authenticated else (lambda: "")}


@bp.get("/")
def index():
    """The signed-in user's home: the work waiting for them, then their roles."""
    user = current_user._get_current_object()  # read a dozen times: not through the proxy each time
    return render_template("main/index.html", user=user, grants=user.grants, items=inbox(user))


@bp.get("/search/<kind>")
def picker_search(kind):
    """Units, staff or inspectors matching ?q= (accents optional), in the scope of ?for=."""
    if kind not in ACTIONS:
        abort(404)
    return jsonify(search(current_user, kind, arg("q", max_length=100), arg("for", max_length=50)))


@bp.post("/language")
def set_language():
    """Switch the interface language (kept in the session and on the account)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            auth_services.set_locale(current_user.account, lang)
    return redirect(safe_next_url(request.form.get("next")) or url_for("main.index"))


@bp.get("/healthz")
def health():
    """Liveness for the load balancer: the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
