"""DuckDB's FatalException — an internal error, such as a checkpoint that could not get memory —
invalidates the database for the rest of the process: every later statement, the rollback and
the close fail the same way. A sync says so in one line (what is kept, what to do), with no
traceback and without blaming the source's plugin, and the next sync writes everything.

DuckDB offers no statement that fails this way on purpose, so the error is injected: from the
first write of records on, every statement of the destination raises it, as DuckDB's do."""

from __future__ import annotations

import duckdb
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from tests.conftest import Workspace, survey_row

FATAL = "FATAL Error: Failed: database has been invalidated because of a previous fatal error."


def invalidating_at_first_record_write(monkeypatch) -> None:
    execute, set_limit = DuckDBDestination.execute, DuckDBDestination._set_limit
    invalidated: list[DuckDBDestination] = []

    def failing_execute(self, sql, params=()):
        if self in invalidated or sql.startswith("INSERT INTO feedback "):
            invalidated.append(self)
            raise duckdb.FatalException(FATAL)
        return execute(self, sql, params)

    def failing_set_limit(self, limit_mb):  # the limit set as the destination closes
        if self in invalidated:
            raise duckdb.FatalException(FATAL)
        set_limit(self, limit_mb)

    monkeypatch.setattr(DuckDBDestination, "execute", failing_execute)
    monkeypatch.setattr(DuckDBDestination, "_set_limit", failing_set_limit)


def test_an_invalidated_database_is_one_clear_error_and_the_next_sync_writes_everything(
    workspace: Workspace, monkeypatch
):
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    path = workspace.root / "cx.duckdb"
    with monkeypatch.context() as patched:
        invalidating_at_first_record_write(patched)
        result = CliRunner().invoke(cli, ["sync", "--destination", f"duckdb:///{path}"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output + result.stderr
    assert "a bug in the" not in result.output + result.stderr
    assert f"DuckDB stopped writing {path} after an internal error" in result.output + result.stderr
    assert "run the sync again" in result.output + result.stderr

    again = CliRunner().invoke(cli, ["sync", "--destination", f"duckdb:///{path}"])
    assert again.exit_code == 0, again.output + again.stderr
    with duckdb.connect(str(path), read_only=True) as conn:
        stored = sorted(row[0] for row in conn.execute("SELECT source_record_id FROM feedback").fetchall())
    assert stored == sorted(survey_row(n)[0] for n in range(1, 6))
