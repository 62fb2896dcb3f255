"""Monthly assessment: versioned policies and frameworks (seeded with the defaults), periods,
assessments with copied criteria, objections. Scores are stored as whole tenths.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:02:33.950444

"""
from datetime import date
from decimal import Decimal as D

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('framework',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('for_heads', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework')),
    sa.UniqueConstraint('code', 'effective_from', name='uq_framework_code_from')
    )
    op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('total_max', sa.Integer(), nullable=False),
    sa.Column('open_day', sa.Integer(), nullable=False),
    sa.Column('self_due_day', sa.Integer(), nullable=False),
    sa.Column('review_due_day', sa.Integer(), nullable=False),
    sa.Column('close_day', sa.Integer(), nullable=False),
    sa.Column('objection_days', sa.Integer(), nullable=False),
    sa.Column('excellent_quota_ratio', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.Column('min_months', sa.Integer(), nullable=False),
    sa.Column('consecutive_years', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_policy_effective_from'))
    )
    op.create_table('framework_category',
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_category_framework_id_framework')),
    sa.PrimaryKeyConstraint('framework_id', 'category', name=op.f('pk_framework_category'))
    )
    op.create_table('framework_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('group_code', sa.String(length=20), nullable=False),
    sa.Column('name_vi', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('auto_source', sa.String(length=30), nullable=True),
    sa.Column('auto_param', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_criterion_framework_id_framework')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_criterion')),
    sa.UniqueConstraint('framework_id', 'code', name='uq_framework_criterion_code')
    )
    with op.batch_alter_table('framework_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_criterion_framework_id'), ['framework_id'], unique=False)

    op.create_table('period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=7), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=True),
    sa.Column('self_due_on', sa.Date(), nullable=True),
    sa.Column('review_due_on', sa.Date(), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_period_status')),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_period_policy_id_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period')),
    sa.UniqueConstraint('code', name=op.f('uq_period_code'))
    )
    op.create_table('policy_band',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=2), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('label_vi', sa.String(length=120), nullable=False),
    sa.Column('label_en', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_policy_band_policy_id_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_band')),
    sa.UniqueConstraint('policy_id', 'level', name='uq_policy_band_level')
    )
    with op.batch_alter_table('policy_band', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_band_policy_id'), ['policy_id'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=True),
    sa.Column('is_head', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('self_report', sa.Text(), nullable=False),
    sa.Column('self_total', sa.Integer(), nullable=True),
    sa.Column('self_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_without_self', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=2), nullable=True),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'self_submitted', 'reviewed', 'closed', 'not_evaluated')", name=op.f('ck_assessment_status')),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_assessment_framework_id_framework')),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_assessment_period_id_period')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_assessment_reviewer_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_assessment_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assessment_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    sa.UniqueConstraint('staff_id', 'period_id', name='uq_assessment_staff_period')
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_period_status', ['period_id', 'status'], unique=False)
        batch_op.create_index('ix_assessment_period_unit', ['period_id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_staff_id'), ['staff_id'], unique=False)

    op.create_table('assessment_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('group_code', sa.String(length=20), nullable=False),
    sa.Column('name_vi', sa.String(length=500), nullable=False),
    sa.Column('name_en', sa.String(length=500), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('auto_source', sa.String(length=30), nullable=True),
    sa.Column('auto_param', sa.Integer(), nullable=True),
    sa.Column('self_score', sa.Integer(), nullable=True),
    sa.Column('head_score', sa.Integer(), nullable=True),
    sa.Column('suggested_score', sa.Integer(), nullable=True),
    sa.Column('suggestion_note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_criterion_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_criterion')),
    sa.UniqueConstraint('assessment_id', 'code', name='uq_assessment_criterion_code')
    )
    with op.batch_alter_table('assessment_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_criterion_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_objection_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_objection_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_objection_assessment_id'))
    )

    insert_defaults(op.get_bind())

def downgrade():
    op.drop_table('objection')
    with op.batch_alter_table('assessment_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_criterion_assessment_id'))

    op.drop_table('assessment_criterion')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_staff_id'))
        batch_op.drop_index('ix_assessment_period_unit')
        batch_op.drop_index('ix_assessment_period_status')

    op.drop_table('assessment')
    with op.batch_alter_table('policy_band', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_band_policy_id'))

    op.drop_table('policy_band')
    op.drop_table('period')
    with op.batch_alter_table('framework_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_criterion_framework_id'))

    op.drop_table('framework_criterion')
    op.drop_table('framework_category')
    op.drop_table('policy')
    op.drop_table('framework')


# ---------------------------------------------------------------- seed rows
# The default policy and frameworks of SPEC §2–§4, written here literally so that this revision
# never changes when the application does. Scores are stored in whole tenths.

def _tenths(value):
    return int(value * 10)


policy = sa.table(
    "policy", sa.column("id"), sa.column("name"), sa.column("effective_from", sa.Date), sa.column("total_max", sa.Integer),
    sa.column("open_day"), sa.column("self_due_day"), sa.column("review_due_day"),
    sa.column("close_day"), sa.column("objection_days"), sa.column("excellent_quota_ratio", sa.Numeric(4, 2)),
    sa.column("min_months"), sa.column("consecutive_years"), sa.column("created_at"),
)
policy_band = sa.table(
    "policy_band", sa.column("policy_id"), sa.column("level"), sa.column("min_score", sa.Integer),
    sa.column("label_vi"), sa.column("label_en"),
)
framework = sa.table(
    "framework", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("effective_from", sa.Date),
    sa.column("for_heads"), sa.column("enabled"), sa.column("created_at"),
)
framework_category = sa.table("framework_category", sa.column("framework_id"), sa.column("category"))
framework_criterion = sa.table(
    "framework_criterion", sa.column("framework_id"), sa.column("position"), sa.column("code"),
    sa.column("group_code"), sa.column("name_vi"), sa.column("name_en"), sa.column("max_score", sa.Integer),
    sa.column("auto_source"), sa.column("auto_param", sa.Integer),
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
     GENERAL + [t + (None, None) for t in TASKS]),
    ("ND335-LD", "Bộ tiêu chí theo Nghị định 335/2025/NĐ-CP — cấp trưởng", True, True,
     GENERAL + [(c, g, vi, en, HEAD_TASK_MAX[c], None, None) for c, g, vi, en, _m in TASKS] + [LEADERSHIP]),
    ("HN-1841", "Biến thể Hà Nội (QĐ 1841-QĐ/TU): 20 + 70 + 10 điểm thưởng", False, False, HANOI),
    ("HN-1841-LD", "Biến thể Hà Nội (QĐ 1841-QĐ/TU) — cấp trưởng", True, False, HANOI),
]


def insert_defaults(connection):
    """Insert the default policy and frameworks (scores are stored in whole tenths)."""
    now = sa.func.now() if connection.dialect.name == "postgresql" else sa.func.current_timestamp()
    policy_id = connection.execute(
        policy.insert().values(**{**DEFAULT_POLICY, "total_max": _tenths(DEFAULT_POLICY["total_max"])}, created_at=now).returning(policy.c.id)).scalar_one()
    connection.execute(policy_band.insert(), [
        {"policy_id": policy_id, "level": level, "min_score": _tenths(low), "label_vi": vi, "label_en": en}
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
             "name_vi": vi, "name_en": en, "max_score": _tenths(m), "auto_source": source,
             "auto_param": None if param is None else _tenths(param)}
            for position, (c, g, vi, en, m, source, param) in enumerate(criteria, start=1)
        ])
