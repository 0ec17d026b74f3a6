"""The headline numbers of files and API payloads no one on this project wrote (tests/data/samples,
tests/data/vendor: sources and licences in their READMEs), worked out here from the raw files by
the documented rules — NPS = % promoters (9–10) − % detractors (0–6), CSAT % = share of the top
box(es), half away from zero — and compared with what users read: `cxbridge report` (table and
JSON), `cxbridge status`, the views; and what the summary says of an answer it cannot score."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.scales import Direction, Scale
from cxbridge.plugins.hubspot.source import HubSpotSource
from cxbridge.plugins.qualtrics.source import QualtricsSource
from cxbridge.plugins.questionpro.source import QuestionProSource
from cxbridge.plugins.typeform.source import TypeformSource
from cxbridge.plugins.zendesk.source import ZendeskSource
from tests.conftest import half_up
from tests.hubspot_api import TOKEN as HUBSPOT_TOKEN
from tests.hubspot_api import crm_account, hubspot
from tests.qualtrics_api import ROOT, QualtricsAccount, qualtrics
from tests.qualtrics_api import TOKEN as QUALTRICS_TOKEN
from tests.sqlite_runs import query, sync_source
from tests.test_qualtrics_vendor import LEGACY, definition, export_record
from tests.local_api import fake_api
from tests.questionpro_api import API_KEY as QUESTIONPRO_KEY
from tests.questionpro_api import QuestionProAccount, questionpro
from tests.sqlite_runs import SAMPLES
from tests.html_pages import Page, figure_data, month_before
from tests.test_report_intervals import Z, adjusted_wald, agresti_caffo, wilson
from tests.test_typeform_vendor import load, serve, token  # noqa: F401 — the fixture
from tests.zendesk_api import API_TOKEN as ZENDESK_TOKEN
from tests.zendesk_api import EMAIL as ZENDESK_EMAIL
from tests.zendesk_api import ZendeskAccount, zendesk

VENDOR = Path(__file__).parent / "data" / "vendor"


def report_json(folder: Path, *options: str) -> list[dict]:
    """`cxbridge report --format json` of the folder's cxbridge.db, as a user runs it."""
    shown = CliRunner().invoke(cli, ["report", "--db", str(folder / "cxbridge.db"), "--format", "json", *options])
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.stdout)


def test_typeform_scale_answers_of_fields_the_form_does_not_define_are_named_in_the_summary(tmp_path):
    """Airbyte's recorded response of form kRt99jlK answers an opinion scale and five star ratings
    that the (edited) form no longer defines: without `steps` no scale is known and nothing is
    guessed — but the sync said nothing of six numbers left unscored. Each is named, with the
    override that scores it; so configured, the five ratings score as the file holds them."""
    page = load("airbyte_responses_kRt99jlK.json")
    form = {"id": "kRt99jlK", "title": "Edited form", "fields": [], "_links": {}}
    scales = {a["field"]["id"]: a["number"] for a in page["items"][0]["answers"]
              if a["field"]["type"] in ("opinion_scale", "rating")}  # fmt: skip
    assert len(scales) == 6
    result, _ = serve(tmp_path / "plain", form, page)
    assert (result.status, result.written) == ("success", 1), result.error
    for field_id in scales:
        [warning] = [w for w in result.warnings if f"question {field_id} " in w]
        assert (
            "the form's definition gives no scale" in warning and f"sources.city.questions.{field_id}.metric" in warning
        )
    stars = {fid: n for fid, n in scales.items() if fid != "vV7ISYSgZ94I"}  # vV7ISYSgZ94I is the opinion scale
    configured, _ = serve(
        tmp_path / "configured", form, page, questions={fid: {"metric": "rating", "scale": [1, 5]} for fid in stars}
    )
    assert not [w for w in configured.warnings if "gives no scale" in w and "vV7ISYSgZ94I" not in w]
    assert sorted(
        query(tmp_path / "configured", "SELECT question_id, value, normalized FROM feedback_scores")
    ) == sorted((fid, float(n), 100 * (n - 1) / 4) for fid, n in stars.items())


