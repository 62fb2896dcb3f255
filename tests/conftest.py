"""Fixtures in the flaskr style: app, client, runner, auth; a fresh database for every test.

SQLite: the schema is built once by the migrations into a template file, copied before each
test. PostgreSQL (TEST_DATABASE_URL): the schema is rebuilt once, tables truncated before each test.
"""
import os
import shutil

os.environ["APP_ENV"] = "testing"

import pytest  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import (
    clock,  # noqa: E402
    create_app,  # noqa: E402
)
from app.conduct.defaults import insert_defaults as insert_conduct_defaults  # noqa: E402
from app.evaluation.defaults import insert_defaults  # noqa: E402
from app.extensions import db, limiter  # noqa: E402
from tests import factories  # noqa: E402


def _sqlite_path(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else None


@pytest.fixture(scope="session")
def app():
    app = create_app("testing")
    with app.app_context():
        path = _sqlite_path(app)
        if path:
            db.engine.dispose()
            if os.path.exists(path):
                os.remove(path)
            upgrade()
            db.engine.dispose()
            shutil.copyfile(path, path + ".template")
        else:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            upgrade()
    return app


@pytest.fixture(autouse=True)
def fresh_database(app):
    """Every test starts from an empty, fully migrated database."""
    with app.app_context():
        path = _sqlite_path(app)
        if path:
            db.engine.dispose()
            shutil.copyfile(path + ".template", path)
        else:
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                insert_defaults(conn)  # the rows migrations 0002 and 0005 seed
                insert_conduct_defaults(conn)
        limiter.reset()
    yield
    clock.freeze(None)
    with app.app_context():
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log a test client in as a user, or as a new user with a role over a unit."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def login_user(self, user_id):
        with self.app.app_context():
            user = db.session.get(factories.User, user_id)
            token = user.get_id()
        with self.client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return user_id

    def login(self, as_role="staff", unit_code=None, staff_code=None):
        """Create an account with `as_role` over the unit and sign the client in; returns its id."""
        with self.app.app_context():
            user = factories.create_user(roles=[(as_role, unit_code)], staff_code=staff_code)
            user_id = user.id
        return self.login_user(user_id)

    def login_with_password(self, username, password):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture()
def auth(app, client):
    return AuthActions(app, client)


@pytest.fixture()
def world(app):
    """A small organisation: ROOT → A → A1, ROOT → B, with staff in A1 and B."""
    with app.app_context():
        return factories.create_world()
