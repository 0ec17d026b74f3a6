"""The qualtrics source on survey definitions Qualtrics returned to others (tests/data/vendor/qualtrics/
and tests/data/samples/, sources in their READMEs): a recorded survey-definitions answer whose
labels carry HTML, and the older `GET /surveys/{id}` shape with an NPS selector — export records
in the documented JSON shape keyed by their real question ids, numbers checked by hand."""

from __future__ import annotations

import csv
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.exports import load_definition
from cxbridge.metrics import nps_category
from cxbridge.plugins.qualtrics.source import QualtricsSource
from tests.local_api import Reply, fake_api
from tests.qualtrics_api import ROOT, TOKEN, QualtricsAccount, qualtrics, zipped
from tests.sqlite_runs import SAMPLES, query, sync_source

RECORDED = "SV_3gbwq8aJgqPwQDP"  # ropensci/qualtRics' recorded survey-definitions answer
LEGACY = "SV_5u9zu8zHnHaGml7"  # ropensci/qualtRics' GET /surveys/{id} sample
VENDOR = Path(__file__).parent / "data" / "vendor" / "qualtrics"
sync = partial(sync_source, name="qualtrics_samples")


def definition(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))["result"]


def export_record(rid: str, recorded: str, answers: dict[str, Any], labels: dict[str, str] | None = None) -> dict:
    """A JSON-export response as Qualtrics documents it: metadata and answers in `values`."""
    values = {"startDate": recorded, "endDate": recorded, "status": 0, "progress": 100, "duration": 30, "finished": 1,
              "recordedDate": recorded, "_recordId": rid, "distributionChannel": "anonymous", "userLanguage": "EN",
              **answers}  # fmt: skip
    return {"responseId": rid, "values": values, "labels": labels or {}, "displayedFields": list(answers)}


SATISFACTION = [5, 4, 2, 1, 3]  # QID16 of the recorded survey, recodes 1–5
NPS = [10, 9, 7, 3]  # QID172807692 of the legacy sample
OVERALL = [7, 6, 5, 2]  # QID172807693, 1 "Very Dissatisfied" … 7 "Very Satisfied"
# The legacy survey asks two satisfaction questions; the first in its order (QID172807689, about
# extracurricular activities) would fill the record's csat, so the overall one is configured primary.


def vendor_account() -> QualtricsAccount:
    """The recorded and the legacy survey with their real definitions, and responses keyed by their ids."""
    account = QualtricsAccount()
    account.add_survey(RECORDED, "Beskar armor")
    account.add_survey(LEGACY, "test1")
    account.definitions = {RECORDED: definition(VENDOR / f"survey_definitions_{RECORDED}.json"),
                           LEGACY: definition(SAMPLES / f"qualtRics_{LEGACY}_survey_definition.json")}  # fmt: skip
    account.put(RECORDED, *[
        export_record(f"R_beskar{n}", f"2025-07-0{n + 1}T10:00:00.500Z",
                      {"QID16": value, "QID63": 1, "QID21": 4, **({"QID19_TEXT": "It rusted."} if value <= 2 else {})})
        for n, value in enumerate(SATISFACTION)
    ])  # fmt: skip
    account.put(LEGACY, *[
        export_record(f"R_legacy{n}", f"2018-01-1{n}T09:00:00Z", {"QID172807692": nps, "QID172807693": overall,
                      "QID172807692_NPS_GROUP": 3 if nps >= 9 else 2 if nps >= 7 else 1})
        for n, (nps, overall) in enumerate(zip(NPS, OVERALL))
    ])  # fmt: skip
    return account


VENDOR_SOURCE = {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": [RECORDED, LEGACY],
                 "questions": {"QID172807693": {"primary": True}}}  # fmt: skip


