"""The Parquet destination: a Hive layout other engines read as is, atomic partition rewrites,
records that move between months, and the views script for BI tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.testing.destinations import deliver, expected_cases, snapshot, stored_cases
from tests.conftest import survey_row


@pytest.fixture(scope="module")
def delivered_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data delivered once for the module (a lake holds no absolute path)."""
    folder = tmp_path_factory.mktemp("delivered") / "lake"
    deliver(ParquetDestination(f"parquet:///{folder}"))
    return folder


@pytest.fixture
def lake(tmp_path: Path, delivered_lake: Path) -> Path:
    """A copy of the delivered lake of the test's own, to change as it likes."""
    return shutil.copytree(delivered_lake, tmp_path / "lake")


def test_records_are_partitioned_by_source_and_month(lake: Path):
    months = sorted(p.name for p in (lake / "feedback" / "source=store_survey").iterdir())
    assert months[0] == "month=2025-01" and months[-1] == "month=__HIVE_DEFAULT_PARTITION__"
    part = lake / "feedback" / "source=store_survey" / "month=2025-01" / "part-0.parquet"
    columns = ds.dataset(part).schema.names
    assert "source" not in columns and "record_id" in columns  # the folder names carry the source


def test_another_engine_reads_the_folder_as_a_hive_dataset(lake: Path):
    dataset = ds.dataset(lake / "feedback", format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["record_id", "source", "submitted_at"])
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open(read_only=True)
    expected = destination.query("SELECT source, COUNT(*) AS n FROM feedback GROUP BY source")
    destination.close()
    counts = table.group_by("source").aggregate([("record_id", "count")]).to_pylist()
    assert {row["source"]: row["record_id_count"] for row in counts} == {row["source"]: row["n"] for row in expected}
    assert str(table.schema.field("submitted_at").type) == "timestamp[us, tz=UTC]"


def test_a_failed_rewrite_leaves_the_old_file_whole(lake: Path, monkeypatch):
    before = snapshot(ParquetDestination(f"parquet:///{lake}"), views=False).results  # the tables compared below
    real_replace = os.replace

    def crash(source, target):
        if "feedback" in str(target):
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", crash)
    failed = deliver(ParquetDestination(f"parquet:///{lake}"), version=2)
    assert [result.status for result in failed] == ["failed", "failed"] and "disk full" in failed[0].error
    monkeypatch.setattr(files.os, "replace", real_replace)
    assert not list(lake.rglob("*.tmp")), "no half-written file may stay behind"
    after = snapshot(ParquetDestination(f"parquet:///{lake}"), views=False).results
    assert after["feedback"] == before["feedback"] and after["sync_state"] == before["sync_state"]
    deliver(ParquetDestination(f"parquet:///{lake}"), version=2)  # and the next run completes it


def test_a_record_that_changes_month_leaves_its_old_partition(lake: Path):
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open()
    old = destination.query("SELECT * FROM feedback WHERE source_record_id = 'F0001' AND source = 'store_survey'")[0]
    destination.close()
    from cxbridge.destinations import Batch
    from cxbridge.tables import RecordRows, to_json

    moved = {k: to_json(v) if isinstance(v, dict | list) else v for k, v in old.items()}
    moved["submitted_at"] = "2031-07-01T00:00:00Z"
    rows = RecordRows(old["record_id"], tuple(moved.values()), [], [], "moved")
    destination.open()
    destination.write_batch(
        Batch(run_id="r", source="store_survey", stream="responses", started_at="x", records=[rows])
    )
    found = destination.query(f"SELECT submitted_at FROM feedback WHERE record_id = '{old['record_id']}'")
    destination.close()
    assert found == [{"submitted_at": "2031-07-01T00:00:00Z"}]
    assert (lake / "feedback" / "source=store_survey" / "month=2031-07" / "part-0.parquet").exists()


