"""Time buckets (issue 11 item 7): each record counts in the day, ISO week, month and quarter of
its day in its source's time zone (`feedback.submitted_local_date`), and a record without a
date counts in `undated`. The bucket SQL of every dialect is checked against Python's calendar,
and whole syncs against months read off the local times written in the files."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from fractions import Fraction

import pytest

from cxbridge.destinations import Destination
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.postgres.destination import PostgresDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.views import BUCKETS, UNDATED, time_bucket
from tests.conftest import Workspace, half_up


def _days() -> list[date]:
    """Days around every kind of year end (ISO weeks 52 and 53 in either year) and every
    quarter's first and last day."""
    days = set()
    for start in (date(2020, 12, 20), date(2024, 12, 20), date(2026, 12, 20), date(2015, 12, 24)):
        days |= {start + timedelta(days=n) for n in range(20)}
    for month in range(1, 13):
        first = date(2025, month, 1)
        days |= {first, first - timedelta(days=1)}
    days.add(date(2024, 2, 29))
    return sorted(days)


DAYS = _days()


def expected_bucket(day: date | None, by: str) -> str:
    """The bucket of a day by Python's calendar (isocalendar for ISO weeks)."""
    if day is None:
        return UNDATED
    year, week, _ = day.isocalendar()
    return {
        "day": day.isoformat(),
        "week": f"{year}-W{week:02d}",
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
    }[by]


def bucket_query(dialect: type[Destination]) -> str:
    days = [f"SELECT '{day.isoformat()}' AS d" for day in DAYS] + ["SELECT CAST(NULL AS VARCHAR) AS d"]
    buckets = ", ".join(f"{time_bucket(dialect, by, 'd')} AS {by}" for by in BUCKETS)
    return f"SELECT d, {buckets} FROM ({' UNION ALL '.join(days)}) t"


def assert_buckets(rows: list[tuple]) -> None:
    assert len(rows) == len(DAYS) + 1
    for day, *buckets in rows:
        parsed = date.fromisoformat(day) if day is not None else None
        assert list(buckets) == [expected_bucket(parsed, by) for by in BUCKETS], day


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql"])
def test_bucket_sql_agrees_with_the_calendar(engine, tmp_path, request):
    if engine == "sqlite":
        destination: Destination = SQLiteDestination(f"sqlite:///{tmp_path / 'x.db'}")
    elif engine == "duckdb":
        destination = DuckDBDestination(f"duckdb:///{tmp_path / 'x.duckdb'}")
    else:
        destination = PostgresDestination(request.getfixturevalue("postgres_database")("buckets"))
    destination.open()
    try:
        rows = destination.query(bucket_query(type(destination)))
    finally:
        destination.close()
    assert_buckets([tuple(row.values()) for row in rows])


def test_bucket_sql_agrees_with_the_calendar_on_snowflake():
    import fakesnow
    import snowflake.connector

    from cxbridge.plugins.snowflake.destination import SnowflakeDestination

    with fakesnow.patch():
        conn = snowflake.connector.connect(database="CX", schema="BUCKETS")
        cursor = conn.cursor()
        cursor.execute("CREATE SCHEMA IF NOT EXISTS BUCKETS")
        cursor.execute(bucket_query(SnowflakeDestination))
        rows = cursor.fetchall()
        conn.close()
    assert_buckets(rows)


def test_bucket_sql_agrees_with_the_calendar_on_the_local_bigquery_api():
    from cxbridge.plugins.bigquery.destination import BigQueryDestination
    from tests.bigquery_engine import Engine

    engine = Engine()
    engine.create_dataset("buckets")
    _, rows, _ = engine.query(bucket_query(BigQueryDestination), "buckets", [])
    assert_buckets([tuple(row) for row in rows])


def test_a_wave_period_names_the_month_and_quarter_the_views_bucket_a_day_in():
    """`wave_period` waves (cxbridge.timestamps.calendar_period) carry the labels of the buckets."""
    from cxbridge.timestamps import calendar_period

    for day in DAYS:
        assert [calendar_period(day, by) for by in ("month", "quarter")] == [
            expected_bucket(day, by) for by in ("month", "quarter")
        ], day
    with pytest.raises(ValueError, match="no calendar period 'week'"):
        calendar_period(DAYS[0], "week")


