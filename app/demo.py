"""`flask seed-demo`: a realistic demo province with accounts for every role."""
import random
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import clock
from app.annual import services as annual_services
from app.audit import act_as_system
from app.auth import services as auth_services
from app.conduct import services as conduct_services
from app.conduct.models import ChecklistTemplate
from app.database import transactional
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment, Period
from app.evaluation.suggestions import suggestions_for
from app.extensions import db
from app.feedback import services as feedback_services
from app.org import services as org_services
from app.org.models import Staff, Unit
from app.reviews import services as review_services
from app.tasks import services as task_services

DEMO_PASSWORD = "CongVu@2026-demo"  # 12 characters or more, not a common password

# (code, name, kind, parent code)
UNITS = [
    ("UBND-T", "Ủy ban nhân dân tỉnh Mẫu", "other", None),
    ("SNV", "Sở Nội vụ", "department", "UBND-T"),
    ("SNV-VP", "Văn phòng Sở Nội vụ", "division", "SNV"),
    ("SNV-TCBC", "Phòng Tổ chức, biên chế và tổ chức phi chính phủ", "division", "SNV"),
    ("SNV-CCVC", "Phòng Công chức, viên chức", "division", "SNV"),
    ("SNV-TTR", "Thanh tra Sở Nội vụ", "division", "SNV"),
    ("STP", "Sở Tư pháp", "department", "UBND-T"),
    ("STP-VP", "Văn phòng Sở Tư pháp", "division", "STP"),
    ("STP-HCTP", "Phòng Hành chính tư pháp", "division", "STP"),
    ("STC", "Sở Tài chính", "department", "UBND-T"),
    ("STC-NS", "Phòng Quản lý ngân sách", "division", "STC"),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", "public_service_unit", "UBND-T"),
    ("HAN", "Ủy ban nhân dân huyện An Nhơn", "district", "UBND-T"),
    ("HAN-VP", "Văn phòng HĐND và UBND huyện An Nhơn", "division", "HAN"),
    ("HAN-MC", "Bộ phận Một cửa huyện An Nhơn", "one_stop_centre", "HAN"),
    ("HAN-TD", "Ủy ban nhân dân xã Tân Định", "commune", "HAN"),
    ("HAN-TD-MC", "Bộ phận Một cửa xã Tân Định", "one_stop_centre", "HAN-TD"),
    ("HAN-PH", "Ủy ban nhân dân xã Phước Hòa", "commune", "HAN"),
    ("HBS", "Ủy ban nhân dân huyện Bình Sơn", "district", "UBND-T"),
    ("HBS-VP", "Văn phòng HĐND và UBND huyện Bình Sơn", "division", "HBS"),
    ("HBS-MC", "Bộ phận Một cửa huyện Bình Sơn", "one_stop_centre", "HBS"),
    ("HBS-BT", "Ủy ban nhân dân xã Bình Trị", "commune", "HBS"),
]

HEAD_TITLES = {
    "other": ("Chủ tịch UBND tỉnh", "can_bo"),
    "department": ("Giám đốc Sở", "cong_chuc"),
    "division": ("Trưởng phòng", "cong_chuc"),
    "public_service_unit": ("Giám đốc Trung tâm", "vien_chuc"),
    "district": ("Chủ tịch UBND huyện", "can_bo"),
    "commune": ("Chủ tịch UBND xã", "can_bo"),
    "one_stop_centre": ("Trưởng bộ phận Một cửa", "cong_chuc"),
}
STAFF_TITLES = {
    "one_stop_centre": [("Công chức tiếp nhận và trả kết quả", "cong_chuc", True),
                        ("Viên chức tiếp nhận hồ sơ", "vien_chuc", True),
                        ("Nhân viên hỗ trợ", "hop_dong", True)],
    "commune": [("Công chức Tư pháp - Hộ tịch", "cong_chuc", False),
                ("Công chức Văn phòng - Thống kê", "cong_chuc", False),
                ("Công chức Địa chính - Xây dựng", "cong_chuc", False),
                ("Phó Chủ tịch UBND xã", "can_bo", False)],
    "default": [("Chuyên viên", "cong_chuc", False), ("Chuyên viên chính", "cong_chuc", False),
                ("Phó trưởng phòng", "cong_chuc", False), ("Nhân viên", "hop_dong", False)],
}

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = {"m": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thành"],
          "f": ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Bích", "Kim"]}
GIVEN = {"m": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc",
               "Quân", "Sơn", "Tâm", "Thắng", "Trung", "Tuấn", "Việt"],
         "f": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
               "Ngân", "Nhung", "Phương", "Thảo", "Trang", "Yến"]}

