"""The BigQuery destination against cassettes of the documented REST calls (datasets.insert,
tables.get, multipart load jobs polled with jobs.get until DONE, jobs.query and — for a query not
complete at once — jobs.getQueryResults, tables.delete): the requests it sends — each query's SQL
must match the cassette's exactly — and how it reads the answers. The cassettes were recorded
from tests/bigquery_api.py and hold no credentials."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
import vcr
from google.oauth2.credentials import Credentials

from cxbridge.destinations import Batch, CursorUpdate, QuarantineItem, SyncRun
from cxbridge.layout import INITIAL_TABLES
from cxbridge import lock_rows
from cxbridge.errors import ConfigError, DestinationError, DestinationLockedError
from cxbridge.plugins.bigquery import destination as bigquery_destination
from cxbridge.plugins.bigquery.destination import BigQueryDestination, parse_url
from cxbridge.reporting import ReportOptions, report_rows
from cxbridge.tables import to_rows
from cxbridge.testing.destinations import deliver, snapshot
from cxbridge.testing.sample_feedback import SampleFeedback, SampleFeedbackConfig, raw_record
from cxbridge.sources import SourceContext
from cxbridge.normalize import RecordBuilder
from cxbridge.views import VIEW_NAMES, view_sql
from tests.bigquery_api import LoadFailure, Result, fake_bigquery
from tests.conftest import ROOT

CASSETTES = ROOT / "cassettes" / "bigquery"
RECORDING = os.environ.get("CXBRIDGE_RECORD_CASSETTES") == "1"
URL = "bigquery://acme-cx/feedback?location=EU"
TOKEN = "ya29.test-token-never-recorded"
GOOGLE = "https://bigquery.googleapis.com"
HOLDER = "worker-1:4242:0a1b2c3d"
TAKEN = Result(r"MERGE INTO cxbridge_locks", affected=1)  # the lock row inserted (or an expired one taken over)
HOLDERS = [{"name": "name", "type": "STRING"}, {"name": "holder", "type": "STRING"}]


@pytest.fixture(autouse=True)
def same_holder(monkeypatch):
    """The lock holder's name (host:pid:random) as recorded."""
    monkeypatch.setattr(lock_rows, "holder_name", lambda: HOLDER)


def same_sql(recorded, live) -> bool:
    """Queries must send exactly the recorded SQL; other bodies (uploads) may differ. A bool, not
    an assert: vcrpy tries every recorded request, and pytest's explanation of each failed assert
    (a diff of two scripts) was most of a cassette test's CPU."""
    queries = [
        json.loads(r.body).get("query") if r.body and r.body.startswith(b"{") else None for r in (recorded, live)
    ]
    return queries[0] == queries[1]


def as_google(request):
    """Recorded from 127.0.0.1, stored as the call to Google's endpoint it stands for."""
    request.uri = GOOGLE + "/" + request.uri.split("/", 3)[3]
    return request


def without_server_headers(response):
    for name in ("Server", "Date"):
        response["headers"].pop(name, None)
    return response


@contextmanager
def exchange(name: str, *results: Result, tables: set[str] = frozenset(), **api_options):  # type: ignore[assignment]
    """A BigQuery destination whose HTTP replays cassettes/bigquery/NAME.yaml (or records it
    from the local API, with `api_options` for tests.bigquery_api.fake_bigquery, when
    CXBRIDGE_RECORD_CASSETTES=1)."""
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if RECORDING else "none",
        match_on=["method", "scheme", "host", "path", "query", "sql"],
        filter_headers=["authorization", "x-goog-api-client", "user-agent"],
        before_record_request=as_google,
        before_record_response=without_server_headers,
    )
    recorder.register_matcher("sql", same_sql)
    with fake_bigquery(*results, tables=set(tables), **api_options) as api:
        options = {"api_endpoint": api.url} if RECORDING else None
        destination = BigQueryDestination(URL, credentials=Credentials(token=TOKEN), client_options=options)
        destination._session = "test0session"  # staging table names appear in the recorded SQL
        with recorder.use_cassette(f"{name}.yaml", allow_playback_repeats=False) as cassette:
            yield destination, cassette
        assert RECORDING or cassette.all_played, "every documented call of the cassette must be made"


