"""`python -m bench run` end to end on a small SQLite province (issue 14): every operation runs
through the app and its floor, the two produce the same rows (the bench stops otherwise), and
each prints its line. The benchmark tells its own story as of January 2026, whatever the day
it runs (it once broke when the period window started refusing a month that old)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^op=(?P<op>[\w-]+) db=sqlite staff=300 app_s=[\d.]+ floor_s=[\d.]+ ratio=[\d.]+ "
                  r"peak_rss_mb=\d+ statements=\d+$")


def test_bench_run_small_province(tmp_path):
    env = {**os.environ, "BENCH_RESULTS": str(tmp_path / "results")}
    env.pop("APP_ENV", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--staff", "300", "--db", f"sqlite:///{tmp_path / 'b.db'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    ops = [match["op"] for match in map(LINE.match, done.stdout.splitlines()) if match]
    assert ops == ["import-staff", "import-results", "open-period", "close-period", "classify-year",
                   "classify-year-rerun", "flag-reviews", "tasks-results"], done.stdout
    [written] = (tmp_path / "results").glob("sqlite-300-*.json")
    result = json.loads(written.read_text())
    assert result["staff"] == 300
    assert all(line["app"]["seconds"] > 0 and line["floor"]["seconds"] > 0 for line in result["ops"])