# (username, display name, role, scope unit, staff to link: (unit code, index in unit))
DEMO_ACCOUNTS = [
    ("admin", "Quản trị hệ thống", "sys_admin", None, None),
    ("nhansu", None, "hr_admin", "UBND-T", ("SNV-CCVC", 1)),
    ("truongphong", None, "unit_head", "SNV-CCVC", ("SNV-CCVC", 0)),
    ("chutichxa", None, "unit_head", "HAN-TD", ("HAN-TD", 0)),
    ("thanhtra", None, "inspector", "UBND-T", ("SNV-TTR", 1)),
    ("canbo", None, "staff", "SNV-CCVC", ("SNV-CCVC", 2)),
    ("motcua", None, "staff", "HAN-MC", ("HAN-MC", 1)),
]


def _name(rng):
    sex = rng.choice("mf")
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def _ascii(text):
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@transactional
def seed_demo():
    """Build the demo organisation, its staff, their history and the demo accounts."""
    rng = random.Random(2026)
    units, by_unit, counter = {}, {}, 0
    for code, name, kind, parent_code in UNITS:
        units[code] = org_services.create_unit(code, name, kind, units.get(parent_code))
    for code, _unit_name, kind, _parent in UNITS:
        unit = units[code]
        title, category = HEAD_TITLES[kind]
        members = [(title, category, False, True)]
        pool = STAFF_TITLES.get(kind, STAFF_TITLES["default"])
        for index in range(rng.randint(2, 4)):
            position, cat, front = pool[index % len(pool)]
            members.append((position, cat, front, False))
        by_unit[code] = []
        for position, cat, front, head in members:
            counter += 1
            full_name = _name(rng)
            start = date(rng.randint(2005, 2022), rng.randint(1, 12), rng.randint(1, 28))
            given = _ascii(full_name.split()[-1])
            initials = "".join(_ascii(part[0]) for part in full_name.split()[:-1])
            staff = org_services.create_staff(
                unit, code=f"CB{counter:04d}", full_name=full_name, category=cat, position=position,
                is_head=head, front_desk=front, email=f"{given}.{initials}{counter}@maudemo.gov.vn",
                start_date=start, active=True,
            )
            by_unit[code].append(staff)
    _seed_history(units, by_unit)
    accounts = _seed_accounts(units, by_unit)
    _seed_assessments(rng, by_unit, accounts)
    _seed_feedback(rng, units, by_unit)
    _seed_conduct(units, by_unit, accounts)
    _seed_tasks(units, by_unit, accounts)
    return counter


def _seed_history(units, by_unit):
    # A transfer during 2025, a reprimand in 2025, a maternity leave: history the later features use.
    mover = by_unit["STP-HCTP"][-1]
    org_services.transfer_staff(mover, units["HAN-TD"], date(2025, 4, 1))
    org_services.add_discipline(by_unit["HBS-MC"][1], date(2025, 9, 30), "khien_trach",
                                "Quyết định số 112/QĐ-UBND")
    org_services.add_discipline(by_unit["HAN-PH"][2], date(2024, 11, 15), "canh_cao",
                                "Quyết định số 87/QĐ-UBND")
    org_services.add_leave(by_unit["SNV-VP"][1], date(2025, 3, 1), date(2025, 8, 31), "maternity")
    org_services.add_leave(by_unit["HAN-MC"][2], date(2025, 10, 6), date(2025, 10, 10), "sick")


def _seed_accounts(units, by_unit):
    """Accounts for the demo roles and for every staff member; returns {staff id: user}."""
    password_hash = auth_services.hash_password(DEMO_PASSWORD)
    linked, accounts = set(), {}
    for username, display, role, scope, link in DEMO_ACCOUNTS:
        staff = by_unit[link[0]][link[1]] if link else None
        user = auth_services.create_user(username, display or staff.full_name, DEMO_PASSWORD,
                                         email=staff.email if staff else None, staff=staff)
        auth_services.grant_role(user, role, units.get(scope))
        if staff is not None:
            linked.add(staff.id)
            accounts[staff.id] = user
            if role != "staff":
                auth_services.grant_role(user, "staff", staff.unit)
    # Every other staff member gets an account named after their code (one hash, same password).
    for members in by_unit.values():
        for staff in members:
            if staff.id in linked:
                continue
            user = auth_services.create_user(staff.code, staff.full_name, None, email=staff.email,
                                             staff=staff, password_hash=password_hash)
            accounts[staff.id] = user
            auth_services.grant_role(user, "staff", staff.unit)
            if staff.is_head:
                auth_services.grant_role(user, "unit_head", staff.unit)
    return accounts


