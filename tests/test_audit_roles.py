"""The audit trail is out of the application's reach on PostgreSQL (issue 16): after
`flask db grant-roles`, the runtime role the application logs in as can append to and read
`audit_event`, and can neither truncate, update, delete nor disable its triggers."""
import os
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.extensions import db


@pytest.fixture()
def roles(app, runner):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (SQLite has no roles)")
    suffix = (os.environ.get("PYTEST_XDIST_WORKER") or "main") + secrets.token_hex(3)
    owner, runtime, password = f"congvu_owner_{suffix}", f"congvu_app_{suffix}", secrets.token_urlsafe(12)
    result = runner.invoke(args=["db", "grant-roles", "--owner", owner, "--runtime", runtime,
                                 "--runtime-password", password])
    assert result.exit_code == 0, result.output
    assert f"{runtime} may only append to: audit_event" in result.output
    engine = create_engine(make_url(url).set(username=runtime, password=password))
    yield engine
    engine.dispose()
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(f"REASSIGN OWNED BY {owner} TO CURRENT_USER"))
        for role in (owner, runtime):
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


ATTEMPTS = [
    "TRUNCATE audit_event",
    "UPDATE audit_event SET action = 'forged'",
    "DELETE FROM audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "DROP TABLE audit_event",
    "ALTER TABLE audit_event OWNER TO CURRENT_USER",
]


def test_the_runtime_role_appends_and_reads_but_cannot_alter_the_trail(app, roles):
    with roles.begin() as conn:
        conn.execute(text("INSERT INTO audit_event (at, actor_label, action, object_type) "
                          "VALUES (now(), 'runtime', 'test.appended', 'test')"))
        assert conn.scalar(text("SELECT count(*) FROM audit_event WHERE action = 'test.appended'")) == 1
        # The rest of the schema stays writable for the application.
        conn.execute(text("UPDATE user_account SET locale = locale"))
    refused = []
    for statement in ATTEMPTS:
        with roles.connect() as conn:
            try:
                conn.execute(text(statement))
                conn.commit()
            except DBAPIError as exc:
                refused.append((statement, "permission denied" in str(exc.orig) or "must be owner"
                                in str(exc.orig)))
    assert refused == [(statement, True) for statement in ATTEMPTS]
    with roles.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_event WHERE action = 'test.appended'")) == 1


def test_grant_roles_refuses_on_sqlite(app, runner):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite only")
    result = runner.invoke(args=["db", "grant-roles"])
    assert result.exit_code != 0 and "PostgreSQL" in result.output
