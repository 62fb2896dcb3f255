"""Organisation services: units, staff, transfers, discipline, leave, and the CSV imports."""
import re
from collections.abc import Collection, Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, Text, func, insert, select, text, update
from sqlalchemy.orm import QueryableAttribute

from app import audit, clock
from app.csvimport import (
    ImportRejected,
    RowChecker,
    RowError,
    Source,
    Staged,
    drop,
    read_rows,
    stage,
    staged_values,
)
from app.database import analyze, lock, lookup, max_id, transactional
from app.errors import DomainError
from app.extensions import db
from app.org.models import (
    DISCIPLINE_FORMS,
    STAFF_CATEGORIES,
    UNIT_KINDS,
    DisciplinaryDecision,
    LeaveRecord,
    Staff,
    StaffAssignment,
    Unit,
    search_key,
)

UNIT_FIELDS = ("code", "name", "parent_id", "kind")
STAFF_FIELDS = ("code", "full_name", "unit_id", "category", "position", "is_head", "front_desk",
                "email", "start_date", "active")

UNIT_COLUMNS = ("code", "name", "parent_code", "kind")
STAFF_COLUMNS = ("code", "full_name", "unit_code", "category", "position", "is_head",
                 "front_desk", "email", "start_date")
DISCIPLINE_COLUMNS = ("staff_code", "decision_date", "form")

# One statement recomputes every unit's materialised path from the parent links.
_REBUILD_PATHS = text("""
    WITH RECURSIVE tree(id, path) AS (
        SELECT id, '/' || CAST(id AS VARCHAR(20)) || '/' FROM unit WHERE parent_id IS NULL
        UNION ALL
        SELECT child.id, tree.path || CAST(child.id AS VARCHAR(20)) || '/'
        FROM unit AS child JOIN tree ON child.parent_id = tree.id
    )
    UPDATE unit SET path = tree.path FROM tree WHERE tree.id = unit.id AND unit.path <> tree.path
""")


def rebuild_unit_paths() -> None:
    db.session.execute(_REBUILD_PATHS)


# ---------------------------------------------------------------- units

