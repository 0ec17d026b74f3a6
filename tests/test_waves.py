"""Waves of mystery shops and audits (issue 17 item 1): a visit or an audit belongs to a wave —
named by a column (`[sources.NAME.columns] wave`), or its local month or quarter by the source's
`wave_period` — stored as `feedback.wave` in every destination, and databases written before it
gain the column."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import sqlite3
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from tests.conftest import half_up
from tests.html_pages import Page, figure_data
from tests.test_location_ranking import url_for, write
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture

VISITS = [  # id, submitted (UTC), store, wave column, score of 40
    ("V1", "2025-02-01T10:00:00Z", "S1", "Spring", 36),
    ("V2", "2025-02-02T10:00:00Z", "S2", " Spring ", 30),
    ("V3", "2025-03-31T23:30:00Z", "S1", "", 20),  # 2025-04-01 in Berlin: the second quarter
    ("V4", "2025-03-31T21:30:00Z", "S2", None, 24),  # 23:30 in Berlin: still the first
]
SURVEYS = [("C1", "2025-02-01T10:00:00Z", "S1", 9)]
# The wave of each record, by hand: a column's value (trimmed), else the Berlin quarter of the
# visit's day (wave_period = "quarter"); a customer's answer has none.
EXPECTED_WAVES = {"V1": "Spring", "V2": "Spring", "V3": "2025-Q2", "V4": "2025-Q1", "C1": None}


def shop_config(folder: Path, **visits: object) -> dict:
    write(folder / "visits.csv", ["id", "at", "store", "Wave", "Score (of 40)"], VISITS)
    write(folder / "customers.csv", ["id", "at", "store", "nps"], SURVEYS)
    columns = {"id": "id", "submitted_at": "at", "location_id": "store"}
    return {
        "settings": {"timezone": "Europe/Berlin"},
        "sources": {
            "visits": {"connector": "csv", "path": "visits.csv", "program": "mystery_shop",
                       "columns": {**columns, "wave": "Wave"}, "wave_period": "quarter",
                       "metrics": [{"column": "Score (of 40)", "metric": "mystery_shop", "scale": [0, 40]}], **visits},
            "customers": {"connector": "csv", "path": "customers.csv", "columns": columns,
                          "metrics": [{"column": "nps", "metric": "nps"}]},
        },
    }  # fmt: skip


def stored_waves(url: str, folder: Path) -> dict[str, str | None]:
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
    destination.open()  # migrates a database written before waves
    try:
        return {row["source_record_id"]: row["wave"] for row in destination.query("SELECT source_record_id, wave FROM feedback")}
    finally:
        destination.close()


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_a_visit_s_wave_comes_from_its_column_else_its_local_quarter(engine, tmp_path, request):
    url = url_for(engine, tmp_path, request)
    config = config_from_dict(shop_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    assert cxbridge.sync(config, destination=url).exit_code == 0
    assert stored_waves(url, tmp_path) == EXPECTED_WAVES


def test_without_a_wave_period_a_visit_with_an_empty_wave_cell_has_none(tmp_path):
    data = shop_config(tmp_path)
    del data["sources"]["visits"]["wave_period"]
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config_from_dict(data, create_host(), path=tmp_path / "c.toml"), destination=url).exit_code == 0
    assert stored_waves(url, tmp_path) == {**EXPECTED_WAVES, "V3": None, "V4": None}


def test_by_month_the_wave_is_the_local_month(tmp_path):
    data = shop_config(tmp_path, wave_period="month")
    del data["sources"]["visits"]["columns"]["wave"]
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config_from_dict(data, create_host(), path=tmp_path / "c.toml"), destination=url).exit_code == 0
    assert stored_waves(url, tmp_path) == {"V1": "2025-02", "V2": "2025-02", "V3": "2025-04", "V4": "2025-03", "C1": None}


@pytest.mark.parametrize(
    ("program", "period", "message"),
    [
        ("voc", "quarter", "sources.visits: wave_period is for mystery_shop and audit sources (this one's "
                           "program is 'voc')"),
        ("employee", "quarter", "program is 'employee'"),
        ("audit", "week", "sources.visits.wave_period: Input should be 'month' or 'quarter'"),
    ],
)  # fmt: skip
def test_a_wave_period_outside_visits_and_audits_is_a_config_error(tmp_path, program, period, message):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(shop_config(tmp_path, program=program, wave_period=period), create_host(), path=tmp_path / "c.toml")
    assert message in str(caught.value)


def test_a_plugin_sets_the_wave_through_the_record_builder():
    """An API connector passes `wave=` to RecordBuilder.build like any other field; blank is none."""
    from datetime import datetime, timezone

    from cxbridge.normalize import RecordBuilder
    from cxbridge.sources import SourceConfig, SourceContext

    def built(wave: object, **config: object):
        builder = RecordBuilder(context=SourceContext(name="shops", base_dir=Path(".")),
                                config=SourceConfig(connector="x", program="mystery_shop", **config),
                                connector="x", stream="visits")  # fmt: skip
        moment = datetime(2025, 12, 31, 23, 0, tzinfo=timezone.utc)
        return builder.build(native_id="1", raw={}, submitted_at=moment, wave=wave).wave

    assert built("Wave 2") == "Wave 2"
    assert built("  ") is None
    assert built(None, wave_period="month") == "2025-12"
    assert built(7, wave_period="month") == "7"


def _drop_wave_sql(execute, migrations_table: str) -> None:
    """As the version before left a SQL database: views without the column, no column, no
    migration, and content hashes of rows without it."""
    from cxbridge.views import VIEW_NAMES

    for view in VIEW_NAMES:
        execute(f"DROP VIEW IF EXISTS {view}")
    execute("ALTER TABLE feedback DROP COLUMN wave")
    execute("UPDATE feedback SET content_hash = 'hashed without a wave'")
    execute(f"DELETE FROM {migrations_table} WHERE name = '0013_waves'")


def _drop_wave_parquet(lake: Path) -> None:
    import duckdb

    from cxbridge.plugins.parquet.migrations import MIGRATIONS

    for part in sorted((lake / "feedback").glob("*/*/part-0.parquet")):
        duckdb.execute(f"COPY (SELECT * EXCLUDE (wave) REPLACE ('hashed without a wave' AS content_hash) FROM read_parquet('{part}')) TO '{part}.old' (FORMAT parquet)")
        os.replace(f"{part}.old", part)
    (lake / "_cxbridge" / "migrations.json").write_text(json.dumps(MIGRATIONS[: MIGRATIONS.index("0014_waves")]))


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_a_database_written_before_waves_gains_the_column_and_a_full_refresh_fills_it(engine, tmp_path, request):
    url = url_for(engine, tmp_path, request)
    config = config_from_dict(shop_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    assert cxbridge.sync(config, destination=url).exit_code == 0
    if engine == "parquet":
        _drop_wave_parquet(tmp_path / "lake")
    elif engine == "sqlite":
        with sqlite3.connect(tmp_path / "cx.db") as conn:
            _drop_wave_sql(conn.execute, "_sqlite_migrations")
        conn.close()
    else:
        destination = create_host().destination_class(engine)(url, base_dir=tmp_path)
        destination.open()
        _drop_wave_sql(destination.execute, "cxbridge_migrations")
        destination.close()
    assert stored_waves(url, tmp_path) == dict.fromkeys(EXPECTED_WAVES)  # migrated by the read's open: empty
    assert cxbridge.sync(config, destination=url, full_refresh=True).exit_code == 0
    assert stored_waves(url, tmp_path) == EXPECTED_WAVES


# Ranking by wave: two waves of visits and audits named by a column, out of alphabetical order
# (Winter, then Spring), and customers' NPS answers counted in the wave their day falls in.
CUSTOMERS = [  # id, day, store, NPS answer
    ("C00", "2025-01-05", "S1", 0),  # before the first wave: in no wave
    ("C01", "2025-01-20", "S1", 10), ("C02", "2025-02-19", "S1", 9),  # 02-19: after Winter's visits, before Spring's
    ("C03", "2025-01-20", "S2", 10), ("C04", "2025-01-21", "S2", 6),
    ("C05", "2025-01-22", "S3", 9), ("C06", "2025-01-23", "S3", 8),
    ("C07", "2025-01-20", "S4", 9), ("C08", "2025-01-21", "S4", 6),
    ("C09", "2025-01-20", "S5", 10),
    ("C10", "2025-01-20", "S6", 10), ("C11", "2025-01-21", "S6", 10),
    ("C12", "2025-02-20", "S1", 6), ("C13", "2025-03-30", "S1", 7),  # Spring's first day, and long after
    ("C14", "2025-02-21", "S2", 9), ("C15", "2025-02-22", "S2", 10),
    ("C16", "2025-02-21", "S4", 9), ("C17", "2025-02-22", "S4", 7),
]  # fmt: skip
WAVE_VISITS = [  # id, day, store, wave, score of 40
    ("V01", "2025-01-10", "S1", "Winter", 36), ("V02", "2025-01-11", "S2", "Winter", 32),
    ("V03", "2025-02-25", "S2", "Winter", 24),  # a late visit of the Winter wave: counts in Winter
    ("V04", "2025-01-11", "S3", "Winter", 28), ("V05", "2025-01-12", "S4", "Winter", 28),
    ("V06", "2025-01-12", "S5", "Winter", 40), ("V07", "2025-01-12", "S6", "Winter", 36),
    ("V08", "2025-02-20", "S1", "Spring", 24), ("V09", "2025-02-21", "S2", "Spring", 36),
    ("V10", "2025-02-21", "S4", "Spring", 32),
]  # fmt: skip
WAVE_AUDITS = [  # id, day, store, wave, points of 50 (S6 has no Winter audit)
    ("A01", "2025-01-15", "S1", "Winter", 45), ("A02", "2025-01-15", "S2", "Winter", 40),
    ("A03", "2025-01-16", "S3", "Winter", 35), ("A04", "2025-01-16", "S4", "Winter", 40),
    ("A05", "2025-01-16", "S5", "Winter", 50),
    ("A06", "2025-03-01", "S1", "Spring", 30), ("A07", "2025-03-01", "S2", "Spring", 45),
    ("A08", "2025-03-02", "S4", "Spring", 40),
]  # fmt: skip
WAVE_RANKING = {
    "period": "wave",
    "components": {"nps": {"weight": 50, "min_answers": 2}, "mystery_shop": {"weight": 30}, "audit": {"weight": 20}},
}
# Worked out by hand. Winter's first visit is 2025-01-10 and Spring's 2025-02-20, so Winter's
# survey answers are those of 01-10 … 02-19 and Spring's those from 02-20 on (the latest wave
# runs on); C00 (01-05) is in no wave. Visits and audits count in the wave they name (V03, on
# 02-25, in Winter). KPI = (50·(NPS + 100)/2 + 30·visits + 20·audits) / 100:
#   Winter  S1: 10, 9 → NPS 100 → 100;  36/40 = 90;         45/50 = 90 → 50 + 27 + 18   = 95.0
#           S3: 9, 8 → 50 → 75;         28/40 = 70;         35/50 = 70 → 37.5 + 21 + 14 = 72.5
#           S2: 10, 6 → 0 → 50;         32/40, 24/40 → 70;  40/50 = 80 → 25 + 21 + 16   = 62.0
#           S4: 9, 6 → 0 → 50;          28/40 = 70;         40/50 = 80 → 62.0 (tied with S2)
#           S5: one NPS answer (< 2): unranked, short of nps
#           S6: no audit: unranked, short of audit
#   Spring  S2: 9, 10 → 100 → 100;      36/40 = 90;         45/50 = 90 → 95.0
#           S4: 9, 7 → 50 → 75;         32/40 = 80;         40/50 = 80 → 37.5 + 24 + 16 = 77.5
#           S1: 6, 7 → −50 → 25;        24/40 = 60;         30/50 = 60 → 12.5 + 18 + 12 = 42.5
# 20 %: Winter ranks 4 (0.8 places): S1 top, S2 and S4 share the bottom place; Spring ranks 3
# (0.6): S2 top, S1 bottom.
EXPECTED_BY_WAVE = {  # (wave, store): (kpi, rank, top, bottom, missing)
    ("Winter", "S1"): (95.0, 1, True, False, None),
    ("Winter", "S3"): (72.5, 2, False, False, None),
    ("Winter", "S2"): (62.0, 3, False, True, None),
    ("Winter", "S4"): (62.0, 3, False, True, None),
    ("Winter", "S5"): (None, None, False, False, "nps"),
    ("Winter", "S6"): (None, None, False, False, "audit"),
    ("Spring", "S2"): (95.0, 1, True, False, None),
    ("Spring", "S4"): (77.5, 2, False, False, None),
    ("Spring", "S1"): (42.5, 3, False, True, None),
}


def waves_network(folder: Path, ranking: dict) -> dict:
    write(folder / "customers.csv", ["id", "day", "store", "nps"], CUSTOMERS)
    write(folder / "visits.csv", ["id", "day", "store", "Wave", "Score (of 40)"], WAVE_VISITS)
    write(folder / "audits.csv", ["id", "day", "store", "Wave", "Points (of 50)"], WAVE_AUDITS)
    columns = {"id": "id", "submitted_at": "day", "location_id": "store"}
    return {
        "sources": {
            "customers": {"connector": "csv", "path": "customers.csv", "columns": columns,
                          "metrics": [{"column": "nps", "metric": "nps"}]},
            "visits": {"connector": "csv", "path": "visits.csv", "program": "mystery_shop",
                       "columns": {**columns, "wave": "Wave"},
                       "metrics": [{"column": "Score (of 40)", "metric": "mystery_shop", "scale": [0, 40]}]},
            "audits": {"connector": "csv", "path": "audits.csv", "program": "audit", "columns": {**columns, "wave": "Wave"},
                       "metrics": [{"column": "Points (of 50)", "metric": "audit", "scale": [0, 50]}]},
        },
        "ranking": ranking,
    }  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "duckdb", "postgresql", "parquet"])
def by_wave(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"waves-{request.param}")
    url = url_for(request.param, folder, request)
    config = config_from_dict(waves_network(folder, WAVE_RANKING), create_host(), path=folder / "cxbridge.toml")
    assert cxbridge.sync(config, destination=url).exit_code == 0
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
    destination.open(read_only=True)
    yield destination.query
    destination.close()


def _number(value: object) -> float | None:
    return None if value is None else float(value)


def assert_ranked_as_worked_out(rows: list[dict]) -> None:
    """location_ranking's rows are EXPECTED_BY_WAVE, each wave starting on its first visit's day."""
    actual = {(r["period"], r["location_id"]): (_number(r["kpi"]), r["rank"], bool(r["is_top"]), bool(r["is_bottom"]),
                                                r["missing"]) for r in rows}  # fmt: skip
    assert actual == EXPECTED_BY_WAVE
    assert {(r["period"], r["period_start"]) for r in rows} == {("Winter", "2025-01-10"), ("Spring", "2025-02-20")}


def test_stores_are_ranked_per_wave_as_worked_out_by_hand(by_wave):
    rows = by_wave("SELECT * FROM location_ranking")
    assert_ranked_as_worked_out(rows)


def test_survey_answers_count_in_the_wave_their_day_falls_in(by_wave):
    """S1's Winter NPS answers are C01 and C02 (02-19, before Spring began), not C00 (before any
    wave); its Spring ones C12 (Spring's first day) and C13 (weeks after the last visit)."""
    s1 = {r["period"]: r for r in by_wave("SELECT * FROM location_ranking WHERE location_id = 'S1'")}
    assert (s1["Winter"]["nps_answers"], _number(s1["Winter"]["nps"])) == (2, 100.0)
    assert (s1["Spring"]["nps_answers"], _number(s1["Spring"]["nps"])) == (2, -50.0)
    [s2] = by_wave("SELECT * FROM location_ranking WHERE location_id = 'S2' AND period = 'Winter'")
    assert (s2["mystery_shop_answers"], _number(s2["mystery_shop_score"])) == (2, 70.0)  # V03 on 02-25 too


def test_the_trend_compares_each_wave_with_the_one_before_by_date(by_wave):
    """Spring follows Winter (by their first days, though 'Spring' sorts first by name); Winter,
    the first wave, has no previous one."""
    rows = {r["location_id"]: r for r in by_wave("SELECT * FROM location_trend")}
    assert {r["period"] for r in by_wave("SELECT period FROM location_trend")} == {"Spring"}
    assert set(rows) == {"S1", "S2", "S3", "S4", "S5", "S6"}
    assert {r["previous_period"] for r in rows.values()} == {"Winter"}
    figures = {store: (_number(r["previous_kpi"]), _number(r["kpi"]), _number(r["kpi_change"]), r["places_up"],
                       bool(r["was_bottom"]), r["improved"] if r["improved"] is None else bool(r["improved"]))
               for store, r in rows.items()}  # fmt: skip
    assert figures == {
        "S2": (62.0, 95.0, 33.0, 2, True, True),  # bottom in Winter (tied), first in Spring
        "S4": (62.0, 77.5, 15.5, 1, True, True),
        "S1": (95.0, 42.5, -52.5, -2, False, False),
        "S3": (72.5, None, None, None, False, None),  # not visited in Spring
        "S5": (None, None, None, None, False, None),
        "S6": (None, None, None, None, False, None),
    }


def test_the_report_by_wave_counts_as_the_ranking_does(tmp_path):
    """`cxbridge report --by wave`, worked out from the lists above: Winter's NPS answers are
    C01–C11 (8 promoters, 2 detractors of 11: 54.5), Spring's C12–C17 (3 and 1 of 6: 33.3), and
    C00, in no wave, is a row of its own, last; visits and audits by the wave they name. Waves in
    time order, and each wave's change from the one before."""
    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url).exit_code == 0
    rows = cxbridge.report(by="wave", intervals=True, destination=url)
    figures = [(r["wave"], r["program"], r["metric"], r["responses"], r["score"]) for r in rows]
    assert figures == [
        ("Winter", "voc", "nps", 11, 54.5),
        ("Winter", "mystery_shop", "mystery_shop", 7, 80.0),  # (90 + 80 + 60 + 70 + 70 + 100 + 90) / 7
        ("Winter", "audit", "audit", 5, 84.0),  # (90 + 80 + 70 + 80 + 100) / 5
        ("Spring", "voc", "nps", 6, 33.3),
        ("Spring", "mystery_shop", "mystery_shop", 3, 76.7),  # (60 + 90 + 80) / 3
        ("Spring", "audit", "audit", 3, 76.7),
        (None, "voc", "nps", 1, -100.0),
    ]
    spring_nps, no_wave = rows[3], rows[6]
    assert (spring_nps["previous"], spring_nps["change"]) == ("Winter", half_up(Fraction(100 * 2, 6) - Fraction(100 * 6, 11)))  # exact, then rounded
    assert (no_wave["previous"], no_wave["change"]) == (None, None)


