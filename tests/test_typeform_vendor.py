"""The typeform source on payloads others wrote (tests/data/vendor/typeform/, sources and licences
in its README): the response example of Typeform's own Retrieve-responses reference, and a form
with its responses that Airbyte recorded from a real Typeform account — each served exactly as
published, numbers checked against sums done here by hand."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from cxbridge.plugins.typeform.source import TypeformSource
from tests.local_api import fake_api
from tests.sqlite_runs import query, records, sync_source
from tests.typeform_api import TOKEN

VENDOR = Path(__file__).parent / "data" / "vendor" / "typeform"
sync = partial(sync_source, name="city")


def load(name: str) -> Any:
    return json.loads((VENDOR / name).read_text(encoding="utf-8"))


def serve(tmp_path: Path, form: dict[str, Any], page: dict[str, Any], **config: Any):
    """Sync one form whose definition and (single) responses page are served as published; the
    definition's `_links.responses`, naming api.typeform.com, names this server instead."""
    with fake_api() as api:
        api.route("GET", f"/forms/{form['id']}")(lambda seen, _: here(form, api.url))
        api.route("GET", f"/forms/{form['id']}/responses")(lambda seen, _: page)
        result = sync(tmp_path, {"connector": "typeform", "base_url": api.url, "token": "${TYPEFORM_TOKEN}",
                                 "forms": [form["id"]], **config})  # fmt: skip
        asked = api.paths()
    return result, asked


