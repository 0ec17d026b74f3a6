"""The SQLite destination: tracked migrations, the BI views and their numbers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timezone
from fractions import Fraction

import pytest

from cxbridge.errors import ConfigError, DestinationError
from cxbridge.plugins.sqlite.destination import SQLiteDestination, path_of
from cxbridge.plugins.sqlite.sqlite_utils_lean import Database
from tests.conftest import Workspace, half_up, survey_row

TABLES = {"feedback", "feedback_scores", "feedback_comments", "feedback_followups", "sync_runs", "sync_state", "quarantine",
          "crm_accounts", "crm_contacts", "feedback_cases", "feedback_case_events", "loop_outbox"}  # fmt: skip
VIEWS = {"nps_by_month", "csat_by_month", "ces_by_month", "location_scorecard", "detractor_queue", "nps_by_segment",
         "nps_revenue_by_month"}  # fmt: skip


def test_open_creates_tables_and_views_once(tmp_path):
    destination = SQLiteDestination(f"sqlite:///{tmp_path / 'x.db'}")
    destination.open()
    destination.close()
    destination.open()
    names = {row["name"]: row["type"] for row in destination.query("SELECT name, type FROM sqlite_master")}
    assert TABLES <= {n for n, t in names.items() if t == "table"}
    assert VIEWS <= {n for n, t in names.items() if t == "view"}
    applied = destination.query("SELECT name FROM _sqlite_migrations WHERE migration_set = 'cxbridge' ORDER BY rowid")
    assert [row["name"] for row in applied] == ["0001_initial_tables", "0002_bi_views", "0003_crm_tables",
                                                "0004_crm_views", "0005_local_dates", "0006_metadata",
                                                "0007_population_views",
                                                "0008_cross_source_identity", "0009_loop_tables", "0010_loop_views",
                                                "0011_question_keys", "0012_ranking_views", "0013_waves",
                                                "0014_indexes_that_pay", "0015_scores_by_record",
                                                "0016_case_indexes", "0017_later_events_by_case",
                                                "0018_exact_rounding", "0019_overdue_before_contact", "0020_cases_follow_up",
                                                "0021_sla_share_of_decided_cases", "0022_erasures",
                                                "0023_store_names", "0024_skipped_count", "0025_revenue_currency",
                                                "0026_ranking_flags_apart", "0027_scorecard_flags_apart",
                                                "0028_counts_across_currencies", "0029_unknown_detractor_revenue",
                                                "0030_latest_spelling_in_time", "0031_pruned_count", "0032_run_command",
                                                "0033_ranking_places_exact", "0034_case_local_months",
                                                "0035_quarantine_kinds"]  # fmt: skip
    assert destination.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    destination.close()


def test_a_new_file_creates_each_view_once_and_has_the_schema_of_a_file_migrated_release_by_release(tmp_path):
    """A new file skips the views of its earlier migrations (no stored data to upgrade) and gets
    today's once, after the last: the same tables, indexes and views as a file that met each
    migration in turn, with every migration recorded. The file is an empty one (as `touch` makes
    it): a file not there is written from the process's template, which these migrations made."""
    from cxbridge.plugins.sqlite.schema import migrations
    from cxbridge.views import VIEW_NAMES

    old = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    names = [migration.name for migration in migrations.pending(Database(old))]
    for following in [*names[1:], None]:  # one release at a time: every view migration creates its views
        migrations.apply(Database(old), stop_before=following)
    created: list[str] = []
    (tmp_path / "new.db").touch()
    new = SQLiteDestination(f"sqlite:///{tmp_path / 'new.db'}")
    real_connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(lambda sql: created.append(sql) if sql.startswith("CREATE VIEW") else None)
        return conn

    sqlite3.connect = traced
    try:
        new.open()
    finally:
        sqlite3.connect = real_connect
    new.close()
    assert sorted(sql.split()[2] for sql in created) == sorted(VIEW_NAMES)
    schema = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%'"
    fresh = sqlite3.connect(tmp_path / "new.db")
    assert set(fresh.execute(schema)) == set(old.execute(schema))
    recorded = "SELECT name FROM _sqlite_migrations ORDER BY rowid"
    assert fresh.execute(recorded).fetchall() == old.execute(recorded).fetchall() == [(name,) for name in names]


