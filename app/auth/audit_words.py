"""The audit trail in human words: each action as a translated phrase, each object type with
its name and the page that shows it, each recorded field with its label, and before → after
diffs. Only strings and endpoint names live here (no feature is imported): the page builds the
links with url_for, and an endpoint that is not registered gives no link."""
from datetime import date, datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from app import clock

ACTIONS = {
    "auth.login": _l("Đăng nhập"),
    "auth.login_failed": _l("Đăng nhập không thành công"),
    "auth.login_locked": _l("Tài khoản bị khóa tạm thời do đăng nhập sai nhiều lần"),
    "auth.logout": _l("Đăng xuất"),
    "auth.password_changed": _l("Đổi mật khẩu"),
    "auth.disabled": _l("Vô hiệu hóa phiên đăng nhập"),
    "auth.password_reset": _l("Đặt lại mật khẩu (kết thúc phiên)"),
    "user.created": _l("Tạo tài khoản"),
    "user.enabled": _l("Bật/tắt tài khoản"),
    "user.password_reset": _l("Đặt lại mật khẩu"),
    "role.granted": _l("Cấp vai trò"),
    "role.revoked": _l("Thu hồi vai trò"),
    "unit.created": _l("Tạo đơn vị"),
    "unit.updated": _l("Sửa đơn vị"),
    "staff.created": _l("Thêm cán bộ"),
    "staff.updated": _l("Sửa thông tin cán bộ"),
    "staff.transferred": _l("Điều động cán bộ"),
    "discipline.created": _l("Ghi quyết định kỷ luật"),
    "leave.created": _l("Ghi nghỉ phép, nghỉ dài hạn"),
    "org.import_units": _l("Nhập đơn vị từ tệp"),
    "org.import_staff": _l("Nhập cán bộ từ tệp"),
    "org.import_discipline": _l("Nhập quyết định kỷ luật từ tệp"),
    "policy.created": _l("Tạo phiên bản chính sách"),
    "framework.created": _l("Tạo bộ tiêu chí"),
    "ranking_policy.created": _l("Tạo phiên bản chính sách xếp hạng đơn vị"),
    "framework.enabled": _l("Bật/tắt bộ tiêu chí"),
    "period.opened": _l("Mở kỳ đánh giá"),
    "period.closed": _l("Đóng và công khai kỳ đánh giá"),
    "period.deleted": _l("Xóa kỳ mở nhầm"),
    "assessment.self_submitted": _l("Nộp tự đánh giá"),
    "assessment.reviewed": _l("Thủ trưởng đánh giá"),
    "assessment.reopened": _l("Mở lại phiếu đánh giá"),
    "objection.filed": _l("Gửi kiến nghị"),
    "objection.answered": _l("Trả lời kiến nghị"),
    "evaluation.import_results": _l("Nhập kết quả tháng từ trước"),
    "annual.classified": _l("Xếp loại năm"),
    "annual.demoted": _l("Hạ mức xếp loại năm"),
    "annual.finalised": _l("Chốt kết quả năm của đơn vị"),
    "annual.reopened": _l("Mở lại kết quả năm của đơn vị"),
    "annual.import": _l("Nhập kết quả năm từ trước"),
    "review.flagged": _l("Lập hồ sơ xem xét"),
    "review.advanced": _l("Chuyển bước hồ sơ xem xét"),
    "review.responded": _l("Gửi giải trình hồ sơ xem xét"),
    "feedback.target_created": _l("Tạo mã QR đánh giá"),
    "feedback.target_replaced": _l("Thay mã QR đánh giá"),
    "complaint.answered": _l("Trả lời phản ánh"),
    "rating.comment_hidden": _l("Ẩn ý kiến của người dân"),
    "conduct.rule_saved": _l("Lưu quy tắc văn hóa công vụ"),
    "conduct.template_created": _l("Tạo mẫu kiểm tra"),
    "inspection.created": _l("Mở đợt kiểm tra"),
    "inspection.recorded": _l("Ghi phiếu kiểm tra của một người"),
    "conduct.report_created": _l("Lập biên bản văn hóa công vụ"),
    "conduct.report_submitted": _l("Gửi biên bản văn hóa công vụ"),
    "conduct.report_reviewed": _l("Kết luận biên bản văn hóa công vụ"),
    "conduct.finding_response": _l("Giải trình vi phạm"),
    "tasks.product_saved": _l("Lưu sản phẩm trong danh mục"),
    "tasks.import_products": _l("Nhập danh mục sản phẩm"),
    "tasks.assigned": _l("Giao nhiệm vụ"),
    "tasks.submitted": _l("Báo cáo hoàn thành nhiệm vụ"),
    "tasks.accepted": _l("Nghiệm thu nhiệm vụ"),
    "tasks.returned": _l("Trả lại nhiệm vụ"),
    "tasks.extended": _l("Gia hạn nhiệm vụ"),
    "tasks.exempted": _l("Miễn trừ trả lại hoặc trễ hạn"),
    "tasks.cancelled": _l("Hủy nhiệm vụ"),
    "tasks.import": _l("Nhập nhiệm vụ từ tệp"),
    "tasks.token_created": _l("Tạo khóa kết nối phần mềm giao việc"),
    "tasks.token_revoked": _l("Thu hồi khóa kết nối phần mềm giao việc"),
    "api.call": _l("Phần mềm giao việc gọi vào hệ thống"),
}

