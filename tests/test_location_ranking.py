"""Stores ranked by a configurable KPI (issue 17 items 1–2): a hand-built network of seven stores —
customer NPS, mystery-shop visits with criteria, audits — over two quarters, synced into SQLite,
DuckDB, PostgreSQL and Parquet, and location_ranking, location_trend and agent_scorecard checked
against rankings worked out by hand below (ties, a store short of answers, missing components)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from tests.test_population_views import made_database

CUSTOMERS = [  # id, day, store, NPS answer, staff who served
    ("C01", "2025-01-10", "S1", 10, "ana"), ("C02", "2025-01-11", "S1", 10, "ana"), ("C03", "2025-02-12", "S1", 9, "ben"),
    ("C04", "2025-01-10", "S2", 10, None), ("C05", "2025-03-10", "S2", 8, None),
    ("C06", "2025-01-10", "S3", 9, None), ("C07", "2025-02-10", "S3", 7, None),
    ("C08", "2025-01-10", "S4", 6, None), ("C09", "2025-01-11", "S4", 10, None), ("C10", "2025-01-12", "S4", 5, None),
    ("C11", "2025-01-13", "S4", 9, None),
    ("C12", "2025-01-10", "S5", 3, None), ("C13", "2025-01-11", "S5", 4, None),
    ("C14", "2025-01-10", "S6", 10, None),
    ("C15", "2025-01-10", "S7", 9, None), ("C16", "2025-01-11", "S7", 9, None),
    ("C17", "2025-04-10", "S5", 9, None), ("C18", "2025-05-10", "S5", 10, None),
    ("C19", "2025-04-10", "S1", 9, "ana"), ("C20", "2025-04-11", "S1", 6, "ana"),
    ("C21", "2025-04-10", "S4", 7, None), ("C22", "2025-04-11", "S4", 8, None),
]  # fmt: skip
VISITS = [  # id, day, store, staff, total of 40, greeting of 10, cleanliness of 10
    ("V01", "2025-02-01", "S1", "ana", 36, 5, 10), ("V02", "2025-02-01", "S2", None, 32, 10, 2),
    ("V03", "2025-02-02", "S3", None, 32, 8, 8), ("V04", "2025-02-02", "S4", None, 20, 0, 4),
    ("V05", "2025-02-03", "S5", None, 24, 6, 6), ("V06", "2025-02-03", "S6", None, 40, 10, 10),
    ("V07", "2025-05-01", "S5", None, 32, 9, 7), ("V08", "2025-05-01", "S1", "ben", 28, 7, 7),
    ("V09", "2025-05-02", "S4", None, 20, 5, 5),
]  # fmt: skip
AUDITS = [  # id, day, store, points of 50
    ("A01", "2025-03-01", "S1", 45), ("A02", "2025-03-01", "S2", 40), ("A03", "2025-03-01", "S3", 40),
    ("A04", "2025-03-02", "S4", 30), ("A05", "2025-03-02", "S5", 35), ("A06", "2025-03-02", "S6", 50),
    ("A07", "2025-06-01", "S5", 40), ("A08", "2025-06-01", "S1", 35), ("A09", "2025-06-02", "S4", 25),
]  # fmt: skip

RANKING = {
    "period": "quarter",
    "components": {"nps": {"weight": 50, "min_answers": 2}, "mystery_shop": {"weight": 30}, "audit": {"weight": 20}},
}
# Worked out by hand: component scores 0–100 (NPS → (NPS + 100) / 2, points / max · 100), then
# KPI = (50·nps + 30·mystery_shop + 20·audit) / 100.
#   2025-Q1  S1: NPS 10,10,9 → 100 → 100;  36/40 = 90;  45/50 = 90  → 50 + 27 + 18   = 95.0
#            S2: 10,8 → 50 → 75;           32/40 = 80;  40/50 = 80  → 37.5 + 24 + 16 = 77.5
#            S3: 9,7 → 50 → 75;            32/40 = 80;  40/50 = 80  → 77.5 (tied with S2)
#            S4: 6,10,5,9 → 0 → 50;        20/40 = 50;  30/50 = 60  → 25 + 15 + 12   = 52.0
#            S5: 3,4 → −100 → 0;           24/40 = 60;  35/50 = 70  → 0 + 18 + 14    = 32.0
#            S6: one NPS answer (< 2): unranked, short of nps
#            S7: NPS only: unranked, short of mystery_shop and audit
#   2025-Q2  S5: 9,10 → 100 → 100;  32/40 = 80;  40/50 = 80  → 50 + 24 + 16 = 90.0
#            S1: 9,6 → 0 → 50;      28/40 = 70;  35/50 = 70  → 25 + 21 + 14 = 60.0
#            S4: 7,8 → 0 → 50;      20/40 = 50;  25/50 = 50  → 25 + 15 + 10 = 50.0
# Top and bottom 20 %: the places fewer than 0.2 · n of which rank above (below): Q1 has 5
# ranked (1.0): S1 top, S5 bottom; Q2 has 3 (0.6): S5 top, S4 bottom.
EXPECTED = {  # (period, store): (kpi, rank, top, bottom, missing)
    ("2025-Q1", "S1"): (95.0, 1, True, False, None),
    ("2025-Q1", "S2"): (77.5, 2, False, False, None),
    ("2025-Q1", "S3"): (77.5, 2, False, False, None),
    ("2025-Q1", "S4"): (52.0, 4, False, False, None),
    ("2025-Q1", "S5"): (32.0, 5, False, True, None),
    ("2025-Q1", "S6"): (None, None, False, False, "nps"),
    ("2025-Q1", "S7"): (None, None, False, False, "mystery_shop audit"),
    ("2025-Q2", "S5"): (90.0, 1, True, False, None),
    ("2025-Q2", "S1"): (60.0, 2, False, False, None),
    ("2025-Q2", "S4"): (50.0, 3, False, True, None),
}


def write(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if value is None else value for value in row] for row in rows])


def network(folder: Path, ranking: dict[str, Any]) -> dict[str, Any]:
    """The network's files in `folder` and its config as a dict."""
    write(folder / "customers.csv", ["id", "day", "store", "nps", "staff"], CUSTOMERS)
    write(folder / "visits.csv", ["id", "day", "store", "staff", "Score (of 40)", "Greeting (of 10)",
                                  "Cleanliness (of 10)"], VISITS)  # fmt: skip
    write(folder / "audits.csv", ["id", "day", "store", "Points (of 50)"], AUDITS)
    columns = {"id": "id", "submitted_at": "day", "location_id": "store"}
    return {
        "sources": {
            "customers": {"connector": "csv", "path": "customers.csv", "program": "voc",
                          "columns": {**columns, "agent_id": "staff"}, "metrics": [{"column": "nps", "metric": "nps"}]},
            "visits": {"connector": "csv", "path": "visits.csv", "program": "mystery_shop",
                       "columns": {**columns, "agent_id": "staff"},
                       "metrics": [{"column": "Score (of 40)", "metric": "mystery_shop", "scale": [0, 40]},
                                   {"column": "Greeting (of 10)", "metric": "criterion", "scale": [0, 10]},
                                   {"column": "Cleanliness (of 10)", "metric": "criterion", "scale": [0, 10]}]},
            "audits": {"connector": "csv", "path": "audits.csv", "program": "audit", "columns": columns,
                       "metrics": [{"column": "Points (of 50)", "metric": "audit", "scale": [0, 50]}]},
        },
        "ranking": ranking,
    }  # fmt: skip


