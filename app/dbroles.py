"""Two database roles on PostgreSQL, so that the audit trail is out of the application's reach:
an owner role that owns the schema (migrations run as it) and a runtime role the web and the
scheduler log in as. The runtime role may read and write the application's tables but may only
INSERT and SELECT on `audit_event`: no UPDATE, DELETE or TRUNCATE, and — not being its owner — no
ALTER TABLE, so it cannot disable the append-only triggers either.

`flask db grant-roles` runs this once, as a superuser (or the database's owner), after
`flask db upgrade`; it is safe to run again after later migrations (README, Production)."""
import re

import click
from flask.cli import with_appcontext
from flask_migrate.cli import db as db_group
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.extensions import db

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY = ("audit_event",)


def _quote(conn: Connection, name: str) -> str:
    if not ROLE_NAME.match(name):
        raise click.BadParameter(f"not a plain role name: {name!r}")
    return name  # a plain lower-case identifier needs no quoting


def _ensure_role(conn: Connection, name: str, password: str | None) -> None:
    exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name})
    verb = "ALTER" if exists else "CREATE"
    login = "LOGIN" if password else "NOLOGIN"
    conn.execute(text(f"{verb} ROLE {name} {login}"))
    if password:
        # The password as a literal: ALTER ROLE takes no bind parameters.
        literal = conn.scalar(text("SELECT quote_literal(:p)"), {"p": password})
        conn.execute(text(f"ALTER ROLE {name} PASSWORD {literal}"))


def grant_roles(conn: Connection, owner: str, runtime: str, owner_password: str | None = None,
                runtime_password: str | None = None) -> list[str]:
    """Create or update both roles and their rights in the connected database; returns the
    tables the runtime role may only append to."""
    owner, runtime = _quote(conn, owner), _quote(conn, runtime)
    _ensure_role(conn, owner, owner_password)
    _ensure_role(conn, runtime, runtime_password)
    database = conn.scalar(text("SELECT current_database()"))
    conn.execute(text(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {owner}, {runtime}'))
    conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {runtime}"))
    conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {runtime}"))
    tables = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
    sequences = conn.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).all()
    functions = conn.scalars(text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'")).all()
    for table in tables:
        conn.execute(text(f'ALTER TABLE public."{table}" OWNER TO {owner}'))
        conn.execute(text(f'REVOKE ALL ON public."{table}" FROM {runtime}'))
        rights = "SELECT, INSERT" if table in APPEND_ONLY else "SELECT, INSERT, UPDATE, DELETE"
        conn.execute(text(f'GRANT {rights} ON public."{table}" TO {runtime}'))
    for sequence in sequences:
        conn.execute(text(f'ALTER SEQUENCE public."{sequence}" OWNER TO {owner}'))
        conn.execute(text(f'GRANT USAGE, SELECT ON SEQUENCE public."{sequence}" TO {runtime}'))
    for function in functions:
        conn.execute(text(f"ALTER FUNCTION {function} OWNER TO {owner}"))
    # Tables a later migration creates (run as the owner) get the same rights.
    conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
                      f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {runtime}"))
    conn.execute(text(f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
                      f"GRANT USAGE, SELECT ON SEQUENCES TO {runtime}"))
    return [t for t in APPEND_ONLY if t in tables]


@db_group.command("grant-roles")
@click.option("--owner", default="congvu_owner", show_default=True, help="Role that owns the schema.")
@click.option("--runtime", default="congvu_app", show_default=True, help="Role the application logs in as.")
@click.option("--owner-password", envvar="CONGVU_OWNER_PASSWORD", help="Lets the owner log in (migrations).")
@click.option("--runtime-password", envvar="CONGVU_RUNTIME_PASSWORD", help="Lets the runtime role log in.")
@with_appcontext
def grant_roles_command(owner, runtime, owner_password, runtime_password):
    """PostgreSQL: an owner role and a runtime role that can only append to the audit trail."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("grant-roles is for PostgreSQL (SQLite has no roles).")
    with db.engine.begin() as conn:
        appended = grant_roles(conn, owner, runtime, owner_password, runtime_password)
    click.echo(f"{owner} owns the schema; {runtime} may only append to: {', '.join(appended)}. "
               f"Run the application as {runtime}, migrations as {owner}.")
