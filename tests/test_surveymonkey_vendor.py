"""The surveymonkey source on payloads no one on this project wrote (tests/data/vendor/surveymonkey
and tests/data/samples, with their sources and licences): a real account's survey list, details
and responses recorded by the surveymonkey R package, and the NPS question of SurveyMonkey's own
API documentation — served as they are from 127.0.0.1, the numbers computed here by hand."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from cxbridge.detection.inspector import Hints, inspect_file
from cxbridge.detection.mapping_file import source_entry
from cxbridge.tabular import rows

from cxbridge.plugins.surveymonkey.source import SurveyMonkeySource
from tests.conftest import half_up
from tests.local_api import FakeApi, Reply, fake_api
from tests.sqlite_runs import SAMPLES, query, records, sync_source
from tests.surveymonkey_api import NOW, TOKEN
from tests.workbooks import write_xlsx

VENDOR = Path(__file__).parent / "data" / "vendor" / "surveymonkey"
sync = partial(sync_source, name="vendor")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> None:
    monkeypatch.setattr(SurveyMonkeySource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setattr(SurveyMonkeySource, "now", staticmethod(lambda: NOW))
    monkeypatch.setenv("SURVEYMONKEY_TOKEN", TOKEN)


@contextmanager
def served(answers: dict[str, Any]) -> Iterator[FakeApi]:
    """A server answering each path with its payload as it is (only with the right token)."""

    def answer(seen, match):
        if seen.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"error": {"id": "1011", "message": "The authorization token provided was invalid."}})
        return Reply(200, answers[seen.path]) if seen.path in answers else Reply(404, {"error": {"id": "1020"}})

    with fake_api() as api:
        api.route("GET", ".*")(answer)
        yield api


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "surveymonkey", "base_url": base_url, "access_token": "${SURVEYMONKEY_TOKEN}", **extra}


def test_a_real_accounts_survey_list_details_and_responses_go_through_the_connector(tmp_path):
    """The R package's recordings: "my survey" chosen by title from the account's two; both
    respondents chose the option of id 5096103935, whose text the details give as "3"."""
    answers = {
        "/surveys": (VENDOR / "roumaya_surveys.json").read_bytes(),
        "/surveys/318754279/details": (SAMPLES / "roumaya_318754279_details.json").read_bytes(),
        "/surveys/318754279/responses/bulk": (SAMPLES / "roumaya_318754279_responses_bulk.json").read_bytes(),
    }
    with served(answers) as api:
        result = sync(tmp_path, entry(api.url, name_pattern="^my survey$"))
        asked = [seen.path for seen in api.requests]
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 2, 2, 0), result.error
    assert asked == ["/surveys", "/surveys/318754279/responses/bulk", "/surveys/318754279/details"]
    found = records(tmp_path)
    pets = {"text": "How many pets do you have?", "value": 3, "label": "3"}  # choice 5096103935: position 4, text "3"
    expected = {
        "13376313674": ("2022-03-05T18:05:57Z", "Donut, Mango, Phil", "415838011"),
        "13376299051": ("2022-03-05T17:53:02Z", "Phil, Mango, Donut", "415837773"),
    }
    for response_id, (submitted, names, collector) in expected.items():
        record = found[response_id]
        assert record["answers"]["769893650"] == pets
        assert record["answers"]["769893903"] == {"text": "What are the names of your pets?", "value": names,
                                                  "label": None}  # fmt: skip
        assert (record["submitted_at"], record["comment"], record["attributes"]) == (
            submitted, None, {"collector_id": collector})  # the pets' names explain no score: no record's comment
        assert (record["survey_id"], record["survey_name"], record["language"], record["status"]) == (
            "318754279", "my survey", "en", "complete")
        assert record["nps"] is None and record["csat"] is None
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores") == [(0,)]  # how many pets: a question of fact
    assert query(tmp_path, "SELECT text FROM feedback_comments ORDER BY 1") == [
        ("Donut, Mango, Phil",), ("Phil, Mango, Donut",)]  # fmt: skip
    assert b"100.34.161.38" not in (tmp_path / "cxbridge.db").read_bytes()  # the respondents' IP address


def test_the_recorded_collectors_give_each_response_its_channel(tmp_path):
    """The R package's recorded collectors of the same survey (two `weblink` collectors, "Web Link
    1" and "Web Link 2"), asked for with collector_channels: each recorded response, from one of
    them, is a web response."""
    collectors = VENDOR / "roumaya_318754279_collectors.json"
    answers = {
        "/surveys/318754279/details": (SAMPLES / "roumaya_318754279_details.json").read_bytes(),
        "/surveys/318754279/responses/bulk": (SAMPLES / "roumaya_318754279_responses_bulk.json").read_bytes(),
        "/surveys/318754279/collectors": collectors.read_bytes(),
    }
    with served(answers) as api:
        result = sync(tmp_path, entry(api.url, surveys=["318754279"], collector_channels=True))
        asked = [seen.path for seen in api.requests]
    assert (result.status, result.written) == ("success", 2), result.error
    assert "/surveys/318754279/collectors" in asked
    kinds = {c["id"]: c["type"] for c in json.loads(collectors.read_text(encoding="utf-8"))["data"]}
    assert set(kinds.values()) == {"weblink"}
    stored = query(tmp_path, "SELECT json_extract(attributes, '$.collector_id'), channel FROM feedback ORDER BY 1")
    assert stored == [(collector, "web") for collector in sorted(kinds)]


NPS_QUESTION = json.loads((VENDOR / "question_bank_nps_question.json").read_text(encoding="utf-8"))
ROW = NPS_QUESTION["answers"]["rows"][0]["id"]
CHOICE_OF = {int(choice["text"].rsplit(" ", 1)[-1]): choice["id"] for choice in NPS_QUESTION["answers"]["choices"]}


def nps_response(number: int, score: int) -> dict[str, Any]:
    """A responses/bulk item answering the documented question, in the documented shape."""
    return {"id": str(5007154400 + number), "survey_id": "111380075", "collector_id": "50253586",
            "response_status": "completed", "date_created": f"2026-03-0{number}T09:00:00+00:00",
            "date_modified": f"2026-03-0{number}T09:05:00+00:00", "custom_variables": {}, "ip_address": "",
            "pages": [{"id": "116044697", "questions": [{"id": NPS_QUESTION["id"],
                                                        "answers": [{"row_id": ROW, "choice_id": CHOICE_OF[score]}]}]}]}  # fmt: skip


def test_the_documented_nps_question_is_scored_by_place_and_its_nps_computed_by_hand(tmp_path):
    """Answers 10, 9, 9, 8, 3, 0: SurveyMonkey weighs them 100, 100, 100, 0, −100, −100 — read as
    the answers, 10 would fail as off the scale and 3 and 0 become −100. By place: 3 promoters, 1
    passive, 2 detractors of 6: NPS = 100 · (3 − 2) / 6."""
    scores = [10, 9, 9, 8, 3, 0]
    details = {"id": "111380075", "title": "Service NPS", "language": "en",
               "pages": [{"id": "116044697", "position": 1, "questions": [NPS_QUESTION]}]}  # fmt: skip
    bulk = {"data": [nps_response(n, score) for n, score in enumerate(scores, start=1)], "per_page": 50, "page": 1,
            "total": len(scores), "links": {"self": "https://api.surveymonkey.com/v3/surveys/111380075/responses/bulk"}}  # fmt: skip
    with served({"/surveys/111380075/details": details, "/surveys/111380075/responses/bulk": bulk}) as api:
        result = sync(tmp_path, entry(api.url, surveys=["111380075"]))
    assert (result.status, result.written, result.quarantined) == ("success", 6, 0), result.error
    stored = query(tmp_path, "SELECT nps, nps_group FROM feedback ORDER BY source_record_id")
    groups = ["promoter" if s >= 9 else "passive" if s >= 7 else "detractor" for s in scores]
    assert stored == list(zip(scores, groups, strict=True))
    promoters, detractors = groups.count("promoter"), groups.count("detractor")
    assert (promoters, detractors) == (3, 2)
    assert query(tmp_path, "SELECT responses, nps FROM nps_by_month") == [(6, round(100 * (promoters - detractors) / 6, 1))]
    assert query(tmp_path, "SELECT DISTINCT metric, scale_min, scale_max FROM feedback_scores") == [("nps", 0.0, 10.0)]
    [labels] = query(tmp_path, "SELECT json_extract(answers, '$.338792202.label') FROM feedback WHERE nps = 0")
    assert labels == ("Not at all likely - 0",)


def test_the_same_responses_saved_as_files_import_as_the_connector_reads_them(tmp_path):
    """responses/bulk saved as JSON with the details beside it (`surveymonkey_json`): `inspect`
    finds the NPS question from the details alone, and the mapping it proposes reads it by place,
    as the connector does (before, its answers were read as "Not at all likely - 0" under the
    matrix row's key, and never scored)."""
    scores = [10, 9, 9, 8, 3, 0]
    details = {"id": "111380075", "title": "Service NPS", "language": "en",
               "pages": [{"id": "116044697", "position": 1, "questions": [NPS_QUESTION]}]}  # fmt: skip
    bulk = {"data": [nps_response(n, score) for n, score in enumerate(scores, start=1)]}
    (tmp_path / "details.json").write_text(json.dumps(details), encoding="utf-8")
    (tmp_path / "bulk.json").write_text(json.dumps(bulk), encoding="utf-8")
    inspection = inspect_file(tmp_path / "bulk.json", Hints(definition=tmp_path / "details.json"))
    [proposed] = [p for p in inspection.chosen if p.target == "nps"]
    assert (proposed.column, proposed.evidence[0]) == ("338792202", "the survey definition makes it a Net Promoter question")
    source = {"connector": "json", "path": "bulk.json", "format": "surveymonkey_json", "definition": "details.json",
              "columns": {"id": "id", "submitted_at": "date_modified", "status": "response_status"},
              "metrics": [{"column": "338792202", "metric": "nps"}]}  # fmt: skip
    assert sync_source(tmp_path, source, db="files.db").written == 6
    with served({"/surveys/111380075/details": details, "/surveys/111380075/responses/bulk": bulk}) as api:
        assert sync(tmp_path, entry(api.url, surveys=["111380075"])).written == 6
    from_files, from_api = records(tmp_path, db="files.db"), records(tmp_path)
    assert [from_files[rid]["nps"] for rid in sorted(from_files)] == scores
    for rid, record in from_api.items():
        assert from_files[rid]["answers"]["338792202"] == record["answers"]["338792202"]
        assert (from_files[rid]["nps"], from_files[rid]["nps_group"]) == (record["nps"], record["nps_group"])


SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"]


WEIGHTS = [-2, -1, 0, 1, 2]
WEIGHED_CHOICES = [{"id": str(7001 + i), "position": i + 1, "text": text, "weight": weight, "visible": True}
                   for i, (text, weight) in enumerate(zip(SATISFACTION, WEIGHTS, strict=True))] + [
    {"id": "7006", "position": 6, "text": "N/A", "weight": 0, "is_na": True, "visible": True}]  # fmt: skip
WEIGHED_ANSWERS = ["7001", "7002", "7003", "7004", "7005", "7005", "7006"]


def weighed_rating(choices: list[dict[str, Any]] = WEIGHED_CHOICES) -> tuple[dict[str, Any], dict[str, Any]]:
    """The details and responses/bulk of a satisfaction rating weighed −2 … 2 with an N/A column
    (ours, in the details' documented shape), answered −2, −1, 0, 1, 2, 2, N/A."""
    question = {"id": "401", "position": 1, "family": "matrix", "subtype": "rating",
                "headings": [{"heading": "How satisfied are you with our support?"}],
                "answers": {"rows": [{"id": "501", "position": 1, "text": ""}], "choices": choices}}  # fmt: skip
    details = {"id": "222", "title": "Support CSAT", "language": "en",
               "pages": [{"id": "301", "position": 1, "questions": [question]}]}  # fmt: skip

    def response(n: int, choice: str) -> dict[str, Any]:
        return {"id": str(800 + n), "survey_id": "222", "collector_id": "9", "response_status": "completed",
                "date_modified": f"2026-03-0{n}T09:05:00+00:00", "custom_variables": {},
                "pages": [{"id": "301", "questions": [{"id": "401", "answers": [{"row_id": "501", "choice_id": choice}]}]}]}  # fmt: skip

    bulk = {"data": [response(n, choice) for n, choice in enumerate(WEIGHED_ANSWERS, start=1)], "per_page": 50,
            "page": 1, "total": len(WEIGHED_ANSWERS), "links": {}}  # fmt: skip
    return details, bulk


def test_a_rating_weighed_below_zero_scores_its_negative_weights(tmp_path):
    """Weights may be negative — SurveyMonkey's own Question Bank NPS question (tests/data/vendor/
    surveymonkey) weighs 0–6 at −100 — and an N/A column is marked `is_na`, not by its sign. A
    satisfaction rating weighed −2 … 2: the unhappy answers −2 and −1 are scores, not "no answer";
    N/A is none. Answers −2, −1, 0, 1, 2, 2, N/A: 6 scored, 3 satisfied (weights 1 and 2, the top
    two of five), 2 dissatisfied."""
    choices, answered = WEIGHED_CHOICES, WEIGHED_ANSWERS
    details, bulk = weighed_rating()
    with served({"/surveys/222/details": details, "/surveys/222/responses/bulk": bulk}) as api:
        result = sync(tmp_path, entry(api.url, surveys=["222"]))
    assert (result.status, result.written, result.quarantined) == ("success", 7, 0), result.error
    weight_of = {choice["id"]: choice["weight"] for choice in choices if not choice.get("is_na")}
    scored = [weight_of[c] for c in answered if c in weight_of]
    assert query(tmp_path, "SELECT csat FROM feedback WHERE csat IS NOT NULL ORDER BY source_record_id") == [
        (float(w),) for w in scored]  # fmt: skip
    satisfied, dissatisfied = sum(w >= 1 for w in scored), sum(w <= -1 for w in scored)
    assert (len(scored), satisfied, dissatisfied) == (6, 3, 2)
    assert query(tmp_path, "SELECT metric, scale_min, scale_max, COUNT(*) FROM feedback_scores GROUP BY 1, 2, 3") == [
        ("csat", -2.0, 2.0, 6)]  # fmt: skip
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(6, round(100 * satisfied / 6, 1))]


