"""Qualtrics exports of a 0–10 question whose choices are recoded 1–11 (Qualtrics' default: the
choice ids), read with the survey's .qsf: the source's `values` says whether a cell holds a
choice's recode (a JSON export, a CSV exported with "Use numeric values") or the choice as shown
("Use choice text"), `inspect` proposes it from the file, and a scored column that could read
either way is refused until it is said. The exports are built in the shapes Qualtrics documents
(docs/files.md; tests/data/vendor/qualtrics/README.md: no public export of such a scale exists)."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest

import cxbridge
from cxbridge.detection.inspector import Hints, inspect_file
from cxbridge.detection.mapping_file import mapping_text
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from cxbridge.questions import Question, QuestionPlan
from tests.conftest import half_up
from tests.sqlite_runs import query, sync_source

SHOWN = (0, 3, 6, 7, 8, 9, 10, 10, 10, 9, 5, 1)  # what the respondents picked on the 0–10 scale
SATISFACTION = ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied",
                "Very satisfied")  # fmt: skip
IDS = ["startDate", "endDate", "finished", "_recordId", "QID1", "QID2"]


def survey_qsf(folder: Path, *, first_recode: int = 1, display=str) -> Path:
    """The .qsf: QID1 an NPS question showing 0 … 10 (as `display` writes them) recoded from
    `first_recode` on (the choice ids, which Qualtrics exports when no RecodeValues are set), QID2
    a 1–5 satisfaction question."""
    nps = {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "NPS",
           "QuestionText": "How likely are you to recommend us to a friend?",
           "Choices": {str(shown + first_recode): {"Display": display(shown)} for shown in range(11)}}  # fmt: skip
    csat = {"QuestionID": "QID2", "DataExportTag": "Q2", "QuestionType": "MC", "Selector": "SAVR",
            "QuestionText": "How satisfied were you with your visit?",
            "Choices": {str(n): {"Display": label} for n, label in enumerate(SATISFACTION, start=1)}}  # fmt: skip
    document = {"SurveyEntry": {"SurveyID": "SV_recoded", "SurveyName": "Recoded NPS"},
                "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": q["QuestionID"], "Payload": q}
                                   for q in (nps, csat)]}  # fmt: skip
    path = folder / "survey.qsf"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def json_export(folder: Path, shown: tuple[int, ...] = SHOWN, *, labelled: bool = False, text: bool = False) -> Path:
    """A JSON export: each answer's recode under `values`, its text under `labels` only when
    `labelled` (numeric answers may be left out of `labels`: api_reference.md §1.5) — or, made
    with `useLabels` (`text`), the choice's text under `values`."""
    responses = []
    for n, picked in enumerate(shown, start=1):
        answers = {"QID1": picked + 1, "QID2": n % 5 + 1}
        if text:
            answers = {"QID1": str(picked), "QID2": SATISFACTION[n % 5]}
        values = {"endDate": f"2026-01-{n:02d}T10:00:00Z", "finished": 1, "_recordId": f"R_{n:04d}", **answers}
        labels = {"QID1": str(picked), "QID2": SATISFACTION[n % 5]} if labelled else {}
        responses.append({"responseId": f"R_{n:04d}", "values": values, "labels": labels})
    path = folder / "export.json"
    path.write_text(json.dumps({"responses": responses}), encoding="utf-8")
    return path