@transactional
def create_unit(code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """Add a unit under `parent` (or as a root)."""
    unit = Unit(code=code.strip(), name=name.strip(), kind=kind, parent_id=parent.id if parent else None)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    audit.record("unit.created", unit, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


@transactional
def update_unit(unit: Unit, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """Rename, re-kind or move a unit; a move carries its whole subtree along."""
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.name, unit.kind = name.strip(), kind
    new_parent_id = parent.id if parent else None
    if new_parent_id != unit.parent_id:
        if parent is not None and parent.is_within(unit):
            raise ValueError("a unit cannot move under itself")
        old_prefix = unit.path
        new_prefix = (parent.path if parent else "/") + f"{unit.id}/"
        unit.parent_id = new_parent_id
        db.session.flush()
        db.session.execute(
            update(Unit)
            .where(Unit.path.startswith(old_prefix, autoescape=True))
            .values(path=new_prefix + func.substr(Unit.path, len(old_prefix) + 1))
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
    audit.record("unit.updated", unit, before=before, after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


# ---------------------------------------------------------------- staff

@transactional
def create_staff(unit: Unit, **fields: Any) -> Staff:
    """Add a staff member and their first assignment (from their start date)."""
    lock("staff")  # never inside the id range of an import running at the same time
    staff = Staff(unit_id=unit.id, **fields)
    db.session.add(staff)
    db.session.flush()
    db.session.add(StaffAssignment(staff_id=staff.id, unit_id=unit.id, start_date=staff.start_date))
    audit.record("staff.created", staff, after=audit.snapshot(staff, STAFF_FIELDS))
    return staff


@transactional
def update_staff(staff: Staff, **fields: Any) -> Staff:
    """Change a staff member's details (not their unit: that is a transfer)."""
    before = audit.snapshot(staff, STAFF_FIELDS)
    for name, value in fields.items():
        setattr(staff, name, value)
    audit.record("staff.updated", staff, before=before, after=audit.snapshot(staff, STAFF_FIELDS))
    return staff


def current_assignment(staff: Staff) -> StaffAssignment | None:
    return db.session.scalar(
        select(StaffAssignment)
        .where(StaffAssignment.staff_id == staff.id, StaffAssignment.end_date.is_(None))
        .order_by(StaffAssignment.start_date.desc())
    )


@transactional
def transfer_staff(staff: Staff, unit: Unit, effective_date: date) -> None:
    """Move a staff member to another unit from `effective_date`, keeping the history.

    Refused with DomainError (changing nothing) when the transfer is impossible.
    """
    if unit.id == staff.unit_id:
        raise DomainError(_("Cán bộ đang thuộc đơn vị này."))
    current = current_assignment(staff)
    if current is not None and effective_date <= current.start_date:
        raise DomainError(_("Ngày điều chuyển phải sau ngày bắt đầu ở đơn vị hiện tại (%(day)s).",
                            day=current.start_date.isoformat()))
    before = {"unit_id": staff.unit_id}
    if current is not None:
        current.end_date = effective_date - timedelta(days=1)
    db.session.add(StaffAssignment(staff_id=staff.id, unit_id=unit.id, start_date=effective_date))
    staff.unit_id = unit.id
    db.session.flush()
    db.session.expire(staff, ["unit"])
    audit.record("staff.transferred", staff, before=before,
                 after={"unit_id": unit.id, "effective_date": effective_date})


@transactional
def add_discipline(staff: Staff, decision_date: date, form: str, note: str = "") -> None:
    """Record a disciplinary decision; a duplicate is refused."""
    exists = db.session.scalar(select(DisciplinaryDecision.id).where(
        DisciplinaryDecision.staff_id == staff.id,
        DisciplinaryDecision.decision_date == decision_date,
        DisciplinaryDecision.form == form,
    ))
    if exists:
        raise DomainError(_("Quyết định kỷ luật này đã được ghi nhận."))
    decision = DisciplinaryDecision(staff_id=staff.id, decision_date=decision_date, form=form,
                                    note=note.strip())
    db.session.add(decision)
    audit.record("discipline.created", decision,
                 after={"staff": staff.code, "decision_date": decision_date, "form": form})


@transactional
def add_leave(staff: Staff, start_date: date, end_date: date, kind: str) -> None:
    """Record a period of leave; overlapping periods are refused."""
    if end_date < start_date:
        raise DomainError(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
    overlap = db.session.scalar(select(LeaveRecord.id).where(
        LeaveRecord.staff_id == staff.id,
        LeaveRecord.start_date <= end_date,
        LeaveRecord.end_date >= start_date,
    ))
    if overlap:
        raise DomainError(_("Khoảng thời gian này trùng với một lần nghỉ đã ghi nhận."))
    leave = LeaveRecord(staff_id=staff.id, start_date=start_date, end_date=end_date, kind=kind)
    db.session.add(leave)
    audit.record("leave.created", leave, after={"staff": staff.code, "start_date": start_date,
                                                "end_date": end_date, "kind": kind})


# ---------------------------------------------------------------- imports

def _existing(column: QueryableAttribute[Any], values: Iterable[Any]) -> set[Any]:
    """The subset of `values` already present in `column` (one query)."""
    return {row[0] for row in lookup(select(column), column, values)}


def _outside(paths: Collection[str] | None, unit_path: str) -> bool:
    """True when a unit path lies outside the allowed subtrees (None allows everything)."""
    return paths is not None and not any(unit_path.startswith(p) for p in paths)


def _check_units(rows: list[tuple[int, dict[str, str]]], paths: Collection[str] | None,
                 ) -> tuple[list[tuple[int, str | None, str | None, str | None, str]], list[RowError]]:
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    units: list[tuple[int, str | None, str | None, str | None, str]] = []
    for line, row in rows:
        check = RowChecker(line, errors)
        code = check.required(row["code"], _l("mã đơn vị"))
        name = check.required(row["name"], _l("tên đơn vị"))
        kind = check.choice(row["kind"], list(UNIT_KINDS), _l("Loại đơn vị"))
        if code and code in seen:
            check.error(_("Mã đơn vị %(code)s trùng với dòng %(line)d.", code=code, line=seen[code]))
        elif code:
            seen[code] = line
        if code and len(code) > 50:
            check.error(_("Mã đơn vị dài quá 50 ký tự."))
        units.append((line, code, name, kind, row["parent_code"]))
    existing = _existing(Unit.code, seen)
    outside_codes = {parent for *_rest, parent in units if parent and parent not in seen}
    known_parents = dict(db.session.execute(
        select(Unit.code, Unit.path).where(Unit.code.in_(outside_codes))).tuples().all())
    for line, code, _name, _kind, parent in units:
        check = RowChecker(line, errors)
        if code in existing:
            check.error(_("Mã đơn vị %(code)s đã có trong hệ thống.", code=code))
        if parent and parent not in seen and parent not in known_parents:
            check.error(_("Đơn vị cấp trên %(code)s không có trong tệp hay trong hệ thống.", code=parent))
        elif parent in known_parents and _outside(paths, known_parents[parent]):
            check.error(_("Đơn vị cấp trên %(code)s nằm ngoài phạm vi bạn được giao.", code=parent))
        elif not parent and paths is not None:
            check.error(_("Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất."))
        if parent and parent == code:
            check.error(_("Đơn vị không thể là cấp trên của chính nó."))
    parents = {code: parent for _line, code, _n, _k, parent in units if code}
    for line, code, *_rest in units:
        chain, node = set(), code
        while node in parents and parents[node]:
            if node in chain:
                RowChecker(line, errors).error(_("Quan hệ cấp trên tạo thành vòng lặp."))
                break
            chain.add(node)
            node = parents[node]
    return units, errors


@transactional
def import_units(data: bytes | str, paths: Collection[str] | None = None) -> int:
    """Import `code,name,parent_code,kind`; a parent may come later in the file. All or nothing.

    `paths` limits the import to those subtrees (an hr_admin's scope); None allows everything.
    """
    units, errors = _check_units(read_rows(data, UNIT_COLUMNS), paths)
    if errors:
        raise ImportRejected(sorted(set(errors), key=lambda e: (e.line, e.message)))
    db.session.execute(insert(Unit.__table__), [  # Core executemany: batches of rows
        {"code": code, "name": name, "kind": kind, "path": "", "search": search_key(code, name)}
        for _l, code, name, kind, _p in units
    ])
    codes = {code for _l, code, *_rest in units} | {parent for *_rest, parent in units if parent}
    ids = dict(db.session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).tuples().all())
    with_parent = [{"id": ids[code], "parent_id": ids[parent]}
                   for _l, code, _n, _k, parent in units if parent]
    if with_parent:
        db.session.execute(update(Unit), with_parent)
    rebuild_unit_paths()
    audit.record("org.import_units", object_type="unit", after={"created": len(units)})
    return len(units)


# A plain ASCII local part (RFC 5322 dot-atom): email_validator keeps it as it is.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_EMAIL_COLUMN = STAFF_COLUMNS.index("email")


def _valid_email(value: str) -> str:
    """email_validator's normalised address, or '' when it refuses the address."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return ""


@lru_cache(maxsize=4096)
def _valid_domain(domain: str) -> str:
    """The normalised domain ('' if refused): checked once per domain, not once per address."""
    checked = _valid_email(f"a@{domain}")
    return checked.partition("@")[2]


def _email(cells: list[str]) -> str | None:
    """The normalised address of a staff row ('' when the address is not valid, None when empty).
    A plain local part is checked by pattern and the domain once per domain (most of a province
    shares a few); anything else goes through the full validator."""
    value = cells[_EMAIL_COLUMN]
    if not value:
        return None
    local, _at, domain = value.rpartition("@")
    if local and len(local) <= 64 and len(value) <= 254 and _DOT_ATOM.match(local):
        checked = _valid_domain(domain)
        return f"{local}@{checked}" if checked and len(local) + len(checked) < 254 else _valid_email(value)
    return _valid_email(value)


def _start_date(value: str) -> dict[str, Any]:
    errors: list[RowError] = []
    parsed = RowChecker(0, errors).date(value, _l("Ngày bắt đầu"))
    if errors:
        raise DomainError(errors[0].message)
    return {"parsed": parsed}


def _staff_errors(staged: Staged, dates: str, paths: Collection[str] | None) -> list[RowError]:
    """Every problem of the staged staff rows, by set-based queries, in the order of the checks."""
    categories = list(STAFF_CATEGORIES)
    marks = ", ".join(f":c{i}" for i in range(len(categories)))
    choices = {f"c{i}": category for i, category in enumerate(categories)}

    def missing(column: str, label: Any) -> list[RowError]:
        return staged.errors(f"SELECT line FROM {{rows}} WHERE {column} = ''",
                             lambda: _("Thiếu %(field)s.", field=label))

    def flag(column: str) -> list[RowError]:
        return staged.errors(f"SELECT line FROM {{rows}} WHERE {column} NOT IN ('0', '1')",
                             lambda: _("%(field)s phải là 0 hoặc 1.", field=column))

    errors = [
        *missing("code", _l("mã cán bộ")),
        *staged.errors("SELECT line, code, first FROM (SELECT line, code, MIN(line) OVER (PARTITION BY code)"
                       " AS first FROM {rows} WHERE code <> '') d WHERE line > first",
                       lambda code, first: _("Mã cán bộ %(code)s trùng với dòng %(line)d.",
                                             code=code, line=first)),
        *staged.errors("SELECT line FROM {rows} WHERE LENGTH(code) > 50",
                       lambda: _("Mã cán bộ dài quá 50 ký tự.")),
        *missing("full_name", _l("họ và tên")),
        *missing("unit_code", _l("mã đơn vị")),
        *staged.errors(f"SELECT line, category FROM {{rows}} WHERE category NOT IN ({marks})",
                       lambda value: _("%(field)s \"%(value)s\" không hợp lệ; dùng một trong: %(choices)s.",
                                       field=_("Ngạch/loại cán bộ"), value=value,
                                       choices=", ".join(categories)), **choices),
        *flag("is_head"),
        *flag("front_desk"),
        *staged.errors("SELECT line, email FROM {rows} WHERE email_valid = ''",
                       lambda value: _("Thư điện tử \"%(value)s\" không hợp lệ.", value=value)),
        *staged.errors(f"SELECT g.line, d.error FROM {{rows}} g JOIN {dates} d ON d.value = g.start_date"
                       " WHERE d.error IS NOT NULL", lambda message: message),
        *staged.errors("SELECT g.line, g.code FROM {rows} g JOIN staff s ON s.code = g.code",
                       lambda code: _("Mã cán bộ %(code)s đã có trong hệ thống.", code=code)),
        *staged.errors("SELECT g.line, g.unit_code FROM {rows} g LEFT JOIN unit u ON u.code = g.unit_code"
                       " WHERE g.unit_code <> '' AND u.id IS NULL",
                       lambda code: _("Không có đơn vị mã %(code)s.", code=code)),
    ]
    if paths is not None:
        outside, scopes = _scope(paths, "u.path")
        errors += staged.errors(
            f"SELECT g.line, g.unit_code FROM {{rows}} g JOIN unit u ON u.code = g.unit_code WHERE {outside}",
            lambda code: _("Đơn vị %(code)s nằm ngoài phạm vi bạn được giao.", code=code), **scopes)
    return sorted(errors, key=lambda e: e.line)


@transactional
def import_staff(data: Source, paths: Collection[str] | None = None) -> int:
    """Import staff rows with their first assignment. All or nothing.

    The file streams into a temporary table, is checked there with set-based SQL and written with
    one INSERT … SELECT per table: the statement count and the memory do not grow with the file.
    """
    lock("staff")  # the new ids stay one range: staff are added by one writer at a time
    staged = stage(data, STAFF_COLUMNS, derived=[
        ("email_valid", Text(), _email),
        ("search", Text(), lambda cells: search_key(cells[0], cells[1]))])
    dates = staged_values(staged, "start_date", _start_date, [Column("parsed", Date)])
    errors = _staff_errors(staged, dates.name, paths)
    if errors:
        drop(staged, dates)
        raise ImportRejected(errors)
    before = max_id(Staff)
    created = db.session.execute(staged.sql(f"""
        INSERT INTO staff (code, full_name, unit_id, category, position, is_head, front_desk, email,
                           start_date, active, search)
        SELECT g.code, g.full_name, u.id, g.category, g.position, g.is_head = '1', g.front_desk = '1',
               g.email_valid, d.parsed, TRUE, g.search
        FROM {{rows}} g JOIN unit u ON u.code = g.unit_code JOIN {dates.name} d ON d.value = g.start_date
        ORDER BY g.line""")).rowcount  # type: ignore[attr-defined]  # DML: CursorResult
    # Their first assignment, for every new staff member at once: the new ids are a range of the
    # primary key (an anti join against the table being written would plan quadratic).
    db.session.execute(
        insert(StaffAssignment).from_select(
            ["staff_id", "unit_id", "start_date"],
            select(Staff.id, Staff.unit_id, Staff.start_date).where(Staff.id > before),
        )
    )
    drop(staged, dates)
    analyze("staff", "staff_assignment")
    audit.record("org.import_staff", object_type="staff", after={"created": created})
    return created


def _scope(paths: Collection[str] | None, column: str) -> tuple[str, dict[str, str]]:
    """SQL true when the unit path `column` lies outside the allowed subtrees (`_outside` in SQL)."""
    if paths is None:
        return "FALSE", {}
    scopes = {f"p{i}": f"{path}%" for i, path in enumerate(paths)}
    inside = " OR ".join(f"{column} LIKE :{name}" for name in scopes) or "FALSE"
    return f"NOT ({inside})", scopes


def _decision_date(value: str) -> dict[str, Any]:
    errors: list[RowError] = []
    parsed = RowChecker(0, errors).date(value, _l("Ngày quyết định"))
    if errors:
        raise DomainError(errors[0].message)
    return {"parsed": parsed}


@transactional
def import_discipline(data: Source, paths: Collection[str] | None = None) -> int:
    """Import `staff_code,decision_date,form`. All or nothing.

    The file streams into a temporary table, is checked there with set-based SQL and written with
    one INSERT … SELECT: the statement count and the memory do not grow with the file.
    """
    staged = stage(data, DISCIPLINE_COLUMNS)
    days = staged_values(staged, "decision_date", _decision_date, [Column("parsed", Date)])
    outside, scopes = _scope(paths, "u.path")
    forms = list(DISCIPLINE_FORMS)
    marks = ", ".join(f":f{i}" for i in range(len(forms)))
    choices = {f"f{i}": form for i, form in enumerate(forms)}
    valid = (f"FROM {{rows}} g JOIN staff s ON s.code = g.staff_code JOIN unit u ON u.id = s.unit_id"
             f" JOIN {days.name} d ON d.value = g.decision_date AND d.error IS NULL"
             f" WHERE NOT ({outside}) AND g.form IN ({marks})")
    errors = [
        *staged.errors("SELECT g.line, g.staff_code FROM {rows} g LEFT JOIN staff s ON s.code = g.staff_code"
                       " WHERE s.id IS NULL",
                       lambda code: _("Không có cán bộ mã %(code)s.", code=code)),
        *staged.errors("SELECT g.line, g.staff_code FROM {rows} g JOIN staff s ON s.code = g.staff_code"
                       f" JOIN unit u ON u.id = s.unit_id WHERE {outside}",
                       lambda code: _("Cán bộ %(code)s nằm ngoài phạm vi bạn được giao.", code=code),
                       **scopes),
        *staged.errors(f"SELECT g.line, d.error FROM {{rows}} g JOIN {days.name} d"
                       " ON d.value = g.decision_date WHERE d.error IS NOT NULL", lambda message: message),
        *staged.errors(f"SELECT line, form FROM {{rows}} WHERE form NOT IN ({marks})",
                       lambda value: _("%(field)s \"%(value)s\" không hợp lệ; dùng một trong: %(choices)s.",
                                       field=_("Hình thức kỷ luật"), value=value, choices=", ".join(forms)),
                       **choices),
        *staged.errors(f"SELECT line, previous FROM (SELECT g.line, LAG(g.line) OVER (PARTITION BY"
                       f" g.staff_code, d.parsed, g.form ORDER BY g.line) AS previous {valid}) x"
                       " WHERE previous IS NOT NULL",
                       lambda previous: _("Trùng với dòng %(line)d.", line=previous), **scopes, **choices),
        *staged.errors(f"SELECT g.line {valid} AND EXISTS (SELECT 1 FROM disciplinary_decision k"
                       " WHERE k.staff_id = s.id AND k.decision_date = d.parsed AND k.form = g.form)",
                       lambda: _("Quyết định này đã có trong hệ thống."), **scopes, **choices),
    ]
    if errors:
        drop(staged, days)
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    created = db.session.execute(staged.sql(f"""
        INSERT INTO disciplinary_decision (staff_id, decision_date, form, note, created_at)
        SELECT s.id, d.parsed, g.form, '', :now {valid} ORDER BY g.line"""),
        {"now": clock.utcnow(), **scopes, **choices}).rowcount  # type: ignore[attr-defined]
    drop(staged, days)
    audit.record("org.import_discipline", object_type="disciplinary_decision", after={"created": created})
    return created


IMPORTERS = {
    "units": import_units,
    "staff": import_staff,
    "discipline": import_discipline,
}
