"""The work results ledger (SPEC §2a): the sample of ../shared/samples/tasks, a hand-computed
scenario through the services, the CLI and the review page, import errors, and set-based cost."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app import clock
from app.auth.models import User
from app.evaluation.models import Assessment
from app.evaluation.suggestions import suggestions_for
from app.extensions import db
from app.org.models import Staff
from app.tasks import services
from app.tasks.models import Task, TaskEvent
from tests import factories
from tests.queries import StatementCounter

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"
TASK_HEADER = (
    "external_ref,staff_code,product_code,coefficient,quantity,assigned_on,due_on,"
    "submitted_on,status,returns,late,exempt_returns,exempt_late\n"
)
# The scenario of S1 in March 2026, worked by hand:
#   a  1.5 × 2 = 3.0, delivered one day late, accepted         quality 3.0   progress 2.25
#   b  ad hoc 2.0 × 1, returned twice (one exempt), resubmitted late, accepted  1.5 / 1.5
#   c  1.5 × 1 cancelled                                        not counted
#   d  1.5 × 2 due 25 March, extended to 5 April                not counted in March
#   e  ad hoc 0.5 × 2 = 1.0, still open                          0 / 0
# assigned 6.0, accepted 5.0 → 83.33 %; quality 4.5/6 = 75 %; progress 3.75/6 = 62.5 %
# T1 = 30 × 5/6 = 25.0, T2 = 20 × 0.75 = 15.0, T3 = 20 × 0.625 = 12.5
SCENARIO_LINE = "S1,2026-03,6.00,83.33,75.00,62.50,25.0,15.0,12.5"
SCENARIO_CSV = (
    TASK_HEADER
    + """\
