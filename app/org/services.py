"""Organisation services: units, staff, transfers, discipline, leave, and the CSV imports."""
import re
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, Select, Text, and_, func, insert, literal, or_, select, text, update

from app import audit, clock
from app.csvimport import (
    ImportRejected,
    RowChecker,
    RowError,
    Source,
    Staged,
    analyze_if_material,
    drop,
    read_rows,
    stage,
    staged_values,
    write_unless_repeated,
)
from app.database import lock, lookup, max_id, transactional
from app.errors import DomainError
from app.extensions import db
from app.org import queries as org_queries
from app.org.models import (
    DISCIPLINE_FORMS,
    STAFF_CATEGORIES,
    UNIT_KINDS,
    DisciplinaryDecision,
    LeaveRecord,
    Staff,
    StaffAssignment,
    Unit,
    UnitName,
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
    """Rename, re-kind or move a unit; a move carries its whole subtree along. A merged or
    retired unit stays in the history as it was (read-only)."""
    if unit.retired_on is not None:
        raise DomainError(_("Đơn vị đã sáp nhập hoặc giải thể: chỉ còn trong lịch sử, không sửa được."))
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


# ---------------------------------------------------------------- hooks of the features above

# Features above org file things under units: evaluation files each month's assessments, auth
# grants roles on units. They plug in here (org knows none of them), so that a transfer or a
# reorganisation carries their rows along in the same transaction.
#   closed_months(staff_ids) -> {staff id: first day of the latest month closed for them}
#   refile(staff_ids: a SELECT of staff ids, note) -> rows re-filed by the assignment history
#   merge(old unit, new unit, day, note) -> {what: how many moved}
HOOKS: dict[str, list[Callable[..., Any]]] = {"closed_months": [], "refile": [], "merge": []}


def history_hook(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function of a feature above org for one kind of organisation change."""
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        HOOKS[kind].append(fn)
        return fn
    return register


def _closed_months(staff_ids: Collection[int]) -> dict[int, date]:
    found: dict[int, date] = {}
    for hook in HOOKS["closed_months"]:
        for staff_id, month in hook(staff_ids).items():
            if staff_id not in found or month > found[staff_id]:
                found[staff_id] = month
    return found


def _refile(staff_ids: Select[Any], note: str) -> int:
    return sum(hook(staff_ids, note) for hook in HOOKS["refile"])


# ---------------------------------------------------------------- transfers

TRANSFER_COLUMNS = ("staff_code", "unit_code", "effective_date")


@dataclass
class Transfer:
    line: int
    staff_id: int
    unit_id: int
    day: date
    covering_id: int  # the assignment that ends the day before


def _check_transfers(requests: list[tuple[int, Any, Any, date | None]],
                     errors: list[RowError]) -> list[Transfer]:
    """Check transfer requests (line, staff, unit, day) together, in a fixed number of queries;
    staff and unit are anything with their id and code (and the unit's retired_on)."""
    staff_ids = {staff.id for _l, staff, _u, _d in requests if staff is not None}
    history: dict[int, list[tuple[int, int, date, date | None]]] = defaultdict(list)
    for row in lookup(select(StaffAssignment.staff_id, StaffAssignment.id, StaffAssignment.unit_id,
                             StaffAssignment.start_date, StaffAssignment.end_date),
                      StaffAssignment.staff_id, staff_ids):
        history[row[0]].append((row[1], row[2], row[3], row[4]))
    closed = _closed_months(staff_ids)
    checked = []
    for line, staff, unit, day in requests:
        check = RowChecker(line, errors)
        if staff is None or unit is None or day is None:
            continue
        if unit.retired_on is not None and unit.retired_on <= day:
            check.error(_("Đơn vị %(code)s đã sáp nhập hoặc giải thể từ %(day)s.", code=unit.code,
                          day=format_day(unit.retired_on)))
            continue
        if staff.id in closed and closed[staff.id] >= day.replace(day=1):
            check.error(_(
                "Tháng %(month)s của cán bộ %(code)s đã chốt: điều chuyển từ ngày %(day)s sẽ chuyển "
                "kết quả đã công khai sang đơn vị khác. Hãy chọn ngày sau tháng đã chốt (hệ thống "
                "chưa có chức năng mở lại cả tháng).", month=f"{closed[staff.id]:%m/%Y}",
                code=staff.code, day=format_day(day)))
            continue
        if not history[staff.id]:
            check.error(_("Cán bộ %(code)s chưa có quá trình công tác.", code=staff.code))
            continue
        # A transfer follows the latest assignment (the history is never rewritten in the middle).
        covering_id, unit_id, start, _end = max(history[staff.id], key=lambda a: a[2])
        if day <= start and start > clock.today():
            check.error(_("Cán bộ %(code)s đã có điều chuyển từ ngày %(day)s; hãy hủy điều chuyển đó "
                          "trước.", code=staff.code, day=format_day(start)))
        elif day <= start:
            check.error(_("Ngày điều chuyển phải sau ngày bắt đầu ở đơn vị hiện tại (%(day)s).",
                          day=format_day(start)))
        elif unit_id == unit.id:
            check.error(_("Cán bộ %(code)s đã thuộc đơn vị này vào ngày %(day)s.", code=staff.code,
                          day=format_day(day)))
        else:
            checked.append(Transfer(line, staff.id, unit.id, day, covering_id))
    return checked


def _apply_transfers(transfers: list[Transfer]) -> int:
    """Write checked transfers: a fixed number of statements however many there are."""
    if not transfers:
        return 0
    before = max_id(StaffAssignment)
    db.session.execute(update(StaffAssignment), [
        {"id": t.covering_id, "end_date": t.day - timedelta(days=1)} for t in transfers])
    db.session.execute(insert(StaffAssignment.__table__), [
        {"staff_id": t.staff_id, "unit_id": t.unit_id, "start_date": t.day} for t in transfers])
    # Only what has taken effect touches the current unit; a future transfer waits for its day
    # (the daily job, sync_current_units).
    due = [{"id": t.staff_id, "unit_id": t.unit_id} for t in transfers if t.day <= clock.today()]
    if due:
        db.session.execute(update(Staff), due)
    _refile(select(StaffAssignment.staff_id).where(StaffAssignment.id > before),
            _("Điều chuyển đơn vị"))
    db.session.expire_all()
    return len(transfers)


def format_day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


@transactional
def transfer_staff(staff: Staff, unit: Unit, effective_date: date) -> None:
    """Move a staff member to another unit from `effective_date`, keeping the history.

    A future date changes nothing until its day (the assignment waits; `sync_current_units`
    applies it); a date inside a month already closed for the person is refused. Refused with
    DomainError (changing nothing) when the transfer is impossible.
    """
    errors: list[RowError] = []
    checked = _check_transfers([(0, staff, unit, effective_date)], errors)
    if errors:
        raise DomainError(errors[0].message)
    before = {"unit_id": staff.unit_id}
    _apply_transfers(checked)
    audit.record("staff.transferred", staff, before=before,
                 after={"unit_id": unit.id, "effective_date": effective_date})


@transactional
def cancel_transfer(staff: Staff) -> StaffAssignment:
    """Cancel the person's latest transfer entered in advance, before its day: they stay where
    they are (the assignment it ended is open again). Audited."""
    assignment = db.session.scalar(
        select(StaffAssignment).where(StaffAssignment.staff_id == staff.id)
        .order_by(StaffAssignment.start_date.desc()).limit(1))
    if assignment is None or not assignment.pending:
        raise DomainError(_("Không có điều chuyển nào chờ hiệu lực để hủy."))
    previous = db.session.scalar(
        select(StaffAssignment).where(StaffAssignment.staff_id == staff.id,
                                      StaffAssignment.end_date == assignment.start_date - timedelta(days=1)))
    cancelled = {"unit_id": assignment.unit_id, "effective_date": assignment.start_date}
    db.session.delete(assignment)
    if previous is not None:
        previous.end_date = assignment.end_date
    db.session.flush()
    _refile(select(literal(staff.id)), _("Hủy điều chuyển đơn vị"))
    audit.record("staff.transfer_cancelled", staff, before=cancelled)
    return assignment


def _transfer_requests(rows: list[tuple[int, dict[str, str]]], paths: Collection[str] | None,
                       errors: list[RowError]) -> list[tuple[int, Any, Any, date | None]]:
    staff: dict[str, Any] = {s[0]: s for s in lookup(select(Staff.code, Staff.id, Unit.path).join(Staff.unit),
                                       Staff.code, {r["staff_code"] for _l, r in rows})}
    units: dict[str, Any] = {u[0]: u for u in lookup(select(Unit.code, Unit.id, Unit.path, Unit.retired_on),
                                       Unit.code, {r["unit_code"] for _l, r in rows})}
    seen: dict[str, int] = {}
    requests = []
    for line, row in rows:
        check = RowChecker(line, errors)
        person, unit = staff.get(row["staff_code"]), units.get(row["unit_code"])
        day = check.date(row["effective_date"], _l("Ngày có hiệu lực"))
        if person is None:
            check.error(_("Không có cán bộ mã %(code)s.", code=row["staff_code"]))
        elif _outside(paths, person.path):
            check.error(_("Cán bộ %(code)s nằm ngoài phạm vi bạn được giao.", code=row["staff_code"]))
            person = None
        elif row["staff_code"] in seen:
            check.error(_("Cán bộ %(code)s đã có ở dòng %(line)d; mỗi tệp một lần điều chuyển cho "
                          "một người.", code=row["staff_code"], line=seen[row["staff_code"]]))
            person = None
        else:
            seen[row["staff_code"]] = line
        if unit is None:
            check.error(_("Không có đơn vị mã %(code)s.", code=row["unit_code"]))
        elif _outside(paths, unit.path):
            check.error(_("Đơn vị %(code)s nằm ngoài phạm vi bạn được giao.", code=row["unit_code"]))
            unit = None
        requests.append((line, person, unit, day))
    return requests


@transactional
def import_transfers(data: bytes | str, paths: Collection[str] | None = None) -> int:
    """Import effective-dated transfers `staff_code,unit_code,effective_date`. All or nothing."""
    lock("staff")
    errors: list[RowError] = []
    requests = _transfer_requests(read_rows(data, TRANSFER_COLUMNS), paths, errors)
    checked = _check_transfers(requests, errors)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.line, e.message)))
    _apply_transfers(checked)
    audit.record("org.import_transfers", object_type="staff_assignment",
                 after={"created": len(checked)})
    return len(checked)


