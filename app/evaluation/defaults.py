"""The default policy and frameworks of SPEC §2–§4, inserted by migration 0002 (T1–T3 take their
automatic source, the work results ledger, from migration 0008).

Plain table definitions (not the ORM models) so that the migration keeps working however the
models change later. The tests on PostgreSQL call `insert_defaults` again after truncating.
"""
from datetime import date
from decimal import Decimal as D

import sqlalchemy as sa

from app.types import Score

SCORE = Score()

policy = sa.table(
    "policy", sa.column("id"), sa.column("name"), sa.column("effective_from", sa.Date), sa.column("total_max", SCORE),
    sa.column("open_day"), sa.column("self_due_day"), sa.column("review_due_day"),
    sa.column("close_day"), sa.column("objection_days"), sa.column("excellent_quota_ratio", sa.Numeric(4, 2)),
    sa.column("min_months"), sa.column("consecutive_years"), sa.column("created_at"),
)
policy_band = sa.table(
    "policy_band", sa.column("policy_id"), sa.column("level"), sa.column("min_score", SCORE),
    sa.column("label_vi"), sa.column("label_en"),
)
framework = sa.table(
    "framework", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("effective_from", sa.Date),
    sa.column("for_heads"), sa.column("enabled"), sa.column("created_at"),
)
framework_category = sa.table("framework_category", sa.column("framework_id"), sa.column("category"))
framework_criterion = sa.table(
    "framework_criterion", sa.column("framework_id"), sa.column("position"), sa.column("code"),
    sa.column("group_code"), sa.column("name_vi"), sa.column("name_en"), sa.column("max_score", SCORE),
    sa.column("auto_source"), sa.column("auto_param", SCORE),
)

EPOCH = date(2020, 1, 1)  # early enough for results imported from before the system
CATEGORIES = ("can_bo", "cong_chuc", "vien_chuc", "hop_dong")

DEFAULT_POLICY = {
    "name": "Mặc định (Nghị định 90/2020, 48/2023, 335/2025)",
    "effective_from": EPOCH, "total_max": D("100"), "open_day": 25, "self_due_day": 3,
    "review_due_day": 5, "close_day": 7, "objection_days": 5, "excellent_quota_ratio": D("0.20"),
    "min_months": 6, "consecutive_years": 2,
}
# Later policy columns (discipline_min_form, warning_low_months) take their defaults from the
# database (server_default), so this seed stays valid for the schema of migration 0002.
DEFAULT_BANDS = [
    ("A", D("90"), "Hoàn thành xuất sắc nhiệm vụ", "Excellent"),
    ("B", D("70"), "Hoàn thành tốt nhiệm vụ", "Good"),
    ("C", D("50"), "Hoàn thành nhiệm vụ", "Satisfactory"),
    ("D", D("0"), "Không hoàn thành nhiệm vụ", "Unsatisfactory"),
]

GENERAL = [
    ("C1", "general", "Phẩm chất chính trị, đạo đức, lối sống",
     "Political qualities, ethics, lifestyle", D("5"), None, None),
    ("C2", "general", "Văn hóa công vụ, kỷ luật, kỷ cương (giờ giấc, trang phục, thẻ, ứng xử)",
     "Civil-service culture and discipline (hours, dress, badge, conduct)", D("10"), "conduct", None),
    ("C3", "general", "Thái độ phục vụ người dân, doanh nghiệp",
     "Attitude towards citizens and businesses", D("5"), "satisfaction", None),
    ("C4", "general", "Năng lực, trách nhiệm, tinh thần phối hợp",
     "Competence, responsibility, cooperation", D("5"), None, None),
    ("C5", "general", "Đổi mới, sáng tạo, chủ động", "Innovation, initiative", D("5"), None, None),
]
TASKS = [
    ("T1", "tasks", "Khối lượng nhiệm vụ hoàn thành", "Quantity of tasks completed", D("30")),
    ("T2", "tasks", "Chất lượng thực hiện nhiệm vụ", "Quality of tasks", D("20")),
    ("T3", "tasks", "Tiến độ, thời hạn thực hiện nhiệm vụ", "Progress / timeliness", D("20")),
]
# Heads: the same 30 general points, T1–T3 scaled from 70 to 50, and L1 (20).
HEAD_TASK_MAX = {"T1": D("21.4"), "T2": D("14.3"), "T3": D("14.3")}
LEADERSHIP = ("L1", "leadership", "Kết quả hoạt động của đơn vị được giao lãnh đạo, quản lý",
              "Results of the unit led", D("20"), "unit_results", D("10"))
