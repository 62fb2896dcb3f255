"""Jinja helpers shared by every page: permissions, languages, formatting, pagination, and the
environment that compiles each template once per language."""
import os
import re
import weakref
from datetime import date, datetime
from functools import lru_cache

import flask_babel
from babel.support import Translations
from flask import current_app, g, has_request_context, request, url_for
from flask.templating import Environment
from flask_babel import format_date, get_locale, get_timezone
from flask_login import current_user
from jinja2 import nodes, pass_context
from jinja2.visitor import NodeTransformer

from app import clock
from app.forms import csrf_token
from app.permissions import can


def page_url(page):
    """The current URL with another page number, keeping the filters."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# dd/MM/yyyy reads the same in Vietnamese and British English. Written out as Babel writes these
# numbers (zero-padded): its pattern machinery was 10–15 µs a date, several dates a page.
def date_filter(value: date | None) -> str:
    if not value:
        return ""
    if type(value) is not date:
        return format_date(value, "dd/MM/yyyy")  # a moment: its day in the user's time zone
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def datetime_filter(value: datetime | None) -> str:
    """Every timestamp is stored in UTC (SQLite hands them back naive): shown in the local zone."""
    if not value:
        return ""
    local = clock.aware(value).astimezone(get_timezone())
    return f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d}"


_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _pattern(template: str) -> re.Pattern[str]:
    """A catalogue sentence as a regular expression capturing its placeholders."""
    parts, last, seen = [], 0, set()
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        name, kind = match.groups()
        if name in seen:  # the same value again
            parts.append(rf"(?P={name})")
        else:
            parts.append(rf"(?P<{name}>-?\d+)" if kind == "d" else rf"(?P<{name}>.+?)")
            seen.add(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


@lru_cache(maxsize=4)
def _sentences(locale: str, folder: str) -> list[tuple[re.Pattern[str], str]]:
    """(pattern of the sentence in the other language, the sentence in this one), longest first:
    the English catalogue's full sentences (those ending with a full stop)."""
    catalog = getattr(Translations.load(folder, ["en"]), "_catalog", {})
    pairs = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgid.endswith(".") or not msgstr or len(msgid) < 12:
            continue
        source, target = (msgid, msgstr) if locale == "en" else (msgstr, msgid)
        if source != target:
            pairs.append((_pattern(source), target))
    return sorted(pairs, key=lambda pair: -len(pair[0].pattern))


def system_text(text: str | None) -> str:
    """A sentence the system stored in one language (a review-case step it opened, an absence
    finding, a suggestion's explanation), shown in the reader's: every sentence of the text must
    be one of the catalogue's, else the text is what a person typed and stays as it is."""
    if not text:
        return text or ""
    locale = str(get_locale() or "vi")
    sentences = _sentences(locale, os.path.join(current_app.root_path, "translations"))
    out, position = [], 0
    while position < len(text):
        for pattern, target in sentences:
            match = pattern.match(text, position)
            if match and (match.end() == len(text) or text[match.end()] == " "):
                values = {k: int(v) if re.fullmatch(r"-?\d+", v) and f"%({k})d" in target else v
                          for k, v in match.groupdict().items()}
                out.append(target % values if values else target)
                position = match.end() + 1
                break
        else:
            return text
    return " ".join(out)


def _translations():
    """The request's catalogue, found once per request (Flask-Babel looks up the context, the
    domain and the locale again on every string: 30–40 strings a page). Kept where Flask-Babel's
    refresh() and force_locale() clear it, so a change of language within a request is seen."""
    if not g:
        return flask_babel.get_translations()
    if not hasattr(g, "_flask_babel"):
        return flask_babel.get_translations()  # makes the namespace; kept from the next string on
    ctx = g._flask_babel
    found = getattr(ctx, "babel_translations", None)
    if found is None:
        found = ctx.babel_translations = flask_babel.get_translations()
    return found


class _FoldTranslations(NodeTransformer):
    """Replaces `_("constant")`, `gettext("constant")` and `{% trans %}` blocks without a plural by
    their translation, with what jinja2's newstyle gettext does at run time: the text made safe when
    autoescaping and always formatted, with the keyword arguments if any (Markup's `%` escapes
    them). Anything else (not a constant, a plural, a context, a format that fails) stays a call."""

    def __init__(self, translations):
        self.translations = translations

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if not (isinstance(node.node, nodes.Name) and node.node.name in ("_", "gettext")
                and len(node.args) == 1 and isinstance(node.args[0], nodes.Const)
                and isinstance(node.args[0].value, str)
                and node.dyn_args is None and node.dyn_kwargs is None):
            return node
        text = self.translations.ugettext(node.args[0].value)
        if node.kwargs:
            return nodes.Mod(
                nodes.MarkSafeIfAutoescape(nodes.Const(text)),
                nodes.Dict([nodes.Pair(nodes.Const(kw.key), kw.value) for kw in node.kwargs]),
                lineno=node.lineno)
        try:
            text = text % {}
        except (KeyError, ValueError, TypeError):
            return node  # fails as it would at run time
        return nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)