R-A,S1,P-VB,,2,2026-03-01,2026-03-10,2026-03-11,accepted,0,1,0,0
R-B,S1,,2.0,1,2026-03-01,2026-03-15,2026-03-17,accepted,2,1,1,0
R-C,S1,P-VB,,1,2026-03-01,2026-03-20,,cancelled,0,0,0,0
R-D,S1,P-VB,,2,2026-03-01,2026-04-05,,assigned,0,0,0,0
R-E,S1,,0.5,2,2026-03-01,2026-03-31,,assigned,0,0,0,0
"""
)


def _load_samples(runner):
    for args in (
        ["org", "import-units", SAMPLES / "units.csv"],
        ["org", "import-staff", SAMPLES / "staff.csv"],
        ["tasks", "import-products", SAMPLES / "tasks" / "products.csv"],
        ["tasks", "import", SAMPLES / "tasks" / "tasks.csv"],
    ):
        result = runner.invoke(args=[str(a) for a in args])
        assert result.exit_code == 0, result.output


def test_sample_files_give_the_expected_results_byte_for_byte(runner):
    _load_samples(runner)
    result = runner.invoke(args=["tasks", "results", "2026-09"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (SAMPLES / "tasks" / "results-2026-09.csv").read_text(encoding="utf-8")
    refused = runner.invoke(args=["tasks", "results", "2026-13"])
    assert refused.exit_code == 1 and "YYYY-MM" in refused.stderr


def test_second_import_of_the_same_references_updates_and_never_duplicates(app, runner):
    _load_samples(runner)
    changed = (
        (SAMPLES / "tasks" / "tasks.csv")
        .read_text(encoding="utf-8")
        .replace(
            "NV003-0903,NV003,VB-TM,3.0,1,2026-09-05,2026-09-30,,assigned",
            "NV003-0903,NV003,VB-TM,3.0,1,2026-09-05,2026-09-30,2026-09-30,accepted",
        )
    )
    path = Path(app.instance_path) / "tasks-again.csv"
    path.write_text(changed, encoding="utf-8")
    assert runner.invoke(args=["tasks", "import", str(path)]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id))) == 7
        assert db.session.scalar(select(Task.status).where(Task.external_ref == "NV003-0903")) == "accepted"
        assert db.session.scalar(select(func.count(TaskEvent.id))) == 14  # one history row per import
    line = runner.invoke(args=["tasks", "results", "2026-09"]).stdout.splitlines()[1]
    assert line == "NV003,2026-09,7.50,100.00,91.67,91.67,30.0,18.3,18.3"


def test_a_file_with_bad_rows_imports_nothing_and_names_every_line(app, runner):
    _load_samples(runner)
    bad = (
        TASK_HEADER
        + "\n".join(
            [
                "X1,NOBODY,VB-TM,,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
                "X2,NV003,NOPE,,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
                "X3,NV003,VB-TM,,1,2026-09-01,2026-09-10,,finished,0,0,0,0",
                "X4,NV003,VB-TM,,1,2026-09-10,2026-09-01,,assigned,0,0,0,0",
                "X5,NV003,VB-TM,,0,2026-09-01,2026-09-10,,assigned,0,0,0,0",
                "X6,NV003,VB-TM,0,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
                "X7,NV003,VB-TM,,1,2026-09-01,2026-09-10,2026-09-09,accepted,1,0,2,0",
                "X8,NV003,VB-TM,,1,2026-02-30,2026-09-10,,assigned,0,0,0,0",
                "X9,NV003,VB-TM,,1,2026-09-01,2026-09-10,,assigned,0,1,0,3",
            ]
        )
        + "\n"
    )
    path = Path(app.instance_path) / "tasks-bad.csv"
    path.write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["tasks", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{path}:")]
    assert sorted({int(line.split(":")[1]) for line in lines}) == list(range(2, 11))
    assert "NOBODY" in result.stderr and "NOPE" in result.stderr and "finished" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id))) == 7


def test_bad_product_file_is_refused_with_line_numbers(app, runner):
    _load_samples(runner)
    path = Path(app.instance_path) / "products-bad.csv"
    path.write_text(
        "code,name,unit_code,coefficient,effective_from\nA,Một,,0,2026-01-01\n"
        "B,Hai,NOWHERE,1.0,2026-01-01\nC,Ba,,1.0,2026-13-01\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["tasks", "import-products", str(path)])
    assert result.exit_code == 1
    assert [line.split(":")[1] for line in result.stderr.splitlines() if line.startswith(str(path))] == [
        "2",
        "3",
        "4",
    ]


# ---------------------------------------------------------------- the scenario


def _people(world):
    return (db.session.get(Staff, world.staff["S1"]), db.session.get(User, world.users["unit_head_in"]))


def build_scenario_through_services(world):
    """S1's March 2026 as a head and S1 would live it, step by step."""
    s1, head = _people(world)
    clock.freeze(date(2026, 3, 1))
    vb = services.save_product("P-VB", "Văn bản", "Document", "văn bản", D("1.5"), 5, None, date(2026, 1, 1))

    def one(title, coefficient, quantity, due, product=None):
        return services.assign(
            [s1],
            title=title,
            coefficient=coefficient,
            quantity=quantity,
            assigned_on=date(2026, 3, 1),
            due_on=due,
            actor=head,
            product=product,
        )[0]

    a = one("Văn bản", vb.coefficient, 2, date(2026, 3, 10), vb)
    b = one("Đề án", D("2.0"), 1, date(2026, 3, 15))
    c = one("Văn bản", vb.coefficient, 1, date(2026, 3, 20), vb)
    d = one("Văn bản", vb.coefficient, 2, date(2026, 3, 25), vb)
    e = one("Tổng hợp", D("0.5"), 2, date(2026, 3, 31))
    services.submit(a, date(2026, 3, 11), "Xong", s1_user(world))
    services.accept(a, "", head)
    services.submit(b, date(2026, 3, 14), "Bản 1", s1_user(world))
    services.return_task(b, "Thiếu số liệu", head)
    services.submit(b, date(2026, 3, 14), "Bản 2", s1_user(world))
    services.return_task(b, "Còn sai sót", head)
    services.exempt(b, "return", "Số liệu nguồn chậm", head)
    services.submit(b, date(2026, 3, 17), "Bản 3", s1_user(world), link="https://vb.example/3")
    services.accept(b, "Đạt", head)
    services.cancel(c, "Không còn cần thiết", head)
    clock.freeze(date(2026, 3, 20))
    services.extend(d, date(2026, 4, 5), "Chờ ý kiến sở", head)
    clock.freeze(date(2026, 3, 26))
    return e


def s1_user(world):
    return db.session.get(User, world.users["staff"])


