"""The SQLite tables and their tracked migrations (sqlite-utils `Migrations`, applied once each)."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timezone

from cxbridge.destinations import Destination
from cxbridge.plugins.sqlite.sqlite_utils_lean import Database, Migrations
from cxbridge.tables import FEEDBACK_COLUMNS
from cxbridge.layout import IDENTITY_INDEXES
from cxbridge.loop.cases import LATER_EVENTS
from cxbridge.question_keys import UNKEYED_ANSWERS_SQL, key_updates
from cxbridge.views import FEEDBACK_VIEWS, VIEW_NAMES, VIEWS_BEFORE_LOOP, VIEWS_BEFORE_QUESTIONS, VIEWS_BEFORE_RANKING, view_sql

class _Migrations(Migrations):
    def _record_applied(self, db: Database, name: str) -> None:
        """The row sqlite-utils records for an applied migration, by one INSERT: its `Table.insert`
        looked the table's columns up again for each of a new file's 35 migrations."""
        db.execute(f"INSERT INTO [{self.migrations_table}] (migration_set, name, applied_at) VALUES (?, ?, ?)",
                   [self.name, name, str(datetime.now(timezone.utc))])  # fmt: skip


migrations = _Migrations("cxbridge")
PARTIAL_INDEXES = ("duplicate_of", "respondent_key")
"""Identity columns empty on most records, indexed only where they hold a value (0014)."""

FEEDBACK_DDL = """
CREATE TABLE feedback (
    record_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    connector TEXT NOT NULL,
    stream TEXT NOT NULL,
    source_record_id TEXT NOT NULL,
    program TEXT NOT NULL,
    respondent_type TEXT,
    channel TEXT,
    touchpoint TEXT,
    survey_id TEXT,
    survey_name TEXT,
    status TEXT NOT NULL,
    submitted_at TEXT,
    updated_at TEXT,
    location_id TEXT,
    location_name TEXT,
    team TEXT,
    agent_id TEXT,
    respondent_key TEXT,
    crm_contact_id TEXT,
    crm_account_id TEXT,
    ticket_id TEXT,
    language TEXT,
    country TEXT,
    nps INTEGER,
    nps_group TEXT,
    csat REAL,
    csat_normalized REAL,
    ces REAL,
    ces_normalized REAL,
    comment TEXT,
    answers TEXT,
    attributes TEXT,
    raw TEXT,
    schema_version INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    sync_run_id TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX feedback_submitted_at ON feedback (submitted_at);
CREATE INDEX feedback_source_stream ON feedback (source, stream);
CREATE INDEX feedback_location ON feedback (location_id);

CREATE TABLE feedback_scores (
    record_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    question_id TEXT NOT NULL,
    question_text TEXT,
    value REAL NOT NULL,
    scale_min REAL NOT NULL,
    scale_max REAL NOT NULL,
    direction TEXT NOT NULL,
    normalized REAL NOT NULL,
    category TEXT,
    is_primary INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (record_id, question_id, metric)
);
CREATE INDEX feedback_scores_metric ON feedback_scores (metric, is_primary);

CREATE TABLE feedback_comments (
    record_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    question_text TEXT,
    text TEXT NOT NULL,
    language TEXT,
    PRIMARY KEY (record_id, question_id)
);

CREATE TABLE feedback_followups (
    record_id TEXT PRIMARY KEY,
    followed_up_at TEXT NOT NULL,
    owner TEXT,
    note TEXT
);

CREATE TABLE sync_runs (
    run_id TEXT NOT NULL,
    source TEXT NOT NULL,
    connector TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    records_read INTEGER NOT NULL DEFAULT 0,
    records_written INTEGER NOT NULL DEFAULT 0,
    records_unchanged INTEGER NOT NULL DEFAULT 0,
    records_quarantined INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    full_refresh INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, source)
);

CREATE TABLE sync_state (
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    cursor TEXT,
    updated_at TEXT NOT NULL,
    sync_run_id TEXT NOT NULL,
    PRIMARY KEY (source, stream)
);

CREATE TABLE quarantine (
    record_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    source_record_id TEXT,
    raw TEXT,
    error TEXT NOT NULL,
    field TEXT,
    context TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    run_id TEXT NOT NULL
);
CREATE INDEX quarantine_source ON quarantine (source, stream);
"""


def run_script(db: Database, ddl: str) -> None:
    """Each statement of a DDL script (sqlite-utils runs one statement a call)."""
    for statement in ddl.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_initial_tables")
def initial_tables(db: Database) -> None:
    run_script(db, FEEDBACK_DDL)


_NEW_FILE: ContextVar[bool] = ContextVar("new_file", default=False)
"""Whether the migrations being applied are a new file's (`apply_migrations`)."""


