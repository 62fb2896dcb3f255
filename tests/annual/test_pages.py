"""Annual pages: the quota and finalisation, exports, imports, the early warning list, and batch
statement counts."""
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import insert, select

from app import clock
from app.annual import services
from app.annual.models import AnnualResult, AnnualUnitYear
from app.audit import AuditEvent
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment
from app.extensions import db
from app.org.models import Staff
from app.reviews import services as review_services
from tests import factories
from tests.annual.conftest import load_annual, load_results, months, person
from tests.queries import StatementCounter


def _a1_with_one_a_and_two_b(app):
    with app.app_context():
        person("X1"), person("X2"), person("X3")
        load_results(months("X1", 2025, ["95"] * 12) + months("X2", 2025, ["80"] * 12)
                     + months("X3", 2025, ["75"] * 12))
        services.classify_year(2025)
        return db.session.scalar(select(AnnualResult.id).join(Staff, Staff.id == AnnualResult.staff_id)
                                 .where(Staff.code == "X1"))


def test_quota_breach_blocks_finalising_until_a_head_demotes(app, client, auth, world):
    a_result = _a1_with_one_a_and_two_b(app)
    with app.app_context():
        head = factories.create_user([("unit_head", "A1")], username="head_a1").id
    auth.login_user(head)
    a1 = world.units["A1"]
    page = client.get(f"/annual/2025/units/{a1}")
    assert "Cần hạ 1 kết quả kèm lý do trước khi chốt." in page.text
    refused = client.post(f"/annual/2025/units/{a1}/finalise", follow_redirects=True)
    assert "vượt quá 0 được phép" in refused.text
    short = client.post(f"/annual/results/{a_result}/demote", data={"reason": "ngắn"}, follow_redirects=True)
    assert "Hãy ghi lý do" in short.text
    client.post(f"/annual/results/{a_result}/demote",
                data={"reason": "Đơn vị vượt tỷ lệ 20% số hoàn thành xuất sắc."})
    done = client.post(f"/annual/2025/units/{a1}/finalise", follow_redirects=True)
    assert "Đã chốt kết quả năm 2025 của đơn vị." in done.text
    with app.app_context():
        x2 = db.session.scalar(select(AnnualResult).join(Staff, Staff.id == AnnualResult.staff_id)
                               .where(Staff.code == "X2"))
        x2.level = "A"  # even a top result cannot be demoted once the year is final
        db.session.commit()
        x2_id = x2.id
    locked = client.post(f"/annual/results/{x2_id}/demote", data={"reason": "Thử hạ sau khi đã chốt."},
                         follow_redirects=True)
    assert "Kết quả năm của đơn vị đã được chốt." in locked.text
    with app.app_context():
        row = db.session.get(AnnualResult, a_result)
        assert (row.level, row.demoted_from) == ("B", "A")
        assert db.session.get(AnnualUnitYear, (a1, 2025)) is not None
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("annual.%"))).all()
        assert {"annual.classified", "annual.demoted", "annual.finalised"} <= set(actions)
    # Locked: the head cannot reopen, hr_admin can.
    assert client.post(f"/annual/2025/units/{a1}/reopen",
                       data={"reason": "Cần xem lại kết quả."}).status_code == 403
    auth.login_user(world.users["hr_admin"])
    client.post(f"/annual/2025/units/{a1}/reopen", data={"reason": "Có kiến nghị cần xem lại."})
    with app.app_context():
        assert db.session.get(AnnualUnitYear, (a1, 2025)) is None


def test_overview_shows_counts_and_the_breach(app, client, auth, world):
    _a1_with_one_a_and_two_b(app)
    auth.login_user(world.users["hr_admin"])
    page = client.get("/annual/?year=2025")
    assert "Đơn vị A1" in page.text and "Vượt: 1 > 0" in page.text
    assert client.get("/annual/?year=20x5").status_code == 404


def test_exports_neutralise_formula_cells(app, client, auth, world):
    with app.app_context():
        person("=SUM(A1)")
        load_results(months("=SUM(A1)", 2025, ["80"] * 6))
        services.classify_year(2025)
    auth.login_user(world.users["hr_admin"])
    response = client.get("/annual/2025/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''X%E1%BA%BFp%20lo%E1%BA%A1i%20n%C4%83m%202025.csv" in disposition
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0] == ("Mã cán bộ,Họ và tên,Mã đơn vị,Đơn vị,Năm,Số tháng,Điểm trung bình,"
                                    "Mức xếp loại,Lý do,Lý do hạ mức")
    assert text.splitlines()[1].startswith("'=SUM(A1),")
    assert ",2025,6,80.00,B,Theo điểm trung bình các tháng," in text.splitlines()[1]
    book = load_workbook(io.BytesIO(client.get("/annual/2025/export.xlsx").data))
    cells = list(book.active[2])
    assert cells[0].value == "'=SUM(A1)" and cells[4].value == 2025 and cells[5].value == 6
    assert cells[6].data_type == "n" and cells[6].value == 80 and cells[7].value == "B"
    assert client.get("/annual/2025/export.pdf").status_code == 404