@transactional
def sync_current_units(today: date, record: bool = True) -> dict[str, int] | None:
    """The daily job: `Staff.unit_id` and `Unit.name` become what the history says for today
    (transfers, merges and renames entered in advance take effect on their day). Idempotent."""
    current = org_queries.unit_on(today)
    moved = db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        update(Staff).where(Staff.unit_id != current).values(unit_id=current)
        .execution_options(synchronize_session=False)).rowcount
    name_today = (select(UnitName.name).where(UnitName.unit_id == Unit.id, UnitName.valid_from <= today)
                  .order_by(UnitName.valid_from.desc()).limit(1).correlate(Unit).scalar_subquery())
    # Renames are few: through the ORM, so that the folded search column follows the name.
    renamed = db.session.scalars(select(Unit).where(Unit.name != name_today)).all()
    for unit in renamed:
        unit.name = db.session.scalar(select(UnitName.name).where(
            UnitName.unit_id == unit.id, UnitName.valid_from <= today)
            .order_by(UnitName.valid_from.desc()).limit(1))
    # Merges whose day has come: grants and pending assessments follow (a handful a day).
    merged = db.session.scalars(select(Unit).where(
        Unit.successor_id.is_not(None), Unit.handed_over.is_(False), Unit.retired_on <= today)).all()
    for old in merged:
        _hand_over(old, old.successor)
    if not moved and not renamed and not merged:
        return None
    db.session.flush()
    db.session.expire_all()
    counts = {"staff_moved": moved, "units_renamed": len(renamed), "units_merged": len(merged)}
    if record:
        audit.record("org.history_applied", object_type="staff", after={"day": today, **counts})
    return counts


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

