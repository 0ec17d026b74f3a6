"""bench/run.py's floor: the rows it writes with nothing but csv + sqlite3 are the rows cxbridge
stores (issue 19 measures cxbridge against what writing those rows costs), and the bench stops
when they are not. The bench's timings are not checked here: they are figures, not behaviour."""

from __future__ import annotations

import csv
import importlib.util
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

RECORDS = 300


def load_bench():
    """bench/run.py as a module (its dataclasses look their module up in sys.modules)."""
    if "bench_run" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
        sys.modules["bench_run"] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules["bench_run"]


def expected_cases(csv_path: Path) -> int:
    """The default rules on the bench's customers: an NPS detractor (0–6) or a dissatisfied CSAT
    answer (the two lowest of five labels) opens one case."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == RECORDS
    return sum(
        1 for row in rows if int(row["NPS"]) <= 6 or row["Satisfaction"] in ("Very dissatisfied", "Dissatisfied")
    )


def test_the_floor_writes_every_row_cxbridge_writes_but_the_runs_own_columns(tmp_path):
    bench = load_bench()
    (tmp_path / "cxbridge.toml").write_text(bench.CONFIG, encoding="utf-8")
    bench.generate(tmp_path / "responses.csv", RECORDS)
    bench.baseline(tmp_path / "responses.csv", tmp_path / "floor.db", cases=True)
    bench.cxbridge_sync(tmp_path, f"sqlite:///{tmp_path / 'cxbridge.db'}")

    assert bench._same_rows(tmp_path / "floor.db", tmp_path / "cxbridge.db") == expected_cases(
        tmp_path / "responses.csv"
    )
    with sqlite3.connect(tmp_path / "cxbridge.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == RECORDS
        raw = conn.execute("SELECT raw FROM feedback").fetchall()
    assert all("@example.com" not in text for (text,) in raw)  # nor, being equal, the floor's: e-mails scrubbed

    # one score's normalized value off by a billionth: the bench names the table and stops
    with sqlite3.connect(tmp_path / "floor.db") as conn:
        changed = conn.execute("UPDATE feedback_scores SET normalized = normalized + 1e-9 "
                               "WHERE rowid = (SELECT MIN(rowid) FROM feedback_scores WHERE metric = 'ces')")  # fmt: skip
        assert changed.rowcount == 1
    with pytest.raises(
        SystemExit, match="feedback_scores: the floor with cases wrote 900 rows, cxbridge 900, not the same"
    ):
        bench._same_rows(tmp_path / "floor.db", tmp_path / "cxbridge.db")


def test_the_bench_runs_its_sqlite_contenders_and_prints_its_last_line(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--records", str(RECORDS), "--no-incremental",
         "--only", "floor,cases_floor,cxbridge_sqlite"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith(f"records={RECORDS} cxbridge_rps="), last
    assert "the same ones: cxbridge's ratio to it" in run.stdout
