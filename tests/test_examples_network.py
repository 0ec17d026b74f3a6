"""The example retail network (issue 17 item 5): examples/cxbridge.toml synced into SQLite, and its
ranking, trend, staff scorecard, mystery-shop criteria and case queue checked against figures
worked out here from the example CSV files (Python's csv module and arithmetic, never cxbridge's
metric code) — and the network shows what it is meant to show: twelve stores or more, two
mystery-shop waves, in each wave a tie and a store short of answers, a store missing a
component, and of the bottom stores one that improves and one that does not."""

from __future__ import annotations

import shutil
from collections import defaultdict
from typing import Any

import pytest

import cxbridge
from cxbridge.plugins_host import create_host
from tests.conftest import ROOT
from tests.test_population_views import AUDITS, CSAT_LABELS, CSAT_QUESTION, CUSTOMERS, NPS_QUESTION, VISITS

WEIGHTS = {"nps": 50, "mystery_shop": 30, "audit": 20}  # the example's [ranking], by wave
MIN_ANSWERS = {"nps": 5, "mystery_shop": 1, "audit": 1}
CRITERIA = ("Greeting (of 10)", "Cleanliness (of 10)", "Product knowledge (of 10)", "Checkout (of 10)")


def quarter(day: str) -> str:
    return f"{day[:4]}-Q{(int(day[5:7]) - 1) // 3 + 1}"  # local days: the config reads the times as Warsaw time


def wave_starts() -> list[tuple[str, str]]:
    """Each wave's first day (its first visit or audit) and name, in order."""
    first: dict[str, str] = {}
    for row, day in [(v, v["Visit date"]) for v in VISITS] + [(a, a["Audit date"]) for a in AUDITS]:
        first[row["Wave"]] = min(first.get(row["Wave"], day), day)
    return sorted((day, wave) for wave, day in first.items())


def wave_of_answer(submitted: str) -> str | None:
    """The wave whose days hold a customer's answer: from its first day to the next wave's first
    day (the latest runs on); none before the first wave."""
    held = [wave for day, wave in wave_starts() if day <= submitted[:10]]
    return held[-1] if held else None


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def components() -> dict[tuple[str, str], dict[str, list[float]]]:
    """(wave, store) → each component's answers: NPS as +1/0/−1, visits and audits 0–100."""
    found: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in CUSTOMERS:
        score, wave = int(row[NPS_QUESTION]), wave_of_answer(row["Submitted"])
        if wave:
            found[wave, row["Store ID"]]["nps"].append(1 if score >= 9 else -1 if score <= 6 else 0)
    for row in VISITS:
        found[row["Wave"], row["Store ID"]]["mystery_shop"].append(int(row["Score (of 40)"]) / 40 * 100)
    for row in AUDITS:
        found[row["Wave"], row["Store ID"]]["audit"].append(int(row["Points (of 50)"]) / 50 * 100)
    return found