def test_the_views_script_gives_bi_tools_the_same_views(lake: Path):
    script = (lake / "_cxbridge" / "views.sql").read_text()
    code = (
        "import duckdb, json, sys; c = duckdb.connect(); c.execute(\"SET TimeZone='UTC'\"); c.execute(sys.argv[1]); "
        "print(json.dumps(c.execute('SELECT COUNT(*), SUM(responses) FROM nps_by_month').fetchall()))"
    )
    out = subprocess.run([sys.executable, "-c", code, script], cwd=lake, capture_output=True, text=True, check=True)
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open(read_only=True)
    expected = destination.query("SELECT COUNT(*) AS n, SUM(responses) AS total FROM nps_by_month")[0]
    destination.close()
    assert out.stdout.strip() == f"[[{expected['n']}, {int(expected['total'])}]]"


def test_a_query_defines_the_views_it_names_and_the_tables_they_read(lake: Path):
    """DuckDB reads the files' footers as it defines a view over them: opening a lake defines
    none, a query the views it names and what they read (a report reads two tables, not ~50 views)."""
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open(read_only=True)

    def defined() -> set[str]:
        return {row["view_name"] for row in destination.query("SELECT view_name FROM duckdb_views() WHERE NOT internal")}

    assert defined() == set()
    detractors = destination.query("SELECT COUNT(*) AS n FROM detractor_queue")[0]["n"]
    assert defined() == {"detractor_queue", "feedback", "feedback_scores", "feedback_followups", "feedback_cases"}
    assert destination.query("SELECT COUNT(*) AS n FROM detractor_queue")[0]["n"] == detractors > 0
    destination.close()


def test_follow_up_files_users_add_are_read_and_older_lakes_learn_them(lake: Path):
    import duckdb

    migrations = lake / "_cxbridge" / "migrations.json"
    migrations.write_text('["0001_table_folders", "0002_bi_views", "0003_crm_tables", "0004_crm_views"]')
    (lake / "_cxbridge" / "views.sql").write_text("-- written before follow-up files\n")
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open()
    queue = [row["record_id"] for row in destination.query("SELECT record_id FROM detractor_queue ORDER BY 1")]
    destination.close()
    assert "feedback_followups/*.parquet" in (lake / "_cxbridge" / "views.sql").read_text()
    assert "0005_followup_files" in migrations.read_text()
    duckdb.execute(  # a user's file with only the required columns; owner and note read as null
        f"COPY (SELECT '{queue[0]}' AS record_id, TIMESTAMPTZ '2026-01-02 10:00:00+00' AS followed_up_at) "
        f"TO '{lake / 'feedback_followups' / 'crm.parquet'}' (FORMAT parquet)"
    )
    destination.open(read_only=True)
    after = [row["record_id"] for row in destination.query("SELECT record_id FROM detractor_queue ORDER BY 1")]
    (followup,) = destination.query("SELECT * FROM feedback_followups")
    destination.close()
    assert after == queue[1:]
    assert followup["record_id"] == queue[0] and followup["owner"] is None
    assert followup["followed_up_at"] == "2026-01-02T10:00:00Z"


def test_a_lake_written_before_cross_source_identity_gains_duplicate_of_and_its_copies_are_linked(tmp_path):
    import json

    import duckdb

    from cxbridge.duplicates import IdentityRules
    from cxbridge.plugins.parquet.migrations import MIGRATIONS
    from cxbridge.testing.destinations import deliver_copies, expected_copy_pointers, full_identity_pass, pointers

    lake = tmp_path / "copies"
    deliver_copies(ParquetDestination(f"parquet:///{lake}"))
    for part in sorted((lake / "feedback").glob("*/*/part-0.parquet")):  # as the version before wrote them
        duckdb.execute(f"COPY (SELECT * EXCLUDE (duplicate_of) FROM read_parquet('{part}')) TO '{part}.old' (FORMAT parquet)")
        os.replace(f"{part}.old", part)
    migrations = lake / "_cxbridge" / "migrations.json"
    migrations.write_text(json.dumps(MIGRATIONS[: MIGRATIONS.index("0009_cross_source_identity")]))
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open()
    destination.close()
    assert "0009_cross_source_identity" in migrations.read_text()
    assert all("duplicate_of" in ds.dataset(part).schema.names for part in (lake / "feedback").glob("*/*/part-0.parquet"))
    assert pointers(ParquetDestination(f"parquet:///{lake}")) == {}
    full_identity_pass(ParquetDestination(f"parquet:///{lake}"), IdentityRules())  # what the next sync starts with
    assert pointers(ParquetDestination(f"parquet:///{lake}")) == expected_copy_pointers(1)
    deliver_copies(ParquetDestination(f"parquet:///{lake}"), copy_version=2)
    assert pointers(ParquetDestination(f"parquet:///{lake}")) == expected_copy_pointers(2)

