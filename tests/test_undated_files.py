"""Files of one source's glob told apart only by the dates inside (`export.csv` holding 2023,
`export (1).csv` 2024): the sync summary says so once, as `cxbridge inspect` does, and again
only when the glob finds another set of such files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.conftest import ROOT, Workspace, survey_row


def write_year(workspace: Workspace, year: int, name: str, first: int) -> Path:
    rows = [survey_row(n) for n in range(first, first + 4)]
    return workspace.write_csv([[row[0], row[1].replace("2025-", f"{year}-"), *row[2:]] for row in rows], name)


def synced(workspace: Workspace) -> list[str]:
    result = CliRunner().invoke(cli, ["sync", "--config", str(workspace.config), "--db", str(workspace.db)])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("  ⚠") and "carry no year" in line]


def test_files_told_apart_only_by_their_dates_are_told_once_in_the_sync_summary(tmp_path):
    workspace = Workspace(tmp_path)
    write_year(workspace, 2023, "responses.csv", 1)
    write_year(workspace, 2024, "responses (1).csv", 11)
    [told] = synced(workspace)
    assert told == (
        "  ⚠ responses (1).csv and responses.csv are one layout read as one source (path = "
        "'responses*.csv'), but their names carry no year: only the dates inside tell them apart (responses (1).csv "
        "from 2024, responses.csv from 2023), a sync reads them in name order (responses (1).csv first: where one id "
        "is in both, the file read last gives its row), and any file the glob finds later is read with them — to keep "
        "each year's file named by its year, rename them (responses_2023.csv, responses_2024.csv) and run cxbridge "
        "sync --full-refresh --prune --source survey (docs/files.md#yearly-files-as-one-source)"
    )
    assert told.strip() in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")  # the example docs/cli.md shows
    assert synced(workspace) == []  # told once
    write_year(workspace, 2024, "responses (1).csv", 21)  # the same files, one read whole again
    assert synced(workspace) == []
    write_year(workspace, 2025, "responses (2).csv", 31)  # another file the glob finds: told again, with it
    [again] = synced(workspace)
    assert "(responses (1).csv from 2024, responses (2).csv from 2025, responses.csv from 2023)" in again


def test_files_whose_names_carry_their_year_or_hold_one_year_are_not_told_of(tmp_path):
    workspace = Workspace(tmp_path)
    write_year(workspace, 2023, "responses_2023.csv", 1)
    write_year(workspace, 2024, "responses_2024.csv", 11)
    assert synced(workspace) == []
    write_year(workspace, 2024, "responses (kiosk).csv", 21)  # one year in two files: two kiosks, not yearly files
    write_year(workspace, 2024, "responses (till).csv", 31)
    assert synced(workspace) == []


def test_a_source_stored_without_raw_cannot_say_its_files_and_is_not_told_of(tmp_path):
    workspace = Workspace(tmp_path)
    workspace.config.write_text(workspace.config.read_text().replace("[settings]\n", "[settings]\nstore_raw = false\n"),
                                encoding="utf-8")  # fmt: skip
    write_year(workspace, 2023, "responses.csv", 1)
    write_year(workspace, 2024, "responses (1).csv", 11)
    assert synced(workspace) == []


def test_a_dataset_synced_before_it_was_told_is_told_at_its_next_sync_with_no_file_changed(tmp_path):
    workspace = Workspace(tmp_path)
    write_year(workspace, 2023, "responses.csv", 1)
    write_year(workspace, 2024, "responses (1).csv", 11)
    assert len(synced(workspace)) == 1
    workspace.query("DELETE FROM cxbridge_metadata WHERE name LIKE 'undated_files_told.%'")  # as an older cxbridge left it
    assert len(synced(workspace)) == 1
    assert synced(workspace) == []


def test_status_lists_the_files_told_of_until_they_are_renamed(tmp_path):
    workspace = Workspace(tmp_path)
    write_year(workspace, 2023, "responses.csv", 1)
    write_year(workspace, 2024, "responses (1).csv", 11)
    synced(workspace)
    status = CliRunner().invoke(cli, ["status", "--config", str(workspace.config), "--db", str(workspace.db)])
    assert ("files told apart only by the dates inside (docs/cli.md#files-told-apart-only-by-their-dates):\n"
            "  survey: responses (1).csv, responses.csv\n") in status.output  # fmt: skip
    shown = CliRunner().invoke(cli, ["status", "--format", "json", "--config", str(workspace.config),
                                     "--db", str(workspace.db)])  # fmt: skip
    assert json.loads(shown.output)["undated"] == [{"source": "survey", "files": ["responses (1).csv", "responses.csv"]}]
    (tmp_path / "responses.csv").rename(tmp_path / "responses_2023.csv")
    (tmp_path / "responses (1).csv").rename(tmp_path / "responses_2024.csv")
    result = CliRunner().invoke(cli, ["sync", "--full-refresh", "--prune", "--config", str(workspace.config),
                                      "--db", str(workspace.db)])  # fmt: skip
    assert result.exit_code == 0, result.output
    status = CliRunner().invoke(cli, ["status", "--config", str(workspace.config), "--db", str(workspace.db)])
    assert "told apart only by the dates" not in status.output


def test_files_imported_one_by_one_into_one_source_are_not_told_of(tmp_path):
    """`cxbridge import` of each download into one source: no glob reads them together, so no note
    (it named the last file as the glob and told to re-sync a source no config holds)."""
    workspace = Workspace(tmp_path)
    for year, name, first in ((2023, "export.csv", 1), (2024, "export (1).csv", 11)):
        write_year(workspace, year, name, first)
        result = CliRunner().invoke(cli, ["import", str(tmp_path / name), "--source", "export",
                                          "--db", str(tmp_path / "imported.db")])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "carry no year" not in result.output


def test_files_of_a_folder_path_are_told_of_as_a_globs_are(tmp_path):
    workspace = Workspace(tmp_path)
    workspace.config.write_text(workspace.config.read_text().replace('path = "responses*.csv"', 'path = "exports"'),
                                encoding="utf-8")  # fmt: skip
    (tmp_path / "exports").mkdir()
    write_year(workspace, 2023, "exports/responses.csv", 1)
    write_year(workspace, 2024, "exports/responses (1).csv", 11)
    [told] = synced(workspace)
    assert "(path = 'exports')" in told and "(responses (1).csv from 2024, responses.csv from 2023)" in told