HANOI = [
    ("HN1", "general", "Chính trị, tư tưởng; đạo đức, lối sống", "Politics, ethics, lifestyle",
     D("5"), None, None),
    ("HN2", "general", "Ý thức tổ chức kỷ luật, văn hóa công vụ", "Discipline and civil-service culture",
     D("10"), "conduct", None),
    ("HN3", "general", "Tác phong, thái độ phục vụ nhân dân", "Manner and attitude towards citizens",
     D("5"), "satisfaction", None),
    ("HN4", "tasks", "Khối lượng công việc theo kế hoạch tháng", "Work done against the monthly plan",
     D("30"), None, None),
    ("HN5", "tasks", "Chất lượng công việc", "Quality of work", D("25"), None, None),
    ("HN6", "tasks", "Tiến độ công việc", "Timeliness of work", D("15"), None, None),
    ("HN7", "bonus", "Điểm thưởng: sáng kiến, thành tích nổi bật trong tháng",
     "Bonus: initiatives and outstanding results of the month", D("10"), None, None),
]

FRAMEWORKS = [
    ("ND335", "Bộ tiêu chí theo Nghị định 335/2025/NĐ-CP", False, True,
     GENERAL + [t + ("tasks", None) for t in TASKS]),
    ("ND335-LD", "Bộ tiêu chí theo Nghị định 335/2025/NĐ-CP — cấp trưởng", True, True,
     GENERAL + [(c, g, vi, en, HEAD_TASK_MAX[c], "tasks", None) for c, g, vi, en, _m in TASKS] + [LEADERSHIP]),
    ("HN-1841", "Biến thể Hà Nội (QĐ 1841-QĐ/TU): 20 + 70 + 10 điểm thưởng", False, False, HANOI),
    ("HN-1841-LD", "Biến thể Hà Nội (QĐ 1841-QĐ/TU) — cấp trưởng", True, False, HANOI),
]


def insert_defaults(connection):
    """Insert the default policy and frameworks (on an empty policy and framework table)."""
    now = sa.func.now() if connection.dialect.name == "postgresql" else sa.func.current_timestamp()
    policy_id = connection.execute(
        policy.insert().values(**DEFAULT_POLICY, created_at=now).returning(policy.c.id)).scalar_one()
    connection.execute(policy_band.insert(), [
        {"policy_id": policy_id, "level": level, "min_score": low, "label_vi": vi, "label_en": en}
        for level, low, vi, en in DEFAULT_BANDS
    ])
    for code, name, for_heads, enabled, criteria in FRAMEWORKS:
        framework_id = connection.execute(framework.insert().values(
            code=code, name=name, effective_from=EPOCH, for_heads=for_heads, enabled=enabled,
            created_at=now).returning(framework.c.id)).scalar_one()
        connection.execute(framework_category.insert(), [
            {"framework_id": framework_id, "category": category} for category in CATEGORIES])
        connection.execute(framework_criterion.insert(), [
            {"framework_id": framework_id, "position": position, "code": c, "group_code": g,
             "name_vi": vi, "name_en": en, "max_score": m, "auto_source": source, "auto_param": param}
            for position, (c, g, vi, en, m, source, param) in enumerate(criteria, start=1)
        ])
