"""DuckDB's tables that grow with the records (feedback, its scores and comments, quarantine,
the loop's three tables and the CRM's two) have no PRIMARY KEY, since DuckDB keeps a key's index whole in memory:
the writer keeps each key once. A file written with the keys loses them on its next sync, its
rows and views unchanged, and no key is ever stored twice: not on re-delivery, not after a crash
half-way, not when the loop changes a case twice."""

from __future__ import annotations

from typing import Any

from cxbridge.crm import CrmAccount, CrmContact, context_row
from cxbridge.destinations import Batch, LoopChanges
from cxbridge.layout import FEEDBACK_CASES, LOOP_OUTBOX, QUARANTINE
from cxbridge.plugins.duckdb.destination import GROWING_TABLES, KEYLESS_CRM_MIGRATION, KEYLESS_MIGRATION, RECORD_TABLES
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.sql_migrations import MIGRATIONS
from cxbridge.testing.destinations import SimulatedCrash, deliver, snapshot

GROWING = [table.name for table in GROWING_TABLES]


class KeyedDuckDB(DuckDBDestination):
    """A DuckDB file as cxbridge wrote it before: every table with its PRIMARY KEY."""

    keyless = frozenset()
    migrations = MIGRATIONS


def primary_keys(destination: DuckDBDestination) -> set[str]:
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'")
    finally:
        destination.close()
    return {row["table_name"] for row in rows}


def keys_stored_twice(destination: DuckDBDestination) -> dict[str, int]:
    """Per growing table, how many rows share their key with another row."""
    destination.open(read_only=True)
    try:
        twice = {}
        for table in GROWING_TABLES:
            key = ", ".join(table.primary_key)
            sql = f"SELECT COUNT(*) - COUNT(DISTINCT ({key})) AS n FROM {table.name}"
            twice[table.name] = destination.query(sql)[0]["n"]
    finally:
        destination.close()
    return twice


def stored(destination: DuckDBDestination) -> dict[str, Any]:
    """The rows of the growing tables (less run-specific columns)."""
    results = snapshot(destination, views=False).results  # the tables: no view or report is compared
    return {name: results[name][1] for name in GROWING}


def test_a_file_written_with_keys_loses_them_and_keeps_its_rows_and_views(tmp_path):
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    deliver(KeyedDuckDB(url))
    assert set(GROWING) <= primary_keys(DuckDBDestination(url))
    before = snapshot(DuckDBDestination(url))  # read-only: not migrated yet

    migrated = DuckDBDestination(url)
    migrated.open()
    migrated.close()

    assert primary_keys(DuckDBDestination(url)).isdisjoint(GROWING)
    assert {"sync_runs", "sync_state", "cxbridge_metadata"} <= primary_keys(DuckDBDestination(url))
    after = snapshot(DuckDBDestination(url))
    assert after.results == before.results
    assert sum(len(after.results[name][1]) for name in GROWING) > 0
    destination = DuckDBDestination(url)
    destination.open(read_only=True)
    try:
        applied = [row["name"] for row in destination.query("SELECT name FROM cxbridge_migrations")]
    finally:
        destination.close()
    assert applied.count(KEYLESS_MIGRATION) == applied.count(KEYLESS_CRM_MIGRATION) == 1


BATCH = 14
"""Records a batch of the crash test's deliveries: each sample source's 60 records in 5 batches,
the crash after the third still half-way through the first source and every re-delivery's
records spread over several batches, as at the sample's 7 a batch (9 a source), at half the
commits — DuckDB's commits were most of the test's time."""


def test_no_key_is_stored_twice_after_re_delivery_and_a_crash(tmp_path):
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    clean = f"duckdb:///{tmp_path / 'clean.duckdb'}"  # the same data delivered once each, without a crash
    for version in (1, 2):
        crash_half_way(DuckDBDestination(url), version)
        deliver(DuckDBDestination(url), version=version, batch_size=BATCH)
        once = stored(DuckDBDestination(url))
        deliver(DuckDBDestination(url), version=version, batch_size=BATCH)  # re-delivered: no stored row changes
        assert stored(DuckDBDestination(url)) == once
        assert keys_stored_twice(DuckDBDestination(url)) == {name: 0 for name in GROWING}
        deliver(DuckDBDestination(clean), version=version, batch_size=BATCH)
        counts = {name: len(rows) for name, rows in once.items()}
        assert counts == {name: len(rows) for name, rows in stored(DuckDBDestination(clean)).items()}
        if version == 1:
            assert all(counts[table.name] for table in RECORD_TABLES), counts  # rows to double


