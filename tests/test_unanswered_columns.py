"""A mapped scored column that no row of a file read in this run answers — every cell blank, or
an answer the mapping reads as none ("N/A", an `ignore_values` entry) — is named under the
source's ✔ line (`⚠`), in `--format json` and in the `-vv` log, per file and sheet: nothing was
scored from it, and its metric would vanish from its view without a word. A file read on from
where the last read ended is named only when 20 rows or more were appended (docs/files.md, Bad
rows and bad files)."""

from __future__ import annotations

import csv
import json
import shutil
from itertools import takewhile
from pathlib import Path

from click.testing import CliRunner
from cxbridge.cli.main import cli

from tests.conftest import ROOT, SURVEY_HEADER, Workspace, survey_row
from tests.sqlite_runs import query, sync_source
from tests.test_file_sources import EXCEL_SOURCE, HEADER, workbook_rows
from tests.workbooks import write_xlsx

EFFORT = SURVEY_HEADER.index("effort")


def advice(column: str = "effort", source: str = "survey") -> str:
    """What the warning of a source's column tells to do, once nothing was scored from it."""
    return (": nothing was scored from it; check the export (a question left out of the survey?) or remove the "
            f"[[sources.{source}.metrics]] entry of column {column!r}")  # fmt: skip


def responses(first: int, last: int, *, effort: str | None = None) -> list[list[str]]:
    """Responses `first`..`last`, each with the `effort` answer given (else the usual one)."""
    made = [survey_row(n) for n in range(first, last + 1)]
    for row in made:
        row[EFFORT] = row[EFFORT] if effort is None else effort
    return made


def sync(*args: str):
    return CliRunner().invoke(cli, ["sync", *args], catch_exceptions=False)


def warning_lines(output: str) -> list[str]:
    return [line.removeprefix("  ⚠ ") for line in output.splitlines() if line.startswith("  ⚠ ")]


def append(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def test_a_blank_scored_column_is_named_under_the_success_line_and_in_json(workspace: Workspace):
    workspace.write_csv(responses(1, 12, effort=""))
    result = sync()
    assert result.exit_code == 0
    assert "✔ survey (csv): 12 read · 12 written" in result.output
    expected = f"column 'effort' (ces) is blank in all 12 rows of responses.csv{advice()}"
    assert warning_lines(result.output) == [expected]
    assert workspace.query("SELECT count(*) FROM ces_by_month") == [(0,)]  # what it warns of
    [summary] = [json.loads(line) for line in sync("--full-refresh", "--format", "json").stdout.splitlines()]
    assert summary["status"] == "success" and summary["warnings"] == [expected]


def test_a_column_of_answers_read_as_none_holds_no_answer(workspace: Workspace):
    rows = responses(1, 6, effort="N/A") + responses(7, 9, effort="")
    workspace.write_csv(rows)
    assert warning_lines(sync().output) == [
        "column 'effort' (ces) holds no answer in all 9 rows of responses.csv (each is blank or an answer read as "
        f"none, such as 'N/A'){advice()}"
    ]


def test_values_the_mapping_ignores_are_no_answer(workspace: Workspace):
    workspace.config.write_text(workspace.config.read_text() + "ignore_values = [99]\n")
    workspace.write_csv(responses(1, 5, effort="99"))
    assert warning_lines(sync().output) == [
        "column 'effort' (ces) holds no answer in all 5 rows of responses.csv (each is blank or an answer read as "
        f"none, such as '99'){advice()}"
    ]


def test_one_answer_in_the_file_is_enough_and_answers_off_the_scale_are_answers(workspace: Workspace):
    rows = responses(1, 10, effort="")
    rows[-1][EFFORT] = "4"
    workspace.write_csv(rows)
    workspace.write_csv(responses(11, 14, effort="12"), name="responses_off_scale.csv")
    result = sync()
    assert "4 quarantined" in result.output  # every row of the second file: its answers are 12 of 7
    assert warning_lines(result.output) == []


def test_only_the_file_whose_column_is_blank_is_named(workspace: Workspace):
    workspace.write_csv(responses(1, 8), name="responses_2024.csv")
    workspace.write_csv(responses(9, 15, effort=""), name="responses_2025.csv")
    result = sync()
    assert "15 read · 15 written" in result.output
    assert warning_lines(result.output) == [
        f"column 'effort' (ces) is blank in all 7 rows of responses_2025.csv{advice()}"
    ]
    assert workspace.query("SELECT sum(responses) FROM ces_by_month") == [(8,)]


def test_rows_appended_are_named_only_when_twenty_or_more_leave_it_blank(workspace: Workspace):
    path = workspace.write_csv(responses(1, 10))
    assert warning_lines(sync().output) == []
    append(path, responses(11, 12, effort=""))  # an optional question two new respondents skipped
    result = sync()
    assert "2 read · 2 written" in result.output and warning_lines(result.output) == []
    append(path, responses(13, 32, effort=""))  # the question left out of the export from now on
    result = sync()
    assert "20 read · 20 written" in result.output
    assert warning_lines(result.output) == [
        f"column 'effort' (ces) is blank in all 20 rows appended to responses.csv since the last sync (read in this "
        f"run){advice()}"
    ]
    assert warning_lines(sync("--full-refresh").output) == []  # read whole, its first rows answer it


def test_a_small_file_read_whole_is_named(workspace: Workspace):
    workspace.write_csv(responses(1, 1, effort=""))
    assert warning_lines(sync().output) == [f"column 'effort' (ces) is blank in the only row of responses.csv{advice()}"]


def test_the_verbose_log_names_it(workspace: Workspace):
    workspace.write_csv(responses(1, 3, effort=""))
    log = CliRunner().invoke(cli, ["-vv", "sync"]).stderr
    assert f"INFO cxbridge.files: column 'effort' (ces) is blank in all 3 rows of responses.csv{advice()}" in log


def test_each_sheet_of_a_workbook_is_counted_on_its_own(tmp_path: Path):
    blank = [row[:3] + [None] + row[4:] for row in workbook_rows(4, start=10)]
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(3)], "Q2": [HEADER, *blank]})
    result = sync_source(tmp_path, EXCEL_SOURCE)
    assert (result.read, result.written) == (7, 7)
    assert result.warnings == [
        f"column 'How satisfied are you?' (csat) is blank in all 4 rows of nps_2024.xlsx [Q2]{advice('How satisfied are you?')}"
    ]


