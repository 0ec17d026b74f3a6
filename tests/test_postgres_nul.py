"""PostgreSQL cannot store the NUL character (U+0000) in TEXT nor JSONB; a source that sends one
(a JSON export's `"\\u0000"`, an API answer) used to fail every batch holding it ("PostgreSQL text
fields cannot contain NUL (0x00) bytes"), for ever. It is left out of what PostgreSQL stores; the
record is otherwise the same, and a second sync has nothing to write."""

from __future__ import annotations

import json

import psycopg
import pytest

from cxbridge.layout import Column, ColumnType, Table
from cxbridge.plugins.postgres.destination import without_nul
import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host

RECORDS = [
    {"id": "1", "submitted": "2024-01-02T10:00:00Z", "nps": 9, "comment": "nul\u0000byte", "store": "S\u00001",
     "note\u0000": "a \\u0000 written out, then a real one: \u0000"},
    {"id": "2", "submitted": "2024-01-02T11:00:00Z", "nps": 7, "comment": "plain", "store": "S2"},
]  # fmt: skip
SOURCE = {"connector": "json", "path": "responses.jsonl", "timezone": "UTC",
          "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment", "location_id": "store"},
          "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip


def sync_into(url: str, folder):
    config = config_from_dict({"sources": {"survey": SOURCE}}, create_host(), path=folder / "cxbridge.toml")
    [result] = cxbridge.sync(config, destination=url).results
    return result


def test_a_nul_from_a_source_is_left_out_and_the_record_stored(tmp_path, postgres_database):
    (tmp_path / "responses.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    url = postgres_database("nul")
    first = sync_into(url, tmp_path)
    assert (first.status, first.written) == ("success", 2), first.error
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT source_record_id, comment, location_id, attributes, raw FROM feedback "
                            "ORDER BY 1").fetchall()  # fmt: skip
        comments = conn.execute("SELECT text FROM feedback_comments ORDER BY 1").fetchall()
    (_, comment, store, attributes, raw), second = rows
    assert (comment, store) == ("nulbyte", "S1") and second[1:3] == ("plain", "S2")
    assert comments == [("nulbyte",), ("plain",)]
    assert attributes["note"] == "a \\u0000 written out, then a real one: "  # the key's NUL gone too
    assert raw["values"]["comment"] == "nulbyte"
    again = sync_into(url, tmp_path)
    assert (again.status, again.written) == ("success", 0), again.error


@pytest.mark.parametrize(
    ("text", "stored"),
    [('{"a":"x\\u0000y"}', '{"a":"xy"}'), ('{"a":"\\\\u0000"}', '{"a":"\\\\u0000"}'),
     ('{"a":"\\\\\\u0000"}', '{"a":"\\\\"}'), ('{"a\\u0000":1}', '{"a":1}')],
)  # fmt: skip
def test_json_loses_only_the_nul_escapes_not_an_escaped_backslash(text, stored):
    table = Table("t", (Column("id"), Column("doc", ColumnType.JSON)), ("id",))
    assert without_nul(table)(("1\x00", text)) == ("1", stored)
    assert json.loads(stored) == {k.replace("\x00", ""): v.replace("\x00", "") if isinstance(v, str) else v
                                  for k, v in json.loads(text).items()}  # fmt: skip
