"""Ledger services: the product catalogue, assigning tasks and every later step (submission,
acceptance, return, extension, exemption, cancellation), evidence files, the CSV imports,
integration tokens, and the T1–T3 suggestion."""

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import g
from flask_babel import gettext as _
from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Integer,
    Text,
    bindparam,
    insert,
    literal,
    select,
    update,
)

from app import audit, clock, uploads
from app.csvimport import ImportRejected, RowChecker, RowError, Source, drop, read_rows, stage, staged_values
from app.database import lookup, transactional
from app.errors import DomainError, StaleError
from app.evaluation.suggestions import Suggestion, source
from app.extensions import db
from app.org.models import Staff, Unit
from app.tasks import queries
from app.tasks.models import TASK_STATUSES, IntegrationToken, Product, Task, TaskEvent, TaskFile, Thousandths

if TYPE_CHECKING:
    from app.auth.models import User
    from app.evaluation.models import Assessment, AssessmentCriterion, Period

PRODUCT_COLUMNS = ["code", "name", "unit_code", "coefficient", "effective_from"]
TASK_COLUMNS = [
    "external_ref",
    "staff_code",
    "product_code",
    "coefficient",
    "quantity",
    "assigned_on",
    "due_on",
    "submitted_on",
    "status",
    "returns",
    "late",
    "exempt_returns",
    "exempt_late",
]
TASK_FIELDS = (
    "staff_id",
    "title",
    "coefficient",
    "quantity",
    "assigned_on",
    "due_on",
    "status",
    "submitted_on",
    "returns",
    "late",
    "exempt_returns",
    "exempt_late",
)
MAX_COEFFICIENT = Decimal("1000")
MAX_QUANTITY = 1_000_000
MAX_COUNT = 1000

def _actor_label(actor: "User | None") -> str:
    return actor.username if actor is not None else g.get("audit_actor_label", "system")


def _event(task: Task, kind: str, actor: "User | None", **values: Any) -> TaskEvent:
    event = TaskEvent(
        kind=kind, actor_id=actor.id if actor is not None else None, actor_label=_actor_label(actor), **values
    )
    task.events.append(event)
    return event


# ---------------------------------------------------------------- numbers


def parse_coefficient(text: str | None) -> Decimal:
    """A conversion coefficient: a decimal > 0 with at most three digits after the point (a
    decimal comma accepted), or DomainError."""
    value = str(text or "").strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,4}(\.\d{1,3})?", value):
        raise DomainError(_("Hệ số quy đổi phải là số lớn hơn 0, tối đa ba chữ số thập phân."))
    number = Decimal(value)
    if not Decimal(0) < number <= MAX_COEFFICIENT:
        raise DomainError(_("Hệ số quy đổi phải lớn hơn 0 và không quá %(max)s.", max=MAX_COEFFICIENT))
    return number


def _check_dates(assigned_on: date, due_on: date) -> None:
    if due_on < assigned_on:
        raise DomainError(_("Hạn hoàn thành không được trước ngày giao."))


# ---------------------------------------------------------------- catalogue


def product_in_force(code: str, unit: Unit | None, day: date) -> Product | None:
    """The version of product `code` in force on `day` for `unit` (its own, an ancestor's, or a
    province-wide entry)."""
    ancestors = unit.ancestor_ids if unit is not None else []
    candidates = db.session.scalars(
        select(Product)
        .where(Product.code == code, Product.effective_from <= day)
        .order_by(Product.effective_from.desc())
    ).all()
    for product in candidates:
        if product.unit_id is None or product.unit_id in ancestors:
            return product
    return None


@transactional
def save_product(
    code: str,
    name_vi: str,
    name_en: str,
    measure: str,
    coefficient: Decimal,
    default_days: int | None,
    unit: Unit | None,
    effective_from: date,
) -> Product:
    """A new version of a catalogue entry from `effective_from`; tasks keep the coefficient they
    were assigned with."""
    code = code.strip().upper()
    taken = db.session.scalar(
        select(Product.id).where(Product.code == code, Product.effective_from == effective_from)
    )
    if taken:
        raise DomainError(
            _("Đã có phiên bản của mã %(code)s từ ngày %(day)s.", code=code, day=effective_from.isoformat())
        )
    other_owner = db.session.scalar(select(Product.unit_id).where(Product.code == code).limit(1))
    if (
        other_owner is not None
        and (unit is None or other_owner != unit.id)
        or other_owner is None
        and unit is not None
        and db.session.scalar(select(Product.id).where(Product.code == code).limit(1))
    ):
        raise DomainError(_("Mã %(code)s đã được dùng cho một danh mục khác.", code=code))
    product = Product(
        code=code,
        name_vi=name_vi.strip(),
        name_en=(name_en or "").strip(),
        measure=(measure or "").strip(),
        coefficient=coefficient,
        default_days=default_days,
        unit_id=unit.id if unit else None,
        effective_from=effective_from,
    )
    db.session.add(product)
    audit.record(
        "tasks.product_saved",
        product,
        after={
            "code": code,
            "name": product.name_vi,
            "coefficient": coefficient,
            "unit": unit.code if unit else None,
            "effective_from": effective_from,
        },
    )
    return product


