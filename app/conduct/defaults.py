"""The seeded rule catalogue and checklist templates (SPEC §5), inserted by migration 0005.

Plain table definitions, as in app/evaluation/defaults.py, so that the migration stays valid.
"""
from decimal import Decimal as D

import sqlalchemy as sa

from app.types import Score

conduct_rule = sa.table(
    "conduct_rule", sa.column("id"), sa.column("code"), sa.column("text_vi"), sa.column("text_en"),
    sa.column("place"), sa.column("category"), sa.column("severity"),
    sa.column("deduction", Score()), sa.column("legal_source"), sa.column("active"),
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
         "deduction": ded, "legal_source": src, "active": True}
        for c, vi, en, p, cat, sev, ded, src in RULES])
    ids = dict(connection.execute(sa.select(conduct_rule.c.code, conduct_rule.c.id)).all())
    for name, codes in TEMPLATES:
        template_id = connection.execute(checklist_template.insert().values(name=name, active=True)
                                         .returning(checklist_template.c.id)).scalar_one()
        connection.execute(template_rule.insert(), [
            {"template_id": template_id, "rule_id": ids[code], "position": i}
            for i, code in enumerate(codes, start=1)])