def test_scenario_through_the_services_gives_the_hand_computed_suggestions(app, world):
    with app.app_context():
        build_scenario_through_services(world)
        assessments = db.session.scalars(select(Assessment)).all()
        found = suggestions_for(assessments)
        by_code = {a.staff.code: a.id for a in assessments}
        s1 = {code: found[(by_code["S1"], code)] for code in ("T1", "T2", "T3")}
        assert [s.score for s in s1.values()] == [D("25.0"), D("15.0"), D("12.5")]
        assert s1["T1"].explanation.startswith(
            "6.0 sản phẩm quy đổi được giao, 5.0 đã nghiệm thu, 1 lần bị trả lại, 2 lần trễ hạn"
        )
        # H1 heads A1 and has nothing of their own: the unit's tasks count (policy default), on
        # the head framework's maxima (21.4 / 14.3 / 14.3).
        h1 = [found[(by_code["H1"], code)].score for code in ("T1", "T2", "T3")]
        assert h1 == [D("17.8"), D("10.7"), D("8.9")]
        # S2 has nothing assigned: no score, and the reason.
        s2 = found[(by_code["S2"], "T1")]
        assert s2.score is None and "Không có nhiệm vụ" in s2.explanation


def test_scenario_through_the_services_and_through_the_cli_agree(app, runner, world):
    with app.app_context():
        build_scenario_through_services(world)
    by_service = runner.invoke(args=["tasks", "results", "2026-03"]).stdout.splitlines()
    assert by_service == [
        "staff_code,period,assigned,quantity_pct,quality_pct,progress_pct,t1,t2,t3",
        SCENARIO_LINE,
    ]


def test_scenario_imported_as_a_file_gives_the_same_line(app, runner, world):
    with app.app_context():
        services.save_product("P-VB", "Văn bản", "", "", D("1.5"), None, None, date(2026, 1, 1))
    path = Path(app.instance_path) / "scenario.csv"
    path.write_text(SCENARIO_CSV, encoding="utf-8")
    result = runner.invoke(args=["tasks", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["tasks", "results", "2026-03"]).stdout.splitlines()[1] == SCENARIO_LINE
    assert (
        runner.invoke(args=["tasks", "results", "2026-04"]).stdout.splitlines()[1]
        == "S1,2026-04,3.00,0.00,0.00,0.00,0.0,0.0,0.0"
    )


def test_review_page_shows_the_suggestions_with_their_explanation(app, client, auth, world):
    with app.app_context():
        build_scenario_through_services(world)
        s1 = world.assessments["S1"]
    auth.login("unit_head", "A1")  # S1 is reviewed by the head of A1
    page = client.get(f"/evaluation/assessments/{s1}/review")
    assert page.status_code == 200
    assert "<strong>25.0</strong>" in page.text and "<strong>12.5</strong>" in page.text
    assert "6.0 sản phẩm quy đổi được giao" in page.text
    auth.login_user(world.users["unit_head_out"])
    page = client.get(f"/evaluation/assessments/{world.assessments['S2']}/review")
    assert "Không có nhiệm vụ nào đến hạn trong tháng" in page.text


def test_steps_are_refused_out_of_order_and_changes_are_audited(app, world):
    with app.app_context():
        e = build_scenario_through_services(world)
        head = db.session.get(User, world.users["unit_head_in"])
        with pytest.raises(services.DomainError):
            services.accept(e, "", head)  # not submitted
        with pytest.raises(services.DomainError):
            services.exempt(e, "delay", "Không có lý do", head)  # nothing late
        with pytest.raises(services.DomainError):
            services.submit(e, date(2026, 3, 20), "", s1_user(world), link="javascript://x%0Aalert(1)")
        clock.freeze(date(2026, 4, 2))
        with pytest.raises(services.DomainError):
            services.extend(e, date(2026, 4, 10), "Quá hạn rồi", head)  # the due date has passed
        from app.audit import AuditEvent

        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("tasks.%"))).all()
        assert {
            "tasks.assigned",
            "tasks.submitted",
            "tasks.accepted",
            "tasks.returned",
            "tasks.exempted",
            "tasks.cancelled",
            "tasks.extended",
        } <= set(actions)


def test_evidence_files_are_checked_by_content(app):
    import io
    import zipfile

    with app.app_context():
        assert services.check_file(b"%PDF-1.7 ...") == "application/pdf"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
        assert services.check_file(buffer.getvalue()).endswith("wordprocessingml.document")
        with pytest.raises(services.DomainError):
            services.check_file(b"MZ\x90\x00 an executable named report.pdf")
        with pytest.raises(services.DomainError):
            services.check_file(b"PK\x03\x04 not really a zip")


# ---------------------------------------------------------------- set-based