def test_the_records_in_no_wave_are_named_in_the_table_and_null_in_json_and_csv(tmp_path):
    """C00, answered before the first wave, was a row with a blank label in the table, which reads
    as a wave with no name: the table names it `(no wave)`, as `--by location` names the records
    of no store `(no store)`; JSON and CSV, read by programs, keep null (empty)."""
    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url).exit_code == 0

    def printed(fmt: str) -> str:
        result = CliRunner().invoke(cli, ["report", "-d", url, "--by", "wave", "--format", fmt])
        assert result.exit_code == 0, result.output
        return result.stdout

    *_, last = [line for line in printed("table").splitlines() if "│" in line]
    assert [cell.strip() for cell in last.split("│")][:4] == ["(no wave)", "voc", "nps", "1"]
    assert json.loads(printed("json"))[-1]["wave"] is None
    assert list(csv.DictReader(io.StringIO(printed("csv"))))[-1]["wave"] == ""


def test_the_html_report_ranks_the_latest_wave_by_date_not_by_name(tmp_path):
    """Spring began after Winter, though 'Winter' sorts after it by name: the page ranks Spring,
    and shows Winter's bottom stores (S2, S4) in Spring."""
    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url).exit_code == 0
    page = cxbridge.report_html(tmp_path / "report.html", destination=url).read_text(encoding="utf-8")
    assert "Store ranking Spring" in page and "Store ranking Winter" not in page
    assert "Winter's bottom stores in Spring" in page


