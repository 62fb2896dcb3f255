"""app/extensions.py's Limiter and Talisman: what they keep between requests changes nothing they
do, on small applications of their own (the app's instances are shared by every test)."""
import flask_limiter
import pytest
from flask import Blueprint, Flask

from app.extensions import Limiter, Talisman


def _limited(**options):
    app = Flask(__name__)
    limiter = Limiter(key_func=lambda: "one client", storage_uri="memory://", **options)
    parent, child = Blueprint("parent", __name__), Blueprint("child", __name__)

    @child.get("/in-child")
    def in_child():
        return "child"

    @app.get("/free")
    def free():
        return "free"

    @app.get("/decorated")
    @limiter.limit("1 per minute")
    def decorated():
        return "decorated"

    parent.register_blueprint(child)
    return app, limiter, parent


@pytest.mark.parametrize("options", [
    {"default_limits": ["2 per minute"]},
    {"application_limits": ["2 per minute"]},
])
def test_limits_checked_before_every_request_still_apply(options):
    app, limiter, parent = _limited(**options)
    app.register_blueprint(parent)
    limiter.init_app(app)
    client = app.test_client()
    assert [client.get("/free").status_code for _n in range(3)] == [200, 200, 429]


def test_a_client_over_a_meta_limit_is_refused_everywhere():
    app, limiter, parent = _limited(meta_limits=["1 per hour"])
    app.register_blueprint(parent)
    limiter.init_app(app)
    client = app.test_client()
    assert [client.get("/decorated").status_code for _n in range(2)] == [200, 429]  # one breach
    assert client.get("/free").status_code == 429


def test_a_blueprint_limit_applies_to_its_nested_blueprints_and_a_view_limit_to_its_view():
    app, limiter, parent = _limited()
    limiter.limit("2 per minute")(parent)
    app.register_blueprint(parent)
    limiter.init_app(app)
    client = app.test_client()
    assert [client.get("/in-child").status_code for _n in range(3)] == [200, 200, 429]
    assert [client.get("/decorated").status_code for _n in range(2)] == [200, 429]
    assert [client.get("/free").status_code for _n in range(5)] == [200] * 5


def test_a_nested_or_renamed_blueprint_keeps_its_own_limit():
    app, limiter, parent = _limited()
    child = parent._blueprints[0][0]
    limiter.limit("1 per minute")(child)
    app.register_blueprint(parent)
    renamed = Blueprint("orig", __name__)

    @renamed.get("/renamed")
    def in_renamed():
        return "renamed"

    limiter.limit("1 per minute")(renamed)
    app.register_blueprint(renamed, name="other", url_prefix="/other")
    limiter.init_app(app)
    client = app.test_client()
    assert [client.get("/in-child").status_code for _n in range(2)] == [200, 429]
    assert [client.get("/other/renamed").status_code for _n in range(2)] == [200, 429]


def test_a_limit_added_after_the_first_request_applies():
    app, limiter, parent = _limited()
    app.register_blueprint(parent)
    limiter.init_app(app)
    client = app.test_client()
    assert client.get("/in-child").status_code == 200
    limiter.limit("1 per minute")(parent)
    assert [client.get("/in-child").status_code for _n in range(2)] == [200, 429]


def test_a_request_no_limit_can_apply_to_skips_the_check(monkeypatch):
    checked = []
    original = flask_limiter.Limiter._check_request_limit

    def recording(self, *args, **kwargs):
        checked.append(True)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(flask_limiter.Limiter, "_check_request_limit", recording)
    app, limiter, parent = _limited()
    limiter.limit("5 per minute")(parent)
    app.register_blueprint(parent)
    limiter.init_app(app)
    client = app.test_client()
    client.get("/free")
    assert checked == []
    client.get("/in-child")
    assert checked == [True]
    response = client.get("/decorated")  # checked by its decorator
    assert checked == [True, True] and response.status_code == 200


def _secured(**options):
    app = Flask(__name__)
    talisman = Talisman()

    @app.get("/plain")
    def plain():
        return "plain"

    @app.get("/framed")
    @talisman(frame_options="SAMEORIGIN")
    def framed():
        return "framed"

    policy = {"default-src": "'self'", "img-src": ["'self'", "data:"], "script-src": "'self'"}
    talisman.init_app(app, content_security_policy=policy, frame_options="DENY", **options)
    return app


def test_each_view_keeps_its_own_options_and_http_is_sent_to_https():
    client = _secured().test_client()
    for _n in range(2):  # the second time from what was kept
        plain = client.get("/plain")
        assert plain.status_code == 302 and plain.location == "https://localhost/plain"
        secure = client.get("/plain", base_url="https://localhost")
        assert secure.headers["X-Frame-Options"] == "DENY"
        assert secure.headers["Strict-Transport-Security"] == "max-age=31556926; includeSubDomains"
        assert secure.headers["Content-Security-Policy"] == \
            "default-src 'self'; img-src 'self' data:; script-src 'self'"
        framed = client.get("/framed", base_url="https://localhost")
        assert framed.headers["X-Frame-Options"] == "SAMEORIGIN"
        missing = client.get("/nowhere", base_url="https://localhost")
        assert missing.status_code == 404 and missing.headers["X-Frame-Options"] == "DENY"


def test_a_policy_with_a_nonce_differs_on_every_request():
    client = _secured(force_https=False, content_security_policy_nonce_in=["script-src"]).test_client()
    headers = {client.get("/plain").headers["Content-Security-Policy"] for _n in range(3)}
    assert len(headers) == 3 and all("'nonce-" in header for header in headers)