def test_a_lake_an_older_version_wrote_is_read_before_a_sync_migrates_it(lake: Path):
    """`cxbridge report` on a lake before the first sync of a newer cxbridge: the files some
    migration would give a column lack it, and a read-only open reads it as empty, as before."""
    import json

    import duckdb

    from cxbridge.plugins.parquet.migrations import MIGRATIONS

    before = snapshot(ParquetDestination(f"parquet:///{lake}")).results
    parts = sorted((lake / "feedback").glob("*/*/part-0.parquet"))
    for part in parts[::2]:  # as the version before 0014 wrote them: some files of a table without `wave`
        duckdb.execute(f"COPY (SELECT * EXCLUDE (wave) FROM read_parquet('{part}')) TO '{part}.old' (FORMAT parquet)")
        os.replace(f"{part}.old", part)
    migrations = lake / "_cxbridge" / "migrations.json"
    migrations.write_text(json.dumps(MIGRATIONS[: MIGRATIONS.index("0014_waves")]))
    reader = ParquetDestination(f"parquet:///{lake}")
    reader.open(read_only=True)
    try:
        records = reader.query("SELECT COUNT(*) AS n FROM feedback")
        ranking = reader.query("SELECT COUNT(*) AS n FROM location_ranking")
    finally:
        reader.close()
    assert records[0]["n"] == sum(len(ds.dataset(part).to_table()) for part in parts) and ranking[0]["n"] > 0
    assert "0014_waves" not in migrations.read_text(), "a read-only open migrates nothing"
    assert snapshot(ParquetDestination(f"parquet:///{lake}")).results == before
    writer = ParquetDestination(f"parquet:///{lake}")
    writer.open()  # a sync's: it migrates the files
    writer.close()
    assert "0014_waves" in migrations.read_text() and all("wave" in ds.dataset(part).schema.names for part in parts)
    assert snapshot(ParquetDestination(f"parquet:///{lake}")).results == before