def test_stores_are_ranked_per_wave_on_snowflake(tmp_path, snowflake):  # noqa: F811 — the fixture imported above
    """The same waves on Snowflake (fakesnow): ranking, first days and the trend's previous wave."""
    from tests.test_snowflake_destination import URL

    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    assert cxbridge.sync(config, destination=URL.format(password="pw-123", name="WAVES")).exit_code == 0
    destination = snowflake("waves")
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT * FROM location_ranking")
        trend = destination.query("SELECT DISTINCT period, previous_period FROM location_trend")
    finally:
        destination.close()
    assert_ranked_as_worked_out(rows)
    assert trend == [{"period": "Spring", "previous_period": "Winter"}]


def test_the_documented_wave_query_lists_the_waves_in_time_order(by_wave):
    from tests.sqlite_runs import documented_query

    rows = by_wave(documented_query("- With `period = \"wave\"` and no visit", doc="ranking.md"))
    assert [(r["wave"], r["period_start"], r["rank"], _number(r["kpi"])) for r in rows] == [
        ("Winter", "2025-01-10", 1, 95.0), ("Winter", "2025-01-10", 2, 72.5), ("Winter", "2025-01-10", 3, 62.0),
        ("Winter", "2025-01-10", 3, 62.0), ("Spring", "2025-02-20", 1, 95.0), ("Spring", "2025-02-20", 2, 77.5),
        ("Spring", "2025-02-20", 3, 42.5),
    ]  # fmt: skip


