"""The engine-neutral table layout is the one SQLite (the reference destination) creates."""

from __future__ import annotations

import pytest

from cxbridge.layout import TABLES
from cxbridge.plugins.sqlite.destination import SQLiteDestination


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_layout_matches_the_sqlite_tables(table, tmp_path):
    destination = SQLiteDestination(f"sqlite:///{tmp_path / 'x.db'}")
    destination.open()
    info = destination.query(f"PRAGMA table_info({table.name})")
    destination.close()
    assert [row["name"] for row in info] == list(table.column_names)
    assert {row["name"] for row in info if row["notnull"] or row["pk"]} == {
        column.name for column in table.columns if column.required
    }
    key = sorted((row for row in info if row["pk"]), key=lambda row: row["pk"])
    assert tuple(row["name"] for row in key) == table.primary_key