# object type: (name, endpoint, the endpoint's id argument or None)
OBJECTS = {
    "user_account": (_l("Tài khoản"), "auth.user_detail", "user_id"),
    "role_grant": (_l("Vai trò"), None, None),
    "unit": (_l("Đơn vị"), "org.unit_detail", "unit_id"),
    "staff": (_l("Cán bộ"), "reports.staff_profile", "staff_id"),
    "disciplinary_decision": (_l("Quyết định kỷ luật"), None, None),
    "leave_record": (_l("Nghỉ phép"), None, None),
    "policy": (_l("Chính sách"), "evaluation.policies", None),
    "framework": (_l("Bộ tiêu chí"), "evaluation.framework_detail", "framework_id"),
    "ranking_policy": (_l("Chính sách xếp hạng đơn vị"), "reports.ranking_policy", None),
    "period": (_l("Kỳ đánh giá"), "evaluation.periods", None),
    "assessment": (_l("Phiếu đánh giá"), "evaluation.assessment_detail", "assessment_id"),
    "objection": (_l("Kiến nghị"), None, None),
    "annual_result": (_l("Kết quả năm"), None, None),
    "annual_unit_year": (_l("Kết quả năm của đơn vị"), None, None),
    "review_case": (_l("Hồ sơ xem xét"), "reviews.case_detail", "case_id"),
    "feedback_target": (_l("Mã QR đánh giá"), None, None),
    "rating": (_l("Lượt đánh giá của người dân"), None, None),
    "complaint": (_l("Phản ánh"), "feedback.complaint_detail", "complaint_id"),
    "conduct_rule": (_l("Quy tắc văn hóa công vụ"), "conduct.rule_form", "rule_id"),
    "checklist_template": (_l("Mẫu kiểm tra"), "conduct.rules", None),
    "inspection": (_l("Đợt kiểm tra"), "conduct.inspection_detail", "inspection_id"),
    "conduct_report": (_l("Biên bản văn hóa công vụ"), "conduct.report_detail", "report_id"),
    "finding": (_l("Vi phạm"), None, None),
    "task": (_l("Nhiệm vụ"), "tasks.task_detail", "task_id"),
    "task_product": (_l("Sản phẩm"), "tasks.products", None),
    "integration_token": (_l("Khóa kết nối"), "tasks.tokens", None),
    "job_run": (_l("Lần chạy công việc định kỳ"), "scheduler.ledger", None),
}

