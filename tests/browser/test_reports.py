"""Dashboards and downloads in a real browser: each dashboard for the right role (and refused
outside it), the charts and their tables, and the CSV, XLSX and PDF files a user downloads."""
import io
import unicodedata

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app import clock
from app.evaluation import services as evaluation_services
from tests import factories
from tests.browser.conftest import menu, sign_in, sign_out

pytestmark = pytest.mark.browser

HUONG = "Đặng Thị Hương"


def _history(app):
    with app.app_context():
        factories.create_staff("HU", "A1", full_name=HUONG)
        factories.create_staff("HY", "A1", full_name='=HYPERLINK("http://x")')
        lines = [f"{code},2025-{m:02d},{score}" for m in range(1, 4)
                 for code, score in (("HU", "95.0"), ("HY", "72.0"), ("S1", "81.5"), ("S2", "45.0"))]
        evaluation_services.import_results("staff_code,period,score\n" + "\n".join(lines) + "\n")


def _download(page, link):
    with page.expect_download() as info:
        link.click()
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_unit_head_sees_the_dashboard_of_their_subtree_and_downloads_its_tables(app, page, world):
    _history(app)
    sign_in(page, "head_in", factories.PASSWORD)
    menu(page, "Bảng điều khiển")
    page.get_by_role("heading", name="Bảng điều khiển: Đơn vị A").wait_for()
    page.get_by_label("Năm (YYYY) hoặc tháng (YYYY-MM)").fill("2025")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**?period=2025")  # the counts below do not wait for the new page
    assert page.locator("#levels-chart svg").count() == 1
    assert page.locator("#levels-chart table caption").inner_text().startswith("Phân bố mức xếp loại")
    assert page.locator('[data-figure="scored"]').inner_text() == "9"
    name, data = _download(page, page.locator("#units-heading + p").get_by_role("link", name="Tải XLSX"))
    assert name.endswith(".xlsx") and "Đơn vị A" in unicodedata.normalize("NFC", name)
    book = load_workbook(io.BytesIO(data))
    assert book.active.cell(row=2, column=2).value == "Đơn vị A1"
    assert book.active.cell(row=2, column=4).data_type == "n"
    name, data = _download(page, page.locator("#months-heading + p").get_by_role("link", name="Tải CSV"))
    assert data.decode("utf-8-sig").splitlines()[1].startswith("2025-01,1,2,0,0,3,")
    page.get_by_role("link", name="Đơn vị A1").first.click()  # drill down
    page.get_by_role("heading", name="Bảng điều khiển: Đơn vị A1").wait_for()
    response = page.goto(f"/reports/units/{world.units['B']}/dashboard")
    assert response.status == 404
    assert page.goto("/reports/province").status == 403


def test_inspector_reads_the_dashboard_and_hr_admin_the_province_ranking(app, page, world):
    _history(app)
    sign_in(page, "inspector", factories.PASSWORD)
    assert page.goto(f"/reports/units/{world.units['ROOT']}/dashboard?period=2025-02").status == 200
    assert page.locator("main form[method=post]").count() == 0  # read-only: nothing to change
    sign_out(page)
    sign_in(page, "hr", factories.PASSWORD)
    menu(page, "Xếp hạng đơn vị")
    page.get_by_label("Năm (YYYY) hoặc tháng (YYYY-MM)").fill("2025-03")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url("**?period=2025-03*")
    first = page.locator("table.ranking tbody tr").first
    assert "Đơn vị A" in first.inner_text() and "=" in first.inner_text()
    assert "giữ nguyên" in first.locator(".movement").inner_text()  # words, not colour alone
    name, data = _download(page, page.get_by_role("link", name="Tải CSV"))
    assert data.decode("utf-8-sig").splitlines()[1].startswith("1,A,Đơn vị A,")
    name, data = _download(page, page.get_by_role("link", name="Tải XLSX"))
    assert load_workbook(io.BytesIO(data)).active.cell(row=2, column=1).value == 1


def test_the_disclosure_list_downloads_as_csv_xlsx_and_pdf(app, page, world):
    _history(app)
    clock.freeze(clock.today())
    sign_in(page, "staff1", factories.PASSWORD)
    page.goto(f"/evaluation/units/{world.units['A1']}/results?period=2025-03")
    page.get_by_role("link", name="Bản in").click()
    page.get_by_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").wait_for()
    name, data = _download(page, page.get_by_role("link", name="PDF"))
    assert name.endswith(".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert HUONG in text and "Độc lập - Tự do - Hạnh phúc" in text and "Trang 1/1" in text
    name, data = _download(page, page.get_by_role("link", name="CSV"))
    csv = data.decode("utf-8-sig")
    assert "'=HYPERLINK(" in csv and HUONG in csv
    name, data = _download(page, page.get_by_role("link", name="XLSX"))
    names = [c.value for c in load_workbook(io.BytesIO(data)).active["B"]]
    assert "'=HYPERLINK(\"http://x\")" in names and HUONG in names
    assert page.goto(f"/reports/units/{world.units['B']}/disclosure/2025-03.pdf").status == 403
