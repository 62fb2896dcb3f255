"""Fixtures in the flaskr style: app, client, runner, auth; a fresh database for every test.

SQLite: the schema is built once by the migrations into a template file, copied before each
test. PostgreSQL (TEST_DATABASE_URL): the schema is rebuilt once and the rows the migrations
seed are kept aside; before each test the tables are truncated and those rows put back.

Under pytest-xdist (`pytest -n 2`) every worker has its own database, named after the worker:
instance/testing-gw0.db, or <database>_gw0 next to the PostgreSQL database of TEST_DATABASE_URL
(created when missing, dropped at the end), and its own instance folder for uploaded files.
"""
import os
import shutil
from pathlib import Path

from sqlalchemy.engine import make_url

os.environ["APP_ENV"] = "testing"
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest-xdist, else None
INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _worker_database_url(url, worker):
    """The database of one xdist worker: the same URL with the worker's name in the file or database."""
    if url is None:
        return f"sqlite:///{INSTANCE_DIR / f'testing-{worker}.db'}"
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return url  # in memory: private to the worker already
        stem, dot, suffix = parsed.database.rpartition(".")
        database = f"{stem}-{worker}.{suffix}" if dot else f"{parsed.database}-{worker}"
    else:
        database = f"{parsed.database}_{worker}"
    return parsed.set(database=database).render_as_string(hide_password=False)


if WORKER:  # before config.py reads TEST_DATABASE_URL (imported by the app below)
    os.environ["TEST_DATABASE_URL"] = _worker_database_url(os.environ.get("TEST_DATABASE_URL"), WORKER)

import pytest  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import Integer, create_engine, select, text  # noqa: E402

from app import clock, create_app  # noqa: E402
from app.extensions import db, limiter  # noqa: E402
from tests import factories  # noqa: E402


def _sqlite_path(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else None


def _create_postgresql_database(url):
    """CREATE DATABASE when missing (from the maintenance database, outside a transaction)."""
    parsed = make_url(url)
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": parsed.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        engine.dispose()


def _drop_postgresql_database(url):
    parsed = make_url(url)
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


class Seed:
    """The rows the migrations leave in a PostgreSQL database, put back after each TRUNCATE."""

    def __init__(self, conn):
        self.rows = []  # (table, rows) in db.metadata.sorted_tables order: parents first
        for table in db.metadata.sorted_tables:
            rows = [dict(row) for row in conn.execute(select(table)).mappings()]
            if rows:
                self.rows.append((table, rows))
        # Tables whose integer id draws from a sequence (serial or identity).
        self.sequences = [
            table.name for table, _ in self.rows
            if "id" in table.c and isinstance(table.c.id.type, Integer)
            and conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        ]

    def restore(self, conn):
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for table, rows in self.rows:
            conn.execute(table.insert(), rows)
        for name in self.sequences:  # the next id follows the seeded ones
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"COALESCE(MAX(id), 0) + 1, false) FROM {name}"))


@pytest.fixture(scope="session")
def app():
    app = create_app("testing")
    if WORKER:  # uploaded files stay apart from the other workers' (instance/testing-gw0/)
        app.instance_path = str(INSTANCE_DIR / f"testing-{WORKER}")
        os.makedirs(app.instance_path, exist_ok=True)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
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
            _create_postgresql_database(url)
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            upgrade()
            with db.engine.connect() as conn:
                app.extensions["tests.seed"] = Seed(conn)
    yield app
    if WORKER and url.startswith("postgresql"):  # the worker's own database: drop it
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _drop_postgresql_database(url)


@pytest.fixture(autouse=True)
def fresh_database(app):
    """Every test starts from a fully migrated database holding only the migrations' rows."""
    with app.app_context():
        path = _sqlite_path(app)
        if path:
            db.engine.dispose()
            shutil.copyfile(path + ".template", path)
        else:
            with db.engine.begin() as conn:
                app.extensions["tests.seed"].restore(conn)
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
