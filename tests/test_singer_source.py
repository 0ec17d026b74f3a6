"""The `singer` source end to end: a real Singer tap (built on singer-sdk, tests/singer_tap/) runs
as a child process; its records are mapped, its STATE is the cursor, its secrets stay private.
The tap is forked from a server that imported singer-sdk once (tests/singer_tap/forked_taps.py:
0.5 s of CPU a tap process less, two a sync); the first test runs tap_feedback.py itself."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import cxbridge
import cxbridge.config
from cxbridge.plugins.singer.source import SingerSource
from cxbridge.plugins_host import create_host
from cxbridge.testing import SourceConformance, SourceUnderTest

TAP = Path(__file__).parent / "singer_tap" / "tap_feedback.py"
FORKED_TAP = TAP.with_name("forked_taps.py")  # the same tap, forked from a server that imported singer-sdk once
KEY = "tap-key-7d1e93b5"
MAPPING = {
    "columns": {"id": "response_id", "submitted_at": "submitted", "updated_at": "updated_at",
                "location_id": "store", "email": "respondent.email", "comment": "feedback"},
    "metrics": [{"column": "score", "metric": "nps"}],
}  # fmt: skip
CONFIG = f"""
[sources.tap_survey]
connector = "singer"
command = [{json.dumps(sys.executable)}, {json.dumps(str(FORKED_TAP))}]
tap_config = {{ responses_path = "responses.jsonl", api_key = "${{FEEDBACK_TAP_KEY}}" }}

[sources.tap_survey.streams.responses.columns]
id = "response_id"
submitted_at = "submitted"
updated_at = "updated_at"
location_id = "store"
email = "respondent.email"
comment = "feedback"