def _outside(paths: Collection[str] | None, unit_path: str) -> bool:
    """True when a unit path lies outside the allowed subtrees (None allows everything)."""
    return paths is not None and not any(unit_path.startswith(p) for p in paths)


def _unit_errors(staged: Staged, paths: Collection[str] | None) -> list[RowError]:
    """Every problem of the staged unit rows in one statement: codes, names, kinds, duplicates,
    codes already there, parents (in the file, in the system, inside the scope) and loops of
    parents within the file (a recursive walk up from each row: a row whose walk comes back to
    a unit it passed is in, or hangs under, a loop). Sorted by line, then message, as before."""
    kinds = list(UNIT_KINDS)
    marks = ", ".join(f":k{i}" for i in range(len(kinds)))
    position = "strpos" if db.session.get_bind().dialect.name == "postgresql" else "instr"
    # Each step of the walk finds a code's row by this index (without it SQLite scans per step).
    db.session.execute(staged.sql(f"CREATE INDEX {staged.name}_code ON {{rows}} (code, line)"))
    # A unit's parent within the file is that of its code's last line (a later line wins).
    rows = db.session.execute(staged.sql(f"""
        WITH RECURSIVE walk(line, node, visited, looped) AS (
            SELECT line, code, CAST(:sep AS TEXT), 0 FROM {{rows}} WHERE code <> ''
            UNION ALL
            SELECT w.line, p.parent_code, w.visited || w.node || :sep,
                   CASE WHEN {position}(w.visited, :sep || w.node || :sep) > 0 THEN 1 ELSE 0 END
            FROM walk w JOIN {{rows}} p ON p.code = w.node
            WHERE w.looped = 0 AND p.parent_code <> ''
              AND NOT EXISTS (SELECT 1 FROM {{rows}} h WHERE h.code = p.code AND h.line > p.line)),
        looped AS (SELECT DISTINCT line FROM walk WHERE looped = 1)
        SELECT g.line, g.code, g.name, g.kind, g.parent_code, f.first, e.id AS existing,
               inside.code AS parent_in_file, known.id AS parent_id, known.path AS parent_path,
               l.line AS looped
        FROM {{rows}} g
        LEFT JOIN (SELECT code, MIN(line) AS first FROM {{rows}} WHERE code <> ''
                   GROUP BY code) f ON f.code = g.code AND f.first < g.line
        LEFT JOIN unit e ON e.code = g.code
        LEFT JOIN (SELECT DISTINCT code FROM {{rows}} WHERE code <> '') inside ON inside.code = g.parent_code
        LEFT JOIN unit known ON known.code = g.parent_code AND inside.code IS NULL
        LEFT JOIN looped l ON l.line = g.line
        WHERE g.code = '' OR g.name = '' OR g.kind NOT IN ({marks}) OR f.first IS NOT NULL
           OR LENGTH(g.code) > 50 OR e.id IS NOT NULL OR g.parent_code = g.code OR l.line IS NOT NULL
           OR (g.parent_code <> '' AND inside.code IS NULL AND (known.id IS NULL OR :scoped))
           OR (g.parent_code = '' AND :scoped)"""),  # nosec B608  # temporary table, dialect's function
        {"sep": "\x01", "scoped": paths is not None,  # control characters never reach a staged cell
         **{f"k{i}": kind for i, kind in enumerate(kinds)}})
    errors: list[RowError] = []
    for row in rows:
        check = RowChecker(row.line, errors)
        check.required(row.code, _l("mã đơn vị"))
        check.required(row.name, _l("tên đơn vị"))
        check.choice(row.kind, kinds, _l("Loại đơn vị"))
        if row.first is not None:
            check.error(_("Mã đơn vị %(code)s trùng với dòng %(line)d.", code=row.code, line=row.first))
        if len(row.code) > 50:
            check.error(_("Mã đơn vị dài quá 50 ký tự."))
        if row.existing is not None:
            check.error(_("Mã đơn vị %(code)s đã có trong hệ thống.", code=row.code))
        parent = row.parent_code
        if parent and row.parent_in_file is None and row.parent_id is None:
            check.error(_("Đơn vị cấp trên %(code)s không có trong tệp hay trong hệ thống.", code=parent))
        elif row.parent_id is not None and _outside(paths, row.parent_path):
            check.error(_("Đơn vị cấp trên %(code)s nằm ngoài phạm vi bạn được giao.", code=parent))
        elif not parent and paths is not None:
            check.error(_("Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất."))
        if parent and parent == row.code:
            check.error(_("Đơn vị không thể là cấp trên của chính nó."))
        if row.looped is not None:
            check.error(_("Quan hệ cấp trên tạo thành vòng lặp."))
    return sorted(set(errors), key=lambda e: (e.line, e.message))