# Months before the system (imported), months run in the system, and the month now open.
IMPORTED_MONTHS = [date(2024, 11, 1), date(2024, 12, 1)] + [date(2025, m, 1) for m in range(1, 13)]
SYSTEM_MONTHS = [date(2026, m, 1) for m in range(1, 11)]
OPEN_MONTH = "2026-11"
WEAK_STAFF = (("HBS-MC", 2), ("HAN-PH", 3))  # rated below 50 month after month


def _monthly_score(rng, base):
    return Decimal(str(round(max(20.0, min(99.5, rng.gauss(base, 5))), 1)))


def _split(total, criteria):
    """Criterion scores proportional to their maximums, adding up exactly to `total`."""
    full = sum((c.max_score for c in criteria), start=Decimal(0))
    scores = {c.code: (total * c.max_score / full).quantize(Decimal("0.1"), ROUND_DOWN)
              for c in criteria}
    rest = total - sum(scores.values(), start=Decimal(0))
    for criterion in criteria:  # hand the rounding remainder to whoever has room
        room = criterion.max_score - scores[criterion.code]
        step = min(room, rest)
        scores[criterion.code] += step
        rest -= step
    return scores


def _seed_assessments(rng, by_unit, accounts):
    """Two years of monthly results: imported ones, months run through the system, one open."""
    everyone = [staff for members in by_unit.values() for staff in members]
    weak = {by_unit[code][index].id for code, index in WEAK_STAFF}
    base = {s.id: 42.0 if s.id in weak else rng.gauss(82, 7) for s in everyone}
    lines = ["staff_code,period,score"]
    for month in IMPORTED_MONTHS:
        for staff in everyone:
            lines.append(f"{staff.code},{month:%Y-%m},{_monthly_score(rng, base[staff.id])}")
    evaluation_services.import_results("\n".join(lines) + "\n")
    # 2024 as annual levels from before the system; 2025 classified from its months.
    levels = ["staff_code,year,level"] + [
        f"{s.code},2024,"
        f"{'D' if s.id in weak else 'A' if base[s.id] >= 90 else 'B' if base[s.id] >= 70 else 'C'}"
        for s in everyone]
    annual_services.import_annual("\n".join(levels) + "\n")
    annual_services.classify_year(2025)
    review_services.flag_reviews(2025)
    reviewers = _reviewers(by_unit, accounts)
    try:
        for month in SYSTEM_MONTHS:
            code = f"{month:%Y-%m}"
            clock.freeze(datetime(month.year, month.month, 26, 9, 0))
            evaluation_services.open_period(code)
            assessments = db.session.scalars(select(Assessment).join(Assessment.period)
                                             .where(Period.code == code)).all()
            # Staff first, then heads, so that the L1 suggestion sees the unit's levels.
            for assessment in sorted(assessments, key=lambda a: a.is_head):
                scores = _split(_monthly_score(rng, base[assessment.staff_id]), assessment.criteria)
                if rng.random() < 0.9:
                    evaluation_services.save_self_assessment(
                        assessment, {k: min(v + Decimal("0.5"), c.max_score) for (k, v), c in
                                     zip(scores.items(), assessment.criteria, strict=True)},
                        "Hoàn thành các nhiệm vụ được giao trong tháng.", True, assessment.version)
                reviewer = reviewers.get(assessment.staff_id)
                if reviewer is not None and rng.random() < 0.97:
                    suggestions = suggestions_for([assessment])  # reads (and flushes) first
                    evaluation_services.review_assessment(
                        assessment, scores, "", assessment.version, reviewer, suggestions)
            evaluation_services.close_period(code)
    finally:
        clock.freeze(None)
    evaluation_services.open_period(OPEN_MONTH)