_TRANSFORMS: dict[tuple[str, ...], list[str]] = {}
"""The statements of each `feedback` table put in FEEDBACK_COLUMNS' order, by the table's schema."""


def feedback_in_order(db: Database) -> None:
    """`feedback`'s columns put in FEEDBACK_COLUMNS' order (sqlite-utils' `transform`), its
    statements worked out once a process for each schema of the table (its CREATE TABLE, indexes
    and triggers): sqlite-utils parses the CREATE statement again for each column, 6.8 ms of a new
    file's 23 ms of CPU, and every new file has the same table to put in order."""
    table = db["feedback"]
    rows = db.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'feedback' ORDER BY rowid")
    key = tuple(str(value) for row in rows.fetchall() for value in row)
    if key not in _TRANSFORMS:
        _TRANSFORMS[key] = table.transform_sql(column_order=FEEDBACK_COLUMNS, tmp_suffix="in_order")
    table.transform_sql = lambda **_: _TRANSFORMS[key]  # type: ignore[method-assign]  # what transform runs
    table.transform(column_order=FEEDBACK_COLUMNS)


def apply_migrations(db: Database) -> None:
    """The migrations not applied yet, in the caller's transaction. A new file has no stored data
    for the views of earlier migrations to upgrade: it gets today's views once, after the last,
    as `SQLDestination.apply_migrations` does (every view at each of ten view migrations took a
    new file's set-up 0.24 s of CPU, 0.10-0.11 s without; bench/JOURNAL.md, "a new destination's
    set-up")."""
    new = not migrations.applied(db)
    token = _NEW_FILE.set(new)
    try:
        migrations.apply(db)
    finally:
        _NEW_FILE.reset(token)
    if new:
        create_views(db, VIEW_NAMES)


def create_views(db: Database, names: tuple[str, ...]) -> None:
    """The views `names`, each dropped and created again; none while a new file's migrations run."""
    if _NEW_FILE.get():
        return
    for name, sql in view_sql(Destination, names).items():  # SQLite's dialect is Destination's default
        db.execute(f"DROP VIEW IF EXISTS {name}")
        db.execute(f"CREATE VIEW {name} AS {sql}")


@migrations(name="0002_bi_views")
def bi_views(db: Database) -> None:
    create_views(db, FEEDBACK_VIEWS)


CRM_DDL = """
CREATE TABLE crm_accounts (
    source TEXT NOT NULL,
    account_id TEXT NOT NULL,
    name TEXT,
    segment TEXT,
    owner TEXT,
    annual_revenue REAL,
    currency TEXT,
    lifecycle_stage TEXT,
    industry TEXT,
    country TEXT,
    updated_at TEXT,
    attributes TEXT,
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    sync_run_id TEXT NOT NULL,
    PRIMARY KEY (source, account_id)
);
CREATE INDEX crm_accounts_account_id ON crm_accounts (account_id);

CREATE TABLE crm_contacts (
    source TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    account_id TEXT,
    respondent_key TEXT,
    lifecycle_stage TEXT,
    owner TEXT,
    updated_at TEXT,
    attributes TEXT,
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    sync_run_id TEXT NOT NULL,
    PRIMARY KEY (source, contact_id)
);
CREATE INDEX crm_contacts_contact_id ON crm_contacts (contact_id);
CREATE INDEX crm_contacts_respondent_key ON crm_contacts (respondent_key);
"""


@migrations(name="0003_crm_tables")
def crm_tables(db: Database) -> None:
    run_script(db, CRM_DDL)


@migrations(name="0004_crm_views")
def crm_views(db: Database) -> None:
    create_views(db, VIEWS_BEFORE_LOOP)  # every view again: nps_by_segment and nps_revenue_by_month join the CRM tables