@transactional
def import_units(data: Source, paths: Collection[str] | None = None) -> int:
    """Import `code,name,parent_code,kind`; a parent may come later in the file. All or nothing.

    `paths` limits the import to those subtrees (an hr_admin's scope); None allows everything.
    The file streams into a temporary table, is checked there with set-based SQL and written with
    one INSERT … SELECT and one UPDATE for the parents: the statement count does not grow with it.
    """
    staged = stage(data, UNIT_COLUMNS, derived=[
        ("search", Text(), lambda cells: search_key(cells[0], cells[1]))])
    errors = _unit_errors(staged, paths)
    if errors:
        drop(staged)
        raise ImportRejected(errors)
    created = db.session.execute(staged.sql("""
        INSERT INTO unit (code, name, kind, path, search, handed_over)
        SELECT code, name, kind, '', search, FALSE FROM {rows} ORDER BY line""")).rowcount  # type: ignore[attr-defined]
    db.session.execute(staged.sql("""
        UPDATE unit SET parent_id = p.id FROM {rows} g JOIN unit p ON p.code = g.parent_code
        WHERE unit.code = g.code"""))
    drop(staged)
    rebuild_unit_paths()
    audit.record("org.import_units", object_type="unit", after={"created": created})
    return created


# A plain ASCII local part (RFC 5322 dot-atom): email_validator keeps it as it is.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_EMAIL_COLUMN = STAFF_COLUMNS.index("email")
_START_COLUMN = STAFF_COLUMNS.index("start_date")


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