def sample_batch() -> Batch:
    source = SampleFeedback(SampleFeedbackConfig(), SourceContext(name="store_survey", base_dir=Path.cwd()))
    stream = source.streams()[0]
    builder = RecordBuilder(context=source.context, config=source.config, connector=source.name, stream=stream.name)
    at = "2026-01-05T08:00:00Z"
    records = [to_rows(stream.normalize(raw_record(n, 1), builder), ingested_at=at, run_id="run1") for n in (1, 2, 3)]
    bad = QuarantineItem(
        "q1", "store_survey", "responses", "F0019", {"nps": "11"}, "nps answer 11 is outside its scale 0–10"
    )
    cursor = CursorUpdate("store_survey", "responses", "2026-02-07T10:03:00+00:00")
    return Batch(run_id="run1", source="store_survey", stream="responses", started_at=at, records=records,
                 quarantined=[bad], cursor=cursor)  # fmt: skip


def test_first_sync_creates_schema_then_loads_and_merges_a_batch_in_one_transaction():
    counted = Result(r"COUNT\(\*\) AS n FROM cx_changed", [{"name": "n", "type": "INTEGER"}], [["3"]], slow=True)
    with exchange("first_sync", counted, TAKEN) as (destination, cassette):
        destination.open()
        stats = destination.write_batch(sample_batch())
        destination.close()
    assert (stats.written, stats.unchanged, stats.quarantined) == (3, 0, 1)
    calls = [(r.method, r.path.split("/bigquery/v2/projects/acme-cx")[-1]) for r in cassette.requests]
    assert calls[0] == ("POST", "/datasets")
    uploads = [r for r in cassette.requests if r.path.startswith("/upload/")]
    assert len(uploads) == 4 and all(b'"sourceFormat": "NEWLINE_DELIMITED_JSON"' in r.body for r in uploads)
    assert all(b'"writeDisposition": "WRITE_TRUNCATE"' in r.body for r in uploads)
    queries = [json.loads(r.body)["query"] for r in cassette.requests if r.path.endswith("/queries")]
    assert any(q.startswith("CREATE TABLE IF NOT EXISTS feedback (record_id STRING NOT NULL") for q in queries)
    assert any("CREATE VIEW nps_by_month AS" in q and "`acme-cx.feedback.feedback` f" in q for q in queries)
    (views,) = [q for q in queries if "CREATE VIEW" in q]  # each script one job, its statements child jobs
    assert views.count("DROP VIEW IF EXISTS ") == views.count("CREATE VIEW ") == len(VIEW_NAMES)
    tables = next(q for q in queries if q.startswith("CREATE TABLE IF NOT EXISTS feedback "))
    assert [t.split(" (")[0] for t in tables.split(";\n")] == [f"CREATE TABLE IF NOT EXISTS {t.name}" for t in INITIAL_TABLES]  # fmt: skip
    (recorded,) = [values for sql, values in queries_of(cassette) if sql.startswith("INSERT INTO cxbridge_migrations")]
    assert recorded[::2] == [migration.name for migration in BigQueryDestination.migrations]
    assert not [q for q in queries if q.startswith(("ALTER TABLE", "UPDATE ", "SELECT DISTINCT"))], "created with every column"
    script = next(q for q in queries if "BEGIN TRANSACTION" in q)
    steps = [statement.split(" (")[0].split(" t USING")[0] for statement in script.split(";\n")]
    assert steps[steps.index("BEGIN TRANSACTION") :] == [
        "BEGIN TRANSACTION", "INSERT INTO cx_changed", "DELETE FROM feedback_scores WHERE record_id IN",
        "DELETE FROM feedback_comments WHERE record_id IN", "MERGE INTO feedback", "INSERT INTO feedback_scores",
        "INSERT INTO feedback_comments", "DELETE FROM quarantine WHERE record_id IN", "MERGE INTO quarantine",
        "DELETE FROM feedback_scores WHERE record_id IN", "DELETE FROM feedback_comments WHERE record_id IN",
        "DELETE FROM feedback WHERE record_id IN", "MERGE INTO sync_state", "COMMIT TRANSACTION", "SELECT COUNT(*) AS n FROM cx_changed",
    ]  # fmt: skip
    assert [r.method for r in cassette.requests[-4:]] == ["DELETE"] * 4, "the session's staging tables go"
    sent = queries_of(cassette)
    taken = [n for n, (sql, values) in enumerate(sent) if sql.startswith("MERGE INTO cxbridge_locks")]
    assert [sent[n][1][0] for n in taken] == ["section migrations", "section write"]
    made = [sql for sql, _ in sent if sql.startswith("CREATE TABLE IF NOT EXISTS cxbridge_locks")]
    assert len(made) == 1 and calls.count(("POST", "/datasets")) == 2, "both sections' lock rows on one client"
    merged = next(n for n, (sql, _) in enumerate(sent) if "BEGIN TRANSACTION" in sql)
    released = [n for n, (sql, _) in enumerate(sent) if sql.startswith("DELETE FROM cxbridge_locks")]
    assert taken[1] < merged < released[1], "the batch's transaction runs holding the write section's lock row"
    jobs = jobs_of(cassette)  # each load job comes back RUNNING and is polled with jobs.get until DONE
    loads = [calls for calls in jobs.values() if calls[0][0] == "upload"]
    assert len(loads) == 4 and all(calls == [("upload", "RUNNING"), ("jobs", "DONE")] for calls in loads)
    (merge,) = [calls for calls in jobs.values() if calls[0] == ("queries", "False")]  # jobComplete: false
    assert ("queries", "True") in merge[1:] and ("jobs", "DONE") in merge[1:], "waited for with getQueryResults"


