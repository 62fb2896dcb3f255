"""The main menu: a few groups by the roles that use them, each shown only with an item the user
may open. One list, read by base.html; the current section is the item whose address is the
longest prefix of the page's.

Every page shows it, so it is built once per kind of user and kept: what the menu depends on
(active, sys_admin, staff member or not, front desk, each grant's role, unit and whether that unit
is a root) is the key, with the language and the application's root; the rendered groups are
kept per current item too. A change of any of these is another key, never a stale menu."""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

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


def fingerprint(user) -> tuple:
    """Everything `allowed(user)` reads: `can(user, action)` without a target looks at these only."""
    return (user.active, user.is_sys_admin, user.staff_id, bool(user.staff and user.staff.front_desk),
            tuple(sorted((g.role, g.unit_id, g.unit is not None and g.unit.parent_id is None)
                         for g in user.grants)))


class _Kept(OrderedDict):
    """A small least-recently-used store (per worker process)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def keep(self, key, value):
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value

    def find(self, key):
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value


_GROUPS = _Kept(512)
_HTML = _Kept(2048)


def _groups(user) -> tuple[tuple, list[tuple[str, str, list[tuple[str, str, str]]]]]:
    """(key, [(group key, label, [(item key, label, url)])]) for the groups the user has
    something in, labels in the page's language; an endpoint not (yet) registered is left out."""
    key = (fingerprint(user), str(get_locale()), request.script_root)
    groups = _GROUPS.find(key)
    if groups is None:
        functions = current_app.view_functions
        groups = []
        for group_key, label, items in GROUPS:
            shown = [(item.key, str(item.label), url_for(item.endpoint))
                     for item in items if item.endpoint in functions and item.allowed(user)]
            if shown:
                groups.append((group_key, str(label), shown))
        _GROUPS.keep(key, groups)
    return key, groups


def _current(groups, path: str) -> str | None:
    """The key of the item whose address is the longest prefix of the page's."""
    best = max((item for _key, _label, items in groups for item in items
                if path == item[2] or path.startswith(item[2].rstrip("/") + "/")),
               key=lambda item: len(item[2]), default=None)
    return best[0] if best else None


def menu_for(user) -> list[dict[str, Any]]:
    """[{key, label, current, items: [{key, label, url, current}]}] for the groups the user has
    something in."""
    _key, groups = _groups(user)
    current = _current(groups, request.path)
    return [{"key": key, "label": label, "current": any(item[0] == current for item in items),
             "items": [{"key": k, "label": lbl, "url": url, "current": k == current}
                       for k, lbl, url in items]}
            for key, label, items in groups]


def menu_html(user) -> Markup:
    """The menu's groups as base.html shows them, rendered once per kind of user, language and
    current item."""
    key, groups = _groups(user)
    current = _current(groups, request.path)
    html = _HTML.find((key, current))
    if html is None:
        # The output of an autoescaping template (every label and address escaped there), kept
        # as it is so base.html does not escape it twice.
        rendered = render_template("main/_menu.html", groups=menu_for(user))
        html = _HTML.keep((key, current), Markup(rendered))  # nosec B704
    return html
