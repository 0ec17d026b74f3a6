"""A QuestionPro answer that writes its number beside words of a built-in scale ("1 - Very
dissatisfied") whose meaning stands at the other end from its number under the direction in force
— configured, or learnt from the answers before it — is quarantined with the reason and advice a
file's cell gets (`detection.other_way_round`), never scored as its opposite; `cxbridge quarantine
replay` scores it once the direction is set right. Through the local QuestionPro fake, into real
SQLite files."""

from __future__ import annotations

from pathlib import Path

import cxbridge
from tests.questionpro_api import questionpro
from tests.sqlite_runs import query
from tests.test_questionpro_learnt_direction import account, answered, scores
from tests.test_questionpro_source import entry, fixed_clock, sync  # noqa: F401 (an autouse fixture)

QUESTION = "survey 7654321: question 9002 ('How satisfied are you with our service?')"


def refused(text: str, number: int, words: str, other: str) -> str:
    """The reason a file's cell gets, naming the question's override instead of a [[metrics]] entry."""
    return (f"question '9002': answer {text!r} is numbered {number}, but {words!r} is the other end of this csat "
            f"scale: its answers are numbered the other way round; in [sources.support.questions.9002], set "
            f"direction = '{other}', or map its answers under 'labels'")  # fmt: skip


def quarantined(folder: Path) -> list[tuple[str, str]]:
    return query(folder, "SELECT source_record_id, error FROM quarantine ORDER BY 1")


def lower_is_better(api_url: str) -> dict:
    return entry(api_url, questions={"9002": {"metric": "csat", "scale": [1, 5], "direction": "lower_is_better"}})


def test_an_answer_whose_words_contradict_the_configured_direction_is_quarantined_naming_the_other(tmp_path):
    """Question 9002 is configured lower_is_better; "1 - Very dissatisfied" says 1 is the worst
    end. Before, it was scored 1 under lower_is_better — satisfied, normalized 100 — without a word;
    "5 - Very satisfied" likewise dissatisfied. A bare "2" is scored as configured."""
    with questionpro(account("1 - Very dissatisfied", "2", "5 - Very satisfied")) as api:
        result = sync(tmp_path, lower_is_better(api.url))
    assert (result.status, result.written, result.quarantined) == ("success", 1, 2), result.error
    assert scores(tmp_path) == [("70000002", 2, "lower_is_better", 75.0, "satisfied")]
    assert quarantined(tmp_path) == [
        ("70000001", refused("1 - Very dissatisfied", 1, "Very dissatisfied", "higher_is_better")),
        ("70000003", refused("5 - Very satisfied", 5, "Very satisfied", "higher_is_better")),
    ]


def test_a_later_answer_contradicting_the_direction_learnt_is_quarantined_and_still_warned_of(tmp_path):
    """Sync 1 learnt lower-is-better from "1 - Very satisfied"; sync 2 reads "1 - Very dissatisfied"
    and a bare "2". The "2" is scored by the direction learnt; "1 - Very dissatisfied" is quarantined
    — before, it was scored 1 under lower_is_better, the most satisfied answer, with only a warning
    — and the warning naming both answers and what to set stays."""
    qp = account("1 - Very satisfied", "4")
    with questionpro(qp) as api:
        sync(tmp_path, entry(api.url))
        qp.responses[7654321] += answered(["1 - Very dissatisfied", "2"], first=3)
        second = sync(tmp_path, entry(api.url))
    # response 2 read again at the window's edge, unchanged: nothing of it is written
    assert (second.status, second.read, second.written, second.quarantined) == ("success", 3, 1, 1), second.error
    assert quarantined(tmp_path) == [
        ("70000003", refused("1 - Very dissatisfied", 1, "Very dissatisfied", "higher_is_better")),
    ]
    assert [source_record_id for source_record_id, *_ in scores(tmp_path)] == ["70000001", "70000002", "70000004"]
    assert {direction for _, _, direction, _, _ in scores(tmp_path)} == {"lower_is_better"}
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(3, 66.7)]  # 1 and 2 of 1, 4, 2
    assert any(w.startswith(f"{QUESTION}: its answer '1 - Very dissatisfied' numbers the scale opposite to")
               for w in second.warnings), second.warnings  # fmt: skip


def test_a_quarantined_contradicting_answer_is_scored_by_replay_once_the_direction_is_set_right(tmp_path):
    """The answers of question 9002, configured lower_is_better, number the scale worst first: both
    are quarantined. With direction = "higher_is_better" in the config, `cxbridge quarantine replay`
    scores them by their numbers, as a sync under that direction does, and empties the quarantine."""
    with questionpro(account("1 - Very dissatisfied", "5 - Very satisfied")) as api:
        first = sync(tmp_path, lower_is_better(api.url))
        config = tmp_path / "cxbridge.toml"
        config.write_text(
            f'[sources.support]\nconnector = "questionpro"\nbase_url = "{api.url}"\n'
            'api_key = "${QUESTIONPRO_API_KEY}"\nsurveys = [7654321]\n'
            '[sources.support.questions.9002]\nmetric = "csat"\nscale = [1, 5]\ndirection = "higher_is_better"\n',
            encoding="utf-8",
        )  # fmt: skip
        replayed = cxbridge.quarantine_replay(config, destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    assert (first.written, first.quarantined) == (0, 2), first.error
    assert (replayed.results[0].written, replayed.results[0].quarantined) == (2, 0)
    assert scores(tmp_path) == [("70000001", 1, "higher_is_better", 0.0, "dissatisfied"),
                                ("70000002", 5, "higher_is_better", 100.0, "satisfied")]  # fmt: skip
    assert quarantined(tmp_path) == []
