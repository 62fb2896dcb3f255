"""Conduct: rule catalogue and checklist templates (seeded), inspections, photos, conduct
reports and findings; the policy's response window for findings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 18:34:48.177514

"""
from decimal import Decimal as D

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checklist_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_template')),
    sa.UniqueConstraint('name', name=op.f('uq_checklist_template_name'))
    )
    op.create_table('conduct_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('text_vi', sa.String(length=500), nullable=False),
    sa.Column('text_en', sa.String(length=500), nullable=False),
    sa.Column('place', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('deduction', sa.Integer(), nullable=False),
    sa.Column('legal_source', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("category IN ('dress', 'badge', 'punctuality', 'attitude', 'integrity', 'alcohol_smoking', 'social_media', 'other')", name=op.f('ck_conduct_rule_category')),
    sa.CheckConstraint("place IN ('workplace', 'residential_area', 'public_place')", name=op.f('ck_conduct_rule_place')),
    sa.CheckConstraint("severity IN ('minor', 'serious')", name=op.f('ck_conduct_rule_severity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conduct_rule')),
    sa.UniqueConstraint('code', name=op.f('uq_conduct_rule_code'))
    )
    op.create_table('template_rule',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['conduct_rule.id'], name=op.f('fk_template_rule_rule_id_conduct_rule')),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_template.id'], name=op.f('fk_template_rule_template_id_checklist_template')),
    sa.PrimaryKeyConstraint('template_id', 'rule_id', name=op.f('pk_template_rule'))
    )
    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['user_account.id'], name=op.f('fk_inspection_lead_id_user_account')),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_template.id'], name=op.f('fk_inspection_template_id_checklist_template')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_inspection_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_unit_id'), ['unit_id'], unique=False)

    op.create_table('photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_photo_unit_id_unit')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_photo_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo')),
    sa.UniqueConstraint('filename', name=op.f('uq_photo_filename'))
    )
    op.create_table('inspection_entry',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IN ('compliant', 'violation', 'not_applicable')", name=op.f('ck_inspection_entry_outcome')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_entry_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_inspection_entry_photo_id_photo')),
    sa.ForeignKeyConstraint(['rule_id'], ['conduct_rule.id'], name=op.f('fk_inspection_entry_rule_id_conduct_rule')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_inspection_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('inspection_id', 'staff_id', 'rule_id', name=op.f('pk_inspection_entry'))
    )
    op.create_table('inspection_member',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_member_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_inspection_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('inspection_id', 'user_id', name=op.f('pk_inspection_member'))
    )
    op.create_table('inspection_person',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('presence', sa.String(length=20), nullable=False),
    sa.CheckConstraint("presence IN ('present', 'absent_unexcused', 'on_leave')", name=op.f('ck_inspection_person_presence')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_person_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_inspection_person_staff_id_staff')),
    sa.PrimaryKeyConstraint('inspection_id', 'staff_id', name=op.f('pk_inspection_person'))
    )
    op.create_table('conduct_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("source IN ('inspection', 'complaint', 'unit_head')", name=op.f('ck_conduct_report_source')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'reviewed')", name=op.f('ck_conduct_report_status')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_conduct_report_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_conduct_report_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_conduct_report_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_conduct_report_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_conduct_report_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conduct_report')),
    sa.UniqueConstraint('inspection_id', name=op.f('uq_conduct_report_inspection_id'))
    )
    with op.batch_alter_table('conduct_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conduct_report_unit_id'), ['unit_id'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('deduction', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decision_reason', sa.String(length=1000), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'dismissed')", name=op.f('ck_finding_status')),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_finding_photo_id_photo')),
    sa.ForeignKeyConstraint(['report_id'], ['conduct_report.id'], name=op.f('fk_finding_report_id_conduct_report')),
    sa.ForeignKeyConstraint(['rule_id'], ['conduct_rule.id'], name=op.f('fk_finding_rule_id_conduct_rule')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_finding_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_finding_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finding_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index('ix_finding_staff_occurred', ['staff_id', 'occurred_on'], unique=False)

    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conduct_response_days', sa.Integer(), server_default='5', nullable=False))


    insert_defaults(op.get_bind())

def downgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('conduct_response_days')

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_staff_occurred')
        batch_op.drop_index(batch_op.f('ix_finding_rule_id'))
        batch_op.drop_index(batch_op.f('ix_finding_report_id'))

    op.drop_table('finding')
    with op.batch_alter_table('conduct_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conduct_report_unit_id'))

    op.drop_table('conduct_report')
    op.drop_table('inspection_person')
    op.drop_table('inspection_member')
    op.drop_table('inspection_entry')
    op.drop_table('photo')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_unit_id'))

    op.drop_table('inspection')
    op.drop_table('template_rule')
    op.drop_table('conduct_rule')
    op.drop_table('checklist_template')


# ---------------------------------------------------------------- seed rows
# The rule catalogue and checklist templates of SPEC §5, written here literally so that this
# revision never changes when the application does. Deductions are stored in whole tenths.

conduct_rule = sa.table(
    "conduct_rule", sa.column("id"), sa.column("code"), sa.column("text_vi"), sa.column("text_en"),
    sa.column("place"), sa.column("category"), sa.column("severity"),
    sa.column("deduction", sa.Integer), sa.column("legal_source"), sa.column("active"),
)
checklist_template = sa.table("checklist_template", sa.column("id"), sa.column("name"),
                              sa.column("active"))
template_rule = sa.table("template_rule", sa.column("template_id"), sa.column("rule_id"),
                         sa.column("position"))