[[sources.tap_survey.streams.responses.metrics]]
column = "score"
metric = "nps"
"""


def response(n: int, *, score: int | None = None, day: int | None = None) -> dict:
    return {
        "response_id": f"R{n}",
        "updated_at": f"2025-03-{day or n:02d}T10:00:00Z",
        "submitted": f"2025-03-{day or n:02d}T09:00:00Z",
        "store": f"S{n % 3}",
        "score": n % 11 if score is None else score,
        "feedback": f"comment {n}",
        "respondent": {"email": f"person{n}@example.com"},
    }


def write_responses(folder: Path, rows: list[dict]) -> None:
    (folder / "responses.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def forked_taps(tmp_path_factory: pytest.TempPathFactory):
    """The server FORKED_TAP asks for a tap process (tests/singer_tap/forked_taps.py)."""
    socket = tmp_path_factory.mktemp("taps") / "socket"
    server = subprocess.Popen([sys.executable, str(FORKED_TAP), "serve", str(socket)], stdout=subprocess.DEVNULL)
    while not socket.exists():
        assert server.poll() is None, "the forked taps' server did not start"
        time.sleep(0.01)
    os.environ["FORKED_TAPS_SOCKET"] = str(socket)
    yield
    del os.environ["FORKED_TAPS_SOCKET"]
    server.kill()
    server.wait()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FEEDBACK_TAP_KEY", KEY)
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    write_responses(tmp_path, [response(n) for n in range(1, 6)])
    return tmp_path


def sync(folder: Path):
    result = cxbridge.sync(folder / "cxbridge.toml", destination=f"sqlite:///{folder / 'cx.db'}", host=create_host())
    return result.results[0]


def query(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / "cx.db") as conn:
        return conn.execute(sql).fetchall()


def test_records_are_mapped_and_the_taps_state_is_the_cursor(workspace: Path):
    config = (workspace / "cxbridge.toml").read_text(encoding="utf-8").replace(str(FORKED_TAP), str(TAP))
    (workspace / "cxbridge.toml").write_text(config, encoding="utf-8")  # tap_feedback.py itself, not forked
    first = sync(workspace)
    assert (first.status, first.read, first.written) == ("success", 5, 5), first.error
    assert query(workspace, "SELECT source_record_id, stream, location_id, nps, nps_group, comment FROM feedback "
                            "WHERE source_record_id = 'R2'") == [("R2", "responses", "S2", 2, "detractor", "comment 2")]  # fmt: skip
    [(cursor,)] = query(workspace, "SELECT cursor FROM sync_state WHERE stream = 'responses'")
    assert json.loads(cursor)["bookmarks"]["responses"]["replication_key_value"] == "2025-03-05T10:00:00Z"


def test_only_mapped_streams_are_selected_in_the_taps_catalog(workspace: Path):
    config = cxbridge.config.load_config(workspace / "cxbridge.toml", create_host())
    source = config.build_source("tap_survey")
    catalog = source.catalog_selecting("responses")
    selected = {entry["tap_stream_id"]: next(m["metadata"]["selected"] for m in entry["metadata"] if m["breadcrumb"] == [])
                for entry in catalog["streams"]}  # fmt: skip
    assert selected == {"responses": True, "agents": False}


def test_the_next_sync_hands_the_state_back_and_reads_only_what_is_new(workspace: Path):
    sync(workspace)
    write_responses(workspace, [response(n) for n in range(1, 8)])
    second = sync(workspace)
    assert second.read == 3  # R6, R7 and R5 (the tap re-sends its bookmark's own record)
    assert (second.written, second.unchanged) == (2, 1)
    assert query(workspace, "SELECT COUNT(*) FROM feedback") == [(7,)]


def test_records_off_the_scale_are_quarantined_and_the_rest_written(workspace: Path):
    write_responses(workspace, [response(1), response(2, score=11), response(3)])
    result = sync(workspace)
    assert (result.written, result.quarantined) == (2, 1)
    assert query(workspace, "SELECT source_record_id, error LIKE '%outside its scale%' FROM quarantine") == [("R2", 1)]


def test_an_unreadable_answer_is_quarantined_naming_its_streams_mapping_entry(workspace: Path):
    """An answer no number or label reads ("Great" for an NPS) is told by the stream's mapping
    entry to change — under `[sources.tap_survey.streams.responses]`, or in the mapping file its
    metrics come from, where its `labels` or `ignore_values` go — as a file's column and a
    Salesforce custom object's field name theirs; before, the reason said only to fix the answer
    in the source."""
    unread = "question 'score': answer (a word of 5 letters, not shown) is neither a number nor a known label of this "
    fixes = "map it to its value in 'labels', or add it to 'ignore_values' if it means no answer"
    write_responses(workspace, [response(1), {**response(2), "score": "Great"}, response(3)])
    result = sync(workspace)
    assert (result.written, result.quarantined) == (2, 1), result.error
    assert query(workspace, "SELECT error FROM quarantine") == [(
        f"{unread}nps question; fix the answer in the source, or, in the metrics entry of column 'score' in "
        f"[sources.tap_survey.streams.responses], {fixes}",)]  # fmt: skip
    use_mapping_file(workspace, MAPPING_FILE)
    (workspace / "cx.db").unlink()  # read the tap's records again, from the start
    assert sync(workspace).quarantined == 1
    assert query(workspace, "SELECT error FROM quarantine") == [(
        f"{unread}nps question; fix the answer in the source, or, in the metrics entry of column 'score' in "
        f"nps_mapping.toml, the mapping file of [sources.tap_survey.streams.responses], {fixes}",)]  # fmt: skip


def test_a_failing_tap_fails_its_source_with_the_taps_own_words(workspace: Path):
    (workspace / "responses.jsonl").unlink()
    result = sync(workspace)
    assert result.status == "failed"
    assert "exited with code" in result.error and "responses.jsonl" in result.error


def test_config_and_state_files_are_private_and_gone_after_the_run(workspace: Path, monkeypatch):
    folders = []
    original = tempfile.TemporaryDirectory.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        folders.append(Path(self.name))

    monkeypatch.setattr(tempfile.TemporaryDirectory, "__init__", recording)
    sync(workspace)
    sync(workspace)  # the second run also writes state.json
    assert folders and not any(folder.exists() for folder in folders)


def test_a_missing_tap_executable_says_what_to_install(workspace: Path):
    config = (workspace / "cxbridge.toml").read_text().replace(f"command = [{json.dumps(sys.executable)}", 'command = ["tap-nowhere"')
    (workspace / "cxbridge.toml").write_text(config)
    result = sync(workspace)
    assert result.status == "failed" and "'tap-nowhere': not found on PATH; pip install it" in result.error


def with_record_metadata(folder: Path, extra: str = "") -> None:
    """The tap sends the Singer SDK's `_sdc_*` fields, new values on every extraction."""
    config = CONFIG.replace('api_key = "${FEEDBACK_TAP_KEY}" }', 'api_key = "${FEEDBACK_TAP_KEY}", record_metadata = true }')
    config = config.replace("[sources.tap_survey.streams", extra + "[sources.tap_survey.streams", 1)
    (folder / "cxbridge.toml").write_text(config, encoding="utf-8")


def full_refresh(folder: Path):
    result = cxbridge.sync(folder / "cxbridge.toml", destination=f"sqlite:///{folder / 'cx.db'}", host=create_host(),
                           full_refresh=True)  # fmt: skip
    return result.results[0]