FILE_PRAGMAS = ("journal_mode", "user_version", "application_id", "schema_version", "page_size", "page_count",
                "freelist_count", "auto_vacuum", "encoding")  # fmt: skip


def test_a_file_written_from_the_template_is_the_file_its_migrations_make_dated_when_it_was_made(tmp_path):
    """A file not there is written from one the process set up once (bench/README.md "ttime19"):
    it holds what migrating an empty file makes, row for row of sqlite_master and of the
    migrations, with the same PRAGMAs and mode, its migrations dated at its making; nothing is
    left beside it."""
    sqlite3.connect(tmp_path / "migrated.db").close()  # an empty file, made by SQLite
    before = str(datetime.now(timezone.utc))
    for name in ("templated.db", "migrated.db"):
        destination = SQLiteDestination(f"sqlite:///{tmp_path / name}")
        destination.open()
        destination.close()
    after = str(datetime.now(timezone.utc))
    templated, migrated = (sqlite3.connect(tmp_path / name) for name in ("templated.db", "migrated.db"))
    for query in ("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid",
                  "SELECT migration_set, name FROM _sqlite_migrations ORDER BY rowid",
                  *(f"PRAGMA {pragma}" for pragma in FILE_PRAGMAS)):  # fmt: skip
        assert templated.execute(query).fetchall() == migrated.execute(query).fetchall(), query
    times = {time for (time,) in templated.execute("SELECT applied_at FROM _sqlite_migrations")}
    assert len(times) == 1 and before <= times.pop() <= after
    assert (tmp_path / "templated.db").stat().st_mode == (tmp_path / "migrated.db").stat().st_mode
    templated.close()
    migrated.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["migrated.db", "templated.db"]


def test_the_writing_connection_caches_64_mib_and_checkpoints_every_100_000_pages_a_reader_the_defaults(tmp_path):
    """A sync's batches touch index pages all over the file (keys arrive in random order): the
    writer keeps 64 MiB of them (a negative cache_size counts KiB) and lets the WAL grow to
    100,000 pages before copying it into the file; a read-only reader keeps SQLite's own."""
    defaults = sqlite3.connect(":memory:")
    writer = SQLiteDestination(f"sqlite:///{tmp_path / 'x.db'}")
    writer.open()
    assert writer.query("PRAGMA cache_size")[0]["cache_size"] == -64 * 1024
    assert writer.query("PRAGMA wal_autocheckpoint")[0]["wal_autocheckpoint"] == 100_000
    reader = SQLiteDestination(f"sqlite:///{tmp_path / 'x.db'}")
    reader.open(read_only=True)
    assert reader.query("PRAGMA cache_size")[0]["cache_size"] == defaults.execute("PRAGMA cache_size").fetchone()[0]
    assert reader.query("PRAGMA wal_autocheckpoint")[0]["wal_autocheckpoint"] == 1000
    reader.close()
    writer.close()


def test_a_sync_commits_10_000_records_a_batch_and_leaves_no_wal_behind(tmp_path):
    """On a large file each commit writes a page of every key index per record whatever the rows
    in it, so SQLite takes batches of 10,000; the WAL, up to 100,000 pages, goes with the sync."""
    workspace = Workspace(tmp_path)
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000\n", ""), encoding="utf-8")
    workspace.write_csv([survey_row(n) for n in range(1, 10_002)])
    events = []
    [result] = workspace.sync(on_progress=events.append).results
    assert result.written == 10_001
    assert [event.kind for event in events].count("batch_committed") == 2
    assert not (tmp_path / "cxbridge.db-wal").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [("sqlite:///rel/x.db", "base/rel/x.db"), ("sqlite:////abs/x.db", "/abs/x.db")],
)
def test_url_paths(url, expected, tmp_path):
    from pathlib import Path

    assert path_of(url, Path("base")) == Path(expected)