def _start_date_error(value: str) -> str | None:
    """Why a start date cell is refused (None when it is a real YYYY-MM-DD date)."""
    errors: list[RowError] = []
    RowChecker(0, errors).date(value, _l("Ngày bắt đầu"))
    return errors[0].message if errors else None


class _Days(dict[str, str | None]):
    """A start date cell → the date as stored ('YYYY-MM-DD'), None when it is not a real YYYY-MM-DD
    date: each distinct value parsed once (a province's start dates are a few thousand days), then
    a dict lookup in C per line; cleared past 65,536 values."""

    def __missing__(self, value: str) -> str | None:
        if len(self) >= 1 << 16:
            self.clear()
        day = self[value] = None if _start_date_error(value) else date.fromisoformat(value).isoformat()
        return day


_iso_days = _Days()


def _staff_errors(staged: Staged, paths: Collection[str] | None, repeats: bool = True) -> list[RowError]:
    """Every problem of the staged staff rows, in one set-based pass, in the order of the checks;
    with `repeats` False, all but the codes repeated in the file (staff.code's unique index finds
    those: `write_unless_repeated`)."""
    categories = list(STAFF_CATEGORIES)
    marks = ", ".join(f":c{i}" for i in range(len(categories)))
    choices = {f"c{i}": category for i, category in enumerate(categories)}
    outside, scopes = _scope(paths, "u.path")
    repeated = ("""LEFT JOIN (SELECT code, MIN(line) AS first FROM {rows} WHERE code <> ''
                   GROUP BY code HAVING COUNT(*) > 1) f ON f.code = g.code AND f.first < g.line"""
                if repeats else "LEFT JOIN (SELECT CAST(NULL AS INTEGER) AS first) f ON FALSE")

    def missing(column: str, label: Any) -> Callable[[Any], str | None]:
        return lambda row: _("Thiếu %(field)s.", field=label) if getattr(row, column) == "" else None

    def flag(column: str) -> Callable[[Any], str | None]:
        return lambda row: (None if getattr(row, column) in ("0", "1")
                            else _("%(field)s phải là 0 hoặc 1.", field=column))

    return staged.problems(f"""
        SELECT g.line, g.code, g.full_name, g.unit_code, g.category, g.is_head, g.front_desk, g.email,
               g.email_valid, g.start_date, g.start_day, f.first, s.id AS existing, u.id AS unit_id,
               CASE WHEN u.id IS NOT NULL AND {outside} THEN 1 ELSE 0 END AS outside
        FROM {{rows}} g
        {repeated}
        LEFT JOIN staff s ON s.code = g.code
        LEFT JOIN unit u ON u.code = g.unit_code
        WHERE g.code = '' OR f.first IS NOT NULL OR LENGTH(g.code) > 50 OR g.full_name = ''
           OR g.unit_code = '' OR g.category NOT IN ({marks}) OR g.is_head NOT IN ('0', '1')
           OR g.front_desk NOT IN ('0', '1') OR g.email_valid = '' OR g.start_day IS NULL
           OR s.id IS NOT NULL OR (g.unit_code <> '' AND u.id IS NULL) OR (u.id IS NOT NULL AND {outside})
        """, [  # nosec B608  # only the temporary tables' names and _scope's fragment
        missing("code", _l("mã cán bộ")),
        lambda row: (_("Mã cán bộ %(code)s trùng với dòng %(line)d.", code=row.code, line=row.first)
                     if row.first is not None else None),
        lambda row: _("Mã cán bộ dài quá 50 ký tự.") if len(row.code) > 50 else None,
        missing("full_name", _l("họ và tên")),
        missing("unit_code", _l("mã đơn vị")),
        lambda row: (None if row.category in categories else _(
            "%(field)s \"%(value)s\" không hợp lệ; dùng một trong: %(choices)s.",
            field=_("Ngạch/loại cán bộ"), value=row.category, choices=", ".join(categories))),
        flag("is_head"),
        flag("front_desk"),
        lambda row: (_("Thư điện tử \"%(value)s\" không hợp lệ.", value=row.email)
                     if row.email_valid == "" else None),
        lambda row: _start_date_error(row.start_date) if row.start_day is None else None,
        lambda row: (_("Mã cán bộ %(code)s đã có trong hệ thống.", code=row.code)
                     if row.existing is not None else None),
        lambda row: (_("Không có đơn vị mã %(code)s.", code=row.unit_code)
                     if row.unit_code and row.unit_id is None else None),
        lambda row: (_("Đơn vị %(code)s nằm ngoài phạm vi bạn được giao.", code=row.unit_code)
                     if row.outside else None),
    ], **choices, **scopes)