@migrations(name="0005_local_dates")
def local_dates(db: Database) -> None:
    """`feedback.submitted_local_date` after `submitted_at`, as `cxbridge.layout` has it; records
    stored before get their UTC day (their month until then); a full refresh re-reads them in
    their source's time zone."""
    db["feedback"].add_column("submitted_local_date", str)
    db.execute("UPDATE feedback SET submitted_local_date = substr(submitted_at, 1, 10) WHERE submitted_at IS NOT NULL")
    if not _NEW_FILE.get():  # a new file's columns are put in order once, by 0013_waves
        feedback_in_order(db)
    create_views(db, VIEWS_BEFORE_LOOP)


@migrations(name="0006_metadata")
def metadata(db: Database) -> None:
    db.execute("CREATE TABLE cxbridge_metadata (name TEXT PRIMARY KEY, value TEXT, updated_at TEXT NOT NULL)")


@migrations(name="0007_population_views")
def population_views(db: Database) -> None:
    create_views(db, VIEWS_BEFORE_LOOP)  # every view again: one program and one metric a figure, eNPS beside NPS


@migrations(name="0008_cross_source_identity")
def cross_source_identity(db: Database) -> None:
    """`feedback.duplicate_of`, where a copy of a response read through another source points at
    the copy views count (cxbridge.resolver), and the indexes identity looks records up by."""
    db.execute("ALTER TABLE feedback ADD COLUMN duplicate_of TEXT")
    for columns in IDENTITY_INDEXES:
        db.execute(f"CREATE INDEX IF NOT EXISTS feedback_{'_'.join(columns)} ON feedback ({', '.join(columns)})")
    create_views(db, VIEWS_BEFORE_LOOP)  # every view again: they count each response once


LOOP_DDL = """
CREATE TABLE feedback_cases (
    case_id TEXT PRIMARY KEY,
    record_id TEXT NOT NULL,
    source TEXT NOT NULL,
    location_id TEXT,
    rule TEXT NOT NULL,
    matched TEXT,
    status TEXT NOT NULL,
    owner TEXT,
    opened_at TEXT NOT NULL,
    due_at TEXT,
    first_contact_at TEXT,
    resolved_at TEXT,
    informed_at TEXT,
    closed_at TEXT,
    close_reason TEXT,
    external_ref TEXT,
    updated_at TEXT NOT NULL,
    sync_run_id TEXT NOT NULL
);
CREATE INDEX feedback_cases_record_id ON feedback_cases (record_id);
CREATE INDEX feedback_cases_status ON feedback_cases (status);

CREATE TABLE feedback_case_events (
    event_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    event_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    note TEXT
);
CREATE INDEX feedback_case_events_case_id ON feedback_case_events (case_id);

CREATE TABLE loop_outbox (
    delivery_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    next_attempt_at TEXT,
    last_attempt_at TEXT,
    delivered_at TEXT,
    external_ref TEXT,
    last_error TEXT
);
CREATE INDEX loop_outbox_status ON loop_outbox (status);
"""


@migrations(name="0009_loop_tables")
def loop_tables(db: Database) -> None:
    run_script(db, LOOP_DDL)


@migrations(name="0010_loop_views")
def loop_views(db: Database) -> None:
    create_views(db, VIEWS_BEFORE_QUESTIONS)  # every view again: loop_queue and loop_performance read the case tables


@migrations(name="0011_question_keys")
def question_keys(db: Database) -> None:
    """`feedback_scores.question_key`, the logical question across versions: each stored answer
    gets its automatic key (`cxbridge.question_keys`), the one a sync of it writes, so trends run
    on across the migration; then every view, with `questions` and `question_trend`."""
    db.execute("ALTER TABLE feedback_scores ADD COLUMN question_key TEXT")
    for sql, params in key_updates(db.execute(UNKEYED_ANSWERS_SQL).fetchall(), lambda _: "?"):
        db.execute(sql, params)
    db.execute("CREATE INDEX feedback_scores_question_key ON feedback_scores (question_key)")
    create_views(db, VIEWS_BEFORE_RANKING)  # every view of its time, with questions and question_trend


@migrations(name="0012_ranking_views")
def ranking_views(db: Database) -> None:
    create_views(db, VIEW_NAMES)  # every view again: location_ranking, location_trend, agent_scorecard


@migrations(name="0013_waves")
def waves(db: Database) -> None:
    """`feedback.wave`, the mystery-shop or audit wave of a record (docs/ranking.md): empty for
    the records stored before it, after `survey_name` as `cxbridge.layout` has it; then every view again."""
    db["feedback"].add_column("wave", str)
    feedback_in_order(db)
    create_views(db, VIEW_NAMES)