def here(form: dict[str, Any], url: str) -> dict[str, Any]:
    links = {name: str(link).replace("https://api.typeform.com", url) for name, link in form.get("_links", {}).items()}
    return {**form, "_links": links}


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setattr(TypeformSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("TYPEFORM_TOKEN", TOKEN)


@pytest.fixture
def reference(tmp_path) -> Path:
    name_question = {"my_custom_short_text_reference": {"ignore": True}}  # "What is your name?": not feedback
    result, asked = serve(tmp_path, load("retrieve_responses_example_form.json"), load("retrieve_responses_example.json"),
                          questions=name_question)
    assert (result.status, result.read, result.written, result.quarantined) == ("success", 3, 3, 0), result.error
    assert asked == ["/forms/lR6F4j", "/forms/lR6F4j/responses?page_size=1000&response_type=completed"]
    return tmp_path


def test_the_references_example_gives_three_responses_and_leaves_the_visit_that_only_landed(reference):
    found = records(reference)
    assert sorted(found) == ["lR6F4j|21085286190ffad1248d17c4135ee56f", "lR6F4j|610fc266478b41e4927945e20fe54ad2",
                             "lR6F4j|9ba5db11ec6c63d22f08aade805bd363"]  # fmt: skip
    # the second and third responses give no response_id: their landing_id is the id
    assert {record["submitted_at"] for record in found.values()} == {
        "2017-09-14T22:38:22Z", "2017-09-14T22:33:56Z", "2017-09-14T22:27:34Z"
    }  # fmt: skip
    assert {record["status"] for record in found.values()} == {"complete"}
    assert all(record["respondent_key"] for key, record in found.items() if not key.endswith("bd363"))  # e-mail given


def test_an_opinion_scale_of_eleven_steps_from_zero_is_nps_on_0_to_10(reference):
    answers = [1, 1, 4]  # the three answers to "my_custom_opinion_scale_reference" in the example
    promoters, detractors = sum(a >= 9 for a in answers), sum(a <= 6 for a in answers)
    expected = 100 * (promoters - detractors) / len(answers)  # (0 - 3) / 3 = -100
    assert query(reference, "SELECT nps, nps_group FROM feedback ORDER BY submitted_at") == [
        (4, "detractor"), (1, "detractor"), (1, "detractor")
    ]  # fmt: skip
    assert query(reference, "SELECT responses, promoters, passives, detractors, nps FROM nps_by_month") == [
        (3, 0, 0, 3, expected)
    ]


def test_stars_are_a_rating_on_their_steps(reference):
    stars = [3, 3, 5]  # "my_custom_rating_reference", 5 steps
    scores = query(reference, "SELECT value, scale_min, scale_max, normalized, category FROM feedback_scores "
                              "WHERE metric = 'rating' ORDER BY value")  # fmt: skip
    assert scores == [(float(s), 1.0, 5.0, (s - 1) / 4 * 100, None) for s in sorted(stars)]
    assert query(reference, "SELECT COUNT(*) FROM feedback_scores WHERE metric = 'csat'") == [(0,)]


def test_every_answer_type_of_the_example_keeps_its_value(reference):
    first = records(reference)["lR6F4j|21085286190ffad1248d17c4135ee56f"]
    answers = first["answers"]
    assert answers["hVONkQcnSNRj"]["value"] == "Job opportunities"  # a dropdown answered as text
    assert (answers["RUqkXSeXBXSd"]["value"], answers["gFFf3xAkJKsr"]["value"]) == (False, True)
    assert answers["PNe8ZKBK8C2Q"]["value"] == ["New York", "Tokyo"]
    assert answers["abISxvbD5t1p"]["value"] == ["New York", "Tokyo"]  # a ranking, in the respondent's order
    assert answers["KoJxDM3c6x8h"]["value"] == "2012-03-20T00:00:00Z"
    assert answers["ceIXxpbP3t2q"] == {"text": "What brought you there?", "value": "A friend's experience in Sydney",
                                       "label": "A friend's experience in Sydney"}  # fmt: skip
    assert answers["SMEUb7VJz92Q"]["value"].startswith("hashed:")
    assert first["comment"].startswith("It's a big, busy city.")
    assert query(reference, "SELECT COUNT(*) FROM feedback WHERE raw LIKE '%Lian%' OR answers LIKE '%Lian%'") == [(0,)]
    assert first["language"] == "en"
    assert (first["attributes"]["variables.score"], first["attributes"]["variables.name"]) == (2, "typeform")


def test_a_real_recorded_form_and_its_responses_count_every_chosen_option(tmp_path):
    """Airbyte's recording of form VWO7mLtl: one multiple-selection question, seven responses."""
    page = load("airbyte_responses_VWO7mLtl.json")
    result, _ = serve(tmp_path, load("airbyte_form_VWO7mLtl.json"), page)
    assert (result.status, result.written) == ("success", 7), result.error
    chosen = [label for item in page["items"] for label in item["answers"][0]["choices"]["labels"]]
    stored = [label for record in records(tmp_path).values() for label in record["answers"]["ZdzF0rrvsVdB"]["value"]]
    assert sorted(stored) == sorted(chosen) and len(stored) == 7 + 6 + 7 + 3 + 3 + 6 + 6
    assert stored.count("Feb 19-24") == 6 and stored.count("Dec 19-23") == 1  # counted by hand from the recording
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores") == [(0,)]  # dates, not a scale
    assert query(tmp_path, "SELECT MIN(submitted_at), MAX(submitted_at), COUNT(DISTINCT survey_name) FROM feedback") == [
        ("2022-11-08T22:00:24Z", "2022-11-15T02:39:52Z", 1)
    ]
    [(state,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(state) == {"VWO7mLtl": {"completed": "2022-11-15T02:39:52Z"}}  # the first item: newest first
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE raw LIKE '%network_id%' OR raw LIKE '%referer%'") == [(0,)]


def test_a_real_recorded_poll_scores_its_grouped_ratings_on_their_own_steps_under_the_groups_question(tmp_path):
    """Airbyte's older recording of form kRt99jlK, its definition and its one response: five
    ratings of 5 icons (star, thumb, person, heart, pencil) inside a `group`, answered 1, 1, 1, 1,
    5 — each a `rating` on 1–5, normalized (v − 1) / 4 · 100, its question the group's joined
    with its own title ("… on these issues? - Economy": "Economy" alone does not say what was
    asked); the 1–5 opinion scale ("Much worse" … "Much better", about one's own situation) names
    no satisfaction or effort: kept, unscored."""
    form, page = load("airbyte_form_kRt99jlK.json"), load("airbyte_responses_kRt99jlK.json")
    result, _ = serve(tmp_path, form, page)
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    [group] = [field for field in form["fields"] if field["type"] == "group"]
    asked = "To finish up, would you mind telling us how you think the current government doing on these issues?"
    assert group["title"] == asked
    steps = {field["id"]: (f"{asked} - {field['title']}", field["properties"]["steps"])
             for field in group["properties"]["fields"]}  # fmt: skip
    answered = {a["field"]["id"]: a["number"] for a in page["items"][0]["answers"] if a["field"]["id"] in steps}
    assert list(answered.values()) == [1, 1, 1, 1, 5] and {n for _, n in steps.values()} == {5}
    assert query(tmp_path, "SELECT question_id, question_text, metric, value, scale_min, scale_max, normalized, "
                           "category FROM feedback_scores ORDER BY question_id") == sorted(
        (fid, steps[fid][0], "rating", float(v), 1.0, 5.0, (v - 1) / (steps[fid][1] - 1) * 100, None)
        for fid, v in answered.items())  # fmt: skip
    [record] = records(tmp_path).values()
    assert record["answers"]["x9myjwStSn9a"] == {"text": f"{asked} - Economy", "value": 1, "label": None}
    assert record["answers"]["vV7ISYSgZ94I"] == {"text": "Thanks, and how do you feel about your own situation this year?",
                                                 "value": 1, "label": None}  # fmt: skip
    assert (record["nps"], record["csat"], record["ces"], record["survey_name"]) == (
        None, None, None, "Political Poll [DEMO 2] (copy)")  # fmt: skip


def test_grouped_ratings_are_read_by_their_groups_wording(tmp_path):
    """The same recorded poll, its group asking about satisfaction instead: the five grouped
    ratings ("Economy" …, whose own titles name no metric) are CSAT answers on 1–5, as a
    SurveyMonkey matrix's rows are read by its heading."""
    form, page = load("airbyte_form_kRt99jlK.json"), load("airbyte_responses_kRt99jlK.json")
    [group] = [field for field in form["fields"] if field["type"] == "group"]
    group["title"] = "How satisfied are you with the government on these issues?"
    result, _ = serve(tmp_path, form, page)
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    assert query(tmp_path, "SELECT question_text, metric, value, scale_min, scale_max FROM feedback_scores "
                           "WHERE question_id = 'yC3UrwN1LKT8'") == [  # fmt: skip
        ("How satisfied are you with the government on these issues? - Education", "csat", 5.0, 1.0, 5.0)
    ]
    assert query(tmp_path, "SELECT metric, COUNT(*) FROM feedback_scores GROUP BY metric") == [("csat", 5)]


def test_answers_of_fields_the_definition_no_longer_has_are_kept_unscored(tmp_path):
    """A real recorded response (form kRt99jlK) whose opinion scale and star ratings the form no
    longer defines: without `steps` there is no scale to score on, so nothing is guessed."""
    form = {"id": "kRt99jlK", "title": "Edited form", "fields": [], "_links": {}}
    result, _ = serve(tmp_path, form, load("airbyte_responses_kRt99jlK.json"))
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    [record] = records(tmp_path).values()
    assert record["answers"]["vV7ISYSgZ94I"] == {"text": "f1939629f760be75", "value": 1, "label": None}
    assert record["answers"]["yC3UrwN1LKT8"]["value"] == 5
    assert record["answers"]["qthblBc7InVU"]["value"] == "Center-right party"
    assert (record["nps"], record["csat"]) == (None, None)
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores") == [(0,)]


def test_choices_showing_their_number_beside_words_score_as_their_numbers_by_the_questions_wording(tmp_path):
    """Two multiple_choice fields added to the reference's form, answered in its responses' shape:
    "1 - Very dissatisfied" … "5 - Very satisfied" under a satisfaction question is a CSAT on 1–5,
    as files, Qualtrics and SurveyMonkey read it; choices numbered as a frequency ("1 - 2 times a
    month"), under wording that names no satisfaction or ease, stay unscored."""
    satisfaction = ["1 - Very dissatisfied", "2", "3", "4", "5 - Very satisfied"]
    often = ["1 - 2 times a month", "3 - 4 times a month", "5 or more times a month"]
    added = [("sAtIsFiEd001", "How satisfied were you with the city's services?", satisfaction),
             ("oFtEn0000001", "How often do you visit the city centre?", often)]  # fmt: skip
    form = load("retrieve_responses_example_form.json")
    form["fields"] += [{"id": fid, "ref": fid, "title": title, "type": "multiple_choice",
                        "properties": {"choices": [{"id": f"{fid}{n}", "label": label} for n, label in enumerate(labels)]}}
                       for fid, title, labels in added]  # fmt: skip
    page = load("retrieve_responses_example.json")
    answered = [item for item in page["items"] if item.get("answers")]
    picks = [("5 - Very satisfied", often[0]), ("1 - Very dissatisfied", often[2]), ("4", often[1])][: len(answered)]
    for item, chosen in zip(answered, picks, strict=True):
        item["answers"] += [{"field": {"id": fid, "ref": fid, "type": "multiple_choice"}, "type": "choice",
                             "choice": {"label": label}} for (fid, _, _), label in zip(added, chosen)]  # fmt: skip
    result, _ = serve(tmp_path, form, page, questions={"my_custom_short_text_reference": {"ignore": True}})
    assert (result.status, result.written, result.quarantined) == ("success", 3, 0), result.error
    numbers = sorted(int(label.split(" ")[0]) for label, _ in picks)
    category = {1: "dissatisfied", 2: "dissatisfied", 3: "neutral", 4: "satisfied", 5: "satisfied"}  # top two of five
    assert query(tmp_path, "SELECT metric, value, scale_min, scale_max, normalized, category FROM feedback_scores "
                           "WHERE question_id = 'sAtIsFiEd001' ORDER BY value") == [
        ("csat", float(n), 1.0, 5.0, (n - 1) / 4 * 100, category[n]) for n in numbers
    ]  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = 'oFtEn0000001'") == [(0,)]


@pytest.mark.parametrize("numbering", ["none", "one apart", "with gaps"])
@pytest.mark.parametrize("kind", ["dropdown", "multiple_choice"])
def test_a_choice_that_scores_nothing_is_stored_as_google_forms_stores_it(tmp_path, kind, numbering):
    """The reference's dropdown "Why did you move there?" — answered, as Typeform documents, with
    `text` — and the same field as a multiple_choice (answered with `choice`), its options as given or
    numbered. The wording names no metric, so nothing is scored; as Google Forms stores a RADIO or
    DROP_DOWN answer (`question_metrics.option_values`), options whole and one apart ("1 - Job
    opportunities" … "3 - Family") are stored as the number shown, gapped ones ("1 -", "3 -", "5 -")
    and words as written — and the chosen option is the label either way. A dropdown's label was
    None unless its options were numbered: the answer's `text` is the option chosen."""
    form, page = load("retrieve_responses_example_form.json"), load("retrieve_responses_example.json")
    [field] = [f for f in form["fields"] if f["id"] == "hVONkQcnSNRj"]
    words = [choice["label"] for choice in field["properties"]["choices"]]
    step = {"none": 0, "one apart": 1, "with gaps": 2}[numbering]
    shown = {label: f"{1 + step * n} - {label}" if step else label for n, label in enumerate(words)}
    field["type"] = kind
    for choice in field["properties"]["choices"]:
        choice["label"] = shown[choice["label"]]
    chosen = {}
    for item in page["items"]:
        for answer in item.get("answers") or []:
            if answer["field"]["id"] == "hVONkQcnSNRj":
                option = shown[answer.pop("text")]
                answer["field"]["type"] = kind
                answer.update({"text": option} if kind == "dropdown" else {"type": "choice", "choice": {"label": option}})
                chosen[f"lR6F4j|{item.get('response_id') or item['landing_id']}"] = option
    result, _ = serve(tmp_path, form, page, questions={"my_custom_short_text_reference": {"ignore": True}})
    assert (result.status, result.written, result.quarantined) == ("success", 3, 0), result.error
    assert len(chosen) == 2  # the third response leaves the dropdown out
    stored = {key: record["answers"]["hVONkQcnSNRj"] for key, record in records(tmp_path).items()
              if "hVONkQcnSNRj" in record["answers"]}  # fmt: skip
    number = {option: int(option.split(" - ")[0]) for option in chosen.values()} if numbering == "one apart" else {}
    assert stored == {key: {"text": "Why did you move there?", "value": number.get(option, option), "label": option}
                      for key, option in chosen.items()}  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE question_id = 'hVONkQcnSNRj'") == [(0,)]


def test_a_real_accounts_forms_list_is_read_and_chosen_by_title(tmp_path):
    """pass Culture's recorded GET /forms (three quizzes, one page, titles with an emoji): with no
    forms listed, the forms whose title matches name_pattern are read, in the list's order."""
    listed = load("passculture_forms.json")
    chosen = [form["id"] for form in listed["items"] if form["title"].startswith("Concours")]
    assert len(chosen) == 2
    with fake_api() as api:
        api.route("GET", "/forms")(lambda seen, _: listed)
        api.route("GET", "/forms/(\\w+)")(lambda seen, match: {"id": match[1], "title": "", "fields": []})
        api.route("GET", "/forms/\\w+/responses")(lambda seen, _: {"total_items": 0, "page_count": 0, "items": []})
        result = sync(tmp_path, {"connector": "typeform", "base_url": api.url, "token": "${TYPEFORM_TOKEN}",
                                 "name_pattern": "^Concours"})  # fmt: skip
        asked = api.paths()
    assert (result.status, result.written) == ("success", 0), result.error
    assert asked == ["/forms?page=1&page_size=200", *(f"/forms/{form_id}" for form_id in chosen),
                     *(f"/forms/{form_id}/responses?page_size=1000&response_type=completed" for form_id in chosen)]  # fmt: skip


def test_a_real_form_of_every_field_type_scores_its_nps_and_stars_and_keeps_the_rest(tmp_path):
    """pass Culture's form "Test types" and its one response: an `nps` field, a 10-star `rating`, an
    `opinion_scale` of 11 steps from 0 titled only "Opinion Scale", and an answer to a field the
    definition no longer has."""
    form, page = load("passculture_form_AllTypes.json"), load("passculture_responses_AllTypes.json")
    [response] = page["items"]
    given = {answer["field"]["id"]: answer for answer in response["answers"]}
    [stars] = [field for field in form["fields"] if field["type"] == "rating"]
    nps, rated = given["aTnnmOIKQ1sI"]["number"], given[stars["id"]]["number"]
    result, asked = serve(tmp_path, form, page)
    assert (result.status, result.written, result.quarantined) == ("success", 1, 0), result.error
    assert asked[1] == "/forms/AllTypes/responses?page_size=1000&response_type=completed"  # by the form's own link
    group = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
    assert query(tmp_path, "SELECT metric, question_id, value, scale_min, scale_max, normalized, category "
                           "FROM feedback_scores ORDER BY metric") == [
        ("nps", "aTnnmOIKQ1sI", float(nps), 0.0, 10.0, nps * 10.0, group),
        ("rating", stars["id"], float(rated), 1.0, float(stars["properties"]["steps"]),
         round((rated - 1) / (stars["properties"]["steps"] - 1) * 100, 6), None),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT promoters, passives, detractors, nps FROM nps_by_month") == [(0, 1, 0, 0)]
    [record] = records(tmp_path).values()
    answers = record["answers"]
    assert answers["y6JnBEAUwTL3"]["value"] == given["y6JnBEAUwTL3"]["number"]  # kept, unscored: no metric named
    assert answers["L89x83bmiIzF"] == {"text": given["L89x83bmiIzF"]["field"]["ref"],
                                       "value": given["L89x83bmiIzF"]["choices"]["labels"], "label": None}  # fmt: skip
    assert answers["TJyr1v48AHpy"]["value"] == given["TJyr1v48AHpy"]["text"] == "Second choice"
    assert answers["I4uQIqJBAMp4"]["value"] == given["I4uQIqJBAMp4"]["date"]
    assert answers["hAYANL7tc8LC"]["value"].startswith("hashed:")
    assert "roLXsK1FpiIW" not in answers  # +33 1 23 45 67 89 counts up after the country code: a placeholder, kept nowhere
    assert record["respondent_key"] == answers["hAYANL7tc8LC"]["value"].removeprefix("hashed:")  # the e-mail first
    contact = (given["roLXsK1FpiIW"]["phone_number"], given["hAYANL7tc8LC"]["email"])
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE raw LIKE ? OR raw LIKE ? OR answers LIKE ? "
                           "OR answers LIKE ?", [f"%{value}%" for value in contact * 2]) == [(0,)]  # fmt: skip


def test_a_real_contact_info_block_keys_respondents_by_e_mail_and_keeps_no_names(tmp_path):
    """pass Culture's contest form: a `contact_info` block (first and last name, phone, e-mail)
    answered by four of nine respondents, its parts answered under their own field ids; one
    response answers the yes/no field as a choice. The page is not newest first."""
    form, page = load("passculture_form_aBCdEF12.json"), load("passculture_responses_aBCdEF12.json")
    result, _ = serve(tmp_path, form, page)
    assert (result.status, result.written, result.quarantined) == ("success", 9, 0), result.error
    answered = [{answer["field"]["id"]: answer for answer in item["answers"]} for item in page["items"]]
    e_mails = [given["0cOEe7HgB3wL"]["email"] for given in answered if "0cOEe7HgB3wL" in given]
    parts = ("ZjcVOgBgk94E", "dbgPcGvcsy5F")  # first and last name
    names = [given[part]["text"].strip() for given in answered for part in parts if part in given]
    assert (len(e_mails), len(names)) == (4, 8)
    assert query(tmp_path, "SELECT COUNT(respondent_key), COUNT(DISTINCT respondent_key) FROM feedback") == [(4, 4)]
    for value in e_mails + names:
        assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE raw LIKE ? OR answers LIKE ?",
                     [f"%{value}%"] * 2) == [(0,)], value  # fmt: skip
    found = records(tmp_path)
    assert all(set(parts).isdisjoint(record["answers"]) for record in found.values())
    available = sorted(given["HXMURW9ecHCn"]["choice"]["label"] for given in answered if "HXMURW9ecHCn" in given)
    stored = sorted(record["answers"]["HXMURW9ecHCn"]["value"] for record in found.values()
                    if "HXMURW9ecHCn" in record["answers"])  # fmt: skip
    assert stored == available and available.count("Non") == 2
    beneficiary = [given["fC7aoAXHEfNR"] for given in answered]
    expected = sorted(str(answer["boolean"] if answer["type"] == "boolean" else answer["choice"]["label"]) for answer in beneficiary)
    assert sorted(str(record["answers"]["fC7aoAXHEfNR"]["value"]) for record in found.values()) == expected
    assert expected.count("Oui") == 1  # the yes/no field answered as a choice, kept as answered
    assert {record["language"] for record in found.values()} == {"fr"}
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores") == [(0,)]
    [(state,)] = query(tmp_path, "SELECT cursor FROM sync_state")
    assert json.loads(state) == {"aBCdEF12": {"completed": max(item["submitted_at"] for item in page["items"])}}


def test_a_real_forms_markdown_titles_are_stored_as_plain_question_texts(tmp_path):
    """Typeform writes bold as `*bold*` and italic as `_italic_` (its Create API's reference): pass
    Culture's contest form bolds whole titles and parts of them, one part opening after a word."""
    form, page = load("passculture_form_aBCdEF12.json"), load("passculture_responses_aBCdEF12.json")
    result, _ = serve(tmp_path, form, page)
    assert (result.status, result.written) == ("success", 9), result.error
    texts = dict(query(tmp_path, "SELECT DISTINCT key, json_extract(value, '$.text') FROM feedback, "
                                 "json_each(feedback.answers) ORDER BY key"))  # fmt: skip
    assert texts["fC7aoAXHEfNR"] == "Es-tu bénéficiaire du pass Culture ?"
    assert texts["HXMURW9ecHCn"] == "Es-tu disponible le dimanche 22 septembre à 20h30 ?"
    assert texts["SzSN4dtjlJrO"] == "Où habites-tu ?"
    assert texts["nCUbEqicijfj"] == "Explique-nous pourquoi tu souhaites être sélectionné.e !"
    assert query(tmp_path, "SELECT DISTINCT question_text FROM feedback_comments ORDER BY 1") == [
        ("Explique-nous pourquoi tu souhaites être sélectionné.e !",), ("Où habites-tu ?",)
    ]  # fmt: skip


def test_a_real_contest_forms_comment_is_the_reason_asked_for_not_the_town_asked_first(tmp_path):
    """pass Culture's contest form asks "Où habites-tu ?" (a short text: the respondent's town) before
    "Explique-nous pourquoi …" (a long text): each record's comment is the reason, the town stays
    an answer and a comment of its own."""
    form, page = load("passculture_form_aBCdEF12.json"), load("passculture_responses_aBCdEF12.json")
    result, _ = serve(tmp_path, form, page)
    assert (result.status, result.written) == ("success", 9), result.error
    given = {f"aBCdEF12|{item['response_id']}": {answer["field"]["id"]: answer for answer in item["answers"]}
             for item in page["items"]}  # fmt: skip
    reasons = {key: answers["nCUbEqicijfj"]["text"].strip() if "nCUbEqicijfj" in answers else None
               for key, answers in given.items()}  # fmt: skip
    towns = {answers["SzSN4dtjlJrO"]["text"].strip() for answers in given.values() if "SzSN4dtjlJrO" in answers}
    assert (len(reasons), sum(reason is not None for reason in reasons.values()), len(towns)) == (9, 5, 5)
    found = records(tmp_path)
    assert {key: record["comment"] for key, record in found.items()} == reasons
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments WHERE question_id = 'SzSN4dtjlJrO'") == [(5,)]


def test_the_comment_column_picks_a_field_by_its_ref_and_keeps_it_an_answer(tmp_path):
    """`[columns] comment = <field ref or id>` when the rule cannot tell: here the town, by its ref."""
    form, page = load("passculture_form_aBCdEF12.json"), load("passculture_responses_aBCdEF12.json")
    town = next(field for field in form["fields"] if field["id"] == "SzSN4dtjlJrO")
    result, _ = serve(tmp_path, form, page, columns={"comment": town["ref"]})
    assert (result.status, result.written) == ("success", 9), result.error
    rows = query(tmp_path, "SELECT comment, json_extract(answers, '$.SzSN4dtjlJrO.value') FROM feedback")
    assert [comment for comment, _ in rows] == [answer.strip() if answer else None for _, answer in rows]
    assert sum(comment is not None for comment, _ in rows) == 5
    assert query(tmp_path, "SELECT COUNT(DISTINCT question_id) FROM feedback_comments") == [(2,)]
