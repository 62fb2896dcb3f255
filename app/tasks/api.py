"""The JSON API for the province's task-assignment software (SPEC §2a): upsert a task by its
external reference, report a submission, accept or return it, read a person's results.

Authenticated only by `Authorization: Bearer <integration token>` (never by a session; no CSRF),
scoped to the token's unit subtree, rate-limited, every call audited; errors are RFC 9457
problem+json in Vietnamese or English (Accept-Language)."""

import hashlib
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.audit import act_as_system
from app.csvimport import RowChecker
from app.errors import DomainError, render_error
from app.extensions import csrf, db, limiter, login_manager
from app.org.models import Staff, Unit
from app.periods import parse_period
from app.tasks import queries, services
from app.tasks.models import Product, Task
from app.tasks.openapi import DOCUMENT
from app.text import has_control, nfc

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
LANGUAGES = ("vi", "en")
PROBLEM = "application/problem+json"
MAX_BODY = 64 * 1024


def _language():
    return request.accept_languages.best_match(LANGUAGES) or "vi"


def _rate_key():
    """Calls are counted per token (its hash), else per address."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()
    return "api-ip:" + (request.remote_addr or "")


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "120 per minute"), key_func=_rate_key)(bp)


def problem(status: int, title: str, detail: str, **extra):
    """An RFC 9457 problem document."""
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    response.headers["Content-Language"] = _language()
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="congvu-api"'
    return response


TITLES = {
    400: lambda: _("Yêu cầu không hợp lệ"),
    401: lambda: _("Chưa xác thực"),
    404: lambda: _("Không tìm thấy"),
    409: lambda: _("Xung đột trạng thái"),
    413: lambda: _("Dữ liệu quá lớn"),
    422: lambda: _("Dữ liệu không hợp lệ"),
    429: lambda: _("Quá nhiều yêu cầu"),
}


def _problem(status, detail, **extra):
    return problem(status, TITLES[status](), detail, **extra)


@bp.before_request
def authenticate():
    """A valid, unrevoked integration token or 401; the session's user is ignored."""
    g._login_user = login_manager.anonymous_user()  # a session never authenticates the API
    g.api_token = None
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    token = services.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        with force_locale(_language()):
            return _problem(401, _("Thiếu mã kết nối hợp lệ (Authorization: Bearer …)."))
    g.api_token = token
    act_as_system(f"api:{token.name}"[:120])
    return None


@bp.errorhandler(429)
def too_many(error):
    with force_locale(_language()):
        return _problem(429, _("Đã vượt giới hạn số lần gọi; vui lòng thử lại sau."))


@bp.errorhandler(404)
def not_found(error):
    with force_locale(_language()):
        return _problem(404, _("Không có đối tượng này trong phạm vi của mã kết nối."))


@bp.app_errorhandler(404)
def not_found_anywhere(error):
    """A path under /api/v1 that matched no route (a segment the URL converters refused: a NUL,
    a huge id) answers in problem+json too; every other 404 is the usual page."""
    if request.path.startswith(bp.url_prefix + "/"):
        return not_found(error)
    return render_error(404)


@bp.errorhandler(405)
def not_allowed(error):
    with force_locale(_language()):
        return _problem(400, _("Phương thức không được hỗ trợ."))


def api_call(name):
    """Run a call in the caller's language; a refusal becomes problem+json; every call audited."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(**kwargs):
            token = g.api_token
            with force_locale(_language()):
                try:
                    response = fn(token, **kwargs)
                except NotInScope:
                    db.session.rollback()
                    response = _problem(404, _("Không có đối tượng này trong phạm vi của mã kết nối."))
                except Invalid as exc:
                    db.session.rollback()
                    response = _problem(422, exc.message, errors=exc.errors)
                except DomainError as exc:
                    db.session.rollback()
                    response = _problem(409 if exc.status == 409 else 422, exc.message)
            services.touch_token(
                token, name, response.status_code, kwargs.get("ref") or kwargs.get("staff_code")
            )
            return response

        return wrapper

    return decorate


class NotInScope(Exception):
    """The object does not exist or lies outside the token's unit subtree."""


class Invalid(DomainError):
    """The body is not acceptable; `errors` lists every problem."""

    def __init__(self, errors):
        super().__init__(errors[0] if errors else _("Dữ liệu không hợp lệ."))
        self.errors = errors


def _body():
    if request.content_length and request.content_length > MAX_BODY:
        raise Invalid([_("Dữ liệu quá lớn.")])
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid([_("Nội dung phải là một đối tượng JSON.")])
    return data


def _text(data, name, default=""):
    value = data.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid([_("Trường %(field)s không đúng kiểu.", field=name)])
    text = nfc(str(value).strip())
    if len(text) > 2000 or has_control(text):
        raise Invalid([_("Trường %(field)s không hợp lệ.", field=name)])
    return text


def _in_scope(token, path):
    return path.startswith(token.unit.path)


def _clean(value):
    """A path segment that can be looked up: bounded, no control characters (else not found)."""
    if len(value) > 100 or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise NotInScope()
    return nfc(value)


def _task(token, ref):
    task = db.session.scalar(select(Task).where(Task.external_ref == _clean(ref)))
    if task is None or not _in_scope(token, task.unit.path):
        raise NotInScope()
    return task