@migrations(name="0014_indexes_that_pay")
def indexes_that_pay(db: Database) -> None:
    """Only the indexes some query of cxbridge reads (bench/JOURNAL.md "Issue 19: the SQLite
    table layout"): every record of a sync adds an entry to each. `feedback_submitted_at` and
    `feedback_scores_question_key` go — no view, report or look-up reads them (reports and views
    pick days by `submitted_local_date`). `duplicate_of` is empty on all but the copies and
    `respondent_key` on records without a contact: their indexes keep only the rows that have
    one, all that the identity look-ups (`= ?`, `IN (…)`, `IS NOT NULL`) ask for."""
    db.execute("DROP INDEX IF EXISTS feedback_submitted_at")
    db.execute("DROP INDEX IF EXISTS feedback_scores_question_key")
    for column in PARTIAL_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS feedback_{column}")
        db.execute(f"CREATE INDEX feedback_{column} ON feedback ({column}) WHERE {column} IS NOT NULL")
    if db["sqlite_stat1"].exists():  # a file synced before: the planner's statistics of the new indexes
        db.execute("PRAGMA analysis_limit = 400")
        for column in PARTIAL_INDEXES:
            db.execute(f"ANALYZE feedback_{column}")


@migrations(name="0015_scores_by_record")
def scores_by_record(db: Database) -> None:
    """Without `feedback_scores_metric` (3 entries a record written, 5 % of a sync's write): the
    views find a record's scores by its key; on the 100,000-record bench file they ran faster
    without it (all views 12.1 -> 10.3 s of CPU: the location and agent ones walked it whole
    per metric), and no query looks scores up by metric alone."""
    db.execute("DROP INDEX IF EXISTS feedback_scores_metric")


@migrations(name="0016_case_indexes")
def case_indexes(db: Database) -> None:
    """Without the indexes of `feedback_cases (record_id)`, `feedback_cases (status)` and
    `feedback (location_id)` (bench/JOURNAL.md "Issue 19: the case tables' indexes"): a case is
    looked up by its key, which is derived from its record's id; the loop's queue and the
    location views read their tables whole, as fast as through those indexes on the 100,000-record
    bench file, and every case (four records in five on the bench) and record written costs an
    entry less in each."""
    for index in ("feedback_cases_record_id", "feedback_cases_status", "feedback_location"):
        db.execute(f"DROP INDEX IF EXISTS {index}")


@migrations(name="0017_later_events_by_case")
def later_events_by_case(db: Database) -> None:
    """`feedback_case_events (case_id)` kept for the events after a case's opening one (every case
    opened writes an `opened` event, found by its key; bench/JOURNAL.md "Issue 19: the case
    tables' indexes"): the readers of a case's events (`cxbridge cases show`, the status
    read-back) ask for the later ones by case."""
    db.execute("DROP INDEX IF EXISTS feedback_case_events_case_id")
    db.execute(f"CREATE INDEX feedback_case_events_case_id ON feedback_case_events (case_id) WHERE {LATER_EVENTS}")
    if db["sqlite_stat1"].exists():  # a file synced before: the planner's statistics of the new index
        db.execute("PRAGMA analysis_limit = 400")
        db.execute("ANALYZE feedback_case_events_case_id")


@migrations(name="0018_exact_rounding")
def exact_rounding(db: Database) -> None:
    """Every view again: their figures are rounded from exact sums (docs/report.md, Rounding)."""
    create_views(db, VIEW_NAMES)


@migrations(name="0019_overdue_before_contact")
def overdue_before_contact(db: Database) -> None:
    """Every view again: `loop_queue.overdue` leaves out a reopened case that was contacted."""
    create_views(db, VIEW_NAMES)


@migrations(name="0020_cases_follow_up")
def cases_follow_up(db: Database) -> None:
    """Every view again: a case contacted or closed takes its record off the follow-up queues."""
    create_views(db, VIEW_NAMES)


@migrations(name="0021_sla_share_of_decided_cases")
def sla_share_of_decided_cases(db: Database) -> None:
    """Every view again: `loop_performance.contacted_within_sla_pct` is of the cases contacted or
    past due, not of those still within their SLA."""
    create_views(db, VIEW_NAMES)


@migrations(name="0022_erasures")
def erasures(db: Database) -> None:
    """`erasures`, the tombstones of `cxbridge erase` (`cxbridge.erasure`): keys and record ids, never a contact."""
    db.execute("CREATE TABLE erasures (kind TEXT NOT NULL, erased_id TEXT NOT NULL, erased_at TEXT NOT NULL, "
               "PRIMARY KEY (kind, erased_id))")  # fmt: skip


