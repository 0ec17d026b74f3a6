"""Progress of `sync` and `import`: file sources report the bytes of their files read after each
committed batch (within a file too), and the display turns that into a percentage, the time
left and records/s — checked against computations made here, on a clock the test moves."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.filesize import decimal

from cxbridge.cli.progress_display import SyncDisplay
from cxbridge.events import EventKind, ReadProgress, SyncEvent
from tests.conftest import ROOT
from tests.sqlite_runs import sync_source
from tests.terminal import run_in_terminal
from tests.workbooks import write_xlsx

ROWS = 2500  # per file: batches of 1000 commit twice inside the first file
HEADER = ["id", "submitted", "nps", "comment"]


def rows(first: int) -> list[list]:
    return [[f"R{n}", f"2024-05-{n % 28 + 1:02d}T10:00:00Z", n % 11, f"comment number {n} " + "x" * (n % 40)]
            for n in range(first, first + ROWS)]  # fmt: skip


def write(kind: str, path: Path, first: int) -> Path:
    if kind == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([HEADER, *rows(first)])
    elif kind == "json":
        path.write_text("".join(json.dumps(dict(zip(HEADER, row))) + "\n" for row in rows(first)), encoding="utf-8")
    else:
        write_xlsx(path, {"responses": [HEADER, *rows(first)]})
    return path


def source(kind: str) -> dict:
    connector = {"csv": "csv", "json": "json", "xlsx": "excel"}[kind]
    return {"connector": connector, "path": f"*.{kind}" if kind != "json" else "*.ndjson",
            "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment"},
            "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip


def progress_of(folder: Path, kind: str) -> list[ReadProgress]:
    events: list[SyncEvent] = []
    result = sync_source(folder, source(kind), batch_size=1000, on_progress=events.append)
    assert result.ok, result.error
    return [event.progress for event in events if event.kind is EventKind.BATCH_COMMITTED]


@pytest.mark.parametrize("kind", ["csv", "json", "xlsx"])
def test_file_sources_report_the_bytes_of_their_files_read(tmp_path: Path, kind: str):
    suffix = "ndjson" if kind == "json" else kind
    first, second = (write(kind, tmp_path / f"{name}.{suffix}", start) for name, start in (("a", 1), ("b", ROWS + 1)))
    total = first.stat().st_size + second.stat().st_size
    reported = progress_of(tmp_path, kind)
    assert {p.total for p in reported} == {total} and {p.unit for p in reported} == {"bytes"}
    assert [p.done for p in reported] == sorted(p.done for p in reported)
    assert reported[-1].done == total
    within_first = reported[0].done  # 1,000 records of a's 2,500 read
    if kind == "xlsx":  # calamine's rows: the header and 1,000 of the sheet's 2,501
        assert within_first == int(first.stat().st_size * 1001 / (ROWS + 1))
    else:  # text: the bytes of the lines read, and at most a read-ahead block more
        lines = first.read_bytes().splitlines(keepends=True)
        read = sum(map(len, lines[: 1001 if kind == "csv" else 1000]))
        assert read <= within_first <= read + 32 * 1024 < first.stat().st_size

    third = write(kind, tmp_path / f"c.{suffix}", 2 * ROWS + 1)
    again = progress_of(tmp_path, kind)  # a and b are passed over: only c is to read
    assert {p.total for p in again} == {third.stat().st_size} and again[-1].done == third.stat().st_size


def rendered(display: SyncDisplay) -> dict[str, str]:
    console = Console(file=io.StringIO(), width=100, color_system=None, record=True)
    console.print(display.progress.get_renderable())
    lines = console.export_text().splitlines()
    return {name: next(line for line in lines if f" {name} " in line) for name in display.tasks}


def test_the_display_shows_share_size_rate_and_time_left_on_the_clock_given():
    now = [100.0]
    display = SyncDisplay(Console(file=io.StringIO(), width=100), get_time=lambda: now[0])
    for name in ("store_survey", "qualtrics_eu"):
        display.on_event(SyncEvent(EventKind.SOURCE_STARTED, "run", source=name))
    now[0] += 4
    done, total = 12_300_000, 49_200_000
    counts = {"read": 10_000, "written": 9_990, "unchanged": 0, "quarantined": 10}
    display.on_event(SyncEvent(EventKind.BATCH_COMMITTED, "run", source="store_survey", counts=counts,
                               progress=ReadProgress(done, total)))  # fmt: skip
    display.on_event(SyncEvent(EventKind.BATCH_COMMITTED, "run", source="qualtrics_eu",
                               counts={**counts, "read": 1_000, "quarantined": 0}))  # fmt: skip
    lines = rendered(display)
    left = 4 * (total - done) / done  # seconds: the pace so far, over what is left
    assert f" {round(100 * done / total)}% " in lines["store_survey"]
    assert f"{decimal(done).split()[0]}/{decimal(total)}" in lines["store_survey"]
    assert f"10,000 read · {10_000 / 4:,.0f}/s · 10 quarantined" in lines["store_survey"]
    assert lines["store_survey"].rstrip().endswith(f"ETA 0:00:{round(left):02d}")
    assert "%" not in lines["qualtrics_eu"] and "ETA" not in lines["qualtrics_eu"]  # an API: no whole known
    assert f"1,000 read · {1_000 / 4:,.0f}/s · 0 quarantined" in lines["qualtrics_eu"]
    assert lines["qualtrics_eu"].rstrip().endswith("0:00:04")

    now[0] += 2
    display.on_event(SyncEvent(EventKind.SOURCE_FINISHED, "run", source="store_survey",
                               counts={**counts, "read": 40_000}))  # fmt: skip
    finished = rendered(display)["store_survey"]
    assert " 100% " in finished and f"{decimal(total).split()[0]}/{decimal(total)}" in finished
    assert f"40,000 read · {40_000 / 6:,.0f}/s" in finished and finished.rstrip().endswith("0:00:06")


def test_the_display_shows_the_records_skipped_when_there_are_any():
    """Records left out on purpose (Qualtrics tests, erased respondents) are counted as the run's
    summary and `sync_runs.records_skipped` count them; an event without the count shows none."""
    display = SyncDisplay(Console(file=io.StringIO(), width=120), get_time=lambda: 100.0)
    counts = {"read": 15, "written": 8, "unchanged": 0, "quarantined": 0, "skipped": 7}
    older = {key: value for key, value in counts.items() if key != "skipped"}  # built by a plugin before the count
    for name, shown in (("qualtrics_eu", counts), ("plugin_event", older)):
        display.on_event(SyncEvent(EventKind.SOURCE_STARTED, "run", source=name))
        display.on_event(SyncEvent(EventKind.BATCH_COMMITTED, "run", source=name, counts=shown))
    lines = rendered(display)
    assert "15 read · 0 quarantined · 7 skipped" in lines["qualtrics_eu"]
    assert "skipped" not in lines["plugin_event"]


def test_import_on_a_terminal_shows_its_progress_to_the_end(tmp_path: Path):
    data = write("csv", tmp_path / "responses.csv", 1)
    printed = run_in_terminal([sys.executable, "-m", "cxbridge", "import", "responses.csv"], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    last_frame = [line for line in printed.replace("\r", "\n").splitlines() if "100%" in line][-1]
    size = decimal(data.stat().st_size)
    assert f"{size.split()[0]}/{size}" in last_frame and f"{ROWS:,} read" in last_frame
    assert f"✔ responses.csv → responses (plain): {ROWS:,} read · {ROWS:,} written" in printed