def sync_audits(folder: Path, points: list[int], most: int) -> None:
    """One store's audits of `points` out of `most`, one a day in March, synced into the folder's cxbridge.db."""
    lines = ["id,submitted,store,points", *(f"A{n:02},2025-03-{n:02} 10:00,S1,{p}" for n, p in enumerate(points, start=1))]
    (folder / "audits.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = {"connector": "csv", "path": "audits.csv", "program": "audit",
              "columns": {"id": "id", "submitted_at": "submitted", "location_id": "store"},
              "metrics": [{"column": "points", "metric": "audit", "scale": [0, most]}]}  # fmt: skip
    result = sync_source(folder, source)
    assert (result.status, result.written) == ("success", len(points)), result.error


def test_a_score_on_six_decimals_rounds_half_away_from_zero_and_so_does_the_mean_of_them(tmp_path):
    """1 point of 512 is 0.1953125 of 100: stored half-even (Python's round) as 0.195312, four
    audits of 1, 1, 1 and 125 points — an exact mean of 6.25 — read 6.2 where docs/report.md
    ("Rounding") promises 6.3, half away from zero, as the same scores on a 0–100 scale read."""
    points = [1, 1, 1, 125]
    sync_audits(tmp_path, points, 512)
    exact = [Fraction(100 * p, 512) for p in points]
    assert exact[0] == Fraction("0.1953125") and sum(exact) / 4 == Fraction("6.25")
    stored = query(tmp_path, "SELECT normalized FROM feedback_scores ORDER BY value, record_id")
    assert stored == [(half_up(score, 6),) for score in sorted(exact)] and stored[0] == (0.195313,)
    [row] = report_json(tmp_path, "--by", "location")
    assert (row["responses"], row["score"]) == (4, half_up(sum(exact) / 4)) == (4, 6.3)
    assert query(tmp_path, "SELECT audit_score FROM location_scorecard") == [(6.3,)]


def test_a_mean_of_stored_scores_a_hair_below_a_tie_reads_as_documented(tmp_path):
    """docs/report.md ("Rounding"): "three 33.333333 and thirteen 0 average 6.2499999375, which
    reads 6.2" — the exact positions (1 point of 3) average 6.25, the stored ones a hair less.
    Sixteen audits of a 3-point scale, through the report and location_scorecard."""
    said = re.search(r"three ([\d.]+) and thirteen 0 average ([\d.]+), which reads (\d+\.\d)",
                     " ".join((Path(__file__).resolve().parents[1] / "docs" / "report.md").read_text(encoding="utf-8").split()))  # fmt: skip
    points = [1] * 3 + [0] * 13
    sync_audits(tmp_path, points, 3)
    stored = half_up(Fraction(100, 3), 6)
    assert query(tmp_path, "SELECT DISTINCT normalized FROM feedback_scores WHERE value = 1") == [(stored,)]
    mean = Fraction(str(stored)) * 3 / 16
    assert said and (float(said[1]), Fraction(said[2])) == (stored, mean) and sum(Fraction(100, 3) * p for p in points) / 16 == Fraction("6.25")
    [row] = report_json(tmp_path, "--by", "location")
    assert (row["responses"], row["score"]) == (16, half_up(mean)) == (16, float(said[3]))
    assert query(tmp_path, "SELECT audit_score FROM location_scorecard") == [(float(said[3]),)]


def test_every_stored_score_is_the_answers_exact_position_to_six_decimals_half_away_from_zero():
    """Ties of the seventh decimal on scales of 512 and 2,560 points, a reversed one, a decimal
    answer on 0–100 (no float holds 12.3456785 exactly), and scales whose positions never end."""
    cases = [(0, 512, range(0, 513, 7), "higher_is_better"), (0, 2560, range(1, 40, 2), "lower_is_better"),
             (0, 100, ["12.3456785", "0.0000005", "99.9999995"], "higher_is_better"), (1, 7, range(1, 8), "higher_is_better"),
             (-103, 103, range(-103, 104, 17), "higher_is_better")]  # fmt: skip
    for low, high, answers, direction in cases:
        scale = Scale(low, high, Direction(direction))
        for answer in answers:
            position = Fraction(answer) if direction == "higher_is_better" else high + low - Fraction(answer)
            exact = (position - low) * 100 / (high - low)
            assert scale.stored_score(float(answer)) == half_up(exact, 6), (low, high, answer)