def expected_ranking() -> dict[tuple[str, str], tuple[float | None, int | None, bool, bool, str | None]]:
    """(wave, store) → KPI, rank, top, bottom, missing components."""
    kpis, missing = {}, {}
    for key, answers in components().items():
        short = [name for name in WEIGHTS if len(answers[name]) < MIN_ANSWERS[name]]
        if short:
            missing[key] = " ".join(short)
            continue
        score = {"nps": (100 + 100 * mean(answers["nps"])) / 2, "mystery_shop": mean(answers["mystery_shop"]),
                 "audit": mean(answers["audit"])}  # fmt: skip
        kpis[key] = round(sum(WEIGHTS[name] * score[name] for name in WEIGHTS) / sum(WEIGHTS.values()) + 1e-9, 1)
    expected: dict[tuple[str, str], tuple[Any, ...]] = {key: (None, None, False, False, short)
                                                         for key, short in missing.items()}  # fmt: skip
    for (period, store), kpi in kpis.items():
        others = [k for (p, _), k in kpis.items() if p == period]
        above, below = sum(k > kpi for k in others), sum(k < kpi for k in others)
        top, bottom = above < 0.2 * len(others), below < 0.2 * len(others)
        expected[period, store] = (kpi, above + 1, top and not bottom, bottom and not top, None)  # both: neither
    return expected


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example project synced into SQLite: a query function over its tables and views."""
    folder = tmp_path_factory.mktemp("example-network")
    shutil.copytree(ROOT / "examples" / "data", folder / "data")
    shutil.copy(ROOT / "examples" / "cxbridge.toml", folder / "cxbridge.toml")
    assert cxbridge.sync(folder / "cxbridge.toml", host=create_host()).exit_code == 0
    destination = create_host().destination_class("sqlite")(f"sqlite:///{folder / 'cxbridge.db'}")
    destination.open(read_only=True)
    yield destination.query
    destination.close()


def test_the_example_network_is_ranked_as_its_files_say(example):
    expected = expected_ranking()
    rows = example("SELECT * FROM location_ranking")
    actual = {(r["period"], r["location_id"]): (r["kpi"], r["rank"], bool(r["is_top"]), bool(r["is_bottom"]),
                                                r["missing"] or None) for r in rows}  # fmt: skip
    assert actual == expected


def test_the_network_shows_ties_short_samples_and_missing_components():
    expected = expected_ranking()
    stores = {row["Store ID"] for row in CUSTOMERS}
    assert len(stores) >= 12
    assert {period for period, _ in expected} == {"2025 wave 1", "2025 wave 2"}
    for period in ("2025 wave 1", "2025 wave 2"):
        ranks = [rank for (p, _), (_, rank, *_) in expected.items() if p == period and rank is not None]
        assert len(ranks) == 11, period  # the stores of the wave less the unranked
        assert len(ranks) > len(set(ranks)), f"two stores share a rank in {period}"
    unranked = {key: missing for key, (kpi, _, _, _, missing) in expected.items() if kpi is None}
    assert unranked == {("2025 wave 1", "S012"): "nps", ("2025 wave 2", "S013"): "nps",
                        ("2025 wave 2", "S011"): "audit"}  # fmt: skip
    for key in (("2025 wave 1", "S012"), ("2025 wave 2", "S013")):  # new stores: answers, too few
        assert 0 < len(components()[key]["nps"]) < MIN_ANSWERS["nps"]
    assert not components()["2025 wave 2", "S011"]["audit"]  # not audited at all


def test_the_trend_follows_the_last_waves_bottom_stores(example):
    expected = expected_ranking()
    bottom = {store for (period, store), (_, _, _, is_bottom, _) in expected.items() if period == "2025 wave 1" and is_bottom}
    rows = {r["location_id"]: r for r in example("SELECT * FROM location_trend WHERE period = '2025 wave 2'")}
    for store in bottom:
        before, now = expected["2025 wave 1", store], expected["2025 wave 2", store]
        row = rows[store]
        assert bool(row["was_bottom"]) and row["previous_kpi"] == before[0] and row["kpi"] == now[0]
        assert row["kpi_change"] == pytest.approx(now[0] - before[0], abs=1e-9)
        assert (row["previous_rank"], row["rank"], row["places_up"]) == (before[1], now[1], before[1] - now[1])
        assert bool(row["improved"]) == (now[0] > before[0])
    assert {bool(rows[store]["improved"]) for store in bottom} == {True, False}, "one improves, one does not"
    assert {store for store, row in rows.items() if row["was_bottom"]} == bottom


def test_the_staff_served_are_scored_by_their_visits(example):
    """agent_scorecard lists the staff the shoppers were served by, in their department."""
    visits: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for row in VISITS:
        key = (row["Wave"], row["Department"], row["Staff served"])
        visits[key].append(int(row["Score (of 40)"]) / 40 * 100)
    rows = example("SELECT * FROM agent_scorecard")
    actual = {(r["period"], r["team"], r["agent_id"]): (r["mystery_shop_visits"], r["mystery_shop_score"]) for r in rows}
    assert actual == {key: (len(scores), round(mean(scores) + 1e-9, 1)) for key, scores in visits.items()}
    shoppers = {row["Shopper"] for row in VISITS}
    assert not shoppers & {agent for _, _, agent in actual}


def test_each_criterion_is_scored_beside_the_visit_total(example):
    """The criteria heatmap's figures (the query of docs/ranking.md): store × criterion, 0–100."""
    from tests.sqlite_runs import documented_query

    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in VISITS:
        assert sum(int(row[name]) for name in CRITERIA) == int(row["Score (of 40)"])  # the sections add up
        for name in CRITERIA:
            scores[row["Store ID"], name].append(int(row[name]) * 10)
    rows = example(documented_query("`metric = \"criterion\"`, one", doc="ranking.md"))
    actual = {(r["location_id"], r["criterion"]): r["score"] for r in rows}
    assert set(actual) == set(scores)
    for key, values in scores.items():
        assert actual[key] == pytest.approx(mean(values)), key
    assert min(CRITERIA, key=lambda name: mean(scores["S003", name])) == "Greeting (of 10)"  # as docs/ranking.md says