def csv_export(folder: Path, shown: tuple[int, ...] = SHOWN, *, choice_text: bool, satisfaction: bool = True) -> Path:
    """A CSV export (three header rows), with "Use choice text" or "Use numeric values"."""
    ids = IDS if satisfaction else IDS[:-1]
    rows = [["StartDate", "EndDate", "Finished", "ResponseId", "Q1", "Q2"][: len(ids)],
            ["Start Date", "End Date", "Finished", "Response ID", "How likely are you to recommend us to a friend?",
             "How satisfied were you with your visit?"][: len(ids)],
            [json.dumps({"ImportId": i, "timeZone": "UTC"}) for i in ids]]  # fmt: skip
    for n, picked in enumerate(shown, start=1):
        stamp = f"2026-01-{n:02d} 10:00:00"
        nps, csat = (str(picked), SATISFACTION[n % 5]) if choice_text else (picked + 1, n % 5 + 1)
        rows.append([stamp, stamp, 1, f"R_{n:04d}", nps, csat][: len(ids)])
    path = folder / ("choice_text.csv" if choice_text else "numeric.csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def source(path: Path, **extra) -> dict:
    connector, fmt = ("json", "qualtrics_json") if path.suffix == ".json" else ("csv", "qualtrics")
    return {"connector": connector, "path": path.name, "format": fmt, "definition": "survey.qsf",
            "columns": {"id": "_recordId", "submitted_at": "endDate"},
            "metrics": [{"column": "QID1", "metric": "nps"}], **extra}  # fmt: skip


def net_promoter_score(shown: tuple[int, ...]) -> float:
    promoters, detractors = sum(n >= 9 for n in shown), sum(n <= 6 for n in shown)
    return half_up(Fraction(100 * (promoters - detractors), len(shown)))


def assert_scored_as_shown(folder: Path, shown: tuple[int, ...] = SHOWN, *, db: str = "cxbridge.db") -> None:
    """Each record's nps is the number its respondent picked, labelled as shown, and
    nps_by_month the NPS worked out here from those numbers."""
    stored = query(folder, "SELECT nps, json_extract(answers, '$.QID1.label') FROM feedback ORDER BY source_record_id",
                   db=db)  # fmt: skip
    assert stored == [(n, str(n)) for n in shown]
    assert query(folder, "SELECT responses, nps FROM nps_by_month", db=db) == [(len(shown), net_promoter_score(shown))]


@pytest.mark.parametrize(
    ("kind", "values"),
    [("json", "recodes"), ("json-labelled", "recodes"), ("numeric", "recodes"), ("choice-text", "choice_text")],
)
def test_each_export_scores_the_number_shown_when_values_says_what_its_cells_hold(tmp_path, kind, values):
    survey_qsf(tmp_path)
    export = json_export(tmp_path, labelled=True) if kind == "json-labelled" else export_of(kind, tmp_path, SHOWN)
    result = sync_source(tmp_path, source(export, values=values))
    assert (result.written, result.quarantined) == (len(SHOWN), 0), result.error
    assert_scored_as_shown(tmp_path)


def test_labels_configured_for_the_choices_shown_give_their_values_in_either_reading(tmp_path):
    """A 0–10 scale scored 0–100 by hand (`labels`): the label shown picks the value, whether the
    cell was its recode or its text."""
    survey_qsf(tmp_path)
    labels = {str(n): n * 10 for n in range(11)}
    metrics = [{"column": "QID1", "metric": "rating", "scale": [0, 100], "labels": labels}]
    for export, values in ((csv_export(tmp_path, choice_text=False), "recodes"),
                           (csv_export(tmp_path, choice_text=True), "choice_text")):  # fmt: skip
        db = f"{values}.db"
        assert sync_source(tmp_path, source(export, values=values, metrics=metrics), db=db).written == len(SHOWN)
        stored = query(tmp_path, "SELECT value FROM feedback_scores JOIN feedback USING (record_id) "
                                 "ORDER BY source_record_id", db=db)  # fmt: skip
        assert stored == [(n * 10.0,) for n in SHOWN]


def test_without_values_a_scored_column_read_two_ways_is_refused_before_anything_is_read(tmp_path):
    survey_qsf(tmp_path)
    export = csv_export(tmp_path, choice_text=False)
    with pytest.raises(ConfigError) as refused:
        sync_source(tmp_path, source(export))
    message = str(refused.value)
    assert "[sources.survey] values:" in message and "'QID1' ('0' recoded 1 … '10' recoded 11)" in message
    assert "values = 'recodes'" in message and "values = 'choice_text'" in message and "survey.qsf" in message
    assert "nothing was read or written" in message
    assert not (tmp_path / "cxbridge.db").exists() or query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(0,)]


def test_labels_giving_choices_other_values_than_their_recodes_need_values_before_anything_is_read(tmp_path):
    """A 3-point CSAT listed best first (Satisfied 1, Neutral 2, Dissatisfied 3), which `inspect`
    leaves unscored and advises to map "with its metric, scale and labels": the labels the user
    writes (Satisfied = 3 … Dissatisfied = 1) give the choices other values than their recodes, so
    a cell of 3 is "Dissatisfied" read as its choice and a satisfied 3 read as a number. Without
    `values` the source is refused, naming the column and the key — before, each cell scored its
    recode, so every "Dissatisfied" answer counted satisfied beside its label; with `values =
    "recodes"` each cell scores the label of its choice."""
    points = ("Satisfied", "Neutral", "Dissatisfied")
    question = {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "SAVR",
                "QuestionText": "How satisfied were you with your visit?",
                "Choices": {str(n): {"Display": label} for n, label in enumerate(points, start=1)}}  # fmt: skip
    document = {"SurveyEntry": {"SurveyID": "SV_three", "SurveyName": "Three points"},
                "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": question}]}  # fmt: skip
    (tmp_path / "survey.qsf").write_text(json.dumps(document), encoding="utf-8")
    picked = [1, 3, 3, 2, 1, 3, 2, 3]  # the recodes in the cells ("Use numeric values")
    rows = [["EndDate", "Finished", "ResponseId", "Q1"], ["End Date", "Finished", "Response ID", question["QuestionText"]],
            [json.dumps({"ImportId": i}) for i in ("endDate", "finished", "_recordId", "QID1")],
            *[[f"2026-01-{n:02d} 10:00:00", 1, f"R_{n:04d}", recode] for n, recode in enumerate(picked, start=1)]]  # fmt: skip
    with (tmp_path / "numeric.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    entry = {**source(tmp_path / "numeric.csv"), "metrics": [
        {"column": "QID1", "metric": "csat", "scale": [1, 3], "labels": {"Satisfied": 3, "Neutral": 2, "Dissatisfied": 1}}]}  # fmt: skip

    with pytest.raises(ConfigError) as refused:
        sync_source(tmp_path, entry)
    message = str(refused.value)
    assert "[sources.survey] values:" in message and "'QID1' ('Satisfied' = 3, recoded 1" in message
    assert "values = 'recodes'" in message and "nothing was read or written" in message

    result = sync_source(tmp_path, {**entry, "values": "recodes"})
    assert (result.written, result.quarantined) == (len(picked), 0), result.error
    satisfied, dissatisfied = picked.count(1), picked.count(3)
    assert query(tmp_path, "SELECT responses, satisfied, dissatisfied, csat_pct FROM csat_by_month") == [
        (len(picked), satisfied, dissatisfied, half_up(Fraction(100 * satisfied, len(picked))))]  # fmt: skip


def test_a_definition_whose_choices_show_their_recodes_needs_no_values(tmp_path):
    """The common case: choices 0 … 10 recoded 0 … 10 read as they always did, and inspect
    proposes no `values`."""
    survey_qsf(tmp_path, first_recode=0)
    export = csv_export(tmp_path, choice_text=True)
    assert "values" not in inspect_file(export, Hints(definition=tmp_path / "survey.qsf")).settings
    result = sync_source(tmp_path, source(export))
    assert (result.written, result.quarantined) == (len(SHOWN), 0), result.error
    assert_scored_as_shown(tmp_path)


