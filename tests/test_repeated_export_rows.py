"""A response in two export files of one source counts once. Rows without an id column are keyed
by their file, so the same row in another file is a record of its own: a Google Forms sheet
downloaded each month (every file holds all the responses so far), exports of overlapping weeks,
a file renamed or copied in the folder. Such rows — the same respondent at the same instant with
the same answers — are one response (`duplicate_of`, docs/identity.md): the figures and the
cases are worked out here from the distinct responses."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.conftest import nps_figures

NPS = "How likely are you to recommend us to a friend?"
JANUARY = [("1/5/2026 10:00:00", "ann@example.com", 10), ("1/12/2026 11:00:00", "bob@example.com", 3),
           ("1/20/2026 09:30:00", "cy@example.com", 8)]  # fmt: skip
FEBRUARY = [("2/3/2026 09:00:00", "dee@example.com", 9), ("2/9/2026 16:45:00", "bob@example.com", 5)]
CONFIG = f"""
[sources.forms]
connector = "csv"
path = "exports/*.csv"
program = "voc"
date_order = "mdy"

[sources.forms.columns]
submitted_at = "Timestamp"
email = "Email Address"

[[sources.forms.metrics]]
column = "{NPS}"
metric = "nps"
"""


def download(path: Path, rows: list[tuple[str, str, int]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Timestamp", "Email Address", NPS], *rows])


def expected(responses: list[tuple[str, str, int]]) -> dict[str, tuple[int, float]]:
    """Per month of the distinct responses: answers and NPS."""
    scores: dict[str, list[int]] = defaultdict(list)
    for when, _, score in set(responses):
        month, _, year = when.split()[0].split("/")
        scores[f"{year}-{int(month):02d}"].append(score)
    return {month: nps_figures(given) for month, given in scores.items()}


def run(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--config", str(folder / "cxbridge.toml")])
    assert result.exit_code == 0, result.output
    return result.stdout


def figures(folder: Path) -> dict[str, tuple[int, float]]:
    shown = json.loads(run(folder, "report", "--format", "json"))
    by_view = sqlite3.connect(folder / "cxbridge.db").execute("SELECT month, responses, nps FROM nps_by_month").fetchall()
    reported = {row["month"]: (row["responses"], row["score"]) for row in shown}
    assert {month: (n, nps) for month, n, nps in by_view} == reported, "the view a BI tool reads agrees"
    return reported


def cases(folder: Path) -> int:
    return sqlite3.connect(folder / "cxbridge.db").execute("SELECT COUNT(*) FROM feedback_cases").fetchone()[0]


def test_monthly_downloads_of_one_form_each_holding_every_response_so_far_count_each_response_once(tmp_path):
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "exports").mkdir()
    download(tmp_path / "exports" / "responses_2026-01.csv", JANUARY)
    run(tmp_path, "sync")
    download(tmp_path / "exports" / "responses_2026-02.csv", JANUARY + FEBRUARY)
    run(tmp_path, "sync")
    assert figures(tmp_path) == expected(JANUARY + FEBRUARY)
    assert cases(tmp_path) == 2, "bob's two detractor answers, each one case"

    (tmp_path / "exports" / "responses_2026-01.csv").unlink()  # the older download tidied away
    run(tmp_path, "sync", "--full-refresh", "--prune")
    assert figures(tmp_path) == expected(JANUARY + FEBRUARY)


def test_a_file_renamed_or_copied_in_the_folder_counts_its_responses_once(tmp_path):
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "exports").mkdir()
    download(tmp_path / "exports" / "responses.csv", JANUARY)
    run(tmp_path, "sync")
    (tmp_path / "exports" / "responses.csv").rename(tmp_path / "exports" / "responses_january.csv")
    shutil.copy(tmp_path / "exports" / "responses_january.csv", tmp_path / "exports" / "responses_january (1).csv")
    run(tmp_path, "sync")
    assert figures(tmp_path) == expected(JANUARY)
    assert cases(tmp_path) == 1


def test_with_merge_exact_copies_off_repeated_rows_each_count_and_are_reported_as_exact_copies(tmp_path):
    """docs/identity.md: `merge_exact_copies = false` counts every copy, and `cxbridge duplicates`
    still lists each response with copies, none of them left out of the views."""
    (tmp_path / "cxbridge.toml").write_text(CONFIG + "\n[identity]\nmerge_exact_copies = false\n", encoding="utf-8")
    (tmp_path / "exports").mkdir()
    download(tmp_path / "exports" / "responses_2026-01.csv", JANUARY)
    download(tmp_path / "exports" / "responses_2026-02.csv", JANUARY + FEBRUARY)
    run(tmp_path, "sync")
    assert figures(tmp_path) == expected(JANUARY + JANUARY + FEBRUARY) | {"2026-01": nps_figures([10, 3, 8] * 2)}
    report = json.loads(run(tmp_path, "duplicates", "--format", "json"))
    assert report["counts"] == {"same_as": 0, "exact_copy": 3, "likely_duplicate": 0, "counted_once": 0}
    assert [(group["merged"], len(group["records"])) for group in report["groups"]] == [(False, 2)] * 3
    assert all(record["duplicate_of"] is None for group in report["groups"] for record in group["records"])


def test_turning_merge_exact_copies_off_counts_a_single_sources_repeated_rows_again_at_the_next_sync(tmp_path):
    """docs/identity.md: setting `merge_exact_copies = false` clears the pointers it set at the next
    sync — a dataset of one source too, whose copies are all rows repeated in its files."""
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "exports").mkdir()
    download(tmp_path / "exports" / "responses_2026-01.csv", JANUARY)
    download(tmp_path / "exports" / "responses_2026-02.csv", JANUARY + FEBRUARY)
    run(tmp_path, "sync")
    assert figures(tmp_path) == expected(JANUARY + FEBRUARY)
    (tmp_path / "cxbridge.toml").write_text(CONFIG + "\n[identity]\nmerge_exact_copies = false\n", encoding="utf-8")
    run(tmp_path, "sync")
    assert figures(tmp_path)["2026-01"] == nps_figures([10, 3, 8] * 2), "each file's copy counts again"
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    run(tmp_path, "sync")
    assert figures(tmp_path) == expected(JANUARY + FEBRUARY), "and once more when it is turned back on"


def test_turning_merge_exact_copies_on_after_a_first_sync_without_it_counts_repeated_rows_once_and_says_so_once(tmp_path):
    """A dataset of one source synced with merging off from its first sync kept counting each copy
    once merging was turned on, in silence: only `--full-refresh` linked them. A change of the
    rules is applied by one pass at the next sync (docs/identity.md#when-it-is-decided)."""
    (tmp_path / "cxbridge.toml").write_text(CONFIG + "\n[identity]\nmerge_exact_copies = false\n", encoding="utf-8")
    (tmp_path / "exports").mkdir()
    download(tmp_path / "exports" / "responses_2026-01.csv", JANUARY)
    download(tmp_path / "exports" / "responses_2026-02.csv", JANUARY + FEBRUARY)
    run(tmp_path, "sync")
    assert figures(tmp_path)["2026-01"] == nps_figures([10, 3, 8] * 2)
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    printed = CliRunner().invoke(cli, ["sync", "--config", str(tmp_path / "cxbridge.toml")]).stderr
    assert figures(tmp_path) == expected(JANUARY + FEBRUARY)
    assert printed.count("3 rows repeated in the export files of source 'forms'") == 1, printed
    again = CliRunner().invoke(cli, ["sync", "--config", str(tmp_path / "cxbridge.toml")]).stderr
    assert "repeated in the export files" not in again, "said once"


# -- rows naming nobody: told of, each copy counted ----------------------------------------------

NAMELESS = [(f"2026-01-{day:02d} 10:{day:02d}:{day + 7:02d}", f"S{day % 2}", score)
            for day, score in zip(range(1, 11), [10, 9, 3, 7, 10, 6, 9, 2, 8, 10], strict=True)]  # fmt: skip
NAMELESS_CONFIG = f"""
[sources.kiosk]
connector = "csv"
path = "exports/*.csv"
program = "voc"

[sources.kiosk.columns]
submitted_at = "Submitted"
location_id = "Store"

[[sources.kiosk.metrics]]
column = "{NPS}"
metric = "nps"
"""


def kiosk_export(path: Path, rows: list[tuple[str, str, int]], *, ids: list[int] | None = None) -> None:
    header = ["Submitted", "Store", NPS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        if ids is None:
            csv.writer(handle).writerows([header, *rows])
        else:
            numbered = ([n, *row] for n, row in zip(ids, rows, strict=True))
            csv.writer(handle).writerows([["Response", *header], *numbered])


def test_rows_naming_nobody_repeated_across_two_files_each_count_and_the_sync_says_which_files(tmp_path):
    """Nothing but their time, store and answers tells two such rows, and two people can give those
    alike: each copy counts (docs/identity.md), and the summary names the files and the fixes."""
    (tmp_path / "cxbridge.toml").write_text(NAMELESS_CONFIG, encoding="utf-8")
    (tmp_path / "exports").mkdir()
    kiosk_export(tmp_path / "exports" / "january.csv", NAMELESS[:7])
    kiosk_export(tmp_path / "exports" / "q1.csv", NAMELESS[4:])  # rows 5 to 7 in both
    summary = run(tmp_path, "sync")
    assert "3 rows naming nobody (no id column, no e-mail or phone) repeat exactly across files january.csv and q1.csv" in (
        summary
    )
    assert "map the response's id column as `columns.id`" in summary
    assert figures(tmp_path) == {"2026-01": nps_figures([score for _, _, score in NAMELESS[:7] + NAMELESS[4:]])}


@pytest.mark.parametrize("url", ["duckdb:///cx.duckdb", "parquet:///parquet", "postgresql"])
def test_rows_naming_nobody_repeated_across_files_are_told_of_in_duckdb_parquet_and_postgresql_too(tmp_path, url, request):
    (tmp_path / "parquet").mkdir()
    if url == "postgresql":  # answers and raw are jsonb there
        url = request.getfixturevalue("postgres_database")("nameless")
    (tmp_path / "cxbridge.toml").write_text(f'[destination]\nurl = "{url}"\n{NAMELESS_CONFIG}', encoding="utf-8")
    (tmp_path / "exports").mkdir()
    kiosk_export(tmp_path / "exports" / "january.csv", NAMELESS[:7])
    kiosk_export(tmp_path / "exports" / "q1.csv", NAMELESS[4:])
    assert "3 rows naming nobody (no id column, no e-mail or phone) repeat exactly across files january.csv and q1.csv" in (
        run(tmp_path, "sync")
    )


def test_rows_naming_nobody_repeated_within_one_file_or_under_an_id_column_are_not_told_of(tmp_path):
    """Two alike rows of one export are two responses (its own word), and rows under an id column
    are one record when one response is read twice: neither is a repeat to tell of."""
    (tmp_path / "cxbridge.toml").write_text(NAMELESS_CONFIG, encoding="utf-8")
    (tmp_path / "exports").mkdir()
    kiosk_export(tmp_path / "exports" / "january.csv", NAMELESS[:7] + NAMELESS[4:5])
    kiosk_export(tmp_path / "exports" / "february.csv", NAMELESS[7:])
    assert "naming nobody" not in run(tmp_path, "sync")
    assert figures(tmp_path) == {"2026-01": nps_figures([score for _, _, score in NAMELESS + NAMELESS[4:5]])}

    config = NAMELESS_CONFIG.replace('location_id = "Store"\n', 'location_id = "Store"\nid = "Response"\n')
    (tmp_path / "cxbridge.toml").write_text(config, encoding="utf-8")
    (tmp_path / "cxbridge.db").unlink()
    kiosk_export(tmp_path / "exports" / "january.csv", NAMELESS[:7], ids=[1, 2, 3, 4, 5, 6, 7])
    kiosk_export(tmp_path / "exports" / "february.csv", NAMELESS[4:], ids=[15, 16, 17, 8, 9, 10])
    assert "naming nobody" not in run(tmp_path, "sync")
    assert figures(tmp_path) == {"2026-01": nps_figures([score for _, _, score in NAMELESS[:7] + NAMELESS[4:]])}


def test_monthly_downloads_naming_nobody_are_told_of_by_pair_of_files_at_each_sync_that_writes(tmp_path):
    """A sheet downloaded monthly, every download holding all the answers so far: each sync that
    writes says how many rows are counted beyond the fullest file's, and which files hold them."""
    (tmp_path / "cxbridge.toml").write_text(NAMELESS_CONFIG, encoding="utf-8")
    (tmp_path / "exports").mkdir()
    kiosk_export(tmp_path / "exports" / "january.csv", NAMELESS[:4])
    assert "naming nobody" not in run(tmp_path, "sync")
    kiosk_export(tmp_path / "exports" / "february.csv", NAMELESS[:7])
    assert "4 rows naming nobody" in run(tmp_path, "sync")
    kiosk_export(tmp_path / "exports" / "march.csv", NAMELESS)
    summary = run(tmp_path, "sync")
    assert (
        "11 rows naming nobody (no id column, no e-mail or phone) repeat exactly across its files (february.csv and "
        "march.csv: 7; february.csv and january.csv: 4; january.csv and march.csv: 4)"
    ) in summary
    assert "naming nobody" not in run(tmp_path, "sync"), "a sync that writes nothing tells nothing again"
