"""`flask create-admin`: the first system administrator account."""
import sys

import click
from flask_babel import gettext as _

from app.audit import act_as_system
from app.auth import services
from app.database import transactional


def register(app):
    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", "display_name", default="Quản trị hệ thống", show_default=True,
                  help="Display name.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                  envvar="CONGVU_ADMIN_PASSWORD",
                  help="Asked for when not given (or set CONGVU_ADMIN_PASSWORD).")
    def create_admin(username, display_name, password):
        """Create a sys_admin account."""
        act_as_system("cli:create-admin")
        username = services.normalise_username(username)
        if not username or len(username) > 80:
            click.echo(_("Tên đăng nhập không hợp lệ."), err=True)
            sys.exit(1)
        problem = services.password_problem(password, username)
        if problem:
            click.echo(problem, err=True)
            sys.exit(1)
        if services.find_user(username) is not None:
            click.echo(_("Tên đăng nhập đã được sử dụng."), err=True)
            sys.exit(1)
        create_sys_admin(username, display_name, password)
        click.echo(_("Đã tạo tài khoản quản trị %(username)s.", username=username))


@transactional
def create_sys_admin(username, display_name, password):
    user = services.create_user(username, display_name, password)
    services.grant_role(user, "sys_admin", None)
    return user