def test_a_survey_asking_two_questions_of_a_metric_names_the_one_its_column_counts(tmp_path, monkeypatch):
    """ropensci/qualtRics' university survey asks two satisfaction questions — about the
    extracurricular events (QID172807689, in an earlier block) and "Overall, how satisfied …"
    (QID172807693) — and two about ease (QID172807701, QID172807698). The first of each fills the
    record's csat and ces, so the CSAT the report shows is the events' — silently: the summary
    now says which question each column counts, and how to choose another; the one configured
    primary is then counted, with nothing more to say of csat."""
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", QUALTRICS_TOKEN)
    events, overall, ease = [2, 6, 7, 1], [7, 6, 5, 2], [1, 2, 6, 7]  # 1 = Extremely easy: lower is better
    account = QualtricsAccount()
    account.add_survey(LEGACY, "test1")
    account.definitions = {LEGACY: definition(SAMPLES / f"qualtRics_{LEGACY}_survey_definition.json")}
    account.put(LEGACY, *[
        export_record(f"R_{n}", f"2018-01-1{n}T09:00:00Z", {"QID172807689": e, "QID172807693": o,
                                                             "QID172807701": c, "QID172807698": c})
        for n, (e, o, c) in enumerate(zip(events, overall, ease, strict=True))
    ])  # fmt: skip
    source = {"connector": "qualtrics", "api_token": "${QUALTRICS_API_TOKEN}", "surveys": [LEGACY]}
    with qualtrics(account) as api:
        plain = sync_source(tmp_path / "plain", source | {"base_url": api.url + ROOT}, name="uni")
        chosen = sync_source(tmp_path / "chosen", source | {"base_url": api.url + ROOT, "questions": {
            "QID172807693": {"primary": True}}}, name="uni")  # fmt: skip
    [csat] = [w for w in plain.warnings if "csat" in w and "primary" in w]
    assert "QID172807689" in csat and "QID172807693" in csat and "add primary = true under [sources.uni.questions.QID172807689]" in csat
    assert [w for w in plain.warnings if "ces" in w and "QID172807701" in w and "QID172807698" in w]
    assert not [w for w in chosen.warnings if "csat" in w and "primary" in w]
    for folder, counted in ((tmp_path / "plain", events), (tmp_path / "chosen", overall)):
        [row] = [r for r in report_json(folder) if r["metric"] == "csat"]
        satisfied = sum(value >= 6 for value in counted)  # the top two of seven: Satisfied, Very Satisfied
        assert (row["responses"], row["score"]) == (4, half_up(Fraction(100 * satisfied, 4)))
    [ces] = [r for r in report_json(tmp_path / "chosen") if r["metric"] == "ces"]
    assert ces["score"] == half_up(Fraction(100 * sum(value <= 2 for value in ease), 4)) == 50.0


# --- real payloads of four platforms in one destination -------------------------------------

NOW = datetime(2026, 6, 10, tzinfo=timezone.utc)


