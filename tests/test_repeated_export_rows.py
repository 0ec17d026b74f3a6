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