GAPPED = dict(zip(SATISFACTION, (1, 2, 3, 4, 6)))  # a choice deleted and added again in Qualtrics: recoded 6


@pytest.mark.parametrize(("choice_text", "values", "evidence"), [
    (False, "recodes", "column 'QID1' holds 1, the recode of the choice shown as 'Very dissatisfied'"),
    (True, "choice_text", "column 'QID1' holds 'Dissatisfied', a choice as shown (recoded 2)"),
])  # fmt: skip
def test_inspect_proposes_values_for_word_choices_recoded_otherwise_than_their_scale(
    tmp_path, choice_text, values, evidence
):  # fmt: skip
    """Satisfaction choices recoded 1, 2, 3, 4, 6 are kept unscored, and inspect advises mapping
    them with their labels: labels 1 … 5 give "Very satisfied" 5, not its recode 6, which a source
    without `values` is refused for. The cells say which they hold (a number is a recode, as no
    choice shows one; words are the text), so inspect proposes `values` — before, it wrote none, and the mapping it advised
    was refused until told. The choices scored in order 1 … 5 need none, as before."""
    question = {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "SAVR",
                "QuestionText": "How satisfied were you with your visit?",
                "Choices": {str(recode): {"Display": label} for label, recode in GAPPED.items()}}  # fmt: skip
    document = {"SurveyEntry": {"SurveyID": "SV_gap", "SurveyName": "Gap"},
                "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": question}]}  # fmt: skip
    (tmp_path / "survey.qsf").write_text(json.dumps(document), encoding="utf-8")
    picked = ["Very satisfied", "Dissatisfied", "Very satisfied", "Satisfied", "Very dissatisfied", "Very satisfied"]
    rows = [["EndDate", "Finished", "ResponseId", "Q1"], ["End Date", "Finished", "Response ID", question["QuestionText"]],
            [json.dumps({"ImportId": i}) for i in ("endDate", "finished", "_recordId", "QID1")],
            *[[f"2026-01-{n:02d} 10:00:00", 1, f"R_{n:04d}", label if choice_text else GAPPED[label]]
              for n, label in enumerate(picked, start=1)]]  # fmt: skip
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    inspection = inspect_file(path, Hints(definition=tmp_path / "survey.qsf"))
    assert inspection.settings.get("values") == values
    assert any(note.startswith(f"values {values!r}: {evidence}") for note in inspection.notes), inspection.notes
    assert f'values = "{values}"' in mapping_text([inspection], tmp_path / "mapping.toml")
    labels = {label: n for n, label in enumerate(SATISFACTION, start=1)}  # what the advice asks for
    entry = {**source(path, metrics=[{"column": "QID1", "metric": "csat", "labels": labels}]), "values": values}
    result = sync_source(tmp_path, entry)
    assert (result.written, result.quarantined) == (len(picked), 0), result.error
    stored = query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id")
    assert stored == [(float(labels[label]),) for label in picked]


def test_values_without_a_definition_is_a_config_error_naming_the_key(tmp_path):
    export = csv_export(tmp_path, choice_text=True)
    entry = {key: value for key, value in source(export, values="choice_text").items() if key != "definition"}
    with pytest.raises(ConfigError, match="values.*give definition too"):
        sync_source(tmp_path, entry)


def import_file(path: Path, **hints):
    result = cxbridge.import_([path], hints=Hints(definition=path.parent / "survey.qsf", **hints), host=create_host(),
                              destination=f"sqlite:///{path.parent / 'x.db'}")  # fmt: skip
    [item] = result.files
    return item


def export_of(kind: str, folder: Path, picked: tuple[int, ...]) -> Path:
    if kind.startswith("json"):
        return json_export(folder, picked, text=kind == "json-use-labels")
    return csv_export(folder, picked, choice_text=kind == "choice-text")


@pytest.mark.parametrize(
    ("kind", "picked", "values", "evidence"),
    [
        ("json", SHOWN, "recodes", "a Qualtrics JSON export holds each answer's recode as a number"),
        ("json-use-labels", SHOWN, "choice_text", "column 'QID1' holds 0, the choice shown as '0', which no choice "
                                                  "is recoded as"),  # fmt: skip
        ("numeric", SHOWN, "recodes", "column 'QID1' holds 11, the recode of the choice shown as '10'"),
        ("choice-text", SHOWN, "choice_text", "column 'QID1' holds 0, the choice shown as '0', which no choice is "
                                              "recoded as"),  # fmt: skip
        ("numeric", (3, 5, 7, 9), "recodes", "column 'QID2' holds 2, the recode of the choice shown as "
                                             "'Dissatisfied'"),  # fmt: skip
        ("choice-text", (3, 5, 7, 9), "choice_text", "column 'QID2' holds 'Dissatisfied', a choice as shown "
                                                     "(recoded 2)"),  # fmt: skip
    ],
    ids=["json", "json-use-labels", "csv-numeric-values", "csv-choice-text", "csv-numeric-told-by-csat",
         "csv-text-told-by-csat"],  # fmt: skip
)
def test_inspect_proposes_values_from_what_the_file_shows_and_the_import_scores_by_it(
    tmp_path, kind, picked, values, evidence
):
    """A JSON export holds recodes as numbers (made with useLabels, the choices' text, weighed as
    a CSV's cells are); a CSV shows which it holds by a number only a recode reads
    (11) or only a choice's text does (0) — or by another question's cells (1 … 5 or the words
    "Very satisfied" … of the satisfaction question, where the NPS answers read both ways)."""
    survey_qsf(tmp_path)
    path = export_of(kind, tmp_path, picked)
    inspection = inspect_file(path, Hints(definition=tmp_path / "survey.qsf"))
    assert inspection.settings["values"] == values
    assert any(note.startswith(f"values {values!r}: {evidence}") for note in inspection.notes), inspection.notes
    assert f'values = "{values}"' in mapping_text([inspection], tmp_path / "mapping.toml")
    assert not [w for w in inspection.warnings if "values" in w]
    [nps] = [proposal for proposal in inspection.chosen if proposal.target == "nps"]
    assert f"values are whole numbers {min(picked)}–{max(picked)}" in nps.describe()  # as shown: 11 reads 10
    assert "not on the scale" not in nps.describe()
    item = import_file(path)
    assert item.ok and item.result.quarantined == 0, item.error
    assert_scored_as_shown(tmp_path, picked, db="x.db")