@pytest.fixture
def platforms(tmp_path, monkeypatch) -> Path:
    """Typeform's reference example, QuestionPro's documented CX response, HubSpot's published
    survey response and Zendesk ratings Airbyte recorded (one received, three only offered),
    synced from 127.0.0.1 into one SQLite file, each as its vendor serves it."""
    for source in (HubSpotSource, QuestionProSource, TypeformSource, ZendeskSource):
        monkeypatch.setattr(source, "sleep", staticmethod(lambda seconds: None))
        monkeypatch.setattr(source, "now", staticmethod(lambda: NOW), raising=False)
    for name, secret in (("QUESTIONPRO_API_KEY", QUESTIONPRO_KEY), ("HUBSPOT_TOKEN", HUBSPOT_TOKEN),
                         ("ZENDESK_API_TOKEN", ZENDESK_TOKEN)):  # fmt: skip
        monkeypatch.setenv(name, secret)
    results = [serve(tmp_path, raw("typeform", "retrieve_responses_example_form.json"), TYPEFORM,
                     questions={"my_custom_short_text_reference": {"ignore": True}})[0]]  # fmt: skip
    account = QuestionProAccount(surveys={6706: "CX", 10719714: "cx import responses api"})
    account.responses = {6706: QUESTIONPRO[:1], 10719714: QUESTIONPRO[1:]}
    csat = {"metric": "csat", "scale": [1, 5]}  # QuestionPro's example does not say; its answers are 3 and 4
    with questionpro(account) as api:
        results.append(sync_source(tmp_path, {"connector": "questionpro", "api_key": "${QUESTIONPRO_API_KEY}",
                                              "surveys": list(account.surveys), "base_url": api.url,
                                              "questions": {"17609222": csat | {"primary": True}, "17609223": csat}},
                                   name="questionpro"))  # fmt: skip
    hubspot_account = crm_account()
    hubspot_account.search = lambda seen, match: (
        {"total": 1, "results": [HUBSPOT]} if match.group(1) == "feedback_submissions" and not seen.json().get("after")
        else {"total": 0, "results": []})  # fmt: skip
    with hubspot(hubspot_account) as api:
        results.append(sync_source(tmp_path, {"connector": "hubspot", "base_url": api.url, "access_token": "${HUBSPOT_TOKEN}",
                                              "companies": False, "contacts": False}, name="crm"))  # fmt: skip
    desk = ZendeskAccount(ratings=ZENDESK)
    desk.filters_scores = False  # the three offered ratings come too, as from an account that does not filter
    with zendesk(desk) as api:
        results.append(sync_source(tmp_path, {"connector": "zendesk", "base_url": api.url, "email": ZENDESK_EMAIL,
                                              "api_token": "${ZENDESK_API_TOKEN}", "start_date": "2009-01-01T00:00:00Z"},
                                   name="support"))  # fmt: skip
    assert [r.status for r in results] == ["success"] * 4, [r.error for r in results]
    return tmp_path


def raw(platform: str, name: str) -> Any:
    return json.loads((VENDOR / platform / name).read_text(encoding="utf-8"))


TYPEFORM = raw("typeform", "retrieve_responses_example.json")
QUESTIONPRO = raw("questionpro", "cx_responses.json")["response"] + [raw("questionpro", "cx_import.json")["response"]]
HUBSPOT = raw("hubspot", "feedback_submission_example.json")
ZENDESK = (raw("zendesk", "satisfaction_ratings_airbyte.json")["satisfaction_ratings"]
           + raw("zendesk", "satisfaction_ratings_offered_airbyte.json"))  # fmt: skip


def answers_in_the_files() -> list[tuple[str, str, str, int | bool]]:
    """(source, month, metric, answer) read from the payloads by hand: the NPS answer as a whole
    0–10 number, a CSAT answer as satisfied or not by the top box(es) of its scale."""
    found = []
    for item in TYPEFORM["items"]:  # the opinion scale of 11 steps from 0, about recommending: NPS
        for answer in item["answers"]:
            if answer["field"]["type"] == "opinion_scale":
                found.append(("city", item["submitted_at"][:7], "nps", answer["number"]))
    for response in QUESTIONPRO:  # "15 Jan, 2020 03:54:44 PM IST"; the answer as shown, not its position
        month = datetime.strptime(response["timestamp"][:12], "%d %b, %Y").strftime("%Y-%m")
        by_text = {q["questionText"][:25]: q["answerValues"][0]["answerText"] for q in response["responseSet"]}
        found.append(("questionpro", month, "nps", int(by_text["How likely is it that you"])))
        if "CSAT1" in by_text:
            found.append(("questionpro", month, "csat", int(by_text["CSAT1"]) >= 4))  # top two of 1–5
    properties = HUBSPOT["properties"]  # CSAT 0, 1, 2: three points, the top box satisfied
    found.append(("crm", HUBSPOT["createdAt"][:7], "csat", int(properties["hs_value"]) == 2))
    for rating in ZENDESK:  # good/bad: two points, the top box satisfied; "offered" is no answer
        if rating["score"] in ("good", "bad"):
            found.append(("support", rating["created_at"][:7], "csat", rating["score"] == "good"))
    return found


def figure(metric: str, values: list) -> Fraction:
    if metric == "nps":
        return Fraction(100 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)), len(values))
    return Fraction(100 * sum(values), len(values))


def interval(metric: str, values: list) -> tuple[float, float]:
    if metric == "nps":
        _, _, low, high = adjusted_wald([1 if v >= 9 else -1 if v <= 6 else 0 for v in values])
    else:
        low, high = (100 * bound for bound in wilson(sum(values), len(values)))
    return half_up(Fraction(repr(low))), half_up(Fraction(repr(high)))