def test_a_batch_without_quarantined_records_sends_no_statement_about_them():
    """Each statement of the batch's script is a child job: with nothing quarantined, the quarantine
    stage is neither loaded, emptied nor read — only fixed records are taken out of quarantine."""
    batch = sample_batch()
    batch.quarantined = []
    counted = Result(r"COUNT\(\*\) AS n FROM cx_changed", [{"name": "n", "type": "INTEGER"}], [["3"]])
    with exchange("no_quarantine", counted, TAKEN) as (destination, cassette):
        destination.open()
        stats = destination.write_batch(batch)
        destination.close()
    assert (stats.written, stats.quarantined) == (3, 0)
    script = next(sql for sql, _ in queries_of(cassette) if "BEGIN TRANSACTION" in sql)
    fixed = "DELETE FROM quarantine WHERE record_id IN (SELECT record_id FROM cx_stage_feedback_test0session)"
    assert script.count("quarantine") == fixed.count("quarantine") and fixed in script
    assert not [r for r in cassette.requests if r.path.startswith("/upload/") and b"cx_stage_quarantine" in r.body]


def jobs_of(cassette) -> dict[str, list[tuple[str, str]]]:
    """Per job id, the (method, REST call) of every request about it, in order."""
    calls: dict[str, list[tuple[str, str]]] = {}
    for request, response in zip(cassette.requests, cassette.responses, strict=True):
        body = json.loads(response["body"]["string"] or b"{}")
        path = request.path.split("/projects/acme-cx/")[-1]
        job = body.get("jobReference", {}).get("jobId")
        if job:
            kind = path.split("/")[0] if request.method == "GET" else ("upload" if "upload" in request.path else path)
            calls.setdefault(job, []).append(
                (kind, body.get("status", {}).get("state") or str(body.get("jobComplete")))
            )
    return calls