def test_an_export_that_shows_nothing_is_proposed_without_values_and_refused_until_told(tmp_path):
    """Answers 1 … 9 of the NPS question alone: each is one choice's recode and another's text."""
    survey_qsf(tmp_path)
    picked = (1, 4, 9, 9, 6, 8, 2)
    path = csv_export(tmp_path, picked, choice_text=True, satisfaction=False)
    inspection = inspect_file(path, Hints(definition=tmp_path / "survey.qsf"))
    assert "values" not in inspection.settings
    [warning] = [w for w in inspection.warnings if w.startswith("values:")]
    assert "every answer of 'QID1' is a number both one choice's recode and another's text" in warning
    assert "--values recodes" in warning and "--values choice_text" in warning
    assert "# values not set: every answer of 'QID1'" in mapping_text([inspection], tmp_path / "mapping.toml")
    refused = import_file(path)
    assert not refused.ok and "values: the survey definition" in refused.error and "'QID1'" in refused.error
    told = import_file(path, values="choice_text")
    assert told.ok and told.result.written == len(picked), told.error
    assert_scored_as_shown(tmp_path, picked, db="x.db")


def test_cells_that_read_both_ways_are_named_and_decide_nothing(tmp_path):
    """A 0 (only a choice's text) and an 11 (only a recode) in one file: two exports pasted
    together, or a typo; inspect names both cells and proposes no values."""
    survey_qsf(tmp_path)
    path = csv_export(tmp_path, (1, 4, 9), choice_text=True, satisfaction=False)
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["2026-02-01 10:00:00", "2026-02-01 10:00:00", 1, "R_0100", 0],
                                      ["2026-02-02 10:00:00", "2026-02-02 10:00:00", 1, "R_0101", 11]])  # fmt: skip
    inspection = inspect_file(path, Hints(definition=tmp_path / "survey.qsf"))
    assert "values" not in inspection.settings
    [warning] = [w for w in inspection.warnings if w.startswith("values:")]
    assert ("its cells read both ways: column 'QID1' holds 11, the recode of the choice shown as '10', but column "
            "'QID1' holds 0, the choice shown as '0', which no choice is recoded as") in warning  # fmt: skip


def test_setting_values_again_reads_the_files_again_and_corrects_what_was_stored(tmp_path):
    """A numeric-values export first read as choice text (each answer one point high, the 11s
    off the scale): said right, the unchanged file is read again and every answer is as picked."""
    survey_qsf(tmp_path)
    export = csv_export(tmp_path, choice_text=False)
    wrong = sync_source(tmp_path, source(export, values="choice_text"))
    assert (wrong.written, wrong.quarantined) == (len(SHOWN) - SHOWN.count(10), SHOWN.count(10))
    assert sync_source(tmp_path, source(export, values="recodes")).written == len(SHOWN)
    assert_scored_as_shown(tmp_path)


CSAT_SHOWN = (5, 4, 1, 2, 3, 5, 5, 2, 4, 1)  # picked on a 1–5 satisfaction scale: 5 of 10 satisfied (4 or 5)
CES_SHOWN = (7, 6, 1, 3, 4, 7, 2, 6, 5, 7)  # picked on a 1–7 ease scale: 5 of 10 low effort (6 or 7)
RECODES = {"shifted": lambda shown, top: shown + 1, "from-zero": lambda shown, top: shown - 1,
           "reversed": lambda shown, top: top + 1 - shown}  # fmt: skip
NUMBERED = {"QID2": ("How satisfied were you with your visit?", 5), "QID3": ("How easy was it to find what you "
                                                                             "needed?", 7)}  # fmt: skip


def shown_as(qid: str, n: int) -> str:
    """The choice as shown: "1 - Very dissatisfied", "2" … "5 - Very satisfied", "1" … "7"."""
    return n if qid == "QID3" else f"{n}{({1: ' - Very dissatisfied', 5: ' - Very satisfied'}).get(n, '')}"