def import_and_sync(tmp_path, details, bulk) -> None:
    """The rating's responses/bulk saved as JSON with its details, imported as `inspect` proposes
    (a csat of question 401) into files.db, and the same synced through the API into cxbridge.db;
    neither quarantines a response."""
    (tmp_path / "details.json").write_text(json.dumps(details), encoding="utf-8")
    (tmp_path / "bulk.json").write_text(json.dumps(bulk), encoding="utf-8")
    inspection = inspect_file(tmp_path / "bulk.json", Hints(definition=tmp_path / "details.json"))
    source = source_entry(inspection, path="bulk.json") | {"definition": "details.json"}
    assert [(m["column"], m["metric"]) for m in source["metrics"]] == [("401", "csat")]
    assert sync_source(tmp_path, source, db="files.db").quarantined == 0
    with served({"/surveys/222/details": details, "/surveys/222/responses/bulk": bulk}) as api:
        assert sync(tmp_path, entry(api.url, surveys=["222"])).quarantined == 0


def test_a_rating_weighed_below_zero_imports_from_files_as_the_connector_reads_it(tmp_path):
    """responses/bulk saved as JSON with its details: `inspect` reads the −2 … 2 weights as scores
    (the details flag N/A with `is_na`), not as no-answer codes, so the file import stores the CSAT
    the API sync stores (before, it proposed no CSAT: "only some of the points" of the scale)."""
    details, bulk = weighed_rating()
    import_and_sync(tmp_path, details, bulk)
    weight_of = {choice["id"]: choice["weight"] for choice in WEIGHED_CHOICES if not choice.get("is_na")}
    expected = [float(weight_of[c]) if c in weight_of else None for c in WEIGHED_ANSWERS]
    scored = [w for w in expected if w is not None]
    satisfied = sum(w >= 1 for w in scored)  # the top two of five: weights 1 and 2
    for db in ("files.db", "cxbridge.db"):
        assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db=db)] == expected
        assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db=db) == [
            (len(scored), half_up(Fraction(100 * satisfied, len(scored))))]  # fmt: skip