def synced(folder: Path, url: str, ranking: dict[str, Any]):
    config = config_from_dict(network(folder, ranking), create_host(), path=folder / "cxbridge.toml")
    result = cxbridge.sync(config, destination=url)
    assert result.exit_code == 0
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
    destination.open(read_only=True)
    return destination


@pytest.fixture(scope="module", params=["sqlite", "duckdb", "postgresql", "parquet"])
def engine(request, tmp_path_factory) -> str:
    return request.param


def url_for(engine: str, folder: Path, request) -> str:
    if engine == "postgresql":
        return made_database(request.getfixturevalue("postgres_url"), folder.name)
    return {"sqlite": f"sqlite:///{folder / 'cx.db'}", "duckdb": f"duckdb:///{folder / 'cx.duckdb'}",
            "parquet": f"parquet:///{folder / 'lake'}"}[engine]  # fmt: skip


@pytest.fixture(scope="module")
def ranked(engine, request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"network-{engine}")
    destination = synced(folder, url_for(engine, folder, request), RANKING)
    yield destination.query
    destination.close()


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def test_the_ranking_is_the_one_worked_out_by_hand(ranked):
    rows = ranked("SELECT * FROM location_ranking")
    actual = {(r["period"], r["location_id"]): (number(r["kpi"]), r["rank"], bool(r["is_top"]), bool(r["is_bottom"]),
                                                r["missing"]) for r in rows}  # fmt: skip
    assert actual == EXPECTED


