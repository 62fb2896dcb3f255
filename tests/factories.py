"""Plain helpers that create test data through the services (call inside an app context)."""
import io
import itertools
from datetime import date
from types import SimpleNamespace

from PIL import Image
from sqlalchemy import select

from app import clock
from app.auth import services as auth_services
from app.auth.models import User  # noqa: F401  (tests use factories.User)
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment
from app.extensions import db
from app.org import services as org_services
from app.org.models import Staff, Unit

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def staff(code):
    return db.session.scalar(select(Staff).where(Staff.code == code))


def create_unit(code, parent_code=None, kind="division", name=None):
    parent = unit(parent_code) if parent_code else None
    return org_services.create_unit(code, name or f"Đơn vị {code}", kind, parent)


def create_staff(code, unit_code, is_head=False, category="cong_chuc", front_desk=False,
                 start_date=date(2020, 1, 1), full_name=None):
    return org_services.create_staff(
        unit(unit_code), code=code, full_name=full_name or f"Nguyễn Văn {code}", category=category,
        position="Chuyên viên", is_head=is_head, front_desk=front_desk,
        email=f"{code.lower()}@example.gov.vn", start_date=start_date, active=True,
    )


def create_user(roles=(), staff_code=None, username=None, password=PASSWORD):
    """An account with roles given as (role, unit code) pairs."""
    username = username or f"user{next(_counter)}"
    linked = staff(staff_code) if staff_code else None
    user = auth_services.create_user(username, f"Người dùng {username}", password, staff=linked)
    for role, unit_code in roles:
        auth_services.grant_role(user, role, unit(unit_code) if unit_code else None)
    return user


def create_world():
    """ROOT → A → A1 and ROOT → B; staff S1 (A1), H1 head of A1, S2 (B); one account per persona;
    the period 2026-03 open (the clock at 26 March 2026) with an assessment for each of them."""
    create_unit("ROOT", kind="other")
    create_unit("A", "ROOT", kind="department")
    create_unit("A1", "A")
    create_unit("B", "ROOT", kind="department")
    s1 = create_staff("S1", "A1")
    h1 = create_staff("H1", "A1", is_head=True)
    s2 = create_staff("S2", "B")
    users = {
        "staff": create_user([("staff", "A1")], staff_code="S1", username="staff1"),
        "unit_head_in": create_user([("unit_head", "A")], username="head_in"),
        "unit_head_out": create_user([("unit_head", "B")], username="head_out"),
        "inspector": create_user([("inspector", "ROOT")], username="inspector"),
        "hr_admin": create_user([("hr_admin", "ROOT")], username="hr"),
        "sys_admin": create_user([("sys_admin", None)], username="admin"),
        "target": create_user([("staff", "B")], username="target"),
    }
    clock.freeze(date(2026, 3, 26))
    evaluation_services.open_period("2026-03")
    assessments = dict(db.session.execute(select(Staff.code, Assessment.id).join(Assessment.staff)).all())
    return SimpleNamespace(
        units={code: unit(code).id for code in ("ROOT", "A", "A1", "B")},
        staff={"S1": s1.id, "H1": h1.id, "S2": s2.id},
        users={name: user.id for name, user in users.items()},
        target_grant=users["target"].grants[0].id,
        assessments=assessments,
        period="2026-03",
    )


def image_bytes(fmt="JPEG", size=(8, 6), color=(200, 30, 30), exif=None):
    """A real, small image file (uploads are decoded, so a few magic bytes no longer pass)."""
    out = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, fmt, **extra)
    return out.getvalue()