def test_the_files_hold_what_the_checks_need():
    found = answers_in_the_files()
    assert len(found) == 3 + 3 + 1 + 1 and {metric for *_, metric, _ in found} == {"nps", "csat"}
    assert [v for source, _, m, v in found if m == "nps"] == [1, 1, 4, 3, 7]  # QuestionPro's 7 at position 8


def test_the_report_by_month_is_the_one_worked_out_from_the_files(platforms):
    by_month: dict[tuple[str, str], list] = defaultdict(list)
    for _, month, metric, value in answers_in_the_files():
        by_month[month, metric].append(value)
    expected, before = [], {}
    for month, metric in sorted(by_month, key=lambda key: (key[0], ("nps", "csat").index(key[1]))):
        values = by_month[month, metric]
        exact = figure(metric, values)
        previous = before.get(metric)
        expected.append({"month": month, "program": "voc", "metric": metric, "responses": len(values),
                         "score": half_up(exact), **dict(zip(("ci_low", "ci_high"), interval(metric, values))),
                         "previous": previous[0] if previous else None,
                         "change": half_up(exact - previous[1]) if previous else None})  # fmt: skip
        before[metric] = (month, exact)
    shown = [{key: row[key] for key in expected[0]} for row in report_json(platforms, "--by", "month")]
    assert shown == expected
    table = CliRunner().invoke(cli, ["report", "--db", str(platforms / "cxbridge.db"), "--by", "month"]).output
    rows = [[cell.strip() for cell in line.split("│")] for line in table.splitlines() if "│" in line]
    marked = any(r["responses"] < 5 for r in expected)  # the table marks the figures of fewer than 5 answers
    assert rows == [[r["month"], "voc", r["metric"], str(r["responses"]), f"{r['score']:.1f}",
                     *(["yes" if r["responses"] < 5 else ""] if marked else [])] for r in expected]  # fmt: skip


def shown(value: float | None, *, sign: bool = False) -> str:
    """A figure as the page writes it, written here: one decimal, a minus sign (−), + before a rise."""
    if value is None:
        return ""
    size = f"{abs(value):.1f}"
    written = f"−{size}" if value < 0 and size != "0.0" else size
    return f"+{written}" if sign and value > 0 and written != "0.0" else written


OFFSETS = {"IST": timedelta(hours=5, minutes=30), "PST": timedelta(hours=-8)}
"""QuestionPro writes its times with a zone abbreviation: those of its two payloads."""


def record_days() -> list[str]:
    """Each stored record's UTC day (the report's default time zone), from the payloads."""
    days = [item["submitted_at"][:10] for item in TYPEFORM["items"] if item["answers"]]
    for response in QUESTIONPRO:
        stamp, zone = response["timestamp"].rsplit(" ", 1)
        days.append((datetime.strptime(stamp, "%d %b, %Y %I:%M:%S %p") - OFFSETS[zone]).strftime("%Y-%m-%d"))
    days.append(HUBSPOT["createdAt"][:10])
    return sorted(days + [rating["created_at"][:10] for rating in ZENDESK if rating["score"] != "offered"])