def parts_of(folder: Path, rows: list[list[int]]) -> list[Path]:
    """One part file per list of ids, written as a batch writes them."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ids in rows:
        path = files.new_part(folder)
        duckdb.execute(f"COPY (SELECT unnest({ids}) AS id) TO '{path}' (FORMAT parquet)")
        paths.append(path)
    return paths


def ids_in(folder: Path) -> list[int]:
    import duckdb

    return sorted(row[0] for row in duckdb.execute(f"SELECT id FROM read_parquet('{folder}/*.parquet')").fetchall())


def test_merging_parts_keeps_every_row_once_and_a_crash_at_any_step_is_finished_by_the_next_sync(tmp_path, monkeypatch):
    import duckdb

    folder = tmp_path / "lake" / "feedback_cases"
    parts = parts_of(folder, [[1, 2], [3], [4, 5, 6]])
    assert [p.name for p in parts] == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    files.merge(duckdb.connect(), parts, parts[0])
    assert [p.name for p in files.folder_files(folder)] == ["part-0.parquet"] and ids_in(folder) == [1, 2, 3, 4, 5, 6]
    assert files.new_part(folder).name == "part-1.parquet"

    # killed after the merged file was renamed into place: the parts it replaces are still there
    more = parts_of(folder, [[7], [8, 9]])
    monkeypatch.setattr(files, "_finish", lambda journal: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        files.merge(duckdb.connect(), [folder / "part-0.parquet", *more], folder / "part-0.parquet")
    monkeypatch.undo()
    assert (folder / files.JOURNAL).exists() and ids_in(folder) == [1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 9, 9]
    files.finish_merges(tmp_path / "lake")
    assert [p.name for p in files.folder_files(folder)] == ["part-0.parquet"] and ids_in(folder) == list(range(1, 10))
    assert not (folder / files.JOURNAL).exists()

    # killed before the rename: the merged rows wait beside, the journal names them; nothing happened
    more = parts_of(folder, [[10], [11]])
    real_replace = os.replace

    def killed(source, target):
        if not str(target).endswith(files.JOURNAL):  # the journal is written, the merged file is not renamed
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", killed)
    monkeypatch.setattr(files.Path, "unlink", lambda *_, **__: None)  # what SIGKILL leaves: no clean-up
    with pytest.raises(KeyboardInterrupt):
        files.merge(duckdb.connect(), [folder / "part-0.parquet", *more], folder / "part-0.parquet")
    monkeypatch.undo()
    assert (folder / files.JOURNAL).exists() and list(folder.glob(".part-0.parquet.*.tmp"))
    files.finish_merges(tmp_path / "lake")
    assert [p.name for p in files.folder_files(folder)] == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    assert ids_in(folder) == list(range(1, 12)) and not list(folder.glob(".*"))


def test_a_changed_record_goes_into_a_new_part_and_leaves_the_file_it_was_in(lake: Path):
    partition = lake / "feedback" / "source=store_survey" / "month=2025-01"
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open()
    before = destination.query("SELECT * FROM feedback ORDER BY record_id")
    old = destination.query("SELECT * FROM feedback WHERE source_record_id = 'F0001' AND source = 'store_survey'")[0]
    from cxbridge.destinations import Batch
    from cxbridge.tables import RecordRows, to_json

    changed = {k: to_json(v) if isinstance(v, dict | list) else v for k, v in old.items()}
    changed["comment"] = "changed"
    rows = RecordRows(old["record_id"], tuple(changed.values()), [], [], "changed")
    batch = Batch(run_id="r", source="store_survey", stream="responses", started_at="x", records=[rows])
    destination.write_batch(batch)
    assert [p.name for p in files.folder_files(partition)] == ["part-0.parquet", "part-1.parquet"]
    after = destination.query("SELECT * FROM feedback ORDER BY record_id")
    destination.close()  # the end of the sync: one part added, 2 files (≤ MAX_FILES) left as they are
    assert [p.name for p in files.folder_files(partition)] == ["part-0.parquet", "part-1.parquet"]
    others = [r for r in before if r["record_id"] != old["record_id"]]
    assert [r for r in after if r["record_id"] != old["record_id"]] == others
    assert [r["comment"] for r in after if r["record_id"] == old["record_id"]] == ["changed"]


def test_the_quarantine_grows_by_parts_and_holds_one_row_per_record_as_one_file_did(lake: Path, monkeypatch):
    """Batches that each quarantine records (some again, with a new reason), release others (they
    succeed) over two syncs, then a replay's release: the quarantine folder gains parts, merged
    like the other tables', and holds what the rules say, worked out here row by row."""
    from datetime import datetime, timezone

    from cxbridge.destinations import Batch, QuarantineItem
    from cxbridge.plugins.parquet import destination as module
    from cxbridge.plugins.parquet.parts import MAX_FILES
    from cxbridge.tables import RecordRows, to_json

    batch_times: list[datetime] = []

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return batch_times[-1]

    monkeypatch.setattr(module, "datetime", Clock)
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open(read_only=True)
    columns = ("record_id", "source", "error", "field", "raw", "first_seen", "last_seen", "run_id")
    expected = {row["record_id"]: {c: row[c] for c in columns} for row in destination.query("SELECT * FROM quarantine")}
    template = destination.query("SELECT * FROM feedback ORDER BY record_id LIMIT 1")[0]
    destination.close()
    stored_before = sorted(expected)
    assert len(stored_before) >= 3, "the sample lake quarantines a few records"

    def succeeded(record_id: str) -> RecordRows:
        values = {k: to_json(v) if isinstance(v, dict | list) else v for k, v in template.items()}
        values["record_id"] = record_id
        return RecordRows(record_id, tuple(values.values()), [], [], f"hash-{record_id}")

    step = 0
    for sync in range(2):
        destination.open()
        run_id = f"run{sync}"
        for _ in range(6):
            batch_times.append(datetime(2030, 1, 1, 0, 0, step, tzinfo=timezone.utc))
            now = f"2030-01-01T00:00:{step:02d}Z"
            failing = [f"q{n:03d}" for n in range(step * 3, step * 3 + 5)]  # two of them failed in the batch before
            released = [f"q{step * 3 - 6:03d}"] if step >= 2 else []  # one quarantined two batches ago succeeds
            released += [stored_before[step]] if step < len(stored_before) else []
            raws = {rid: {"id": rid, "step": step} for rid in failing}
            items = [
                QuarantineItem(rid, "store_survey", "responses", rid.upper(), raws[rid], f"bad at {step}", "q_nps")
                for rid in failing
            ]
            records = [succeeded(rid) for rid in released]
            destination.write_batch(
                Batch(run_id=run_id, source="store_survey", stream="responses", records=records, quarantined=items)
            )
            for rid in released:
                expected.pop(rid, None)
            for item in items:
                first_seen = expected[item.record_id]["first_seen"] if item.record_id in expected else now
                expected[item.record_id] = {
                    "record_id": item.record_id, "source": "store_survey", "error": item.error, "field": "q_nps",
                    "raw": to_json(item.raw), "first_seen": first_seen, "last_seen": now, "run_id": run_id,
                }  # fmt: skip
            step += 1
        quarantine = lake / "quarantine"
        assert len(files.folder_files(quarantine)) > 2, "a sync's batches add parts to the quarantine folder"
        destination.close()
        assert len(files.folder_files(quarantine)) <= MAX_FILES

    destination.open()
    replayed = sorted(expected)[::3]
    destination.release_quarantine(replayed)  # `cxbridge quarantine replay` once they are written
    for rid in replayed:
        del expected[rid]
    found = destination.query(f"SELECT {', '.join(columns)} FROM quarantine ORDER BY record_id")
    listed = sorted(item.record_id for item in destination.quarantined())
    destination.close()
    assert found == [expected[rid] for rid in sorted(expected)]
    assert listed == sorted(expected)
    assert {row["first_seen"] for row in found if row["record_id"] == "q004"} == {"2030-01-01T00:00:00Z"}
    assert not list((lake / "quarantine").glob(".*")), "no journal or half-written file stays behind"


