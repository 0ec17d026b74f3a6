"""Every row of a Qualtrics survey with many varied responses, synced through the fake v3 API
(tests/qualtrics_api.py), against what the test works out from the responses it sent: the
record columns, every score with its category and normalized value, every comment, the
answers and attributes, and the quarantine of answers off their scale. Pins down the
connector's reading and normalizing while they are made faster (issue 19)."""

from __future__ import annotations

import json
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from cxbridge import plugins_host
from cxbridge.built_rows import BuiltRows
from cxbridge.plugins.qualtrics.responses import SurveyReader
from cxbridge.plugins.qualtrics.source import QualtricsSource, ResponsesStream
from cxbridge.sources import Stream
from cxbridge.tables import content_rows
from tests.qualtrics_api import ROOT, TOKEN, QualtricsAccount, qualtrics, response
from tests.sqlite_runs import sync_source
from tests.test_qualtrics_vendor import VENDOR_SOURCE, vendor_account

SURVEY = "SV_rows"
SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"]
COMMENTS = ["", "Friendly staff", "  Slow at the till  ", "   ", "Очень доволен"]
COUNT = 150
sync = partial(sync_source, name="stores")


def varied(n: int) -> dict[str, Any]:
    """Response n: NPS 0–12 (11 and 12 are off the scale), CSAT 1–5 or blank, with or without
    its label, CES 1–5 or missing, comments blank or padded, unfinished ones, embedded data."""
    record = response(n, nps=n % 13, csat=n % 5 + 1, effort=n % 5 + 1, comment=COMMENTS[n % 5], store=f"S{n % 4:02d}",
                      day=n % 28 + 1, finished=int(n % 7 != 0))  # fmt: skip
    values, labels = record["values"], record["labels"]
    labels["QID2"] = SATISFACTION[values["QID2"] - 1]
    if n % 6 == 0:
        values["QID2"] = ""  # a skipped question: no answer, no score
        del labels["QID2"]
    elif n % 6 == 1:
        del labels["QID2"]  # the label comes from the definition's choices
    elif n % 6 == 2:
        labels["QID2"] = labels["QID2"].upper()  # the same value shown with another label
    if n % 4 == 0:
        del values["QID3"]
    elif n % 10 == 3:
        values["QID3"] = str(values["QID3"])  # the same answer as text
    if n % 9 == 0:
        values["StoreID"] = ""
    values["plan"] = ["gold", "silver", ""][n % 3]
    return record


def expected(n: int) -> dict[str, Any] | None:
    """The feedback row the test works out for response n (None: quarantined)."""
    record = varied(n)
    values = record["values"]
    nps = values["QID1"]
    if nps > 10:
        return None
    csat = values["QID2"] or None
    effort = int(values["QID3"]) if "QID3" in values else None
    text = values.get("QID4_TEXT", "").strip() or None
    recorded = values["recordedDate"]
    answers = {"QID1": nps, "QID2": csat, "QID3": values.get("QID3"), "QID4_TEXT": values.get("QID4_TEXT"), "QID5_1": 4, "QID5_2": 2}
    return {
        "survey_id": SURVEY,
        "nps": nps,
        "nps_group": "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor",
        "csat": None if csat is None else float(csat),
        "csat_normalized": None if csat is None else (csat - 1) / 4 * 100,
        "ces": None if effort is None else float(effort),
        "ces_normalized": None if effort is None else (5 - effort) / 4 * 100,  # "very low effort" is 1: lower is better
        "comment": text,
        "location_id": values["StoreID"] or None,
        "status": "complete" if values["finished"] else "partial",
        "channel": "email",
        "language": "en",
        "submitted_at": recorded[:19] + ".250000Z",
        "attributes": {"plan": values["plan"]} if values["plan"] else {},
        "answers": {key: value for key, value in answers.items() if value not in (None, "")},
        "csat_label": None if csat is None else SATISFACTION[csat - 1].upper() if n % 6 == 2 else SATISFACTION[csat - 1],
    }


