"""The record's nps/csat/ces column comes from one question per survey, decided by question
(config `primary`, the survey definition's order, or the mapping's order), stored on the score
as `is_primary` — never from whichever question a record happens to have answered. A survey
asking "recommend R" and "recommend Python" reports R; a record that skipped R has no NPS."""

from __future__ import annotations

import csv
import re
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.metrics import MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.freshdesk.source import FreshdeskSource
from cxbridge.plugins.google_forms.source import GoogleFormsSource
from cxbridge.plugins.qualtrics.source import QualtricsSource
from cxbridge.plugins.surveymonkey.source import SurveyMonkeySource
from cxbridge.questions import Question, QuestionOverride, QuestionPlan
from cxbridge.plugins_host import create_host
from cxbridge.sources import SourceConfig, SourceContext
from tests.freshdesk_api import API_KEY as FD_KEY
from tests.freshdesk_api import PULSE, csat_helpdesk, freshdesk
from tests.google_forms_api import FormsAccount, google_forms
from tests.qualtrics_api import ROOT, TOKEN, QualtricsAccount, qualtrics
from tests.sqlite_runs import query, sync_source
from tests.surveymonkey_api import NOW as SM_NOW
from tests.surveymonkey_api import SURVEY as SM_SURVEY
from tests.surveymonkey_api import TOKEN as SM_TOKEN
from tests.surveymonkey_api import sm_response, support_account, surveymonkey

NPS = MetricSpec(metric="nps")
CSAT = MetricSpec(metric="csat", scale=(1, 5))
SATISFIED = {"Very dissatisfied": 1, "Dissatisfied": 2, "Neutral": 3, "Satisfied": 4, "Very satisfied": 5}


def build(*answers: AnswerInput):
    builder = RecordBuilder(context=SourceContext("survey", Path(".")), config=SourceConfig(connector="csv"),
                            connector="csv", stream="rows")  # fmt: skip
    return builder.build(native_id="1", raw={}, answers=answers, submitted_at=datetime(2025, 1, 1, tzinfo=timezone.utc))


def primary_of(record) -> list[tuple[str, str, bool]]:
    return sorted((score.metric, score.question_id, score.is_primary) for score in record.scores)


# --- the rule, on the record builder ----------------------------------------------------------


def test_a_blank_primary_question_leaves_the_column_empty_and_never_borrows_another():
    record = build(AnswerInput("recommend_r", None, spec=NPS, is_primary=True),
                   AnswerInput("recommend_python", 9, spec=NPS, is_primary=False))  # fmt: skip
    assert record.nps is None and record.nps_group is None
    assert primary_of(record) == [("nps", "recommend_python", False)]  # still kept, as a score of its own


def test_a_record_without_the_primary_question_has_no_primary_score():
    record = build(AnswerInput("recommend_python", 3, spec=NPS, is_primary=False),
                   AnswerInput("satisfaction", 4, spec=CSAT, is_primary=True))  # fmt: skip
    assert (record.nps, record.csat) == (None, 4.0)
    assert primary_of(record) == [("csat", "satisfaction", True), ("nps", "recommend_python", False)]


def test_the_marked_question_wins_wherever_it_is_listed():
    record = build(AnswerInput("recommend_python", 3, spec=NPS, is_primary=False),
                   AnswerInput("recommend_r", 10, spec=NPS, is_primary=True))  # fmt: skip
    assert (record.nps, record.nps_group) == (10, "promoter")
    assert primary_of(record) == [("nps", "recommend_python", False), ("nps", "recommend_r", True)]


def test_undecided_streams_use_the_first_question_listed_blank_or_not():
    blank_first = build(AnswerInput("recommend_r", "", spec=NPS), AnswerInput("recommend_python", 9, spec=NPS))
    assert blank_first.nps is None and primary_of(blank_first) == [("nps", "recommend_python", False)]
    answered = build(AnswerInput("recommend_r", 7, spec=NPS), AnswerInput("recommend_python", 9, spec=NPS))
    assert answered.nps == 7 and primary_of(answered) == [("nps", "recommend_python", False), ("nps", "recommend_r", True)]


# --- file sources: decided once, by column ------------------------------------------------------