def test_a_lake_holds_no_feedback_until_it_holds_a_record_or_a_case(tmp_path, lake: Path):
    """What lets a first sync's loop look nothing up (`Destination.holds_no_feedback`)."""
    from tests.test_loop_first_sync import batch_opening

    fresh = ParquetDestination(f"parquet:///{tmp_path / 'fresh'}")
    assert fresh.holds_no_feedback()
    fresh.open()
    try:
        assert fresh.holds_no_feedback()  # the migrations wrote the empty files of every table
        fresh.write_batch(batch_opening("R1", said="said"))  # a case, no record yet
        assert not fresh.holds_no_feedback()
    finally:
        fresh.close()
    stored = ParquetDestination(f"parquet:///{lake}")
    stored.open()
    try:
        assert not stored.holds_no_feedback()
    finally:
        stored.close()


def test_a_part_emptied_in_a_sync_and_its_name_taken_again_is_merged_once(lake: Path):
    """A batch quarantines a record (a new part of the quarantine folder); a later batch of the
    same sync releases it, which empties and removes that part, and quarantines another record,
    whose new part takes the free name: the merge at the end of the sync keeps that record once
    (it merged the part with itself, found by tests/test_differential_syncs.py, seed 16)."""
    from cxbridge.destinations import Batch, QuarantineItem
    from cxbridge.tables import RecordRows, to_json

    quarantine = lake / "quarantine"
    destination = ParquetDestination(f"parquet:///{lake}")
    destination.open()
    template = destination.query("SELECT * FROM feedback ORDER BY record_id LIMIT 1")[0]
    values = {k: to_json(v) if isinstance(v, dict | list) else v for k, v in template.items()} | {"record_id": "fixed"}
    fixed = RecordRows("fixed", tuple(values.values()), [], [], "hash-fixed")

    def failing(record_id: str) -> QuarantineItem:
        return QuarantineItem(record_id, "store_survey", "responses", record_id.upper(), {"id": record_id}, "bad", "nps")

    destination.write_batch(Batch(run_id="r", source="store_survey", stream="responses", quarantined=[failing("fixed")]))
    added = [path.name for path in files.folder_files(quarantine)][-1]
    destination.write_batch(
        Batch(run_id="r", source="store_survey", stream="responses", records=[fixed], quarantined=[failing("other")])
    )
    assert [path.name for path in files.folder_files(quarantine)][-1] == added, "the new part takes the free name"
    destination.close()
    destination.open(read_only=True)
    try:
        found = destination.query("SELECT record_id FROM quarantine WHERE record_id IN ('fixed', 'other')")
    finally:
        destination.close()
    assert [row["record_id"] for row in found] == ["other"]