def test_components_and_their_answers_are_shown_beside_the_kpi(ranked):
    [s4] = ranked("SELECT * FROM location_ranking WHERE period = '2025-Q1' AND location_id = 'S4'")
    assert (s4["nps_answers"], number(s4["nps"]), number(s4["nps_score"])) == (4, 0.0, 50.0)
    assert (s4["mystery_shop_answers"], number(s4["mystery_shop_score"])) == (1, 50.0)
    assert (s4["audit_answers"], number(s4["audit_score"])) == (1, 60.0)
    assert (s4["csat_answers"], s4["csat_score"], s4["enps_answers"], s4["enps"]) == (0, None, 0, None)
    assert s4["ranked_locations"] == 5


def test_criteria_are_scored_beside_the_visit_total_never_into_it(ranked):
    """S1's visit scored 36 of 40 (90) with a greeting of 5 of 10: the visit score stays 90, and
    its two criteria are rows of their own metric."""
    [s1] = ranked("SELECT mystery_shop_score FROM location_ranking WHERE period = '2025-Q1' AND location_id = 'S1'")
    assert number(s1["mystery_shop_score"]) == 90.0
    criteria = ranked("SELECT s.question_text, s.normalized FROM feedback_scores s JOIN feedback f "
                      "ON f.record_id = s.record_id WHERE f.source_record_id = 'V01' AND s.metric = 'criterion'")
    assert sorted((r["question_text"], number(r["normalized"])) for r in criteria) == [
        ("Cleanliness (of 10)", 100.0), ("Greeting (of 10)", 50.0)
    ]


def test_the_trend_says_whether_last_periods_bottom_stores_improved(ranked):
    rows = {r["location_id"]: r for r in ranked("SELECT * FROM location_trend WHERE period = '2025-Q2'")}
    assert set(rows) == {"S1", "S2", "S3", "S4", "S5", "S6", "S7"}  # stores of either quarter
    s5 = rows["S5"]  # bottom in Q1 at 32.0, first in Q2 at 90.0
    assert (s5["previous_period"], number(s5["previous_kpi"]), number(s5["kpi"])) == ("2025-Q1", 32.0, 90.0)
    assert (bool(s5["was_bottom"]), bool(s5["improved"]), number(s5["kpi_change"]), s5["places_up"]) == (True, True, 58.0, 4)
    s1 = rows["S1"]  # 95.0 → 60.0, first → second
    assert (bool(s1["was_bottom"]), bool(s1["improved"]), number(s1["kpi_change"]), s1["places_up"]) == (False, False, -35.0, -1)
    s2 = rows["S2"]  # not measured in Q2
    assert (s2["kpi"], number(s2["previous_kpi"]), s2["improved"]) == (None, 77.5, None)
    assert bool(rows["S4"]["is_bottom"]) and not bool(rows["S4"]["was_bottom"])