def test_an_unknown_bucket_is_refused():
    with pytest.raises(ValueError, match="day, week, month, quarter"):
        time_bucket(Destination, "fortnight")


# --- whole syncs --------------------------------------------------------------------------

def _rows(times: list[str], scores: list[int]) -> list[list[str]]:
    return [
        [f"R{n}", when, "S1", str(score), "Satisfied", "4", "", f"p{n}@example.com"]
        for n, (when, score) in enumerate(zip(times, scores, strict=True))
    ]


def nps_of(scores: list[int]) -> float:
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    return half_up(Fraction(100 * (promoters - detractors), len(scores)))


def by_month(labels: list[str], scores: list[int]) -> list[tuple[str, int, float]]:
    months: dict[str, list[int]] = {}
    for label, score in zip(labels, scores, strict=True):
        months.setdefault(label, []).append(score)
    return sorted((month, len(found), nps_of(found)) for month, found in months.items())


def nps_by_month(workspace: Workspace) -> list[tuple[str, int, float]]:
    return sorted(workspace.query("SELECT month, responses, nps FROM nps_by_month"))


LOCAL_TIMES = ["2025-11-01 01:30", "2025-10-31 23:59", "2025-10-01 00:10", "2025-12-31 23:30", "2026-01-01 02:00"]
SCORES = [10, 3, 9, 0, 7]


def test_months_are_those_of_the_configured_time_zone(workspace):
    """01.11 01:30 Moscow time (22:30 UTC on 31.10) counts in November."""
    text = workspace.config.read_text(encoding="utf-8")
    workspace.config.write_text(text.replace("[settings]", '[settings]\ntimezone = "Europe/Moscow"'), encoding="utf-8")
    workspace.write_csv(_rows(LOCAL_TIMES, SCORES))
    assert workspace.sync().exit_code == 0
    assert workspace.query("SELECT submitted_at FROM feedback WHERE source_record_id = 'R0'") == [
        ("2025-10-31T22:30:00Z",)
    ]
    assert nps_by_month(workspace) == by_month([t[:7] for t in LOCAL_TIMES], SCORES)


def test_a_source_time_zone_wins_over_the_settings_one_for_utc_timestamps(workspace):
    """Timestamps that carry their zone are bucketed in the source's zone, not read in it."""
    text = workspace.config.read_text(encoding="utf-8")
    text = text.replace('connector = "csv"', 'connector = "csv"\ntimezone = "America/New_York"')
    workspace.config.write_text(text.replace("[settings]", '[settings]\ntimezone = "Asia/Tokyo"'), encoding="utf-8")
    utc = ["2025-11-01T03:30:00Z", "2025-11-01T04:30:00Z", "2025-12-31T23:00:00Z", "2026-01-01T05:00:00Z"]
    new_york = ["2025-10-31", "2025-11-01", "2025-12-31", "2026-01-01"]  # EDT is UTC−4, EST UTC−5
    workspace.write_csv(_rows(utc, SCORES[:4]))
    assert workspace.sync().exit_code == 0
    days = workspace.query("SELECT submitted_local_date FROM feedback ORDER BY submitted_at")
    assert [day for (day,) in days] == new_york
    assert nps_by_month(workspace) == by_month([d[:7] for d in new_york], SCORES[:4])