def test_a_failed_load_job_says_why_and_merges_nothing():
    failure = LoadFailure(
        "cx_stage_feedback_scores",
        "Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: 1",
    )
    counted = Result(r"COUNT\(\*\) AS n FROM cx_changed", [{"name": "n", "type": "INTEGER"}], [["3"]])
    options = {"load_states": ("PENDING", "RUNNING"), "load_failures": (failure,)}
    with exchange("failed_load", counted, TAKEN, **options) as (destination, cassette):
        destination.open()
        with pytest.raises(DestinationError) as raised:
            destination.write_batch(sample_batch())
        destination.close()
    message = str(raised.value)
    assert "load job" in message and "feedback_scores rows into the staging table" in message
    assert "JSON table encountered too many errors" in message and "Nothing of this batch was merged" in message
    loads = [calls for calls in jobs_of(cassette).values() if calls[0][0] == "upload"]
    assert loads == [[("upload", "PENDING"), ("jobs", "RUNNING"), ("jobs", "DONE")]] * 2, "feedback, then its scores"
    polls = [str(response["body"]["string"]) for r, response in zip(cassette.requests, cassette.responses, strict=True)
             if "/jobs/" in r.path]  # fmt: skip
    assert '"errorResult"' in polls[-1] and '"errorResult"' not in "".join(polls[:-1])
    queries = [json.loads(r.body)["query"] for r in cassette.requests if r.path.endswith("/queries")]
    assert not [q for q in queries if "MERGE" in q and "BEGIN TRANSACTION" in q], "no merge after a failed load"


def test_a_failed_load_job_leaves_the_tables_as_they_were():
    """On the local API with its engine: version 2 of the data fails to load, nothing changes."""
    from tests.bigquery_engine import Engine

    with fake_bigquery(engine=Engine()) as api:

        def destination() -> BigQueryDestination:
            options = {"api_endpoint": api.url}
            return BigQueryDestination(URL, credentials=Credentials(token=TOKEN), client_options=options)

        # batches of 20, three a source, as the conformance suite's BigQuery class: each is several jobs
        assert all(result.ok for result in deliver(destination(), batch_size=20))
        before = snapshot(destination()).results
        api.load_failures.append(LoadFailure("cx_stage_feedback_", "Provided Schema does not match Table"))
        failed = deliver(destination(), version=2, batch_size=20)
        api.load_failures.clear()
        after = snapshot(destination()).results
    assert [result.ok for result in failed] == [False, False]
    assert all("Provided Schema does not match Table" in result.error for result in failed)
    assert {name: rows for name, rows in after.items() if name != "sync_runs"} == {
        name: rows for name, rows in before.items() if name != "sync_runs"
    }


def test_reads_the_cursor_and_a_report_with_native_types():
    cursor = Result(r"SELECT cursor FROM sync_state", [{"name": "cursor", "type": "STRING"}], [['"2026-02-07"']])
    monthly = Result(
        r"submitted_local_date.*GROUP BY bucket",
        [
            {"name": "bucket", "type": "STRING"},
            {"name": "program", "type": "STRING"},
            {"name": "responses", "type": "INTEGER"},
            {"name": "nps", "type": "FLOAT"},
        ],
        [["2025-02", "voc", "9", "-11.1"], ["2025-01", "voc", "12", "16.7"]],
        slow=True,  # answered by getQueryResults after jobComplete: false
    )
    with exchange("reads", cursor, monthly, tables={"cxbridge_migrations"}) as (destination, _):
        assert destination.exists()
        destination.open(read_only=True)
        assert destination.get_cursor("store_survey", "responses") == "2026-02-07"
        rows = report_rows(destination, ReportOptions(by="month", metric="nps"))
        destination.close()
    assert [(row["month"], row["responses"], row["nps"]) for row in rows] == [
        ("2025-01", 12, 16.7),
        ("2025-02", 9, -11.1),
    ]


