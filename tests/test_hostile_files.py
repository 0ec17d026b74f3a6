"""Hostile and odd input files (issue 13): a quote left open, classic Mac OS line endings and
poison cells are reported or quarantined by row, never imported short with a ✔ and never
reported as a plugin bug."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from cxbridge.cli.main import cli

from cxbridge import plugins_host
from cxbridge.tabular.delimited import detect_delimiter
from tests.sqlite_runs import query, sync_source

SOURCE = {
    "connector": "csv", "path": "responses.csv", "timezone": "UTC",
    "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment"},
    "metrics": [{"column": "nps", "metric": "nps"}, {"column": "csat", "metric": "csat", "scale": [1, 5]}],
}  # fmt: skip
HEADER = "id,submitted,nps,csat,comment\n"


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def good_rows(count: int, *, start: int = 1) -> str:
    return "".join(f"R{n},2024-01-{n % 28 + 1:02d} 10:00,{n % 11},{n % 5 + 1},fine\n" for n in range(start, start + count))


def stored_ids(folder) -> list[str]:
    return sorted(row[0] for row in query(folder, "SELECT source_record_id FROM feedback"))


def test_a_quote_left_open_fails_the_file_naming_its_row_and_the_rows_before_it_are_kept(tmp_path):
    before, after = good_rows(250), good_rows(3, start=300)
    broken = 'R299,2024-02-01 10:00,9,5,"Great service\n'
    (tmp_path / "responses.csv").write_text(HEADER + before + broken + after)
    result = sync_source(tmp_path, SOURCE)
    assert result.status == "failed" and result.written == 250
    assert result.error.startswith("responses.csv: row 252 (line 252) opens a quoted cell that is never closed")
    assert "taking in the 3 lines after it" in result.error
    assert stored_ids(tmp_path) == sorted(f"R{n}" for n in range(1, 251))

    (tmp_path / "responses.csv").write_text(HEADER + before + broken.replace("service\n", 'service"\n') + after)
    fixed = sync_source(tmp_path, SOURCE)
    assert (fixed.status, fixed.written, fixed.unchanged) == ("success", 4, 250)


def test_a_quote_left_open_on_the_first_data_row_writes_nothing(tmp_path):
    (tmp_path / "responses.csv").write_text(HEADER + 'R1,2024-01-01 10:00,9,5,"Great\nR2,2024-01-02 10:00,7,4,ok\n')
    result = sync_source(tmp_path, SOURCE)
    assert (result.status, result.read, result.written) == ("failed", 0, 0)
    assert "row 2 (line 2) opens a quoted cell that is never closed" in result.error


def test_a_row_spanning_more_than_max_row_lines_fails_but_a_comment_with_line_breaks_reads(tmp_path):
    comment = 'R1,2024-01-01 10:00,9,5,"first line\nsecond line\nthird line"\n'
    swallowed = 'R2,x,1,1,"opened here\n' + good_rows(6, start=10) + 'R99,2024-01-01 10:00,1,1,"closed far below"\n'
    (tmp_path / "responses.csv").write_text(HEADER + comment)
    assert sync_source(tmp_path, SOURCE | {"max_row_lines": 5}).written == 1
    assert query(tmp_path, "SELECT comment FROM feedback") == [("first line\nsecond line\nthird line",)]

    (tmp_path / "responses.csv").write_text(HEADER + comment + swallowed)
    result = sync_source(tmp_path, SOURCE | {"max_row_lines": 5})
    assert result.status == "failed" and "row 3 (line 5) runs over more than 5 lines" in result.error
    assert "'max_row_lines'" in result.error


def test_a_cell_over_the_size_limit_names_its_row(tmp_path):
    (tmp_path / "responses.csv").write_text(HEADER + good_rows(2) + f'R3,2024-01-01 10:00,9,5,"{"x" * 2000}"\n')
    limit = csv.field_size_limit(1000)
    try:
        result = sync_source(tmp_path, SOURCE)
    finally:
        csv.field_size_limit(limit)
    assert result.status == "failed" and "responses.csv: row 4: malformed CSV (field larger than field limit" in (
        result.error
    )


def test_classic_mac_line_endings_are_sniffed_and_read_like_any_others(tmp_path):
    lines = ["id;submitted;nps;csat;comment", "R1;2024-01-01 10:00;9;5;good, fine", "R2;2024-01-02 10:00;7;4;ok",
             "R3;2024-01-03 10:00;3;2;bad, awful", 'R4;2024-01-04 10:00;10;5;"two\rlines"']  # fmt: skip
    text = "\r".join(lines) + "\r"
    assert detect_delimiter(text).delimiter == ";"
    (tmp_path / "responses.csv").write_bytes(text.encode())
    result = sync_source(tmp_path, SOURCE)
    assert (result.status, result.read, result.written) == ("success", 4, 4)
    assert query(tmp_path, "SELECT source_record_id, nps, csat, comment FROM feedback ORDER BY 1") == [
        ("R1", 9, 5.0, "good, fine"), ("R2", 7, 4.0, "ok"), ("R3", 3, 2.0, "bad, awful"), ("R4", 10, 5.0, "two\rlines"),
    ]  # fmt: skip


POISON = {
    "R2": ("2024-01-02 10:00", "²", "4", "question 'nps': answer '²' is neither a number nor a known label"),
    "R3": ("2024-01-03 10:00", "7", "³", "question 'csat': answer '³' is neither a number nor a known label"),
    "R4": ("2024-01-04 10:00+25:00", "7", "4", "timestamp '2024-01-04 10:00+25:00' has the impossible UTC offset"),
    "R5": ("2024-01-05 10:00-23:60", "7", "4", "has the impossible UTC offset -23:60"),
    "R6": ("0001-01-01T00:00+05:00", "7", "4", "is outside the years 1–9999 once in UTC"),
    "R7": ("9999-12-31 23:59-05:00", "7", "4", "is outside the years 1–9999 once in UTC"),
}


def poison_file(folder) -> None:
    rows = [f"{key},{when},{nps},{csat},poison" for key, (when, nps, csat, _) in POISON.items()]
    (folder / "responses.csv").write_text(HEADER + good_rows(1) + "\n".join(rows) + "\n" + good_rows(1, start=8))


def test_poison_cells_are_quarantined_with_their_reason_and_the_rows_after_them_import(tmp_path):
    poison_file(tmp_path)
    result = sync_source(tmp_path, SOURCE)
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 8, 2, 6)
    assert stored_ids(tmp_path) == ["R1", "R8"]
    errors = dict(query(tmp_path, "SELECT source_record_id, error FROM quarantine"))
    assert errors.keys() == POISON.keys()
    for key, (*_, reason) in POISON.items():
        assert reason in errors[key], key
    again = sync_source(tmp_path, SOURCE | {"format": "plain"}, full_refresh=True)
    assert (again.status, again.written, again.quarantined) == ("success", 0, 6)


def test_cxbridge_import_reports_poison_cells_without_a_traceback(tmp_path):
    poison_file(tmp_path)
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "responses.csv"), "-d", f"sqlite:///{tmp_path}/x.db"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "a bug in" not in result.output
    assert "8 read" in result.output