def test_a_local_time_the_clock_skipped_or_showed_twice_reads_with_the_offset_before_the_change(workspace):
    """Warsaw's clocks went 02:00 → 03:00 on 30.03.2025 (02:30 never happened) and 03:00 → 02:00
    on 26.10.2025 (02:30 happened twice): a naive time in the gap reads with the winter offset
    (+01:00) it had before the jump, and a repeated one as its first occurrence (+02:00), as
    docs/schema.md says."""
    text = workspace.config.read_text(encoding="utf-8")
    workspace.config.write_text(text.replace("[settings]", '[settings]\ntimezone = "Europe/Warsaw"'), encoding="utf-8")
    local = ["2025-03-30 02:30", "2025-10-26 02:30", "2025-03-30 01:59", "2025-10-26 03:00"]
    utc = ["2025-03-30T01:30:00Z", "2025-10-26T00:30:00Z", "2025-03-30T00:59:00Z", "2025-10-26T02:00:00Z"]
    workspace.write_csv(_rows(local, SCORES[:4]))
    assert workspace.sync().exit_code == 0
    stored = workspace.query("SELECT source_record_id, submitted_at, submitted_local_date FROM feedback")
    assert sorted(stored) == [(f"R{n}", utc[n], local[n][:10]) for n in range(4)]


def test_records_of_a_file_without_a_time_column_count_as_undated(workspace):
    text = workspace.config.read_text(encoding="utf-8").replace('submitted_at = "submitted"\n', "")
    workspace.config.write_text(text, encoding="utf-8")
    scores = [10, 10, 9, 8, 6, 2, 0]
    workspace.write_csv(_rows(["2025-01-01"] * len(scores), scores))  # the column is there but not mapped
    assert workspace.sync().exit_code == 0
    assert workspace.query("SELECT COUNT(*) FROM feedback WHERE submitted_local_date IS NULL") == [(len(scores),)]
    assert nps_by_month(workspace) == by_month([UNDATED] * len(scores), scores)
    csat = workspace.query("SELECT month, responses FROM csat_by_month")
    assert csat == [(UNDATED, len(scores))]


def test_a_database_of_an_earlier_version_gets_local_dates_and_its_months_back(tmp_path):
    """Records stored before the column existed get their UTC day (the month they were counted
    in until then), so an upgrade changes no figure until the data is synced again."""
    import sqlite3

    from cxbridge.plugins.sqlite.schema import CRM_DDL, FEEDBACK_DDL

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(FEEDBACK_DDL + CRM_DDL)
        conn.execute("CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT, name TEXT, "
                     "applied_at TEXT)")  # fmt: skip
        for name in ("0001_initial_tables", "0002_bi_views", "0003_crm_tables", "0004_crm_views"):
            conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('cxbridge', ?, "
                         "'2025-01-01')", [name])  # fmt: skip
        submitted = {"a": "2025-10-31T22:30:00Z", "b": "2025-11-01T00:10:00Z", "c": None}
        for record_id, when in submitted.items():
            conn.execute(
                "INSERT INTO feedback (record_id, source, connector, stream, source_record_id, program, status, "
                "submitted_at, nps, nps_group, schema_version, ingested_at, sync_run_id, content_hash) VALUES "
                "(?, 's', 'csv', 'rows', ?, 'voc', 'complete', ?, 10, 'promoter', 1, '2025-01-01T00:00:00Z', 'r', 'h')",
                [record_id, record_id, when],
            )
            conn.execute(
                "INSERT INTO feedback_scores (record_id, metric, question_id, value, scale_min, scale_max, direction, "
                "normalized, category, is_primary) VALUES (?, 'nps', 'q', 10, 0, 10, 'higher_is_better', 100, "
                "'promoter', 1)",
                [record_id],
            )
    destination = SQLiteDestination(f"sqlite:///{path}")
    destination.open()
    try:
        days = destination.query("SELECT record_id, submitted_local_date FROM feedback ORDER BY record_id")
        months = destination.query("SELECT month, responses FROM nps_by_month ORDER BY month")
        columns = [row["name"] for row in destination.query("PRAGMA table_info(feedback)")]
    finally:
        destination.close()
    assert [(row["record_id"], row["submitted_local_date"]) for row in days] == [
        (record_id, when[:10] if when else None) for record_id, when in submitted.items()
    ]
    expected = Counter(when[:7] if when else UNDATED for when in submitted.values())
    assert [(row["month"], row["responses"]) for row in months] == sorted(expected.items())
    assert columns[columns.index("submitted_at") + 1] == "submitted_local_date"

