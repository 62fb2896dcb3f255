"""Dashboards, the province ranking, printable sheets and their downloads (SPEC §8, §9)."""
import io
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import insert, select

from app import clock
from app.conduct import services as conduct_services
from app.conduct.models import ConductRule
from app.evaluation import services as evaluation_services
from app.exports import content_disposition
from app.extensions import db
from app.feedback.models import SatisfactionMonthly
from app.org.models import Unit
from app.reports import queries
from tests import factories
from tests.queries import StatementCounter

HUONG = "Đặng Thị Hương"


def _results(lines):
    evaluation_services.import_results("staff_code,period,score\n" + "\n".join(lines) + "\n")


def _populate(app, world):
    """A1: Hương (A every month of 2025 H1), S1 (B); B: S2 (D). A1's desk has ratings in 2025-03;
    S1 has a confirmed violation in March 2025."""
    with app.app_context():
        factories.create_staff("HU", "A1", full_name=unicodedata.normalize("NFD", HUONG))
        lines = []
        for month in range(1, 7):
            lines += [f"HU,2025-{month:02d},95.0", f"S1,2025-{month:02d},80.0", f"S2,2025-{month:02d},40.0"]
        _results(lines)
        a1 = world.units["A1"]
        db.session.execute(insert(SatisfactionMonthly).values(
            scope="unit", key_id=a1, period="2025-03", positive=9, total=10, updated_at=clock.utcnow()))
        db.session.execute(insert(SatisfactionMonthly).values(
            scope="staff", key_id=world.staff["S1"], period="2025-03", positive=3, total=4,
            updated_at=clock.utcnow()))
        inspector = db.session.get(factories.User, world.users["inspector"])
        staff = db.session.get(factories.Staff, world.staff["S1"])
        rule = db.session.scalar(select(ConductRule).where(ConductRule.code == "VH03"))
        report = conduct_services.raise_report("unit_head", staff, rule, date(2025, 3, 4), "Đi muộn",
                                               inspector)
        conduct_services.submit_report(report, "")
        report.findings[0].status = "confirmed"
        db.session.commit()


# ---------------------------------------------------------------- exports


def test_content_disposition_carries_the_vietnamese_name_and_an_ascii_fallback():
    header = content_disposition("Công khai kết quả Đơn vị A1 2025-03.csv")
    assert header.startswith('attachment; filename="cong-khai-ket-qua-don-vi-a1-2025-03.csv"; ')
    assert ("filename*=UTF-8''C%C3%B4ng%20khai%20k%E1%BA%BFt%20qu%E1%BA%A3%20%C4%90%C6%A1n%20v%E1%BB%8B"
            in header)