@transactional
def import_staff(data: Source, paths: Collection[str] | None = None) -> int:
    """Import staff rows with their first assignment. All or nothing.

    The file streams into a temporary table, is checked there with set-based SQL and written with
    one INSERT … SELECT per table: the statement count and the memory do not grow with the file.
    """
    lock("staff")  # the new ids stay one range: staff are added by one writer at a time
    staged = stage(data, STAFF_COLUMNS, derived=[
        ("email_valid", Text(), _email),
        ("search", Text(), lambda cells: search_key(cells[0], cells[1])),
        ("start_day", Date(), lambda cells: _iso_days[cells[_START_COLUMN]])])
    errors = _staff_errors(staged, paths, repeats=False)
    if errors:
        errors = _staff_errors(staged, paths)
        drop(staged)
        raise ImportRejected(errors)
    before = max_id(Staff)
    created = write_unless_repeated(lambda: db.session.execute(staged.sql("""
        INSERT INTO staff (code, full_name, unit_id, category, position, is_head, front_desk, email,
                           start_date, active, search)
        SELECT g.code, g.full_name, u.id, g.category, g.position, g.is_head = '1', g.front_desk = '1',
               g.email_valid, g.start_day, TRUE, g.search
        FROM {rows} g JOIN unit u ON u.code = g.unit_code
        ORDER BY g.line""")).rowcount, lambda: _staff_errors(staged, paths), staged)  # type: ignore[attr-defined]
    # Their first assignment, for every new staff member at once: the new ids are a range of the
    # primary key (an anti join against the table being written would plan quadratic).
    db.session.execute(
        insert(StaffAssignment).from_select(
            ["staff_id", "unit_id", "start_date"],
            select(Staff.id, Staff.unit_id, Staff.start_date).where(Staff.id > before),
        )
    )
    drop(staged)
    analyze_if_material(created, "staff", "staff_assignment")
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
                       f" JOIN unit u ON u.id = s.unit_id WHERE {outside}",  # nosec B608
                       lambda code: _("Cán bộ %(code)s nằm ngoài phạm vi bạn được giao.", code=code),
                       **scopes),
        *staged.errors(f"SELECT g.line, d.error FROM {{rows}} g JOIN {days.name} d"
                       " ON d.value = g.decision_date WHERE d.error IS NOT NULL", lambda message: message),  # nosec B608
        *staged.errors(f"SELECT line, form FROM {{rows}} WHERE form NOT IN ({marks})",  # nosec B608
                       lambda value: _("%(field)s \"%(value)s\" không hợp lệ; dùng một trong: %(choices)s.",
                                       field=_("Hình thức kỷ luật"), value=value, choices=", ".join(forms)),
                       **choices),
        *staged.errors(f"SELECT line, previous FROM (SELECT g.line, LAG(g.line) OVER (PARTITION BY"
                       f" g.staff_code, d.parsed, g.form ORDER BY g.line) AS previous {valid}) x"
                       " WHERE previous IS NOT NULL",  # nosec B608
                       lambda previous: _("Trùng với dòng %(line)d.", line=previous), **scopes, **choices),
        *staged.errors(f"SELECT g.line {valid} AND EXISTS (SELECT 1 FROM disciplinary_decision k"
                       " WHERE k.staff_id = s.id AND k.decision_date = d.parsed AND k.form = g.form)",  # nosec B608
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
    "transfers": import_transfers,
}


# ---------------------------------------------------------------- reorganisation