@transactional
def import_products(data: bytes | str, paths: list[str] | None = None) -> int:
    """Upsert catalogue entries `code,name,unit_code,coefficient,effective_from` by (code,
    effective_from). All or nothing."""
    rows = read_rows(data, PRODUCT_COLUMNS)
    errors: list[RowError] = []
    records: dict[tuple[str, date], dict[str, Any]] = {}
    seen: dict[tuple[str, date], int] = {}
    units = {
        code: (unit_id, path)
        for code, unit_id, path in lookup(
            select(Unit.code, Unit.id, Unit.path),
            Unit.code,
            {row["unit_code"] for _l, row in rows if row["unit_code"]},
        )
    }
    for line, row in rows:
        check = RowChecker(line, errors)
        code = check.required(row["code"].upper(), _("mã sản phẩm"))
        if code and not re.fullmatch(r"[A-Z0-9._-]{1,50}", code):
            check.error(_("Mã sản phẩm chỉ gồm chữ không dấu, chữ số và . _ -"))
        name = check.required(row["name"], _("tên sản phẩm"))
        unit_id = None
        if row["unit_code"]:
            unit_id, path = units.get(row["unit_code"], (None, None))
            if unit_id is None:
                check.error(_("Không có đơn vị mã %(code)s.", code=row["unit_code"]))
            elif paths is not None and not any(path.startswith(p) for p in paths):
                check.error(_("Đơn vị %(code)s nằm ngoài phạm vi bạn được giao.", code=row["unit_code"]))
        elif paths is not None:
            check.error(_("Chỉ cán bộ tổ chức cấp tỉnh được nhập danh mục dùng chung."))
        try:
            coefficient = parse_coefficient(row["coefficient"])
        except DomainError as exc:
            coefficient = check.error(exc.message)
        day = check.date(row["effective_from"], _("Ngày hiệu lực"))
        if code and day:
            if (code, day) in seen:
                check.error(_("Trùng với dòng %(line)d.", line=seen[(code, day)]))
            seen[(code, day)] = line
            records[(code, day)] = {
                "code": code,
                "name_vi": name,
                "unit_id": unit_id,
                "coefficient": coefficient,
                "effective_from": day,
            }
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    existing = {
        (code, day): product_id
        for code, day, product_id in lookup(
            select(Product.code, Product.effective_from, Product.id),
            Product.code,
            {code for code, _d in records},
        )
    }
    new = [r for key, r in records.items() if key not in existing]
    changed = [{"id": existing[key], **r} for key, r in records.items() if key in existing]
    if new:
        db.session.execute(insert(Product), [{**r, "name_en": "", "measure": ""} for r in new])
    if changed:
        db.session.execute(update(Product), changed)
    audit.record(
        "tasks.import_products",
        object_type="task_product",
        after={"created": len(new), "updated": len(changed)},
    )
    return len(records)


# ---------------------------------------------------------------- tasks


@transactional
def assign(
    people: list[Staff],
    *,
    title: str,
    coefficient: Decimal,
    quantity: int,
    assigned_on: date,
    due_on: date,
    actor: "User | None",
    product: Product | None = None,
    external_ref: str | None = None,
) -> list[Task]:
    """Assign a product (or an ad-hoc item with its coefficient) to one or several people."""
    _check_dates(assigned_on, due_on)
    if quantity <= 0 or coefficient <= 0:
        raise DomainError(_("Số lượng và hệ số quy đổi phải lớn hơn 0."))
    if not people:
        raise DomainError(_("Hãy chọn ít nhất một người."))
    tasks: list[Task] = []
    for person in people:
        task = Task(
            staff_id=person.id,
            unit_id=person.unit_id,
            product_id=product.id if product else None,
            title=title.strip(),
            coefficient=coefficient,
            quantity=quantity,
            assigned_on=assigned_on,
            due_on=due_on,
            status="assigned",
            assigner_id=actor.id if actor is not None else None,
            external_ref=external_ref if len(people) == 1 else None,
        )
        db.session.add(task)
        _event(task, "assigned", actor, on_date=assigned_on, new_due=due_on)
        audit.record(
            "tasks.assigned",
            task,
            after={
                "staff": person.code,
                "title": task.title,
                "coefficient": coefficient,
                "quantity": quantity,
                "assigned_on": assigned_on,
                "due_on": due_on,
                "product": product.code if product else None,
            },
        )
        tasks.append(task)
    return tasks


