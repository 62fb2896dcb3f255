"""Jinja helpers shared by every page: permissions, languages, formatting, pagination."""
from flask import request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from app import clock
from app.permissions import can


def page_url(page):
    """The current URL with another page number, keeping the filters."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app):
    @app.context_processor
    def inject_helpers():
        from app.notifications.services import unread_count

        return {
            "unread_notifications": (lambda: unread_count(current_user))
            if current_user.is_authenticated else (lambda: 0),
            "can": lambda action, target=None: can(current_user, action, target),
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
        }

    app.jinja_env.globals["page_url"] = page_url  # used inside the pager macro
    # dd/MM/yyyy reads the same in Vietnamese and British English.
    app.jinja_env.filters["date"] = lambda value: format_date(value, "dd/MM/yyyy") if value else ""
    # Every timestamp is stored in UTC (SQLite hands them back naive): shown in the local zone.
    app.jinja_env.filters["datetime"] = (
        lambda value: format_datetime(clock.aware(value), "dd/MM/yyyy HH:mm") if value else ""
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