NUMBERED_CHOICES = [choice | {"text": str(choice["position"])} if not choice.get("is_na") else choice
                    for choice in WEIGHED_CHOICES]  # fmt: skip


def test_a_rating_numbered_1_to_5_and_weighed_below_zero_imports_from_files_on_the_numbers_shown(tmp_path):
    """The same rating with its options labelled "1" … "5" (weighed −2 … 2): the API sync scores
    the numbers shown, so the file import of its responses/bulk does too — before, it read the
    weights from the cells, quarantining −2, −1 and 0 ("outside its scale 1–5") and storing "4"
    as 1."""
    numbered = NUMBERED_CHOICES
    details, bulk = weighed_rating(numbered)
    import_and_sync(tmp_path, details, bulk)
    shown = {choice["id"]: int(choice["text"]) for choice in numbered if not choice.get("is_na")}
    expected = [float(shown[c]) if c in shown else None for c in WEIGHED_ANSWERS]
    scored = [n for n in expected if n is not None]
    satisfied = sum(n >= 4 for n in scored)  # the top two of 1–5
    assert (len(scored), satisfied) == (6, 3)
    for db in ("files.db", "cxbridge.db"):
        assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db=db)] == expected
        assert query(tmp_path, "SELECT metric, scale_min, scale_max, COUNT(*) FROM feedback_scores GROUP BY 1, 2, 3",
                     db=db) == [("csat", 1.0, 5.0, 6)]  # fmt: skip
        assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db=db) == [
            (len(scored), half_up(Fraction(100 * satisfied, len(scored))))]  # fmt: skip


