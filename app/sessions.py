"""The session cookie: Flask's signed cookie, re-issued when it changes or has aged, not on every
response.

Flask re-signs and re-sends a permanent session on every response (SESSION_REFRESH_EACH_REQUEST)
so that it expires PERMANENT_SESSION_LIFETIME after the last request. Serialising, compressing
and signing it again is a third of a millisecond on every signed-in page; a cookie re-issued
only once it is REFRESH_AFTER old keeps the same sliding expiry to within REFRESH_AFTER (a
session idle for the lifetime still ends; one in use never does), and it is never trusted longer:
the signature's own timestamp is checked against the lifetime on every request, as before.
A cookie's checked content is kept (`_verified`), so a page reading the cookie it read before
pays for its age check only.
"""
import copy
import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired, timed

# A cookie unchanged by the request is re-issued once it is this old.
REFRESH_AFTER = timedelta(minutes=5)


class Session(SecureCookieSession):
    """A session that knows when its cookie was signed (None: new, or not from a cookie)."""

    issued_at: Any = None


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session: the signing serializer built once per key, and an unchanged
    permanent session re-sent only when its cookie is REFRESH_AFTER old."""

    session_class = Session

    def __init__(self) -> None:
        self._serializers: dict[Any, Any] = {}

    def get_signing_serializer(self, app):
        # Built once per key (Flask builds it twice per request, open and save).
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None and app.secret_key:
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            items, issued_at = _verified(serializer, value)
            age = int(timed.time.time()) - issued_at.timestamp()  # itsdangerous's clock, as its own check
            if not 0 <= age <= max_age:
                raise SignatureExpired("the session has expired")
        except BadSignature:
            return self.session_class()
        data = dict(items)
        if not all(isinstance(item, (str, int, float, type(None))) for item in data.values()):
            data = copy.deepcopy(data)  # flashed messages (a list): the kept ones stay as they were
        session = self.session_class(data)
        session.issued_at = issued_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued_at = getattr(session, "issued_at", None)
        if issued_at is None:
            return True
        # itsdangerous signs with time.time(), not the application's clock (which tests move).
        return time.time() - issued_at.timestamp() >= REFRESH_AFTER.total_seconds()


@lru_cache(maxsize=4096)
def _verified(serializer, value: str) -> tuple[tuple, Any]:
    """A cookie's content (as items) and when it was signed, checked and decoded once per
    serializer (its secret keys) and value: a signed-in user's pages send the same cookie until it
    is re-issued, and checking it was about 6 % of a page's work. Raises BadSignature (a refused
    cookie is not kept); its age is checked on every request by open_session."""
    data, issued_at = serializer.loads(value, return_timestamp=True)
    return tuple(data.items()), issued_at