REORGANISE_COLUMNS = ("action", "old_code", "new_code", "new_name", "effective_date")
REORGANISE_ACTIONS = ("merge", "rename", "retire")
EPOCH = date(1900, 1, 1)  # the name a unit had before its first recorded rename is valid from here


class _DryRun(Exception):
    def __init__(self, report: list[str]) -> None:
        self.report = report


def reorganise(data: bytes | str, dry_run: bool = False, paths: Collection[str] | None = None,
               ) -> list[str]:
    """Merge, rename and retire units from a file `action,old_code,new_code,new_name,
    effective_date` (SPEC §9), all or nothing, as one audited change. Returns what changed, one
    line per action; with `dry_run` the same report and nothing written (the work is rolled back)."""
    try:
        return _reorganise(data, dry_run, paths)
    except _DryRun as done:
        return done.report


@transactional
def _reorganise(data: bytes | str, dry_run: bool, paths: Collection[str] | None) -> list[str]:
    lock("staff")
    rows = read_rows(data, REORGANISE_COLUMNS)
    errors: list[RowError] = []
    report: list[str] = []
    changes: list[dict[str, Any]] = []
    for line, row in rows:  # one row at a time: a later row may use a unit an earlier one made
        check = RowChecker(line, errors)
        action = check.choice(row["action"], REORGANISE_ACTIONS, _l("Thao tác"))
        day = check.date(row["effective_date"], _l("Ngày có hiệu lực"))
        old = find_unit_for_update(row["old_code"])
        if old is None:
            check.error(_("Không có đơn vị mã %(code)s.", code=row["old_code"]))
        elif _outside(paths, old.path):
            check.error(_("Đơn vị %(code)s nằm ngoài phạm vi bạn được giao.", code=old.code))
        elif old.retired_on is not None:
            check.error(_("Đơn vị %(code)s đã sáp nhập hoặc giải thể từ %(day)s.", code=old.code,
                          day=format_day(old.retired_on)))
        if errors and errors[-1].line == line or action is None or day is None or old is None:
            continue
        try:
            if action == "merge":
                report.append(_merge(old, row["new_code"], row["new_name"], day, paths))
            elif action == "rename":
                report.append(_rename(old, row["new_name"], day))
            else:
                report.append(_retire(old, day))
        except DomainError as exc:
            check.error(exc.message)
            continue
        changes.append({"line": line, "action": action, "old_code": old.code,
                        "new_code": row["new_code"], "new_name": row["new_name"], "day": day})
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.line, e.message)))
    sync_current_units(clock.today(), record=False)  # the one audit row is the one below
    audit.record("org.reorganised", object_type="unit", after={"changes": changes, "report": report})
    if dry_run:
        raise _DryRun(report)
    return report


def find_unit_for_update(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code.strip()))