def test_url_without_a_path_is_a_config_error():
    from pathlib import Path

    with pytest.raises(ConfigError, match="not a SQLite URL"):
        path_of("sqlite://", Path("."))


@pytest.fixture
def synced(workspace: Workspace) -> Workspace:
    rows = [survey_row(n, day=n % 2) for n in range(1, 81)]
    workspace.write_csv(rows)
    workspace.sync()
    workspace.rows = rows
    return workspace


def test_nps_by_month_counts_groups(synced: Workspace):
    by_month: dict[str, list[int]] = {}
    for row in synced.rows:
        by_month.setdefault(row[1][:7], []).append(int(row[3]))
    for month, responses, promoters, passives, detractors, nps in synced.query(
        "SELECT month, responses, promoters, passives, detractors, nps FROM nps_by_month"
    ):
        scores = by_month[month]
        assert responses == len(scores)
        assert (promoters, passives, detractors) == (
            sum(s >= 9 for s in scores), sum(7 <= s <= 8 for s in scores), sum(s <= 6 for s in scores),
        )  # fmt: skip
        assert nps == half_up(Fraction(100 * (promoters - detractors), responses))


def test_csat_and_ces_views_use_boxes(synced: Workspace):
    [(responses, satisfied, pct)] = synced.query("SELECT SUM(responses), SUM(satisfied), MAX(csat_pct) FROM csat_by_month")
    assert (responses, satisfied, pct) == (80, 80, 100.0)  # every row answered "Satisfied" (4 of 5)
    efforts = [int(row[5]) for row in synced.rows]
    [(low, high)] = synced.query("SELECT SUM(low_effort), SUM(high_effort) FROM ces_by_month")
    assert (low, high) == (sum(e >= 6 for e in efforts), sum(e <= 2 for e in efforts))


def test_location_scorecard_ranks_and_flags(workspace: Workspace):
    scores = {"S0": [10, 10], "S1": [9, 6], "S2": [9, 9, 6], "S3": [0, 1], "S4": [6, 6, 9], "S5": [7, 10]}
    rows, n = [], 0
    for store, values in scores.items():
        for value in values:
            n += 1
            row = survey_row(n, nps=value)
            row[2] = store
            rows.append(row)
    workspace.write_csv(rows)
    workspace.sync()
    card = workspace.query("SELECT location_id, nps, rank, top_20_pct, bottom_20_pct FROM location_scorecard ORDER BY rank")
    assert card == [
        ("S0", 100.0, 1, 1, 0),
        ("S5", 50.0, 2, 1, 0),  # 6 locations: the top 20% is 1.2 places, so ranks 1 and 2
        ("S2", 33.3, 3, 0, 0),
        ("S1", 0.0, 4, 0, 0),
        ("S4", -33.3, 5, 0, 1),
        ("S3", -100.0, 6, 0, 1),
    ]


def test_detractor_queue_closes_when_followed_up(synced: Workspace):
    detractors = {row[0] for row in synced.rows if int(row[3]) <= 6}
    queued = {row[0] for row in synced.query(
        "SELECT f.source_record_id FROM detractor_queue q JOIN feedback f USING (record_id)")}
    assert queued == detractors
    [(record_id,)] = synced.query("SELECT record_id FROM feedback WHERE source_record_id = 'R1'")
    with sqlite3.connect(synced.db) as conn:
        conn.execute("INSERT INTO feedback_followups VALUES (?, '2025-06-01T00:00:00Z', 'ana', 'called back')", [record_id])
    assert synced.query("SELECT COUNT(*) FROM detractor_queue WHERE record_id = ?", [record_id]) == [(0,)]