def test_listed_rows_are_read_a_page_at_a_time_as_they_are_taken(monkeypatch):
    """`query_rows` (cases list, quarantine list, duplicates) asks jobs.query for a page of rows
    and jobs.getQueryResults for each next one, with the page token the one before gave, when the
    rows before it are taken — not the job's whole result at once. Pages of 2 rows here (of
    FETCH_BATCH, 1,000, in use)."""
    monkeypatch.setattr(bigquery_destination, "FETCH_BATCH", 2)
    five = Result(r"SELECT case_id FROM feedback_cases", [{"name": "case_id", "type": "STRING"}],
                  [[f"c{n}"] for n in range(1, 6)])  # fmt: skip
    with exchange("paged_rows", five, tables={"cxbridge_migrations"}) as (destination, cassette):
        destination.open(read_only=True)
        rows = destination.query_rows("SELECT case_id FROM feedback_cases ORDER BY case_id")
        assert [next(rows) for _ in range(2)] == [{"case_id": "c1"}, {"case_id": "c2"}]
        asked_before = cassette.play_count
        assert [row["case_id"] for row in rows] == ["c3", "c4", "c5"]
        destination.close()
    pages = [(r.method, r.path.rsplit("/", 2)[-2], dict(r.query)) for r in cassette.requests if "/queries" in r.path]
    query = next(n for n, r in enumerate(cassette.requests) if r.path.endswith("/queries"))
    assert json.loads(cassette.requests[query].body)["maxResults"] == 2
    later = [(asked.get("pageToken"), asked.get("maxResults")) for method, _, asked in pages if method == "GET"]
    assert ("2", "2") in later and ("4", "2") in later  # the second and third pages, by the tokens given
    assert not [r for r in cassette.requests[:asked_before] if "pageToken=" in r.uri]  # none read ahead


def test_a_failed_query_is_a_destination_error_with_bigquerys_reason():
    broken = Result(r"SELECT cursor", error="Unrecognized name: cursor at [1:8]")
    with exchange("failed_query", broken, tables={"cxbridge_migrations"}) as (destination, _):
        destination.open(read_only=True)
        with pytest.raises(DestinationError, match="BigQuery .*Unrecognized name: cursor"):
            destination.get_cursor("store_survey", "responses")
        destination.close()


def test_a_run_row_is_merged_with_typed_parameters():
    with exchange("save_run", tables={"cxbridge_migrations"}) as (destination, cassette):
        destination.open(read_only=True)
        from datetime import datetime, timezone

        destination.save_run(SyncRun("run1", "store_survey", "csv", datetime(2026, 1, 5, 8, tzinfo=timezone.utc)))
        destination.close()
    body = json.loads(cassette.requests[-1].body)
    assert body["query"].startswith("MERGE INTO sync_runs t USING (SELECT CAST(@p0 AS STRING) AS run_id")
    types = {p["name"]: p["parameterType"]["type"] for p in body["queryParameters"]}
    assert types["p0"] == "STRING" and types["p6"] == "INT64" and types["p11"] == "BOOL" and types["p12"] == "INT64"