def gapped_choices(weights: list[int]) -> list[dict[str, Any]]:
    """The rating's five satisfaction options weighed `weights` (its N/A option left out)."""
    return [choice | {"weight": weight} for choice, weight in zip(WEIGHED_CHOICES[:5], weights, strict=True)]


@pytest.mark.parametrize("weights", [[0, 25, 50, 75, 100], [10, 20, 30, 40, 50]])
def test_a_satisfaction_rating_weighed_with_gaps_is_csat_by_the_options_rank(tmp_path, weights):
    """Weights with gaps (0/25/50/75/100, 10/20/…/50) are no 5-point scale of their own: the
    options score their rank, 1 … 5 in the answer order, and the boxes are the rank scale's —
    before, the question was stored as a plain `rating` of the weights, and had no CSAT. The file
    import of the same responses reads it so too, its cells keeping the weight."""
    gapped = gapped_choices(weights)
    details, bulk = weighed_rating([*gapped, WEIGHED_CHOICES[-1]])
    import_and_sync(tmp_path, details, bulk)
    rank_of = {choice["id"]: place for place, choice in enumerate(gapped, start=1)}
    weight_of = {choice["id"]: choice["weight"] for choice in gapped}
    expected = [float(rank_of[c]) if c in rank_of else None for c in WEIGHED_ANSWERS]
    scored = [rank for rank in expected if rank is not None]
    satisfied, dissatisfied = sum(rank >= 4 for rank in scored), sum(rank <= 2 for rank in scored)
    assert (len(scored), satisfied, dissatisfied) == (6, 3, 2)
    for db in ("files.db", "cxbridge.db"):
        assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db=db)] == expected
        assert query(tmp_path, "SELECT metric, scale_min, scale_max, category, COUNT(*) FROM feedback_scores "
                     "GROUP BY 1, 2, 3, 4 ORDER BY 4", db=db) == [  # fmt: skip
            ("csat", 1.0, 5.0, "dissatisfied", dissatisfied), ("csat", 1.0, 5.0, "neutral", 1),
            ("csat", 1.0, 5.0, "satisfied", satisfied)]  # fmt: skip
        assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db=db) == [
            (len(scored), half_up(Fraction(100 * satisfied, len(scored))))]  # fmt: skip
    cells = query(tmp_path, "SELECT json_extract(raw, '$.values.401') FROM feedback ORDER BY source_record_id", db="files.db")
    assert [cell for (cell,) in cells] == [weight_of.get(c) for c in WEIGHED_ANSWERS[:-1]] + ["N/A"]