def test_stores_are_ranked_per_wave_on_the_local_bigquery_api(tmp_path, monkeypatch):
    """The same waves through BigQuery's SQL, on the local BigQuery API (tests/bigquery_engine.py)."""
    from google.oauth2.credentials import Credentials

    from cxbridge import api
    from cxbridge.plugins.bigquery.destination import BigQueryDestination
    from tests.bigquery_api import fake_bigquery
    from tests.bigquery_engine import Engine

    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    with fake_bigquery(engine=Engine()) as bigquery_api:

        def bigquery(*_: object, **__: object) -> BigQueryDestination:
            return BigQueryDestination("bigquery://acme-cx/waves", credentials=Credentials(token="t"),
                                       client_options={"api_endpoint": bigquery_api.url})  # fmt: skip

        monkeypatch.setattr(api, "open_destination", bigquery)
        assert cxbridge.sync(config).exit_code == 0
        destination = bigquery()
        destination.open(read_only=True)
        try:
            rows = destination.query("SELECT * FROM location_ranking")
            trend = destination.query("SELECT DISTINCT period, previous_period FROM location_trend")
            report = api.report(by="wave")
        finally:
            destination.close()
    assert_ranked_as_worked_out(rows)
    assert trend == [{"period": "Spring", "previous_period": "Winter"}]
    assert [(r["wave"], r["program"], r["responses"], r["score"]) for r in report] == [
        ("Winter", "voc", 11, 54.5), ("Winter", "mystery_shop", 7, 80.0), ("Winter", "audit", 5, 84.0),
        ("Spring", "voc", 6, 33.3), ("Spring", "mystery_shop", 3, 76.7), ("Spring", "audit", 3, 76.7),
        (None, "voc", 1, -100.0),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("since", "until", "shown"),
    [  # Winter's days: 01-10 (its first visit) … 02-19; Spring's: 02-20 … 03-30 (C13, the last record)
        (None, "2025-02-20", "Winter"),  # Spring's first day is left out
        (None, "2025-02-21", "Spring"),
        ("2025-02-19", "2025-02-20", "Winter"),  # Winter's last day alone
        ("2025-03-30", None, "Spring"),  # the last record's day
        ("2025-03-31", None, None),  # after every record: no wave
        ("2025-01-01", "2025-01-10", None),  # before the first wave
    ],
)
def test_the_html_report_ranks_the_latest_wave_within_the_days_asked(tmp_path, since, until, shown):
    """A wave's days run from its first visit or audit to the day before the next wave's first,
    the latest to the last record's day: `--since`/`--until` keep the waves with days between."""
    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url).exit_code == 0
    page = cxbridge.report_html(tmp_path / "report.html", destination=url, since=since, until=until)
    headings = re.findall(r"Store ranking ?(\w*)</h2>", page.read_text(encoding="utf-8"))
    assert headings == [shown or ""]


