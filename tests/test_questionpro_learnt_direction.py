"""A direction a QuestionPro question takes from its answers ("1 - Very satisfied": lower is
better) holds on the syncs after it and in `cxbridge quarantine replay`: the source's cursor
keeps what was learnt, so the same answer "2" never scores satisfied in one sync and
dissatisfied in the next. Through the local QuestionPro fake, into real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from tests.questionpro_api import QuestionProAccount, qp_response, questionpro
from tests.sqlite_runs import query
from tests.test_questionpro_source import entry, fixed_clock, sync, with_option  # noqa: F401 (an autouse fixture)

QUESTION = "survey 7654321: question 9002 ('How satisfied are you with our service?')"


def answered(labels: list[str], *, first: int = 1) -> list[dict[str, Any]]:
    """Responses `first`, `first` + 1, … (an hour apart), each answering question 9002 with one of
    `labels` (`answerText` as shown, its number the position); the question list gives no options."""
    return [with_option(qp_response(first + n), 9002, label, int(label.split()[0])) for n, label in enumerate(labels)]


def account(*labels: str) -> QuestionProAccount:
    return QuestionProAccount(responses={7654321: answered(list(labels))}, questions={7654321: []})


def scores(folder: Path) -> list[tuple]:
    """Question 9002's scores by response: value, direction, normalized and category."""
    return query(folder, "SELECT f.source_record_id, s.value, s.direction, s.normalized, s.category "
                         "FROM feedback_scores s JOIN feedback f USING (record_id) WHERE s.question_id = '9002' "
                         "ORDER BY 1")  # fmt: skip


def together(folder: Path, *labels: str) -> tuple[list[tuple], list[tuple]]:
    """The scores of one sync that reads every answer `labels` at once, and the responses it quarantines."""
    with questionpro(account(*labels)) as api:
        result = sync(folder, entry(api.url))
    assert result.status == "success", result.error
    return scores(folder), quarantined(folder)


def quarantined(folder: Path) -> list[tuple]:
    return query(folder, "SELECT source_record_id, error FROM quarantine ORDER BY 1")


def test_a_later_sync_of_bare_numbers_scores_them_as_one_sync_of_every_answer_would(tmp_path):
    """Sync 1 reads "1 - Very satisfied" beside bare "4" and "2": lower is better. Sync 2 reads only
    bare numbers (the last response again, at the window's edge, and a new "2" and "5"): the cursor
    kept what sync 1 learnt, so they score as one sync of all five does — CSAT 60 %. Before, sync 2
    read them higher-is-better: the "2" of response 3 turned dissatisfied and CSAT fell to 40 %."""
    qp = account("1 - Very satisfied", "4", "2")
    with questionpro(qp) as api:
        first = sync(tmp_path, entry(api.url))
        qp.responses[7654321] += answered(["2", "5"], first=4)
        second = sync(tmp_path, entry(api.url))
    assert [(r.status, r.read, r.written) for r in (first, second)] == [("success", 3, 3), ("success", 3, 2)]
    assert (scores(tmp_path), []) == together(tmp_path / "together", "1 - Very satisfied", "4", "2", "2", "5")
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(5, 60.0)]
    assert [w for w in second.warnings if "9002" in w] == [
        f"{QUESTION}: read lower_is_better, as its answers write '1 - Very satisfied', labels of the built-in "
        "satisfaction (5 points) scale, and no direction is set; later syncs keep it: to say so in the config, "
        'set direction = "lower_is_better" under [sources.support.questions.9002]'
    ], second.warnings


def test_later_answers_numbering_the_scale_the_other_way_are_warned_of_and_flip_nothing(tmp_path):
    """Sync 1 learnt lower-is-better from "1 - Very satisfied"; sync 2 reads "1 - Very dissatisfied"
    and a bare "2". The direction learnt holds — "2" stays satisfied, no score flips between syncs —
    and the summary names both answers and what to set, in the syncs after it too (the cursor keeps
    the contrary answer), until the config says. Before, sync 2 read the question
    higher-is-better without a word: its "2" dissatisfied, its "1" too. The contrary answer itself
    is quarantined (test_questionpro_contradicting_answers), never scored as the best one."""
    qp = account("1 - Very satisfied", "4")
    with questionpro(qp) as api:
        sync(tmp_path, entry(api.url))
        qp.responses[7654321] += answered(["1 - Very dissatisfied", "2"], first=3)
        second = sync(tmp_path, entry(api.url))
        third = sync(tmp_path, entry(api.url))  # nothing new: response 4 again, at the window's edge
    assert (second.status, third.status, third.written) == ("success", "success", 0), second.error
    assert [w for w in third.warnings if "9002" in w] == [w for w in second.warnings if "9002" in w]
    assert {direction for _, _, direction, _, _ in scores(tmp_path)} == {"lower_is_better"}
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(3, 66.7)]  # 1, 2 of 1, 4, 2
    assert [w for w in second.warnings if "9002" in w] == [
        f"{QUESTION}: its answer '1 - Very dissatisfied' numbers the scale opposite to '1 - Very satisfied', from "
        "which an earlier sync took lower_is_better: still read lower_is_better, so that no score changes between "
        'syncs; if lower is better, set direction = "lower_is_better" under [sources.support.questions.9002] (else '
        '"higher_is_better"), then run cxbridge sync --full-refresh'
    ], second.warnings