FIELDS = {
    "active": _l("Đang hoạt động"), "answer": _l("Trả lời"), "assessment": _l("Phiếu đánh giá"),
    "assessments": _l("Số phiếu"), "assigned_on": _l("Ngày giao"), "at": _l("Thời điểm"),
    "bands": _l("Các mức"), "call": _l("Lệnh gọi"), "category": _l("Loại cán bộ"),
    "classified": _l("Đã xếp loại"), "closed": _l("Phiếu chốt"), "code": _l("Mã"),
    "coefficient": _l("Hệ số"), "comment": _l("Nhận xét"), "created": _l("Số phiếu tạo"),
    "decision": _l("Kết luận"), "decision_date": _l("Ngày quyết định"),
    "display_name": _l("Tên hiển thị"), "due_on": _l("Hạn"), "effective_date": _l("Ngày hiệu lực"),
    "effective_from": _l("Hiệu lực từ"), "email": _l("Thư điện tử"), "enabled": _l("Đang áp dụng"),
    "end_date": _l("Ngày kết thúc"), "exempt_late": _l("Miễn trừ trễ hạn"),
    "exempt_returns": _l("Miễn trừ trả lại"), "findings": _l("Vi phạm"), "form": _l("Hình thức"),
    "front_desk": _l("Tiếp dân, một cửa"), "full_name": _l("Họ và tên"),
    "head_scores": _l("Điểm của thủ trưởng"), "hidden": _l("Đã ẩn"), "inspection": _l("Đợt kiểm tra"),
    "is_head": _l("Cấp trưởng"), "kept": _l("Giữ lại"), "kind": _l("Loại"), "late": _l("Số lần trễ hạn"),
    "length": _l("Độ dài"), "level": _l("Mức"), "locale": _l("Ngôn ngữ"), "locked": _l("Đã chốt"),
    "months": _l("Số tháng"), "name": _l("Tên"), "not_classified": _l("Chưa xếp loại"),
    "not_evaluated": _l("Không được đánh giá"), "note": _l("Ghi chú"), "origin": _l("Nguồn"),
    "parent_id": _l("Đơn vị cấp trên"), "position": _l("Chức vụ"), "prefix": _l("Tiền tố"),
    "presence": _l("Có mặt"), "product": _l("Sản phẩm"), "quantity": _l("Số lượng"),
    "reason": _l("Lý do"), "ref": _l("Mã tham chiếu"), "replacement": _l("Thay thế"),
    "returns": _l("Số lần bị trả lại"), "role": _l("Vai trò"), "rules": _l("Quy tắc"),
    "score": _l("Điểm"), "self_scores": _l("Điểm tự đánh giá"), "self_total": _l("Tổng tự đánh giá"),
    "staff": _l("Cán bộ"), "staff_id": _l("Cán bộ"), "start_date": _l("Ngày bắt đầu"),
    "status": _l("Trạng thái"), "submitted_on": _l("Ngày báo cáo"), "team": _l("Tổ kiểm tra"),
    "template": _l("Mẫu kiểm tra"), "title": _l("Tên nhiệm vụ"), "unit": _l("Đơn vị"),
    "unit_id": _l("Đơn vị"), "updated": _l("Số dòng cập nhật"), "user": _l("Tài khoản"),
    "username": _l("Tên đăng nhập"), "violations": _l("Số vi phạm"),
    "without_framework": _l("Chưa có bộ tiêu chí"), "year": _l("Năm"),
    "total_max": _l("Tổng điểm"), "open_day": _l("Ngày mở kỳ"), "self_due_day": _l("Hạn tự đánh giá"),
    "review_due_day": _l("Hạn đánh giá"), "close_day": _l("Ngày đóng kỳ"),
    "objection_days": _l("Số ngày kiến nghị"), "excellent_quota_ratio": _l("Tỷ lệ mức cao nhất"),
    "min_months": _l("Số tháng tối thiểu"), "consecutive_years": _l("Số năm liên tiếp"),
    "backfill_months": _l("Số tháng được mở bổ sung"), "text": _l("Nội dung"),
    "weight_score": _l("Trọng số điểm trung bình"), "weight_excellent": _l("Trọng số tỷ lệ mức cao nhất"),
    "weight_satisfaction": _l("Trọng số chỉ số hài lòng"), "weight_conduct": _l("Trọng số văn hóa công vụ"),
    "violation_penalty": _l("Số điểm trừ mỗi vi phạm trên 100 người mỗi tháng"),
    "new_cases": _l("Hồ sơ xem xét mới"), "sent": _l("Đã gửi"),
}


def action_label(action: str) -> Any:
    return ACTIONS.get(action, action)


def object_label(object_type: str | None) -> Any:
    return OBJECTS[object_type][0] if object_type in OBJECTS else (object_type or "")


def object_url(object_type: str | None, object_id: str | None) -> str | None:
    """The page of the object, when there is one (None for a type without a page)."""
    if object_type not in OBJECTS:
        return None
    _name, endpoint, argument = OBJECTS[object_type]
    if endpoint is None or endpoint not in current_app.view_functions:
        return None
    if argument is None:
        return url_for(endpoint)
    if not (object_id or "").isdigit():
        return None
    values: dict[str, Any] = {argument: int(object_id or 0)}
    return url_for(endpoint, **values)


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("có") if value else _l("không"))
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        shown = clock.local(moment) if moment.tzinfo else moment
        return shown.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[Any, str, str | None]]:
    """[(field label, before, after)] — `before` is None for a value only recorded after, and the
    after value None for one only recorded before; unchanged fields are left out of a diff."""
    before, after = before or {}, after or {}
    rows: list[tuple[Any, str, str | None]] = []
    for key in list(before) + [k for k in after if k not in before]:
        label = FIELDS.get(key, key)
        if key in before and key in after:
            if before[key] != after[key]:
                rows.append((label, _value(before[key]), _value(after[key])))
        elif key in after:
            rows.append((label, "", _value(after[key])))
        else:
            rows.append((label, _value(before[key]), None))
    return rows


def describe(values: Any) -> str:
    """A recorded dict (a job's counts) as "label: value" phrases; nested dicts in brackets."""
    if not isinstance(values, dict):
        return _value(values)
    parts = []
    for key, value in values.items():
        label = FIELDS.get(key, key)
        shown = f"({describe(value)})" if isinstance(value, dict) else _value(value)
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)
