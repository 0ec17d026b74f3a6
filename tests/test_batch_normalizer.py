"""The compiled mapping of a file source (`cxbridge.tabular.compiled_rows`, issue 19) stores what
the reference path (RowNormalizer and FeedbackRecord, row by row) stores: the same feedback,
scores and comments, and the same quarantine (reasons, fields, rows), on every file in
tests/data, on random files, and on files made for each feature the mapping compiles. The
compiled side runs without its safety check (`CompiledRows.checked = 0`), so a difference shows
in the tables instead of switching the compiled path off."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from cxbridge import plugins_host
from cxbridge.config import config_from_dict
from cxbridge.errors import DataError
from cxbridge.pipeline import stream_tools
from cxbridge.tables import FEEDBACK_COLUMNS, to_rows
from cxbridge.tabular import compiled_rows
from cxbridge.tabular.compiled_rows import CompiledRows
from cxbridge.tabular.source import FileStream
from tests.both_ways import CELLS, SAMPLE_FILES, synced, write_csv
from tests.sqlite_runs import SHARED_SALT


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def both_ways(folder: Path, monkeypatch, files: list[Path] | None = None, **sync: Any) -> tuple[dict[str, list], set]:
    """What the compiled and the reference path store (asserted equal), and the ids of the
    records whose rows the compiled path made itself."""
    made: set[str] = set()
    build = CompiledRows._rows

    def counted(self, *args):
        rows = build(self, *args)
        made.add(rows.record_id)
        return rows

    compiled = [(CompiledRows, "checked", 0), (CompiledRows, "_rows", counted)]
    fast = synced(folder, files, settings=compiled, monkeypatch=monkeypatch, label="compiled", **sync)
    reference = synced(folder, files, settings=[(FileStream, "compiled", False)], monkeypatch=monkeypatch,
                       label="reference", **sync)  # fmt: skip
    fast.pop("scored"), reference.pop("scored")
    assert fast == reference
    return fast, made


def ids(stored: dict[str, list]) -> set[str]:
    return {row[0] for row in stored["feedback"]}


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: path.name)
def test_every_sample_file_gives_the_same_rows_and_quarantine_both_ways(tmp_path, path, monkeypatch):
    shutil.copy(path, tmp_path / path.name)
    stored, made = both_ways(tmp_path, monkeypatch, [tmp_path / path.name])
    assert stored["feedback"] or stored["quarantine"]
    assert ids(stored) <= made  # every stored row made the compiled way


@settings(derandomize=True, max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=12))
def test_random_files_give_the_same_rows_and_quarantine_both_ways(tmp_path_factory, monkeypatch, rows):
    folder = tmp_path_factory.mktemp("random")
    write_csv(folder / "responses.csv", CELLS, [[row[key] for key in CELLS] for row in rows])
    stored, made = both_ways(folder, monkeypatch)
    kept = {row[4] for row in stored["feedback"]} | {row[3] for row in stored["quarantine"]}
    assert {row["id"] for row in rows} - {""} <= kept  # every row with an id stored or quarantined
    assert ids(stored) <= made


HEADER = ["id", "submitted", "nps", "nps_2", "csat", "ces", "points", "comment", "remark", "store", "wave",
          "status", "lang", "email", "name", "ip", "plan", "visited", "topics"]  # fmt: skip
ROWS = [
    ["R1", "2024-01-05 10:00", "9", "", "Great", "2", "4", "fine", "", "S1", "W1", "1", "EN", "a@example.com",
     "Ann", "10.0.0.1", "gold", "2024-01-04 09:00", "price, staff"],
    ["R2", "05/01/2024 23:30", "10 - Extremely likely", "3", "Very satisfied", "7", "5", "  ", "late", "S2", "",
     "partial", "pl_pl", " B@Example.com ", "Bob", "10.0.0.2", "", "", "staff"],
    ["R3", "2024-03-31T23:30:00+02:00", "11", "8", "6", "1", "2", "Очень доволен", "", "S1", "W2", "0", "", "",
     "", "", "1", "yesterday", ""],
    ["R4", "31/12/2024 23:59", "N/A", "", "Bad", "Very easy", "9", 'said "no"', "a,b", "S3", "W1", "done", "de",
     "not an e-mail", "Cy", "", "2024-01-01", "2024-12-30 10:00", "price"],
    ["R5", "2024-06-15 00:30", "0", "10", "", "4", "0", "", "", "S2", "", "maybe", "fr", "c@example.com", "", "",
     "", "", ""],
    ["R1", "2024-01-06 10:00", "8", "", "Great", "3", "3", "again", "", "S1", "W1", "1", "EN", "a@example.com",
     "Ann", "", "gold", "", ""],
    ["", "2024-01-07 10:00", "7", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["R6", "", "7", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["R7", "2024-02-29 12:00", "9", "9", "Great", "5", "1", "ok", "", "S3", "W2", "1", "EN", "a@example.com",
     "", "", "gold", "2024-02-28 12:00", ""],
]  # fmt: skip
MONTH_FIRST_ROWS = [[cell.replace("31/12/2024", "12/31/2024") for cell in row] for row in ROWS]
"""ROWS as a file under date_order = "mdy" may be: one showing day-first dates is refused whole
(`date_order`'s check of each file), not read row by row."""
BASE = {
    "connector": "csv", "path": "responses.csv",
    "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "comment": "comment",
                "location_id": "store", "status": "status", "language": "lang"},
    "metrics": [
        {"column": "nps", "metric": "nps"},
        {"column": "csat", "metric": "csat", "scale": [1, 5], "labels": {"Great": 5, "Bad": 1}},
        {"column": "ces", "metric": "ces", "scale": [1, 7], "direction": "lower_is_better", "ignore_values": ["4"]},
    ],
}  # fmt: skip