def test_a_full_refresh_learns_the_direction_again_from_every_answer(tmp_path):
    """After sync 1 learnt lower-is-better and sync 2 met an answer numbering the scale the other
    way, `--full-refresh` forgets what the cursor kept and decides from every answer at once, as a
    first sync of them does: both ways, so higher-is-better, with the warning that asks for the
    direction — and "1 - Very satisfied", whose words contradict it, quarantined in both."""
    qp = account("1 - Very satisfied", "4")
    with questionpro(qp) as api:
        sync(tmp_path, entry(api.url))
        qp.responses[7654321] += answered(["1 - Very dissatisfied", "2"], first=3)
        sync(tmp_path, entry(api.url))
        again = sync(tmp_path, entry(api.url), full_refresh=True)
    assert again.status == "success", again.error
    labels = ("1 - Very satisfied", "4", "1 - Very dissatisfied", "2")
    assert (scores(tmp_path), quarantined(tmp_path)) == together(tmp_path / "together", *labels)
    assert [source_record_id for source_record_id, _ in quarantined(tmp_path)] == ["70000001"]
    assert {direction for _, _, direction, _, _ in scores(tmp_path)} == {"higher_is_better"}
    assert any("number the scale opposite ways" in w for w in again.warnings), again.warnings


def test_a_cursor_saved_before_it_kept_directions_still_loads_and_the_sync_says_to_refresh(tmp_path):
    """A cursor of the shape saved before (each survey's latest time, nothing learnt) goes on from
    that time — only the response at its edge and the new one are read — and, as it cannot know what
    the syncs before it learnt, the summary says to run a full refresh, once: the cursor it saves
    keeps what this sync learnt."""
    qp = account("1 - Very satisfied", "4")
    with questionpro(qp) as api:
        sync(tmp_path, entry(api.url))
        [(cursor,)] = query(tmp_path, "SELECT cursor FROM sync_state")
        times = {key: value for key, value in json.loads(cursor).items() if key.isdigit()}
        query(tmp_path, "UPDATE sync_state SET cursor = ?", (json.dumps(times),))
        qp.responses[7654321] += answered(["5"], first=3)
        later = sync(tmp_path, entry(api.url))
        next_one = sync(tmp_path, entry(api.url))
    assert times == {"7654321": "2026-03-01T19:00:00"}
    assert (later.status, later.read) == ("success", 2), later.error
    refresh = ("survey 7654321: questions 9002 take their direction from answers written beside numbers, and the "
               "cursor, saved by an earlier release, keeps none the syncs before read: this sync decided from its "
               "own answers alone; run cxbridge sync --full-refresh --source support once to decide from all of them")  # fmt: skip
    assert refresh in later.warnings and refresh not in next_one.warnings, later.warnings


def write_config(folder: Path, api_url: str) -> Path:
    """entry()'s config as cxbridge.toml, with the AST abbreviation named."""
    path = folder / "cxbridge.toml"
    path.write_text(
        f'[sources.support]\nconnector = "questionpro"\nbase_url = "{api_url}"\napi_key = "${{QUESTIONPRO_API_KEY}}"\n'
        'surveys = [7654321]\npage_size = 2\ntimezone_abbreviations = { AST = "+03:00" }\n'
        '[sources.support.columns]\nlocation_id = "custom1"\nemail = "custom2"\n'
        '[sources.support.questions.9002]\nmetric = "csat"\nscale = [1, 5]\n',
        encoding="utf-8",
    )  # fmt: skip
    return path


@pytest.mark.parametrize("quarantined", [0, 1], ids=["the worded answer", "a bare 2"])
def test_a_replayed_response_is_scored_by_the_direction_its_sync_learnt(tmp_path, quarantined):
    """Of "1 - Very satisfied", "2" and "4", one response comes with a zone QuestionPro's
    abbreviations do not name (quarantined); replayed once the config names it, it scores as a sync
    of all three does. Before, replay (no read before it, nothing learnt) read the question
    higher-is-better: the "1 - Very satisfied" or the "2" counted as dissatisfied."""
    labels = ["1 - Very satisfied", "2", "4"]
    qp = account(*labels)
    qp.responses[7654321][quarantined]["timestamp"] = "01 Mar, 2026 11:00:00 AM AST"
    with questionpro(qp) as api:
        first = sync(tmp_path, entry(api.url))
        replayed = cxbridge.quarantine_replay(write_config(tmp_path, api.url),
                                              destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")  # fmt: skip
        synced = tmp_path / "together"
        synced.mkdir()
        cxbridge.sync(write_config(synced, api.url), destination=f"sqlite:///{synced / 'cxbridge.db'}")
    assert (first.written, first.quarantined) == (2, 1), first.error
    assert (replayed.results[0].written, replayed.results[0].quarantined) == (1, 0)
    assert scores(tmp_path) == scores(synced)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(3, 66.7)]