@pytest.fixture
def synced(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    with qualtrics(vendor_account()) as api:
        result = sync(tmp_path, {**VENDOR_SOURCE, "base_url": api.url + ROOT})
    assert (result.status, result.written, result.quarantined) == ("success", 9, 0), result.error
    return tmp_path


def test_the_recorded_satisfaction_question_is_csat_on_its_five_points(synced):
    satisfied = sum(value >= 4 for value in SATISFACTION)  # top two boxes of five
    dissatisfied = sum(value <= 2 for value in SATISFACTION)
    assert query(synced, "SELECT satisfied, neutral, dissatisfied, csat_pct FROM csat_by_month WHERE month = '2025-07'") == [
        (satisfied, len(SATISFACTION) - satisfied - dissatisfied, dissatisfied, 100 * satisfied / len(SATISFACTION)),
    ]  # fmt: skip
    [(answers, comment)] = query(synced, "SELECT answers, comment FROM feedback WHERE source_record_id = 'R_beskar3'")
    answers = json.loads(answers)
    assert answers["QID16"] == {"text": "Overall, how satisfied are you with your beskar armor?", "value": 1,
                                "label": "Extremely dissatisfied"}  # fmt: skip  (the HTML of the label stripped)
    assert answers["QID63"]["label"] == "Daily" and comment == "It rusted."


def test_a_one_to_five_recommend_question_is_not_taken_for_nps(synced):
    assert query(synced, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = 'QID21'") == [(0,)]
    assert query(synced, "SELECT COUNT(*) FROM feedback WHERE survey_id = ? AND nps IS NOT NULL", (RECORDED,)) == [(0,)]


def test_the_legacy_definitions_nps_selector_and_seven_point_labels_score(synced):
    promoters, detractors = sum(v >= 9 for v in NPS), sum(v <= 6 for v in NPS)
    assert query(synced, "SELECT promoters, passives, detractors, nps FROM nps_by_month") == [
        (promoters, len(NPS) - promoters - detractors, detractors, 100 * (promoters - detractors) / len(NPS)),
    ]  # fmt: skip
    satisfied = sum(value >= 6 for value in OVERALL)  # top two boxes of seven: Satisfied, Very Satisfied
    assert query(synced, "SELECT satisfied, csat_pct FROM csat_by_month WHERE month = '2018-01'") == [
        (satisfied, 100 * satisfied / len(OVERALL)),
    ]
    assert query(synced, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores WHERE question_id = 'QID172807693'") == [
        (1.0, 7.0),
    ]


def recorded(name: str) -> dict[str, Any]:
    """One body of ropensci/qualtRics' recordings (tests/data/vendor/qualtrics/README.md), as stored."""
    return json.loads((VENDOR / f"qualtRics_{name}.json").read_text(encoding="utf-8"))


def test_a_recorded_survey_list_and_export_flow_reads_the_survey_it_names(tmp_path, monkeypatch):
    """The account's survey list, an export's start and its two progress answers as Qualtrics sent
    them to ropensci/qualtRics (progressId `ES_…`, `percentComplete` 0.0 then 100.0, the file by a
    `fileId` UUID, no continuationToken), played in order: name_pattern picks one survey of the four
    listed, the file the completion names is read (its records are ours: Qualtrics sent CSV there)."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    listed = recorded("list_surveys")["result"]["elements"]
    [chosen] = [s for s in listed if s["name"].startswith("Beskar")]
    start, complete = recorded("export_start")["result"], recorded("export_progress_complete")["result"]
    progress = iter([recorded("export_progress_in_progress"), recorded("export_progress_complete")])
    records = [export_record(f"R_beskar{n}", f"2020-05-0{n + 1}T10:00:00Z", {"QID16": value})
               for n, value in enumerate(SATISFACTION)]  # fmt: skip
    export = f"{ROOT}/surveys/{chosen['id']}/export-responses"
    with fake_api() as api:
        api.route("GET", f"{ROOT}/surveys")(lambda seen, match: recorded("list_surveys"))
        api.route("GET", f"{ROOT}/survey-definitions/{chosen['id']}")(
            lambda seen, match: json.loads((VENDOR / f"survey_definitions_{RECORDED}.json").read_text(encoding="utf-8")))
        api.route("POST", export)(lambda seen, match: recorded("export_start"))
        api.route("GET", f"{export}/{start['progressId']}")(lambda seen, match: next(progress))
        api.route("GET", f"{export}/{complete['fileId']}/file")(
            lambda seen, match: Reply(body=zipped(f"{chosen['name']}.json", records)))
        source = {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "name_pattern": "^Beskar",
                  "active_only": True, "base_url": api.url + ROOT}  # fmt: skip
        result = sync(tmp_path, source)
    assert (result.status, result.written, result.quarantined) == ("success", len(SATISFACTION), 0), result.error
    assert [seen.path.removeprefix(ROOT) for seen in api.requests] == [
        "/surveys", f"/survey-definitions/{chosen['id']}", f"/surveys/{chosen['id']}/export-responses",
        *[f"/surveys/{chosen['id']}/export-responses/{start['progressId']}"] * 2,
        f"/surveys/{chosen['id']}/export-responses/{complete['fileId']}/file",
    ]  # fmt: skip
    assert query(tmp_path, "SELECT DISTINCT survey_id FROM feedback") == [(chosen["id"],)]
    satisfied = sum(value >= 4 for value in SATISFACTION)
    assert query(tmp_path, "SELECT responses, satisfied FROM csat_by_month") == [(len(SATISFACTION), satisfied)]


def test_a_real_export_record_keeps_its_labels_and_its_nps_agrees_with_qualtrics_group(tmp_path, monkeypatch):
    """A record of a real account's JSON export (poprox_export_record.json): 23 answer keys with
    their labels, an NPS answer beside Qualtrics' own `_NPS_GROUP`, "Other" text, a key of no question.
    The survey's definition was not recorded, so the NPS question is named in the config."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    record = json.loads((VENDOR / "poprox_export_record.json").read_text(encoding="utf-8"))
    values, labels = record["values"], record["labels"]
    nps_key = "QID1718062228"
    account = QualtricsAccount()
    account.add_survey("SV_poprox", "POPROX")
    account.definitions = {"SV_poprox": {"SurveyID": "SV_poprox", "SurveyName": "POPROX", "Questions": {}}}
    account.put("SV_poprox", record)
    with qualtrics(account) as api:
        result = sync(tmp_path, {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": ["SV_poprox"],
                                 "base_url": api.url + ROOT, "questions": {nps_key: {"metric": "nps"}}})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    [(nps, group, submitted, status, answers, attributes, raw)] = query(
        tmp_path, "SELECT nps, nps_group, submitted_at, status, answers, attributes, raw FROM feedback"
    )
    assert (nps, group) == (values[nps_key], labels[f"{nps_key}_NPS_GROUP"].lower())  # 8, "Passive"
    # Qualtrics' grouping of every point, as the export's displayedValues give it: 1 detractor, 2 passive, 3 promoter
    groups = dict(zip(record["displayedValues"][nps_key], record["displayedValues"][f"{nps_key}_NPS_GROUP"]))
    assert {point: nps_category(point) for point in groups} == {
        point: {1: "detractor", 2: "passive", 3: "promoter"}[code] for point, code in groups.items()
    }
    assert (submitted, status) == (values["recordedDate"].replace("Z", "000Z"), "complete")  # .994Z, finished 1
    stored = json.loads(answers)
    asked = [key for key in values if key.startswith("QID") and not key.endswith("_NPS_GROUP")]
    assert sorted(stored) == sorted(asked) and len(asked) == 23
    assert {key: (answer["value"], answer["label"]) for key, answer in stored.items()} == {
        key: (values[key], labels.get(key)) for key in asked
    }  # "Extremely easy", "Other (specify)", "Probably won't" as Qualtrics wrote them
    assert json.loads(attributes) == {"survey_id": values["survey_id"]}  # no question: embedded data, or the project's
    assert not {"ipAddress", "locationLatitude", "locationLongitude"} & set(json.loads(raw)["values"])


def test_a_multi_select_keeps_the_labels_chosen_and_display_order_keys_are_no_answers(tmp_path, monkeypatch):
    """A multi-select answer in the JSON export is a list of recodes beside a list of labels
    (`"QID2": ["2", "4"]`, `"labels": {"QID2": ["Tuesday", "Thursday"]}`); `QID2_DO`, written when
    the export asks for display orders (`includeDisplayOrder`), is the order the choices were shown."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    days = {"1": "Monday", "2": "Tuesday", "3": "Wednesday", "4": "Thursday"}
    question = {"QuestionText": "Which days suit you?", "QuestionType": "MC", "Selector": "MAVR",
                "Choices": {code: {"Display": day} for code, day in days.items()}}  # fmt: skip
    record = export_record("R_days1", "2025-07-01T10:00:00Z", {"QID2": ["2", "4"], "QID2_DO": ["3", "1", "4", "2"]})
    record["labels"] = {"QID2": ["Tuesday", "Thursday"]}
    account = QualtricsAccount()
    account.add_survey("SV_days", "Days")
    account.definitions = {"SV_days": {"SurveyID": "SV_days", "SurveyName": "Days", "Questions": {"QID2": question}}}
    account.put("SV_days", record)
    with qualtrics(account) as api:
        result = sync(tmp_path, {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": ["SV_days"],
                                 "base_url": api.url + ROOT})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    [(answers, attributes)] = query(tmp_path, "SELECT answers, attributes FROM feedback")
    assert json.loads(answers) == {"QID2": {"text": "Which days suit you?", "value": ["Tuesday", "Thursday"], "label": None}}
    assert json.loads(attributes) == {}


def test_the_comment_is_the_essay_asking_why_never_a_single_line_company_asked_first(tmp_path, monkeypatch):
    """The recorded survey, with a single-line text entry (TE, selector SL) asking the company put
    first: a record's comment is the answer to "Why not?" (an essay box, ESTB), else none — the
    company stays an answer and a row of `feedback_comments`."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    recorded = definition(VENDOR / f"survey_definitions_{RECORDED}.json")
    company = {"QuestionText": "Which company do you work for?", "DataExportTag": "Q1", "QuestionType": "TE",
               "Selector": "SL", "QuestionID": "QID1"}  # fmt: skip
    recorded["Questions"] = {"QID1": company, **recorded["Questions"]}
    account = QualtricsAccount()
    account.add_survey(RECORDED, "Beskar armor")
    account.definitions = {RECORDED: recorded}
    account.put(RECORDED, export_record("R_why", "2025-07-01T10:00:00.500Z",
                                        {"QID1_TEXT": "Mandalore Forge", "QID16": 1, "QID19_TEXT": "It rusted."}),
                export_record("R_who", "2025-07-02T10:00:00.500Z", {"QID1_TEXT": "Mandalore Forge", "QID16": 5}))
    with qualtrics(account) as api:
        result = sync(tmp_path, {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}",
                                 "surveys": [RECORDED], "base_url": api.url + ROOT})  # fmt: skip
    assert (result.status, result.written) == ("success", 2), result.error
    assert query(tmp_path, "SELECT source_record_id, comment FROM feedback ORDER BY 1") == [
        ("R_who", None), ("R_why", "It rusted.")]  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments WHERE question_id = 'QID1_TEXT'") == [(2,)]


def test_a_recorded_multi_select_is_recodes_as_text_in_a_list_beside_its_labels(tmp_path, monkeypatch):
    """A record of a real account's JSON export (asist_export_record.json, ASIST's message
    specification): the multi-select `QID2` is `["2"]` — recodes as text, in a list even for one
    choice — with `"labels": {"QID2": ["Tuesday"]}`; its `displayedValues` are text too, while the
    single-choice `QID3` is the number 5. The survey's definition was not recorded."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    record = json.loads((VENDOR / "asist_export_record.json").read_text(encoding="utf-8"))
    values, labels = record["values"], record["labels"]
    assert (values["QID2"], labels["QID2"], values["QID3"]) == (["2"], ["Tuesday"], 5)  # the shape itself
    account = QualtricsAccount()
    account.add_survey("SV_asist", "ASIST")
    account.definitions = {"SV_asist": {"SurveyID": "SV_asist", "SurveyName": "ASIST", "Questions": {}}}
    account.put("SV_asist", record)
    with qualtrics(account) as api:
        result = sync(tmp_path, {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": ["SV_asist"],
                                 "base_url": api.url + ROOT})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    sql = "SELECT source_record_id, submitted_at, status, answers, raw FROM feedback"
    [(rid, submitted, status, answers, raw)] = query(tmp_path, sql)
    assert (rid, status) == (record["responseId"], "complete")
    assert submitted == values["recordedDate"].replace("Z", "000Z")  # .942Z
    asked = [key for key in values if key.startswith("QID")]
    assert {key: (answer["value"], answer["label"]) for key, answer in json.loads(answers).items()} == {
        "QID1_TEXT": (values["QID1_TEXT"], None),
        "QID2": (labels["QID2"], None),  # the label chosen, as a list: ["Tuesday"]
        "QID3": (values["QID3"], labels["QID3"]),
    } and len(asked) == 3
    # a text entry's key is a text entry's even when the definition does not hold its question
    assert query(tmp_path, "SELECT question_id, text FROM feedback_comments") == [("QID1_TEXT", values["QID1_TEXT"])]
    assert not {"ipAddress", "locationLatitude", "locationLongitude"} & set(json.loads(raw)["values"])


SP_QSF = VENDOR / "sp_test_survey.qsf"  # fflewddur/sp's Qualtrics export of its test survey (README.md)
# Its responses, from the XML export the same test file holds: record id, recorded date, QID15 (NPS)
# and QID8_TEXT (the multi-line text entry) — the third response left the survey unfinished.
SP_RESPONSES = [("R_1dtWhiBDD96nfyk", "2019-08-20T12:44:31Z", 6, "multiple\nlines\nof\ntext?"),
                ("R_z72KJQMnr3lxZGp", "2019-08-20T12:46:35Z", 10, "bar"),
                ("R_2EzY1K5pqRpzi0n", "2020-11-09T13:12:11Z", 5, None)]  # fmt: skip


def test_a_real_qsf_nps_question_whose_choices_are_a_list_scores(tmp_path, monkeypatch):
    """Qualtrics writes an NPS question's `Choices` as a list of eleven `{"Display": "0"}` … "10",
    not as the object keyed by choice id every other question has (sp_test_survey.qsf, a real
    export: `QID15`, ChoiceOrder "0"–"10"). Its questions are served as the survey-definitions
    answer holds them (`Questions`: question id → the same payload); the answers are the ones the
    survey's recorded XML export holds, in the JSON export's shape."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    qsf = json.loads(SP_QSF.read_text(encoding="utf-8"))
    questions = {e["Payload"]["QuestionID"]: e["Payload"] for e in qsf["SurveyElements"] if e["Element"] == "SQ"}
    assert isinstance(questions["QID15"]["Choices"], list) and questions["QID15"]["Selector"] == "NPS"
    survey = qsf["SurveyEntry"]["SurveyID"]
    account = QualtricsAccount()
    account.add_survey(survey, qsf["SurveyEntry"]["SurveyName"])
    account.definitions = {survey: {"SurveyID": survey, "SurveyName": "Test survey", "Questions": questions}}
    account.put(survey, *[
        export_record(rid, recorded, {"QID15": nps, "QID15_NPS_GROUP": 3 if nps >= 9 else 2 if nps >= 7 else 1,
                                      **({"QID8_TEXT": text} if text else {})})
        for rid, recorded, nps, text in SP_RESPONSES
    ])  # fmt: skip
    with qualtrics(account) as api:
        result = sync(tmp_path, {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": [survey],
                                 "base_url": api.url + ROOT})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", len(SP_RESPONSES), 0), result.error
    expected = {}
    for _, recorded, nps, _ in SP_RESPONSES:
        expected.setdefault(recorded[:7], []).append(nps)
    assert query(tmp_path, "SELECT month, promoters, detractors, nps FROM nps_by_month ORDER BY month") == [
        (month, sum(v >= 9 for v in points), sum(v <= 6 for v in points),
         100 * (sum(v >= 9 for v in points) - sum(v <= 6 for v in points)) / len(points))
        for month, points in sorted(expected.items())
    ]  # fmt: skip
    assert query(tmp_path, "SELECT source_record_id, comment FROM feedback ORDER BY 1") == sorted(
        (rid, text) for rid, _, _, text in SP_RESPONSES
    )


def test_a_real_qsf_file_reads_as_a_definition_with_its_nps_question(tmp_path):
    """The same .qsf given to `cxbridge import` beside an export: its eleven NPS points keep their ids."""
    definition = load_definition(SP_QSF)
    nps = definition.questions["QID15"]
    assert nps.kind == "nps" and [(cid, c.label) for cid, c in nps.choices.items()] == [(str(n), str(n)) for n in range(11)]
    assert definition.questions["QID21"].choices == {}  # carried-forward choices: `"Choices": []`


def test_a_recorded_pick_group_rank_and_labels_with_numbers_land_as_qualtrics_wrote_them(tmp_path, monkeypatch):
    """A record of a real account's JSON export (rita_export_record.json, an ASIST team's agent):
    a pick-group-rank question — `QID64_0_GROUP` the list of choice ids put in group 0 beside
    its labels, `QID64_G0_13_RANK` each item's rank —, labels carrying their numbers
    ("Strongly agree\\n5", "Effective  4 "), matrix rows `QID67_7`, and embedded data (`Q_URL`,
    `surveyname`, `uniqueid`). The survey's definition was not recorded, so nothing is scored."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    record = json.loads((VENDOR / "rita_export_record.json").read_text(encoding="utf-8"))
    values, labels = record["values"], record["labels"]
    survey = "SV_3CAydNnS2D0UEaq"  # named by the record's Q_URL
    account = QualtricsAccount()
    account.add_survey(survey, values["surveyname"])
    account.definitions = {survey: {"SurveyID": survey, "SurveyName": values["surveyname"], "Questions": {}}}
    account.put(survey, record)
    with qualtrics(account) as api:
        result = sync(tmp_path, {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": [survey],
                                 "base_url": api.url + ROOT})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    [(rid, submitted, status, answers, attributes, raw)] = query(
        tmp_path, "SELECT source_record_id, submitted_at, status, answers, attributes, raw FROM feedback"
    )
    assert (rid, status, submitted) == (record["responseId"], "complete", values["recordedDate"].replace("Z", "000Z"))
    stored = {key: (answer["value"], answer["label"]) for key, answer in json.loads(answers).items()}
    asked = [key for key in values if key.startswith("QID")]
    group = "QID64_0_GROUP"
    assert stored == {
        **{key: (values[key], labels.get(key)) for key in asked if key != group},
        group: (labels[group], None),  # the items in the group, by label: ["RD", "RE", "RA", "RB", "RC"]
    } and len(asked) == 17
    assert stored["QID66"] == (5, "Strongly agree\n5") and stored["QID64_G0_14_RANK"] == (1, None)
    assert json.loads(attributes) == {key: values[key] for key in ("Q_URL", "surveyname", "uniqueid")}
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE nps IS NOT NULL OR csat IS NOT NULL") == [(0,)]
    assert not {"ipAddress", "locationLatitude", "locationLongitude"} & set(json.loads(raw)["values"])


STAR_QSF = VENDOR / "five_star_rating_slider.qsf"  # thiagobottoni/Qualtrics-Library's 5-star slider (README.md)
STARS = [5, 4, 4, 3, 2, 1, 5, 4]  # stars given to its one row, "Produto" (answer key QID1_1)


def star_survey(tmp_path, monkeypatch, answers: list[dict[str, Any]], *, change: dict[str, Any] | None = None,
                questions: dict[str, Any] | None = None):  # fmt: skip
    """The real star slider's survey (`QID1`: "Quão satisfeito(a) você está com o nosso produto?",
    `Slider`/`STAR`, `StarCount` 5, discrete stars) served as its survey-definitions answer, its
    question's payload updated by `change`; one JSON-export response per dict of answers."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    qsf = json.loads(STAR_QSF.read_text(encoding="utf-8"))
    [slider] = [e["Payload"] for e in qsf["SurveyElements"] if e["Element"] == "SQ"]
    survey = qsf["SurveyEntry"]["SurveyID"]
    account = QualtricsAccount()
    account.add_survey(survey, qsf["SurveyEntry"]["SurveyName"])
    account.definitions = {survey: {"SurveyID": survey, "SurveyName": qsf["SurveyEntry"]["SurveyName"],
                                    "Questions": {"QID1": slider | (change or {})}}}  # fmt: skip
    account.put(survey, *[export_record(f"R_star{n}", f"2022-11-{n + 14}T10:00:00Z", given)
                          for n, given in enumerate(answers)])  # fmt: skip
    with qualtrics(account) as api:
        return sync(tmp_path, {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": [survey],
                               "base_url": api.url + ROOT, **({"questions": questions} if questions else {})})


