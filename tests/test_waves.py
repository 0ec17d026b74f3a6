"""Waves of mystery shops and audits (issue 17 item 1): a visit or an audit belongs to a wave —
named by a column (`[sources.NAME.columns] wave`), or its local month or quarter by the source's
`wave_period` — stored as `feedback.wave` in every destination, and databases written before it
gain the column."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from tests.test_location_ranking import url_for, write

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

    from cxbridge.plugins.parquet.destination import MIGRATIONS

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