def crash_half_way(destination: DuckDBDestination, version: int) -> None:
    try:
        deliver(destination, version=version, crash_after=3, batch_size=BATCH)
    except SimulatedCrash:
        return
    raise AssertionError("the delivery did not crash")


def test_quarantine_keeps_when_a_record_was_first_seen(tmp_path):
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    deliver(DuckDBDestination(url))
    seen = first_seen(DuckDBDestination(url))
    deliver(DuckDBDestination(url), full_refresh=True)  # every bad record quarantined again
    again = first_seen(DuckDBDestination(url))
    assert seen and again == seen
    assert keys_stored_twice(DuckDBDestination(url))[QUARANTINE.name] == 0


def first_seen(destination: DuckDBDestination) -> dict[str, Any]:
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT record_id, first_seen, last_seen FROM quarantine")
    finally:
        destination.close()
    return {row["record_id"]: row["first_seen"] for row in rows}


def test_a_case_changed_twice_is_stored_once_with_its_last_change(tmp_path):
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    deliver(DuckDBDestination(url))
    destination = DuckDBDestination(url)
    destination.open()
    try:
        case = destination.query("SELECT * FROM feedback_cases ORDER BY case_id LIMIT 1")[0]
        delivery = destination.query("SELECT * FROM loop_outbox ORDER BY delivery_id LIMIT 1")[0]
        for status, attempts in (("in_progress", 1), ("resolved", 2)):
            changed_case = tuple({**case, "status": status}[c] for c in FEEDBACK_CASES.column_names)
            changed_delivery = tuple({**delivery, "attempts": attempts}[c] for c in LOOP_OUTBOX.column_names)
            destination.write_loop(LoopChanges(cases=[changed_case], deliveries=[changed_delivery]))
        stored_case = destination.query(f"SELECT status FROM feedback_cases WHERE case_id = '{case['case_id']}'")
        stored_delivery = destination.query(
            f"SELECT attempts FROM loop_outbox WHERE delivery_id = '{delivery['delivery_id']}'"
        )
        cases = destination.query("SELECT COUNT(*) AS n FROM feedback_cases")[0]["n"]
    finally:
        destination.close()
    assert stored_case == [{"status": "resolved"}]
    assert stored_delivery == [{"attempts": 2}]
    assert keys_stored_twice(DuckDBDestination(url)) == {name: 0 for name in GROWING}
    assert cases == len(stored(DuckDBDestination(url))[FEEDBACK_CASES.name])


def test_crm_rows_delivered_again_or_changed_are_stored_once(tmp_path):
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"

    def batch(stage: str) -> Batch:
        objects = [CrmAccount(account_id="A1", segment="SMB"), CrmContact(contact_id="C1", account_id="A1", lifecycle_stage=stage)]
        rows = [context_row(item, source="crm", ingested_at="2026-01-02T03:04:05Z", run_id="r") for item in objects]
        return Batch(run_id="r", source="crm", stream="contacts", context=rows)

    destination = DuckDBDestination(url)
    destination.open()
    try:
        written = [destination.write_batch(batch(stage)).written for stage in ("lead", "lead", "customer")]
        contacts = destination.query("SELECT contact_id, account_id, lifecycle_stage FROM crm_contacts")
        accounts = destination.query("SELECT account_id, segment FROM crm_accounts")
    finally:
        destination.close()
    assert written == [2, 0, 1]  # both new; the same again; the contact changed
    assert contacts == [{"contact_id": "C1", "account_id": "A1", "lifecycle_stage": "customer"}]
    assert accounts == [{"account_id": "A1", "segment": "SMB"}]
    assert primary_keys(DuckDBDestination(url)).isdisjoint(GROWING)