NO_WAVE_WARNING = (
    '[ranking] period = "wave", but no visit or audit carries a wave, so no store is ranked: map the wave column '
    '(wave = "COLUMN" in [sources.NAME.columns]) or set wave_period = "month" or "quarter" on the visits and audits '
    "sources, then run cxbridge sync --full-refresh (docs/ranking.md, Waves)"
)


NO_WAVE_CONFIG = """
[sources.customers]
connector = "csv"
path = "customers.csv"
columns = { id = "id", submitted_at = "day", location_id = "store" }
metrics = [{ column = "nps", metric = "nps" }]
[sources.visits]
connector = "csv"
path = "visits.csv"
program = "mystery_shop"
columns = { id = "id", submitted_at = "day", location_id = "store" }
metrics = [{ column = "Score (of 40)", metric = "mystery_shop", scale = [0, 40] }]
[sources.audits]
connector = "csv"
path = "audits.csv"
program = "audit"
columns = { id = "id", submitted_at = "day", location_id = "store" }
metrics = [{ column = "Points (of 50)", metric = "audit", scale = [0, 50] }]
[ranking]
period = "%s"
"""
"""`waves_network` without the wave columns mapped."""


def test_ranking_by_wave_without_any_wave_warns_once_and_says_what_to_do(tmp_path):
    """No wave column mapped and no wave_period: nothing can be ranked, and the sync that wrote
    says so once, naming the setting and the sources to fix; a sync that wrote nothing is quiet."""
    waves_network(tmp_path, WAVE_RANKING)  # the files
    (tmp_path / "cxbridge.toml").write_text(NO_WAVE_CONFIG % "wave", encoding="utf-8")
    synced = CliRunner().invoke(cli, ["sync", "--config", str(tmp_path / "cxbridge.toml")])
    assert synced.exit_code == 0, synced.output
    assert synced.stderr.count("⚠ ") == 1 and f"⚠ {NO_WAVE_WARNING}\n" in synced.stderr
    assert synced.stderr.count(NO_WAVE_WARNING) == 1  # printed by the command, not again by its log
    assert cxbridge.sync(tmp_path / "cxbridge.toml").warnings == []  # the files were read before: nothing written
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        assert db.execute("SELECT COUNT(*) FROM location_ranking WHERE rank IS NOT NULL").fetchone() == (0,)