def test_readers_are_not_blocked_while_a_sync_writes(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 5)])
    workspace.sync()
    reader = sqlite3.connect(workspace.db)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM feedback").fetchone() == (4,)
    workspace.write_csv([survey_row(n) for n in range(1, 9)])
    [result] = workspace.sync().results
    assert result.written == 4
    reader.rollback()
    reader.close()


FOLLOWUP_WRITER = """
import sqlite3, sys, time
from pathlib import Path
db, stop = sys.argv[1], Path(sys.argv[2])
conn = sqlite3.connect(db, timeout=30, isolation_level=None)
n = 0
print("writing", flush=True)
while not stop.exists():
    n += 1
    conn.execute("INSERT INTO feedback_followups VALUES (?, '2025-06-01T00:00:00Z', 'ana', 'called back')", [f"f{n}"])
    time.sleep(0.002)
print(n, flush=True)
"""


def test_a_sync_keeps_writing_while_another_process_inserts_followups(workspace: Workspace):
    """The README invites teams to write `feedback_followups` themselves: their writes, one
    transaction each, interleave with the sync's batches instead of failing it."""
    workspace.config.write_text(workspace.config.read_text().replace("batch_size = 1000", "batch_size = 5"))
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    stop = workspace.root / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", FOLLOWUP_WRITER, str(workspace.db), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline() == "writing\n"
        workspace.write_csv([survey_row(n) for n in range(1, 401)])
        [result] = workspace.sync().results
    finally:
        stop.touch()
        followups = int(writer.communicate(timeout=60)[0])
    # the file grew by appended rows, so the sync reads on from its end: rows 2–400
    assert (result.status, result.error, result.read, result.written) == ("success", None, 399, 399)
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(400,)]
    assert workspace.query("SELECT COUNT(*) FROM feedback_followups") == [(followups,)] and followups > 0


LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO feedback_followups VALUES ('held', '2025-06-01T00:00:00Z', 'ana', 'a long edit')")
print("holding", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def hold_write_lock(db) -> subprocess.Popen:
    """Another process in the middle of a write transaction, until a line on its stdin."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline() == "holding\n"
    return holder


def test_a_sync_waits_for_another_process_write_transaction(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    holder = hold_write_lock(workspace.db)
    results = []
    syncing = threading.Thread(target=lambda: results.append(workspace.sync()))
    syncing.start()
    syncing.join(1)
    assert syncing.is_alive()  # waiting for the lock, not failing
    holder.communicate("\n", timeout=30)
    syncing.join(60)
    [result] = results[0].results
    assert (result.status, result.written, result.unchanged) == ("success", 2, 0)  # rows 2 and 3, read on from the end
    assert workspace.query("SELECT record_id FROM feedback_followups") == [("held",)]


def test_a_write_lock_held_past_the_busy_timeout_fails_clearly_and_writes_nothing(workspace, monkeypatch):
    monkeypatch.setattr(SQLiteDestination, "busy_timeout", 0.2)
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    before = workspace.table("feedback"), workspace.table("sync_runs")
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    holder = hold_write_lock(workspace.db)
    try:
        with pytest.raises(DestinationError) as failed:
            workspace.sync()
    finally:
        holder.communicate("\n", timeout=30)
    assert str(failed.value) == (
        f"{workspace.db} stayed locked by another program's write for 3 × 0.2 s; end the transaction that "
        "program holds open (a BI tool or a script writing the file) and run again"
    )
    assert (workspace.table("feedback"), workspace.table("sync_runs")) == before
    [result] = workspace.sync().results
    assert (result.status, result.written) == ("success", 2)


def test_a_sync_leaves_statistics_that_keep_detractor_queue_linear(tmp_path):
    """Without table statistics SQLite joins detractor_queue to feedback_scores through the
    metric index for every record (each lookup reads every NPS score: quadratic); after a sync
    that wrote records it looks each record's scores up by record_id."""
    import cxbridge

    rows = "\n".join(f"R{i},{i % 11}" for i in range(40))
    (tmp_path / "answers.csv").write_text(f"id,nps\n{rows}\n", encoding="utf-8")
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.answers]\nconnector = "csv"\npath = "answers.csv"\nprogram = "voc"\n'
        '[sources.answers.columns]\nid = "id"\n[[sources.answers.metrics]]\ncolumn = "nps"\nmetric = "nps"\n',
        encoding="utf-8",
    )
    assert cxbridge.sync(tmp_path / "cxbridge.toml").exit_code == 0
    with sqlite3.connect(tmp_path / "cxbridge.db") as conn:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM detractor_queue")]
        assert conn.execute("SELECT COUNT(*) FROM detractor_queue").fetchone() == (sum(i % 11 <= 6 for i in range(40)),)
    lookups = [step for step in plan if "feedback_scores" in step]  # searches, and a Bloom filter before one
    assert sum(step.startswith("SEARCH") for step in lookups) == 2, plan
    assert all("(record_id=?)" in step for step in lookups), plan


