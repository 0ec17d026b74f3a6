"""The rule a quarantined record breaks (`DataError.kind`) stored with it in `quarantine.kind` on
every destination, so that a week later `cxbridge quarantine list --kind` filters by it and
`cxbridge status` counts by it; a record quarantined again keeps the rule it breaks now, and a
destination written before the column keeps its quarantine, its rows of no kind (NULL)."""

from __future__ import annotations

import json

import pytest

from cxbridge.destinations import Batch, QuarantineItem
from tests.local_destinations import LOCAL_KINDS, destination_maker


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