def test_a_real_star_slider_asking_how_satisfied_is_csat_on_one_to_its_stars(tmp_path, monkeypatch):
    """Its words ask satisfaction, so its stars are a CSAT on 1–5 (as a Typeform or Google Forms
    star rating so worded is): the month's CSAT % is the share of four and five stars. It was kept
    unscored, with a warning calling its row "Produto" an answer label."""
    result = star_survey(tmp_path, monkeypatch, [{"QID1_1": stars} for stars in STARS])
    assert (result.status, result.written, result.quarantined) == ("success", len(STARS), 0), result.error
    satisfied, dissatisfied = sum(v >= 4 for v in STARS), sum(v <= 2 for v in STARS)
    assert query(tmp_path, "SELECT responses, satisfied, neutral, dissatisfied, csat_pct FROM csat_by_month") == [
        (len(STARS), satisfied, len(STARS) - satisfied - dissatisfied, dissatisfied, 100 * satisfied / len(STARS)),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT DISTINCT question_id, question_text, scale_min, scale_max FROM feedback_scores") == [
        ("QID1_1", "Quão satisfeito(a) você está com o nosso produto? - Produto", 1.0, 5.0),
    ]
    assert result.warnings == []


def test_each_row_of_a_star_slider_is_its_own_question_key(tmp_path, monkeypatch):
    """A star slider of three rows answers each under its own key (`QID1_1` … `QID1_3`, one column
    per slider bar): each row scored on its own, titled with its row; the first is the record's csat."""
    rows = {"1": {"Display": "Produto"}, "2": {"Display": "Entrega"}, "3": {"Display": "Atendimento"}}
    answers = [{"QID1_1": 5, "QID1_2": 2, "QID1_3": 4}, {"QID1_1": 3, "QID1_2": 1, "QID1_3": 5}]
    result = star_survey(tmp_path, monkeypatch, answers, change={"Choices": rows, "ChoiceOrder": [1, 2, 3]})
    assert (result.status, result.written, result.quarantined) == ("success", 2, 0), result.error
    scored = query(tmp_path, "SELECT question_id, question_text, value, category FROM feedback_scores "
                             "JOIN feedback USING (record_id) ORDER BY source_record_id, question_id")  # fmt: skip
    category = {5: "satisfied", 4: "satisfied", 3: "neutral", 2: "dissatisfied", 1: "dissatisfied"}
    text = "Quão satisfeito(a) você está com o nosso produto?"
    assert scored == [(key, f"{text} - {rows[key[-1]]['Display']}", float(stars), category[stars])
                      for given in answers for key, stars in given.items()]  # fmt: skip
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id") == [(5.0,), (3.0,)]