def mapping(**changes: Any) -> dict[str, Any]:
    return json.loads(json.dumps(BASE)) | changes


def with_columns(**columns: str | None) -> dict[str, str]:
    return {key: value for key, value in (BASE["columns"] | columns).items() if value is not None}


FEATURES = {
    "label maps, scale checks, a reversed scale": (mapping(), {}),
    "day-first dates": (mapping(date_order="dmy"), {}),
    "month-first dates, a time zone": (mapping(date_order="mdy", timezone="America/New_York"), {}),
    "the project's time zone": (mapping(), {"timezone": "Asia/Tokyo"}),
    "a timestamp format": (mapping(timestamp_format="%Y-%m-%d %H:%M"), {}),
    "two questions of one metric, the second primary": (
        mapping(metrics=[{"column": "nps", "metric": "nps"}, {"column": "nps_2", "metric": "nps", "primary": True},
                         *BASE["metrics"][1:]]), {}),  # fmt: skip
    "two questions of one metric, one question key": (
        mapping(metrics=[{"column": "nps", "metric": "nps", "question_key": "recommend"},
                         {"column": "nps_2", "metric": "nps", "question_key": "recommend"}]), {}),  # fmt: skip
    "more comments": (mapping(comments=["remark"]), {}),
    "questions, multiple choice": (mapping(questions=["plan", "topics"], multi_choice=["topics"]), {}),
    "attributes listed, a timestamp among them": (mapping(attributes=["plan", "visited"], timestamps=["visited"]), {}),
    "personal and ignored columns": (mapping(personal=["name"], ignore=["ip"]), {}),
    "personal data kept": (mapping(personal=["name"]), {"keep_personal_data": True}),
    "no raw payload": (mapping(), {"store_raw": False}),
    "rows keyed by content": (mapping(columns=with_columns(id=None)), {}),
    "no submitted time": (mapping(columns=with_columns(id=None, submitted_at=None)), {}),
    "rows keyed by chosen columns": (mapping(columns=with_columns(id=None), key_columns=["store", "email"]), {}),
    "a wave column": (
        mapping(program="mystery_shop", columns=with_columns(wave="wave"),
                metrics=[{"column": "points", "metric": "mystery_shop", "scale": [0, 5]}]), {}),  # fmt: skip
    "waves by month": (
        mapping(program="audit", wave_period="month",
                metrics=[{"column": "points", "metric": "audit", "scale": [0, 5]},
                         {"column": "ces", "metric": "criterion", "scale": [1, 7]}]), {}),  # fmt: skip
    "employees' nps": (mapping(program="employee"), {}),
    "a store named, without an id (its id made of the name)": (
        mapping(columns=with_columns(location_id=None, location_name="store")), {}),  # fmt: skip
    "fields: channel, country, survey": (
        mapping(columns=with_columns(channel="remark", country="lang", survey_id="store", team="plan")), {}),
}


@pytest.mark.parametrize(("source", "project"), FEATURES.values(), ids=FEATURES.keys())
def test_each_compiled_feature_stores_what_the_reference_path_stores(tmp_path, monkeypatch, source, project):
    write_csv(tmp_path / "responses.csv", HEADER, MONTH_FIRST_ROWS if source.get("date_order") == "mdy" else ROWS)
    stored, made = both_ways(tmp_path, monkeypatch, mapping=source, project=project)
    assert ids(stored) <= made and made
    assert stored["quarantine"]  # the trap rows (NPS 11, status "maybe", no submitted time) went the reference way