def test_every_number_of_the_html_report_is_the_one_worked_out_from_the_files(platforms):
    """`cxbridge report --html` of the payloads: the records and their days, each month's NPS and
    CSAT with its interval, change and significance (table and chart), and the customers and
    cases waiting, all worked out here from the files; no store, so no ranking."""
    page_path = platforms / "report.html"
    done = CliRunner().invoke(cli, ["report", "--db", str(platforms / "cxbridge.db"), "--html", str(page_path)])
    assert done.exit_code == 0, done.output
    html = page_path.read_text(encoding="utf-8")
    page = Page(html)
    days = record_days()
    assert page.counts["records"] == str(len(days)) and f" records, {days[0]} to {days[-1]}" in page.text
    by_month: dict[tuple[str, str], list] = defaultdict(list)
    for _, month, metric, value in answers_in_the_files():
        by_month[metric, month].append(value)
    for metric in ("nps", "csat"):
        want, before = [], None
        for month in sorted(month for m, month in by_month if m == metric):
            values = by_month[metric, month]
            exact = figure(metric, values)
            if metric == "nps":
                centre, se = adjusted_wald([1 if v >= 9 else -1 if v <= 6 else 0 for v in values])[:2]
            else:
                centre, se = agresti_caffo(sum(values), len(values))
            moved = shown(half_up(exact - before[0]), sign=True) if before else ""
            since = before[4] if before and before[4] != month_before(month) else ""  # months without answers between
            tested = before is not None and min(len(values), before[3]) >= 5  # fewer answers: indicative, untested
            flag = "" if not tested else "yes" if abs(centre - before[1]) > Z * math.hypot(se, before[2]) else "no"
            want.append([month, str(len(values)), shown(half_up(exact)), *map(shown, interval(metric, values)), moved, since, flag,
                         "yes" if len(values) < 5 else ""])  # fmt: skip
            before = (exact, centre, se, len(values), month)
        assert page.body(f"trend-voc-{metric}") == want
        *_, line, _ = figure_data(html, f"trend-voc-{metric}")
        assert [[x, shown(y), n] for x, y, (n, *_) in zip(line["x"], line["y"], line["customdata"], strict=True)
                if y is not None] == [[row[0], row[2], int(row[1])] for row in want]  # fmt: skip  (None: a gap)
    detractors = sum(v <= 6 for (metric, _), values in by_month.items() if metric == "nps" for v in values)
    dissatisfied = sum(not v for (metric, _), values in by_month.items() if metric == "csat" for v in values)
    waiting = detractors + dissatisfied  # no record here is both
    assert page.body("detractor-queue") == [["(no store)", str(detractors), str(dissatisfied), str(waiting)]]
    assert page.body("case-queue") == [["(no store)", str(waiting), "0", "0", "0", str(waiting)]]
    assert page.counts["not-followed-up"] == page.counts["cases"] == str(waiting)
    assert "No store is ranked in the period shown" in html and "ranking" not in page.tables


def test_the_trend_note_says_which_figures_have_no_band_as_the_page_draws_them(platforms):
    """The note said "a score or scores all equal show no spread: no band" of every figure, but the
    page draws a band for the payloads' NPS of three equal detractors (2017-09) and of one answer
    (2020-01, −100 outside its band −98.5…48.5) and for each CSAT of one answer: only a mean
    (mystery shop, audit) has none. It now says so, and that an NPS band can leave out the figure."""
    page_path = platforms / "report.html"
    done = CliRunner().invoke(cli, ["report", "--db", str(platforms / "cxbridge.db"), "--html", str(page_path)])
    assert done.exit_code == 0, done.output
    html = page_path.read_text(encoding="utf-8")
    page = Page(html)
    single = [row for name in ("trend-voc-nps", "trend-voc-csat") for row in page.body(name) if row[1] == "1"]
    assert len(single) == 5 and all(row[3] and row[4] for row in single)  # one answer, and a band all the same
    [outside] = [row for row in page.body("trend-voc-nps") if row[0] == "2020-01"]
    assert outside[2:5] == ["−100.0", "−98.5", "48.5"]
    assert "A score or scores all equal show no spread" not in html
    assert "A mystery-shop or audit figure of one score, or of scores all equal, has no spread" in html
    assert "an NPS band can leave out the figure itself" in html