COMMENTS = {
    "very_satisfied": ["Cán bộ hướng dẫn tận tình, nhanh gọn.", "Rất chu đáo, cảm ơn chị.", ""],
    "satisfied": ["Đúng hẹn.", "", "Thủ tục rõ ràng."],
    "dissatisfied": ["Phải chờ quá lâu mà không được giải thích.", "Hướng dẫn thiếu, phải đi lại nhiều lần."],
}


def _seed_feedback(rng, units, by_unit):
    """QR targets for every front-desk official and one-stop desk, and this month's ratings."""
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    try:
        for code, members in by_unit.items():
            officials = [s for s in members if s.front_desk]
            if units[code].kind == "one_stop_centre":
                feedback_services.create_target("desk", units[code])
            for official in officials:
                target = feedback_services.create_target("official", units[code], official)
                for _rating in range(rng.randint(3, 9)):
                    rating = rng.choices(list(COMMENTS), weights=(6, 3, 1))[0]
                    feedback_services.submit_rating(target, {
                        "rating": rating, "idem": feedback_services.new_idempotency_token(),
                        "comment": rng.choice(COMMENTS[rating]),
                        "timeliness": "late" if rating == "dissatisfied" else "on_time",
                    }, "127.0.0.1", "qr")
    finally:
        clock.freeze(None)


def _seed_conduct(units, by_unit, accounts):
    """An inspection of a one-stop desk in November 2026 with a report awaiting the lead."""
    inspector = next(user for user in accounts.values() if user.username == "thanhtra")
    template = db.session.scalar(select(ChecklistTemplate).where(
        ChecklistTemplate.name == "Kiểm tra đột xuất bộ phận một cửa"))
    clock.freeze(datetime(2026, 11, 18, 9, 30))
    try:
        inspection = conduct_services.create_inspection(
            units["HAN-MC"], template, clock.now(), inspector)
        late = by_unit["HAN-MC"][1]
        person = next(p for p in inspection.people if p.staff_id == late.id)
        conduct_services.record_person(inspection, person, "present", {
            template.rules[0]: ("violation", "Không đeo thẻ khi tiếp nhận hồ sơ", None, None),
        }, inspector)
        report = conduct_services.report_from_inspection(inspection, inspector)
        conduct_services.submit_report(report, "Kiểm tra đột xuất bộ phận một cửa huyện An Nhơn.")
    finally:
        clock.freeze(None)


# The work results ledger (Decree 335): (code, name, name in English, measure, coefficient,
# working days, owning unit or None for province-wide).
PRODUCTS = [
    ("VB-TM", "Văn bản tham mưu (tờ trình, công văn, dự thảo quyết định)",
     "Advisory document (submission, letter, draft decision)", "văn bản", "1.0", 5, None),
    ("BC-DK", "Báo cáo định kỳ, báo cáo chuyên đề",
     "Periodic or thematic report", "báo cáo", "1.5", 5, None),
    ("DA-CS", "Đề án, dự thảo chính sách",
     "Scheme or draft policy", "đề án", "8.0", 30, None),
    ("MC-HS", "Tiếp nhận và trả kết quả một hồ sơ thủ tục hành chính",
     "One administrative dossier received and returned", "hồ sơ", "0.1", 1, None),
    ("MC-HD", "Hướng dẫn, giải đáp thủ tục cho người dân",
     "Guidance given to a citizen", "lượt", "0.05", 1, None),
    ("XA-HT", "Đăng ký, chứng thực hộ tịch",
     "Civil status registration or certification", "hồ sơ", "0.2", 1, None),
    ("XA-BC", "Báo cáo tháng của UBND xã",
     "Monthly report of the commune", "báo cáo", "1.0", 3, None),
    ("SNV-VTVL", "Thẩm định đề án vị trí việc làm",
     "Appraisal of a job-position scheme", "đề án", "3.0", 15, "SNV"),
    ("SNV-HSCC", "Hồ sơ nâng lương, bổ nhiệm, điều động công chức",
     "Civil servant pay-rise, appointment or transfer dossier", "hồ sơ", "0.5", 5, "SNV"),
    ("SNV-DT", "Văn bản trả lời đơn thư, kiến nghị",
     "Reply to a petition", "văn bản", "1.0", 10, "SNV"),
]