QD129 = "Quyết định 129/2007/QĐ-TTg (Quy chế văn hóa công sở)"
QD1847 = "Quyết định 1847/QĐ-TTg ngày 27/12/2018 (Đề án văn hóa công vụ)"
LAW_CBCC = "Luật Cán bộ, công chức 2008, sửa đổi 2019, Điều 8–10, 18"
ND61 = "Nghị định 61/2018/NĐ-CP và Thông tư 01/2018/TT-VPCP (cơ chế một cửa)"

# (code, vi, en, place, category, severity, deduction, source)
RULES = [
    ("VH01", "Đeo thẻ cán bộ, công chức, viên chức trong khi thi hành công vụ",
     "Wear the staff badge while on duty", "workplace", "badge", "minor", D("2"), QD129 + ", Điều 7"),
    ("VH02", "Trang phục gọn gàng, lịch sự, phù hợp tính chất công việc",
     "Neat, proper dress suited to the work", "workplace", "dress", "minor", D("2"), QD129 + ", Điều 5"),
    ("VH03", "Có mặt đúng giờ, không bỏ vị trí công tác trong giờ làm việc",
     "On time and present at one's post during working hours", "workplace", "punctuality", "minor",
     D("2"), QD1847 + "; " + LAW_CBCC),
    ("VH04", "Không sử dụng đồ uống có cồn trong giờ làm việc, giờ nghỉ trưa",
     "No alcohol during working hours or the lunch break", "workplace", "alcohol_smoking", "serious",
     D("5"), "Luật Phòng, chống tác hại của rượu, bia 2019, Điều 5; " + QD1847),
    ("VH05", "Không hút thuốc lá trong phòng làm việc", "No smoking in workrooms", "workplace",
     "alcohol_smoking", "minor", D("2"), "Luật Phòng, chống tác hại của thuốc lá 2012, Điều 11; " + QD129),
    ("VH06", "Không làm việc riêng, kinh doanh riêng trong giờ làm việc",
     "No private business during working hours", "workplace", "punctuality", "minor", D("2"), QD1847),
    ("VH07", "Không nhũng nhiễu, gây phiền hà, không đòi hỏi tiền, quà của người dân, doanh nghiệp",
     "No harassment of citizens or businesses; never ask for money or gifts", "workplace",
     "integrity", "serious", D("10"), LAW_CBCC + ", Điều 15, 18; " + ND61),
    ("VH08", "Không trốn tránh, đùn đẩy nhiệm vụ được giao", "No shirking assigned tasks", "workplace",
     "attitude", "serious", D("5"), LAW_CBCC + ", Điều 18"),
    ("VH09", "Nói năng lịch sự, không quát nạt, không hách dịch với người dân",
     "Polite speech, no shouting, no arrogance towards citizens", "workplace", "attitude", "serious",
     D("5"), QD129 + ", Điều 6; " + QD1847),
    ("VH10", "Không đăng tải, chia sẻ thông tin chưa được kiểm chứng trên mạng xã hội",
     "No spreading unverified information on social networks", "public_place", "social_media",
     "serious", D("5"), "Luật An ninh mạng 2018, Điều 8; Quyết định 874/QĐ-BTTTT năm 2021"),
    ("VH11", "Bộ phận một cửa: luôn mỉm cười với người dân",
     "One-stop desk: always smile at citizens", "workplace", "attitude", "minor", D("1"),
     ND61 + "; phong trào \"4 luôn\""),
    ("VH12", "Bộ phận một cửa: luôn nhẹ nhàng, lịch sự", "One-stop desk: always gentle and courteous",
     "workplace", "attitude", "minor", D("1"), ND61 + "; phong trào \"4 luôn\""),
    ("VH13", "Bộ phận một cửa: luôn lắng nghe, thấu hiểu", "One-stop desk: always listen and understand",
     "workplace", "attitude", "minor", D("1"), ND61 + "; phong trào \"4 luôn\""),
    ("VH14", "Bộ phận một cửa: luôn giúp đỡ, hướng dẫn tận tình",
     "One-stop desk: always help and guide", "workplace", "attitude", "minor", D("1"),
     ND61 + "; phong trào \"4 luôn\""),
    ("VH15", "Gương mẫu chấp hành quy định nơi cư trú, tham gia sinh hoạt cộng đồng",
     "Set an example in the residential area and take part in community life", "residential_area",
     "other", "minor", D("2"), LAW_CBCC + ", Điều 8; " + QD1847),
    ("VH16", "Ứng xử văn minh, đúng mực nơi công cộng", "Civil, proper conduct in public places",
     "public_place", "attitude", "minor", D("2"), QD1847),
]

TEMPLATES = [
    ("Kiểm tra đột xuất bộ phận một cửa", ["VH01", "VH02", "VH03", "VH07", "VH09", "VH11", "VH12",
                                          "VH13", "VH14"]),
    ("Kiểm tra kỷ luật, kỷ cương công sở", ["VH01", "VH02", "VH03", "VH04", "VH05", "VH06", "VH08"]),
]


def insert_defaults(connection):
    """Insert the rule catalogue and the two checklist templates."""
    connection.execute(conduct_rule.insert(), [
        {"code": c, "text_vi": vi, "text_en": en, "place": p, "category": cat, "severity": sev,
         "deduction": int(ded * 10), "legal_source": src, "active": True}
        for c, vi, en, p, cat, sev, ded, src in RULES])
    ids = dict(connection.execute(sa.select(conduct_rule.c.code, conduct_rule.c.id)).all())
    for name, codes in TEMPLATES:
        template_id = connection.execute(checklist_template.insert().values(name=name, active=True)
                                         .returning(checklist_template.c.id)).scalar_one()
        connection.execute(template_rule.insert(), [
            {"template_id": template_id, "rule_id": ids[code], "position": i}
            for i, code in enumerate(codes, start=1)])