R_QUESTION = "How likely are you to recommend R to a colleague?"
PY_QUESTION = "How likely are you to recommend Python to a colleague?"
ROWS = [  # (timestamp as Google Forms writes it, R, Python)
    ("1/15/2024 10:00:00", "10", "6"), ("1/20/2024 11:00:00", "", "9"), ("1/22/2024 12:00:00", "3", ""),
    ("2/02/2024 09:30:00", "", "10"), ("2/03/2024 09:31:00", "9", "9"), ("2/14/2024 18:00:00", "8", "2"),
    ("2/15/2024 18:00:00", "", "0"),
]  # fmt: skip


def nps_of(values: list[int]) -> float:
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    return 100.0 * (promoters - detractors) / len(values)


def test_a_google_forms_sheet_with_two_recommend_questions_reports_the_first_only(tmp_path):
    path = tmp_path / "language_survey.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", R_QUESTION, PY_QUESTION])
        writer.writerows(ROWS)
    result = cxbridge.import_([path], destination=f"sqlite:///{tmp_path / 'x.db'}", host=create_host())
    assert result.exit_code == 0, [f.error or f.result for f in result.files]
    by_month: dict[str, list[int]] = {}
    for stamp, r_answer, _ in ROWS:
        if r_answer:
            month = datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S").strftime("%Y-%m")
            by_month.setdefault(month, []).append(int(r_answer))
    view = query(tmp_path, "SELECT month, SUM(responses), SUM(nps * responses) / SUM(responses) FROM nps_by_month "
                           "GROUP BY month ORDER BY month", db="x.db")  # fmt: skip
    assert [(m, n, pytest.approx(v)) for m, n, v in view] == [
        (month, len(values), pytest.approx(nps_of(values))) for month, values in sorted(by_month.items())
    ]
    stored = query(tmp_path, "SELECT nps FROM feedback ORDER BY submitted_at", db="x.db")
    assert [row[0] for row in stored] == [int(r) if r else None for _, r, _ in ROWS]
    python = query(tmp_path, "SELECT COUNT(*), MAX(is_primary) FROM feedback_scores WHERE question_text = ?",
                   (PY_QUESTION,), db="x.db")  # fmt: skip
    assert python == [(sum(1 for *_, p in ROWS if p), 0)]


SOURCE = {"connector": "csv", "path": "survey.csv", "columns": {"submitted_at": "at"}}


def file_source(metrics: list[dict[str, Any]]) -> Any:
    return config_from_dict({"sources": {"survey": {**SOURCE, "metrics": metrics}}}, create_host())


def test_the_configured_primary_fills_the_column_even_when_listed_second(tmp_path):
    (tmp_path / "survey.csv").write_text("at,r,python\n2025-01-01,10,\n2025-01-02,,8\n2025-01-03,7,1\n", "utf-8")
    metrics = [{"column": "r", "metric": "nps"}, {"column": "python", "metric": "nps", "primary": True}]
    result = sync_source(tmp_path, {**SOURCE, "metrics": metrics})
    assert result.ok, result.error
    assert query(tmp_path, "SELECT nps FROM feedback ORDER BY submitted_at") == [(None,), (8,), (1,)]


def test_two_primaries_for_one_column_are_a_config_error():
    metrics = [{"column": "a", "metric": "csat", "primary": True}, {"column": "b", "metric": "csat", "primary": True}]
    with pytest.raises(ConfigError, match="'a' and 'b' are both marked primary for the csat column; mark one"):
        file_source(metrics)


def test_a_primary_that_fills_no_column_is_a_config_error():
    with pytest.raises(ConfigError, match="only nps, enps, csat and ces answers fill a column"):
        file_source([{"column": "a", "metric": "rating", "primary": True}])


# --- API sources: decided from the survey definition ---------------------------------------------


def two_recommend_definition(survey_id: str) -> dict[str, Any]:
    zero_to_ten = {str(n): {"Display": str(n)} for n in range(11)}
    return {"SurveyID": survey_id, "SurveyName": "Languages", "Questions": {
        "QID1": {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "NPS",
                 "QuestionText": R_QUESTION, "Choices": zero_to_ten},
        "QID2": {"QuestionID": "QID2", "DataExportTag": "Q2", "QuestionType": "MC", "Selector": "NPS",
                 "QuestionText": PY_QUESTION, "Choices": zero_to_ten}}}  # fmt: skip


def qualtrics_response(n: int, **answers: int) -> dict[str, Any]:
    recorded = f"2026-01-0{n}T10:00:00.000Z"
    return {"responseId": f"R_{n:04d}lang", "values": {"recordedDate": recorded, "finished": 1, **answers},
            "labels": {}, "displayedFields": list(answers), "displayedValues": {}}  # fmt: skip


