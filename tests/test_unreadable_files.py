"""A file of a source that the account running cxbridge may not read (chmod 000, another user's
file, a workbook another program holds locked): `cxbridge check` names it, and a sync fails that
file alone — naming it, why and what to do, never as a bug of the plugin — keeps the others, and
the next sync, once the file can be read, imports it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Workspace, survey_row
from tests.permissions import cxbridge, said
from tests.workbooks import write_xlsx


def csv_source(workspace: Workspace) -> tuple[Path, Path]:
    """The survey source reading two files, `a.csv` (3 rows) and `b.csv` (2 rows)."""
    workspace.config.write_text(workspace.config.read_text().replace('path = "responses*.csv"', 'path = "*.csv"'))
    good = workspace.write_csv([survey_row(n) for n in range(1, 4)], name="a.csv")
    return good, workspace.write_csv([survey_row(n) for n in range(10, 12)], name="b.csv")


def xlsx_source(workspace: Workspace) -> tuple[Path, Path]:
    """The survey source as an excel source of two workbooks: `a.xlsx` (3 rows), `b.xlsx` (2 rows)."""
    text = workspace.config.read_text().replace('connector = "csv"', 'connector = "excel"')
    workspace.config.write_text(text.replace('path = "responses*.csv"', 'path = "*.xlsx"'))
    header = ["id", "submitted", "store", "nps", "satisfaction", "effort", "comment", "email"]
    write_xlsx(workspace.root / "a.xlsx", {"2024": [header, *(survey_row(n) for n in range(1, 4))]})
    write_xlsx(workspace.root / "b.xlsx", {"2025": [header, *(survey_row(n) for n in range(10, 12))]})
    return workspace.root / "a.xlsx", workspace.root / "b.xlsx"


@pytest.fixture
def unreadable(request: pytest.FixtureRequest):
    """Files made unreadable by the test, given read access back afterwards (pytest removes them)."""
    made: list[Path] = []

    def unreadable(path: Path) -> None:
        path.chmod(0)
        made.append(path)

    yield unreadable
    for path in made:
        path.chmod(0o644)


@pytest.mark.parametrize("files", [csv_source, xlsx_source], ids=["csv", "excel"])
def test_a_file_without_read_access_is_named_with_what_to_do_and_the_others_import(
    workspace: Workspace, unreadable, files
):
    _, locked = files(workspace)
    unreadable(locked)

    checked = cxbridge("check", cwd=workspace.root)
    assert checked.returncode == 0 and "Traceback" not in checked.stderr
    assert f"{locked.name}: cannot read it (Permission denied)" in said(checked)

    synced = cxbridge("sync", cwd=workspace.root)
    assert synced.returncode == 1 and "Traceback" not in synced.stderr
    assert "bug" not in said(synced) and "PermissionError" not in said(synced)
    assert (
        f"failed: 1 of 2 files could not be read (the others were imported): {locked.name}: cannot read it "
        "(Permission denied); give the account that runs cxbridge read access to it"
    ) in said(synced)
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(3,)]

    locked.chmod(0o644)
    again = cxbridge("sync", cwd=workspace.root)
    assert again.returncode == 0, said(again)
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(5,)]


def test_a_file_read_before_that_lost_its_read_access_is_named_too(workspace: Workspace, unreadable):
    _, locked = csv_source(workspace)
    assert workspace.sync().exit_code == 0  # the files to take access from: made in this process
    os.utime(locked, ns=(0, 0))  # touched: only its bytes say whether it changed
    unreadable(locked)

    synced = cxbridge("sync", cwd=workspace.root)
    assert synced.returncode == 1 and "Traceback" not in synced.stderr
    assert "bug" not in said(synced) and f"{locked.name}: cannot read it (Permission denied)" in said(synced)