def numbered_qsf(folder: Path, recode) -> Path:
    """The .qsf of a satisfaction (QID2) and an ease (QID3) question whose choices show numbers,
    recoded `recode(shown, top)` (RecodeValues, as an admin's reordering leaves them)."""
    payloads = [{"QuestionID": qid, "DataExportTag": qid.replace("QID", "Q"), "QuestionType": "MC",
                 "Selector": "SAVR", "QuestionText": text,
                 "Choices": {str(n): {"Display": str(shown_as(qid, n))} for n in range(1, top + 1)},
                 "RecodeValues": {str(n): str(recode(n, top)) for n in range(1, top + 1)}}
                for qid, (text, top) in NUMBERED.items()]  # fmt: skip
    document = {"SurveyEntry": {"SurveyID": "SV_numbered", "SurveyName": "Numbered"},
                "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": q["QuestionID"], "Payload": q}
                                   for q in payloads]}  # fmt: skip
    path = folder / "survey.qsf"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def numbered_export(kind: str, folder: Path, recode) -> Path:
    """A JSON export (recodes as numbers) or a CSV export with numeric values or choice text."""
    picked = list(zip(CSAT_SHOWN, CES_SHOWN))
    if kind == "json":
        responses = [{"responseId": f"R_{n:04d}", "labels": {},
                      "values": {"endDate": f"2026-01-{n:02d}T10:00:00Z", "finished": 1, "_recordId": f"R_{n:04d}",
                                 "QID2": recode(csat, 5), "QID3": recode(ces, 7)}}
                     for n, (csat, ces) in enumerate(picked, start=1)]  # fmt: skip
        path = folder / "export.json"
        path.write_text(json.dumps({"responses": responses}), encoding="utf-8")
        return path
    ids = IDS[:4] + list(NUMBERED)
    rows = [["StartDate", "EndDate", "Finished", "ResponseId", "Q2", "Q3"],
            ["Start Date", "End Date", "Finished", "Response ID", *(text for text, _ in NUMBERED.values())],
            [json.dumps({"ImportId": i, "timeZone": "UTC"}) for i in ids]]  # fmt: skip
    for n, (csat, ces) in enumerate(picked, start=1):
        stamp = f"2026-01-{n:02d} 10:00:00"
        cells = (shown_as("QID2", csat), shown_as("QID3", ces)) if kind == "choice-text" else (recode(csat, 5),
                                                                                                recode(ces, 7))  # fmt: skip
        rows.append([stamp, stamp, 1, f"R_{n:04d}", *cells])
    path = folder / f"{kind}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize("recoded", RECODES)
@pytest.mark.parametrize(("kind", "values"), [("json", "recodes"), ("numeric", "recodes"),
                                              ("choice-text", "choice_text")])  # fmt: skip
def test_csat_and_ces_choices_showing_numbers_score_the_number_shown_whatever_the_recode(
    tmp_path, kind, values, recoded
):
    """A satisfaction and an ease question whose choices show 1 … 5 and 1 … 7 but are recoded
    shifted up, from zero or reversed: each answer is the number picked (the recode was scored:
    shifted, its top answer quarantined, or the scale turned upside down), and inspect, reading
    the recodes as the numbers shown, proposes `values` and profiles the numbers shown."""
    numbered_qsf(tmp_path, RECODES[recoded])
    export = numbered_export(kind, tmp_path, RECODES[recoded])
    metrics = [{"column": "QID2", "metric": "csat", "scale": [1, 5]}, {"column": "QID3", "metric": "ces",
                                                                       "scale": [1, 7]}]  # fmt: skip
    result = sync_source(tmp_path, source(export, values=values, metrics=metrics))
    assert (result.written, result.quarantined) == (len(CSAT_SHOWN), 0), result.error
    stored = query(tmp_path, "SELECT question_id, value, json_extract(answers, '$.' || question_id || '.label') FROM "
                             "feedback_scores JOIN feedback USING (record_id) ORDER BY source_record_id, 1")  # fmt: skip
    assert stored == [row for csat, ces in zip(CSAT_SHOWN, CES_SHOWN)
                      for row in (("QID2", csat, shown_as("QID2", csat)), ("QID3", ces, str(ces)))]  # fmt: skip
    satisfied, low_effort = sum(n >= 4 for n in CSAT_SHOWN), sum(n >= 6 for n in CES_SHOWN)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [
        (len(CSAT_SHOWN), half_up(Fraction(100 * satisfied, len(CSAT_SHOWN))))
    ]
    assert query(tmp_path, "SELECT responses, low_effort_pct FROM ces_by_month") == [
        (len(CES_SHOWN), half_up(Fraction(100 * low_effort, len(CES_SHOWN))))
    ]



@pytest.mark.parametrize("recoded", ["as-shown", *RECODES])
@pytest.mark.parametrize("kind", ["json", "numeric", "choice-text"])
def test_numbered_satisfaction_and_ease_choices_without_a_metric_are_proposed_and_imported_as_csat_and_ces(
    tmp_path, kind, recoded
):
    """The same survey inspected and imported with no mapping: inspect proposes QID2 as csat on
    1–5 and QID3 as ces on 1–7, higher better, and the import scores each answer as picked — the
    proposal said the numbered choices were "not points of a known scale" (after telling a user
    without the definition to give it to score them), and nothing was scored."""
    recode = RECODES.get(recoded, lambda shown, top: shown)
    numbered_qsf(tmp_path, recode)
    path = numbered_export(kind, tmp_path, recode)
    inspection = inspect_file(path, Hints(definition=tmp_path / "survey.qsf"))
    chosen = {p.column: p for p in inspection.chosen if p.target in ("csat", "ces")}
    assert {key: (p.target, p.spec["scale"], p.spec.get("direction")) for key, p in chosen.items()} == {
        "QID2": ("csat", [1, 5], None), "QID3": ("ces", [1, 7], "higher_is_better")
    }
    assert not inspection.warnings
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (len(CSAT_SHOWN), 0), item.error
    stored = query(tmp_path, "SELECT question_id, metric, value FROM feedback_scores JOIN feedback USING (record_id) "
                             "ORDER BY source_record_id, 1", db="x.db")  # fmt: skip
    assert stored == [row for csat, ces in zip(CSAT_SHOWN, CES_SHOWN)
                      for row in (("QID2", "csat", csat), ("QID3", "ces", ces))]  # fmt: skip
    satisfied, low_effort = sum(n >= 4 for n in CSAT_SHOWN), sum(n >= 6 for n in CES_SHOWN)
    assert query(tmp_path, "SELECT csat_pct FROM csat_by_month", db="x.db") == [
        (half_up(Fraction(100 * satisfied, len(CSAT_SHOWN))),)
    ]
    assert query(tmp_path, "SELECT low_effort_pct FROM ces_by_month", db="x.db") == [
        (half_up(Fraction(100 * low_effort, len(CES_SHOWN))),)
    ]