def test_a_rating_weighed_with_gaps_configured_on_its_weights_scale_keeps_scoring_its_weights(tmp_path):
    """A config written for the weights — `scale = [0, 100]` on the question, or in the file's
    mapping — still scores the weights, the API sync and the file import alike, never the ranks
    on a scale of 0–100."""
    weights = [0, 25, 50, 75, 100]
    gapped = gapped_choices(weights)
    details, bulk = weighed_rating([*gapped, WEIGHED_CHOICES[-1]])
    (tmp_path / "details.json").write_text(json.dumps(details), encoding="utf-8")
    (tmp_path / "bulk.json").write_text(json.dumps(bulk), encoding="utf-8")
    source = {"connector": "json", "path": "bulk.json", "format": "surveymonkey_json", "definition": "details.json",
              "columns": {"id": "id", "submitted_at": "date_modified"},
              "metrics": [{"column": "401", "metric": "csat", "scale": [0, 100]}]}  # fmt: skip
    assert sync_source(tmp_path, source, db="files.db").quarantined == 0
    questions = {"401": {"metric": "csat", "scale": [0, 100]}}
    with served({"/surveys/222/details": details, "/surveys/222/responses/bulk": bulk}) as api:
        assert sync(tmp_path, entry(api.url, surveys=["222"], questions=questions)).quarantined == 0
    weight_of = {choice["id"]: float(choice["weight"]) for choice in gapped}
    expected = [weight_of.get(c) for c in WEIGHED_ANSWERS]
    for db in ("files.db", "cxbridge.db"):
        assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db=db)] == expected
        assert query(tmp_path, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores", db=db) == [(0.0, 100.0)]


def sync_file_and_api_by_metric_alone(tmp_path, details: dict, bulk: dict) -> None:
    """Sync question 401 as `metric = "csat"` alone — from the exported files into files.db, and
    through the API into cxbridge.db — neither quarantining anything."""
    (tmp_path / "details.json").write_text(json.dumps(details), encoding="utf-8")
    (tmp_path / "bulk.json").write_text(json.dumps(bulk), encoding="utf-8")
    source = {"connector": "json", "path": "bulk.json", "format": "surveymonkey_json", "definition": "details.json",
              "columns": {"id": "id", "submitted_at": "date_modified"}, "metrics": [{"column": "401", "metric": "csat"}]}  # fmt: skip
    assert sync_source(tmp_path, source, db="files.db").quarantined == 0
    with served({"/surveys/222/details": details, "/surveys/222/responses/bulk": bulk}) as api:
        assert sync(tmp_path, entry(api.url, surveys=["222"], questions={"401": {"metric": "csat"}})).quarantined == 0


def test_a_rating_weighed_with_gaps_mapped_by_its_metric_alone_imports_its_ranks_as_the_api_reads_them(tmp_path):
    """A file mapping giving only `metric = "csat"` (no scale, no labels) reads the 0/25/50/75/100
    rating's ranks 1 … 5, as the API sync does with only the metric configured — before, it read
    the weights in the cells and quarantined all six scored answers ("csat answer 0 is outside its
    scale 1–5"), advising a scale that would have scored the weights."""
    gapped = gapped_choices([0, 25, 50, 75, 100])
    details, bulk = weighed_rating([*gapped, WEIGHED_CHOICES[-1]])
    sync_file_and_api_by_metric_alone(tmp_path, details, bulk)
    rank_of = {choice["id"]: place for place, choice in enumerate(gapped, start=1)}
    expected = [float(rank_of[c]) if c in rank_of else None for c in WEIGHED_ANSWERS]
    for db in ("files.db", "cxbridge.db"):
        assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db=db)] == expected
        assert query(tmp_path, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores", db=db) == [(1.0, 5.0)]


def test_a_rating_of_seven_ranks_mapped_by_its_metric_alone_is_read_on_the_scale_of_its_ranks(tmp_path):
    """Seven options weighed 0, 10 … 60 score their ranks 1 … 7: a file mapping without a scale
    reads them on the scale the definition gives (its ranks, 1–7), as the API sync configured by
    the metric alone does — before, it read CSAT's default 1–5 and quarantined ranks 6 and 7."""
    texts = ["Extremely dissatisfied", *SATISFACTION, "Extremely satisfied"]
    choices = [{"id": str(7101 + i), "position": i + 1, "text": text, "weight": 10 * i, "visible": True}
               for i, text in enumerate(texts)]  # fmt: skip
    details, bulk = weighed_rating(choices)
    for n, response in enumerate(bulk["data"]):  # answered 1 … 7 by rank
        response["pages"][0]["questions"][0]["answers"][0]["choice_id"] = choices[n]["id"]
    sync_file_and_api_by_metric_alone(tmp_path, details, bulk)
    satisfied = sum(rank >= 6 for rank in range(1, 8))  # top two boxes of seven
    for db in ("files.db", "cxbridge.db"):
        assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db=db)] == [
            float(rank) for rank in range(1, 8)]  # fmt: skip
        assert query(tmp_path, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores", db=db) == [(1.0, 7.0)]
        assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE category = 'satisfied'", db=db) == [(satisfied,)]


def test_whole_answers_of_a_file_import_are_integers_and_a_re_sync_rewrites_nothing(tmp_path, monkeypatch):
    """The −2 … 2 rating imported as `inspect` proposes (its `labels` give each option's weight)
    stores −2, not −2.0. Syncing the same file again writes nothing, read again too
    (--full-refresh): the stored rows keep their content hash. Rows stored as the earlier version read them (floats)
    are not rewritten by the next sync while the file is unchanged; read again, those rows are
    rewritten once."""
    details, bulk = weighed_rating()
    import_and_sync(tmp_path, details, bulk)
    weight_of = {choice["id"]: choice["weight"] for choice in WEIGHED_CHOICES if not choice.get("is_na")}
    stored = "SELECT json_extract(answers, '$.401.value'), typeof(json_extract(answers, '$.401.value')) FROM feedback"
    assert sorted(query(tmp_path, stored + " WHERE csat IS NOT NULL", db="files.db")) == sorted(
        (weight_of[c], "integer") for c in WEIGHED_ANSWERS if c in weight_of)  # fmt: skip
    source = source_entry(inspect_file(tmp_path / "bulk.json", Hints(definition=tmp_path / "details.json")),
                          path="bulk.json") | {"definition": "details.json"}  # fmt: skip
    again = sync_source(tmp_path, source, db="files.db")
    assert (again.read, again.written) == (0, 0)  # the file is passed over
    refreshed = sync_source(tmp_path, source, db="files.db", full_refresh=True)
    assert (refreshed.read, refreshed.written, refreshed.unchanged) == (len(WEIGHED_ANSWERS), 0, len(WEIGHED_ANSWERS))
    with monkeypatch.context() as earlier:
        earlier.setattr(rows, "whole_number", lambda value: value)  # as the earlier version read the labels
        assert sync_source(tmp_path, source, db="earlier.db").written == len(WEIGHED_ANSWERS)
    assert {kind for _, kind in query(tmp_path, stored + " WHERE csat IS NOT NULL", db="earlier.db")} == {"real"}
    again = sync_source(tmp_path, source, db="earlier.db")
    assert (again.read, again.written) == (0, 0)
    refreshed = sync_source(tmp_path, source, db="earlier.db", full_refresh=True)
    scored = [c for c in WEIGHED_ANSWERS if c in weight_of]  # N/A stored no number: its row is unchanged
    assert (refreshed.written, refreshed.unchanged) == (len(scored), len(WEIGHED_ANSWERS) - len(scored))


@pytest.mark.parametrize("choices", [WEIGHED_CHOICES, NUMBERED_CHOICES], ids=["labelled", "numbered"])
def test_the_file_import_and_the_api_sync_store_the_same_whole_answers(tmp_path, choices):
    """The −2 … 2 rating labelled in words (the file's `labels` give the weights) or numbered "1" …
    "5" (both score the numbers shown): each answer is stored alike from files and through the API,
    a whole number as an integer — before, the labels' and the numbers shown's values were floats
    (the file import's −2.0, both paths' 1.0)."""
    details, bulk = weighed_rating(choices)
    import_and_sync(tmp_path, details, bulk)
    answers = "SELECT source_record_id, json_extract(answers, '$.401') FROM feedback ORDER BY 1"
    assert query(tmp_path, answers, db="files.db") == query(tmp_path, answers)
    kinds = "SELECT DISTINCT typeof(json_extract(answers, '$.401.value')) FROM feedback WHERE csat IS NOT NULL"
    for db in ("files.db", "cxbridge.db"):
        assert query(tmp_path, kinds, db=db) == [("integer",)]


def test_a_rating_weighed_with_gaps_and_shown_out_of_order_ranks_each_option_by_its_weight(tmp_path):
    """The details' documented shape (api_reference §8.1: choices with `id`, `text`, `position`,
    `weight`; docs/connectors/surveymonkey.md: the weight is "the number SurveyMonkey averages;
    higher is better"), the options ours: "Neither satisfied nor dissatisfied" moved last (shown
    5th, weight 50) and the list given in no particular order. Ranked by position, n … 1 since the
    first weight is above the last, Neither scored 1 and Very dissatisfied 2, so the labels named
    no scale: the API stored a plain `rating` with no CSAT, and `inspect` proposed no CSAT for the
    file. Ranked by weight each option is its point of CSAT 1–5, the file import alike."""
    by_text = dict(zip(SATISFACTION, [0, 25, 50, 75, 100], strict=True))
    shown = ["Very satisfied", "Satisfied", "Dissatisfied", "Very dissatisfied", "Neither satisfied nor dissatisfied"]
    ids = {text: WEIGHED_CHOICES[SATISFACTION.index(text)]["id"] for text in SATISFACTION}
    choices = [{"id": ids[text], "position": place, "text": text, "weight": by_text[text], "visible": True}
               for place, text in enumerate(shown, start=1)]  # fmt: skip
    details, bulk = weighed_rating([choices[2], choices[4], choices[0], choices[3], choices[1], WEIGHED_CHOICES[-1]])
    import_and_sync(tmp_path, details, bulk)
    rank_of = {ids[text]: rank for rank, text in enumerate(sorted(SATISFACTION, key=by_text.get), start=1)}
    expected = [float(rank_of[c]) if c in rank_of else None for c in WEIGHED_ANSWERS]
    satisfied = sum(rank is not None and rank >= 4 for rank in expected)
    for db in ("files.db", "cxbridge.db"):
        assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY source_record_id", db=db)] == expected
        assert query(tmp_path, "SELECT DISTINCT scale_min, scale_max FROM feedback_scores", db=db) == [(1.0, 5.0)]
        assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db=db) == [
            (6, round(100 * satisfied / 6, 1))]  # fmt: skip


