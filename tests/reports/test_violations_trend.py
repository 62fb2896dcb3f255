"""The dashboard's confirmed violations per month and rule: the chart (the four most frequent
rules and the others added up), its table fallback, the downloadable table, and only confirmed
findings of the subtree counted."""
import re
from datetime import date

from sqlalchemy import select

from app.conduct.models import ConductRule, Finding
from app.extensions import db
from app.reports import queries
from tests import factories
from tests.reports.test_reports import _populate

# (staff, rule, day, status): S1 is in A1 (under A), S2 in B.
FINDINGS = [("S1", "VH01", date(2025, 1, 9), "confirmed"), ("S1", "VH01", date(2025, 1, 20), "confirmed"),
            ("S1", "VH02", date(2025, 2, 3), "confirmed"), ("S1", "VH04", date(2025, 2, 28), "confirmed"),
            ("S1", "VH05", date(2025, 5, 5), "confirmed"), ("S1", "VH06", date(2025, 5, 6), "confirmed"),
            ("S1", "VH01", date(2025, 5, 7), "pending"), ("S1", "VH02", date(2025, 6, 7), "dismissed"),
            ("S2", "VH01", date(2025, 1, 9), "confirmed")]


def _violations(app, world):
    """_populate's VH03 in March, and the findings above on the same report."""
    _populate(app, world)
    with app.app_context():
        report = db.session.scalar(select(Finding)).report
        rules = {r.code: r.id for r in db.session.scalars(select(ConductRule))}
        for code, rule, day, status in FINDINGS:
            report.findings.append(Finding(staff_id=world.staff[code], unit_id=world.units[
                "A1" if code == "S1" else "B"], rule_id=rules[rule], occurred_on=day, note="", deduction=5,
                status=status))
        db.session.commit()


def test_violations_are_counted_per_month_and_rule(app, world):
    _violations(app, world)
    with app.app_context():
        a = db.session.get(queries.Unit, world.units["A"])
        found = queries.violations(queries.parse_span("2025"), a.path)
        assert [(r.code, r.count) for r in found.by_rule] == [
            ("VH01", 2), ("VH02", 1), ("VH03", 1), ("VH04", 1), ("VH05", 1), ("VH06", 1)]
        months = dict(found.months)
        assert list(months) == [f"2025-{m:02d}" for m in range(1, 13)]
        assert months["2025-01"] == {"VH01": 2} and months["2025-02"] == {"VH02": 1, "VH04": 1}
        assert months["2025-05"] == {"VH05": 1, "VH06": 1} and not months["2025-06"]
        series, chart = found.chart_series(4)
        assert series == ["VH01", "VH02", "VH03", "VH04", ""]
        assert dict(chart)["2025-05"] == {"VH01": 0, "VH02": 0, "VH03": 0, "VH04": 0, "": 2}
        province = queries.violations(queries.parse_span("2025-01"), None)
        assert [(r.code, r.count) for r in province.by_rule] == [("VH01", 3)]


def test_dashboard_shows_the_trend_with_its_tables(app, client, auth, world):
    _violations(app, world)
    auth.login_user(world.users["unit_head_in"])
    page = client.get(f"/reports/units/{world.units['A']}/dashboard?period=2025")
    assert page.status_code == 200
    chart = page.text[page.text.index('id="violations-chart"'):]
    chart = chart[:chart.index("</figure>")]
    assert "Vi phạm đã xác nhận theo tháng và quy tắc" in chart and "<svg" in chart
    assert "Quy tắc khác" in chart and "VH01 2" in chart  # the legend and the value in the bar
    fallback = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>((?:<td>\d+</td>)+)</tr>", chart)
    rows = {month: re.findall(r"\d+", cells) for month, cells in fallback}
    assert rows["25-01"] == ["2", "0", "0", "0", "0"] and rows["25-05"] == ["0", "0", "0", "0", "2"]
    assert "Vi phạm theo tháng và quy tắc" in page.text
    table = client.get(f"/reports/units/{world.units['A']}/dashboard/rule_months.csv?period=2025")
    lines = table.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Tháng,VH01,VH02,VH03,VH04,VH05,VH06,Tổng"
    assert lines[1:6] == ["2025-01,2,0,0,0,0,0,2", "2025-02,0,1,0,1,0,0,2", "2025-03,0,0,1,0,0,0,1",
                          "2025-04,0,0,0,0,0,0,0", "2025-05,0,0,0,0,1,1,2"]
    assert len(lines) == 13
    b = client.get(f"/reports/units/{world.units['A1']}/dashboard/rule_months.csv?period=2025-01")
    assert b.data.decode("utf-8-sig").splitlines() == ["Tháng,VH01,Tổng", "2025-01,2,2"]


def test_a_month_without_violations_shows_no_trend(app, client, auth, world):
    with app.app_context():
        factories.create_staff("HU", "A1")
    auth.login_user(world.users["hr_admin"])
    page = client.get(f"/reports/units/{world.units['A']}/dashboard?period=2025-04")
    assert page.status_code == 200 and 'id="violations-chart"' not in page.text
    lines = client.get(f"/reports/units/{world.units['A']}/dashboard/rule_months.csv?period=2025-04"
                       ).data.decode("utf-8-sig").splitlines()
    assert lines == ["Tháng,Tổng", "2025-04,0"]