def test_with_json_logs_the_wave_warning_is_a_json_log_entry(tmp_path):
    """`--log-format json`: stderr is JSON lines a log shipper parses, the run's warning among them."""
    waves_network(tmp_path, WAVE_RANKING)
    (tmp_path / "cxbridge.toml").write_text(NO_WAVE_CONFIG % "wave", encoding="utf-8")
    synced = CliRunner().invoke(cli, ["--log-format", "json", "sync", "--config", str(tmp_path / "cxbridge.toml")])
    assert synced.exit_code == 0, synced.output
    entries = [json.loads(line) for line in synced.stderr.splitlines()]
    assert [(e["level"], e["message"]) for e in entries if e["level"] == "warning"] == [("warning", NO_WAVE_WARNING)]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_quiet_keeps_the_run_s_warning_in_either_log_format(tmp_path, log_format):
    """-q keeps only errors of the log, but a warning about the run is the summary's, not the
    log's chatter: printed once as `⚠` with a text log, one entry with a JSON log — never gone."""
    waves_network(tmp_path, WAVE_RANKING)
    (tmp_path / "cxbridge.toml").write_text(NO_WAVE_CONFIG % "wave", encoding="utf-8")
    synced = CliRunner().invoke(cli, ["-q", "--log-format", log_format, "sync", "--config", str(tmp_path / "cxbridge.toml")])
    assert synced.exit_code == 0, synced.output
    if log_format == "text":
        assert synced.stderr.splitlines() == [f"⚠ {NO_WAVE_WARNING}"]
    else:
        entries = [json.loads(line) for line in synced.stderr.splitlines()]
        assert [(e["level"], e["message"]) for e in entries] == [("warning", NO_WAVE_WARNING)]