def test_the_cases_a_failed_batch_keeps_count_as_opened_once(lake: Path, monkeypatch):
    """A lake has no transaction: a batch adds its cases before its records, and keeps them when
    its records then fail (the next run writes the records and finds the cases stored). The
    failed run counts them as opened, and no run counts them twice."""
    url = f"parquet:///{lake}"
    real_replace = os.replace

    def disk_full(source, target):
        if f"{os.sep}feedback{os.sep}" in str(target):  # the records' folder, not the cases'
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", disk_full)
    failed, _ = deliver(ParquetDestination(url), version=2)
    monkeypatch.setattr(files.os, "replace", real_replace)
    kept = len(stored_cases(ParquetDestination(url))[0]) - len(expected_cases(1))

    assert failed.status == "failed" and "disk full" in failed.error
    assert kept > 0 and failed.cases_opened == kept
    again, _ = deliver(ParquetDestination(url), version=2)
    added = len(expected_cases(2).keys() - expected_cases(1).keys())
    assert again.ok and again.cases_opened == added - kept
    assert stored_cases(ParquetDestination(url))[0] == expected_cases(2) | expected_cases(1)


def test_cxbridge_sync_says_the_cases_a_failed_batch_kept(workspace, monkeypatch):
    workspace.config.write_text(workspace.config.read_text() + "\n[loop.rules.detractors]\n")
    workspace.write_csv([survey_row(n, nps=n % 7) for n in range(1, 6)])  # NPS 0–6: each a detractor
    real_replace = os.replace
    monkeypatch.setattr(files.os, "replace", lambda source, target: real_replace(source, target)
                        if f"{os.sep}feedback{os.sep}source=survey" not in str(target) else (_ for _ in ()).throw(OSError("disk full")))  # fmt: skip

    synced = CliRunner().invoke(cli, ["sync", "--destination", f"parquet:///{workspace.root / 'lake'}"])

    assert synced.exit_code == 1
    [line] = [line for line in synced.output.splitlines() if line.startswith("✘ survey")]
    assert "OSError: disk full (the batch's records were not kept, its 5 cases were; " in line, line
    assert line.endswith("(5 cases opened before it failed, kept)"), line
