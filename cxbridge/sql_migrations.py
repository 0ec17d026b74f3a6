"""The schema migrations of SQL destinations: named changes, each applied once per destination in
the order of `MIGRATIONS` and recorded in `cxbridge_migrations` (`SQLDestination.apply_migrations`).
An engine with changes of its own appends them (`migrations = (*MIGRATIONS, Migration(...))`)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxbridge.layout import CRM_TABLES, ERASURES, FEEDBACK, FEEDBACK_CASES, FEEDBACK_SCORES, IDENTITY_INDEXES, INITIAL_TABLES, LOOP_TABLES, METADATA
from cxbridge.layout import QUARANTINE, SYNC_RUNS, Column, ColumnType, Table
from cxbridge.question_keys import UNKEYED_ANSWERS_SQL, key_updates
from cxbridge.views import FEEDBACK_VIEWS, VIEW_NAMES, VIEWS_BEFORE_LOOP, VIEWS_BEFORE_QUESTIONS, VIEWS_BEFORE_RANKING, view_sql

if TYPE_CHECKING:
    from cxbridge.sql_destination import SQLDestination

MIGRATIONS_TABLE = Table(
    "cxbridge_migrations",
    (Column("name", required=True), Column("applied_at", ColumnType.TIMESTAMP, True)),
    primary_key=("name",),
)
METADATA_MIGRATION = "0006_metadata"
ERASURES_MIGRATION = "0018_erasures"


@dataclass(frozen=True)
class Migration:
    """One named schema change, applied once per destination and recorded in `cxbridge_migrations`."""

    name: str
    apply: Callable[[SQLDestination], None]


def create_tables(destination: SQLDestination, tables: Sequence[Table] = INITIAL_TABLES) -> None:
    statements = []
    for table in tables:
        statements.append(destination.create_table_sql(table))
        if destination.indexes:
            for columns in table.indexes:
                index = f"{table.name}_{'_'.join(columns)}"
                statements.append(f"CREATE INDEX IF NOT EXISTS {index} ON {table.name} ({', '.join(columns)})")
    destination.execute_all(statements)


def create_views(destination: SQLDestination, names: tuple[str, ...] = VIEW_NAMES) -> None:
    if destination.views_deferred:
        return  # a new destination: its migrations create every view once, after the last
    destination.execute_all([
        statement
        for name, sql in view_sql(destination, names).items()
        for statement in (f"DROP VIEW IF EXISTS {name}", f"CREATE VIEW {name} AS {sql}")
    ])  # fmt: skip


def create_crm_tables(destination: SQLDestination) -> None:
    create_tables(destination, CRM_TABLES)


def of_stored_tables(change: Callable[[SQLDestination], None]) -> Callable[[SQLDestination], None]:
    """`change` to tables created before it, left out of a new destination's set-up
    (`views_deferred`), whose tables are created with today's columns and indexes: its added
    columns, indexes and filled-in values would be statements that change nothing (on BigQuery
    a job each, 12 of a new dataset's set-up)."""

    @functools.wraps(change)
    def applied(destination: SQLDestination) -> None:
        if not destination.views_deferred:
            change(destination)

    return applied


@of_stored_tables
def add_local_dates(destination: SQLDestination) -> None:
    """`feedback.submitted_local_date`, the day the views count a record in: records stored before
    it get their UTC day (what their months were until then); a full refresh re-reads them in
    their source's time zone."""
    column = FEEDBACK.column("submitted_local_date")
    destination.execute(f"ALTER TABLE feedback ADD COLUMN IF NOT EXISTS {destination.column_sql(column)}")
    day = destination.day_of("submitted_at")
    destination.execute(
        f"UPDATE feedback SET submitted_local_date = {day} WHERE submitted_local_date IS NULL AND submitted_at IS NOT NULL"
    )
    create_views(destination, VIEWS_BEFORE_LOOP)  # every view again: they count records by their local day


def create_loop_tables(destination: SQLDestination) -> None:
    create_tables(destination, LOOP_TABLES)


@of_stored_tables
def add_identity_column(destination: SQLDestination) -> None:
    """`feedback.duplicate_of` (cross-source identity) and the indexes its look-ups use, in a
    destination created before them (one created since has them already), and the views."""
    destination.execute(destination.add_column_sql(FEEDBACK, FEEDBACK.column("duplicate_of")))
    if destination.indexes:
        for columns in IDENTITY_INDEXES:
            index = f"feedback_{'_'.join(columns)}"
            destination.execute(f"CREATE INDEX IF NOT EXISTS {index} ON feedback ({', '.join(columns)})")
    create_views(destination, VIEWS_BEFORE_LOOP)  # every view again: they count each response once


@of_stored_tables
def add_question_keys(destination: SQLDestination) -> None:
    """`feedback_scores.question_key` in a destination created before it, each stored answer
    given its automatic key (`cxbridge.question_keys`) — what a sync of the same answer writes,
    so a trend runs on across the migration — its index, and the views (with the question ones)."""
    destination.execute(destination.add_column_sql(FEEDBACK_SCORES, FEEDBACK_SCORES.column("question_key")))
    groups = [tuple(row.values()) for row in destination.fetch(UNKEYED_ANSWERS_SQL)]
    for sql, params in key_updates(groups, destination.param):
        destination.execute(sql, params)
    if destination.indexes:
        destination.execute("CREATE INDEX IF NOT EXISTS feedback_scores_question_key ON feedback_scores (question_key)")
    create_views(destination, VIEWS_BEFORE_RANKING)


@of_stored_tables
def add_waves(destination: SQLDestination) -> None:
    """`feedback.wave` (the mystery-shop or audit wave of a record) in a destination created
    before it, empty for the records stored, and every view again (a ranking by wave reads it)."""
    destination.execute(destination.add_column_sql(FEEDBACK, FEEDBACK.column("wave")))
    create_views(destination)


def add_run_column(name: str, table: Table = SYNC_RUNS) -> Callable[[SQLDestination], None]:
    """The migration adding `TABLE.NAME` (`sync_runs` unless told) to a destination created before
    it: empty in the rows it holds, which did not record it."""
    return of_stored_tables(lambda destination: destination.execute(destination.add_column_sql(table, table.column(name))))


@of_stored_tables
def add_case_local_dates(destination: SQLDestination) -> None:
    """`feedback_cases.opened_local_date`, the day `loop_performance` counts a case in: cases
    stored before it get their UTC day (their month until then), and every view again."""
    destination.execute(destination.add_column_sql(FEEDBACK_CASES, FEEDBACK_CASES.column("opened_local_date")))
    day = destination.day_of("opened_at")
    destination.execute(f"UPDATE feedback_cases SET opened_local_date = {day} WHERE opened_local_date IS NULL")
    create_views(destination)


MIGRATIONS = (
    Migration("0001_initial_tables", create_tables),
    Migration("0002_bi_views", lambda destination: create_views(destination, FEEDBACK_VIEWS)),
    Migration("0003_crm_tables", create_crm_tables),
    Migration("0004_crm_views", lambda destination: create_views(destination, VIEWS_BEFORE_LOOP)),  # with the CRM ones
    Migration("0005_local_dates", add_local_dates),
    Migration(METADATA_MIGRATION, lambda destination: create_tables(destination, (METADATA,))),
    Migration("0007_population_views", lambda destination: create_views(destination, VIEWS_BEFORE_LOOP)),  # populations
    Migration("0008_cross_source_identity", add_identity_column),
    Migration("0009_loop_tables", create_loop_tables),
    Migration("0010_loop_views", lambda destination: create_views(destination, VIEWS_BEFORE_QUESTIONS)),  # the loop's
    Migration("0011_question_keys", add_question_keys),
    Migration("0012_ranking_views", create_views),  # every view again: location_ranking, location_trend, agent_scorecard
    Migration("0013_waves", add_waves),
    Migration("0014_exact_rounding", create_views),  # every view again: figures rounded from exact sums
    Migration("0015_overdue_before_contact", create_views),  # every view again: loop_queue.overdue
    Migration("0016_cases_follow_up", create_views),  # every view again: a worked case leaves the queues
    Migration("0017_sla_share_of_decided_cases", create_views),  # every view again: loop_performance's SLA share
    Migration(ERASURES_MIGRATION, lambda destination: create_tables(destination, (ERASURES,))),  # cxbridge erase
    Migration("0019_store_names", create_views),  # every view again: a store goes by its most used spelling
    Migration("0020_skipped_count", add_run_column("records_skipped")),
    Migration("0021_revenue_currency", create_views),  # every view again: revenue is never added across currencies
    Migration("0022_ranking_flags_apart", create_views),  # every view again: no store is both top and bottom
    Migration("0023_scorecard_flags_apart", create_views),  # every view again: nor in location_scorecard
    Migration("0024_counts_across_currencies", create_views),  # every view again: counts stay in mixed currencies
    Migration("0025_unknown_detractor_revenue", create_views),  # every view again: unknown revenue is no 0
    Migration("0026_pruned_count", add_run_column("records_pruned")),  # what `sync --prune` removed
    Migration("0027_run_command", add_run_column("command")),  # sync, import, replay or remove
    Migration("0028_ranking_places_exact", create_views),  # every view again: share · n compared exactly
    Migration("0029_case_local_months", add_case_local_dates),  # loop_performance: a case's month in its zone
    Migration("0030_quarantine_kinds", add_run_column("kind", QUARANTINE)),  # the rule a record breaks; NULL before
)