class _KeepConstantUrls(NodeTransformer):
    """Sends `url_for("endpoint", name="constant", …)` to the `constant_url` filter, which builds
    each address once per application root: the layout alone has eleven. A filter, not a call: the
    compiled template calls a filter directly, where a call goes through jinja's `Context.call` and
    its checks (a few µs each). Not those relative to the blueprint (".endpoint") or with a
    `_`-option (`_external` depends on the host)."""

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if (isinstance(node.node, nodes.Name) and node.node.name == "url_for"
                and len(node.args) == 1 and isinstance(node.args[0], nodes.Const)
                and isinstance(node.args[0].value, str) and not node.args[0].value.startswith(".")
                and all(isinstance(kw.value, nodes.Const) and isinstance(kw.value.value, (str, int))
                        and not kw.key.startswith("_") for kw in node.kwargs)
                and node.dyn_args is None and node.dyn_kwargs is None):
            values = tuple((kw.key, kw.value.value) for kw in node.kwargs)
            return nodes.Filter(nodes.Const((node.args[0].value, values)), "constant_url", [], [],
                                None, None, lineno=node.lineno)
        return node


def _template_locale() -> str | None:
    """The language a template loaded now is compiled for: the request's, or force_locale's."""
    locale = get_locale()
    return None if locale is None else str(locale)


class LocalizedEnvironment(Environment):
    """Compiles each template once per language, its constant strings translated: 30–40 strings a
    page then cost nothing at run time, where each was a lookup through the context, the gettext
    wrapper and the catalogue. Templates from strings (from_string) are not kept by the
    environment, so they keep their gettext calls and serve any language. Addresses with
    constant arguments are built once (`constant_url`)."""

    def __init__(self, app, **options):
        super().__init__(app, **options)
        # (application root, endpoint, arguments) → address: bounded by the templates' text and
        # the team page's counters (six a month).
        self._urls: dict[tuple, str] = {}

        # Takes the context so that jinja never folds it at compile time: the address depends on
        # the request's application root.
        @pass_context
        def constant_url_filter(context, address: tuple) -> str:
            return self.constant_url(*address)

        self.filters["constant_url"] = constant_url_filter

    def constant_url(self, endpoint: str, values: tuple) -> str:
        if not has_request_context():
            return url_for(endpoint, **dict(values))  # the application's SERVER_NAME: not kept
        key = (request.script_root, endpoint, values)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = url_for(endpoint, **dict(values))
        return url

    def _load_template(self, name, globals):
        # jinja2's, with the language in the cache key.
        if self.loader is None:
            raise TypeError("no loader for this environment specified")
        cache_key = (weakref.ref(self.loader), name, _template_locale())
        if self.cache is not None:
            template = self.cache.get(cache_key)
            if template is not None and (not self.auto_reload or template.is_up_to_date):
                if globals:
                    template.globals.update(globals)
                return template
        template = self.loader.load(self, name, self.make_globals(globals))
        if self.cache is not None:
            self.cache[cache_key] = template
        return template

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        # A template that assigns its own `_` or `url_for`: its calls are not the catalogue's.
        own = {found.name for found in tree.find_all(nodes.Name) if found.ctx != "load"}
        if not own & {"url_for", "constant_url"}:
            tree = _KeepConstantUrls().visit(tree)
        if name is not None and _template_locale() is not None and not own & {"_", "gettext"}:
            tree = _FoldTranslations(flask_babel.get_translations()).visit(tree)
        tree.set_environment(self)
        return tree


def register(app):
    @app.context_processor
    def inject_helpers():
        from app.notifications.services import unread_count

        user = current_user._get_current_object()

        def unread_notifications():
            if not user.is_authenticated:
                return 0
            # Read with the signed-in user (app/__init__.py load_user), else counted now.
            unread = getattr(user, "unread_notifications", None)
            return unread_count(user) if unread is None else unread

        return {
            "unread_notifications": unread_notifications,
            "can": lambda action, target=None: can(user, action, target),
            "current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
            "csrf_token": csrf_token,  # over Flask-WTF's context processor's
        }

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["page_url"] = page_url  # used inside the pager macro
    app.jinja_env.globals["csrf_token"] = csrf_token  # over Flask-WTF's, for imported macros
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["system_text"] = system_text
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