def _merge(old: Unit, new_code: str, new_name: str, day: date, paths: Collection[str] | None) -> str:
    """Old unit into an existing or new unit from `day`: its staff follow from that day, its
    child units and role grants move, pending assessments follow (hooks); the old unit stays in
    the history under its successor (so whoever's scope covers the successor reads it)."""
    if not new_code:
        raise DomainError(_("Thiếu mã đơn vị mới."))
    new = find_unit_for_update(new_code)
    created = new is None
    if new is None:
        if not new_name:
            raise DomainError(_("Đơn vị %(code)s chưa có: cần tên đơn vị mới.", code=new_code))
        if len(new_code) > 50 or len(new_name) > 255:
            raise DomainError(_("Mã hoặc tên đơn vị mới quá dài."))
        if old.parent is None and paths is not None:
            raise DomainError(_("Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất."))
        new = Unit(code=new_code, name=new_name, kind=old.kind, parent_id=old.parent_id)
        db.session.add(new)
        db.session.flush()
        new.path = (old.parent.path if old.parent else "/") + f"{new.id}/"
    elif new.id == old.id or new.is_within(old):
        raise DomainError(_("Không thể sáp nhập đơn vị vào chính nó hoặc đơn vị trực thuộc nó."))
    elif new.retired_on is not None:
        raise DomainError(_("Đơn vị %(code)s đã sáp nhập hoặc giải thể.", code=new.code))
    elif _outside(paths, new.path):
        raise DomainError(_("Đơn vị %(code)s nằm ngoài phạm vi bạn được giao.", code=new.code))
    staying = and_(StaffAssignment.unit_id == old.id, StaffAssignment.start_date < day,
                   or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= day))
    # Staff of the old unit on the day continue in the new one from that day…
    staff_moved = db.session.execute(insert(StaffAssignment).from_select(  # type: ignore[attr-defined]
        ["staff_id", "unit_id", "start_date", "end_date"],
        select(StaffAssignment.staff_id, literal(new.id), literal(day), StaffAssignment.end_date)
        .where(staying)).execution_options(preserve_rowcount=True)).rowcount
    db.session.execute(update(StaffAssignment).where(staying)
                       .values(end_date=day - timedelta(days=1))
                       .execution_options(synchronize_session=False))
    # …and those who were to join it later join the new one instead.
    staff_moved += db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        update(StaffAssignment).where(StaffAssignment.unit_id == old.id,
                                      StaffAssignment.start_date >= day)
        .values(unit_id=new.id).execution_options(synchronize_session=False)).rowcount
    children = db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        update(Unit).where(Unit.parent_id == old.id, Unit.retired_on.is_(None))
        .values(parent_id=new.id).execution_options(synchronize_session=False)).rowcount
    moved = {"staff": staff_moved, "child_units": children}
    db.session.execute(update(Unit).where(Unit.id == old.id)
                       .values(parent_id=new.id, successor_id=new.id, retired_on=day)
                       .execution_options(synchronize_session=False))
    rebuild_unit_paths()
    db.session.expire_all()
    if day <= clock.today():  # else the daily job hands over on the day
        moved.update(_hand_over(old, new))
    return _("Sáp nhập %(old)s vào %(new)s%(created)s từ %(day)s: %(staff)d phân công, %(children)d "
             "đơn vị trực thuộc, %(assessments)d phiếu đánh giá đang mở, %(grants)d quyền được "
             "chuyển.", old=old.code, new=new_code, created=_(" (đơn vị mới)") if created else "",
             day=format_day(day), staff=moved["staff"], children=children,
             assessments=moved.get("assessments", 0), grants=moved.get("grants", 0))


def _hand_over(old: Unit, new: Unit) -> dict[str, int]:
    """On the day a merge takes effect, the features above move what the old unit still holds
    (role grants, pending assessments of open months) to its successor."""
    note = _("Chuyển từ %(old)s sang %(new)s do sáp nhập từ %(day)s.", old=old.name, new=new.name,
             day=format_day(old.retired_on))
    moved: dict[str, int] = {}
    for hook in HOOKS["merge"]:
        moved.update(hook(old, new, old.retired_on, note))
    old.handed_over = True
    db.session.flush()
    return moved


def _rename(unit: Unit, new_name: str, day: date) -> str:
    """A new name from `day`; the history keeps the name of the time."""
    if not new_name:
        raise DomainError(_("Thiếu tên mới của đơn vị."))
    if len(new_name) > 255:
        raise DomainError(_("Tên đơn vị dài quá 255 ký tự."))
    names = dict(db.session.execute(select(UnitName.valid_from, UnitName.name)
                                    .where(UnitName.unit_id == unit.id)).tuples().all())
    if day in names:
        raise DomainError(_("Đơn vị %(code)s đã có tên mới từ ngày %(day)s.", code=unit.code,
                            day=format_day(day)))
    if not names:
        db.session.add(UnitName(unit_id=unit.id, name=unit.name, valid_from=EPOCH))
    db.session.add(UnitName(unit_id=unit.id, name=new_name, valid_from=day))
    db.session.flush()
    return _("Đổi tên %(code)s thành \"%(name)s\" từ %(day)s.", code=unit.code, name=new_name,
             day=format_day(day))


def _retire(unit: Unit, day: date) -> str:
    """Retire a unit from `day`: only an empty one (no staff then or later, no active child)."""
    staff = db.session.scalar(select(func.count(StaffAssignment.id)).where(
        StaffAssignment.unit_id == unit.id,
        or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= day))) or 0
    children = db.session.scalar(select(func.count(Unit.id)).where(
        Unit.parent_id == unit.id, Unit.retired_on.is_(None))) or 0
    if staff or children:
        raise DomainError(_("Đơn vị %(code)s còn %(staff)d cán bộ và %(children)d đơn vị trực thuộc "
                            "từ ngày %(day)s; chỉ giải thể được đơn vị trống.", code=unit.code,
                            staff=staff, children=children, day=format_day(day)))
    unit.retired_on = day
    db.session.flush()
    return _("Giải thể %(code)s từ %(day)s.", code=unit.code, day=format_day(day))
