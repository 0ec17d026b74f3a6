"""The ids an import gives rows without an id column: a file imported into a configured source
has the identity that source's sync gives it (so importing and syncing it stores each response
once), and files of one import that would share ids (the same source and identity) are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli

MONTHLY = """\
[sources.monthly]
connector = "csv"
path = "exports/**/*.csv"
date_order = "dmy"
columns = { submitted_at = "Date" }

[[sources.monthly.metrics]]
column = "nps"
metric = "nps"
"""


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--no-progress"])
    assert result.exit_code == 0, result.output
    return result.output


def stored(db: Path) -> tuple[list[tuple[int]], int]:
    """The nps of each record, and how many cases were opened."""
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT nps FROM feedback")), conn.execute("SELECT count(*) FROM feedback_cases").fetchone()[0]


@pytest.fixture
def monthly(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(MONTHLY, encoding="utf-8")
    (tmp_path / "exports" / "2025-01").mkdir(parents=True)
    (tmp_path / "exports" / "2025-01" / "responses.csv").write_text("Date,nps\n13/04/2025 10:00,9\n14/04/2025 10:00,3\n")
    return tmp_path


@pytest.mark.parametrize("order", ["import-then-sync", "sync-then-import"])
def test_a_file_imported_into_its_configured_source_is_the_file_its_sync_reads(monthly: Path, order: str):
    commands = [["import", "exports/2025-01/responses.csv", "--source", "monthly"], ["sync"]]
    for command in commands if order == "import-then-sync" else reversed(commands):
        run(*command)
    assert stored(monthly / "cxbridge.db") == ([(3,), (9,)], 1)  # two responses, one detractor's case


def test_a_file_its_configured_source_does_not_name_is_imported_by_its_name(monthly: Path):
    (monthly / "elsewhere").mkdir()
    (monthly / "elsewhere" / "responses.csv").write_text("Date,nps\n13/04/2025 10:00,9\n")
    assert "1 read · 1 written" in run("import", "elsewhere/responses.csv", "--source", "monthly")
    assert "2 read · 2 written" in run("sync")  # the source's own file: another file
    assert stored(monthly / "cxbridge.db") == ([(3,), (9,), (9,)], 1)