AS_0013_LEFT_THEM = (
    "CREATE INDEX feedback_submitted_at ON feedback (submitted_at)",
    "CREATE INDEX feedback_scores_question_key ON feedback_scores (question_key)",
    "CREATE INDEX feedback_duplicate_of ON feedback (duplicate_of)",
    "CREATE INDEX feedback_respondent_key ON feedback (respondent_key)",
    "CREATE INDEX feedback_scores_metric ON feedback_scores (metric, is_primary)",
)


def _indexes(path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
    conn.close()
    return found


def _as_before_0014(path) -> None:
    with sqlite3.connect(path) as conn:
        for name in ("feedback_duplicate_of", "feedback_respondent_key"):
            conn.execute(f"DROP INDEX {name}")
        for sql in AS_0013_LEFT_THEM:
            conn.execute(sql)
        conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('0014_indexes_that_pay', '0015_scores_by_record')")
    conn.close()


def _every_view(path) -> dict[str, list[tuple]]:
    from cxbridge.views import VIEW_NAMES

    with sqlite3.connect(path) as conn:
        found = {name: sorted(conn.execute(f"SELECT * FROM {name}"), key=repr) for name in VIEW_NAMES}
    conn.close()
    return found


def test_the_indexes_no_query_reads_go_and_the_identity_ones_hold_only_values(tmp_path):
    """Migrations 0014 and 0015: each index costs every record written an entry. A file indexed
    as 0013 left it (copies across two sources stored, some pointers set) gets the indexes a new
    file has: no `submitted_at`, `question_key` and scores' `metric` indexes, `duplicate_of` and `respondent_key`
    indexed where they hold a value; every view gives the same rows as before, and the identity
    look-ups (`cxbridge.resolver`) still find their rows through those indexes."""
    import shutil

    from cxbridge.destinations import IDENTITY_SELECT
    from cxbridge.testing.destinations import deliver_copies

    fresh = tmp_path / "fresh.db"
    SQLiteDestination(f"sqlite:///{fresh}").open()
    new = _indexes(fresh)
    assert not {"feedback_submitted_at", "feedback_scores_question_key", "feedback_scores_metric"} & set(new)
    for column in ("duplicate_of", "respondent_key"):
        assert new[f"feedback_{column}"] == f"CREATE INDEX feedback_{column} ON feedback ({column}) WHERE {column} IS NOT NULL"

    path, before = tmp_path / "old.db", tmp_path / "before.db"
    destination = SQLiteDestination(f"sqlite:///{path}")
    deliver_copies(destination)
    _as_before_0014(path)
    shutil.copy(path, before)
    destination.open()
    destination.close()
    assert _indexes(path) == new
    with sqlite3.connect(path) as conn:
        pointed = conn.execute("SELECT COUNT(*) FROM feedback WHERE duplicate_of IS NOT NULL").fetchone()[0]
        assert pointed > 0  # the views below count copies once
        for column in ("duplicate_of", "respondent_key"):
            plans = [
                conn.execute(f"EXPLAIN QUERY PLAN SELECT {', '.join(IDENTITY_SELECT)} FROM feedback WHERE {column} IN (?, ?)", ["a", "b"]),
                conn.execute(f"EXPLAIN QUERY PLAN SELECT {column} FROM feedback WHERE {column} IS NOT NULL GROUP BY {column}"),
            ]
            for plan in plans:
                assert any(f"INDEX feedback_{column} " in row[3] for row in plan), column
    conn.close()
    assert _every_view(path) == _every_view(before)


AS_0015_LEFT_THEM = (
    "CREATE INDEX feedback_location ON feedback (location_id)",
    "CREATE INDEX feedback_cases_record_id ON feedback_cases (record_id)",
    "CREATE INDEX feedback_cases_status ON feedback_cases (status)",
)


def test_cases_are_looked_up_by_their_key_and_the_case_and_location_indexes_go(tmp_path):
    """Migration 0016: a file indexed as 0015 left it, with cases stored, loses the indexes of
    `feedback_cases (record_id)`, `feedback_cases (status)` and `feedback (location_id)`, as a new
    file has none; every view gives the same rows as before, and the loop finds which records
    are cased by the cases' key (a case's id is derived from its record's)."""
    import shutil

    from cxbridge.loop.opening import StoredState
    from cxbridge.testing.destinations import deliver

    fresh = tmp_path / "fresh.db"
    SQLiteDestination(f"sqlite:///{fresh}").open()
    new = _indexes(fresh)
    assert not {"feedback_location", "feedback_cases_record_id", "feedback_cases_status"} & set(new)

    path, before = tmp_path / "old.db", tmp_path / "before.db"
    destination = SQLiteDestination(f"sqlite:///{path}")
    deliver(destination)
    with sqlite3.connect(path) as conn:
        for sql in AS_0015_LEFT_THEM:
            conn.execute(sql)
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0016_case_indexes'")
        cased = {rid for (rid,) in conn.execute("SELECT record_id FROM feedback_cases")}
        stored = [rid for (rid,) in conn.execute("SELECT record_id FROM feedback ORDER BY record_id")]
    conn.close()
    assert cased and set(stored) - cased  # some records opened a case, others did not
    shutil.copy(path, before)
    destination.open()
    try:
        assert StoredState.read(destination, [*stored, "0" * 32]).cased == cased
        lookup = destination.query("EXPLAIN QUERY PLAN SELECT record_id FROM feedback_cases WHERE case_id IN ('a', 'b')")
        assert any("sqlite_autoindex_feedback_cases_1" in row["detail"] for row in lookup), lookup
    finally:
        destination.close()
    assert _indexes(path) == new
    assert _every_view(path) == _every_view(before)


def test_a_cases_later_events_are_indexed_by_case_and_its_opening_one_found_by_key(tmp_path):
    """Migration 0017: every case opened writes an `opened` event, which `cxbridge cases show`
    finds by its key; only the later events are indexed by case. A file as 0016 left it, with
    cases moved and noted, gets the partial index of a new file; each case's detail lists the
    same events as a plain read of its events, and the readers' queries go through the index."""
    from cxbridge.loop import tracking
    from cxbridge.loop.cases import LATER_EVENTS
    from cxbridge.testing.destinations import deliver

    fresh = tmp_path / "fresh.db"
    SQLiteDestination(f"sqlite:///{fresh}").open()
    partial = "CREATE INDEX feedback_case_events_case_id ON feedback_case_events (case_id) WHERE kind <> 'opened'"
    assert _indexes(fresh)["feedback_case_events_case_id"] == partial

    path = tmp_path / "old.db"
    destination = SQLiteDestination(f"sqlite:///{path}")
    deliver(destination)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX feedback_case_events_case_id")
        conn.execute("CREATE INDEX feedback_case_events_case_id ON feedback_case_events (case_id)")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0017_later_events_by_case'")
        case_ids = [case for (case,) in conn.execute("SELECT case_id FROM feedback_cases ORDER BY case_id")]
    conn.close()
    assert len(case_ids) >= 3
    destination.open()
    try:
        assert _indexes(path)["feedback_case_events_case_id"] == partial
        tracking.update(destination, case_ids[0], actor="anna", status="contacted", owner="anna", note="called")
        tracking.update(destination, case_ids[1], actor="ben", status="closed_no_action", reason="no contact data")
        tracking.update(destination, case_ids[1], actor="ben", status="open")  # reopened
        for case in case_ids:
            every = destination.query("SELECT * FROM feedback_case_events WHERE case_id = ?", [case])
            detail = tracking.case_detail(destination, case)
            assert sorted(map(repr, detail.events)) == sorted(map(repr, every))
            assert [event["kind"] for event in detail.events].count("opened") == 1
        assert len(tracking.case_detail(destination, case_ids[1]).events) == 3
        for query in (f"SELECT * FROM feedback_case_events WHERE {LATER_EVENTS} AND case_id = 'a'",
                      f"SELECT case_id FROM feedback_case_events WHERE {LATER_EVENTS} AND case_id IN ('a', 'b')"):  # fmt: skip
            plan = destination.query(f"EXPLAIN QUERY PLAN {query}")
            assert any("INDEX feedback_case_events_case_id" in row["detail"] for row in plan), plan
    finally:
        destination.close()


def test_a_batch_of_new_and_changed_records_keeps_the_rowids_of_one_upsert_in_key_order(workspace: Workspace):
    """A batch adds its new records by a plain INSERT (no statement journal) and upserts the
    changed ones apart: the changed keep their rows, the new take the next rowids in key order."""
    workspace.write_csv([survey_row(n) for n in range(1, 7)])
    workspace.sync()
    first = dict(workspace.query("SELECT record_id, rowid FROM feedback"))
    workspace.write_csv([survey_row(n, nps=10 if n % 2 else None) for n in range(1, 13)])
    workspace.sync()
    after = dict(workspace.query("SELECT record_id, rowid FROM feedback"))
    new = sorted(set(after) - set(first))
    assert {rid: after[rid] for rid in first} == first and len(new) == 6
    assert [after[rid] for rid in new] == list(range(len(first) + 1, len(first) + 7))
    tens = sum(1 for n in range(1, 13) if n % 2 or n % 11 == 10)
    assert workspace.query("SELECT COUNT(*) FROM feedback_scores WHERE metric = 'nps' AND value = 10") == [(tens,)]


def test_a_row_a_constraint_refuses_rolls_its_whole_batch_back(workspace: Workspace, monkeypatch):
    """Batches add rows by INSERT OR ROLLBACK: a row that breaks a constraint ends the batch's
    transaction (SQLite rolls it back itself), nothing of the batch is stored and the run says why."""
    from cxbridge.plugins.sqlite import destination

    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    workspace.sync()
    original = destination._filled_columns

    def scores_without_a_metric(table, candidates, rows, **options):
        if table.name == "feedback_scores":
            rows = [(row[0], None, *row[2:]) for row in rows]
        return original(table, candidates, rows, **options)

    monkeypatch.setattr(destination, "_filled_columns", scores_without_a_metric)
    workspace.write_csv([survey_row(n) for n in range(1, 8)])
    [result] = workspace.sync().results
    assert result.status == "failed" and "NOT NULL constraint failed: feedback_scores.metric" in result.error
    assert workspace.query("SELECT COUNT(*) FROM feedback") == [(3,)]  # the batch's feedback rows went with it
