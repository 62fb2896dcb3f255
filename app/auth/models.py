"""User accounts and their role grants, each scoped to a unit and its descendants."""
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin

from app.clock import utcnow
from app.extensions import db
from app.text import fold

ROLES = {
    "staff": _l("Cán bộ, công chức"),
    "unit_head": _l("Thủ trưởng đơn vị"),
    "inspector": _l("Thành viên đoàn kiểm tra"),
    "hr_admin": _l("Cán bộ tổ chức - nhân sự"),
    "sys_admin": _l("Quản trị hệ thống"),
}


class User(UserMixin, db.Model):
    """A login account, linked to at most one staff member."""

    __tablename__ = "user_account"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, unique=True)
    display_name = db.Column(db.String(255), nullable=False)
    email = db.Column(db.String(255))
    password_hash = db.Column(db.String(255), nullable=False)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), unique=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    locale = db.Column(db.String(5), nullable=False, default="vi")
    # Part of the session cookie: bumping it ends every session of the account.
    session_version = db.Column(db.Integer, nullable=False, default=1)
    failed_logins = db.Column(db.Integer, nullable=False, default=0)
    locked_until = db.Column(db.DateTime(timezone=True))
    last_login_at = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # fold(username + " " + display_name): what the account search compares with ("huong" finds
    # "Hương"), kept on every insert and update.
    search = db.Column(db.String(340), nullable=False, default="", server_default="")

    staff = db.relationship("Staff", lazy="joined")
    grants = db.relationship(
        "RoleGrant", lazy="selectin", cascade="all, delete-orphan",
        foreign_keys="RoleGrant.user_id", order_by="RoleGrant.id", back_populates="user",
    )

    def get_id(self):
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self):
        return self.active

    @property
    def roles(self):
        return {grant.role for grant in self.grants}

    @property
    def is_sys_admin(self):
        return "sys_admin" in self.roles

    def __repr__(self):
        return f"<User {self.username}>"


@db.event.listens_for(User, "before_insert")
@db.event.listens_for(User, "before_update")
def _user_search(_mapper, _connection, user):
    user.search = fold(f"{user.username} {user.display_name}")[:340]


class RoleGrant(db.Model):
    """A role held by a user over a unit and all its descendants (sys_admin: everywhere)."""

    __tablename__ = "role_grant"
    __table_args__ = (
        db.CheckConstraint(
            "role IN ('staff', 'unit_head', 'inspector', 'hr_admin', 'sys_admin')", name="role"
        ),
        db.CheckConstraint("role = 'sys_admin' OR unit_id IS NOT NULL", name="scope"),
        db.UniqueConstraint("user_id", "role", "unit_id", name="uq_role_grant_user_role_unit"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    role = db.Column(db.String(20), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), index=True)
    granted_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    granted_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))

    unit = db.relationship("Unit", lazy="joined")
    user = db.relationship("User", foreign_keys=[user_id], back_populates="grants")

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)