def test_ranking_by_wave_before_the_visits_are_synced_says_to_sync_them_not_to_map_their_wave(tmp_path, caplog):
    """The wave columns are mapped, but the first sync reads the customers alone (`--source`): no
    visit or audit is stored yet, so the warning says to sync those sources — not to map a wave
    column they map, then `--full-refresh`, as it said before — in the result and the log. Once
    they are synced, none."""
    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    expected = ('[ranking] period = "wave", but no visit or audit is stored yet, so no store is ranked: sync the '
                "visits and audits sources, whose waves their configuration names (docs/ranking.md, Waves)")  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="cxbridge"):
        assert cxbridge.sync(config, destination=url, sources=["customers"]).warnings == [expected]
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("cxbridge.sync", expected)]
    assert cxbridge.sync(config, destination=url).warnings == []


def test_ranking_by_wave_with_waves_or_by_month_does_not_warn(tmp_path):
    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    synced = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'waves.db'}")
    assert synced.exit_code == 0 and sum(r.written for r in synced.results) > 0 and synced.warnings == []
    (tmp_path / "cxbridge.toml").write_text(NO_WAVE_CONFIG % "month", encoding="utf-8")
    synced = CliRunner().invoke(cli, ["sync", "--config", str(tmp_path / "cxbridge.toml")])
    assert synced.exit_code == 0, synced.output
    assert "⚠" not in synced.stderr