def _transition(task: Task, allowed: Iterable[str], **values: Any) -> None:
    """Change a task only if it is still in one of the `allowed` states: two people pressing the
    same button get "changed by someone else" instead of a double count."""
    result = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status.in_(allowed))
        .values(updated_at=clock.utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML: CursorResult
        raise StaleError(_("Nhiệm vụ vừa được người khác thay đổi; hãy tải lại trang."))
    db.session.expire(task, [*values, "updated_at"])


def _snapshot(task: Task) -> dict[str, Any]:
    return audit.snapshot(
        task, ("status", "due_on", "returns", "late", "exempt_returns", "exempt_late", "submitted_on")
    )


@transactional
def submit(
    task: Task,
    on_date: date,
    note: str,
    actor: "User | None",
    link: str | None = None,
    file_data: bytes | None = None,
    file_name: str = "",
) -> TaskEvent:
    """The assignee reports completion (or resubmits after a return); a delivery after the due
    date counts one late delivery."""
    if task.status not in ("assigned", "returned"):
        raise DomainError(_("Chỉ báo cáo hoàn thành được nhiệm vụ đang thực hiện hoặc bị trả lại."))
    if on_date < task.assigned_on:
        raise DomainError(_("Ngày hoàn thành không được trước ngày giao."))
    link = (link or "").strip() or None
    if link is not None and (not link.lower().startswith(("http://", "https://")) or len(link) > 500):
        raise DomainError(_("Đường dẫn phải bắt đầu bằng http:// hoặc https://."))
    before = _snapshot(task)
    late = on_date > task.due_on
    stored = None
    if file_data:
        stored = store_file(file_data, file_name, task, actor)
    try:
        _transition(
            task,
            (task.status,),
            status="submitted",
            submitted_on=on_date,
            late=Task.late + (1 if late else 0),
        )
        event = _event(
            task,
            "submitted",
            actor,
            on_date=on_date,
            late=late,
            note=(note or "").strip()[:2000],
            link=link,
            file_id=stored.id if stored else None,
        )
        audit.record("tasks.submitted", task, before=before, after=_snapshot(task))
    except BaseException:
        if stored is not None:
            file_path(stored).unlink(missing_ok=True)
        raise
    return event


@transactional
def accept(task: Task, note: str, actor: "User | None") -> None:
    """The assigner accepts a submission."""
    if task.status != "submitted":
        raise DomainError(_("Chỉ nghiệm thu được nhiệm vụ đã báo cáo hoàn thành."))
    before = _snapshot(task)
    _transition(task, ("submitted",), status="accepted")
    _event(task, "accepted", actor, on_date=clock.today(), note=(note or "").strip()[:2000])
    audit.record("tasks.accepted", task, before=before, after=_snapshot(task))


@transactional
def return_task(task: Task, note: str, actor: "User | None") -> None:
    """The assigner returns a submission that does not meet the quality required, with a note."""
    if task.status != "submitted":
        raise DomainError(_("Chỉ trả lại được nhiệm vụ đã báo cáo hoàn thành."))
    if len((note or "").strip()) < 5:
        raise DomainError(_("Hãy ghi lý do trả lại (ít nhất 5 ký tự)."))
    before = _snapshot(task)
    _transition(task, ("submitted",), status="returned", returns=Task.returns + 1)
    _event(task, "returned", actor, on_date=clock.today(), note=note.strip()[:2000])
    audit.record("tasks.returned", task, before=before, after=_snapshot(task))


@transactional
def extend(task: Task, new_due: date, note: str, actor: "User | None", today: date | None = None) -> None:
    """Extend the due date before it passes (gia hạn), recorded with the old and new dates."""
    today = today or clock.today()
    if task.status in ("accepted", "cancelled"):
        raise DomainError(_("Nhiệm vụ đã kết thúc; không gia hạn được."))
    if today > task.due_on:
        raise DomainError(_("Chỉ gia hạn được trước khi hết hạn."))
    if new_due <= task.due_on:
        raise DomainError(_("Hạn mới phải sau hạn hiện tại."))
    before = _snapshot(task)
    old = task.due_on
    _transition(task, (task.status,), due_on=new_due)
    _event(task, "extended", actor, old_due=old, new_due=new_due, note=(note or "").strip()[:2000])
    audit.record("tasks.extended", task, before=before, after=_snapshot(task))


@transactional
def exempt(task: Task, kind: str, note: str, actor: "User | None") -> None:
    """Confirm an objective cause that exempts one return (`return`) or one delay (`delay`)."""
    if len((note or "").strip()) < 5:
        raise DomainError(_("Hãy ghi nguyên nhân khách quan (ít nhất 5 ký tự)."))
    values: dict[str, Any]
    guard: ColumnElement[bool]
    if kind == "return":
        if task.exempt_returns >= task.returns:
            raise DomainError(_("Không còn lần trả lại nào để miễn trừ."))
        values = {"exempt_returns": Task.exempt_returns + 1}
        guard = Task.exempt_returns < Task.returns
    elif kind == "delay":
        if task.exempt_late >= task.late:
            raise DomainError(_("Không còn lần trễ hạn nào để miễn trừ."))
        values = {"exempt_late": Task.exempt_late + 1}
        guard = Task.exempt_late < Task.late
    else:
        raise DomainError(_("Loại miễn trừ không hợp lệ."))
    before = _snapshot(task)
    result = db.session.execute(
        update(Task)
        .where(Task.id == task.id, guard)
        .values(updated_at=clock.utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # DML: CursorResult
        raise StaleError(_("Nhiệm vụ vừa được người khác thay đổi; hãy tải lại trang."))
    db.session.expire(task, [*values, "updated_at"])
    _event(task, "exempt_return" if kind == "return" else "exempt_delay", actor, note=note.strip()[:2000])
    audit.record("tasks.exempted", task, before=before, after=_snapshot(task))


@transactional
def cancel(task: Task, reason: str, actor: "User | None") -> None:
    """The assigner cancels a task with a reason; it no longer counts."""
    if task.status in ("accepted", "cancelled"):
        raise DomainError(_("Không hủy được nhiệm vụ đã nghiệm thu hoặc đã hủy."))
    if len((reason or "").strip()) < 5:
        raise DomainError(_("Hãy ghi lý do hủy (ít nhất 5 ký tự)."))
    before = _snapshot(task)
    _transition(task, (task.status,), status="cancelled", cancel_reason=reason.strip()[:1000])
    _event(task, "cancelled", actor, note=reason.strip()[:2000])
    audit.record("tasks.cancelled", task, before=before, after=_snapshot(task))


# ---------------------------------------------------------------- evidence files


def check_file(data: bytes) -> str:
    """The evidence file's real type from its content (JPEG, PNG, PDF, DOCX, XLSX), or
    DomainError; the size limit is the one of conduct photos."""
    limit = uploads.size_limit_mb(data)
    if limit is not None:
        raise DomainError(_("Tệp quá lớn: tối đa %(mb)d MB.", mb=limit))
    content_type = uploads.content_type_of(data)
    if content_type is None:
        raise DomainError(_("Chỉ nhận ảnh JPEG, PNG hoặc tệp PDF, DOCX, XLSX."))
    return content_type


def store_file(data: bytes, original_name: str, task: Task, actor: "User | None") -> TaskFile:
    """Keep a checked evidence file outside the web root; the row joins the caller's transaction."""
    content_type = check_file(data)
    saved = uploads.save(data, "tasks", content_type)
    stored = TaskFile(
        filename=saved.filename,
        original_name=(original_name or "")[:255],
        content_type=content_type,
        size=saved.size,
        sha256=saved.sha256,
        unit_id=task.unit_id,
        uploaded_by_id=actor.id if actor is not None else None,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def file_path(stored: TaskFile) -> Path:
    return uploads.folder("tasks") / stored.filename


# ---------------------------------------------------------------- import from the task software


def _count(check: RowChecker, value: str, label: str) -> int | None:
    if not re.fullmatch(r"\d{1,4}", value or ""):
        return check.error(_('%(field)s "%(value)s" phải là số nguyên không âm.', field=label, value=value))
    return int(value)


def check_task_row(
    check: RowChecker,
    row: Mapping[str, str],
    staff: Mapping[str, tuple[int, int, str]],
    products: Mapping[str, Sequence[Product]],
) -> dict[str, Any] | None:
    """One row of the task file as the values of a task, or None (the errors are in `check`)."""
    ref = check.required(row["external_ref"], _("mã tham chiếu"))
    if ref and len(ref) > 100:
        ref = check.error(_("Mã tham chiếu dài quá 100 ký tự."))
    person = staff.get(row["staff_code"])
    if person is None:
        check.error(_("Không có cán bộ mã %(code)s.", code=row["staff_code"]))
    assigned_on = check.date(row["assigned_on"], _("Ngày giao"))
    due_on = check.date(row["due_on"], _("Hạn hoàn thành"))
    submitted_on = check.date(row["submitted_on"], _("Ngày hoàn thành")) if row["submitted_on"] else None
    if assigned_on and due_on and due_on < assigned_on:
        check.error(
            _(
                "Hạn hoàn thành %(due)s trước ngày giao %(assigned)s.",
                due=due_on.isoformat(),
                assigned=assigned_on.isoformat(),
            )
        )
    status = check.choice(row["status"], list(TASK_STATUSES), _("Trạng thái"))
    product = None
    if row["product_code"]:
        versions = products.get(row["product_code"].upper(), [])
        if not versions:
            check.error(_("Không có sản phẩm mã %(code)s.", code=row["product_code"]))
        elif assigned_on and person is not None:
            for version in versions:  # newest first
                if version.effective_from <= assigned_on and (
                    version.unit_id is None or f"/{version.unit_id}/" in person[2]
                ):
                    product = version
                    break
            if product is None:
                check.error(
                    _(
                        "Sản phẩm %(code)s chưa có hiệu lực ngày %(day)s cho đơn vị của cán bộ.",
                        code=row["product_code"],
                        day=assigned_on.isoformat(),
                    )
                )
    coefficient = None
    if row["coefficient"]:
        try:
            coefficient = parse_coefficient(row["coefficient"])
        except DomainError as exc:
            check.error(exc.message)
    elif product is not None:
        coefficient = product.coefficient
    elif not row["product_code"]:
        check.error(_("Việc phát sinh (không có mã sản phẩm) phải có hệ số quy đổi."))
    quantity = None
    if not re.fullmatch(r"\d{1,7}", row["quantity"] or "") or int(row["quantity"]) <= 0:
        check.error(_('Số lượng "%(value)s" phải là số nguyên lớn hơn 0.', value=row["quantity"]))
    else:
        quantity = int(row["quantity"])
    counts = {
        name: _count(check, row[name], name) for name in ("returns", "late", "exempt_returns", "exempt_late")
    }
    if (
        counts["returns"] is not None
        and counts["exempt_returns"] is not None
        and counts["exempt_returns"] > counts["returns"]
    ):
        check.error(_("Số lần trả lại được miễn trừ lớn hơn số lần trả lại."))
    if (
        counts["late"] is not None
        and counts["exempt_late"] is not None
        and counts["exempt_late"] > counts["late"]
    ):
        check.error(_("Số lần trễ hạn được miễn trừ lớn hơn số lần trễ hạn."))
    if status in ("submitted", "accepted") and submitted_on is None:
        check.error(_("Nhiệm vụ ở trạng thái %(status)s phải có ngày hoàn thành.", status=status))
    if person is None or None in (ref, assigned_on, due_on, status, coefficient, quantity, *counts.values()):
        return None
    return {
        "external_ref": ref,
        "staff_id": person[0],
        "unit_id": person[1],
        "product_id": product.id if product else None,
        "title": product.name_vi if product else ref,
        "coefficient": coefficient,
        "quantity": quantity,
        "assigned_on": assigned_on,
        "due_on": due_on,
        "submitted_on": submitted_on,
        "status": status,
        **counts,
    }


def _day(label: str) -> Callable[[str], dict[str, Any]]:
    def parse(value: str) -> dict[str, Any]:
        errors: list[RowError] = []
        parsed = RowChecker(0, errors).date(value, label)
        if errors:
            raise DomainError(errors[0].message)
        return {"parsed": parsed}

    return parse


def _coefficient(value: str) -> dict[str, Any]:
    return {"parsed": parse_coefficient(value) if value else None}


def _whole(value: str) -> dict[str, Any]:
    """A quantity or a count: its value when it is up to seven digits (the checks then ask for
    more: a count has at most four, a quantity is above 0)."""
    return {"whole": int(value) if re.fullmatch(r"\d{1,7}", value) else None}


# The staged task rows with everything the checks and the write need, one row per line: the
# person and their unit path, the parsed dates, coefficient and numbers, and the product version
# in force for the person's unit on the day assigned (the newest that applies).
_TASK_ROWS = """
    SELECT g.line, g.external_ref, g.staff_code, g.product_code, g.coefficient AS coefficient_text,
           g.quantity AS quantity_text, g.status, g.submitted_on AS submitted_text,
           g.returns AS returns_text, g.late AS late_text, g.exempt_returns AS exempt_returns_text,
           g.exempt_late AS exempt_late_text,
           s.id AS staff_id, s.unit_id, u.path,
           a.parsed AS assigned_on, a.error AS assigned_error, d.parsed AS due_on, d.error AS due_error,
           b.parsed AS submitted_on, b.error AS submitted_error,
           c.parsed AS coefficient, c.error AS coefficient_error,
           q.whole AS quantity, r.whole AS returns, l.whole AS late, er.whole AS exempt_returns,
           el.whole AS exempt_late,
           CASE WHEN g.product_code <> ''
                 AND EXISTS (SELECT 1 FROM task_product k WHERE k.code = g.product_key)
                THEN 1 ELSE 0 END AS has_product,
           CASE WHEN g.product_code <> '' AND s.id IS NOT NULL AND a.parsed IS NOT NULL THEN (
               SELECT k.id FROM task_product k WHERE k.code = g.product_key AND k.effective_from <= a.parsed
                 AND (k.unit_id IS NULL OR u.path LIKE '%/' || CAST(k.unit_id AS VARCHAR(20)) || '/%')
               ORDER BY k.effective_from DESC, k.id DESC LIMIT 1) END AS product_id
    FROM {rows} g
    LEFT JOIN staff s ON s.code = g.staff_code
    LEFT JOIN unit u ON u.id = s.unit_id
    JOIN {assigned} a ON a.value = g.assigned_on
    JOIN {due} d ON d.value = g.due_on
    JOIN {submitted} b ON b.value = g.submitted_on
    JOIN {coefficients} c ON c.value = g.coefficient
    JOIN {numbers} q ON q.value = g.quantity
    JOIN {numbers} r ON r.value = g.returns
    JOIN {numbers} l ON l.value = g.late
    JOIN {numbers} er ON er.value = g.exempt_returns
    JOIN {numbers} el ON el.value = g.exempt_late"""

# A row becomes a task (and is then checked for scope and repeats) when these are all good,
# as in check_task_row; the counts have at most four digits, a quantity is above 0.
_TASK_GOOD = """
    staff_id IS NOT NULL AND external_ref <> '' AND LENGTH(external_ref) <= 100
    AND assigned_on IS NOT NULL AND due_on IS NOT NULL AND status IN ({statuses})
    AND (coefficient IS NOT NULL OR (coefficient_text = '' AND product_id IS NOT NULL))
    AND quantity > 0 AND returns IS NOT NULL AND LENGTH(returns_text) <= 4
    AND late IS NOT NULL AND LENGTH(late_text) <= 4 AND exempt_returns IS NOT NULL
    AND LENGTH(exempt_returns_text) <= 4 AND exempt_late IS NOT NULL AND LENGTH(exempt_late_text) <= 4"""


def _task_problems(row: Any) -> list[str]:
    """The messages of one staged row, in check_task_row's order (then scope and repeats)."""
    problems: list[str] = []

    def error(message: str) -> None:
        problems.append(message)

    if not row.external_ref:
        error(_("Thiếu %(field)s.", field=_("mã tham chiếu")))
    elif len(row.external_ref) > 100:
        error(_("Mã tham chiếu dài quá 100 ký tự."))
    if row.staff_id is None:
        error(_("Không có cán bộ mã %(code)s.", code=row.staff_code))
    for message in (row.assigned_error, row.due_error, row.submitted_text and row.submitted_error):
        if message:
            error(message)
    if row.assigned_on and row.due_on and row.due_on < row.assigned_on:
        error(_("Hạn hoàn thành %(due)s trước ngày giao %(assigned)s.",
                due=row.due_on.isoformat(), assigned=row.assigned_on.isoformat()))
    if row.status not in TASK_STATUSES:
        error(_('%(field)s "%(value)s" không hợp lệ; dùng một trong: %(choices)s.',
                field=_("Trạng thái"), value=row.status, choices=", ".join(TASK_STATUSES)))
    if row.product_code and not row.has_product:
        error(_("Không có sản phẩm mã %(code)s.", code=row.product_code))
    elif row.product_code and row.assigned_on and row.staff_id is not None and row.product_id is None:
        error(_("Sản phẩm %(code)s chưa có hiệu lực ngày %(day)s cho đơn vị của cán bộ.",
                code=row.product_code, day=row.assigned_on.isoformat()))
    if row.coefficient_text and row.coefficient_error:
        error(row.coefficient_error)
    elif not row.coefficient_text and not row.product_code:
        error(_("Việc phát sinh (không có mã sản phẩm) phải có hệ số quy đổi."))
    if not row.quantity:
        error(_('Số lượng "%(value)s" phải là số nguyên lớn hơn 0.', value=row.quantity_text))
    counts = {}
    for name in ("returns", "late", "exempt_returns", "exempt_late"):
        text_value, number = getattr(row, f"{name}_text"), getattr(row, name)
        if number is None or len(text_value) > 4:
            error(_('%(field)s "%(value)s" phải là số nguyên không âm.', field=name, value=text_value))
        else:
            counts[name] = number
    if "returns" in counts and "exempt_returns" in counts and counts["exempt_returns"] > counts["returns"]:
        error(_("Số lần trả lại được miễn trừ lớn hơn số lần trả lại."))
    if "late" in counts and "exempt_late" in counts and counts["exempt_late"] > counts["late"]:
        error(_("Số lần trễ hạn được miễn trừ lớn hơn số lần trễ hạn."))
    if row.status in ("submitted", "accepted") and row.submitted_on is None:
        error(_("Nhiệm vụ ở trạng thái %(status)s phải có ngày hoàn thành.", status=row.status))
    if row.good and row.outside:
        error(_("Cán bộ %(code)s nằm ngoài phạm vi bạn được giao.", code=row.staff_code))
    elif row.good and row.first is not None and row.first < row.line:
        error(_("Trùng với dòng %(line)d.", line=row.first))
    return problems


@transactional
def import_tasks(data: Source, paths: list[str] | None = None) -> int:
    """Upsert tasks from the task-assignment software by `external_ref` (SPEC §9). All or nothing;
    a second import of a reference updates that task.

    The file streams into a temporary table, is checked there in one statement (the rules of
    check_task_row, which the API uses row by row) and written with one INSERT … ON CONFLICT DO
    UPDATE and one history row per task: the statement count does not grow with the file."""
    staged = stage(data, TASK_COLUMNS, derived=[("product_key", Text(), lambda cells: cells[2].upper())])
    tables = {
        "assigned": staged_values(staged, "assigned_on", _day(_("Ngày giao")), [Column("parsed", Date)]),
        "due": staged_values(staged, "due_on", _day(_("Hạn hoàn thành")), [Column("parsed", Date)]),
        "submitted": staged_values(staged, "submitted_on", _day(_("Ngày hoàn thành")),
                                   [Column("parsed", Date)]),
        "coefficients": staged_values(staged, "coefficient", _coefficient,
                                      [Column("parsed", Thousandths())]),
        "numbers": staged_values(staged, ["quantity", "returns", "late", "exempt_returns", "exempt_late"],
                                 _whole, [Column("whole", Integer)]),
    }
    names = {key: table.name for key, table in tables.items()}
    statuses = ", ".join(f":s{i}" for i in range(len(TASK_STATUSES)))
    params: dict[str, Any] = {f"s{i}": status for i, status in enumerate(TASK_STATUSES)}
    scopes = {f"p{i}": f"{path}%" for i, path in enumerate(paths or [])}
    params.update(scopes)
    inside = " OR ".join(f"path LIKE :{name}" for name in scopes) or "FALSE"
    outside = "0" if paths is None else f"CASE WHEN {inside} THEN 0 ELSE 1 END"
    rows = _TASK_ROWS.format(rows="{rows}", **names)
    good = _TASK_GOOD.format(statuses=statuses)
    checked = db.session.execute(staged.sql(f"""
        WITH checked AS (
            SELECT t.*, CASE WHEN {good} THEN 1 ELSE 0 END AS good, {outside} AS outside FROM ({rows}) t),
        first AS (
            SELECT external_ref, MIN(line) AS first FROM checked WHERE good = 1 AND outside = 0
            GROUP BY external_ref HAVING COUNT(*) > 1)
        SELECT c.*, f.first FROM checked c LEFT JOIN first f ON f.external_ref = c.external_ref
        WHERE NOT (c.good = 1 AND c.outside = 0 AND (f.first IS NULL OR f.first = c.line))
           OR (c.assigned_on IS NOT NULL AND c.due_on IS NOT NULL AND c.due_on < c.assigned_on)
           OR (c.product_code <> '' AND c.has_product = 0) OR c.coefficient_error IS NOT NULL
           OR (c.product_code <> '' AND c.staff_id IS NOT NULL AND c.assigned_on IS NOT NULL
               AND c.product_id IS NULL)
           OR (c.submitted_on IS NULL AND (c.submitted_text <> '' OR c.status IN ('submitted', 'accepted')))
           OR c.exempt_returns > c.returns OR c.exempt_late > c.late
        ORDER BY c.line""").columns(  # nosec B608  # temporary tables' names and constant fragments
        assigned_on=Date, due_on=Date, submitted_on=Date), params)
    errors = [RowError(row.line, message) for row in checked for message in _task_problems(row)]
    if errors:
        drop(staged, *tables.values())
        raise ImportRejected(errors)
    stamp = clock.utcnow()
    updated = db.session.execute(staged.sql(
        "SELECT COUNT(*) FROM {rows} g JOIN task t ON t.external_ref = g.external_ref")).scalar_one()
    upsert = f"""
        INSERT INTO task (external_ref, staff_id, unit_id, product_id, title, coefficient, quantity,
                          assigned_on, due_on, submitted_on, status, returns, late, exempt_returns,
                          exempt_late, created_at, updated_at)
        SELECT t.external_ref, t.staff_id, t.unit_id, t.product_id, COALESCE(k.name_vi, t.external_ref),
               COALESCE(t.coefficient, k.coefficient), t.quantity, t.assigned_on, t.due_on, t.submitted_on,
               t.status, t.returns, t.late, t.exempt_returns, t.exempt_late, :now, :now
        FROM ({rows}) t LEFT JOIN task_product k ON k.id = t.product_id
        WHERE TRUE ORDER BY t.line
        ON CONFLICT (external_ref) DO UPDATE SET
            staff_id = excluded.staff_id, unit_id = excluded.unit_id, product_id = excluded.product_id,
            title = excluded.title, coefficient = excluded.coefficient, quantity = excluded.quantity,
            assigned_on = excluded.assigned_on, due_on = excluded.due_on,
            submitted_on = excluded.submitted_on, status = excluded.status, returns = excluded.returns,
            late = excluded.late, exempt_returns = excluded.exempt_returns,
            exempt_late = excluded.exempt_late, updated_at = excluded.updated_at"""  # nosec B608
    written = db.session.execute(staged.sql(upsert).bindparams(
        bindparam("now", stamp, type_=Task.__table__.c.updated_at.type))).rowcount  # type: ignore[attr-defined]
    _imported(stamp, written - updated, updated, "cli/csv",
              Task.external_ref.in_(select(staged.table.c.external_ref)))
    drop(staged, *tables.values())
    return int(written)


@transactional
def save_tasks(records: list[dict], origin: str) -> tuple[int, int]:
    """Upsert checked task records (the API's PUT) in their own transaction."""
    return upsert_tasks(records, origin)


def upsert_tasks(records: list[dict], origin: str) -> tuple[int, int]:
    """Insert or update tasks by external reference in a fixed number of statements, with one
    history row each; returns (created, updated)."""
    stamp = clock.utcnow()
    existing = {
        ref: task_id
        for ref, task_id in lookup(
            select(Task.external_ref, Task.id), Task.external_ref, {r["external_ref"] for r in records}
        )
    }
    new = [
        {**r, "created_at": stamp, "updated_at": stamp} for r in records if r["external_ref"] not in existing
    ]
    changed = [
        {**r, "id": existing[r["external_ref"]], "updated_at": stamp}
        for r in records
        if r["external_ref"] in existing
    ]
    if new:
        db.session.execute(insert(Task), new)
    if changed:
        db.session.execute(update(Task), changed)
    _imported(stamp, len(new), len(changed), origin)
    return len(new), len(changed)


def _imported(stamp: datetime, created: int, updated: int, origin: str,
              written: ColumnElement[bool] | None = None) -> None:
    """One history row for each task written (those of `written`, or else those stamped
    `stamp`), and the audit entry."""
    db.session.execute(
        insert(TaskEvent).from_select(
            ["task_id", "kind", "at", "actor_label", "note", "late", "new_due"],
            select(
                Task.id,
                literal("imported"),
                literal(stamp, type_=TaskEvent.at.type),
                literal(origin[:120]),
                literal(""),
                literal(False),
                Task.due_on,
            ).where(Task.updated_at == stamp if written is None else written),
        )
    )
    db.session.expire_all()
    audit.record("tasks.import", object_type="task",
                 after={"created": created, "updated": updated, "origin": origin})


# ---------------------------------------------------------------- integration tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transactional
def create_token(name: str, unit: Unit, actor: "User | None") -> tuple[IntegrationToken, str]:
    """A new integration token scoped to a unit subtree; the secret is returned once, only its
    hash is kept."""
    secret = "cv_" + secrets.token_urlsafe(32)
    token = IntegrationToken(
        name=name.strip(),
        token_hash=hash_token(secret),
        prefix=secret[:10],
        unit_id=unit.id,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(token)
    audit.record(
        "tasks.token_created", token, after={"name": token.name, "unit": unit.code, "prefix": token.prefix}
    )
    return token, secret


@transactional
def revoke_token(token: IntegrationToken) -> None:
    """Revoke a token; calls with it are refused from now on."""
    if token.revoked_at is not None:
        raise DomainError(_("Mã kết nối đã bị thu hồi."))
    token.revoked_at = clock.utcnow()
    audit.record("tasks.token_revoked", token, after={"name": token.name})


def authenticate(secret: str) -> IntegrationToken | None:
    """The active token with this secret, or None."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(IntegrationToken).where(IntegrationToken.token_hash == hash_token(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    return token


@transactional
def touch_token(token: IntegrationToken, call: str, status: int, ref: str | None) -> None:
    """Record a call: the token's last use and an audit row."""
    token.last_used_at = clock.utcnow()
    audit.record(
        "api.call", token, object_type="integration_token", after={"call": call, "status": status, "ref": ref}
    )


# ---------------------------------------------------------------- the T1–T3 suggestion


@source("tasks")
def tasks_suggestion(
    pairs: Iterable[tuple["Assessment", "AssessmentCriterion"]],
) -> dict[tuple[int, str], Suggestion]:
    """T1–T3 from the ledger (SPEC §2a): quantity, quality and progress ratios × the criterion's
    maximum; no suggestion, with the reason, when nothing was assigned in the month."""
    months: dict[int, tuple[Period, list[tuple[Assessment, AssessmentCriterion]]]] = {}
    for assessment, criterion in pairs:
        months.setdefault(assessment.period_id, (assessment.period, []))[1].append((assessment, criterion))
    found: dict[tuple[int, str], Suggestion] = {}
    for period, items in months.values():
        results = queries.results_for_people(
            period.starts_on,
            {a.staff_id for a, _c in items},
            {a.unit_id for a, _c in items if a.is_head},
            period.policy,
            heads={a.staff_id: a.unit_id for a, _c in items if a.is_head},
        )
        for assessment, criterion in items:
            result = results.get(assessment.staff_id)
            if criterion.code not in queries.RATIO_OF:
                continue
            if result is None or not result.assigned:
                found[(assessment.id, criterion.code)] = Suggestion(
                    None,  # no score, only the reason
                    _(
                        "Không có nhiệm vụ nào đến hạn trong tháng trong sổ theo dõi nhiệm vụ; "
                        "không có gợi ý."
                    ),
                )
                continue
            found[(assessment.id, criterion.code)] = Suggestion(
                result.suggestion(criterion.code, criterion.max_score), result.explanation()
            )
    return found