def test_the_views_and_status_count_what_the_files_hold(platforms):
    per_source: dict[tuple[str, str, str], list] = defaultdict(list)
    for source, month, metric, value in answers_in_the_files():
        per_source[source, month, metric].append(value)
    nps = sorted(
        (s, m, len(v), half_up(figure("nps", v))) for (s, m, metric), v in per_source.items() if metric == "nps"
    )
    csat = sorted((s, m, len(v), sum(v), half_up(figure("csat", v))) for (s, m, metric), v in per_source.items()
                  if metric == "csat")  # fmt: skip
    assert query(platforms, "SELECT source, month, responses, nps FROM nps_by_month ORDER BY 1, 2") == nps
    trend = sorted(
        (m, len(v), half_up(sum(Fraction(10 * a) for a in v) / len(v)), half_up(figure("nps", v)))
        for (_, m, metric), v in per_source.items()
        if metric == "nps"
    )  # fmt: skip  (0–10 is 0–100 by ten)
    shown = "SELECT month, responses, avg_normalized, score FROM question_trend WHERE metric = 'nps' ORDER BY 1"
    assert query(platforms, shown) == trend
    assert (
        query(platforms, "SELECT source, month, responses, satisfied, csat_pct FROM csat_by_month ORDER BY 1, 2")
        == csat
    )
    shown = CliRunner().invoke(cli, ["status", "--db", str(platforms / "cxbridge.db"), "--format", "json"])
    runs = {run["source"]: run for run in json.loads(shown.stdout)["runs"]}
    answered = sum(bool(item["answers"]) or item["submitted_at"][:4] != "0001" for item in TYPEFORM["items"])
    received = sum(rating["score"] != "offered" for rating in ZENDESK)
    expected = {"city": (answered, answered, 0), "questionpro": (len(QUESTIONPRO), len(QUESTIONPRO), 0),
                "crm": (1, 1, 0), "support": (len(ZENDESK), received, len(ZENDESK) - received)}  # fmt: skip
    assert {source: (run["records_read"], run["records_written"], run["records_skipped"])
            for source, run in runs.items()} == expected  # fmt: skip
    assert all(run["records_quarantined"] == 0 and run["status"] == "success" for run in runs.values())


QUALTRICS_EXPORTS = ["qualtRics_sample.csv", "qualtRics_sample_legacy.csv", "QualtricsTools_Test_Survey_for_Coded_Comments.csv",
                     "QualtricsTools_No_Basis_for_Evaluation_Insights.csv", "QualtricsTools_No_Basis_for_Evaluation_Legacy.csv"]  # fmt: skip


def responses_in(name: str) -> list[dict[str, str]]:
    """The export's responses read with the csv module: the rows below the header rows that hold
    a response id (R_…), keyed by the second header row (ResponseID, Status, …: the legacy one's
    names; the newer ones' first row has them in English too)."""
    rows = list(csv.reader((SAMPLES / name).read_text(encoding="utf-8-sig").splitlines()))
    names = rows[1] if rows[0][0] == "V1" else rows[0]
    return [dict(zip(names, row)) for row in rows if any(re.fullmatch(r"R_\w{10,}", cell) for cell in row)]


@pytest.mark.parametrize("include_tests", [False, True])
def test_real_qualtrics_exports_import_every_response_and_take_no_answer_for_a_score(tmp_path, include_tests):
    """The five real exports ask no NPS, CSAT or CES question ("how you feel about squash":
    Great / In the middle / Awful; a free text; Like / Dislike grids): nothing is scored, the report
    says so instead of showing a figure, and status counts each file's responses — those Qualtrics
    marks as previews, tests or spam (Status 1, 2, 8) left out unless asked for."""
    db = tmp_path / "cxbridge.db"
    for name in QUALTRICS_EXPORTS:
        options = ["--include-test-responses"] if include_tests else []
        done = CliRunner().invoke(cli, ["import", str(SAMPLES / name), "--db", str(db), "--timezone", "UTC", *options])
        assert done.exit_code == 0 and "✔" in done.output, done.output
    shown = json.loads(CliRunner().invoke(cli, ["status", "--db", str(db), "--format", "json"]).stdout)
    counted = {
        run["source"]: (run["records_read"], run["records_written"], run["records_skipped"]) for run in shown["runs"]
    }
    expected = {}
    for name in QUALTRICS_EXPORTS:
        found = responses_in(name)
        tests = 0 if include_tests else sum(row["Status"] in ("1", "2", "8") for row in found)
        expected[Path(name).stem.lower()] = (len(found), len(found) - tests, tests)
    assert counted == expected and sum(read for read, _, _ in expected.values()) == 1 + 1 + 10 + 15 + 15
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(sum(written for _, written, _ in expected.values()),)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_scores") == [(0,)]
    report = CliRunner().invoke(cli, ["report", "--db", str(db)])
    assert "none with a scored answer" in report.output and "cxbridge inspect FILE" in report.output