def _population(count, unit_id, prefix):
    db.session.execute(
        insert(Staff),
        [
            {
                "code": f"{prefix}{n:06d}",
                "full_name": f"Cán bộ {n}",
                "unit_id": unit_id,
                "category": "cong_chuc",
                "position": "",
                "is_head": n == 0,
                "front_desk": False,
                "start_date": date(2020, 1, 1),
                "active": True,
            }
            for n in range(count)
        ],
    )
    ids = db.session.scalars(select(Staff.id).where(Staff.code.like(f"{prefix}%"))).all()
    db.session.execute(
        insert(Task),
        [
            {
                "staff_id": staff_id,
                "unit_id": unit_id,
                "title": "Việc",
                "coefficient": D("1.5"),
                "quantity": 2,
                "assigned_on": date(2026, 5, 1),
                "due_on": date(2026, 5, 1 + k),
                "status": ("accepted", "returned", "assigned")[k % 3],
                "returns": k % 2,
                "late": k % 3,
                "exempt_returns": 0,
                "exempt_late": 0,
            }
            for staff_id in ids
            for k in range(3)
        ],
    )
    db.session.commit()


def test_results_for_20_and_2000_people_issue_the_same_statements(app, runner):
    with app.app_context():
        factories.create_unit("U", kind="other")
        unit_id = factories.unit("U").id
        _population(20, unit_id, "S")
        engine = db.engine
    with StatementCounter(engine) as small:
        result = runner.invoke(args=["tasks", "results", "2026-05"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 21
    with app.app_context():
        _population(2000 - 20, unit_id, "L")
    with StatementCounter(engine) as large:
        result = runner.invoke(args=["tasks", "results", "2026-05"])
    assert len(result.stdout.splitlines()) == 2001
    assert large.count == small.count


def test_the_results_file_gives_a_head_their_units_sums_as_each_persons_own_result_does(app, runner):
    """`tasks results` computes the head-with-unit sums and the maxima in one statement; every
    line must equal what person_result (one person at a time, the review page's path) gives."""
    from app.tasks import queries

    _load_samples(runner)
    path = Path(app.instance_path) / "head.csv"
    path.write_text(TASK_HEADER + "H-1,NV002,VB-TM,,1,2026-09-01,2026-09-12,2026-09-12,accepted,1,0,0,0\n",
                    encoding="utf-8")
    assert runner.invoke(args=["tasks", "import", str(path)]).exit_code == 0
    lines = runner.invoke(args=["tasks", "results", "2026-09"]).stdout.splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["NV002", "NV003", "NV004"]
    with app.app_context():
        expected = []
        for code in ("NV002", "NV003", "NV004"):
            staff = db.session.scalar(select(Staff).where(Staff.code == code))
            result, maxima = queries.person_result(staff, "2026-09")
            expected.append(",".join(queries.result_row(result, "2026-09", maxima)))
    assert lines[1:] == expected
    head, member = lines[1].split(","), lines[2].split(",")
    assert D(head[2]) > D(member[2])  # NV002 leads NV003's division: their tasks count for the head


def test_a_results_line_in_integers_is_the_text_of_the_decimal_computation():
    """month_results_csv formats its rows in integers (no Decimal per number); every line must be
    byte for byte what result_row gives from the same sums, halves and clamping included."""
    import random

    from app.tasks import queries

    rng = random.Random(14)
    cases = [(0, 0, 0, 0, (10, 20, 30)), (1005, 1005, 1005000, 0, (10, None, 25)),
             (1015, 1014, 507500, 1015000, (5, 5, 5)), (2500, 3000, -5, 9 * 10**9, (None, None, None)),
             (-2000, 100, 100, 100, (10, 10, 10)), (1000, 500, 500, 500, (-10, 10, 10))]
    for _n in range(3000):
        assigned = rng.choice([rng.randint(1, 40) * 5, rng.randint(1, 10**6)])
        cases.append((assigned, rng.randint(-10, assigned + 10), rng.randint(0, assigned * 1000 + 9),
                      rng.randint(0, assigned * 1000), tuple(rng.choice([None, rng.randint(0, 300)])
                                                             for _c in range(3))))
    for assigned, accepted, quality, progress, tops in cases:
        result = queries.LedgerResult(7, "S-1", 3, False, assigned, accepted, quality, progress)
        maxima = {criterion: (D(top) / 10).quantize(D("0.1"))
                  for criterion, top in zip(queries.RATIO_OF, tops, strict=True) if top is not None}
        assert queries._result_line("2026-09", 7, "S-1", 3, False, assigned, accepted, quality,
                                    progress, *tops) == queries.result_row(result, "2026-09", maxima)