def _seed_tasks(units, by_unit, accounts):
    """A catalogue and November 2026 on the task boards: on time, late, returned, one delay
    exempted, one cancelled, one extended into December."""
    products = {code: task_services.save_product(code, vi, en, measure, Decimal(coefficient), days,
                                                 units[owner] if owner else None, date(2026, 1, 1))
                for code, vi, en, measure, coefficient, days, owner in PRODUCTS}

    def plan(unit_code, rows):
        head, *team = by_unit[unit_code]
        assigner = accounts[head.id]
        for index, person in enumerate(team):
            doer = accounts[person.id]
            for code, quantity, due_day, story in rows[index % len(rows)]:
                product = products[code]
                clock.freeze(datetime(2026, 11, 2, 8, 0))
                task = task_services.assign(
                    [person], title=product.name_vi, coefficient=product.coefficient, quantity=quantity,
                    assigned_on=date(2026, 11, 2), due_on=date(2026, 11, due_day), actor=assigner,
                    product=product)[0]
                due = task.due_on
                if story in ("on_time", "late", "returned", "returned_twice", "late_exempt"):
                    on_time = story in ("on_time", "returned", "returned_twice")
                    first = due if on_time else date(2026, 11, due_day + 2)
                    clock.freeze(datetime(first.year, first.month, first.day, 16, 0))
                    task_services.submit(task, first, "Đã hoàn thành, gửi kèm văn bản.", doer)
                    for _return in range({"returned": 1, "returned_twice": 2}.get(story, 0)):
                        task_services.return_task(task, "Cần bổ sung số liệu và chỉnh sửa thể thức.",
                                                  assigner)
                        task_services.submit(task, first, "Đã chỉnh sửa theo ý kiến.", doer)
                    if story == "late_exempt":
                        task_services.exempt(task, "delay", "Chờ số liệu của đơn vị khác gửi chậm.", assigner)
                    task_services.accept(task, "Đạt yêu cầu.", assigner)
                elif story == "cancelled":
                    task_services.cancel(task, "Lãnh đạo Sở điều chỉnh kế hoạch.", assigner)
                elif story == "extended":
                    clock.freeze(datetime(2026, 11, due_day - 1, 9, 0))
                    task_services.extend(task, date(2026, 12, 10), "Chờ ý kiến của Bộ Nội vụ.", assigner)

    clock.freeze(datetime(2026, 11, 2, 8, 0))
    try:
        plan("SNV-CCVC", [
            [("SNV-HSCC", 6, 10, "on_time"), ("VB-TM", 3, 13, "late"), ("BC-DK", 1, 16, "returned"),
             ("SNV-DT", 2, 18, "on_time"), ("SNV-VTVL", 1, 20, "late_exempt"), ("VB-TM", 1, 25, "open")],
            [("VB-TM", 4, 9, "on_time"), ("BC-DK", 2, 12, "returned_twice"), ("DA-CS", 1, 24, "extended"),
             ("SNV-HSCC", 4, 16, "late"), ("SNV-DT", 1, 19, "cancelled")],
            [("SNV-HSCC", 8, 11, "on_time"), ("VB-TM", 2, 17, "on_time"), ("BC-DK", 1, 20, "late")],
        ])
        plan("HAN-MC", [[("MC-HS", 120, 13, "on_time"), ("MC-HD", 40, 13, "on_time"),
                         ("MC-HS", 90, 20, "late"), ("MC-HS", 60, 27, "open")]])
        plan("HAN-TD", [[("XA-HT", 25, 12, "on_time"), ("XA-BC", 1, 16, "returned"),
                         ("VB-TM", 2, 19, "late")]])
    finally:
        clock.freeze(None)


def _reviewers(by_unit, accounts):
    """{staff id: reviewer account}: the head of the unit, or for a head the parent's head."""
    heads = {members[0].unit_id: accounts[members[0].id] for members in by_unit.values()}
    found = {}
    for members in by_unit.values():
        for staff in members:
            unit_id = staff.unit.parent_id if staff.is_head else staff.unit_id
            if unit_id in heads:
                found[staff.id] = heads[unit_id]
    return found


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo organisation when the database has none."""
    act_as_system("cli:seed-demo")
    if db.session.scalar(select(func.count(Unit.id))) or db.session.scalar(select(func.count(Staff.id))):
        click.echo(_("Cơ sở dữ liệu đã có dữ liệu; không nạp dữ liệu mẫu."))
        return
    count = seed_demo()
    click.echo(_(
        "Đã nạp dữ liệu mẫu: %(units)d đơn vị, %(staff)d cán bộ. Mật khẩu mọi tài khoản mẫu: %(password)s",
        units=len(UNITS), staff=count, password=DEMO_PASSWORD))
