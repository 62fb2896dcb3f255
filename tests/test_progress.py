"""Progress bars on long command-line work (SPEC §9): shown with counts when stderr is a
terminal, silent otherwise; the summary line comes last either way."""
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "fixtures" / "samples"


def _import_org(runner):
    results = [runner.invoke(args=["org", command, str(SAMPLES / name)])
               for command, name in (("import-units", "units.csv"), ("import-staff", "staff.csv"))]
    assert all(r.exit_code == 0 for r in results), [r.output for r in results]
    return results[-1]


def test_no_bar_when_stderr_is_not_a_terminal(app, runner):
    result = _import_org(runner)
    assert result.stderr == ""
    assert result.stdout.strip() == "Đã nhập 7 cán bộ."


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr("app.cli.stderr_is_terminal", lambda: True)


def test_an_import_shows_a_bar_with_row_counts_on_a_terminal(app, runner, terminal):
    result = _import_org(runner)
    assert "Đang nhập" in result.stderr
    assert "7/7" in result.stderr and "100%" in result.stderr
    assert result.stdout.strip().splitlines()[-1] == "Đã nhập 7 cán bộ."


def test_open_period_shows_its_steps_on_a_terminal(app, runner, world, terminal):
    result = runner.invoke(args=["evaluation", "open-period", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "Đang mở kỳ" in result.stderr and "3/3" in result.stderr
    assert result.stdout.strip().startswith("Kỳ 2026-03: đã tạo")
    closed = runner.invoke(args=["evaluation", "close-period", "2026-03"])
    assert "Đang đóng kỳ" in closed.stderr and "2/2" in closed.stderr
    assert closed.stdout.strip().startswith("Đã đóng kỳ 2026-03")


def test_a_rejected_import_still_lists_its_errors_after_the_bar(app, runner, terminal, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("code,name,parent_code,kind\nX,Một,,planet\n", encoding="utf-8")
    result = runner.invoke(args=["org", "import-units", str(path)])
    assert result.exit_code == 1
    assert "Đang nhập" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("Tệp bị từ chối: 1 lỗi")
