"""The Snowflake destination on fakesnow (an in-process Snowflake emulator), with checks of the
SQL it sends: staged Parquet loads, MERGE, one transaction per batch, no secrets in statements."""

from __future__ import annotations

import fakesnow
import pytest
from fakesnow import info_schema
from fakesnow.cursor import FakeSnowflakeCursor

from cxbridge.errors import ConfigError
from cxbridge.plugins.snowflake.destination import SnowflakeDestination, connect_arguments
from cxbridge.testing.destinations import DestinationConformance, deliver

URL = "snowflake://loader:{password}@acme-eu1/CX_{name}/FEEDBACK?warehouse=LOAD_WH&role=LOADER"


@pytest.fixture
def snowflake(monkeypatch):
    """Snowflake destinations on fakesnow, one database per name.

    fakesnow runs MERGE as `CREATE TEMPORARY TABLE merge_candidates …` and records that table's
    comment in its own catalog database, which DuckDB refuses inside a transaction that already
    wrote elsewhere; the bookkeeping is skipped for that helper table (it has no comment)."""
    real_comment_sql = info_schema.insert_table_comment_sql

    def comment_sql(catalog, schema, table, comment):
        return "SELECT 1" if table.upper() == "MERGE_CANDIDATES" else real_comment_sql(catalog, schema, table, comment)

    monkeypatch.setattr(info_schema, "insert_table_comment_sql", comment_sql)
    with fakesnow.patch():
        yield lambda name: SnowflakeDestination(URL.format(password="pw-123", name=name.upper()))


@pytest.fixture
def statements(monkeypatch) -> list[str]:
    """Every statement the destination sends, in order."""
    sent: list[str] = []
    real_execute = FakeSnowflakeCursor.execute

    def execute(self, command, *args, **kwargs):
        sent.append(" ".join(command.split()))
        return real_execute(self, command, *args, **kwargs)

    monkeypatch.setattr(FakeSnowflakeCursor, "execute", execute)
    return sent


class TestSnowflakeConformance(DestinationConformance):
    @pytest.fixture
    def destination_factory(self, snowflake):
        return snowflake


def test_a_batch_is_staged_as_parquet_then_merged_in_one_transaction(snowflake, statements):
    deliver(snowflake("sql"))
    first_batch = statements[statements.index("BEGIN", statements.index("COMMIT")) :]  # after the first run row
    first_batch = first_batch[: first_batch.index("COMMIT") + 1]
    puts = [s for s in first_batch if s.startswith("PUT ")]
    assert puts and all(s.startswith("PUT 'file://") and " @cx_load/cx_stage_" in s for s in puts)
    copies = [s for s in first_batch if s.startswith("COPY INTO cx_stage_")]
    assert copies and all("FILE_FORMAT = (TYPE = PARQUET)" in s and "PURGE = TRUE" in s for s in copies)
    merges = [s for s in first_batch if s.startswith("MERGE INTO ")]
    assert [s.split()[2] for s in merges] == ["feedback", "quarantine", "sync_state"]
    assert "PARSE_JSON(answers)" in merges[0] and "CAST(submitted_at AS TIMESTAMP_TZ)" in merges[0]
    assert not [s for s in first_batch if s.startswith("INSERT INTO feedback ")], "no row-by-row inserts"


def test_the_password_never_reaches_a_statement(snowflake, statements):
    deliver(snowflake("secret"))
    assert statements and not [s for s in statements if "pw-123" in s]


def test_json_is_stored_as_variant_and_queryable(snowflake):
    deliver(snowflake("variant"))
    destination = snowflake("variant")
    destination.open(read_only=True)
    rows = destination.query("SELECT answers:q_nps:text::VARCHAR AS question FROM feedback LIMIT 1")
    destination.close()
    assert rows == [{"question": "How likely are you to recommend us?"}]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("snowflake://me:pw@acct/DB/SCH?warehouse=WH", {"account": "acct", "user": "me", "password": "pw",
                                                         "database": "DB", "schema": "SCH", "warehouse": "WH"}),
        ("snowflake://me@acct?private_key_file=/keys/me.p8", {"account": "acct", "user": "me", "database": "CXBRIDGE",
                                                               "schema": "CX", "private_key_file": "/keys/me.p8"}),
    ],
)  # fmt: skip
def test_url_to_connection_arguments(url, expected):
    assert connect_arguments(url) == expected


@pytest.mark.parametrize(
    "url", ["snowflake://acct/DB", "snowflake://me@acct/DB/S/extra", "snowflake://me@acct?colour=red"]
)
def test_bad_urls_say_how_to_write_one(url):
    with pytest.raises(ConfigError, match="Snowflake URL|unknown option"):
        connect_arguments(url)