def test_the_sdks_volatile_fields_leave_an_unchanged_row_unchanged(workspace: Path):
    with_record_metadata(workspace)
    first = sync(workspace)
    assert (first.status, first.written) == ("success", 5), first.error
    again = sync(workspace)  # the tap sends its bookmark's record (R5) again, newly extracted
    assert (again.read, again.written, again.unchanged) == (1, 0, 1)
    everything = full_refresh(workspace)
    assert (everything.read, everything.written, everything.unchanged) == (5, 0, 5)
    [(raw, attributes)] = query(workspace, "SELECT raw, attributes FROM feedback WHERE source_record_id = 'R1'")
    assert "_sdc_extracted_at" not in raw and "_sdc_sequence" not in raw and "_sdc_batched_at" not in raw
    assert "_sdc_" not in attributes  # _sdc_deleted_at, null here, is kept when set: see the next test


def test_a_row_deleted_at_the_source_is_written_again(workspace: Path):
    with_record_metadata(workspace)
    sync(workspace)
    rows = [response(n) for n in range(1, 6)]
    rows[2]["deleted_at"] = "2025-03-09T12:00:00Z"
    write_responses(workspace, rows)
    result = full_refresh(workspace)
    assert (result.written, result.unchanged) == (1, 4)
    assert query(workspace, "SELECT source_record_id, attributes FROM feedback WHERE attributes LIKE '%2025-03-09%'") == [
        ("R3", '{"_sdc_deleted_at":"2025-03-09T12:00:00Z"}')
    ]


def test_volatile_fields_can_be_named_and_kept(workspace: Path):
    with_record_metadata(workspace, extra="volatile_fields = []\n\n")
    sync(workspace)
    [(attributes,)] = query(workspace, "SELECT attributes FROM feedback WHERE source_record_id = 'R1'")
    assert {"_sdc_extracted_at", "_sdc_sequence", "_sdc_table_version"} <= set(json.loads(attributes))
    rewritten = full_refresh(workspace)  # every extraction changes them: every row looks changed
    assert (rewritten.written, rewritten.unchanged) == (5, 0)


MAPPING_FILE = """
# as `cxbridge inspect --write-mapping` writes it for a spreadsheet of the same survey
[sources.survey_sheet]
connector = "csv"
path = "responses.csv"
format = "plain"
encoding = "auto"

[sources.survey_sheet.columns]
id = "response_id"
submitted_at = "submitted"
email = "respondent.email"
comment = "feedback"

[[sources.survey_sheet.metrics]]
column = "score"
metric = "nps"
"""


def use_mapping_file(folder: Path, mapping: str, inline: str = "") -> None:
    (folder / "nps_mapping.toml").write_text(mapping, encoding="utf-8")
    config = CONFIG[: CONFIG.index("[sources.tap_survey.streams")]
    config += f'[sources.tap_survey.streams.responses]\nmapping = "nps_mapping.toml"\n{inline}'
    (folder / "cxbridge.toml").write_text(config, encoding="utf-8")


def test_a_stream_reads_through_a_spreadsheet_mapping_file_with_inline_keys_over_it(workspace: Path):
    use_mapping_file(workspace, MAPPING_FILE, inline='attributes = ["store"]\n')
    result = sync(workspace)
    assert (result.status, result.written) == ("success", 5), result.error
    rows = query(workspace, "SELECT nps, comment, attributes, respondent_key IS NOT NULL FROM feedback "
                            "WHERE source_record_id = 'R4'")  # fmt: skip
    assert [(nps, comment, json.loads(attributes), hashed) for nps, comment, attributes, hashed in rows] == [
        (4, "comment 4", {"store": "S1"}, 1)
    ]


def test_a_bad_mapping_file_names_the_file_and_the_key(workspace: Path):
    use_mapping_file(workspace, MAPPING_FILE.replace('metric = "nps"', 'metric = "nps"\nscale = "wide"'))
    with pytest.raises(cxbridge.ConfigError, match=r"nps_mapping.toml .*streams.responses.metrics.1.scale"):
        sync(workspace)
    use_mapping_file(workspace, MAPPING_FILE.replace("[sources.survey_sheet.columns]", "[sources.survey_sheet.colums]"))
    with pytest.raises(cxbridge.ConfigError, match=r"colums: unknown key; did you mean 'columns'"):
        sync(workspace)


class TestSingerSource(SourceConformance):
    @pytest.fixture
    def source_under_test(self, tmp_path: Path) -> SourceUnderTest:
        write_responses(tmp_path, [response(n) for n in range(1, 6)])
        config = {
            "command": [sys.executable, str(FORKED_TAP)],
            "tap_config": {"responses_path": "responses.jsonl", "api_key": "${FEEDBACK_TAP_KEY}"},
            "streams": {"responses": MAPPING},
        }
        return SourceUnderTest(SingerSource, config, secrets={"FEEDBACK_TAP_KEY": KEY}, base_dir=tmp_path,
                               personal_data=[f"person{n}@example.com" for n in range(1, 6)])
