"""PostgreSQL connections across requests: statements stay prepared from one request to the next
(app/database.py ends a healthy transaction with a plain ROLLBACK, which psycopg's own rollback
would follow by forgetting them), while a rollback still undoes what it should and a failed
transaction still recovers."""
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, func, or_, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from app import database
from app.auth.models import User
from app.database import constant, for_dialect
from app.extensions import db
from app.org.models import Unit
from app.permissions import scope_filter
from tests import factories


@pytest.fixture()
def on_postgresql(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (psycopg's prepared statements)")


def _prepared(statement_start):
    """(generic, custom) plan counts of the prepared statements of this connection starting so."""
    rows = db.session.execute(text(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :start"),
        {"start": statement_start + "%"}).all()
    return [tuple(row) for row in rows]


def test_a_pages_statements_stay_prepared_from_one_request_to_the_next(app, client, auth, world,
                                                                        on_postgresql):
    with app.app_context():
        db.engine.dispose()  # one connection, as in a worker: nothing prepared by earlier tests
    auth.login_user(world.users["staff"])
    for _ in range(8):
        assert client.get("/").status_code == 200
    with app.app_context():
        # The signed-in user's statement: prepared on the fifth request, reused since.
        [(generic, custom)] = _prepared("SELECT user_account.id, user_account.username")
        assert generic + custom >= 3


def test_a_rolled_back_write_is_undone(app, world, on_postgresql):
    with app.app_context():
        unit_id = factories.unit("A1").id
        db.session.execute(text("UPDATE unit SET name = 'changed' WHERE id = :id"), {"id": unit_id})
        db.session.rollback()
        db.session.remove()
        with db.engine.connect() as other:
            assert other.scalar(text("SELECT name FROM unit WHERE id = :id"), {"id": unit_id}) != "changed"
        assert db.session.get(Unit, unit_id).name != "changed"


def test_a_failed_transaction_rolls_back_and_the_connection_goes_on(app, world, on_postgresql):
    with app.app_context():
        for _ in range(6):  # prepared, then the transaction fails
            assert db.session.scalar(text("SELECT count(*) FROM unit WHERE kind = :k"), {"k": "division"})
        db.session.execute(text("UPDATE unit SET name = 'changed' WHERE code = 'A1'"))
        with pytest.raises(ProgrammingError):
            db.session.execute(text("SELECT no_such_column FROM unit"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM unit WHERE name = 'changed'")) == 0
        assert db.session.scalar(text("SELECT count(*) FROM unit WHERE kind = :kind"), {"kind": "division"})


def _sign_in_as(client, app, user_id):
    with app.app_context():
        token = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


@pytest.mark.parametrize("persona, url", [
    ("head_a1", "/evaluation/team"), ("head_a1", "/"), ("staff", "/"), ("unit_head_in", "/"),
    ("hr_admin", "/"), ("staff", "assessment")])
def test_every_statement_of_the_busy_pages_is_planned_once_for_all_requests(app, client, world, on_postgresql,
                                                                           persona, url):
    """PostgreSQL reuses one generic plan of each statement of the pages opened all day instead of
    planning it again on every request (statuses written into the SQL, not sent as parameters,
    so that the generic plan knows how few rows are open: app.database.constant)."""
    with app.app_context():
        users = dict(world.users, head_a1=factories.create_user(
            [("unit_head", "A1"), ("staff", "A1")], staff_code="H1", username="head_a1").id)
        db.engine.dispose()
    _sign_in_as(client, app, users[persona])
    if url == "assessment":
        url = f"/evaluation/assessments/{world.assessments['S1']}"
    before = _plans(app)
    for _ in range(12):
        assert client.get(url).status_code == 200
    after = _plans(app)
    assert after
    # Those the page ran (setting up the test ran others on the same connection): five custom plans
    # on the way, then the generic one.
    ran = {statement: (generic - before.get(statement, (0, 0))[0], custom - before.get(statement, (0, 0))[1])
           for statement, (generic, custom) in after.items()}
    replanned = [statement for statement, (generic, custom) in ran.items()
                 if generic + custom >= 7 and not generic]
    assert replanned == []
    assert any(generic for generic, custom in ran.values())


def _plans(app):
    """{statement: (generic plans, custom plans)} of the connection's prepared statements."""
    with app.app_context():
        return {statement: (generic, custom) for generic, custom, statement in db.session.execute(text(
            "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements "
            "WHERE statement LIKE 'SELECT%'"))}


def test_a_constant_is_a_plain_word_written_into_the_sql():
    assert str(select(constant("self_submitted"))) == "SELECT 'self_submitted'"
    for word in ("it's", "a b", "", "mở"):
        with pytest.raises(ValueError):
            constant(word)


def test_a_condition_written_for_each_database_keeps_its_own_parentheses(app, world):
    """`for_dialect` stands for one condition wherever it is put: `x AND (a OR b)`, never
    `x AND a OR b`."""
    with app.app_context():
        anything = for_dialect(or_(Unit.id > 0, Unit.id < 0), or_(Unit.id > 0, Unit.id < 0))
        assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code == "none", anything)) == 0
        assert db.session.scalar(select(func.count(Unit.id)).where(anything)) == 4


def test_a_scope_holds_the_units_under_its_paths_and_no_unit_whose_path_only_begins_alike(app, world):
    """`scope_filter` on each database (on PostgreSQL also a range of the path index) against the
    plain rule: a unit is in scope when its path starts with a granted unit's path — "/1/2/" holds
    "/1/2/5/", never "/1/21/"."""
    with app.app_context():
        for n in range(24):  # ids past 10 and 20: paths that begin like another's
            factories.create_unit(f"U{n}", "A" if n % 3 else "B")
        factories.create_unit("U24", "U12")
        units = db.session.execute(select(Unit.id, Unit.path)).all()
        for _unit_id, path in units:
            head = SimpleNamespace(is_sys_admin=False, grants=[SimpleNamespace(role="hr_admin",
                                                                               unit=SimpleNamespace(path=path))])
            in_sql = set(db.session.scalars(select(Unit.id).where(scope_filter(head, "org.view", Unit.path))))
            assert in_sql == {i for i, p in units if p.startswith(path)}, path


def _backend_pid(app):
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    return pid


def test_the_request_after_the_database_ended_its_connection_still_succeeds(app, client, auth, world,
                                                                           on_postgresql):
    """No ping on every checkout, yet a connection whose backend was terminated (a restart, an
    administrator) is found dead in the pool and replaced before the request uses it."""
    with app.app_context():
        db.engine.dispose()
    auth.login_user(world.users["staff"])
    assert client.get("/").status_code == 200
    pid = _backend_pid(app)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT",
                          poolclass=NullPool)
    with other.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):  # until the backend has gone (and told the socket)
            if not conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
                break
            time.sleep(0.02)
    other.dispose()
    assert client.get("/").status_code == 200
    assert _backend_pid(app) != pid


def test_a_connection_is_pinged_only_when_idle_for_long(app, client, auth, world, on_postgresql, monkeypatch):
    pings = []
    answers = database._answers
    monkeypatch.setattr(database, "_answers", lambda pgconn: pings.append(1) or answers(pgconn))
    auth.login_user(world.users["staff"])
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert pings == []  # used a moment ago, nothing said on its socket: no round trip
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert client.get("/").status_code == 200
    assert pings == [1]
