"""The singer source on what real taps printed (tests/data/vendor/singer/, sources in its
README), replayed by tests/singer_tap/replay_tap.py: singer-io/tap-mysql's documented discovery
and full-table sync of a table — its catalog names the stream `example_db-animals`
(`tap_stream_id`) while every SCHEMA and RECORD says `"stream": "animals"`, the table's name —
and a Meltano SDK tap-typeform's sync of a real Typeform account, whose `answers` carry no id."""

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


def recorded_rows(recording: str = "tap_mysql_full_table.jsonl", stream: str | None = None) -> list[dict]:
    messages = [json.loads(line) for line in (VENDOR / recording).read_text().splitlines() if line]
    return [message["record"] for message in messages
            if message["type"] == "RECORD" and stream in (None, message["stream"])]  # fmt: skip


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


def sync_typeform_answers(folder: Path):
    """tap-typeform's recorded sync, its `answers` stream mapped with no id: the tap sends
    none (`key_properties` []), and no catalog was recorded, so discovery is off."""
    (folder / "cxbridge.toml").write_text(
        f"[sources.typeform]\nconnector = \"singer\"\ncommand = {json.dumps([sys.executable, str(REPLAY)])}\n"
        f"discover = false\ntap_config = {{ messages_path = {json.dumps(str(VENDOR / 'tap_typeform_out.jsonl'))} }}\n\n"
        '[sources.typeform.streams.answers.columns]\ncomment = "answer"\n',
        encoding="utf-8",
    )
    result = cxbridge.sync(folder / "cxbridge.toml", destination=f"sqlite:///{folder / 'cx.db'}", host=create_host())
    return result.results[0]


def test_two_respondents_identical_answers_from_a_keyless_tap_stream_are_both_kept(tmp_path):
    """The recording holds 14 answers, two of them the same ('True' to question OukCNMX9ii2g,
    from two respondents of one form). Keyed by their content, both got one id: 13 were written
    and the second counted `unchanged` — an answer lost without a word. Each is kept now, and a
    second sync of the same output writes nothing (the ids do not move)."""
    answers = recorded_rows("tap_typeform_out.jsonl", "answers")
    first = sync_typeform_answers(tmp_path)
    assert (first.status, first.read, first.written, first.quarantined) == ("success", len(answers), len(answers), 0)
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        stored = conn.execute("SELECT json_extract(attributes, '$.question_id'), comment FROM feedback").fetchall()
    assert sorted(stored) == sorted((answer["question_id"], answer["answer"]) for answer in answers)
    again = sync_typeform_answers(tmp_path)
    assert (again.read, again.written, again.unchanged) == (len(answers), 0, len(answers))


def test_a_singer_sdk_taps_last_state_with_partitions_is_the_cursor_as_sent(tmp_path):
    """The SDK tap's STATEs keep bookmarks per form (`partitions` of `{"context": {"form_id"}}`),
    interleaved with its records over 13 forms: the last one is stored as it was sent."""
    messages = [json.loads(line) for line in (VENDOR / "tap_typeform_out.jsonl").read_text().splitlines() if line]
    last_state = [message["value"] for message in messages if message["type"] == "STATE"][-1]
    assert sync_typeform_answers(tmp_path).status == "success"
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        [(stream, cursor)] = conn.execute("SELECT stream, cursor FROM sync_state").fetchall()
    assert (stream, json.loads(cursor)) == ("answers", last_state)