def task_json(task: Task) -> dict:
    return {
        "external_ref": task.external_ref,
        "staff_code": task.staff.code,
        "product_code": task.product.code if task.product else None,
        "title": task.title,
        "coefficient": float(task.coefficient),
        "quantity": task.quantity,
        "assigned_on": task.assigned_on.isoformat(),
        "due_on": task.due_on.isoformat(),
        "submitted_on": task.submitted_on.isoformat() if task.submitted_on else None,
        "status": task.status,
        "returns": task.returns,
        "late": task.late,
        "exempt_returns": task.exempt_returns,
        "exempt_late": task.exempt_late,
    }


# ---------------------------------------------------------------- calls


@bp.put("/tasks/<string:ref>")
@api_call("put_task")
def put_task(token, ref):
    """Create or update the task with this external reference (idempotent)."""
    data = _body()
    if len(ref) > 100 or any(ord(ch) < 32 or ord(ch) == 127 for ch in ref):
        raise Invalid([_("Mã tham chiếu dài quá 100 ký tự hoặc có ký tự điều khiển.")])
    ref = nfc(ref)
    row = {
        "external_ref": ref,
        "staff_code": _text(data, "staff_code"),
        "product_code": _text(data, "product_code").upper(),
        "coefficient": _text(data, "coefficient"),
        "quantity": _text(data, "quantity"),
        "assigned_on": _text(data, "assigned_on"),
        "due_on": _text(data, "due_on"),
        "submitted_on": _text(data, "submitted_on"),
        "status": _text(data, "status", "assigned"),
    }
    for name in ("returns", "late", "exempt_returns", "exempt_late"):
        row[name] = _text(data, name, "0")
    staff = {
        code: (staff_id, unit_id, path)
        for code, staff_id, unit_id, path in db.session.execute(
            select(Staff.code, Staff.id, Staff.unit_id, Unit.path)
            .join(Staff.unit)
            .where(Staff.code == row["staff_code"])
        )
    }
    person = staff.get(row["staff_code"])
    if person is not None and not _in_scope(token, person[2]):
        staff = {}  # outside the token's scope: as if unknown
    products = {}
    if row["product_code"]:
        products[row["product_code"]] = db.session.scalars(
            select(Product).where(Product.code == row["product_code"]).order_by(Product.effective_from.desc())
        ).all()
    errors = []
    record = services.check_task_row(RowChecker(0, errors), row, staff, products)
    if errors or record is None:
        raise Invalid([error.message for error in errors])
    existing = db.session.scalar(select(Task).where(Task.external_ref == ref))
    if existing is not None and not _in_scope(token, existing.unit.path):
        raise NotInScope()
    created, _updated = services.save_tasks([record], f"api:{token.name}")
    task = _task(token, ref)
    response = jsonify(task_json(task))
    response.status_code = 201 if created else 200
    return response


@bp.post("/tasks/<string:ref>/submission")
@api_call("submission")
def submission(token, ref):
    """The assignee reported completion in the task software."""
    task = _task(token, ref)
    data = _body()
    errors = []
    check = RowChecker(0, errors)
    day_text = _text(data, "submitted_on")
    day = check.date(day_text, "submitted_on") if day_text else clock.today()
    link = _text(data, "link") or None
    if link and not link.startswith(("http://", "https://")):
        check.error(_("Đường dẫn phải bắt đầu bằng http:// hoặc https://."))
    if errors:
        raise Invalid([e.message for e in errors])
    services.submit(task, day, _text(data, "note"), None, link=link)
    return jsonify(task_json(_task(token, ref)))


@bp.post("/tasks/<string:ref>/review")
@api_call("review")
def review(token, ref):
    """The assigner accepted or returned the submission in the task software."""
    task = _task(token, ref)
    data = _body()
    decision = _text(data, "decision")
    if decision == "accept":
        services.accept(task, _text(data, "note"), None)
    elif decision == "return":
        services.return_task(task, _text(data, "note"), None)
    else:
        raise Invalid([_("decision phải là accept hoặc return.")])
    return jsonify(task_json(_task(token, ref)))


@bp.get("/staff/<string:staff_code>/results/<string:period>")
@api_call("results")
def results(token, staff_code, period):
    """A person's computed results for a month: the same numbers as `tasks results`."""
    try:
        parse_period(period)
    except DomainError as exc:
        raise Invalid([exc.message]) from None
    staff = db.session.scalar(select(Staff).where(Staff.code == _clean(staff_code)))
    if staff is None or not _in_scope(token, staff.unit.path):
        raise NotInScope()
    result, maxima = queries.person_result(staff, period)
    body = {
        "staff_code": staff.code,
        "period": period,
        "assigned": None,
        "quantity_pct": None,
        "quality_pct": None,
        "progress_pct": None,
        "t1": None,
        "t2": None,
        "t3": None,
        "explanation": _(
            "Không có nhiệm vụ nào đến hạn trong tháng trong sổ theo dõi nhiệm vụ; không có gợi ý."
        ),
    }
    if result is not None and result.assigned_m:
        body.update(
            {
                "assigned": float(result.assigned.quantize(queries.HUNDREDTH)),
                **{f"{kind}_pct": float(result.pct(kind)) for kind in ("quantity", "quality", "progress")},
                **{
                    code.lower(): float(result.suggestion(code, maxima[code])) if code in maxima else None
                    for code in queries.RATIO_OF
                },
                "explanation": result.explanation(),
            }
        )
    return jsonify(body)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(DOCUMENT)