def test_labels_and_a_reversed_scale_score_as_the_mapping_says(tmp_path, monkeypatch):
    write_csv(tmp_path / "responses.csv", HEADER, ROWS)
    stored, _ = both_ways(tmp_path, monkeypatch, mapping=mapping())
    scores = {(row[2], row[4]): row for row in stored["scores"]}
    great = scores[("csat", 5.0)]
    assert (great[8], great[9], great[10]) == (100.0, "satisfied", 1)  # "Great" is 5 of 1–5 by the mapping's labels
    hardest = scores[("ces", 7.0)]
    assert (hardest[7], hardest[8], hardest[9]) == ("lower_is_better", 0.0, "high_effort")  # 7 of 1–7, lower better


def test_a_row_the_compiled_converters_cannot_make_goes_the_reference_way_with_its_reason(tmp_path, monkeypatch):
    write_csv(tmp_path / "responses.csv", HEADER, ROWS)
    stored, made = both_ways(tmp_path, monkeypatch, mapping=mapping())
    reasons = {row[3]: (row[5], row[6]) for row in stored["quarantine"]}
    assert reasons["R3"][1] == "nps" and "nps answer 11 is outside its scale 0–10" in reasons["R3"][0]
    assert reasons["R5"][1] == "status" and "status (a word of 5 letters, not shown)" in reasons["R5"][0]
    assert ids(stored) <= made


def test_a_difference_from_the_reference_path_turns_the_compiled_path_off(tmp_path, monkeypatch, caplog):
    write_csv(tmp_path / "responses.csv", HEADER, ROWS)
    original = CompiledRows._rows

    def wrong(self, *args):
        rows = original(self, *args)
        return compiled_rows.content_rows([*rows.feedback[:-5], 2], rows.scores, rows.comments, ingested_at="",
                                          run_id="")  # fmt: skip

    checked = synced(tmp_path, None, settings=[(CompiledRows, "_rows", wrong)], monkeypatch=monkeypatch,
                     mapping=mapping(), label="checked")  # fmt: skip
    reference = synced(tmp_path, None, settings=[(FileStream, "compiled", False)], monkeypatch=monkeypatch,
                       mapping=mapping(), label="reference")  # fmt: skip
    checked.pop("scored"), reference.pop("scored")
    assert checked == reference
    assert "the compiled rows differ from the reference path's" in caplog.text


cells = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=6)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(cells, min_size=1, max_size=6), st.lists(st.tuples(st.lists(cells, max_size=4), st.booleans(), cells), max_size=4),
       st.lists(st.tuples(cells, cells), max_size=3))  # fmt: skip
def test_the_content_hash_of_scores_packed_in_parts_is_the_hash_of_the_whole(values, parts, comments):
    """The compiled path hashes its score rows from parts written once per cell (tables.packed):
    the same digest as the row hashed whole, so stored hashes do not change with the path."""
    from cxbridge.tables import content_rows, packed, packed_row

    scores = [("rid", *items, flag, last) for items, flag, last in parts]
    whole = content_rows(values, scores, comments, ingested_at="t", run_id="r")
    pieces = b"".join(packed_row(len(score), packed(score)) for score in scores)
    assert content_rows(values, scores, comments, ingested_at="t", run_id="r", packed_scores=pieces) == whole


typed_cells = st.sampled_from(["9", "10", " 7 ", "11", "", "N/A", "Great", "Bad", "5", "2024-01-05 10:00", "S1"]) | (
    st.none() | st.sampled_from([1, True, 1.0, 0, False, 0.0]) | st.integers(-3, 12)  # equal cells of other types
    | st.sampled_from([7.5, 9.0, -0.5, 1e-7, 1e16, 3.0, " padded  text "])
    | st.sampled_from([datetime(2024, 1, 5, 10), date(2024, 2, 29), ["a", "b"], "Очень доволен", 'said "n"'])
)  # fmt: skip
"""Cells as any source's rows can hold them: text, numbers, dates (workbooks), lists (JSON exports)."""
TYPED_COLUMNS = ["id", "submitted", "nps", "nps_2", "csat", "ces", "comment", "remark", "store", "status", "email",
                 "plan", "visited", "topics", "note"]  # fmt: skip
TYPED_ROW = {"submitted": "2024-01-05 10:00", "nps": "9", "nps_2": "3", "csat": "Great", "ces": "2", "comment": "ok",
             "remark": "", "store": "S1", "status": "1", "email": "a@example.com", "plan": "gold",
             "visited": "2024-01-04 09:00", "topics": "price, staff", "note": " as  written "}  # fmt: skip
