"""`loop_performance` counts a case in the month of the day it opened in its source's time zone
(docs/loop.md), as the other views count a record in its local day's: cases opened at 23:30 and
00:30 local around month ends in Tokyo and Auckland (ahead of UTC), and at the same moments in a
UTC source, each case's month worked out here with `zoneinfo`, on SQLite, DuckDB, PostgreSQL and
Parquet, and on BigQuery (its local API) and Snowflake (fakesnow); a sync stores each case's local day; a destination written before `opened_local_date`
gets it, each case's UTC day, the month it was counted in until then."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from cxbridge.destinations import Batch
from cxbridge.identity import record_id
from cxbridge.loop.cases import CaseOpening
from cxbridge.loop.views import loop_performance
from cxbridge.timestamps import format_timestamp
from tests.conftest import Workspace, survey_row
from tests.local_destinations import LOCAL_KINDS, destination_maker, make_view_stale
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture

ZONES = {"tokyo": "Asia/Tokyo", "auckland": "Pacific/Auckland"}
EDGES = ["2025-11-30 23:30", "2025-12-01 00:30", "2025-12-31 23:30", "2026-01-01 00:30"]  # local to each zone


def moments() -> list[tuple[str, datetime]]:
    """(source, moment a batch began) for every case: each zone's edges, and a UTC source's
    cases at Tokyo's moments, whose UTC months are not Tokyo's."""
    found = [(source, datetime.fromisoformat(edge).replace(tzinfo=ZoneInfo(zone))) for source, zone in ZONES.items()
             for edge in EDGES]  # fmt: skip
    return found + [("utc", at) for source, at in found if source == "tokyo"]


def open_cases(destination) -> None:
    """Store the case each batch opens, as a sync of its source writes it."""
    for n, (source, at) in enumerate(moments()):
        batch = Batch(run_id=f"run-{n}", source=source, stream="rows", started_at=format_timestamp(at),
                      timezone=ZONES.get(source, "UTC"))  # fmt: skip
        opening = CaseOpening(opened_at=batch.started_at, run_id=batch.run_id, timezone=batch.timezone)
        batch.cases = [opening.open(record_id(source, "rows", f"R{n}"), source, source, "detractors", "nps 2", None,
                                    48.0, ())]  # fmt: skip
        destination.write_batch(batch)


def expected_months(zone_of=lambda source: ZONES.get(source, "UTC")) -> Counter:
    """Cases opened per (month, location), each in the month of its day in `zone_of` its source."""
    return Counter((f"{at.astimezone(ZoneInfo(zone_of(source))):%Y-%m}", source) for source, at in moments())


def performance(destination) -> Counter:
    rows = destination.query("SELECT month, location_id, cases_opened FROM loop_performance")
    return Counter({(row["month"], row["location_id"]): row["cases_opened"] for row in rows})


@pytest.fixture(params=LOCAL_KINDS)
def make(request, tmp_path):
    return destination_maker(request.param, tmp_path, request, "loop_months")


@pytest.fixture(params=[*LOCAL_KINDS, "bigquery", "snowflake"])
def make_any(request, tmp_path):
    """`make`, and BigQuery's on its local API (tests/bigquery_engine.py), Snowflake's on fakesnow."""
    if request.param == "bigquery":
        from google.oauth2.credentials import Credentials

        from cxbridge.plugins.bigquery.destination import BigQueryDestination
        from tests.bigquery_api import fake_bigquery
        from tests.bigquery_engine import Engine

        with fake_bigquery(engine=Engine()) as api:
            yield partial(BigQueryDestination, "bigquery://acme-cx/loop_months", credentials=Credentials(token="t"),
                          client_options={"api_endpoint": api.url})  # fmt: skip
    elif request.param == "snowflake":
        yield partial(request.getfixturevalue("snowflake"), "loop_months")
    else:
        yield destination_maker(request.param, tmp_path, request, "loop_months")


def test_the_edges_fall_in_other_months_in_utc():
    assert expected_months() != expected_months(lambda source: "UTC")
    assert expected_months()["2025-12", "tokyo"] == 2 and expected_months()["2025-12", "utc"] == 2


def test_each_case_counts_in_the_month_of_its_local_opening_day(make_any):
    destination = make_any()
    destination.open()
    try:
        open_cases(destination)
        assert performance(destination) == expected_months()
        days = {row["case_id"]: row["opened_local_date"] for row in destination.query(
            "SELECT case_id, opened_local_date FROM feedback_cases")}  # fmt: skip
    finally:
        destination.close()
    assert sorted(str(day) for day in days.values()) == sorted(
        at.astimezone(ZoneInfo(ZONES.get(source, "UTC"))).date().isoformat() for source, at in moments()
    )


def test_a_sync_opens_its_cases_on_their_day_in_the_sources_zone(workspace: Workspace):
    text = workspace.config.read_text(encoding="utf-8").replace("[settings]\n", '[settings]\ntimezone = "Asia/Tokyo"\n', 1)
    workspace.config.write_text(text + "\n[loop.rules.detractors]\n", encoding="utf-8")
    workspace.write_csv([survey_row(n, nps=3) for n in range(1, 4)])
    [result] = workspace.sync().results
    assert result.cases_opened == 3
    cases = workspace.query("SELECT opened_at, opened_local_date FROM feedback_cases")
    tokyo = ZoneInfo("Asia/Tokyo")
    assert [day for _, day in cases] == [
        datetime.fromisoformat(at).astimezone(tokyo).date().isoformat() for at, _ in cases
    ]
    months = workspace.query("SELECT month, SUM(cases_opened) FROM loop_performance GROUP BY month")
    assert months == [(cases[0][1][:7], 3)]


def test_a_destination_written_before_local_opening_days_counts_its_cases_in_their_utc_months(make):
    """Cases stored before `opened_local_date` — the view, the table and the migrations as an
    older cxbridge left them — get their UTC day: the months they were counted in until then."""
    destination = make()
    destination.open()
    try:
        open_cases(destination)
        now = loop_performance(destination)
        before = now.replace("COALESCE(c.opened_local_date, ", "COALESCE(NULL, ")
        make_view_stale(destination, "loop_performance", now=now, before=before, migration="case_local_months")
        without_local_days(destination)
    finally:
        destination.close()
    destination = make()
    destination.open()
    try:
        assert performance(destination) == expected_months(lambda source: "UTC")
        days = destination.query("SELECT opened_at, opened_local_date FROM feedback_cases")
    finally:
        destination.close()
    assert all(str(row["opened_local_date"]) == str(row["opened_at"])[:10] for row in days)


def without_local_days(destination) -> None:
    """`feedback_cases` as written before `opened_local_date`."""
    from cxbridge.plugins.parquet import files
    from cxbridge.plugins.parquet.destination import ParquetDestination
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    if isinstance(destination, ParquetDestination):
        for path in files.folder_files(destination.root / "feedback_cases"):
            select = f"SELECT * EXCLUDE (opened_local_date) FROM read_parquet({files.literal(path)})"
            files.replace_atomically(destination.conn, select, path)
    elif isinstance(destination, SQLiteDestination):
        destination.db.execute("ALTER TABLE feedback_cases DROP COLUMN opened_local_date")
        destination.db.conn.commit()
    else:
        destination.execute("ALTER TABLE feedback_cases DROP COLUMN opened_local_date")