def test_a_star_slider_whose_words_name_no_metric_is_a_rating_on_one_to_its_stars(tmp_path, monkeypatch):
    """Worded as the survey's own English version asks it ("Please rate our product"), the stars name
    no metric: a `rating` on 1–5, as a Typeform, Google Forms or SurveyMonkey star rating so worded
    is (`with_rating_defaults`) — no CSAT category, followed by `questions` and `question_trend`.
    It was kept unscored with a warning."""
    result = star_survey(tmp_path, monkeypatch, [{"QID1_1": stars} for stars in STARS],
                         change={"QuestionText": "Please rate our product"})  # fmt: skip
    assert (result.status, result.written, result.quarantined) == ("success", len(STARS), 0), result.error
    assert result.warnings == []
    text = "Please rate our product - Produto"
    normalized = [(stars - 1) / (5 - 1) * 100 for stars in STARS]
    assert query(tmp_path, "SELECT source_record_id, metric, question_id, question_text, value, scale_min, scale_max, "
                           "direction, normalized, category FROM feedback_scores JOIN feedback USING (record_id) "
                           "ORDER BY source_record_id") == [
        (f"R_star{n}", "rating", "QID1_1", text, float(stars), 1.0, 5.0, "higher_is_better", normalized[n], None)
        for n, stars in enumerate(STARS)
    ]  # fmt: skip
    assert query(tmp_path, "SELECT metric, question_id, scale_min, scale_max, answers, first_seen, last_seen "
                           "FROM questions") == [("rating", "QID1_1", 1.0, 5.0, len(STARS), "2022-11-14", "2022-11-21")]
    mean = round(sum(normalized) / len(STARS), 1)
    assert query(tmp_path, "SELECT metric, month, responses, favourable, unfavourable, avg_normalized, score "
                           "FROM question_trend") == [("rating", "2022-11", len(STARS), 0, 0, mean, mean)]
    assert query(tmp_path, "SELECT COUNT(*) FROM csat_by_month") == [(0,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE csat IS NOT NULL") == [(0,)]


@pytest.mark.parametrize(("override", "stars", "scored"), [
    ({"metric": "csat"}, [4, 5], [("csat", 4.0, 1.0, 5.0, "satisfied"), ("csat", 5.0, 1.0, 5.0, "satisfied")]),
    ({"scale": [0, 5]}, [0, 5], [("rating", 0.0, 0.0, 5.0, None), ("rating", 5.0, 0.0, 5.0, None)]),
    ({"unscored": True}, [4, 5], []),
], ids=["metric", "scale", "unscored"])  # fmt: skip
def test_the_sliders_own_table_wins_over_the_rating_a_star_slider_defaults_to(tmp_path, monkeypatch, override, stars,
                                                                               scored):  # fmt: skip
    """[questions.QID1], the slider's table its rows read by: a metric it names is the rows' metric,
    a scale alone (0 to its stars, for respondents who may drag to none) is the rating's scale, and
    `unscored` keeps the stars unscored — the default never replaces the slider's own table."""
    result = star_survey(tmp_path, monkeypatch, [{"QID1_1": n} for n in stars],
                         change={"QuestionText": "Please rate our product"}, questions={"QID1": override})  # fmt: skip
    assert (result.written, result.quarantined, result.warnings) == (2, 0, []), result.error
    assert query(tmp_path, "SELECT metric, value, scale_min, scale_max, category FROM feedback_scores "
                           "ORDER BY value") == scored  # fmt: skip


def test_each_row_of_a_star_slider_is_a_rating_or_a_csat_by_its_own_words_under_the_sliders_table(tmp_path,
                                                                                                 monkeypatch):  # fmt: skip
    """Rows "Overall satisfaction" and "Cleanliness" of "Please rate us", read under the slider's table
    ([questions.QID1] ignore_values = [0]): the first asks satisfaction (CSAT, the record's csat), the
    other is a rating — the slider's table keeps its keys for both and makes neither the other's."""
    rows = {"1": {"Display": "Overall satisfaction"}, "2": {"Display": "Cleanliness"}}
    answers = [{"QID1_1": 5, "QID1_2": 0}, {"QID1_1": 2, "QID1_2": 4}]
    result = star_survey(tmp_path, monkeypatch, answers, questions={"QID1": {"ignore_values": [0]}},
                         change={"QuestionText": "Please rate us", "Choices": rows, "ChoiceOrder": [1, 2]})  # fmt: skip
    assert (result.written, result.quarantined, result.warnings) == (2, 0, []), result.error
    assert query(tmp_path, "SELECT source_record_id, question_id, metric, value, category FROM feedback_scores "
                           "JOIN feedback USING (record_id) ORDER BY source_record_id, question_id") == [
        ("R_star0", "QID1_1", "csat", 5.0, "satisfied"),
        ("R_star1", "QID1_1", "csat", 2.0, "dissatisfied"), ("R_star1", "QID1_2", "rating", 4.0, None),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id") == [(5.0,), (2.0,)]


def test_a_bar_slider_asking_how_satisfied_says_its_range_is_not_read_as_a_scale(tmp_path, monkeypatch):
    """The same question as a plain slider (0–100, the payload's CSSliderMin/Max) is not scored: the
    warning says so, with the scale to set, and no longer calls its row an answer label."""
    result = star_survey(tmp_path, monkeypatch, [{"QID1_1": 80}], change={"Selector": "HSLIDER"})
    assert (result.status, result.written) == ("success", 1), result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores") == [(0,)]
    assert result.warnings == [
        "survey SV_0VerIwEzyJbhCNU: question QID1_1 ('Quão satisfeito(a) você está com o nosso produto? - Produto'): "
        "a slider from 0 to 100, not scored: a slider's range is not read as a scale; to score it, set metric "
        '(e.g. "csat" or "rating") and scale = [0, 100] under [sources.qualtrics_samples.questions.QID1]'
    ]


def test_a_configured_scale_other_than_the_stars_quarantines_the_answers_naming_both(tmp_path, monkeypatch):
    """scale = [1, 7] on 5 stars would read a 5-star answer as a neutral point of 1–7: every answer
    is refused, naming the stars and the scale to set (`point-of-another-scale`); [0, 5] is taken,
    for a survey whose respondents may drag to 0 stars."""
    result = star_survey(tmp_path, monkeypatch, [{"QID1_1": 5}, {"QID1_1": 4}],
                         questions={"QID1": {"metric": "csat", "scale": [1, 7]}})  # fmt: skip
    assert (result.written, result.quarantined) == (0, 2)
    assert query(tmp_path, "SELECT DISTINCT kind, field, error FROM quarantine") == [(
        "point-of-another-scale", "QID1_1",
        "question 'QID1_1' ('Quão satisfeito(a) você está com o nosso produto? - Produto'): its survey's definition "
        "gives its answers as 1–5, not scale = [1, 7], so none of them is scored on it; set scale = [1, 5] (or remove "
        "scale: the definition's own is read) in [sources.qualtrics_samples.questions.QID1], then `cxbridge sync "
        "--full-refresh` reads the answers stored before on it too",
    )]  # fmt: skip
    zero = star_survey(tmp_path / "zero", monkeypatch, [{"QID1_1": 0}, {"QID1_1": 5}],
                       questions={"QID1": {"metric": "csat", "scale": [0, 5]}})  # fmt: skip
    assert (zero.written, zero.quarantined) == (2, 0), zero.error
    assert query(tmp_path / "zero", "SELECT value, normalized FROM feedback_scores ORDER BY value") == [(0.0, 0.0), (5.0, 100.0)]


def star_import(folder: Path, stars: list[int], *, change: dict[str, Any] | None = None, form: str = "csv"):
    """The star slider's survey as its CSV export (three header rows: export tags, question texts,
    import ids) or, `form` "json", its JSON export, one response per number of stars, imported with
    its .qsf (the slider's payload updated by `change`): the `cxbridge import` run."""
    folder.mkdir(parents=True, exist_ok=True)
    qsf = json.loads(STAR_QSF.read_text(encoding="utf-8"))
    [slider] = [e["Payload"] for e in qsf["SurveyElements"] if e["Element"] == "SQ"]
    slider.update(change or {})
    (definition := folder / "survey.qsf").write_text(json.dumps(qsf), encoding="utf-8")
    header = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
              "ResponseId", "Q1_1"]  # fmt: skip
    texts = [*header[:8], f"{slider['QuestionText']} - Produto"]
    ids = [json.dumps({"ImportId": key}) for key in ("startDate", "endDate", "status", "progress", "duration",
                                                      "finished", "recordedDate", "_recordId", "QID1_1")]  # fmt: skip
    rows = [[f"2022-11-{14 + n} 10:00:00", f"2022-11-{14 + n} 10:01:00", 0, 100, 60, 1, f"2022-11-{14 + n} 10:01:00",
             f"R_star{n}", given] for n, given in enumerate(stars)]  # fmt: skip
    export = folder / f"stars.{form}"
    if form == "json":
        responses = [export_record(f"R_star{n}", f"2022-11-{14 + n}T10:01:00Z", {"QID1_1": given})
                     for n, given in enumerate(stars)]  # fmt: skip
        export.write_text(json.dumps({"responses": responses}), encoding="utf-8")
    else:
        with export.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([header, texts, ids, *rows])
    return CliRunner().invoke(cli, ["import", str(export), "--definition", str(definition), "--db",
                                    str(folder / "cxbridge.db"), "--format", "json"])  # fmt: skip


def test_a_star_sliders_csv_export_imported_with_its_qsf_is_csat_on_its_stars(tmp_path):
    """The same survey's CSV export imported with its .qsf: the slider's row holds the stars chosen,
    not choice recodes, so the definition given scores it — it was kept unscored, the summary asking
    for the definition it had."""
    run = star_import(tmp_path, STARS)
    assert run.exit_code == 0, run.output
    assert "give the survey definition" not in run.output
    satisfied = sum(v >= 4 for v in STARS)
    assert query(tmp_path, "SELECT responses, satisfied, csat_pct FROM csat_by_month") == [
        (len(STARS), satisfied, round(100 * satisfied / len(STARS), 1)),
    ]
    assert query(tmp_path, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores") == [(1.0, 5.0)]


SCORED = ("SELECT source_record_id, question_id, metric, value, scale_min, scale_max, normalized, category "
          "FROM feedback_scores JOIN feedback USING (record_id) ORDER BY source_record_id, question_id")  # fmt: skip


@pytest.mark.parametrize(("text", "stars"), [
    ("Please rate our product", STARS),
    ("Please rate our product", [4, 3, 4]),  # no answer at the top: its 5 stars still say 1–5
    ("Quão satisfeito(a) você está com o nosso produto?", [4, 3, 4]),
], ids=["rating", "rating-short-of-its-top", "csat-short-of-its-top"])  # fmt: skip
def test_a_star_slider_imported_from_its_export_with_its_qsf_scores_as_the_api_sync_does(tmp_path, monkeypatch, text,
                                                                                        stars):  # fmt: skip
    """One survey reads the same by file and by API: the same answers synced through the API and
    imported from the CSV or the JSON export with its .qsf give the same score rows — a star slider
    naming no metric a `rating` on 1 to its stars, one asking satisfaction CSAT on them, whichever
    stars were given. The import left the "rate our product" stars unscored with the files'
    warning, and read a slider's scale from its answers, not from its StarCount."""
    synced = star_survey(tmp_path / "api", monkeypatch, [{"QID1_1": n} for n in stars], change={"QuestionText": text})
    assert (synced.written, synced.quarantined, synced.warnings) == (len(stars), 0, []), synced.error
    by_api = query(tmp_path / "api", SCORED)
    assert len(by_api) == len(stars)
    for form in ("csv", "json"):
        run = star_import(tmp_path / form, stars, change={"QuestionText": text}, form=form)
        assert run.exit_code == 0, run.output
        assert "not scored" not in run.output and "unscored" not in run.output, run.output
        assert query(tmp_path / form, SCORED) == by_api, form


@pytest.mark.parametrize("text", ["Please rate our product", "Quão satisfeito(a) você está com o nosso produto?"],
                         ids=["rating", "csat"])  # fmt: skip
def test_half_and_part_stars_are_stored_as_given_by_api_and_by_file(tmp_path, monkeypatch, text):
    """A star slider answered with half and part stars (Qualtrics' "Half Step" and "Continuous"
    interactions: README.md) keeps each answer as given on 1–5 — 3.5 is 3.5, never rounded to a
    whole star nor read on another scale —, its box by the star it has reached (3.5 neutral, 4.5
    satisfied), alike through the API and from the CSV and JSON exports with the .qsf; half a star,
    below the scale's 1, is quarantined naming the fix (`ignore_values`, or `scale = [0, 5]`)."""
    stars = [3.5, 4.5, 2.25, 5, 0.5]
    synced = star_survey(tmp_path / "api", monkeypatch, [{"QID1_1": n} for n in stars], change={"QuestionText": text})
    assert (synced.written, synced.quarantined) == (4, 1), synced.error
    metric = "rating" if text.startswith("Please") else "csat"
    boxes = {3.5: "neutral", 4.5: "satisfied", 2.25: "neutral", 5: "satisfied"}
    expected = [(f"R_star{n}", "QID1_1", metric, float(given), 1.0, 5.0, (given - 1) / 4 * 100,
                 boxes[given] if metric == "csat" else None) for n, given in enumerate(stars[:4])]  # fmt: skip
    assert query(tmp_path / "api", SCORED) == expected
    [(kind, error)] = query(tmp_path / "api", "SELECT kind, error FROM quarantine")
    assert kind == "answer-outside-scale" and f"{metric} answer 0.5 is outside its scale 1–5" in error
    assert "'ignore_values'" in error and "set 'scale'" in error
    for form in ("csv", "json"):
        run = star_import(tmp_path / form, stars, change={"QuestionText": text}, form=form)
        assert run.exit_code == 0, run.output
        assert query(tmp_path / form, SCORED) == expected, form
        assert query(tmp_path / form, "SELECT kind FROM quarantine") == [("answer-outside-scale",)], form