@pytest.mark.parametrize(("questions", "expected"), [({}, [10, None, 4]), ({"QID2": {"primary": True}}, [0, 9, None])])
def test_qualtrics_reads_the_primary_question_from_the_definition(tmp_path, monkeypatch, questions, expected):
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    account = QualtricsAccount()
    account.add_survey("SV_lang", "Languages")
    account.definitions["SV_lang"] = two_recommend_definition("SV_lang")
    account.put("SV_lang", qualtrics_response(1, QID1=10, QID2=0), qualtrics_response(2, QID2=9),
                qualtrics_response(3, QID1=4))  # fmt: skip
    with qualtrics(account) as api:
        result = sync_source(tmp_path, {"connector": "qualtrics", "base_url": api.url + ROOT, "surveys": ["SV_lang"],
                                        "api_token": "${QUALTRICS_API_TOKEN}", "questions": questions})  # fmt: skip
    assert result.ok and result.written == 3, result.error
    assert [row[0] for row in query(tmp_path, "SELECT nps FROM feedback ORDER BY source_record_id")] == expected
    primaries = query(tmp_path, "SELECT DISTINCT question_id FROM feedback_scores WHERE is_primary")
    assert primaries == [("QID2" if questions else "QID1",)]


def test_google_forms_reads_the_primary_question_from_the_form(tmp_path, monkeypatch):
    monkeypatch.setattr(GoogleFormsSource, "sleep", staticmethod(lambda seconds: None))
    scale = {"scaleQuestion": {"low": 0, "high": 10}}
    form = {"formId": "lang", "info": {"title": "Languages"}, "items": [
        {"itemId": "i1", "title": R_QUESTION, "questionItem": {"question": {"questionId": "q_r", **scale}}},
        {"itemId": "i2", "title": PY_QUESTION, "questionItem": {"question": {"questionId": "q_py", **scale}}}]}  # fmt: skip

    def answer(**values: int) -> dict[str, Any]:
        return {qid: {"questionId": qid, "textAnswers": {"answers": [{"value": str(v)}]}} for qid, v in values.items()}

    responses = [{"responseId": f"r{n}", "createTime": f"2026-02-0{n}T09:00:00Z", "lastSubmittedTime":
                  f"2026-02-0{n}T09:00:00Z", "answers": answers} for n, answers in
                 enumerate([answer(q_py=9, q_r=6), answer(q_py=10), answer(q_r=9)], start=1)]  # fmt: skip
    account = FormsAccount()
    account.add_form(form, *responses)
    key = {"type": "authorized_user", "client_id": "1.apps.googleusercontent.com", "client_secret": "cs",
           "refresh_token": "1//r", "token": "ya29.fake-access-token", "expiry": "2099-01-01T00:00:00Z"}  # fmt: skip
    (tmp_path / "key.json").write_text(__import__("json").dumps(key), encoding="utf-8")
    with google_forms(account) as api:
        result = sync_source(tmp_path, {"connector": "google_forms", "base_url": api.url + "/v1", "forms": ["lang"],
                                        "credentials_file": "key.json"})  # fmt: skip
    assert result.ok and result.written == 3, result.error
    assert query(tmp_path, "SELECT nps FROM feedback ORDER BY source_record_id") == [(6,), (None,), (9,)]


def test_a_plan_without_the_survey_s_questions_uses_the_configured_primary_and_warns_without_one(caplog):
    from cxbridge.questions import Question, QuestionOverride, QuestionPlan

    recommend_r = Question("11", R_QUESTION, "nps")
    recommend_python = Question("12", PY_QUESTION, "nps")
    configured = QuestionPlan({"12": QuestionOverride(metric="nps", primary=True)}, where="sources.qp")
    assert [configured.answer(q, 9).is_primary for q in (recommend_r, recommend_python)] == [False, True]
    assert not caplog.records
    undecided = QuestionPlan({}, where="sources.qp")
    assert [undecided.answer(q, 9).is_primary for q in (recommend_r, recommend_python)] == [None, None]
    [warning] = caplog.records
    assert "questions '11' and '12' both measure nps" in warning.getMessage()
    assert 'add primary = true and metric = "nps" under [sources.qp.questions.11]' in warning.getMessage()