def test_agents_are_scored_by_the_visits_and_answers_that_name_them(ranked):
    rows = {(r["period"], r["agent_id"]): r for r in ranked("SELECT * FROM agent_scorecard")}
    assert set(rows) == {("2025-Q1", "ana"), ("2025-Q1", "ben"), ("2025-Q2", "ana"), ("2025-Q2", "ben")}
    ana = rows[("2025-Q1", "ana")]  # V01 36/40; customers C01, C02: 10, 10
    assert (ana["mystery_shop_visits"], number(ana["mystery_shop_score"]), ana["nps_answers"], number(ana["nps"])) == (
        1, 90.0, 2, 100.0)
    ben = rows[("2025-Q2", "ben")]  # V08 28/40, no customer
    assert (ben["mystery_shop_visits"], number(ben["mystery_shop_score"]), ben["nps_answers"], ben["nps"]) == (
        1, 70.0, 0, None)
    ana2 = rows[("2025-Q2", "ana")]  # C19, C20: 9 and 6 → NPS 0
    assert (ana2["mystery_shop_visits"], ana2["nps_answers"], number(ana2["nps"])) == (0, 2, 0.0)


def test_ties_at_the_boundary_are_all_flagged(tmp_path):
    """With 40 %: 0.4 · 5 = 2.0 places, and S2 and S3 share the second: three stores top; from the
    bottom S5 (1) and S4 (2) are the places fewer than 2.0 of which rank below."""
    destination = synced(tmp_path, f"sqlite:///{tmp_path / 'cx.db'}", {**RANKING, "share": 40})
    rows = destination.query("SELECT location_id, is_top, is_bottom FROM location_ranking WHERE period = '2025-Q1'")
    destination.close()
    assert sorted(r["location_id"] for r in rows if r["is_top"]) == ["S1", "S2", "S3"]
    assert sorted(r["location_id"] for r in rows if r["is_bottom"]) == ["S4", "S5"]


def test_a_change_of_ranking_applies_at_the_next_sync(tmp_path):
    """By month and NPS alone (minimum 1): January's S1 (10, 10: NPS 100) ties S2 (10) and S6 (10)."""
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    synced(tmp_path, url, RANKING).close()
    destination = synced(tmp_path, url, {"period": "month", "components": {"nps": {"weight": 1, "min_answers": 1}}})
    rows = destination.query("SELECT location_id, kpi, rank FROM location_ranking WHERE period = '2025-01' ORDER BY location_id")
    destination.close()
    # January by hand: S1 10,10 → 100 → 100; S2 10 → 100; S3 9 → 100; S4 6,10,5,9 → 0 → 50;
    # S5 3,4 → −100 → 0; S6 10 → 100; S7 9,9 → 100
    assert [(r["location_id"], number(r["kpi"]), r["rank"]) for r in rows] == [
        ("S1", 100.0, 1), ("S2", 100.0, 1), ("S3", 100.0, 1), ("S4", 50.0, 6), ("S5", 0.0, 7), ("S6", 100.0, 1),
        ("S7", 100.0, 1),
    ]  # fmt: skip


def test_without_a_ranking_section_stores_rank_by_customers_nps(tmp_path):
    """The default: NPS alone, by month, at least 5 answers — January's S1..S7 have fewer: none ranked."""
    data = network(tmp_path, RANKING)
    del data["ranking"]
    result = cxbridge.sync(config_from_dict(data, create_host(), path=tmp_path / "cxbridge.toml"),
                           destination=f"sqlite:///{tmp_path / 'cx.db'}")  # fmt: skip
    assert result.exit_code == 0
    destination = create_host().destination_class("sqlite")(f"sqlite:///{tmp_path / 'cx.db'}")
    destination.open(read_only=True)
    rows = destination.query("SELECT DISTINCT missing, rank FROM location_ranking WHERE location_id = 'S4'")
    destination.close()
    assert rows == [{"missing": "nps", "rank": None}]