NOT_APPLICABLE = {"as-shown-6": (lambda shown, top: shown, 6), "as-shown-0": (lambda shown, top: shown, 0),
                  "from-zero-5": (RECODES["from-zero"], 5), "shifted-1": (RECODES["shifted"], 1)}  # fmt: skip
NOT_APPLICABLE_ROWS = (3, 7)


def with_not_applicable(folder: Path, kind: str, recode, recoded_as: int) -> Path:
    """The numbered survey with "Not applicable" as QID2's sixth choice, recoded `recoded_as`, and
    its export with rows 3 and 7 answering it (the recode, or the choice's text)."""
    qsf = numbered_qsf(folder, recode)
    document = json.loads(qsf.read_text(encoding="utf-8"))
    question = document["SurveyElements"][0]["Payload"]
    question["Choices"]["6"], question["RecodeValues"]["6"] = {"Display": "Not applicable"}, str(recoded_as)
    qsf.write_text(json.dumps(document), encoding="utf-8")
    path = numbered_export(kind, folder, recode)
    if kind == "json":
        export = json.loads(path.read_text(encoding="utf-8"))
        for n in NOT_APPLICABLE_ROWS:
            export["responses"][n - 1]["values"]["QID2"] = recoded_as
        path.write_text(json.dumps(export), encoding="utf-8")
        return path
    rows = list(csv.reader(path.open(encoding="utf-8")))
    for n in NOT_APPLICABLE_ROWS:
        rows[2 + n][4] = "Not applicable" if kind == "choice-text" else str(recoded_as)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize("case", NOT_APPLICABLE)
@pytest.mark.parametrize(("kind", "values"), [("json", "recodes"), ("numeric", "recodes"),
                                              ("choice-text", "choice_text")])  # fmt: skip
def test_a_not_applicable_choice_stays_out_of_the_score_and_the_scale_whatever_its_recode(tmp_path, case, kind, values):
    """"Not applicable" beside "1" … "5", recoded 6 or 0 (off the scale), or 5 beside "5" recoded 4,
    or 1 beside "1" recoded 2 (one of the numbers shown): imported as inspect proposes, and
    synced under a hand-written `metric = "csat"`, its answers carry no score and the others
    score the number picked on 1–5. Before, the proposal kept the recodes (0–4, 2–6) and the
    configured metric quarantined the N/A rows as off its scale."""
    recode, recoded_as = NOT_APPLICABLE[case]
    path = with_not_applicable(tmp_path, kind, recode, recoded_as)
    answered = [shown for n, shown in enumerate(CSAT_SHOWN, start=1) if n not in NOT_APPLICABLE_ROWS]
    satisfied = half_up(Fraction(100 * sum(shown >= 4 for shown in answered), len(answered)))
    scored = "SELECT value, scale_min, scale_max FROM feedback_scores JOIN feedback USING (record_id) " \
             "WHERE question_id = 'QID2' ORDER BY source_record_id"  # fmt: skip
    item = import_file(path)
    assert item.ok and (item.result.written, item.result.quarantined) == (len(CSAT_SHOWN), 0), item.error
    assert query(tmp_path, scored, db="x.db") == [(shown, 1, 5) for shown in answered]
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db="x.db") == [(len(answered), satisfied)]
    result = sync_source(tmp_path, source(path, values=values, metrics=[{"column": "QID2", "metric": "csat"}]))
    assert (result.written, result.quarantined) == (len(CSAT_SHOWN), 0), result.error
    assert query(tmp_path, scored) == [(shown, 1, 5) for shown in answered]
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(len(answered), satisfied)]

@pytest.mark.parametrize("listed", ["after", "before"])
@pytest.mark.parametrize(("kind", "values"), [("json", None), ("json", "recodes"), ("numeric", None),
                                              ("numeric", "recodes")])  # fmt: skip
def test_a_not_applicable_choice_sharing_the_recode_of_a_real_one_is_warned_about_and_scores_as_the_real_one(
    tmp_path, listed, kind, values
):
    """"Not applicable" recoded 1 like "1 - Very dissatisfied": a file of recodes cannot tell the
    two apart, so inspect and the import warn, naming the question, both choices and what to do,
    and each 1 scores as the real choice whichever the definition lists first. Before, nothing
    was said, and with `values = "recodes"` and N/A listed first every real 1 was dropped as N/A."""
    path = with_not_applicable(tmp_path, kind, lambda shown, top: shown, 1)
    if listed == "before":
        qsf = tmp_path / "survey.qsf"
        document = json.loads(qsf.read_text(encoding="utf-8"))
        question = document["SurveyElements"][0]["Payload"]
        question["Choices"] = {"6": question["Choices"].pop("6"), **question["Choices"]}
        qsf.write_text(json.dumps(document), encoding="utf-8")
    said = ("column 'QID2' (How satisfied were you with your visit?)", "recodes 'Not applicable' as 1, like "
            "'1 - Very dissatisfied'", "scored as '1 - Very dissatisfied'", '"Use choice text", then --values '
            "choice_text", "give 'Not applicable' a recode of its own in Qualtrics")  # fmt: skip
    inspection = inspect_file(path, Hints(definition=tmp_path / "survey.qsf", values=values))
    [warning] = [w for w in inspection.warnings if "Not applicable" in w]
    assert all(part in warning for part in said), warning
    item = import_file(path, values=values)
    assert item.ok and (item.result.written, item.result.quarantined) == (len(CSAT_SHOWN), 0), item.error
    assert [w for w in item.warnings if "Not applicable" in w] == [warning]
    picked = [1 if n in NOT_APPLICABLE_ROWS else shown for n, shown in enumerate(CSAT_SHOWN, start=1)]
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db="x.db") == [(n,) for n in picked]
    synced = sync_source(tmp_path, inspection.source_config())  # the mapping inspect saves, synced: the same warning
    assert (synced.written, synced.quarantined) == (len(CSAT_SHOWN), 0), synced.error
    assert [w for w in synced.warnings if "Not applicable" in w] == [warning]
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id") == [(n,) for n in picked]