def silencing_config(warning: str) -> dict[str, Any]:
    """The `[sources.…]` table the warning says to add `primary = true` under, read as TOML."""
    [table] = re.findall(r"add primary = true under (\[sources\.[^\]]+\])", warning)
    return tomllib.loads(f"{table}\nprimary = true\n")


def test_a_surveymonkey_matrix_of_one_metric_warns_once_per_sync_with_the_line_that_silences_it(tmp_path,
                                                                                                monkeypatch):  # fmt: skip
    """The support survey's satisfaction matrix asks two rows (speed, friendliness), none marked
    primary: every sync says so once for the survey — not per batch of 2 or per page of 2 — and
    names the exact table to add `primary = true` under (it said `<its id>`); added, the warning
    is gone and the column still counts the speed row."""
    monkeypatch.setattr(SurveyMonkeySource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setattr(SurveyMonkeySource, "now", staticmethod(lambda: SM_NOW))
    monkeypatch.setenv("SURVEYMONKEY_TOKEN", SM_TOKEN)
    account = support_account()
    source = {"connector": "surveymonkey", "access_token": "${SURVEYMONKEY_TOKEN}", "surveys": [SM_SURVEY],
              "page_size": 2}  # fmt: skip
    with surveymonkey(account) as api:
        runs = [sync_source(tmp_path, source | {"base_url": api.url}, batch_size=2)]
        account.responses[SM_SURVEY].append(sm_response(6, speed=2, friendliness=5))
        runs.append(sync_source(tmp_path, source | {"base_url": api.url}, batch_size=2))
        found = [[w for w in run.warnings if "none marked primary" in w] for run in runs]
        assert [len(warnings) for warnings in found] == [1, 1], found
        for [warning] in found:
            assert warning.startswith(f"survey {SM_SURVEY}: questions 102_2001 (") and "count 102_2001" in warning
        config = silencing_config(found[0][0])
        assert config == {"sources": {"survey": {"questions": {"102_2001": {"primary": True}}}}}
        account.responses[SM_SURVEY].append(sm_response(7, speed=5, friendliness=1))
        questions = config["sources"]["survey"]["questions"]
        silenced = sync_source(tmp_path, source | {"base_url": api.url, "questions": questions}, batch_size=2)
    assert silenced.ok and not [w for w in silenced.warnings if "primary" in w]
    speed = {f"1340000000{n}": s for n, s in [(1, 5), (2, 1), (5, 3), (6, 2), (7, 5)]}  # response 3's was N/A
    csat = dict(query(tmp_path, "SELECT source_record_id, csat FROM feedback WHERE csat IS NOT NULL"))
    assert csat == speed


def test_a_row_whose_matrix_has_an_override_is_told_to_copy_its_keys():
    """A row's own table replaces its matrix's for it: the line names the matrix's table to copy."""
    rows = [Question("102_2001", "Satisfied? - Speed", "choice", choices=SATISFIED),
            Question("102_2002", "Satisfied? - Friendliness", "choice", choices=SATISFIED)]
    plan = QuestionPlan({"102": QuestionOverride(ignore_values=["N/A"])}, where="sources.sm")
    plan.decide_primaries((row, ("102",)) for row in rows)
    [warning] = plan.warnings
    assert "add primary = true under [sources.sm.questions.102_2001] (copying the keys of " \
           "[sources.sm.questions.102], which a table of its own replaces for it)" in warning


def test_freshdesk_names_the_survey_and_its_own_key_in_the_warning(tmp_path, monkeypatch):
    """Two csat questions of the pulse survey, none primary: the warning named no survey, so one of
    two surveys asking the same question ids hid the other's, and its `<its id>` would be every
    survey's `Q_1`; it now names the survey and the key of that survey's question."""
    monkeypatch.setattr(FreshdeskSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("FRESHDESK_API_KEY", FD_KEY)
    source = {"connector": "freshdesk", "api_key": "${FRESHDESK_API_KEY}", "csat_api": "surveys", "page_size": 2,
              "lookback_days": 3}  # fmt: skip
    with freshdesk(csat_helpdesk()) as api:
        result = sync_source(tmp_path, source | {"base_url": api.url}, name="fd")
    [warning] = [w for w in result.warnings if "none marked primary" in w]
    assert warning.startswith(f"survey {PULSE}: questions Q_1 ('How did we do?') and Q_3")
    assert silencing_config(warning) == {"sources": {"fd": {"questions": {f"{PULSE}/Q_1": {"primary": True}}}}}