PRODUCT_TEST = {path: (VENDOR / f"airbyte_306079584_{name}.json").read_bytes()
                for path, name in (("/surveys/306079584/details", "details"),
                                   ("/surveys/306079584/responses/bulk", "responses_bulk"))}  # fmt: skip
NPS_GROUP_BY_WEIGHT = {"-100": "detractor", "0": "passive", "100": "promoter"}  # SurveyMonkey's NPS weights


def recorded_answers(question_id: str) -> dict[str, list[dict[str, Any]]]:
    """Each recorded response's answer objects to one question, by response id."""
    bulk = json.loads(PRODUCT_TEST["/surveys/306079584/responses/bulk"])
    return {response["id"]: question["answers"] for response in bulk["data"] for page in response["pages"]
            for question in page["questions"] if question["id"] == question_id}  # fmt: skip


def test_a_real_product_test_surveys_nps_is_the_one_its_recorded_weights_give(tmp_path):
    """Airbyte's recorded SurveyMonkey account: 13 real answers to the "recommend our new product"
    question of the Product Testing template. Each answer carries the weight SurveyMonkey gave it
    (−100, 0, 100: detractor, passive, promoter) and names an option whose text is the number
    ("Not at all likely - 0", "5", "Extremely likely - 10"): 2 promoters, 3 passives, 8 detractors."""
    with served(PRODUCT_TEST) as api:
        result = sync(tmp_path, entry(api.url, surveys=["306079584"]))
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 13, 13, 0), result.error
    details = json.loads(PRODUCT_TEST["/surveys/306079584/details"])
    [nps_question] = [q for q in details["pages"][0]["questions"] if q["id"] == "652286714"]
    number_of = {c["id"]: int(c["text"].rsplit(" ", 1)[-1]) for c in nps_question["answers"]["choices"]}
    expected = {rid: (number_of[answer["choice_id"]], NPS_GROUP_BY_WEIGHT[answer["choice_metadata"]["weight"]])
                for rid, [answer] in recorded_answers("652286714").items()}  # fmt: skip
    assert query(tmp_path, "SELECT source_record_id, nps, nps_group FROM feedback ORDER BY 1") == [
        (rid, *expected[rid]) for rid in sorted(expected)]  # fmt: skip
    groups = [group for _, group in expected.values()]
    promoters, passives, detractors = (groups.count(g) for g in ("promoter", "passive", "detractor"))
    assert (promoters, passives, detractors) == (2, 3, 8)
    assert query(tmp_path, "SELECT month, responses, promoters, passives, detractors, nps FROM nps_by_month") == [
        ("2021-06", 13, 2, 3, 8, round(100 * (promoters - detractors) / 13, 1))]  # fmt: skip
    assert query(tmp_path, "SELECT DISTINCT metric, question_id FROM feedback_scores") == [("nps", "652286714")]