@pytest.mark.parametrize("listed", ["after", "before"])
def test_an_api_answer_of_a_recode_a_not_applicable_choice_shares_is_the_real_choice(listed):
    """An API answer given as the recode 1 that "Not applicable" and "1" share (no label) is the
    choice "1", scored 1, whichever the definition lists first; listed first, N/A took it (no score)."""
    numbered = {str(n): float(n) for n in range(1, 6)}
    choices = {"Not applicable": 1.0, **numbered} if listed == "before" else {**numbered, "Not applicable": 1.0}
    question = Question("QID2", "How satisfied were you with your visit?", "choice", choices=choices)
    answer = QuestionPlan({}, where="sources.api").answer(question, 1.0)
    assert (answer.value, answer.label, answer.spec.metric) == (1.0, "1", "csat")


@pytest.mark.parametrize(("kind", "values"), [("choice-text", None), ("json-labelled", None),
                                              ("json-labelled", "recodes")])  # fmt: skip
def test_a_not_applicable_choice_sharing_a_recode_is_told_apart_by_its_text_and_not_warned_about(
    tmp_path, kind, values
):  # fmt: skip
    """The same survey exported with the choices' text, or as JSON with each answer's label: the
    N/A answers carry no score and nothing is warned about — with `values` or without, a JSON
    export's labels are read (before, without `values` inspect, the import and the sync warned
    that each was scored as "1", naming --values recodes, though the labels were read)."""
    path = with_not_applicable(tmp_path, "choice-text" if kind == "choice-text" else "json", lambda shown, top: shown, 1)
    if kind == "json-labelled":
        export = json.loads(path.read_text(encoding="utf-8"))
        for n, response in enumerate(export["responses"], start=1):
            shown = CSAT_SHOWN[n - 1]
            response["labels"] = {"QID2": "Not applicable" if n in NOT_APPLICABLE_ROWS else shown_as("QID2", shown)}
        path.write_text(json.dumps(export), encoding="utf-8")
    hints = Hints(definition=tmp_path / "survey.qsf", values=values)
    assert not [w for w in inspect_file(path, hints).warnings if "Not applicable" in w]
    item = import_file(path, values=values)
    assert item.ok and not [w for w in item.warnings if "Not applicable" in w], item.error
    synced = sync_source(tmp_path, source(path, values=values, metrics=[{"column": "QID2", "metric": "csat"}]))
    assert synced.written == len(CSAT_SHOWN) and not [w for w in synced.warnings if "Not applicable" in w]
    picked = [None if n in NOT_APPLICABLE_ROWS else shown for n, shown in enumerate(CSAT_SHOWN, start=1)]
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db="x.db") == [(n,) for n in picked]
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id") == [(n,) for n in picked]


def test_choices_recoded_as_points_under_a_scale_of_points_score_their_recodes(tmp_path):
    """Numbered choices an admin recoded as points (1 … 5 as 0, 25 … 100) under
    `scale = [0, 100]`: the numbers shown are not that scale end to end, so the recodes score."""
    points = lambda shown, top: (shown - 1) * 100 // (top - 1)  # noqa: E731
    numbered_qsf(tmp_path, points)
    export = numbered_export("numeric", tmp_path, points)
    metrics = [{"column": qid, "metric": "rating", "scale": [0, 100]} for qid in NUMBERED]
    assert sync_source(tmp_path, source(export, values="recodes", metrics=metrics)).written == len(CSAT_SHOWN)
    stored = query(tmp_path, "SELECT question_id, value FROM feedback_scores JOIN feedback USING (record_id) "
                             "ORDER BY source_record_id, 1")  # fmt: skip
    assert stored == [row for csat, ces in zip(CSAT_SHOWN, CES_SHOWN)
                      for row in (("QID2", points(csat, 5)), ("QID3", points(ces, 7)))]  # fmt: skip

@pytest.mark.parametrize("kind", ["json", "numeric"])
def test_inspect_profiles_choices_with_worded_ends_as_the_numbers_they_show(tmp_path, kind):
    """"0 - Not at all likely", "1" … "10 - Extremely likely" recoded 1–11 show their numbers as
    "5 - Very satisfied" does: inspect proposes the 0–10 of the numbers shown, not the recodes'
    1–11 with the 11s off the scale, and the import scores each answer as picked."""
    ends = {0: "0 - Not at all likely", 10: "10 - Extremely likely"}
    survey_qsf(tmp_path, display=lambda shown: ends.get(shown, str(shown)))
    path = export_of(kind, tmp_path, SHOWN)
    inspection = inspect_file(path, Hints(definition=tmp_path / "survey.qsf"))
    assert inspection.settings["values"] == "recodes"
    [nps] = [proposal for proposal in inspection.chosen if proposal.target == "nps"]
    assert "values are whole numbers 0–10" in nps.describe() and "not on the scale" not in nps.describe()
    item = import_file(path)
    assert item.ok and item.result.quarantined == 0, item.error
    stored = query(tmp_path, "SELECT nps, json_extract(answers, '$.QID1.label') FROM feedback "
                             "ORDER BY source_record_id", db="x.db")  # fmt: skip
    assert stored == [(n, ends.get(n, str(n))) for n in SHOWN]
    assert query(tmp_path, "SELECT nps FROM nps_by_month", db="x.db") == [(net_promoter_score(SHOWN),)]


