"""The singer source on what a real tap printed (tests/data/vendor/singer/, sources in its
README): singer-io/tap-mysql's documented discovery and full-table sync of a table, replayed by
tests/singer_tap/replay_tap.py. Its catalog names the stream `example_db-animals`
(`tap_stream_id`) while every SCHEMA and RECORD says `"stream": "animals"`, the table's name."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

import cxbridge
from cxbridge.plugins_host import create_host

VENDOR = Path(__file__).parent / "data" / "vendor" / "singer"
REPLAY = Path(__file__).parent / "singer_tap" / "replay_tap.py"


def recorded_rows() -> list[dict]:
    messages = [json.loads(line) for line in (VENDOR / "tap_mysql_full_table.jsonl").read_text().splitlines() if line]
    return [message["record"] for message in messages if message["type"] == "RECORD"]


def sync_tap_mysql(folder: Path, stream: str, *, catalog: Path = VENDOR / "tap_mysql_catalog.json"):
    tap_config = {"catalog_path": str(catalog),
                  "messages_path": str(VENDOR / "tap_mysql_full_table.jsonl")}  # fmt: skip
    (folder / "cxbridge.toml").write_text(
        f"[sources.farm]\nconnector = \"singer\"\ncommand = {json.dumps([sys.executable, str(REPLAY)])}\n"
        f"tap_config = {{ catalog_path = {json.dumps(tap_config['catalog_path'])}, "
        f"messages_path = {json.dumps(tap_config['messages_path'])} }}\n\n"
        f'[sources.farm.streams."{stream}".columns]\nid = "id"\ncomment = "name"\n',
        encoding="utf-8",
    )
    result = cxbridge.sync(folder / "cxbridge.toml", destination=f"sqlite:///{folder / 'cx.db'}", host=create_host())
    return result.results[0]


@pytest.mark.parametrize("stream", ["example_db-animals", "animals"])
def test_a_tap_whose_messages_name_the_table_not_the_catalogs_stream_id_is_read(tmp_path, stream):
    """Configured by the catalog's tap_stream_id, every record was passed over as another
    stream's (0 read, a success); by the name the messages use, the sync failed ("the tap has no
    stream 'animals'"). Either name now reads the three rows, and the tap's last STATE is the cursor."""
    result = sync_tap_mysql(tmp_path, stream)
    rows = recorded_rows()
    assert (result.status, result.read, result.written) == ("success", len(rows), len(rows)), result.error
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        stored = conn.execute("SELECT source_record_id, comment FROM feedback ORDER BY source_record_id").fetchall()
        [(cursor,)] = conn.execute("SELECT cursor FROM sync_state").fetchall()
    assert stored == [(str(row["id"]), row["name"]) for row in rows]
    assert json.loads(cursor) == {"currently_syncing": None,
                                  "bookmarks": {"example_db-animals": {"initial_full_table_complete": True}}}  # fmt: skip


def test_a_table_name_two_catalog_entries_share_fails_asking_for_the_tap_stream_id(tmp_path):
    """The recorded catalog with the same table of a second database beside it (ours): `animals`
    names neither alone, so the sync fails naming both ids before the tap runs a sync."""
    catalog = json.loads((VENDOR / "tap_mysql_catalog.json").read_text(encoding="utf-8"))
    catalog["streams"].append(catalog["streams"][0] | {"tap_stream_id": "other_db-animals"})
    (tmp_path / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    result = sync_tap_mysql(tmp_path, "animals", catalog=tmp_path / "catalog.json")
    assert (result.status, result.read) == ("failed", 0)
    assert result.error == ("the tap has several streams named 'animals': example_db-animals, other_db-animals; "
                            "name one of them by its tap_stream_id")  # fmt: skip