def test_the_example_network_with_its_effort_column_emptied_says_so(tmp_path: Path, monkeypatch):
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "data")
    shutil.copy(ROOT / "examples" / "cxbridge.toml", tmp_path / "cxbridge.toml")
    monkeypatch.chdir(tmp_path)
    assert not [line for line in warning_lines(sync().output) if "nothing was scored" in line]
    path = tmp_path / "data" / "store_nps_2025.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    effort = "The store made it easy to find what I needed"
    for row in rows:
        row[header.index(effort)] = ""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    result = sync()
    assert result.exit_code == 0
    lines = result.output.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("✔ store_nps (csv)"))
    expected = f"column {effort!r} (ces) is blank in all {len(rows)} rows of store_nps_2025.csv{advice(effort, 'store_nps')}"
    under = list(takewhile(lambda line: line.startswith("  "), lines[at + 1 :]))  # the quarantine rules, then warnings
    assert f"  ⚠ {expected}" in under, under
    assert [line for line in warning_lines(result.output) if "nothing was scored" in line] == [expected]
    assert query(tmp_path, "SELECT count(*) FROM feedback_scores WHERE metric = 'ces'") == [(0,)]


def test_an_import_s_warning_names_the_mapping_the_import_read(tmp_path: Path, monkeypatch):
    """An import with no mapping given reads a workbook whose second sheet left the effort question
    blank: the warning said to remove "the column's [[metrics]] entry from the mapping", which such
    an import has none of; it names the mapping `inspect --write-mapping` saves, or the --mapping."""
    monkeypatch.chdir(tmp_path)
    header = ["Response ID", "Submitted", "How likely are you to recommend us?", "How easy was it to get help? (1-5)"]
    march = [[f"R{n}", f"2024-03-{n:02d} 10:00", n % 11, n % 5 + 1] for n in range(1, 13)]
    april = [[f"S{n}", f"2024-04-{n:02d} 10:00", n % 11, None] for n in range(1, 13)]
    write_xlsx(tmp_path / "pulse.xlsx", {"March": [header, *march], "April": [header, *april]})
    column = header[3]
    blank = f"column {column!r} (ces) is blank in all 12 rows of pulse.xlsx [April]: nothing was scored from it; "
    result = CliRunner().invoke(cli, ["import", "pulse.xlsx", "--db", "x.db"], catch_exceptions=False)
    assert result.exit_code == 0
    assert warning_lines(result.output) == [
        f"{blank}check the export (a question left out of the survey?) or remove the [[metrics]] entry of column "
        f"{column!r} in a mapping saved by `cxbridge inspect pulse.xlsx --write-mapping mapping.toml` (then imported "
        "with `--mapping mapping.toml`)"
    ]
    assert CliRunner().invoke(cli, ["inspect", "pulse.xlsx", "--write-mapping", "saved.toml"]).exit_code == 0
    again = CliRunner().invoke(cli, ["import", "pulse.xlsx", "--db", "y.db", "--mapping", "saved.toml"])
    assert warning_lines(again.output) == [
        f"{blank}check the export (a question left out of the survey?) or remove the [[metrics]] entry of column "
        f"{column!r} in saved.toml"
    ]
