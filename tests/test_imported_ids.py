"""The ids an import gives rows without an id column: a file imported into a configured source
has the identity that source's sync gives it (so importing and syncing it stores each response
once), and files of one import that would share ids (the same source and identity) are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge import plugins_host
from cxbridge.cli.main import cli

from tests.sqlite_runs import sync_source

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
        [(cases,)] = conn.execute("SELECT count(*) FROM feedback_cases")
        return sorted(conn.execute("SELECT nps FROM feedback")), cases


@pytest.fixture
def monthly(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(MONTHLY, encoding="utf-8")
    (tmp_path / "exports" / "2025-01").mkdir(parents=True)
    rows = "Date,nps\n13/04/2025 10:00,9\n14/04/2025 10:00,3\n"
    (tmp_path / "exports" / "2025-01" / "responses.csv").write_text(rows, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("order", ["import-then-sync", "sync-then-import"])
def test_a_file_imported_into_its_configured_source_is_the_file_its_sync_reads(monthly: Path, order: str):
    commands = [["import", "exports/2025-01/responses.csv", "--source", "monthly"], ["sync"]]
    for command in commands if order == "import-then-sync" else reversed(commands):
        run(*command)
    assert stored(monthly / "cxbridge.db") == ([(3,), (9,)], 1)  # two responses, one detractor's case



@pytest.mark.parametrize("order", ["import-then-sync", "sync-then-import"])
def test_a_file_a_configured_source_names_is_imported_into_that_source_when_no_source_is_given(
    monthly: Path, order: str
):
    """`cxbridge import exports/2025-01/responses.csv` in the project: the file is the monthly
    source's, not a new source `responses` whose records the reports would count a second time."""
    commands = [["import", "exports/2025-01/responses.csv"], ["sync"]]
    for command in commands if order == "import-then-sync" else reversed(commands):
        run(*command)
    assert stored(monthly / "cxbridge.db") == ([(3,), (9,)], 1)
    with sqlite3.connect(monthly / "cxbridge.db") as conn:
        assert conn.execute("SELECT DISTINCT source FROM feedback").fetchall() == [("monthly",)]

def test_a_file_its_configured_source_does_not_name_is_imported_by_its_name(monthly: Path):
    (monthly / "elsewhere").mkdir()
    (monthly / "elsewhere" / "responses.csv").write_text("Date,nps\n13/04/2025 10:00,9\n")
    assert "1 read · 1 written" in run("import", "elsewhere/responses.csv", "--source", "monthly")
    assert "2 read · 2 written" in run("sync")  # the source's own file: another file
    assert stored(monthly / "cxbridge.db") == ([(3,), (9,), (9,)], 1)


def test_an_import_into_a_configured_source_reads_the_file_as_that_source_s_sync_does(monthly: Path):
    """The source's mapping, not a detected one: detection took the `Response ID` column the config
    leaves unmapped as the records' ids and kept the `Team` column the config ignores, and the
    sync then stored both responses a second time under its own ids (4 records, 2 cases)."""
    config = MONTHLY.replace('columns = { submitted_at = "Date" }', 'columns = { submitted_at = "Date" }\nignore = ["Team"]')
    (monthly / "cxbridge.toml").write_text(config, encoding="utf-8")
    rows = "Response ID,Date,nps,Team\nR1,13/04/2025 10:00,9,North\nR2,14/04/2025 10:00,3,South\n"
    (monthly / "exports" / "2025-01" / "responses.csv").write_text(rows, encoding="utf-8")

    assert "2 read · 2 written" in run("import", "exports/2025-01/responses.csv", "--source", "monthly")
    assert "0 written" in run("sync")
    assert stored(monthly / "cxbridge.db") == ([(3,), (9,)], 1)
    with sqlite3.connect(monthly / "cxbridge.db") as conn:
        assert not [row for row in conn.execute("SELECT attributes FROM feedback") if "North" in str(row)]


def test_a_file_lacking_a_column_another_file_of_its_configured_source_has_is_imported_as_its_sync_reads_it(
    monthly: Path,
):
    """The source maps a `ces` column its later file added: its sync reads the earlier file
    without it (its rows stored without that answer), while the import read with the source's
    mapping failed it ("the mapped column 'ces' is not in the header; nothing was read")."""
    config = MONTHLY + '\n[[sources.monthly.metrics]]\ncolumn = "ces"\nmetric = "ces"\nscale = [1, 7]\n'
    (monthly / "cxbridge.toml").write_text(config, encoding="utf-8")
    (monthly / "exports" / "2025-02").mkdir()
    (monthly / "exports" / "2025-02" / "responses.csv").write_text("Date,nps,ces\n15/04/2025 10:00,10,6\n")

    assert "2 read · 2 written" in run("import", "exports/2025-01/responses.csv", "--source", "monthly")
    assert "1 read · 1 written" in run("sync")  # the later file alone: the imported one is the file its sync reads
    assert stored(monthly / "cxbridge.db") == ([(3,), (9,), (10,)], 1)


