"""A Parquet lake's `_cxbridge/views.sql` defines every table and view even while a table has no
file — no synced record had a comment, a CRM account, a case, or no record passed — and picks up
the files a later sync writes (docs/destinations.md, Parquet)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from cxbridge.layout import METADATA, TABLES
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.files import PARTITIONED, empty_select
from cxbridge.plugins.parquet.migrations import MIGRATIONS
from tests.conftest import Workspace, survey_row


def views_script_session(lake: Path, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    """`_cxbridge/views.sql` run as one script from DuckDB in Python, in the lake (docs/bi.md)."""
    monkeypatch.chdir(lake)
    conn = duckdb.connect()
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute((lake / "_cxbridge" / "views.sql").read_text(encoding="utf-8"))
    return conn


def defined_names(lake: Path) -> list[str]:
    return re.findall(r"CREATE OR REPLACE VIEW (\w+) AS", (lake / "_cxbridge" / "views.sql").read_text())


def counts(conn: duckdb.DuckDBPyConnection, lake: Path) -> dict[str, int]:
    """Every table's and view's row count, each read through the session's views."""
    return {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in defined_names(lake)}


def synced_lake(tmp_path: Path, rows: list[list[str]]) -> tuple[Workspace, Path]:
    workspace = Workspace(tmp_path / "work")
    workspace.write_csv(rows)
    lake = tmp_path / "lake"
    workspace.sync(destination=f"parquet:///{lake}")
    return workspace, lake


def test_every_view_reads_empty_while_its_table_has_no_file(tmp_path, monkeypatch):
    promoters = [survey_row(3, nps=10), survey_row(6, nps=9)]  # no comment, CRM account, case or bad row
    _, lake = synced_lake(tmp_path, promoters)
    found = counts(views_script_session(lake, monkeypatch), lake)
    assert (found["feedback"], found["feedback_scores"]) == (2, 6)
    assert found["feedback_comments"] == found["crm_accounts"] == found["feedback_cases"] == found["quarantine"] == 0
    assert set(found) >= {table.name for table in (*TABLES, METADATA)}


def test_a_lake_whose_every_record_failed_reads_its_record_tables_empty_with_their_columns(tmp_path, monkeypatch):
    bad = survey_row(1)
    bad[1] = "not a date"
    _, lake = synced_lake(tmp_path, [bad])
    conn = views_script_session(lake, monkeypatch)
    found = counts(conn, lake)
    assert found["quarantine"] == 1 and found["feedback"] == found["feedback_scores"] == 0
    for table in TABLES:  # the columns and types of the relation the destination reads a table without file as
        assert (
            conn.execute(f"DESCRIBE {table.name}").fetchall()
            == conn.execute(f"DESCRIBE {empty_select(table)}").fetchall()
        )


def test_a_session_s_views_pick_up_a_table_s_first_file_written_after_it_began(tmp_path, monkeypatch):
    workspace, lake = synced_lake(tmp_path, [survey_row(3)])
    conn = views_script_session(lake, monkeypatch)
    assert conn.execute("SELECT COUNT(*) FROM feedback_comments").fetchone() == (0,)
    workspace.write_csv([survey_row(3), survey_row(4)])  # R4's has a comment
    workspace.sync(destination=f"parquet:///{lake}")
    assert conn.execute("SELECT text FROM feedback_comments").fetchall() == [("comment 4",)]


@pytest.mark.parametrize("written_by", ["an older cxbridge", "this one, the files deleted since"])
def test_a_lake_without_the_empty_files_gains_them_at_its_next_sync(tmp_path, monkeypatch, written_by: str):
    workspace, lake = synced_lake(tmp_path, [survey_row(3)])
    for table in PARTITIONED:
        (lake / table.name / files.EMPTY_FILE).unlink()
    if written_by == "an older cxbridge":
        migrations = lake / "_cxbridge" / "migrations.json"
        migrations.write_text(json.dumps([name for name in MIGRATIONS if name != "0033_empty_record_files"]))
    workspace.sync(destination=f"parquet:///{lake}")
    assert counts(views_script_session(lake, monkeypatch), lake)["feedback_comments"] == 0