def test_visits_and_audits_have_the_wave_of_their_column(example):
    """feedback.wave: a visit's or audit's `Wave` cell; none for customers and employees. Each of
    the two waves falls in one quarter; January's answers, before the first wave, count in none."""
    expected = {row["Visit ID"]: row["Wave"] for row in VISITS} | {row["Audit ID"]: row["Wave"] for row in AUDITS}
    expected |= {row["Response ID"]: None for row in CUSTOMERS}
    rows = example("SELECT source_record_id, wave FROM feedback WHERE program <> 'employee'")
    assert {r["source_record_id"]: r["wave"] for r in rows} == expected
    assert not example("SELECT 1 FROM feedback WHERE program = 'employee' AND wave IS NOT NULL")
    waves: dict[str, set[str]] = defaultdict(set)
    for row in VISITS:
        waves[row["Wave"]].add(quarter(row["Visit date"]))
    assert waves == {"2025 wave 1": {"2025-Q1"}, "2025 wave 2": {"2025-Q2"}}
    assert [day for day, _ in wave_starts()] == ["2025-02-03", "2025-05-05"]
    assert sum(wave_of_answer(row["Submitted"]) is None for row in CUSTOMERS) > 20


def test_detractors_open_cases_with_their_comments(example):
    """Every customer detractor (0–6) or dissatisfied answer (1–2 of 5) is a case to act on."""
    unhappy = {row["Response ID"]: row["What could we do better?"] for row in CUSTOMERS
               if int(row[NPS_QUESTION]) <= 6 or CSAT_LABELS[row[CSAT_QUESTION]] <= 2}  # fmt: skip
    rows = example("SELECT f.source_record_id, q.comment FROM loop_queue q JOIN feedback f ON f.record_id = q.record_id")
    assert {r["source_record_id"]: r["comment"] or "" for r in rows} == unhappy
    assert len(unhappy) > 50 and sum(bool(comment) for comment in unhappy.values()) > 40


def sqlite_shell_lines(rows: list[tuple]) -> list[str]:
    """Rows as the sqlite3 shell prints them: '|' between values, NULL empty, numbers %.15g."""
    def cell(value: Any) -> str:
        return "" if value is None else f"{value:.15g}" if isinstance(value, float) else str(value)

    return ["|".join(cell(value) for value in row) for row in rows]


def test_the_example_outputs_in_docs_ranking_md_are_current(example):
    """docs/ranking.md shows the example's ranking and bottom-store trend as `sqlite3` prints them:
    the lines are the ones worked out here, and the queries shown print them."""
    import re

    page = (ROOT / "docs" / "ranking.md").read_text(encoding="utf-8")
    blocks = re.findall(r'\$ sqlite3 examples/cxbridge.db "(.*?)"\n(.*?)```', page, re.S)
    assert len(blocks) == 2
    names = {row["Store ID"]: row["Store"] for row in CUSTOMERS}
    expected = expected_ranking()
    ranking = [(period, rank, names[store], kpi, missing, int(top), int(bottom))
               for (period, store), (kpi, rank, top, bottom, missing) in expected.items()]  # fmt: skip
    ranking.sort(key=lambda row: (row[0], -1 if row[1] is None else row[1], row[2]))  # NULL ranks first
    bottom = [store for (period, store), found in expected.items() if period == "2025 wave 1" and found[3]]
    trend = [(names[s], expected["2025 wave 1", s][0], expected["2025 wave 2", s][0],
              round(expected["2025 wave 2", s][0] - expected["2025 wave 1", s][0], 1),
              int(expected["2025 wave 2", s][0] > expected["2025 wave 1", s][0])) for s in bottom]  # fmt: skip
    trend.sort(key=lambda row: -row[3])
    for (sql, shown), worked_out in zip(blocks, (ranking, trend), strict=True):
        assert shown.splitlines() == sqlite_shell_lines(worked_out), sql
        assert sqlite_shell_lines([tuple(r.values()) for r in example(sql)]) == shown.splitlines(), sql


def test_the_tie_in_docs_ranking_md_is_the_one_in_the_files():
    """'Lisbon Chiado (NPS 30, mystery shop 90, audit 90) and Warsaw Centrum (NPS 50, 80, 80)' in
    wave 1, 'Lisbon Chiado (NPS 40, 85, 86) and Paris Opéra (NPS 50, 90, 66)' in wave 2."""
    found = components()
    for period, store, figures in (("2025 wave 1", "S007", (30, 90, 90)), ("2025 wave 1", "S001", (50, 80, 80)),
                                   ("2025 wave 2", "S007", (40, 85, 86)), ("2025 wave 2", "S008", (50, 90, 66))):  # fmt: skip
        answers = found[period, store]
        actual = (100 * mean(answers["nps"]), mean(answers["mystery_shop"]), mean(answers["audit"]))
        assert actual == pytest.approx(figures), store