@pytest.mark.parametrize(
    ("ranking", "message"),
    [
        ({"components": {"nsp": {"weight": 50}}}, "ranking.components: unknown component 'nsp'; did you mean 'nps'?"),
        ({"components": {}}, "ranking.components: name at least one component: nps, csat, ces, enps, mystery_shop, audit"),
        ({"components": {"nps": {"weight": 0}}}, "ranking.components.nps.weight: Input should be greater than 0"),
        ({"components": {"nps": {"weight": 1, "min_answers": 0}}},
         "ranking.components.nps.min_answers: Input should be greater than or equal to 1"),
        ({"period": "week"}, "ranking.period: Input should be 'month', 'quarter' or 'wave'"),
        ({"share": 60}, "ranking.share: Input should be less than or equal to 50"),
        ({"top": 20}, "ranking.top: unknown key"),
    ],
)  # fmt: skip
def test_a_bad_ranking_is_a_config_error_naming_the_key(tmp_path, ranking, message):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(network(tmp_path, ranking), create_host(), path=tmp_path / "cxbridge.toml")
    assert message in str(caught.value)


def test_the_documented_queries_answer_as_worked_out(ranked):
    """docs/ranking.md's queries, as users read them: Q1's bottom store S5 improved by 58.0; the
    greeting criterion of S4's two visits (0 and 5 of 10) averages 25.0."""
    from tests.sqlite_runs import documented_query

    improved = ranked(documented_query("- `agent_scorecard` scores", doc="ranking.md"))
    assert [(r["location_name"], number(r["kpi_change"]), bool(r["improved"])) for r in improved] == [(None, 58.0, True)]
    criteria = ranked(documented_query("`metric = \"criterion\"`, one", doc="ranking.md"))
    scores = {(r["location_id"], r["criterion"]): number(r["score"]) for r in criteria}
    assert scores[("S4", "Greeting (of 10)")] == 25.0 and scores[("S1", "Cleanliness (of 10)")] == 85.0
    assert len(scores) == 2 * 6  # six stores were shopped, two criteria each


FLAG_ANSWERS = {  # month: {store: NPS answers}
    "2025-01": {store: [10] * 5 for store in ("S1", "S2", "S3", "S4", "S5")},  # every store tied
    "2025-02": {"S1": [9, 10]},  # a single store ranked
    "2025-03": {"S1": [10, 9], "S2": [9, 9], "S3": [10, 7], "S4": [8, 6], "S5": [5, 9], "S6": [3, 4]},  # tied at the top only
}


def flags_worked_out(answers: dict[str, list[int]], share: float) -> dict[str, tuple[bool, bool]]:
    """Per store: (top, bottom) from the KPIs, (NPS + 100) / 2: flagged when fewer than share · n
    stores rank above (below) it — and neither when that makes it both."""
    kpis = {}
    for store, values in answers.items():
        nps = 100 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)) / len(values)
        kpis[store] = (nps + 100) / 2
    places = share * len(kpis)
    flags = {}
    for store, kpi in kpis.items():
        top = sum(other > kpi for other in kpis.values()) < places
        bottom = sum(other < kpi for other in kpis.values()) < places
        flags[store] = (top and not bottom, bottom and not top)
    return flags