def test_the_same_form_asked_of_customers_and_of_staff_gives_two_figures_never_one(tmp_path):
    """Typeform's reference example synced twice, as customers' feedback and as an employee pulse:
    its recommend question is NPS for the one and eNPS for the other (the summary says so), each
    with its three answers — a figure over six answers would mix the populations."""
    form, page = raw("typeform", "retrieve_responses_example_form.json"), TYPEFORM
    ignored = {"my_custom_short_text_reference": {"ignore": True}}
    with fake_api() as api:
        api.route("GET", f"/forms/{form['id']}")(lambda seen, _: form)
        api.route("GET", f"/forms/{form['id']}/responses")(lambda seen, _: page)
        source = {"connector": "typeform", "base_url": api.url, "token": "${TYPEFORM_TOKEN}", "forms": [form["id"]],
                  "questions": ignored}  # fmt: skip
        customers = sync_source(tmp_path, source, name="customers")
        staff = sync_source(tmp_path, source | {"program": "employee"}, name="staff")
    assert [w for w in staff.warnings if "scored as enps" in w] and not [w for w in customers.warnings if "enps" in w]
    values = [a["number"] for item in page["items"] for a in item["answers"] if a["field"]["type"] == "opinion_scale"]
    exact = figure("nps", values)
    shown = [(r["program"], r["metric"], r["responses"], r["score"]) for r in report_json(tmp_path, "--by", "program")]
    assert shown == [("voc", "nps", 3, half_up(exact)), ("employee", "enps", 3, half_up(exact))]
    assert query(tmp_path, "SELECT program, responses FROM nps_by_month") == [("voc", 3)]
    assert query(tmp_path, "SELECT program, responses FROM enps_by_month") == [("employee", 3)]


def test_two_questions_of_a_metric_in_a_survey_without_a_definition_are_named_in_the_summary(tmp_path, monkeypatch):
    """QuestionPro's documented CX response answers "CSAT2" (3) before "CSAT1" (4), both 1–5
    satisfaction questions here, neither marked primary: QuestionPro sends no definition, so each
    record's csat is the first it lists — CSAT2's 3, not satisfied, and the report's CSAT 0 % —
    which only the log said; the summary now does, naming both and the override."""
    monkeypatch.setattr(QuestionProSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUESTIONPRO_API_KEY", QUESTIONPRO_KEY)
    account = QuestionProAccount(surveys={6706: "CX"})
    account.responses = {6706: QUESTIONPRO[:1]}
    csat = {"metric": "csat", "scale": [1, 5]}
    source = {"connector": "questionpro", "api_key": "${QUESTIONPRO_API_KEY}", "surveys": [6706],
              "questions": {"17609222": csat, "17609223": csat}}  # fmt: skip
    with questionpro(account) as api:
        result = sync_source(tmp_path, source | {"base_url": api.url}, name="cx")
    [warning] = [w for w in result.warnings if "neither is configured primary" in w]
    assert (
        "'17609223' and '17609222' both measure csat" in warning
        and 'add primary = true and metric = "csat" under [sources.cx.questions."6706/17609223"]' in warning
    )  # the survey's own key (before 2026-12-07 the question id alone, whose primary was the source's)
    [listed_first] = [q for q in QUESTIONPRO[0]["responseSet"][:1]]
    assert listed_first["questionText"].strip() == "CSAT2"
    first = int(listed_first["answerValues"][0]["answerText"])
    [row] = [r for r in report_json(tmp_path) if r["metric"] == "csat"]
    assert (row["responses"], row["score"]) == (1, half_up(Fraction(100 * (first >= 4), 1))) == (1, 0.0)


def test_the_nps_detail_by_source_counts_each_answer_in_its_group(platforms):
    """`report --metric nps --by source`: QuestionPro's 3 and 7 (at positions 4 and 8) are a
    detractor and a passive; Typeform's 1, 1, 4 three detractors."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for source, _, metric, value in answers_in_the_files():
        if metric == "nps":
            by_source[source].append(value)
    expected = [{"source": source, "program": "voc", "responses": len(values), "promoters": sum(v >= 9 for v in values),
                 "passives": sum(7 <= v <= 8 for v in values), "detractors": sum(v <= 6 for v in values),
                 "nps": half_up(figure("nps", values))} for source, values in sorted(by_source.items())]  # fmt: skip
    shown = report_json(platforms, "--metric", "nps", "--by", "source")
    assert [{key: row[key] for key in expected[0]} for row in shown] == expected
    assert [row["passives"] for row in shown] == [0, 1]