def test_the_html_report_draws_its_trends_by_wave_in_wave_order(tmp_path):
    """`--html --by wave`: each trend's points are the waves by first day (Winter, then Spring,
    though 'Spring' sorts first), and the survey answers in no wave are a table row, `(no wave)` as in `cxbridge report`'s
    table, not a point."""
    config = config_from_dict(waves_network(tmp_path, WAVE_RANKING), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url).exit_code == 0
    html = cxbridge.report_html(tmp_path / "report.html", destination=url, by="wave").read_text(encoding="utf-8")
    starts = {wave: min(day for _, day, _, named, _ in WAVE_VISITS + WAVE_AUDITS if named == wave)
              for wave in ("Winter", "Spring")}  # fmt: skip
    order = sorted(starts, key=starts.get)

    def wave_of(day: str) -> str:
        begun = [wave for wave in order if starts[wave] <= day]
        return begun[-1] if begun else "(no wave)"

    expected = []
    for wave in [*order, "(no wave)"]:
        answers = [nps for _, day, _, nps in CUSTOMERS if wave_of(day) == wave]
        net = 100 * (sum(a >= 9 for a in answers) - sum(a <= 6 for a in answers)) / len(answers)
        expected.append([wave, str(len(answers)), f"{net:+.1f}".replace("-", "−")])  # signed, the page's minus sign
    assert expected[0][:2] == ["Winter", "11"] and expected[2] == ["(no wave)", "1", "−100.0"]
    page = Page(html)
    assert [row[:3] for row in page.body("trend-voc-nps")] == expected
    line = next(trace for trace in figure_data(html, "trend-voc-nps") if trace.get("mode") == "lines+markers")
    assert line["x"] == order == ["Winter", "Spring"]
    assert [row[0] for row in page.body("trend-mystery_shop-mystery_shop")] == order
