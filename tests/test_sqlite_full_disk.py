"""A SQLite file that cannot take a write — a full disk — fails the sync with one message saying
what happened and what to do, without blaming the source's plugin; the batches committed before
stay, and the sync after space was freed writes the rest.

The disk is "full" by SQLite's own `max_page_count`: the file may not grow past the pages it has,
and SQLite answers the next write that needs a page with SQLITE_FULL, as it does on a full disk."""

from __future__ import annotations

from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from tests.conftest import Workspace, survey_row


def full_at_its_current_size(monkeypatch) -> None:
    open_ = SQLiteDestination.open

    def open_on_a_full_disk(self, *, read_only: bool = False) -> None:
        open_(self, read_only=read_only)
        [(pages,)] = self.db.conn.execute("PRAGMA page_count").fetchall()
        self.db.conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(SQLiteDestination, "open", open_on_a_full_disk)


def test_a_full_disk_is_one_clear_error_and_the_sync_after_writes_the_rest(workspace: Workspace, monkeypatch):
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    workspace.write_csv([survey_row(n) for n in range(1, 2001)])
    with monkeypatch.context() as patched:
        full_at_its_current_size(patched)
        result = CliRunner().invoke(cli, ["sync"])
    printed = result.output + result.stderr
    assert result.exit_code != 0 and "Traceback" not in printed and "a bug in the" not in printed
    assert f"cannot write {workspace.db}: the disk is full" in printed
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(3,)]  # the first sync's, nothing half-written

    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    stored = sorted(row[0] for row in workspace.query("SELECT source_record_id FROM feedback"))
    assert stored == sorted(survey_row(n)[0] for n in range(1, 2001))
