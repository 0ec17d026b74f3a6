"""The rule a quarantined record breaks (`DataError.kind`) stored with it in `quarantine.kind` on
every destination, so that a week later `cxbridge quarantine list --kind` filters by it and
`cxbridge status` counts by it; a record quarantined again keeps the rule it breaks now, and a
destination written before the column keeps its quarantine, its rows of no kind (NULL)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.destinations import Batch, QuarantineItem
from tests.conftest import Workspace, survey_row
from tests.local_destinations import LOCAL_KINDS, destination_maker
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture


@pytest.fixture(params=LOCAL_KINDS)
def make(request, tmp_path):
    return destination_maker(request.param, tmp_path, request, "kinds")


def failed(record_id: str, kind: str | None, run_id: str = "run1") -> Batch:
    item = QuarantineItem(record_id, "shop", "rows", record_id.upper(), {"nps": "11"}, "nps answer 11", kind=kind)
    return Batch(run_id=run_id, source="shop", stream="rows", quarantined=[item])


def without_kinds(destination) -> None:
    """`quarantine` as written before `kind`, and its migration not applied."""
    from cxbridge.plugins.parquet import files
    from cxbridge.plugins.parquet.destination import ParquetDestination
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    if isinstance(destination, ParquetDestination):
        for path in files.folder_files(destination.root / "quarantine"):
            files.replace_atomically(destination.conn, f"SELECT * EXCLUDE (kind) FROM read_parquet({files.literal(path)})", path)
        done = json.loads(destination._migrations_file.read_text())
        destination._migrations_file.write_text(json.dumps([name for name in done if name != "0032_quarantine_kinds"]))
    elif isinstance(destination, SQLiteDestination):
        destination.db.execute("ALTER TABLE quarantine DROP COLUMN kind")
        destination.db.execute("DELETE FROM _sqlite_migrations WHERE name = '0035_quarantine_kinds'")
        destination.db.conn.commit()
    else:
        destination.execute("ALTER TABLE quarantine DROP COLUMN kind")
        destination.execute("DELETE FROM cxbridge_migrations WHERE name = '0030_quarantine_kinds'")


def test_a_destination_written_before_kinds_keeps_its_quarantine_of_no_kind_and_stores_new_ones(make):
    destination = make()
    destination.open()
    try:
        destination.write_batch(failed("r1", "answer-outside-scale"))
        without_kinds(destination)
    finally:
        destination.close()
    destination = make()
    destination.open()
    try:
        migrated = [(item.record_id, item.error, item.kind) for item in destination.quarantined()]
        destination.write_batch(failed("r2", "impossible-date", run_id="run2"))
        destination.write_batch(failed("r1", "answer-outside-scale", run_id="run2"))  # quarantined again
        kinds = {item.record_id: item.kind for item in destination.quarantined()}
    finally:
        destination.close()
    assert migrated == [("r1", "nps answer 11", None)]
    assert kinds == {"r1": "answer-outside-scale", "r2": "impossible-date"}


@pytest.fixture
def two_rules(workspace: Workspace, monkeypatch) -> Workspace:
    """A sync quarantining three rows for two rules: an NPS of 99 and 98, a label no map knows."""
    monkeypatch.setattr(plugins_host, "_host", None)
    workspace.write_csv([survey_row(1), survey_row(2, nps=99), survey_row(3, satisfaction="Rather happy"),
                         survey_row(4, nps=98)])  # fmt: skip
    workspace.sync()
    return workspace


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_quarantine_list_shows_each_records_kind_and_kind_filters_by_it(two_rules):
    listed = json.loads(invoke("quarantine", "list", "--format", "json").output)
    assert [(row["id"], row["kind"]) for row in listed] == [
        ("R2", "answer-outside-scale"), ("R3", "unknown-answer"), ("R4", "answer-outside-scale")
    ]
    only = json.loads(invoke("quarantine", "list", "--kind", "answer-outside-scale", "--format", "json").output)
    assert [row["id"] for row in only] == ["R2", "R4"]
    none_yet = invoke("quarantine", "list", "--kind", "impossible-date", "--format", "json")
    assert none_yet.exit_code == 0 and json.loads(none_yet.output) == []  # a kind of cxbridge's, no record of it


def test_an_unknown_kind_is_an_error_naming_the_kinds(two_rules):
    result = invoke("quarantine", "list", "--kind", "answer-outside-range")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no quarantine kind 'answer-outside-range'" in result.output
    assert "did you mean 'answer-outside-scale'?" in result.output and "impossible-date" in result.output


def test_status_counts_the_quarantine_by_the_rule_its_records_break(two_rules):
    status = json.loads(invoke("status", "--format", "json").output)
    assert [(row["source"], row["stream"], row["kind"], row["records"]) for row in status["quarantine"]] == [
        ("survey", "rows", "answer-outside-scale", 2), ("survey", "rows", "unknown-answer", 1)
    ]
    printed = invoke("status").output
    assert "answer-outside-scale" in printed and "unknown-answer" in printed


def test_a_replay_that_fails_again_stores_the_kind_of_a_row_stored_without_one(two_rules):
    """A row quarantined before kinds were stored (NULL) gets the rule it breaks from the replay."""
    with sqlite3.connect(two_rules.db) as conn:
        conn.execute("UPDATE quarantine SET kind = NULL")
    assert invoke("quarantine", "replay").exit_code == 0
    assert sorted(two_rules.query("SELECT source_record_id, kind FROM quarantine")) == [
        ("R2", "answer-outside-scale"), ("R3", "unknown-answer"), ("R4", "answer-outside-scale")
    ]


def test_snowflake_stores_each_records_kind_and_counts_by_it(snowflake):  # noqa: F811 — the fixture
    """Snowflake (fakesnow), which the conformance suite does not run: what it asks of the others."""
    from cxbridge.status_report import quarantine_counts

    destination = snowflake("quarantine_kinds")
    destination.open()
    try:
        destination.write_batch(failed("r1", "impossible-date"))
        destination.write_batch(failed("r2", None))
        destination.write_batch(failed("r1", "answer-outside-scale", run_id="run2"))
        kinds = [(item.record_id, item.kind) for item in destination.quarantined()]
        counts = [(row["kind"], row["records"]) for row in quarantine_counts(destination)]
    finally:
        destination.close()
    assert kinds == [("r1", "answer-outside-scale"), ("r2", None)]
    assert counts == [("answer-outside-scale", 1), (None, 1)]
