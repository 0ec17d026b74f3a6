"""Quarantine advice is always something the user can do (issue 11 item 8): each key a reason
asks for is one the source's configuration has, where the reason says it is — a file's
`[[sources.NAME.metrics]]` entry, an API source's `[sources.NAME.questions.ID]`, a `csat_scale` —
the config accepts the advised change, and, followed, the advice gets the record out of
quarantine. A source without such keys is told to fix the answer in the source, nothing else."""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge import metrics
from cxbridge.config import config_from_dict, parse_config
from cxbridge.errors import DataError
from cxbridge.metrics import MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins_host import create_host
from cxbridge.questions import QuestionOverride
from cxbridge.tabular.config import MetricColumn
from cxbridge.timestamps import field_timestamp
from tests.sqlite_runs import copy_sample

QUESTION = "How did we do?"


@pytest.fixture(scope="module")
def host():
    return create_host()


def write_csv(path: Path, answers: list[str]) -> Path:
    rows = [[f"R{n}", f"2025-03-{n:02d}", answer] for n, answer in enumerate(answers, start=1)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "date", QUESTION], *rows])
    return path


def file_config(metric_lines: str) -> str:
    return (f'[sources.shop]\nconnector = "csv"\npath = "answers.csv"\n[sources.shop.columns]\nid = "id"\n'
            f'submitted_at = "date"\n[[sources.shop.metrics]]\ncolumn = "{QUESTION}"\n{metric_lines}')  # fmt: skip