def test_a_real_product_test_surveys_choices_and_essays_are_kept_as_answered(tmp_path):
    """The same recording's five-point questions keep the option chosen as its text (no metric:
    quality, need, likelihood to buy are not NPS, CSAT or CES), and every essay answer is a comment."""
    with served(PRODUCT_TEST) as api:
        assert sync(tmp_path, entry(api.url, surveys=["306079584"])).written == 13
    details = json.loads(PRODUCT_TEST["/surveys/306079584/details"])
    [quality] = [q for q in details["pages"][0]["questions"] if q["id"] == "652286721"]
    text_of = {c["id"]: c["text"] for c in quality["answers"]["choices"]}
    found = records(tmp_path)
    for rid, [answer] in recorded_answers("652286721").items():
        assert found[rid]["answers"]["652286721"] == {"text": "How would you rate the quality of the product?",
                                                      "value": text_of[answer["choice_id"]],
                                                      "label": text_of[answer["choice_id"]]}  # fmt: skip
    essays = [answer["text"] for qid in ("652286726", "652286719", "652286720")
              for answers in recorded_answers(qid).values() for answer in answers]  # fmt: skip
    assert len(essays) == 26
    assert sorted(text for (text,) in query(tmp_path, "SELECT text FROM feedback_comments")) == sorted(essays)


def test_a_click_map_answer_is_kept_as_the_region_clicked(tmp_path):
    """The recording's two click-map questions ("Click on the area you like best / least about
    this product"): 11 of the 13 respondents clicked, each answer naming only the region (`row_id`
    of "Click 1"), no choice and no text. Before, such an answer was dropped: no trace of the click."""
    with served(PRODUCT_TEST) as api:
        assert sync(tmp_path, entry(api.url, surveys=["306079584"])).written == 13
    found = records(tmp_path)
    for qid, row, heading in (("652286724", "4285525098", "Click on the area you like best about this product."),
                              ("652286725", "4285525102", "Click on the area you like least about this product.")):  # fmt: skip
        clicked = recorded_answers(qid)
        assert len(clicked) == 11 and all(answers == [{"row_id": row}] for answers in clicked.values())
        for rid, record in found.items():
            kept = record["answers"].get(f"{qid}_{row}")
            assert kept == ({"text": f"{heading} - Click 1", "value": True, "label": None} if rid in clicked else None)


def test_the_recorded_clicks_and_nps_import_from_files_as_the_connector_reads_them(tmp_path):
    """The same recording saved as files (`surveymonkey_json`, the details beside it, the click
    maps' rows listed as questions): each click and each NPS answer reads as the API sync reads it
    (before, a click's cell was empty)."""
    for name, path in (("details.json", "/surveys/306079584/details"), ("bulk.json", "/surveys/306079584/responses/bulk")):
        (tmp_path / name).write_bytes(PRODUCT_TEST[path])
    source = {"connector": "json", "path": "bulk.json", "format": "surveymonkey_json", "definition": "details.json",
              "columns": {"id": "id", "submitted_at": "date_modified", "status": "response_status"},
              "metrics": [{"column": "652286714", "metric": "nps"}],
              "questions": ["652286724_4285525098", "652286725_4285525102"]}  # fmt: skip
    assert sync_source(tmp_path, source, db="files.db").written == 13
    with served(PRODUCT_TEST) as api:
        assert sync(tmp_path, entry(api.url, surveys=["306079584"])).written == 13
    from_files, from_api = records(tmp_path, db="files.db"), records(tmp_path)

    def value(record: dict[str, Any], key: str) -> Any:
        return (record["answers"].get(key) or {}).get("value")  # a listed column left blank is kept blank

    for key in ("652286724_4285525098", "652286725_4285525102", "652286714"):
        assert {rid: value(from_files[rid], key) for rid in from_api} == {rid: value(r, key) for rid, r in from_api.items()}
    assert [value(r, "652286724_4285525098") for r in from_api.values()].count(True) == 11
    for rid, record in from_api.items():
        assert (from_files[rid]["nps"], from_files[rid]["nps_group"]) == (record["nps"], record["nps_group"])


def export_csv(details: dict[str, Any], bulk: dict[str, Any]) -> str:
    """The responses of a one-question survey as SurveyMonkey's "all responses data" CSV writes
    them (two header rows: the question's heading over `Response`; each cell the option's text as
    shown), from the details and responses/bulk the API gives."""
    [question] = details["pages"][0]["questions"]
    text_of = {choice["id"]: choice["text"] for choice in question["answers"]["choices"]}
    lines = ["Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,First Name,Last Name,Custom Data 1,"
             f'"{question["headings"][0]["heading"]}"', ",,,,,,,,,Response"]  # fmt: skip
    for n, response in enumerate(bulk["data"], start=1):
        [answer] = response["pages"][0]["questions"][0]["answers"]
        lines.append(f'{response["id"]},{response["collector_id"]},03/1{n}/2026 09:00:00 AM,03/1{n}/2026 09:05:00 AM,'
                     f',,,,,"{text_of[answer["choice_id"]]}"')  # fmt: skip
    return "\n".join(lines) + "\n"