def synced_flag_network(folder: Path, url: str, months: dict[str, dict[str, list[int]]] = FLAG_ANSWERS) -> None:
    """`months` (FLAG_ANSWERS) synced to `url`, ranked by customers' NPS by month, one answer enough, 20 %."""
    rows = [(f"{month}-{store}-{i}", f"{month}-10", store, value)
            for month, stores in months.items() for store, values in stores.items() for i, value in enumerate(values)]
    write(folder / "customers.csv", ["id", "day", "store", "nps"], rows)
    data = {
        "sources": {"customers": {"connector": "csv", "path": "customers.csv", "program": "voc",
                                  "columns": {"id": "id", "submitted_at": "day", "location_id": "store"},
                                  "metrics": [{"column": "nps", "metric": "nps"}]}},
        "ranking": {"period": "month", "share": 20, "components": {"nps": {"weight": 1, "min_answers": 1}}},
    }  # fmt: skip
    assert cxbridge.sync(config_from_dict(data, create_host(), path=folder / "cxbridge.toml"), destination=url).exit_code == 0


def flags_expected() -> dict[tuple[str, str], tuple[bool, bool]]:
    return {(month, store): flags for month, stores in FLAG_ANSWERS.items()
            for store, flags in flags_worked_out(stores, 0.20).items()}  # fmt: skip


def flags_shown(query) -> dict[tuple[str, str], tuple[bool, bool]]:
    rows = query("SELECT period, location_id, is_top, is_bottom FROM location_ranking")
    return {(r["period"], r["location_id"]): (bool(r["is_top"]), bool(r["is_bottom"])) for r in rows}


def test_a_store_the_ranking_cannot_tell_apart_is_neither_top_nor_bottom(engine, request, tmp_path_factory):
    """Every store tied, or one store alone, would be both top and bottom: it is neither; in March
    S1 and S2 tie at the top and S6 is the one at the bottom, as before."""
    folder = tmp_path_factory.mktemp(f"flags-{engine}")
    url = url_for(engine, folder, request)
    synced_flag_network(folder, url)
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
    destination.open(read_only=True)
    shown = flags_shown(destination.query)
    trend = destination.query("SELECT period, location_id, is_bottom FROM location_trend")
    destination.close()
    expected = flags_expected()
    assert shown == expected
    assert expected[("2025-03", "S1")] == expected[("2025-03", "S2")] == (True, False) and expected[("2025-03", "S6")] == (False, True)
    assert {(r["period"], r["location_id"]): bool(r["is_bottom"]) for r in trend if r["is_bottom"] is not None} == {
        key: bottom for key, (_, bottom) in expected.items() if key[0] != "2025-01"
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "parquet"])
def test_a_destination_whose_ranking_flagged_stores_both_ways_gets_it_again(tmp_path, request, kind):
    """location_ranking as cxbridge made it before: the next open makes it again (SQLite 0026, SQL
    0022 migrations; Parquet 0024 writes `_cxbridge/views.sql` again)."""
    from cxbridge.ranking_views import location_ranking
    from tests.local_destinations import destination_maker, view_made_again

    make = destination_maker(kind, tmp_path, request, "flags")
    synced_flag_network(tmp_path, make().url)

    def older(now: str) -> str:  # the flags as worked out before 0026
        return now.replace("r.within_top AND NOT r.within_bottom", "r.within_top").replace(
            "r.within_bottom AND NOT r.within_top", "r.within_bottom")

    with view_made_again(make, "location_ranking", sql=location_ranking, older=older,
                         migration="ranking_flags_apart") as destination:  # fmt: skip
        assert flags_shown(destination.query) == flags_expected()


def scorecard_flags_shown(query) -> dict[str, tuple[bool, bool]]:
    rows = query("SELECT location_id, top_20_pct, bottom_20_pct FROM location_scorecard")
    return {r["location_id"]: (bool(r["top_20_pct"]), bool(r["bottom_20_pct"])) for r in rows}