@migrations(name="0023_store_names")
def store_names(db: Database) -> None:
    """Every view again: a store goes by the spelling most of its records carry
    (`sql_parts.store_names_used`), not the greatest, which a lowercase typo won."""
    create_views(db, VIEW_NAMES)


@migrations(name="0024_skipped_count")
def skipped_count(db: Database) -> None:
    """`sync_runs.records_skipped`: empty in the runs stored, which did not count the records they left out."""
    db.execute("ALTER TABLE sync_runs ADD COLUMN records_skipped INTEGER")


@migrations(name="0025_revenue_currency")
def revenue_currency(db: Database) -> None:
    """Every view again: `nps_by_segment` and `nps_revenue_by_month` say the currency of their
    revenue (`revenue_currency`) and add no revenues of two currencies."""
    create_views(db, VIEW_NAMES)


@migrations(name="0026_ranking_flags_apart")
def ranking_flags_apart(db: Database) -> None:
    """Every view again: `location_ranking` and `location_trend` flag a store that would be both
    top and bottom (all tied, or ranked alone) neither."""
    create_views(db, VIEW_NAMES)


@migrations(name="0027_scorecard_flags_apart")
def scorecard_flags_apart(db: Database) -> None:
    """Every view again: `location_scorecard` flags a location that would be in both its top and
    bottom 20% (all tied, or ranked alone) neither."""
    create_views(db, VIEW_NAMES)


@migrations(name="0028_counts_across_currencies")
def counts_across_currencies(db: Database) -> None:
    """Every view again: `nps_revenue_by_month` counts the answers and accounts with a revenue in
    a month of mixed currencies (only its money figures are NULL)."""
    create_views(db, VIEW_NAMES)


@migrations(name="0029_unknown_detractor_revenue")
def unknown_detractor_revenue(db: Database) -> None:
    """Every view again: `nps_revenue_by_month.detractor_revenue` is NULL when a month has detractor
    answers and none of their accounts has a known revenue (an unknown revenue counted 0)."""
    create_views(db, VIEW_NAMES)


@migrations(name="0030_latest_spelling_in_time")
def latest_spelling_in_time(db: Database) -> None:
    """Every view again: of a store's spellings written as often, the latest by time names it — its
    `submitted_at` text compared without the 'Z', which put `…:00Z` after `…:00.5Z`."""
    create_views(db, VIEW_NAMES)


@migrations(name="0031_pruned_count")
def pruned_count(db: Database) -> None:
    """`sync_runs.records_pruned`: empty in the runs stored, as in every run without `--prune`."""
    db.execute("ALTER TABLE sync_runs ADD COLUMN records_pruned INTEGER")


@migrations(name="0032_run_command")
def run_command(db: Database) -> None:
    """`sync_runs.command` (sync, import, replay, remove): empty in the runs stored before it."""
    db.execute("ALTER TABLE sync_runs ADD COLUMN command TEXT")


@migrations(name="0033_ranking_places_exact")
def ranking_places_exact(db: Database) -> None:
    """Every view again: `location_ranking` and `location_trend` compare the places above a store
    with share · n in hundredths, rounded — as floats 0.28 · 25 stores was 7.000000000000001
    places, which flagged the 8th store top (and the 8th from the bottom bottom) too."""
    create_views(db, VIEW_NAMES)


@migrations(name="0034_case_local_months")
def case_local_months(db: Database) -> None:
    """`feedback_cases.opened_local_date`, the day `loop_performance` counts a case in (its
    source's time zone): cases stored before get their UTC day, their month until then."""
    db.execute("ALTER TABLE feedback_cases ADD COLUMN opened_local_date TEXT")
    db.execute("UPDATE feedback_cases SET opened_local_date = substr(opened_at, 1, 10)")
    create_views(db, VIEW_NAMES)


@migrations(name="0035_quarantine_kinds")
def quarantine_kinds(db: Database) -> None:
    """`quarantine.kind`, the rule a record breaks (`DataError.kind`): NULL for the records stored
    before it, whose reason's words are no exact rule (`quoted_values.rule_of`) — a replay or the
    next read that quarantines one again stores its kind."""
    db.execute("ALTER TABLE quarantine ADD COLUMN kind TEXT")