def test_disclosure_downloads_neutralise_formulas_and_type_cells(app, client, auth, world):
    with app.app_context():
        factories.create_staff("HY", "A1", full_name='=HYPERLINK("http://x")')
        factories.create_staff("TB", "A1", full_name="\tTab")
        _results(["HY,2025-02,72.5", "TB,2025-02,91.0", "S1,2025-02,55.0"])
    auth.login_user(world.users["hr_admin"])
    base = f"/reports/units/{world.units['A1']}/disclosure/2025-02"
    response = client.get(base + ".csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''C%C3%B4ng%20khai" in response.headers["Content-Disposition"]
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Mã cán bộ,Họ và tên,Chức vụ,Mức xếp loại,Tên mức"
    assert "HY,\"'=HYPERLINK(\"\"http://x\"\")\",Chuyên viên,B,Hoàn thành tốt nhiệm vụ" in lines
    assert any(line.startswith("TB,'\tTab,") for line in lines)
    book = load_workbook(io.BytesIO(client.get(base + ".xlsx").data))
    names = [row[1].value for row in book.active.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\")" in names and "'\tTab" in names
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)
    assert client.get(base + ".doc").status_code == 404
    assert client.get(f"/reports/units/{world.units['A1']}/disclosure/2026-03.csv").status_code == 404


def test_disclosure_pdf_has_the_header_names_in_nfc_and_page_numbers(app, client, auth, world):
    _populate(app, world)
    auth.login_user(world.users["staff"])  # every staff member sees their unit's list
    response = client.get(f"/reports/units/{world.units['A1']}/disclosure/2025-03.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].endswith(".pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert unicodedata.normalize("NFD", HUONG) not in text
    for expected in (HUONG, "Nguyễn Văn S1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "ĐƠN VỊ A1", "THÁNG 03/2025", "Trang 1/1",
                     "THỦ TRƯỞNG ĐƠN VỊ", "NGƯỜI LẬP BIỂU"):
        assert expected in unicodedata.normalize("NFC", text), expected
    assert HUONG in text  # arrived composed (NFC), though typed decomposed
    printed = client.get(f"/reports/units/{world.units['A1']}/disclosure/2025-03")
    assert HUONG in printed.text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in printed.text
    # Another unit's list: refused as the published page refuses it.
    assert client.get(f"/reports/units/{world.units['B']}/disclosure/2025-03.pdf").status_code == 403


def test_annual_sheet_downloads_with_reasons_and_numbers(app, client, auth, world):
    _populate(app, world)
    with app.app_context():
        from app.annual import services as annual_services
        annual_services.classify_year(2025)
    auth.login_user(world.users["unit_head_in"])
    base = f"/reports/units/{world.units['A1']}/annual/2025"
    book = load_workbook(io.BytesIO(client.get(base + ".xlsx").data))
    rows = {row[0].value: row for row in book.active.iter_rows(min_row=2)}
    assert rows["HU"][1].value == HUONG and rows["HU"][6].value == 95
    assert rows["HU"][6].data_type == "n" and rows["HU"][7].value == "A"
    assert rows["S1"][8].value == "Theo điểm trung bình các tháng"
    text = PdfReader(io.BytesIO(client.get(base + ".pdf").data)).pages[0].extract_text()
    assert HUONG in text and "NĂM 2025" in text
    assert "Đặng Thị Hương" in client.get(base).text
    auth.login_user(world.users["unit_head_out"])
    assert client.get(base + ".pdf").status_code == 404


def test_early_warning_downloads(app, client, auth, world):
    with app.app_context():
        from tests.annual.conftest import load_annual
        load_annual(["S2,2025,D"])
        _results(["S2,2026-01,40.0", "S2,2026-02,45.0"])
    auth.login_user(world.users["hr_admin"])
    text = client.get("/reports/early-warning/2026.csv").data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mã cán bộ,Họ và tên,Mã đơn vị,Đơn vị,Số tháng,Điểm trung bình")
    assert "S2,Nguyễn Văn S2,B,Đơn vị B,2,42.50,2" in text
    book = load_workbook(io.BytesIO(client.get("/reports/early-warning/2026.xlsx").data))
    assert book.active.cell(row=2, column=6).data_type == "n"


# ---------------------------------------------------------------- the unit dashboard


def test_dashboard_shows_levels_trends_violations_and_children(app, client, auth, world):
    _populate(app, world)
    auth.login_user(world.users["unit_head_in"])
    page = client.get(f"/reports/units/{world.units['A']}/dashboard?period=2025")
    assert page.status_code == 200
    assert 'data-figure="scored">12<' in page.text  # HU and S1, six months each
    assert 'data-figure="mean">87.50<' in page.text
    assert 'data-figure="satisfaction">90.0 %<' in page.text
    assert 'data-figure="violations">1<' in page.text
    assert "<svg" in page.text and "A 1" in page.text and "VH03" in page.text
    assert f'/reports/units/{world.units["A1"]}/dashboard?period=2025' in page.text  # drill down
    months = client.get(f"/reports/units/{world.units['A']}/dashboard/months.csv?period=2025")
    lines = months.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Tháng,Số mức A,Số mức B,Số mức C,Số mức D,Số đã xếp loại,Điểm trung bình")
    assert lines[3] == "2025-03,1,1,0,0,2,87.50,90.0,10,0"
    book = load_workbook(io.BytesIO(client.get(
        f"/reports/units/{world.units['A']}/dashboard/units.xlsx?period=2025-03").data))
    row = [c.value for c in book.active[2]]
    assert row[:2] == ["A1", "Đơn vị A1"] and row[2] == 2
    assert book.active.cell(row=2, column=4).data_type == "n"
    assert client.get(f"/reports/units/{world.units['A']}/dashboard/nothing.csv").status_code == 404
    assert client.get(f"/reports/units/{world.units['A']}/dashboard?period=2025-13").status_code == 404
    assert client.get(f"/reports/units/{world.units['A']}/dashboard?period=9999").status_code == 404


@pytest.mark.parametrize(("persona", "unit", "status"), [
    ("unit_head_in", "A1", 200), ("unit_head_in", "B", 404), ("unit_head_out", "A", 404),
    ("inspector", "A", 200), ("hr_admin", "ROOT", 200), ("staff", "A1", 403)])
def test_dashboard_scope(app, client, auth, world, persona, unit, status):
    auth.login_user(world.users[persona])
    assert client.get(f"/reports/units/{world.units[unit]}/dashboard").status_code == status


def test_dashboard_home_goes_to_the_widest_unit(app, client, auth, world):
    auth.login_user(world.users["unit_head_in"])
    response = client.get("/reports/dashboard?period=2025")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/units/{world.units['A']}/dashboard?period=2025")


def _grow(app, units, people, author):
    """`units` more units under A with `people` staff each, six closed months each, and a
    confirmed violation for each of them in one of the months, on one of the rules."""
    from app.conduct.models import ConductReport, Finding

    with app.app_context():
        start = db.session.scalar(select(db.func.count()).select_from(Unit))
        rules = db.session.scalars(select(ConductRule.id).order_by(ConductRule.id)).all()
        lines, added = [], []
        for u in range(units):
            code = f"G{start}-{u}"
            factories.create_unit(code, "A")
            for p in range(people):
                added.append(factories.create_staff(f"{code}-{p}", code))
                lines += [f"{code}-{p},2025-{m:02d},{60 + p}.0" for m in range(1, 7)]
        _results(lines)
        report = ConductReport(source="unit_head", unit_id=added[0].unit_id, created_by_id=author,
                               status="reviewed")
        report.findings = [Finding(staff_id=staff.id, unit_id=staff.unit_id, rule_id=rules[i % len(rules)],
                                   occurred_on=date(2025, 1 + i % 6, 10), note="", deduction=5,
                                   status="confirmed") for i, staff in enumerate(added)]
        db.session.add(report)
        db.session.commit()


def test_dashboard_and_ranking_run_a_bounded_number_of_queries(app, client, auth, world):
    """The same statements for 2 or 8 more units, 4 or 40 more violations over more rules, and
    one or two versions of the ranking policy."""
    auth.login_user(world.users["hr_admin"])
    counts = []
    for units, people in ((2, 2), (8, 5), (0, 0)):
        if units:
            _grow(app, units, people, world.users["hr_admin"])
        else:
            assert client.post("/reports/ranking-policy/new", data={
                "name": "v2", "effective_from": "2027-01", "weight_score": "0.25", "weight_excellent": "0.25",
                "weight_satisfaction": "0.25", "weight_conduct": "0.25", "violation_penalty": "1",
                "bands-0-code": "cao", "bands-0-min_index": "50", "bands-0-label_vi": "Cao",
                "bands-0-label_en": "High", "bands-1-code": "thap", "bands-1-min_index": "0",
                "bands-1-label_vi": "Thấp", "bands-1-label_en": "Low"}).status_code == 302
        with app.app_context():
            engine = db.engine
        with StatementCounter(engine) as dashboard:
            page = client.get(f"/reports/units/{world.units['A']}/dashboard?period=2025")
            assert page.status_code == 200 and 'id="violations-chart"' in page.text
        with StatementCounter(engine) as province:
            assert client.get("/reports/province?period=2025&kind=division").status_code == 200
        counts.append((dashboard.count, province.count))
    print("statement counts", counts)
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0][0] <= 20 and counts[0][1] <= 20, counts


# ---------------------------------------------------------------- the province view


def test_province_ranks_units_with_index_bands_and_movement(app, client, auth, world):
    _populate(app, world)
    with app.app_context():
        ranking = queries.province_ranking(queries.parse_span("2025-03"))
        by_code = {row.unit.code: row for row in ranking.rows}
        # A: mean 87.5, 50 % A, 90 % satisfied, 1 violation over 2 staff-months = 50 per 100
        # staff → conduct max(0, 100 − 10 × 50) = 0: 0.40·87.5 + 0.20·50 + 0.25·90 + 0.15·0 = 67.5
        assert by_code["A"].index == Decimal("67.5") and by_code["A"].band.code == "trung_binh"
        assert by_code["A"].rank == 1 and by_code["B"].rank == 2
        # B: mean 40, no A, no ratings, no violation → (0.40·40 + 0 + 0.15·100) / 0.75 = 41.3
        assert by_code["B"].index == Decimal("41.3") and by_code["B"].band.code == "yeu"
        # February: A had no violation and no ratings: (35 + 10 + 15) / 0.75 = 80.0, also first
        assert by_code["A"].previous_rank == 1 and by_code["A"].movement == 0
    auth.login_user(world.users["hr_admin"])
    page = client.get("/reports/province?period=2025-03")
    assert page.status_code == 200 and "67.5" in page.text and "Trung bình" in page.text
    csv = client.get("/reports/province/export.csv?period=2025-03").data.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Hạng,Mã đơn vị,Đơn vị,Điểm trung bình,Tỷ lệ A (%),")
    assert csv.splitlines()[1] == "1,A,Đơn vị A,87.50,50.0,90.0,1,67.5,Trung bình,1,0"
    assert client.get("/reports/province?kind=bogus").status_code == 404
    latest = client.get("/reports/province")  # without a period: the latest published month
    assert latest.status_code == 200 and 'value="2025-06"' in latest.text
    assert "Trung bình" in client.get("/reports/ranking-policy").text


def test_movement_is_shown_with_arrows(app, world):
    with app.app_context():
        _results(["S1,2025-01,50.0", "S2,2025-01,90.0", "S1,2025-02,90.0", "S2,2025-02,50.0"])
        rows = {r.unit.code: r for r in queries.province_ranking(queries.parse_span("2025-02")).rows}
        from app.reports.tables import movement_text
        assert movement_text(rows["A"].movement) == "▲1" and movement_text(rows["B"].movement) == "▼1"


@pytest.mark.parametrize(("persona", "status"), [("hr_admin", 200), ("sys_admin", 200), ("unit_head_in", 403),
                                                 ("inspector", 403), ("staff", 403)])
def test_province_is_for_the_province_hr_admin(app, client, auth, world, persona, status):
    auth.login_user(world.users[persona])
    assert client.get("/reports/province").status_code == status


# ---------------------------------------------------------------- the profile


def test_profile_has_chart_feedback_without_names_and_work(app, client, auth, world):
    _populate(app, world)
    clock.freeze(date(2025, 12, 10))
    auth.login_user(world.users["hr_admin"])
    page = client.get(f"/org/staff/{world.staff['S1']}").text
    assert "<svg" in page and "2025-03" in page and "75.0 %" in page
    assert "Ý kiến người dân" in page and "Kết quả thực hiện nhiệm vụ theo tháng" in page


# ---------------------------------------------------------------- the command line


def test_cli_writes_each_report(app, runner, world, tmp_path):
    _populate(app, world)
    with app.app_context():
        from app.annual import services as annual_services
        annual_services.classify_year(2025)
    out = tmp_path / "x.pdf"
    result = runner.invoke(args=["reports", "disclosure", "A1", "2025-03", "--format", "pdf", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert HUONG in PdfReader(str(out)).pages[0].extract_text()
    xlsx = tmp_path / "y.xlsx"
    result = runner.invoke(args=["reports", "annual-sheet", "A1", "2025", "--format", "xlsx", "-o", xlsx])
    assert result.exit_code == 0 and HUONG in [c.value for c in load_workbook(xlsx).active["B"]]
    csv = tmp_path / "p.csv"
    result = runner.invoke(args=["reports", "province", "2025-03", "--format", "csv", "-o", str(csv)])
    assert result.exit_code == 0 and "1,A,Đơn vị A," in csv.read_text("utf-8-sig")
    bad = runner.invoke(args=["reports", "disclosure", "NOPE", "2025-03", "-o", str(out)])
    assert bad.exit_code == 1 and "NOPE" in bad.output
    assert runner.invoke(args=["reports", "disclosure", "A1", "2025-3", "-o", str(out)]).exit_code == 1
    no_pdf = ["reports", "province", "2025-03", "--format", "pdf", "-o", str(csv)]
    assert runner.invoke(args=no_pdf).exit_code == 2  # the ranking has no PDF