"""A row every mapping below stores, before its cells are changed."""
MISSING = object()  # a column the row does not have
TYPED_MAPPINGS = [
    mapping(comments=["remark"], questions=["plan", "topics"], multi_choice=["topics"]),
    mapping(attributes=["plan", "visited", "store"], timestamps=["visited"], program="employee"),
    mapping(program="audit", wave_period="month", metrics=[{"column": "nps", "metric": "audit", "scale": [0, 10]},
                                                           {"column": "ces", "metric": "criterion", "scale": [1, 7]}]),
    mapping(comments=["nps", "remark"], questions=["remark", "csat"]),  # a column answered twice in the answers
    mapping(columns=with_columns(survey_id="plan", team="topics", wave="remark")),
]


@settings(max_examples=120, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.sampled_from(range(len(TYPED_MAPPINGS))),
       st.lists(st.tuples(st.dictionaries(st.sampled_from(TYPED_COLUMNS), typed_cells | st.just(MISSING), max_size=4),
                          st.dictionaries(st.sampled_from(TYPED_COLUMNS), st.sampled_from(["Great", "Bad", "", "x"]))),
                min_size=1, max_size=30))  # fmt: skip
@example(0, [({"store": 1, "nps": 1}, {}), ({"store": True, "nps": True}, {}), ({"store": 1.0, "nps": 1.0}, {})])
@example(0, [({"note": datetime(2024, 1, 5, 10)}, {}), ({"note": 1e-7}, {})])  # raw JSON: json's text, not orjson's
@example(0, [({}, {"csat": 1}), ({}, {"csat": True}), ({}, {"csat": 1.0})])  # labels of other types
@example(3, [({"plan": 0, "remark": 1, "csat": 1}, {}), ({"plan": False, "remark": True, "csat": True}, {"csat": "x"})])
def test_compiled_rows_of_any_cells_are_the_reference_rows_or_none(monkeypatch, which, rows):
    """Each raw row straight through the compiled converters (their remembered results shared by
    the rows, missing columns, labels read with the cells, cells of any type): its rows equal the
    reference path's, or it is sent the reference way."""
    monkeypatch.setattr(CompiledRows, "checked", 0)
    data = {"settings": {"respondent_salt": SHARED_SALT}, "sources": {"responses": TYPED_MAPPINGS[which]}}
    source = config_from_dict(data, plugins_host.create_host()).build_source("responses")
    [stream] = source.streams()
    builder, _ = stream_tools(source, stream, keys=None)
    made = 0
    for number, (values, labels) in enumerate(rows * 2):  # the second time from what the first remembered
        cells = {key: value for key, value in (TYPED_ROW | values).items() if value is not MISSING}
        raw = {"file": "responses.csv", "row": number, "values": {**cells, "id": f"R{number}"}, "id": f"R{number}"}
        if labels:
            raw["labels"] = labels
        compiled = stream.record_rows(raw, builder, ingested_at="2024-01-01T00:00:00Z", run_id="run")
        try:
            reference = to_rows(stream.normalize(raw, builder), ingested_at="2024-01-01T00:00:00Z", run_id="run")
        except DataError:
            reference = None
        assert compiled is None or compiled == reference, raw
        made += compiled is not None
    assume(made)


def test_each_csv_file_of_a_source_keeps_its_own_attribute_columns(tmp_path, monkeypatch):
    """The rows of a table of text find their attribute columns once (`_attributes`): a source's
    next file, with other columns, finds its own — as the reference path and as written here."""
    write_csv(tmp_path / "a.csv", ["id", "nps", "colour"], [["A1", "9", "red"], ["A2", "3", ""], ["A3", "7", "blue"]])
    write_csv(tmp_path / "b.csv", ["id", "nps", "size", "colour"], [["B1", "10", "L", "green"], ["B2", "0", "", ""]])
    write_csv(tmp_path / "c.csv", ["id", "nps"], [["C1", "8"]])
    mapping = {"connector": "csv", "path": "*.csv", "timezone": "UTC", "columns": {"id": "id"},
               "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip
    stored, made = both_ways(tmp_path, monkeypatch, mapping=mapping)
    expected = {"A1": {"colour": "red"}, "A2": {}, "A3": {"colour": "blue"}, "B1": {"size": "L", "colour": "green"},
                "B2": {}, "C1": {}}  # fmt: skip
    source_id, attributes = FEEDBACK_COLUMNS.index("source_record_id"), FEEDBACK_COLUMNS.index("attributes")
    assert {row[source_id]: json.loads(row[attributes]) for row in stored["feedback"]} == expected
    assert len(made) == 6  # every row made by the compiled path