def nps_survey(scores: list[int]) -> tuple[dict[str, Any], dict[str, Any]]:
    details = {"id": "111380075", "title": "Service NPS", "language": "en",
               "pages": [{"id": "116044697", "position": 1, "questions": [NPS_QUESTION]}]}  # fmt: skip
    return details, {"data": [nps_response(n, score) for n, score in enumerate(scores, start=1)]}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("survey", [partial(nps_survey, [10, 9, 9, 8, 3, 0]), weighed_rating,
                                    partial(weighed_rating, NUMBERED_CHOICES)], ids=["nps", "labelled", "numbered"])  # fmt: skip
def test_a_csv_export_imported_with_its_details_stores_what_the_api_sync_stores(tmp_path, survey, suffix):
    """The CSV (or xlsx: the numbers shown as numbers) export of the same answers imported with
    `--definition details.json`: its column (keyed by the question's heading) is the details'
    question, so it stores the metric, scale, score and answer the API sync stores — before, the
    details were silently ignored (the export's columns are keyed by heading, the details by id):
    the NPS read "Not at all likely - 0" as no score, the −2 … 2 rating was read on the labels' own 1–5."""
    details, bulk = survey()
    survey_id, qid = details["id"], details["pages"][0]["questions"][0]["id"]
    (tmp_path / "details.json").write_text(json.dumps(details), encoding="utf-8")
    export = tmp_path / f"export{suffix}"
    if suffix == ".csv":
        export.write_text(export_csv(details, bulk), encoding="utf-8")
    else:
        rows = [[int(cell) if cell.isdigit() else cell or None for cell in row]
                for row in csv.reader(io.StringIO(export_csv(details, bulk)))]  # fmt: skip
        write_xlsx(export, {"Sheet": rows})
    inspection = inspect_file(export, Hints(definition=tmp_path / "details.json"))
    source = source_entry(inspection, path=export.name) | {"definition": "details.json"}
    assert sync_source(tmp_path, source, db="files.db").quarantined == 0
    with served({f"/surveys/{survey_id}/details": details, f"/surveys/{survey_id}/responses/bulk": bulk}) as api:
        assert sync(tmp_path, entry(api.url, surveys=[survey_id])).quarantined == 0
    stored = ("SELECT source_record_id, nps, csat, json_extract(answers, '$.\"{}\"') FROM feedback ORDER BY 1").format(qid)
    scores = ("SELECT f.source_record_id, s.metric, s.question_id, s.value, s.scale_min, s.scale_max, s.normalized "
              "FROM feedback_scores s JOIN feedback f USING (record_id) ORDER BY 1, 2")
    assert len(query(tmp_path, scores)) >= 6
    for sql in (stored, scores):
        assert query(tmp_path, sql, db="files.db") == query(tmp_path, sql)


def test_a_csv_column_the_details_do_not_head_is_named_not_silently_read_without_them(tmp_path):
    """An export whose question was reworded after the details were saved (or another survey's
    details): `inspect` notes and the sync warns, naming the header, that the column is read by
    its header alone — before, the whole definition was ignored without a word. The matched
    column still reads as the details say (−2 … 2)."""
    details, bulk = weighed_rating()
    exported = export_csv(details, bulk).replace('"How satisfied are you with our support?"',
                                                 "How satisfied are you with our service?,Anything else?")  # fmt: skip
    exported = exported.replace(",Response\n", ",Response,Open-Ended Response\n", 1)
    (tmp_path / "details.json").write_text(json.dumps(details), encoding="utf-8")
    (tmp_path / "export.csv").write_text(exported, encoding="utf-8")
    inspection = inspect_file(tmp_path / "export.csv", Hints(definition=tmp_path / "details.json"))
    [note] = [note for note in inspection.notes if "have no question headed" in note]
    assert "'How satisfied are you with our service?', 'Anything else?'" in note and "(Support CSAT)" in note
    source = source_entry(inspection, path="export.csv") | {"definition": "details.json"}
    result = sync_source(tmp_path, source)
    assert [w for w in result.warnings if "have no question headed" in w] == [f"export.csv: {note}"]


def test_a_csv_matrix_row_and_multiple_choice_options_read_with_the_details(tmp_path):
    """A matrix's rows (`Question - Row`) are its rows' parts keyed `question_row`, as the API keys
    them; a multiple-choice question's option columns (`Question - Option`) are its answers as
    shown, not named as undefined."""
    scale = [{"id": str(60 + i), "position": i, "text": str(i), "weight": i} for i in range(1, 6)]
    matrix = {"id": "71", "family": "matrix", "subtype": "rating", "headings": [{"heading": "Rate us"}],
              "answers": {"rows": [{"id": "81", "position": 1, "text": "Speed"}, {"id": "82", "position": 2, "text": "Care"}],
                          "choices": scale}}  # fmt: skip
    multi = {"id": "72", "family": "multiple_choice", "subtype": "vertical", "headings": [{"heading": "Which?"}],
             "answers": {"choices": [{"id": "91", "position": 1, "text": "Phone"}, {"id": "92", "position": 2, "text": "Chat"}]}}  # fmt: skip
    details = {"id": "5", "title": "Two", "pages": [{"id": "1", "questions": [matrix, multi]}]}
    (tmp_path / "details.json").write_text(json.dumps(details), encoding="utf-8")
    (tmp_path / "export.csv").write_text(
        "Respondent ID,Collector ID,Start Date,End Date,Rate us,,Which?,\n,,,,Speed,Care,Phone,Chat\n"
        "1,9,03/13/2026 09:00:00 AM,03/13/2026 09:05:00 AM,4,5,Phone,\n", encoding="utf-8")  # fmt: skip
    inspection = inspect_file(tmp_path / "export.csv", Hints(definition=tmp_path / "details.json"))
    assert not [note for note in inspection.notes if "have no question headed" in note]
    keys = [column.key for column in inspection.table.columns]
    assert keys[4:] == ["71_81", "71_82", "Which? - Phone", "Which? - Chat"]
