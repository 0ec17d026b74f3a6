"""The headline numbers of files and API payloads no one on this project wrote (tests/data/samples,
tests/data/vendor: sources and licences in their READMEs), worked out here from the raw files by
the documented rules — NPS = % promoters (9–10) − % detractors (0–6), CSAT % = share of the top
box(es), half away from zero — and compared with what users read: `cxbridge report` (table and
JSON), `cxbridge status`, the views; and what the summary says of an answer it cannot score."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.metrics import Direction, Scale
from cxbridge.plugins.qualtrics.source import QualtricsSource
from tests.conftest import half_up
from tests.qualtrics_api import ROOT, QualtricsAccount, qualtrics
from tests.qualtrics_api import TOKEN as QUALTRICS_TOKEN
from tests.sqlite_runs import query, sync_source
from tests.test_qualtrics_vendor import LEGACY, definition, export_record
from tests.sqlite_runs import SAMPLES
from tests.test_typeform_vendor import load, serve, token  # noqa: F401 — the fixture

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


def test_a_score_on_six_decimals_rounds_half_away_from_zero_and_so_does_the_mean_of_them(tmp_path):
    """1 point of 512 is 0.1953125 of 100: stored half-even (Python's round) as 0.195312, four
    audits of 1, 1, 1 and 125 points — an exact mean of 6.25 — read 6.2 where docs/report.md
    ("Rounding") promises 6.3, half away from zero, as the same scores on a 0–100 scale read."""
    points = [1, 1, 1, 125]
    lines = ["id,submitted,store,points", *(f"A{n},2025-03-0{n} 10:00,S1,{p}" for n, p in enumerate(points, start=1))]
    (tmp_path / "audits.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = {"connector": "csv", "path": "audits.csv", "program": "audit",
              "columns": {"id": "id", "submitted_at": "submitted", "location_id": "store"},
              "metrics": [{"column": "points", "metric": "audit", "scale": [0, 512]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.status, result.written) == ("success", 4), result.error
    exact = [Fraction(100 * p, 512) for p in points]
    assert exact[0] == Fraction("0.1953125") and sum(exact) / 4 == Fraction("6.25")
    stored = query(tmp_path, "SELECT normalized FROM feedback_scores ORDER BY value, record_id")
    assert stored == [(half_up(score, 6),) for score in sorted(exact)] and stored[0] == (0.195313,)
    [row] = report_json(tmp_path, "--by", "location")
    assert (row["responses"], row["score"]) == (4, half_up(sum(exact) / 4)) == (4, 6.3)
    assert query(tmp_path, "SELECT audit_score FROM location_scorecard") == [(6.3,)]


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
    assert "QID172807689" in csat and "QID172807693" in csat and "sources.uni.questions.<its id>.primary = true" in csat
    assert [w for w in plain.warnings if "ces" in w and "QID172807701" in w and "QID172807698" in w]
    assert not [w for w in chosen.warnings if "csat" in w and "primary" in w]
    for folder, counted in ((tmp_path / "plain", events), (tmp_path / "chosen", overall)):
        [row] = [r for r in report_json(folder) if r["metric"] == "csat"]
        satisfied = sum(value >= 6 for value in counted)  # the top two of seven: Satisfied, Very Satisfied
        assert (row["responses"], row["score"]) == (4, half_up(Fraction(100 * satisfied, 4)))
    [ces] = [r for r in report_json(tmp_path / "chosen") if r["metric"] == "ces"]
    assert ces["score"] == half_up(Fraction(100 * sum(value <= 2 for value in ease), 4)) == 50.0