def quarantined(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT source_record_id, error FROM quarantine").fetchall())


def asked_keys(error: str) -> list[str]:
    """The settings a reason asks for, in its order."""
    return re.findall(r"'(labels|ignore_values|metric|scale)'", error)


# Each case: the metric's settings, a bad answer among good ones, the keys the reason asks for, and
# each key's fix as the user would write it (the first one is then followed, and the record released).
CASES = {
    "nps off its scale": ('metric = "nps"\n', "11", ["ignore_values", "metric"],
                          {"ignore_values": "ignore_values = [11]\n",
                           "metric": 'metric = "rating"\nscale = [0, 11]\n'}),  # fmt: skip
    "nps label": ('metric = "nps"\n', "great", ["labels", "ignore_values"],
                  {"labels": 'labels = { "great" = 10 }\n', "ignore_values": 'ignore_values = ["great"]\n'}),
    "enps off its scale": ('metric = "enps"\n', "-1", ["ignore_values", "metric"],
                           {"ignore_values": "ignore_values = [-1]\n",
                            "metric": 'metric = "custom:pulse"\nscale = [-1, 10]\n'}),
    "csat off its scale": ('metric = "csat"\nscale = [1, 5]\n', "7", ["scale", "ignore_values"],
                           {"scale": "scale = [1, 7]\n", "ignore_values": "ignore_values = [7]\n"}),
    "ces label": ('metric = "ces"\nscale = [1, 7]\n', "meh", ["labels", "ignore_values"],
                  {"labels": 'labels = { "meh" = 4 }\n', "ignore_values": 'ignore_values = ["meh"]\n'}),
    "mystery shop points off the scale": ('metric = "mystery_shop"\nscale = [0, 40]\n', "45",
                                          ["scale", "ignore_values"],
                                          {"scale": "scale = [0, 50]\n", "ignore_values": "ignore_values = [45]\n"}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_each_piece_of_a_file_sources_advice_is_accepted_and_followed_releases_the_record(tmp_path, host, case):
    settings, bad, keys, fixes = CASES[case]
    write_csv(tmp_path / "answers.csv", ["4", bad, "5"] if "nps" not in settings else ["9", bad, "10"])
    config = tmp_path / "cxbridge.toml"
    config.write_text(file_config(settings), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    [result] = cxbridge.sync(config, destination=db, host=host).results
    assert (result.status, result.written, result.quarantined) == ("success", 2, 1), result.error
    [error] = quarantined(tmp_path / "x.db").values()
    where = f"the [[sources.shop.metrics]] entry of column {QUESTION!r}"
    assert f"; fix the answer in the source, or, in {where}, " in error
    assert sorted(asked_keys(error)) == sorted(keys)
    for key in keys:  # every key asked for is one the config takes here
        parse_config(file_config(_replaced(settings, fixes[key])), host, path=config)
    config.write_text(file_config(_replaced(settings, fixes[keys[0]])), encoding="utf-8")
    [replayed] = cxbridge.quarantine_replay(config, destination=db, host=host).results
    assert (replayed.status, replayed.written, replayed.quarantined) == ("success", 1, 0), replayed.error
    assert quarantined(tmp_path / "x.db") == {}


def _replaced(settings: str, fix: str) -> str:
    """The metric's settings with the keys `fix` sets replaced by it."""
    keys = {line.split(" = ")[0] for line in fix.splitlines()}
    kept = [line for line in settings.splitlines() if line.split(" = ")[0] not in keys]
    return "\n".join(kept) + "\n" + fix


def test_every_key_the_metric_rules_ask_for_is_a_setting_of_a_mapped_column_and_of_a_question():
    asked = set(metrics._FIXES)
    assert asked == {"labels", "ignore_values", "metric", "scale"}
    assert asked <= set(MetricColumn.model_fields) and asked <= set(QuestionOverride.model_fields)


# --- API sources: the question's override, a csat_scale, or the source's data --------------------


def builder(host, entry: dict[str, Any], tmp_path: Path) -> RecordBuilder:
    config = config_from_dict({"sources": {"api": entry}}, host, path=tmp_path / "cxbridge.toml")
    return RecordBuilder(context=config.context_for("api"), config=config.sources["api"].config,
                         connector=entry["connector"], stream="responses")  # fmt: skip


def build_error(builder: RecordBuilder, answer: AnswerInput) -> str:
    with pytest.raises(DataError) as failed:
        builder.build(native_id="r1", raw={}, answers=[answer])
    return str(failed.value)


TYPEFORM = {"connector": "typeform", "token": "${TYPEFORM_TOKEN}", "forms": ["u6nXL7"]}


@pytest.mark.parametrize(
    ("spec", "value", "fix"),
    [
        (MetricSpec(metric="nps"), 11, {"ignore_values": [11]}),
        (MetricSpec(metric="csat", scale=(1, 5)), 7, {"metric": "csat", "scale": [1, 7]}),
        (MetricSpec(metric="ces", scale=(1, 7)), "meh", {"labels": {"meh": 4}}),
    ],
)
def test_an_api_sources_advice_names_the_questions_override_and_the_config_takes_it(tmp_path, host, monkeypatch, spec,
                                                                                     value, fix):  # fmt: skip
    monkeypatch.setenv("TYPEFORM_TOKEN", "tfp_test")
    question = "nps field/1"  # a field id that needs quoting as a TOML key
    error = build_error(builder(host, TYPEFORM, tmp_path), AnswerInput(question, value, "Q", spec=spec))
    assert '; fix the answer in the source, or, in [sources.api.questions."nps field/1"], ' in error
    assert set(fix) <= set(asked_keys(error)) | {"metric"}
    config_from_dict({"sources": {"api": {**TYPEFORM, "questions": {question: fix}}}}, host, path=tmp_path / "c.toml")


def test_a_source_with_only_a_csat_scale_is_told_to_set_it_and_the_config_takes_it(tmp_path, host, monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", "pat-test")
    entry = {"connector": "hubspot", "access_token": "${HUBSPOT_TOKEN}", "csat_scale": [0, 2]}
    answer = AnswerInput("hs_csat", 4, "CSAT", spec=MetricSpec(metric="csat", scale=(0, 2)))
    error = build_error(builder(host, entry, tmp_path), answer)
    assert error.endswith("csat answer 4 is outside its scale 0–2; fix the answer in the source, or set "
                          "csat_scale in [sources.api] to the scale its answers use")  # fmt: skip
    config_from_dict({"sources": {"api": {**entry, "csat_scale": [0, 4]}}}, host, path=tmp_path / "c.toml")


def test_a_source_without_question_settings_is_told_only_to_fix_the_answer_there(tmp_path, host, monkeypatch):
    monkeypatch.setenv("FRESHDESK_API_KEY", "fd-test")
    entry = {"connector": "freshdesk", "domain": "acme", "api_key": "${FRESHDESK_API_KEY}"}
    answer = AnswerInput("default_question", 9, "How would you rate?", spec=MetricSpec(metric="csat", scale=(1, 5)))
    error = build_error(builder(host, entry, tmp_path), answer)
    assert error.endswith("csat answer 9 is outside its scale 1–5; fix the answer in the source: a sync reads the "
                          "record again once the source has changed it")  # fmt: skip
    assert not asked_keys(error)


def test_a_bad_time_from_an_api_asks_for_no_setting_the_source_does_not_have():
    with pytest.raises(DataError) as failed:
        field_timestamp("yesterday", "created_at")
    error = str(failed.value)
    assert error.startswith("created_at: timestamp (a word of 9 letters, not shown) is not ISO-8601 (2024-05-31T14:05:00Z); ")
    assert "timestamp_format" not in error and "report it to the connector's authors" in error


# --- a real export: "No opinion" recoded -1 (QualtricsTools, tests/data/samples) ------------------

NO_BASIS = "QualtricsTools_No_Basis_for_Evaluation"


def test_a_no_opinion_recode_of_a_real_export_is_advised_into_ignore_values_not_onto_the_scale(tmp_path, host):
    """Squash, felt as 1 Great, 2 In the middle, 3 Awful, recoded -1 for "No opinion": mapped as a
    1–3 rating without `ignore_values`, the two -1 answers are quarantined. The advice offers
    `ignore_values` first — widening the scale to [-1, 3] would score "no opinion" as a feeling —
    and, followed, the replay stores them unscored."""
    copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)
    copy_sample(f"{NO_BASIS}.qsf", tmp_path)
    source = (f'[sources.squash]\nconnector = "csv"\npath = "{NO_BASIS}_Insights.csv"\nformat = "qualtrics"\n'
              f'definition = "{NO_BASIS}.qsf"\ninclude_test_responses = true\n'  # each sample response is a test
              '[sources.squash.columns]\nid = "_recordId"\nsubmitted_at = "endDate"\n'
              '[[sources.squash.metrics]]\ncolumn = "QID1"\nmetric = "rating"\nscale = [1, 3]\n'
              'direction = "lower_is_better"\n')  # fmt: skip
    config = tmp_path / "cxbridge.toml"
    config.write_text(source, encoding="utf-8")
    with (tmp_path / f"{NO_BASIS}_Insights.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    feelings = [int(row[rows[0].index("Q1")]) for row in rows[3:]]
    assert feelings.count(-1) == 2 and len(feelings) == 15

    db = f"sqlite:///{tmp_path / 'x.db'}"
    [result] = cxbridge.sync(config, destination=db, host=host).results
    assert (result.status, result.written, result.quarantined) == ("success", 13, 2), result.error
    errors = set(quarantined(tmp_path / "x.db").values())
    assert errors == {"question 'QID1': rating answer -1 is outside its scale 1–3; fix the answer in the source, or, "
                      "in the [[sources.squash.metrics]] entry of column 'QID1', add it to 'ignore_values' if it means "
                      "no answer, or set 'scale' to the one its answers use"}  # fmt: skip

    config.write_text(source + "ignore_values = [-1]\n", encoding="utf-8")
    [replayed] = cxbridge.quarantine_replay(config, destination=db, host=host).results
    assert (replayed.written, replayed.quarantined) == (2, 0) and quarantined(tmp_path / "x.db") == {}
    with sqlite3.connect(tmp_path / "x.db") as conn:
        scores = conn.execute("SELECT value, normalized FROM feedback_scores WHERE metric = 'rating'").fetchall()
        stored = conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    expected = sorted((float(f), {1: 100.0, 2: 50.0, 3: 0.0}[f]) for f in feelings if f != -1)  # lower is better
    assert stored == 15 and sorted(scores) == expected


def test_a_no_opinion_recode_of_a_real_export_carries_no_score_under_an_entry_giving_only_its_metric(tmp_path, host):
    """The same column mapped by its metric alone (`metric` and `direction`, no `scale`): the entry
    is on the scale the definition's choices give, 1–3 without the "No opinion" recode -1, and, as
    an API question configured by its metric alone, that recode carries no score — before, the
    scale left -1 out as no answer while the entry quarantined the two -1 answers as off it."""
    copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)
    copy_sample(f"{NO_BASIS}.qsf", tmp_path)
    (tmp_path / "cxbridge.toml").write_text(
        f'[sources.squash]\nconnector = "csv"\npath = "{NO_BASIS}_Insights.csv"\nformat = "qualtrics"\n'
        f'definition = "{NO_BASIS}.qsf"\ninclude_test_responses = true\n'
        '[sources.squash.columns]\nid = "_recordId"\nsubmitted_at = "endDate"\n'
        '[[sources.squash.metrics]]\ncolumn = "QID1"\nmetric = "rating"\ndirection = "lower_is_better"\n',
        encoding="utf-8",
    )  # fmt: skip
    with (tmp_path / f"{NO_BASIS}_Insights.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    feelings = {row[0]: int(row[rows[0].index("Q1")]) for row in rows[3:]}

    db = f"sqlite:///{tmp_path / 'x.db'}"
    [result] = cxbridge.sync(tmp_path / "cxbridge.toml", destination=db, host=host).results
    assert (result.status, result.written, result.quarantined) == ("success", 15, 0), result.error
    with sqlite3.connect(tmp_path / "x.db") as conn:
        scores = dict(conn.execute("SELECT f.source_record_id, s.normalized FROM feedback_scores s "
                                   "JOIN feedback f USING (record_id) WHERE s.metric = 'rating'").fetchall())  # fmt: skip
        unscored = dict(conn.execute("SELECT source_record_id, json_extract(answers, '$.QID1.label') FROM feedback "
                                     "WHERE record_id NOT IN (SELECT record_id FROM feedback_scores)").fetchall())  # fmt: skip
    assert scores == {rid: (3 - f) / 2 * 100 for rid, f in feelings.items() if f != -1}  # 1 Great … 3 Awful
    assert unscored == {rid: "No opinion" for rid, f in feelings.items() if f == -1} and len(unscored) == 2