def test_unit_heads_export_only_their_scope(app, client, auth, world):
    with app.app_context():
        person("E1"), person("E2", unit="B")
        load_results(months("E1", 2025, ["80"] * 6) + months("E2", 2025, ["80"] * 6))
        services.classify_year(2025)
    auth.login_user(world.users["unit_head_out"])
    text = client.get("/annual/2025/export.csv").data.decode("utf-8-sig")
    assert "E2" in text and "E1" not in text
    assert client.get(f"/annual/2025/units/{world.units['A1']}").status_code == 404


def test_annual_import_through_the_page_refuses_bad_rows(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    data = {"kind": "annual", "file": (io.BytesIO(b"staff_code,year,level\nS1,2024,D\nS2,2024,Z\n"), "a.csv")}
    response = client.post("/annual/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "Mức &#34;Z&#34; không hợp lệ" in response.text
    data = {"kind": "annual", "file": (io.BytesIO(b"staff_code,year,level\nS1,2024,D\n"), "a.csv")}
    assert client.post("/annual/import", data=data, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AnnualResult.level)) == "D"


def test_classify_and_flag_through_the_page(app, client, auth, world):
    with app.app_context():
        person("F1")
        load_annual(["F1,2024,D"])
        load_results(months("F1", 2025, ["30"] * 12))
    auth.login_user(world.users["hr_admin"])
    page = client.post("/annual/classify", data={"year": "2025"}, follow_redirects=True)
    assert "Năm 2025: 1 người được xếp loại" in page.text
    page = client.post("/reviews/flag", data={"year": "2025"}, follow_redirects=True)
    assert "Đã mở 1 hồ sơ xem xét mới." in page.text
    bad = client.post("/annual/classify", data={"year": "năm nay"}, follow_redirects=True)
    assert "Năm phải có dạng YYYY." in bad.text


def test_early_warning_lists_d_last_year_heading_for_d_again(app, client, auth, world):
    with app.app_context():
        for code in ("W1", "W2", "W3", "W4"):
            person(code)
        load_annual(["W1,2025,D", "W2,2025,D", "W3,2025,D", "W4,2025,B"])
        load_results(months("W1", 2026, ["45", "48"])                    # mean below 50
                     + months("W2", 2026, ["40", "45", "30", "95", "95"])  # 3 D months, mean 61
                     + months("W3", 2026, ["60", "49"])                  # fine so far
                     + months("W4", 2026, ["20", "20"]))                 # not D last year
    auth.login_user(world.users["hr_admin"])
    page = client.get("/annual/early-warning?year=2026")
    assert "Nguyễn Văn W1" in page.text and "Nguyễn Văn W2" in page.text
    assert "Nguyễn Văn W3" not in page.text and "Nguyễn Văn W4" not in page.text
    assert "46.50" in page.text and "61.00" in page.text




def _people_with_a_year(count, prefix, unit_id, period_ids):
    db.session.execute(insert(Staff), [
        {"code": f"{prefix}{n:05d}", "full_name": f"Người {n}", "unit_id": unit_id, "category": "cong_chuc",
         "position": "", "is_head": False, "front_desk": False, "start_date": date(2020, 1, 1),
         "active": True} for n in range(count)])
    ids = db.session.scalars(select(Staff.id).where(Staff.code.like(f"{prefix}%"))).all()
    db.session.execute(insert(Assessment), [
        {"period_id": period_id, "staff_id": staff_id, "unit_id": unit_id, "is_head": False,
         "status": "closed", "score": 40, "level": "D", "self_report": "", "review_comment": "",
         "reviewed_without_self": False, "imported": True, "reopened": False, "version": 1}
        for staff_id in ids for period_id in period_ids])
    db.session.execute(insert(AnnualResult), [
        {"staff_id": staff_id, "year": 2024, "unit_id": unit_id, "policy_id": 1, "level": "D",
         "reason": "imported", "imported": True, "maternity_months": 0, "computed_at": clock.now()}
        for staff_id in ids])
    db.session.commit()


def test_classify_and_flag_issue_the_same_statements_for_20_and_2000_people(app):
    with app.app_context():
        factories.create_unit("U", kind="other")
        unit_id = factories.unit("U").id
        periods = []
        for month in range(1, 13):
            clock.freeze(date(2025, month, 26))
            periods.append(evaluation_services.open_period(f"2025-{month:02d}").period.id)
            evaluation_services.close_period(f"2025-{month:02d}")
        _people_with_a_year(20, "S", unit_id, periods)
        with StatementCounter(db.engine) as small:
            services.classify_year(2025)
            review_services.flag_reviews(2025)
        _people_with_a_year(1980, "L", unit_id, periods)
        with StatementCounter(db.engine) as large:
            services.classify_year(2025)
            review_services.flag_reviews(2025)
        assert db.session.scalar(select(db.func.count(AnnualResult.id)).where(
            AnnualResult.year == 2025, AnnualResult.level == "D")) == 2000
        assert large.count == small.count
