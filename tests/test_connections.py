"""PostgreSQL connections across requests: statements stay prepared from one request to the next
(app/database.py ends a healthy transaction with a plain ROLLBACK, which psycopg's own rollback
would follow by forgetting them), while a rollback still undoes what it should and a failed
transaction still recovers."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from app.extensions import db
from app.org.models import Unit
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


def test_a_pages_statements_stay_prepared_from_one_request_to_the_next(app, client, auth, world, on_postgresql):
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
            assert db.session.scalar(text("SELECT count(*) FROM unit WHERE kind = :kind"), {"kind": "division"})
        db.session.execute(text("UPDATE unit SET name = 'changed' WHERE code = 'A1'"))
        with pytest.raises(ProgrammingError):
            db.session.execute(text("SELECT no_such_column FROM unit"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM unit WHERE name = 'changed'")) == 0
        assert db.session.scalar(text("SELECT count(*) FROM unit WHERE kind = :kind"), {"kind": "division"})
