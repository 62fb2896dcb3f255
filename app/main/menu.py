"""The main menu: a few groups by the roles that use them, each shown only with an item the user
may open. One list, read by base.html; the current section is the item whose address is the
longest prefix of the page's."""
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from app.permissions import can


@dataclass(frozen=True)
class Item:
    key: str  # data-menu, used by the tests
    endpoint: str
    label: Any
    allowed: Any  # (user) -> bool


def _can(action):
    return lambda user: can(user, action)


def _staff(user):
    return bool(user.staff_id)


def _front_desk(user):
    return bool(user.staff and user.staff.front_desk)


GROUPS: list[tuple[str, Any, list[Item]]] = [
    ("mine", _l("Của tôi"), [
        Item("my-assessment", "reports.my_assessment", _l("Đánh giá của tôi"), _staff),
        Item("my-tasks", "tasks.mine", _l("Công việc của tôi"), _staff),
        Item("my-conduct", "conduct.mine", _l("Văn hóa công vụ của tôi"), _staff),
        Item("my-feedback", "feedback.mine", _l("Người dân đánh giá tôi"), _front_desk),
        Item("profile", "reports.my_profile", _l("Hồ sơ của tôi"), _staff),
    ]),
    ("work", _l("Đơn vị"), [
        Item("team", "evaluation.team", _l("Đánh giá cán bộ"), _can("evaluation.team")),
        Item("task-board", "tasks.board", _l("Giao việc"), _can("tasks.assign")),
        Item("products", "tasks.products", _l("Danh mục sản phẩm"), _can("tasks.products")),
        Item("task-import", "tasks.import_data", _l("Nhập nhiệm vụ"), _can("tasks.import")),
        Item("units", "org.units", _l("Đơn vị"), _can("org.view")),
        Item("staff", "org.staff_list", _l("Cán bộ"), _can("org.view")),
        Item("import", "org.import_data", _l("Nhập dữ liệu"), _can("org.import")),
    ]),
    ("conduct", _l("Văn hóa & phản ánh"), [
        Item("conduct", "conduct.inspections", _l("Văn hóa công vụ"), _can("conduct.view")),
        Item("rules", "conduct.rules", _l("Quy tắc và mẫu kiểm tra"),
             lambda user: can(user, "conduct.view") or can(user, "conduct.rules")),
        Item("complaints", "feedback.complaints", _l("Phản ánh"), _can("feedback.view")),
        Item("qr", "feedback.targets", _l("Mã QR"), _can("feedback.manage")),
    ]),
    ("province", _l("Đánh giá & báo cáo"), [
        Item("dashboard", "reports.dashboard_home", _l("Bảng điều khiển"), _can("dashboard.view")),
        Item("province", "reports.province", _l("Xếp hạng đơn vị"), _can("province.view")),
        Item("annual", "annual.overview", _l("Xếp loại năm"), _can("annual.view")),
        Item("reviews", "reviews.cases", _l("Hồ sơ xem xét"), _can("review.manage")),
        Item("periods", "evaluation.periods", _l("Kỳ đánh giá"), _can("period.manage")),
        Item("policies", "evaluation.policies", _l("Chính sách"), _can("policy.manage")),
    ]),
    ("admin", _l("Quản trị"), [
        Item("users", "auth.users", _l("Tài khoản"), _can("user.admin")),
        Item("audit", "auth.audit_trail", _l("Nhật ký"), _can("audit.view")),
        Item("jobs", "scheduler.ledger", _l("Công việc định kỳ"), _can("audit.view")),
        Item("tokens", "tasks.tokens", _l("Kết nối phần mềm giao việc"), _can("audit.view")),
    ]),
]


def menu_for(user) -> list[dict[str, Any]]:
    """[{key, label, current, items: [{key, label, url, current}]}] for the groups the user has
    something in; an endpoint not (yet) registered is left out."""
    functions = current_app.view_functions
    groups = []
    for key, label, items in GROUPS:
        shown = [{"key": item.key, "label": item.label, "url": url_for(item.endpoint)}
                 for item in items if item.endpoint in functions and item.allowed(user)]
        if shown:
            groups.append({"key": key, "label": label, "items": shown, "current": False})
    path = request.path
    best = max((item for group in groups for item in group["items"]
                if path == item["url"] or path.startswith(item["url"].rstrip("/") + "/")),
               key=lambda item: len(item["url"]), default=None)
    for group in groups:
        for item in group["items"]:
            item["current"] = item is best
            group["current"] = group["current"] or item is best
    return groups