@pytest.mark.parametrize("month", list(FLAG_ANSWERS))
def test_a_location_the_scorecard_cannot_tell_apart_is_in_neither_20_pct(engine, month, request, tmp_path_factory):
    """location_scorecard ranks all time by NPS, in the KPI's order: one month of FLAG_ANSWERS synced
    alone — every store tied, or one store alone — flags a store that would be in both its top and
    bottom 20% in neither, as location_ranking does; stores tied at one end are all flagged."""
    folder = tmp_path_factory.mktemp(f"scorecard-{engine}-{month}")
    url = url_for(engine, folder, request)
    synced_flag_network(folder, url, {month: FLAG_ANSWERS[month]})
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
    destination.open(read_only=True)
    try:
        shown = scorecard_flags_shown(destination.query)
    finally:
        destination.close()
    assert shown == flags_worked_out(FLAG_ANSWERS[month], 0.20)


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "parquet"])
def test_a_destination_whose_scorecard_flagged_locations_both_ways_gets_it_again(tmp_path, request, kind):
    """location_scorecard as cxbridge made it before: the next open makes it again (SQLite 0027, SQL
    0023 migrations; Parquet 0025 writes `_cxbridge/views.sql` again)."""
    from cxbridge.views import location_scorecard
    from tests.local_destinations import destination_maker, view_made_again

    tied = FLAG_ANSWERS["2025-01"]
    make = destination_maker(kind, tmp_path, request, "scorecard")
    synced_flag_network(tmp_path, make().url, {"2025-01": tied})

    def older(now: str) -> str:  # the flags as worked out before 0027
        return now.replace("within_top AND NOT within_bottom AS", "within_top AS").replace(
            "within_bottom AND NOT within_top AS", "within_bottom AS")

    with view_made_again(make, "location_scorecard", sql=location_scorecard, older=older,
                         migration="scorecard_flags_apart") as destination:  # fmt: skip
        assert scorecard_flags_shown(destination.query) == flags_worked_out(tied, 0.20)


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "parquet"])
def test_a_destination_whose_ranking_counted_places_as_floats_gets_it_again(tmp_path, request, kind):
    """location_ranking as cxbridge made it before 2026-12-07 compared the places above a store
    with share / 100.0 · n as floats: at 28 % of 25 stores (7.000000000000001 places) the 8th store
    was top too. The next open makes it again (SQLite 0033, SQL 0028 migrations; Parquet 0030
    writes `_cxbridge/views.sql` again), and 7 stores are top, 7 bottom."""
    import re

    from cxbridge.ranking_views import location_ranking
    from tests.local_destinations import destination_maker, view_made_again

    stores = 25
    write(tmp_path / "visits.csv", ["id", "day", "store", "points"],
          [(f"V{n}", "2025-03-10", f"S{n:03d}", n) for n in range(stores)])  # a score each, none tied
    config = {"sources": {"visits": {"connector": "csv", "path": "visits.csv", "program": "mystery_shop",
                                     "columns": {"id": "id", "submitted_at": "day", "location_id": "store"},
                                     "metrics": [{"column": "points", "metric": "mystery_shop", "scale": [0, 100]}]}},
              "ranking": {"period": "month", "share": 28, "components": {"mystery_shop": {"weight": 1}}}}  # fmt: skip
    make = destination_maker(kind, tmp_path, request, "places")
    assert cxbridge.sync(config_from_dict(config, create_host(), path=tmp_path / "cxbridge.toml"), destination=make().url,
                         host=create_host()).exit_code == 0  # fmt: skip

    def older(now: str) -> str:  # the places as worked out before 0033
        for rank in ("rank", "rank_from_bottom"):
            now = re.sub(rf"\(r\.{rank} - 1\) \* 100 < .*? AS", f"(r.{rank} - 1) < s.share / 100.0 * r.ranked_locations AS", now)
        return now

    def flagged(destination) -> tuple[int, int]:
        rows = destination.query("SELECT is_top, is_bottom FROM location_ranking")
        return sum(bool(r["is_top"]) for r in rows), sum(bool(r["is_bottom"]) for r in rows)

    with view_made_again(make, "location_ranking", sql=location_ranking, older=older,
                         migration="ranking_places_exact") as destination:  # fmt: skip
        assert flagged(destination) == (7, 7)  # 28 % of 25 stores: 7 places, worked out by hand
