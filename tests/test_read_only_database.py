"""A SQLite database the sync may not write (chmod 444, a file of another account): the sync
says so, naming the file, and once it is writable again the next sync writes — although SQLite
left the `-wal` and `-shm` files it made while the database was read-only read-only too."""

from __future__ import annotations

import os

import pytest

from tests.conftest import Workspace, survey_row
from tests.permissions import cxbridge, said
from tests.services import service_missing


@pytest.fixture
def read_only(workspace: Workspace):
    """The database made read-only by the test; the folder's files given write access back after."""
    yield lambda: workspace.db.chmod(0o444)
    for path in workspace.root.glob("cxbridge.db*"):
        path.chmod(0o644)


@pytest.mark.parametrize("between", [[], [["status"]], [["report"], ["sync"]]], ids=["", "status", "report, sync"])
def test_a_read_only_database_is_named_and_the_sync_after_it_is_writable_again_writes(
    workspace: Workspace, read_only, between: list[list[str]]
):
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    assert workspace.sync().exit_code == 0  # the files to take access from: made in this process
    read_only()
    workspace.write_csv([survey_row(n) for n in range(1, 6)])

    refused = cxbridge("sync", cwd=workspace.root)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"cannot write {workspace.db}: cxbridge.db is read-only: give the sync write access" in said(refused)
    for command in between:  # the commands an operator runs meanwhile; each leaves no file behind it cannot write
        assert "Traceback" not in cxbridge(*command, cwd=workspace.root).stderr

    workspace.db.chmod(0o644)  # the database only: the operator knows no other file
    again = cxbridge("sync", cwd=workspace.root)
    assert again.returncode == 0, said(again)
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(5,)]


def test_a_side_file_of_another_account_is_named(workspace: Workspace, read_only):
    if os.geteuid() != 0:
        service_missing("only root can give the test's file to another account: run the tests as root, as CI does")
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    assert workspace.sync().exit_code == 0  # the files to take access from: made in this process
    read_only()
    assert cxbridge("status", cwd=workspace.root).returncode == 0  # leaves cxbridge.db-shm as read-only as the db
    workspace.db.chmod(0o644)
    os.chown(workspace.root / "cxbridge.db-shm", 65534, 65534)  # an analyst's status left it: not the sync's to change

    refused = cxbridge("sync", cwd=workspace.root)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"cannot write {workspace.db}: cxbridge.db-shm is read-only: give the sync write access to it" in said(refused)