def test_missing_credentials_say_how_to_provide_them(monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(DestinationError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        BigQueryDestination(URL).open()


def test_cassettes_hold_no_credentials():
    texts = [path.read_text() for path in CASSETTES.glob("*.yaml")]
    assert len(texts) == 11
    assert not [t for t in texts if TOKEN in t or "authorization" in t.lower() or "Bearer" in t]


def queries_of(cassette) -> list[tuple[str, list]]:
    """Each jobs.query request's SQL and parameter values, in order."""
    bodies = [json.loads(r.body) for r in cassette.requests if r.path.endswith("/queries")]
    return [(b["query"], [p["parameterValue"]["value"] for p in b["queryParameters"]]) for b in bodies]


def test_a_source_lock_is_one_merge_whose_affected_row_count_says_it_was_taken():
    mine = Result(r"SELECT name, holder FROM cxbridge_locks", HOLDERS, [["source store_survey", HOLDER]])
    with exchange("lock_taken", TAKEN, mine) as (destination, cassette):
        with destination.lock_sources(["store_survey"]):
            pass
    (create, _), (merge, taken), (read, _), (release, released) = queries_of(cassette)
    assert create == (
        "CREATE TABLE IF NOT EXISTS cxbridge_locks (name STRING NOT NULL, holder STRING NOT NULL, "
        "acquired_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL)"
    )  # no PRIMARY KEY: BigQuery keys are NOT ENFORCED
    later = "TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 300 SECOND)"
    assert merge == (
        "MERGE INTO cxbridge_locks t USING (SELECT @p0 AS name) s ON t.name = s.name WHEN MATCHED AND "
        f"t.expires_at < CURRENT_TIMESTAMP() THEN UPDATE SET holder = @p1, acquired_at = CURRENT_TIMESTAMP(), "
        f"expires_at = {later} WHEN NOT MATCHED THEN INSERT (name, holder, acquired_at, expires_at) "
        f"VALUES (s.name, @p2, CURRENT_TIMESTAMP(), {later})"
    )
    assert taken == ["source store_survey", HOLDER, HOLDER]
    assert read == "SELECT name, holder FROM cxbridge_locks WHERE NOT (expires_at < CURRENT_TIMESTAMP())"
    assert (release, released) == ("DELETE FROM cxbridge_locks WHERE holder = @p0", [HOLDER])
    answers = [json.loads(r["body"]["string"]) for q, r in zip(cassette.requests, cassette.responses, strict=True)
               if q.path.endswith("/queries")]  # fmt: skip
    assert answers[1]["numDmlAffectedRows"] == "1"


@pytest.mark.parametrize(
    ("cassette_name", "merge"),
    [
        ("lock_held", Result(r"MERGE INTO cxbridge_locks", affected=0)),  # the row is another's, not expired
        ("lock_conflict", Result(r"MERGE INTO cxbridge_locks", error="Could not serialize access to table "
                                 "acme-cx:feedback.cxbridge_locks due to concurrent update")),  # lost the race
    ],
)  # fmt: skip
def test_a_source_lock_another_process_holds_is_refused_with_its_holder(cassette_name, merge):
    theirs = Result(
        r"SELECT name, holder FROM cxbridge_locks", HOLDERS, [["source store_survey", "worker-2:77:ffee0011"]]
    )
    with exchange(cassette_name, merge, theirs) as (destination, cassette):
        with pytest.raises(DestinationLockedError) as refused:
            with destination.lock_sources(["store_survey"]):
                pass
    assert str(refused.value).startswith(
        "another cxbridge sync (worker-2:77:ffee0011) is writing source 'store_survey' to bigquery://acme-cx/feedback"
    )
    sent = [sql.split(" ")[0] for sql, _ in queries_of(cassette)]
    assert sent == ["CREATE", "MERGE", "SELECT"], "nothing to let go of: no DELETE"


def test_a_lock_row_another_process_inserted_at_the_same_time_is_let_go(monkeypatch):
    """Should BigQuery ever let two MERGEs both insert a row of one name, the one that reads the
    other's row back lets go of its own: both rows are read after their inserts."""
    monkeypatch.setattr(lock_rows.RowLockedDestination, "lock_poll", 0.01)
    both = Result(r"SELECT name, holder FROM cxbridge_locks", HOLDERS,
                  [["source store_survey", HOLDER], ["source store_survey", "worker-2:77:ffee0011"]])  # fmt: skip
    with exchange("lock_duplicate", TAKEN, both) as (destination, cassette):
        with pytest.raises(DestinationLockedError, match=r"\(worker-2:77:ffee0011\) is writing source 'store_survey'"):
            with destination.lock_sources(["store_survey"], wait=0):
                pass
    sent = [(sql.split(" ")[0], values) for sql, values in queries_of(cassette)]
    assert sent[1:] == [("MERGE", ["source store_survey", HOLDER, HOLDER]), ("SELECT", []), ("DELETE", [HOLDER])]


def test_views_name_their_tables_with_the_dataset():
    sql = view_sql(BigQueryDestination(URL))["detractor_queue"]
    assert "FROM `acme-cx.feedback.feedback` f" in sql and "FROM `acme-cx.feedback.feedback_followups`" in sql
    assert "FROM `acme-cx.feedback.feedback_cases`" in sql


@pytest.mark.parametrize(
    ("url", "expected"),
    [("bigquery://p/d", ("p", "d", None)), ("bigquery://my-proj/cx_data?location=EU", ("my-proj", "cx_data", "EU"))],
)
def test_url_names_project_dataset_and_location(url, expected):
    assert parse_url(url) == expected


@pytest.mark.parametrize("url", ["bigquery://p", "bigquery:///d", "bigquery://p/d/extra", "bigquery://p/d?region=EU"])
def test_bad_urls_say_how_to_write_one(url):
    with pytest.raises(ConfigError, match="bigquery://PROJECT/DATASET"):
        parse_url(url)