def test_without_values_an_unscored_question_read_two_ways_is_warned_about_and_labelled_as_recodes(tmp_path):
    """The 0–10 question kept unscored (`questions`) in a choice-text export: the source is not
    refused (the value stored is the cell as written), but the sync warns, naming the column, its
    choices and the two settings, that each answer is labelled as the choice recoded as the cell
    (a picked 10 as "9"); said, the warning goes and each answer is labelled as picked."""
    survey_qsf(tmp_path)
    export = csv_export(tmp_path, choice_text=True)
    entry = source(export, metrics=[{"column": "QID2", "metric": "csat"}], questions=["QID1"])
    labelled = "SELECT json_extract(answers, '$.QID1.value'), json_extract(answers, '$.QID1.label') FROM feedback " \
               "ORDER BY source_record_id"  # fmt: skip
    result = sync_source(tmp_path, entry)
    assert (result.written, result.quarantined) == (len(SHOWN), 0), result.error
    [warning] = [w for w in result.warnings if w.startswith("values:")]
    assert "survey.qsf" in warning and "'QID1' ('0' recoded 1 … '10' recoded 11)" in warning
    assert "values = 'recodes'" in warning and "values = 'choice_text'" in warning
    assert query(tmp_path, labelled) == [(n, str(n - 1) if n else None) for n in SHOWN]
    told = sync_source(tmp_path, {**entry, "values": "choice_text"})
    assert told.written == len(SHOWN) and not [w for w in told.warnings if w.startswith("values:")]
    assert query(tmp_path, labelled) == [(n, str(n)) for n in SHOWN]


EASE_7 = ("Extremely difficult", "Moderately difficult", "Slightly difficult", "Neither easy nor difficult",
          "Slightly easy", "Moderately easy", "Extremely easy")  # fmt: skip


def labelled_json_export(folder: Path) -> tuple[Path, list[int], list[int]]:
    """A JSON export without its definition: QID2 a satisfaction question recoded best-first (1 =
    "Very satisfied"), QID3 an ease one recoded as Qualtrics lists it (1 = "Extremely easy"), each
    answer's label under `labels`; and the points picked (1 = the worst, as the labels rank them)."""
    satisfaction = [(n * 2) % 5 + 1 for n in range(12)]
    ease = [(n * 3) % 7 + 1 for n in range(12)]
    responses = [{"responseId": f"R_{n:04d}", "labels": {"QID2": SATISFACTION[s - 1], "QID3": EASE_7[e - 1]},
                  "values": {"endDate": f"2026-01-{n + 1:02d}T10:00:00Z", "finished": 1, "_recordId": f"R_{n:04d}",
                             "QID2": 6 - s, "QID3": 8 - e}}
                 for n, (s, e) in enumerate(zip(satisfaction, ease))]  # fmt: skip
    path = folder / "export.json"
    path.write_text(json.dumps({"responses": responses}), encoding="utf-8")
    return path, satisfaction, ease


def test_a_json_export_without_its_definition_is_scored_by_its_answers_labels(tmp_path):
    """A Qualtrics JSON export carries each answer's label beside its recode: without the survey
    definition, the labels ("Very satisfied", "Extremely easy") say the scale and which end is
    best, as the same answers written in a CSV exported with choice text do — the recodes, which
    can run either way, do not. Before, the labels were not looked at: inspect and the import
    kept both questions unscored without a word, and a hand-written `metric` scored the recodes
    (here upside down)."""
    path, satisfaction, ease = labelled_json_export(tmp_path)
    proposed = {p.column: (p.target, p.spec.get("scale")) for p in inspect_file(path).chosen if p.column in NUMBERED}
    assert proposed == {"QID2": ("csat", [1, 5]), "QID3": ("ces", [1, 7])}
    item = cxbridge.import_([path], host=create_host(), destination=f"sqlite:///{tmp_path / 'x.db'}").files[0]
    assert item.ok and (item.result.written, item.result.quarantined) == (12, 0), item.error
    scores = "SELECT question_id, value, category FROM feedback_scores JOIN feedback USING (record_id) " \
             "ORDER BY source_record_id, question_id"  # fmt: skip
    expected = []
    for s, e in zip(satisfaction, ease):
        expected.append(("QID2", s, "satisfied" if s >= 4 else "dissatisfied" if s <= 2 else "neutral"))
        expected.append(("QID3", e, "low_effort" if e >= 6 else "high_effort" if e <= 2 else "neutral"))
    assert query(tmp_path, scores, db="x.db") == expected
    metrics = [{"column": "QID2", "metric": "csat", "scale": [1, 5]},
               {"column": "QID3", "metric": "ces", "scale": [1, 7], "direction": "higher_is_better"}]  # fmt: skip
    hand = {"connector": "json", "path": path.name, "format": "qualtrics_json",
            "columns": {"id": "_recordId", "submitted_at": "endDate"}, "metrics": metrics}  # fmt: skip
    assert sync_source(tmp_path, hand).written == 12
    assert query(tmp_path, scores) == expected
