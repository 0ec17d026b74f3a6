"""The sync summary's counts are those of the rows read one at a time, whatever the batch size:
a row whose id an earlier row of the same sync had is counted against that row — unchanged if
it holds the same, written if it replaces it — as against the stored record when none did."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Workspace, survey_row


def two_exports() -> tuple[list[list[str]], list[list[str]]]:
    """Two files of one survey holding the same ids: R1–R5 alike, R6–R8 with another score, R9
    failing in the second file only, R10 failing in the first, and R11–R12 in the second only."""
    first = [survey_row(n, nps=12 if n == 10 else None) for n in range(1, 11)]
    second = [survey_row(n, nps={6: 1, 7: 2, 8: 3, 9: 12}.get(n)) for n in range(1, 13)]
    return first, second


def counted_one_at_a_time(stored: dict[str, object], files: dict[str, list[list[str]]]) -> dict[str, int]:
    """An independent count: each row (a record keeps its file and row number) against the last
    version of its id, `stored` before the sync; none after a failing one."""
    counts = {"read": 0, "written": 0, "unchanged": 0, "quarantined": 0}
    for name, rows in files.items():
        for number, row in enumerate(rows, start=2):
            counts["read"] += 1
            if row[3] == "12":
                counts["quarantined"] += 1
                stored[row[0]] = None
                continue
            counts["unchanged" if stored.get(row[0]) == (name, number, row) else "written"] += 1
            stored[row[0]] = (name, number, row)
    return counts


@pytest.mark.parametrize("batch_size", [1, 1000])
def test_rows_read_again_in_one_sync_are_counted_against_the_row_before_whatever_the_batch_size(tmp_path, batch_size):
    workspace = Workspace(tmp_path, batch_size=batch_size)
    first, second = two_exports()
    workspace.write_csv(first, "responses_a.csv")
    stored: dict[str, object] = {}
    assert counted(workspace.sync()) == counted_one_at_a_time(stored, {"responses_a.csv": first})
    workspace.write_csv(second, "responses_b.csv")  # read after the first again, which reads the same
    again = counted_one_at_a_time(stored, {"responses_a.csv": first, "responses_b.csv": second})
    assert counted(workspace.sync(full_refresh=True)) == again == {"read": 22, "written": 11, "unchanged": 9,
                                                                   "quarantined": 2}  # fmt: skip


def counted(synced) -> dict[str, int]:
    result = synced.results[0]
    return {"read": result.read, "written": result.written, "unchanged": result.unchanged,
            "quarantined": result.quarantined}  # fmt: skip


@pytest.mark.parametrize("batch_size", [1, 1000])
def test_a_first_sync_of_two_exports_with_the_same_ids_counts_each_row_once(tmp_path, batch_size):
    workspace = Workspace(tmp_path, batch_size=batch_size)
    first, second = two_exports()
    workspace.write_csv(first, "responses_a.csv")
    workspace.write_csv(second, "responses_b.csv")
    files = {"responses_a.csv": first, "responses_b.csv": second}
    assert counted(workspace.sync()) == counted_one_at_a_time({}, files) == {"read": 22, "written": 20,
                                                                            "unchanged": 0, "quarantined": 2}  # fmt: skip


@pytest.mark.parametrize("batch_size", [4, 1000])
def test_two_exports_of_fifteen_alike_rows_count_as_the_docs_say(tmp_path, batch_size):
    """docs/cli.md: `30 read · 30 written · 0 unchanged` for two files of 15 alike rows, 15 records stored."""
    workspace = Workspace(tmp_path, batch_size=batch_size)
    rows = [survey_row(n) for n in range(1, 16)]
    files = {"responses_a.csv": rows, "responses_b.csv": rows}
    for name, written in files.items():
        workspace.write_csv(written, name)
    assert counted(workspace.sync()) == counted_one_at_a_time({}, files) == {"read": 30, "written": 30,
                                                                            "unchanged": 0, "quarantined": 0}  # fmt: skip
    assert workspace.query("SELECT count(*) FROM feedback") == [(15,)]
    runs = "SELECT records_read, records_written, records_unchanged, records_quarantined FROM sync_runs"
    assert workspace.query(runs) == [(30, 30, 0, 0)]  # what cxbridge status shows
    assert "30 read · 30 written · 0 unchanged" in (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