def category(metric: str, value: float) -> str:
    if metric == "nps":
        return "promoter" if value >= 9 else "passive" if value >= 7 else "detractor"
    if metric == "csat":
        return "satisfied" if value >= 4 else "neutral" if value == 3 else "dissatisfied"
    return "low_effort" if value <= 2 else "neutral" if value == 3 else "high_effort"


@pytest.fixture
def synced(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    return sync_rows(tmp_path)


def sync_rows(folder: Path) -> Path:
    with qualtrics(rows_account()) as api:
        result = sync(folder, {**ROWS_SOURCE, "base_url": api.url + ROOT})
    off_scale = sum(1 for n in range(1, COUNT + 1) if expected(n) is None)
    assert (result.status, result.read, result.written, result.quarantined) == (
        "success", COUNT, COUNT - off_scale, off_scale), result.error  # fmt: skip
    return folder


def rows(folder: Path, sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(folder / "cxbridge.db") as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()


def test_every_record_has_the_columns_worked_out_from_its_response(synced):
    stored = {row["source_record_id"]: row for row in rows(synced, "SELECT * FROM feedback")}
    wanted = {f"R_{n:04d}abcd": row for n in range(1, COUNT + 1) if (row := expected(n)) is not None}
    assert set(stored) == set(wanted)
    for rid, want in wanted.items():
        row = stored[rid]
        columns = [key for key in want if key not in ("attributes", "answers", "csat_label")]
        assert {key: row[key] for key in columns} == {key: want[key] for key in columns}, rid
        attributes = json.loads(row["attributes"])
        attributes.pop("topics", None)  # the built-in topic tagger's, from the comment (tests/test_topics*.py)
        assert attributes == want["attributes"], rid
        answers = json.loads(row["answers"])
        assert {key: answer["value"] for key, answer in answers.items()} == want["answers"], rid
        assert answers.get("QID2", {}).get("label") == want["csat_label"], rid
        assert answers["QID5_1"]["label"] == "Agree" and answers["QID5_2"]["label"] == "Disagree"
        assert row["respondent_key"] and "@" not in row["respondent_key"] and "@" not in row["raw"]
    assert len({row["respondent_key"] for row in stored.values()}) == len(stored)  # one shopper each


def test_every_score_and_comment_is_stored_with_its_category(synced):
    wanted_scores, wanted_comments = set(), set()
    for n in range(1, COUNT + 1):
        if (want := expected(n)) is None:
            continue
        rid = f"R_{n:04d}abcd"
        for metric, question, low, high in (("nps", "QID1", 0, 10), ("csat", "QID2", 1, 5), ("ces", "QID3", 1, 5)):
            value = want[metric]
            if value is not None:
                normalized = value * 10.0 if metric == "nps" else want[f"{metric}_normalized"]
                wanted_scores.add((rid, metric, question, float(value), low, high, normalized, category(metric, value)))
        if want["comment"]:
            wanted_comments.add((rid, "QID4_TEXT", "What could we do better?", want["comment"]))
    scores = rows(synced, "SELECT source_record_id, metric, question_id, value, scale_min, scale_max, normalized, "
                          "category FROM feedback_scores JOIN feedback USING (record_id)")  # fmt: skip
    comments = rows(synced, "SELECT source_record_id, question_id, question_text, text "
                            "FROM feedback_comments JOIN feedback USING (record_id)")  # fmt: skip
    assert {tuple(row) for row in scores} == wanted_scores and len(scores) == len(wanted_scores)
    assert {tuple(row) for row in comments} == wanted_comments and len(comments) == len(wanted_comments)


def test_answers_off_the_nps_scale_are_quarantined_naming_the_question(synced):
    quarantined = rows(synced, "SELECT source_record_id, field, error FROM quarantine ORDER BY source_record_id")
    wanted = [f"R_{n:04d}abcd" for n in range(1, COUNT + 1) if expected(n) is None]
    assert [row["source_record_id"] for row in quarantined] == wanted
    for row in quarantined:
        nps = varied(int(row["source_record_id"][2:6]))["values"]["QID1"]
        assert row["field"] == "QID1"
        assert row["error"].startswith(f"question 'QID1': nps answer {nps} is outside its scale 0–10"), row["error"]


ROWS_SOURCE = {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": [SURVEY],
               "columns": {"location_id": "StoreID"}}  # fmt: skip


def rows_account() -> QualtricsAccount:
    account = QualtricsAccount()
    account.add_survey(SURVEY, "Store visit rows")
    account.put(SURVEY, *(varied(n) for n in range(1, COUNT + 1)))
    return account


@pytest.mark.parametrize(("account", "source"), [(rows_account, ROWS_SOURCE), (vendor_account, VENDOR_SOURCE)],
                         ids=["varied responses", "real survey definitions"])  # fmt: skip
def test_answers_worked_out_once_per_value_store_what_working_each_out_stores(tmp_path, monkeypatch, account, source):
    """The survey reader's memory of answer keys and values (`SurveyReader.remembered`) changes
    no row, score, comment or quarantine reason against reading every answer afresh — on this
    file's responses and on the surveys of tests/test_qualtrics_vendor.py (definitions Qualtrics
    returned to others, labels with HTML, matrix rows, NPS groups)."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    stored = []
    for remembered in (SurveyReader.remembered, 0):
        monkeypatch.setattr(SurveyReader, "remembered", remembered)
        folder = tmp_path / f"remembered-{remembered}"
        folder.mkdir()
        with qualtrics(account()) as api:
            result = sync(folder, {**source, "base_url": api.url + ROOT}, shared_salt=True)
        assert result.status == "success", result.error
        stored.append(tables(folder))
    assert stored[0] == stored[1]
    assert stored[0]["feedback"] and stored[0]["scores"]


def tables(folder: Path) -> dict[str, list[tuple]]:
    """Every stored row, lineage (run id, time of ingestion) left out."""
    with sqlite3.connect(folder / "cxbridge.db") as conn:
        columns = [c for (_, c, *_) in conn.execute("PRAGMA table_info(feedback)")]
        content = ", ".join(c for c in columns if c not in ("ingested_at", "sync_run_id"))
        return {
            "feedback": conn.execute(f"SELECT {content} FROM feedback ORDER BY record_id").fetchall(),
            "scores": conn.execute("SELECT * FROM feedback_scores ORDER BY record_id, metric, question_id").fetchall(),
            "comments": conn.execute("SELECT * FROM feedback_comments ORDER BY record_id, question_id").fetchall(),
            "quarantine": conn.execute("SELECT record_id, raw, error, field FROM quarantine ORDER BY record_id").fetchall(),
        }  # fmt: skip


UNUSUAL = 240


def unusual(n: int) -> dict[str, Any]:
    """Response n with what a real export can hold beside clean answers: NPS as text, as a
    float, as a word, below its scale, missing; satisfaction off its scale, with a label off its
    choices or a number for a label; matrix rows off their scale, blank or not in the survey;
    stores and teams as numbers, other channels and languages, embedded data of every JSON type
    (and numbers JSON libraries write or read their own ways: exponents, NaN, ints beyond 64 bits),
    visit times with an offset, without a zone, missing or not times at all, comments that are
    numbers or blank."""
    record = response(n, nps=n % 11, csat=n % 5 + 1, effort=n % 5 + 1, comment=COMMENTS[n % 5], store=f"S{n % 3}",
                      day=n % 28 + 1, finished=int(n % 6 != 0))  # fmt: skip
    values, labels = record["values"], record["labels"]
    nps = {1: "9", 2: 9.0, 3: "ten", 4: -1, 5: None, 6: 9.5, 7: True, 8: "", 9: " 7 "}.get(n % 17, values["QID1"])
    if nps is None:
        del values["QID1"], values["QID1_NPS_GROUP"]
    else:
        values["QID1"] = nps
    if n % 13 == 1:
        values["QID2"], labels["QID2"] = 7, "Extremely satisfied"
    elif n % 13 == 2:
        values["QID2"], labels["QID2"] = 3, "Great"
    elif n % 13 == 3:
        labels["QID2"] = 5
    elif n % 13 == 4:
        values["QID2"] = "Satisfied"
    elif n % 13 == 5:
        del labels["QID2"]
    if n % 11 == 1:
        values["QID5_1"], values["QID5_2"] = 6, ""
    elif n % 11 == 2:
        labels["QID5_1"] = "Agree"
    elif n % 11 == 3:
        values["QID5_3"] = 1
    values["StoreID"] = {1: 12, 2: "", 3: " S1 "}.get(n % 9, values["StoreID"])
    values["distributionChannel"] = {1: "sms", 2: "carrier pigeon", 3: "anonymous", 4: ""}.get(n % 7, "email")
    values["userLanguage"] = {1: "PT-BR", 2: "", 3: "de"}.get(n % 8, "EN")
    values["plan"] = [["a", "b"], {"k": [1, 2.5]}, 3.5, True, 0, -0.0, "", None, "text"][n % 9]
    values["team"] = {1: 7, 2: "", 3: "  North "}.get(n % 5, "South")
    values["reading"] = [1e-7, 1e16, 2.5e-05, 0.0001, 2**70, -(2**64) - 1, float("nan"), float("inf"), 1.5, None,
                         12][n % 11]  # numbers orjson writes or reads otherwise than json, in raw and attributes
    labels["reading"] = None if n % 4 == 1 else "shown"
    recorded = values["recordedDate"]
    visited = {1: recorded[:19] + "+02:00", 2: "yesterday", 3: recorded[:19], 4: None,
               5: recorded[:10] + "T23:59:59.999999Z"}.get(n % 10, recorded)  # fmt: skip
    if visited is not None:
        values["visited"] = visited  # when the visit was (`submitted_at`), else the end of the response
    if n % 12 == 1:
        values["QID4_TEXT"] = 42
    elif n % 12 == 2:
        values["QID4_TEXT"] = "  "
    if n % 15 == 1:
        values["QID6"] = 3  # a question the definition does not hold
    if n % 19 == 1:
        values["finished"] = 2  # neither finished nor not
    # what scrubbing changes outside `values`' declared keys (or must leave): an address as a
    # whole or inside text, a declared key among the labels, braces in text, nested lists
    labels["plan"] = {1: "a.b@example.com", 2: "mail a.b@example.com", 3: "{not an object}"}.get(n % 8, "shown")
    if n % 16 == 5:
        labels["recipientEmail"] = "Ana"
    record["displayedValues"] = {"QID2": [1, 2, 3, 4, 5], "QID5": [[1, 2], [3]]} if n % 2 else {}
    return record


def unusual_account() -> QualtricsAccount:
    account = QualtricsAccount()
    account.add_survey(SURVEY, "Store visit rows")
    account.put(SURVEY, *(unusual(n) for n in range(1, UNUSUAL + 1)))
    return account


UNUSUAL_SOURCE = {**ROWS_SOURCE, "columns": {"location_id": "StoreID", "team": "team", "submitted_at": "visited"}}


def test_answers_and_fields_kept_per_set_of_values_store_what_working_each_out_stores(tmp_path, monkeypatch):
    """The reader's sets of answers and of mapped fields (kept by the values themselves, so 9,
    9.0 and True must not share one) change nothing against reading every response afresh, on
    the unusual responses: NPS 9, "9", 9.0 and True, stores 12 and "S1", blanks and missing keys."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    stored = []
    for remembered in (SurveyReader.remembered, 0):
        monkeypatch.setattr(SurveyReader, "remembered", remembered)
        stored.append(synced_tables(tmp_path / f"remembered-{remembered}", unusual_account(), UNUSUAL_SOURCE))
    assert stored[0] == stored[1]
    assert stored[0]["feedback"] and stored[0]["quarantine"]


def synced_tables(folder: Path, account: Any, source: dict[str, Any]) -> dict[str, list]:
    """The tables of a sync of `source` from the local Qualtrics API serving `account`, into `folder`."""
    folder.mkdir()
    with qualtrics(account) as api:
        result = sync(folder, {**source, "base_url": api.url + ROOT}, shared_salt=True)
    assert result.status == "success", result.error
    return tables(folder)


@pytest.mark.parametrize(("account", "source"), [
    (rows_account, ROWS_SOURCE),
    (vendor_account, VENDOR_SOURCE),
    (unusual_account, UNUSUAL_SOURCE),
    (unusual_account, {**UNUSUAL_SOURCE, "program": "employee"}),
    (unusual_account, {**UNUSUAL_SOURCE, "program": "mystery_shop", "wave_period": "month", "timezone": "Pacific/Auckland",
                       "columns": {"location_id": "StoreID", "updated_at": "endDate", "submitted_at": "visited"}}),
    (unusual_account, {**UNUSUAL_SOURCE, "questions": {"QID3": {"primary": True, "metric": "csat"}, "QID6": {"metric": "ces"}}}),
    (unusual_account, {**UNUSUAL_SOURCE, "columns": {"location_name": "StoreID", "submitted_at": "visited"}}),
], ids=["varied responses", "real survey definitions", "unusual responses", "employees", "waves in a time zone",
        "question overrides", "stores named without an id"])  # fmt: skip
def test_rows_built_from_remembered_answers_are_the_rows_of_each_record_validated(
    tmp_path, monkeypatch, caplog, account, source
):
    """The rows made without a FeedbackRecord per response (`cxbridge.built_rows`) are the rows
    the record validated by pydantic gives — every feedback, score, comment and quarantine row
    and reason — when no record is compared as it is made (`checked` 0), and no record differs
    when every one is. Every stored record takes that path; each quarantined one, the reference way.
    The reference way also scrubs every response by the walk (`Scrubber`), not by its JSON text
    (`cxbridge.decoded_scrub`)."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    monkeypatch.setenv("CXBRIDGE_LOAD_PLUGINS", "")  # an installed plugin's enrich_record would build every record
    monkeypatch.setattr(plugins_host, "_host", None)
    made: list[bool] = []
    rows_of = ResponsesStream.record_rows

    def counted(self, raw, builder, **lineage):
        rows = rows_of(self, raw, builder, **lineage)
        made.append(rows is not None)
        return rows

    monkeypatch.setattr(ResponsesStream, "record_rows", counted)
    stored = {}
    for way, checked in (("built", 0), ("compared", 10**9), ("reference", 0)):
        monkeypatch.setattr(BuiltRows, "checked", checked)
        if way == "reference":  # every record built, every response scrubbed by the walk
            monkeypatch.setattr(ResponsesStream, "record_rows", Stream.record_rows)
            monkeypatch.setattr(ResponsesStream, "scrubbing", Stream.scrubbing)
        stored[way] = synced_tables(tmp_path / way, account(), source)
        if way == "built":
            built, fell_back = sum(made), made.count(False)
    assert not [r for r in caplog.records if "differ from the reference" in r.getMessage()]
    assert stored["built"] == stored["reference"] and stored["compared"] == stored["reference"]
    assert stored["built"]["feedback"] and stored["built"]["scores"]
    assert (built, fell_back) == (len(stored["built"]["feedback"]), len(stored["built"]["quarantine"]))


def test_a_record_whose_built_rows_differ_turns_the_built_path_off(tmp_path, monkeypatch, caplog):
    """The first records of a stream are built both ways (`BuiltRows.checked`): one whose rows
    differ from the reference path's is stored as the reference makes it, with a warning, and
    every record after it is built the reference way — the tables are the reference path's."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    monkeypatch.setenv("CXBRIDGE_LOAD_PLUGINS", "")
    monkeypatch.setattr(plugins_host, "_host", None)
    original = BuiltRows._rows
    made: list[bool] = []

    def wrong(self, *args):
        rows = original(self, *args)
        made.append(True)
        return content_rows([*rows.feedback[:-5], "wrong"], rows.scores, rows.comments, ingested_at="", run_id="")

    stored = {}
    for way in ("wrong", "reference"):
        if way == "reference":
            monkeypatch.setattr(ResponsesStream, "record_rows", Stream.record_rows)
        else:
            monkeypatch.setattr(BuiltRows, "_rows", wrong)
        stored[way] = synced_tables(tmp_path / way, rows_account(), ROWS_SOURCE)
    assert stored["wrong"] == stored["reference"]
    assert len(made) == 1  # the first record differed: none built after it
    warned = [r.getMessage() for r in caplog.records if "differ from the reference" in r.getMessage()]
    assert len(warned) == 1 and "R_0001abcd" in warned[0]
