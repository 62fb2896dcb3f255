"""The JSON API for the task software: token-only, scoped, audited, rate-limited, problem+json in
both languages, and every real response valid against the OpenAPI 3.1 document."""

import re
from datetime import date

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app import clock
from app.audit import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.org.models import Unit
from app.tasks import services
from app.tasks.models import IntegrationToken, Task
from app.tasks.openapi import DOCUMENT
from tests import factories
from tests.tasks.test_ledger import SCENARIO_LINE

PATHS = [
    (re.compile("^/api/v1" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in DOCUMENT["paths"]
]


def check_against_openapi(method, url, response):
    """The response's status, media type and body are those the document describes."""
    path = next(template for pattern, template in PATHS if pattern.match(url.split("?")[0]))
    operation = DOCUMENT["paths"][path][method.lower()]
    described = operation["responses"].get(str(response.status_code))
    assert described is not None, f"{method} {url}: {response.status_code} is not documented"
    media = response.mimetype
    assert media in described["content"], f"{method} {url}: {media} is not documented"
    schema = {**described["content"][media]["schema"], "components": DOCUMENT["components"]}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        response.get_json()
    )


class Api:
    """A client of the API with a token, checking every response against the document."""

    def __init__(self, client, secret, language="vi"):
        self.client, self.secret, self.language = client, secret, language

    def call(self, method, url, json=None, headers=None):
        sent = {
            "Accept-Language": self.language,
            **({"Authorization": f"Bearer {self.secret}"} if self.secret else {}),
            **(headers or {}),
        }
        response = self.client.open(url, method=method, json=json, headers=sent)
        check_against_openapi(method, url, response)
        return response


def _token(app, unit_code):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        token, secret = services.create_token("Phần mềm giao việc tỉnh", factories.unit(unit_code), admin)
        return token.id, secret


@pytest.fixture()
def api(app, client, world):
    with app.app_context():
        services.save_product("P-VB", "Văn bản", "Document", "", "1.5", None, None, date(2026, 1, 1))
    _id, secret = _token(app, "ROOT")
    return Api(client, secret)


def test_the_document_is_openapi_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"
    Draft202012Validator.check_schema({"components": DOCUMENT["components"]})


def test_the_scenario_through_the_api_gives_the_same_results_as_the_cli(app, api, runner):
    clock.freeze(date(2026, 3, 1))

    def put(ref, **body):
        base = {"staff_code": "S1", "assigned_on": "2026-03-01", "quantity": 1}
        return api.call("PUT", f"/api/v1/tasks/{ref}", {**base, **body})

    assert put("R-A", product_code="P-VB", quantity=2, due_on="2026-03-10").status_code == 201
    assert put("R-A", product_code="P-VB", quantity=2, due_on="2026-03-10").status_code == 200  # idempotent
    put("R-B", coefficient="2.0", due_on="2026-03-15")
    put("R-C", product_code="P-VB", due_on="2026-03-20")
    put("R-D", product_code="P-VB", quantity=2, due_on="2026-03-25")
    put("R-E", coefficient=0.5, quantity=2, due_on="2026-03-31")
    assert (
        api.call("POST", "/api/v1/tasks/R-A/submission", {"submitted_on": "2026-03-11"}).get_json()["late"]
        == 1
    )
    assert (
        api.call("POST", "/api/v1/tasks/R-A/review", {"decision": "accept"}).get_json()["status"]
        == "accepted"
    )
    api.call("POST", "/api/v1/tasks/R-B/submission", {"submitted_on": "2026-03-14", "note": "Bản 1"})
    api.call("POST", "/api/v1/tasks/R-B/review", {"decision": "return", "note": "Thiếu số liệu"})
    api.call(
        "POST", "/api/v1/tasks/R-B/submission", {"submitted_on": "2026-03-14", "link": "https://vb.example/2"}
    )
    api.call("POST", "/api/v1/tasks/R-B/review", {"decision": "return", "note": "Còn sai sót"})
    api.call("POST", "/api/v1/tasks/R-B/submission", {"submitted_on": "2026-03-17"})
    api.call("POST", "/api/v1/tasks/R-B/review", {"decision": "accept"})
    # The objective cause, the cancellation and the extension are the head's, on the board; the
    # task software reports them through the same upsert.
    put(
        "R-B",
        coefficient="2.0",
        due_on="2026-03-15",
        status="accepted",
        submitted_on="2026-03-17",
        returns=2,
        late=1,
        exempt_returns=1,
    )
    put("R-C", product_code="P-VB", due_on="2026-03-20", status="cancelled")
    put("R-D", product_code="P-VB", quantity=2, due_on="2026-04-05")
    body = api.call("GET", "/api/v1/staff/S1/results/2026-03").get_json()
    line = ",".join(
        [
            "S1",
            "2026-03",
            f"{body['assigned']:.2f}",
            *(f"{body[k]:.2f}" for k in ("quantity_pct", "quality_pct", "progress_pct")),
            *(f"{body[k]:.1f}" for k in ("t1", "t2", "t3")),
        ]
    )
    assert line == SCENARIO_LINE
    assert runner.invoke(args=["tasks", "results", "2026-03"]).stdout.splitlines()[1] == SCENARIO_LINE
    nothing = api.call("GET", "/api/v1/staff/S2/results/2026-03").get_json()
    assert nothing["t1"] is None and "Không có nhiệm vụ" in nothing["explanation"]


def test_the_api_refuses_bad_input_with_problems_in_the_callers_language(app, api):
    bad = api.call(
        "PUT",
        "/api/v1/tasks/X-1",
        {"staff_code": "NOBODY", "quantity": 0, "assigned_on": "2026-02-30", "due_on": "2026-03-01"},
    )
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert any("NOBODY" in e for e in bad.get_json()["errors"])
    english = Api(api.client, api.secret, "en")
    problem = english.call("POST", "/api/v1/tasks/NOPE/review", {"decision": "accept"})
    assert problem.status_code == 404 and problem.get_json()["title"] == "Not found"
    english.call(
        "PUT",
        "/api/v1/tasks/X-2",
        {
            "staff_code": "S1",
            "quantity": 1,
            "coefficient": 1,
            "assigned_on": "2026-03-01",
            "due_on": "2026-03-31",
        },
    )
    refused = english.call("POST", "/api/v1/tasks/X-2/review", {"decision": "accept"})
    assert refused.status_code == 422
    assert refused.get_json()["detail"] == "Only a task reported as completed can be accepted."
    assert (
        api.call("POST", "/api/v1/tasks/X-2/review", {"decision": "accept"}).get_json()["detail"]
        == "Chỉ nghiệm thu được nhiệm vụ đã báo cáo hoàn thành."
    )
    assert api.call("POST", "/api/v1/tasks/X-2/submission", ["not", "an", "object"]).status_code == 422
    assert api.call("GET", "/api/v1/staff/S1/results/2026-13").status_code == 422


def test_only_a_valid_unrevoked_token_opens_the_api_never_a_session(app, client, auth, api):
    nobody = Api(client, None)
    assert nobody.call("GET", "/api/v1/staff/S1/results/2026-03").status_code == 401
    auth.login_user(app_user(app, "admin"))  # a sys_admin session is not a token
    assert nobody.call("GET", "/api/v1/staff/S1/results/2026-03").status_code == 401
    assert Api(client, "cv_guessed").call("GET", "/api/v1/staff/S1/results/2026-03").status_code == 401
    with app.app_context():
        token = db.session.scalar(select(IntegrationToken))
        assert token.token_hash != api.secret and len(token.token_hash) == 64
        assert token.last_used_at is None
    assert api.call("GET", "/api/v1/staff/S1/results/2026-03").status_code == 200
    with app.app_context():
        token = db.session.scalar(select(IntegrationToken))
        assert token.last_used_at is not None
        services.revoke_token(token)
    assert api.call("GET", "/api/v1/staff/S1/results/2026-03").status_code == 401


def app_user(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_a_token_sees_only_its_unit_subtree(app, client, api):
    _id, secret = _token(app, "B")
    scoped = Api(client, secret)
    assert scoped.call("GET", "/api/v1/staff/S2/results/2026-03").status_code == 200
    assert scoped.call("GET", "/api/v1/staff/S1/results/2026-03").status_code == 404
    made = scoped.call(
        "PUT",
        "/api/v1/tasks/Y-1",
        {
            "staff_code": "S1",
            "quantity": 1,
            "coefficient": 1,
            "assigned_on": "2026-03-01",
            "due_on": "2026-03-31",
        },
    )
    assert made.status_code == 422
    api.call(
        "PUT",
        "/api/v1/tasks/Y-2",
        {
            "staff_code": "S1",
            "quantity": 1,
            "coefficient": 1,
            "assigned_on": "2026-03-01",
            "due_on": "2026-03-31",
        },
    )
    assert scoped.call("POST", "/api/v1/tasks/Y-2/submission", {}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Task.status).where(Task.external_ref == "Y-2")) == "assigned"


def test_every_call_is_audited_and_calls_are_rate_limited(app, api):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [api.call("GET", "/api/v1/staff/S1/results/2026-03").status_code for _n in range(4)]
    finally:
        app.config.pop("API_RATE_LIMIT")
    assert codes == [200, 200, 200, 429]
    with app.app_context():
        calls = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")).all()
        assert len(calls) == 3 and calls[0].after["call"] == "results"
        assert calls[0].actor_label.startswith("api:")


def test_csrf_does_not_apply_to_token_calls(app, client, api):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = api.call(
            "PUT",
            "/api/v1/tasks/Z-1",
            {
                "staff_code": "S1",
                "quantity": 1,
                "coefficient": 1,
                "assigned_on": "2026-03-01",
                "due_on": "2026-03-31",
            },
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Unit, 1) is not None


def test_hostile_paths_get_a_clear_answer_never_a_500(app, client, auth, world, api):
    assert api.call("GET", "/api/v1/staff/S1%00/results/2026-03").status_code == 404
    assert api.call("POST", "/api/v1/tasks/A%00B/review", {"decision": "accept"}).status_code == 404
    # A control character never matches a route (the URL converter): 404, still problem+json.
    nul = api.call("PUT", "/api/v1/tasks/A%00B", {"staff_code": "S1"})
    assert nul.status_code == 404 and nul.mimetype == "application/problem+json"
    assert api.call("PUT", "/api/v1/tasks/" + "R" * 101, {"staff_code": "S1"}).status_code == 422
    auth.login_user(world.users["sys_admin"])
    for url in (
        "/tasks/99999999999999999999",
        "/tasks/files/99999999999999999999",
        "/tasks/board?period=9999-99",
        "/tasks/board?status=%00",
        "/tasks/mine?page=99999999999",
    ):
        assert client.get(url).status_code in (200, 404), url
