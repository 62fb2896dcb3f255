"""import-units staged in the database: the same messages, lines and outcome as the row-by-row
checks it replaced (kept here as the reference), every unit written with its parent and path,
and the same statements for 20 units as for several thousand."""
import pytest
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.csvimport import ImportRejected, RowChecker, read_rows
from app.extensions import db
from app.org import services
from app.org.models import UNIT_KINDS, Unit
from tests.queries import StatementCounter

HEADER = "code,name,parent_code,kind\n"


def _reference(data, paths):
    """The checks of import-units as first written (Python over the whole file), for comparison."""
    errors = []
    seen, units = {}, []
    for line, row in read_rows(data, services.UNIT_COLUMNS):
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
    existing = set(db.session.scalars(select(Unit.code).where(Unit.code.in_(seen))))
    outside_codes = {parent for *_rest, parent in units if parent and parent not in seen}
    known = dict(db.session.execute(select(Unit.code, Unit.path).where(Unit.code.in_(outside_codes))).all())
    for line, code, _name, _kind, parent in units:
        check = RowChecker(line, errors)
        if code in existing:
            check.error(_("Mã đơn vị %(code)s đã có trong hệ thống.", code=code))
        if parent and parent not in seen and parent not in known:
            check.error(_("Đơn vị cấp trên %(code)s không có trong tệp hay trong hệ thống.", code=parent))
        elif parent in known and services._outside(paths, known[parent]):
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
    return [(e.line, e.message) for e in sorted(set(errors), key=lambda e: (e.line, e.message))]


BAD_FILES = [
    "X,Một,,other\nY,Hai,NOWHERE,division\nZ,Ba,X,planet\nX,Bốn,,other\n",
    "P,Một,Q,other\nQ,Hai,P,other\n",
    "A,Trùng,ROOT,division\nN,Mới,A,division\n",
    # a loop of three with two units hanging under it, a unit that is its own parent
    "L1,Một,L2,other\nL2,Hai,L3,other\nL3,Ba,L2,other\nL4,Bốn,L1,division\nL5,Năm,L4,division\nS,Tự,S,other\n",
    # the last line of a repeated code decides its parent (here: a loop only through line 4)
    "D,Một,,other\nE,Hai,D,other\n,Không mã,,\nD,Ba,E,other\n" + "K" * 51 + ",Dài,,other\n",
    "M,,B,division\nM2,Tên,A1,nowhere\nM3,Tên,M2,division\n",
]


@pytest.mark.parametrize("body", BAD_FILES)
@pytest.mark.parametrize("scoped", [False, True])
def test_a_bad_file_gets_the_messages_of_the_row_by_row_checks(app, world, body, scoped):
    with app.app_context():
        paths = [db.session.get(Unit, world.units["A"]).path] if scoped else None
        expected = _reference(HEADER + body, paths)
        with pytest.raises(ImportRejected) as refused:
            services.import_units(HEADER + body, paths)
        assert [(e.line, e.message) for e in refused.value.errors] == expected
        assert expected  # every file here is bad
        assert db.session.scalar(select(func.count(Unit.id))) == len(world.units)


def test_a_good_file_writes_every_unit_under_its_parent(app, world):
    body = "C3,Ba,C2,division\nC1,Một,A,division\nC2,Hai,C1,other\nT,Tỉnh khác,,other\n"
    with app.app_context():
        assert services.import_units(HEADER + body) == 4
        units = {u.code: u for u in db.session.scalars(select(Unit))}
        assert units["C1"].parent_id == units["A"].id and units["C3"].parent_id == units["C2"].id
        assert units["C3"].path == f"{units['A'].path}{units['C1'].id}/{units['C2'].id}/{units['C3'].id}/"
        assert units["T"].parent_id is None and units["T"].path == f"/{units['T'].id}/"
        assert units["T"].search == "t tinh khac" and not units["C1"].handed_over


def _tree(count, prefix):
    rows = [f"{prefix}0,Gốc {prefix},,other"]
    rows += [f"{prefix}{n},Đơn vị {n},{prefix}{(n - 1) // 4},division" for n in range(1, count)]
    return HEADER + "\n".join(rows) + "\n"


def test_unit_imports_of_20_and_5000_rows_issue_the_same_statements(app):
    counts = []
    for count, prefix in ((20, "P"), (5000, "Q")):
        with app.app_context():
            with StatementCounter(db.engine) as counter:
                assert services.import_units(_tree(count, prefix)) == count
            counts.append(counter.count)
    assert counts[0] == counts[1]
    with app.app_context():
        deepest = db.session.scalar(select(Unit).where(Unit.code == "Q4999"))
        assert deepest.path.count("/") == 8  # Q0 → Q4 → Q19 → Q77 → Q312 → Q1249 → Q4999