def test_files_lacking_a_column_of_their_configured_source_read_their_dates_as_each_other_shows(monthly: Path):
    """No `date_order`; the source's `ces` is only in a file not imported: the file whose days are
    all 12 or less reads day first as the other file of the import shows (15/04), not month first
    on its own (the import's look at their dates passed over both, as lacking `ces`)."""
    ces = '\n[[sources.monthly.metrics]]\ncolumn = "ces"\nmetric = "ces"\n'
    config = MONTHLY.replace('date_order = "dmy"\n', "") + ces
    (monthly / "cxbridge.toml").write_text(config, encoding="utf-8")
    files = {"2025-01": "Date,nps\n03/04/2025 10:00,9\n", "2025-02": "Date,nps\n15/04/2025 10:00,10\n",
             "2025-03": "Date,nps,ces\n16/04/2025 10:00,8,4\n"}  # fmt: skip
    for folder, rows in files.items():
        (monthly / "exports" / folder).mkdir(exist_ok=True)
        (monthly / "exports" / folder / "responses.csv").write_text(rows, encoding="utf-8")

    run("import", "exports/2025-01/responses.csv", "exports/2025-02/responses.csv", "--source", "monthly")
    with sqlite3.connect(monthly / "cxbridge.db") as conn:
        days = sorted(day for (day,) in conn.execute("SELECT substr(submitted_at, 1, 10) FROM feedback"))
    assert days == ["2025-04-03", "2025-04-15"]


STORES = {"store_a": [("13/04/2025 10:00", 9), ("14/04/2025 10:00", 5)],  # the same minute in both stores
          "store_b": [("13/04/2025 10:00", 2), ("15/04/2025 10:00", 5)]}  # fmt: skip


@pytest.fixture
def stores(tmp_path: Path, monkeypatch) -> Path:
    """Two stores' `responses.csv`: no id column, rows keyed by the submitted time alone."""
    monkeypatch.chdir(tmp_path)
    for store, rows in STORES.items():
        (tmp_path / store).mkdir()
        lines = "".join(f"{date},{nps},{store}-{n}\n" for n, (date, nps) in enumerate(rows))
        (tmp_path / store / "responses.csv").write_text(f"Date,nps,ref\n{lines}", encoding="utf-8")
    CliRunner().invoke(cli, ["inspect", "store_a/responses.csv", "--write-mapping", "mapping.toml"],
                       catch_exceptions=False)  # fmt: skip
    return tmp_path


def every_row() -> list[tuple[int]]:
    return sorted((nps,) for rows in STORES.values() for _, nps in rows)


@pytest.mark.parametrize("mapping", [True, False], ids=["saved-mapping", "detected"])
def test_same_named_files_whose_rows_have_no_id_are_refused_naming_both(stores: Path, mapping: bool):
    """Both files would be `responses.csv` of one source: store_a's 9 was replaced by store_b's 2,
    and both summaries said written."""
    options = ["--db", "x.db", *(["--mapping", "mapping.toml"] if mapping else [])]
    refused = CliRunner().invoke(cli, ["import", "store_a/", "store_b/", *options, "--no-progress"])
    assert refused.exit_code == 2, refused.output
    assert "store_a/responses.csv and store_b/responses.csv: both would be the file 'responses.csv'" in refused.output
    assert "--source" in refused.output and "id column" in refused.output and "Traceback" not in refused.output
    assert not (stores / "x.db").exists() or stored(stores / "x.db")[0] == []

    for store in STORES:  # into different sources, as the error advises
        run("import", f"{store}/", "--source", store, *options)
    assert stored(stores / "x.db")[0] == every_row()


def test_same_named_files_with_an_id_column_or_key_columns_are_imported(stores: Path):
    text = (stores / "mapping.toml").read_text(encoding="utf-8")
    (stores / "by_id.toml").write_text(text.replace('submitted_at = "Date"', 'submitted_at = "Date"\nid = "ref"'))
    by_id = cxbridge.import_(["store_a/", "store_b/"], mapping="by_id.toml", destination="sqlite:///by_id.db")
    assert [(file.result.read, file.result.written) for file in by_id.files] == [(2, 2), (2, 2)]
    assert stored(stores / "by_id.db")[0] == every_row()

    keyed_by = 'connector = "csv"\nkey_columns = ["Date", "ref"]'  # a store's reference beside the time
    (stores / "keyed.toml").write_text(text.replace('connector = "csv"', keyed_by))
    keyed = cxbridge.import_(["store_a/", "store_b/"], mapping="keyed.toml", destination="sqlite:///keyed.db")
    assert all(file.ok for file in keyed.files)
    assert stored(stores / "keyed.db")[0] == every_row()


def test_a_configured_glob_keeps_same_named_files_apart(stores: Path):
    source = {"connector": "csv", "path": "*/responses.csv", "date_order": "dmy", "columns": {"submitted_at": "Date"},
              "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
    assert sync_source(stores, source, db="synced.db").written == sum(len(rows) for rows in STORES.values())
