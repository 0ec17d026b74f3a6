"""Numbers no other test checked against an independent computation (the truth audit): a network
of six stores over two months whose customers answer on two sources with different scales — a
1–5 CSAT (top-2-box) and a 1–7 agreement CES beside a 3-point CSAT (top box) and a 5-point
expectation CES (lower is better) — with copies of some responses under a third source, an
answer off its scale, kiosk times at a month's edge in UTC, an employee pulse, mystery shops and
audits. location_ranking with every component (NPS, CSAT, CES, eNPS, mystery shop, audit),
agent_scorecard's customer columns, location_scorecard, question_trend, `cxbridge report --by
location` and `--by month` of every metric, and the HTML report's ranking are
compared with figures worked out here from the rows written below, never by cxbridge's code, on
SQLite, DuckDB, PostgreSQL, Parquet, the local BigQuery API and Snowflake (fakesnow)."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, redirect_stdout
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli import output
from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from cxbridge.reporting import ReportOptions, report_rows
from tests.html_pages import Page, figure_data
from tests.test_location_ranking import url_for, write
from tests.test_report_intervals import Z, adjusted_wald, agresti_caffo, t_quantile, wilson
from tests.test_snowflake_destination import URL as SNOWFLAKE
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture

TIMEZONE = "Europe/Warsaw"
STORES = ("S1", "S2", "S3", "S4", "S5", "S6")
STAFF = ("ana", "ben", "eva", None)
TEAMS = ("floor", "checkout")
WEIGHTS = {"nps": 30, "csat": 20, "ces": 15, "enps": 10, "mystery_shop": 15, "audit": 10}
MIN_ANSWERS = {"nps": 4, "csat": 4, "ces": 4, "enps": 2, "mystery_shop": 1, "audit": 1}
SHARE = 20


def _network() -> dict[str, list[dict[str, str]]]:
    """The files' rows, from a fixed seed: the same every run."""
    draw = random.Random(20250601)
    store_rows, kiosk, pulse, shops, audits = [], [], [], [], []
    for month in (1, 2):
        for store in STORES:
            for n in range(draw.randint(2, 7)):
                staff = draw.choice(STAFF)
                store_rows.append({
                    "id": f"C{len(store_rows) + 1}", "submitted": f"2025-{month:02d}-{draw.randint(2, 27):02d} 12:{n:02d}",
                    "store": store, "staff": staff or "", "team": draw.choice(TEAMS) if staff else "",
                    "recommend": str(draw.randint(0, 10)), "satisfied": str(draw.randint(1, 5)),
                    "effort": str(draw.randint(1, 7)),
                })  # fmt: skip
            for _ in range(draw.randint(0, 3)):
                kiosk.append({"id": f"K{len(kiosk) + 1}", "submitted": f"2025-{month:02d}-{draw.randint(2, 27):02d}T09:00:00Z",
                              "store": store, "recommend": str(draw.randint(0, 10)), "satisfied": str(draw.randint(1, 3)),
                              "effort": str(draw.randint(1, 5))})  # fmt: skip
            for _ in range(draw.randint(1, 4)):
                pulse.append({"id": f"E{len(pulse) + 1}", "submitted": f"2025-{month:02d}-{draw.randint(2, 27):02d} 08:00",
                              "store": store, "place to work": str(draw.randint(0, 10))})  # fmt: skip
            if (store, month) != ("S6", 2):  # S6 is not shopped in February: short of mystery_shop there
                for _ in range(draw.randint(1, 2)):
                    staff = draw.choice(STAFF[:3])
                    shops.append({"id": f"M{len(shops) + 1}", "submitted": f"2025-{month:02d}-{draw.randint(2, 27):02d} 15:00",
                                  "store": store, "staff": staff, "team": draw.choice(TEAMS),
                                  "points": str(draw.randint(10, 40))})  # fmt: skip
            audits.append({"id": f"A{len(audits) + 1}", "submitted": f"2025-{month:02d}-20 10:00", "store": store,
                           "points": str(draw.randint(20, 50))})  # fmt: skip
    kiosk += [  # 23:30 UTC on a month's last day is the next day in Warsaw: February, then March
        {"id": "K-edge1", "submitted": "2025-01-31T23:30:00Z", "store": "S1", "recommend": "0", "satisfied": "3", "effort": "1"},
        {"id": "K-edge2", "submitted": "2025-02-28T23:30:00Z", "store": "S2", "recommend": "10", "satisfied": "1", "effort": "5"},
    ]  # fmt: skip
    store_rows.append({**store_rows[0], "id": "C-off", "recommend": "11"})  # off the 0–10 scale: quarantined
    copies = [{**row, "recommend": "0", "satisfied": "1", "effort": "1"} for row in store_rows[:6]]  # the same responses
    return {"store": store_rows, "kiosk": kiosk, "copies": copies, "pulse": pulse, "shops": shops, "audits": audits}


DATA = _network()


def _config(folder: Path) -> dict[str, Any]:
    for name, rows in DATA.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    columns = {"id": "id", "submitted_at": "submitted", "location_id": "store"}
    customer_metrics = [{"column": "recommend", "metric": "nps", "question_key": "recommend"},
                        {"column": "satisfied", "metric": "csat", "scale": [1, 5], "question_key": "satisfied"},
                        {"column": "effort", "metric": "ces", "scale": [1, 7], "direction": "higher_is_better",
                         "question_key": "effort"}]  # fmt: skip
    return {
        "settings": {"timezone": TIMEZONE},
        "sources": {
            "store": {"connector": "csv", "path": "store.csv", "program": "voc",
                      "columns": {**columns, "agent_id": "staff", "team": "team"}, "metrics": customer_metrics},
            "copies": {"connector": "csv", "path": "copies.csv", "program": "voc", "same_as": "store",
                       "columns": {**columns, "agent_id": "staff", "team": "team"}, "metrics": customer_metrics},
            "kiosk": {"connector": "csv", "path": "kiosk.csv", "program": "voc", "columns": columns,
                      "metrics": [{"column": "recommend", "metric": "nps", "question_key": "recommend"},
                                  {"column": "satisfied", "metric": "csat", "scale": [1, 3], "question_key": "satisfied"},
                                  {"column": "effort", "metric": "ces", "scale": [1, 5], "direction": "lower_is_better",
                                   "question_key": "effort"}]},  # one question of each metric, over both scales
            "pulse": {"connector": "csv", "path": "pulse.csv", "program": "employee", "columns": columns,
                      "metrics": [{"column": "place to work", "metric": "enps"}]},
            "shops": {"connector": "csv", "path": "shops.csv", "program": "mystery_shop",
                      "columns": {**columns, "agent_id": "staff", "team": "team"},
                      "metrics": [{"column": "points", "metric": "mystery_shop", "scale": [0, 40]}]},
            "audits": {"connector": "csv", "path": "audits.csv", "program": "audit", "columns": columns,
                       "metrics": [{"column": "points", "metric": "audit", "scale": [0, 50]}]},
        },
        "ranking": {"period": "month", "share": SHARE,
                    "components": {name: {"weight": WEIGHTS[name], "min_answers": MIN_ANSWERS[name]} for name in WEIGHTS}},
    }  # fmt: skip


# --- the independent computation -----------------------------------------------------------


def month_of(submitted: str) -> str:
    """The Warsaw month of a time: written without a zone it is Warsaw time already."""
    if submitted.endswith("Z"):
        return datetime.fromisoformat(submitted.replace("Z", "+00:00")).astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m")
    return submitted[:7]


def one_decimal(exact: Fraction) -> float:
    """Half away from zero, of the exact value, as docs/report.md says."""
    sign = -1 if exact < 0 else 1
    return sign * float((Decimal(abs(exact.numerator)) / Decimal(exact.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP))


CSAT_BOXES = {5: ("dissatisfied", "dissatisfied", "neutral", "satisfied", "satisfied"),  # top-2-box
              3: ("dissatisfied", "neutral", "satisfied")}  # top box
CES_BOXES = {7: ("high_effort", "high_effort", "neutral", "neutral", "neutral", "low_effort", "low_effort"),
             5: ("low_effort", "low_effort", "neutral", "high_effort", "high_effort")}  # 1 = much less effort
"""Each answer's box by its value (1 first), as README's metric rules say, written out."""


def customer(row: dict[str, str], *, csat_points: int, ces_points: int) -> dict[str, Any]:
    """A customer's answers: NPS, CSAT box and 0–100, CES box and 0–100 (100 = least effort)."""
    csat, ces = int(row["satisfied"]), int(row["effort"])
    least_effort = ces - 1 if ces_points == 7 else ces_points - ces  # the 7-point agrees, the 5-point expects
    return {"id": row["id"], "store": row["store"], "month": month_of(row["submitted"]), "staff": row.get("staff") or None,
            "team": row.get("team") or None, "nps": int(row["recommend"]),
            "csat_box": CSAT_BOXES[csat_points][csat - 1], "csat": Fraction(100 * (csat - 1), csat_points - 1),
            "ces_box": CES_BOXES[ces_points][ces - 1], "ces": Fraction(100 * least_effort, ces_points - 1)}  # fmt: skip


def answers() -> list[dict[str, Any]]:
    """One entry per counted record: its store, month, staff and its answers. The copies are the
    store's responses (`same_as`), counted once; the 11 is quarantined."""
    found = [customer(row, csat_points=5, ces_points=7) for row in DATA["store"] if row["id"] != "C-off"]
    found += [customer(row, csat_points=3, ces_points=5) for row in DATA["kiosk"]]
    for row in DATA["pulse"]:
        found.append({"store": row["store"], "month": month_of(row["submitted"]), "enps": int(row["place to work"])})
    for row in DATA["shops"]:
        found.append({"store": row["store"], "month": month_of(row["submitted"]), "staff": row["staff"],
                      "team": row["team"], "mystery_shop": Fraction(100 * int(row["points"]), 40)})  # fmt: skip
    for row in DATA["audits"]:
        found.append({"store": row["store"], "month": month_of(row["submitted"]),
                      "audit": Fraction(100 * int(row["points"]), 50)})  # fmt: skip
    return found


def net(values: list[int]) -> Fraction:
    return Fraction(100 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)), len(values))


def mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def components(rows: list[dict[str, Any]]) -> dict[str, tuple[int, Fraction | None]]:
    """Each component's answers and exact 0–100 score."""
    nps = [r["nps"] for r in rows if "nps" in r]
    csat = [r["csat_box"] == "satisfied" for r in rows if "csat_box" in r]
    ces = [r["ces"] for r in rows if "ces" in r]
    enps = [r["enps"] for r in rows if "enps" in r]
    shops = [r["mystery_shop"] for r in rows if "mystery_shop" in r]
    audits = [r["audit"] for r in rows if "audit" in r]
    return {
        "nps": (len(nps), (net(nps) + 100) / 2 if nps else None),
        "csat": (len(csat), Fraction(100 * sum(csat), len(csat)) if csat else None),
        "ces": (len(ces), mean(ces) if ces else None),
        "enps": (len(enps), (net(enps) + 100) / 2 if enps else None),
        "mystery_shop": (len(shops), mean(shops) if shops else None),
        "audit": (len(audits), mean(audits) if audits else None),
    }


def expected_ranking(weights: dict[str, int] = WEIGHTS, least: dict[str, int] = MIN_ANSWERS) -> dict[tuple[str, str], dict[str, Any]]:
    """(month, store) → components, KPI, missing, rank and flags, for a [ranking] of `weights`
    and minimum answers `least`."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        grouped[fact["month"], fact["store"]].append(fact)
    expected = {}
    for key, rows in grouped.items():
        found = components(rows)
        short = [name for name in weights if found[name][0] < least[name]]
        kpi = None if short else sum(weights[n] * found[n][1] for n in weights) / sum(weights.values())
        expected[key] = {"components": found, "kpi": None if kpi is None else one_decimal(kpi),
                         "missing": " ".join(short) or None}  # fmt: skip
    for (month, store), want in expected.items():
        if want["kpi"] is None:
            want.update(rank=None, top=False, bottom=False)
            continue
        others = [w["kpi"] for (m, _), w in expected.items() if m == month and w["kpi"] is not None]
        above, below = sum(k > want["kpi"] for k in others), sum(k < want["kpi"] for k in others)
        top, bottom = above < SHARE / 100 * len(others), below < SHARE / 100 * len(others)
        want.update(rank=above + 1, ranked=len(others), top=top and not bottom, bottom=bottom and not top)
    return expected


def rounded(value: Fraction | None) -> float | None:
    return None if value is None else one_decimal(value)


def number(value: Any) -> float | None:
    return None if value is None else float(value)


# --- the destinations ----------------------------------------------------------------------


def _synced(kind: str, folder: Path, request) -> Iterator[Any]:
    """The network synced into a destination of `kind`: the destination, open to read."""
    config = config_from_dict(_config(folder), create_host(), path=folder / "cxbridge.toml")
    with ExitStack() as stack:
        if kind == "bigquery":  # the local BigQuery API (tests/bigquery_engine.py), as tests/test_waves.py
            from google.oauth2.credentials import Credentials

            from cxbridge import api
            from cxbridge.plugins.bigquery.destination import BigQueryDestination
            from tests.bigquery_api import fake_bigquery
            from tests.bigquery_engine import Engine

            endpoint = stack.enter_context(fake_bigquery(engine=Engine())).url
            opened = partial(BigQueryDestination, "bigquery://acme-cx/audit", credentials=Credentials(token="t"),
                             client_options={"api_endpoint": endpoint})  # fmt: skip
            with pytest.MonkeyPatch.context() as patch:  # for this sync only: later tests' syncs go where they say
                patch.setattr(api, "open_destination", lambda *_, **__: opened())
                result = cxbridge.sync(config, host=create_host())
        elif kind == "snowflake":  # fakesnow, emulated while the fixture lasts
            opened = partial(request.getfixturevalue("snowflake"), "audit")
            result = cxbridge.sync(config, destination=SNOWFLAKE.format(password="pw-123", name="AUDIT"), host=create_host())
        else:
            url = url_for(kind, folder, request)
            result = cxbridge.sync(config, destination=url, host=create_host())
            opened = partial(create_host().destination_class(kind), url, base_dir=folder)
        assert [r.quarantined for r in result.results if r.quarantined] == [1]
        destination = opened()
        destination.open(read_only=True)
        try:
            yield destination
        finally:
            destination.close()


@pytest.fixture(scope="module", params=["sqlite", "duckdb", "postgresql", "parquet", "bigquery", "snowflake"])
def network(request, tmp_path_factory):
    """The network synced once per destination, open to read."""
    yield from _synced(request.param, tmp_path_factory.mktemp(f"audit-{request.param}"), request)


def test_the_data_holds_what_the_checks_need():
    expected = expected_ranking()
    assert {month for month, _ in expected} == {"2025-01", "2025-02", "2025-03"}  # K-edge2 is Warsaw's March 1
    assert any(w["missing"] for w in expected.values()) and sum(w["kpi"] is not None for w in expected.values()) >= 8
    assert any(w["top"] for w in expected.values()) and any(w["bottom"] for w in expected.values())


def test_every_component_of_location_ranking_is_the_one_worked_out_here(network):
    query = network.query
    expected = expected_ranking()
    rows = {(r["period"], r["location_id"]): r for r in query("SELECT * FROM location_ranking")}
    assert set(rows) == set(expected)
    for key, want in expected.items():
        row = rows[key]
        for name, (count, score) in want["components"].items():
            assert (row[f"{name}_answers"], number(row[f"{name}_score"])) == (count, rounded(score)), (key, name)
        nps, enps = want["components"]["nps"][1], want["components"]["enps"][1]
        assert number(row["nps"]) == rounded(None if nps is None else 2 * nps - 100), key
        assert number(row["enps"]) == rounded(None if enps is None else 2 * enps - 100), key
        shown = (number(row["kpi"]), row["missing"], row["rank"], bool(row["is_top"]), bool(row["is_bottom"]))
        assert shown == (want["kpi"], want["missing"], want["rank"], want["top"], want["bottom"]), key


def test_the_agent_scorecard_scores_each_staff_member_by_their_visits_and_customers(network):
    query = network.query
    grouped: dict[tuple[str, str | None, str | None], list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if fact.get("staff") or fact.get("team"):
            grouped[fact["month"], fact.get("team"), fact.get("staff")].append(fact)
    expected = {}
    for key, rows in grouped.items():
        shops = [r["mystery_shop"] for r in rows if "mystery_shop" in r]
        nps = [r["nps"] for r in rows if "nps" in r]
        csat = [r["csat_box"] == "satisfied" for r in rows if "csat_box" in r]
        expected[key] = (len(shops), rounded(mean(shops) if shops else None), len(nps), rounded(net(nps) if nps else None),
                         len(csat), rounded(Fraction(100 * sum(csat), len(csat)) if csat else None))  # fmt: skip
    rows = query("SELECT * FROM agent_scorecard")
    actual = {(r["period"], r["team"], r["agent_id"]): (r["mystery_shop_visits"], number(r["mystery_shop_score"]),
              r["nps_answers"], number(r["nps"]), r["csat_answers"], number(r["csat_pct"])) for r in rows}  # fmt: skip
    assert actual == expected


def report(destination, by: str, metric: str) -> list[dict[str, Any]]:
    """What `cxbridge report --format json --by BY --metric METRIC` prints, read from `destination`."""
    with redirect_stdout(io.StringIO()) as printed:
        output.rows(report_rows(destination, ReportOptions(by=by, metric=metric, intervals=True)), fmt="json")
    return json.loads(printed.getvalue())


def boxes(rows: list[dict[str, Any]], names: tuple[str, ...], key: str) -> list[int]:
    return [sum(r[key] == name for r in rows) for name in names]


def detail(metric: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """`cxbridge report --metric METRIC`'s columns of one row, from its facts."""
    if metric in ("nps", "enps"):
        values = [r[metric] for r in rows]
        promoters, detractors = sum(v >= 9 for v in values), sum(v <= 6 for v in values)
        return {"responses": len(values), "promoters": promoters, "passives": len(values) - promoters - detractors,
                "detractors": detractors, metric: rounded(net(values))}  # fmt: skip
    if metric in ("csat", "ces"):
        names = ("satisfied", "neutral", "dissatisfied") if metric == "csat" else ("low_effort", "neutral", "high_effort")
        counts = boxes(rows, names, f"{metric}_box")
        return {"responses": len(rows), **dict(zip(names, counts, strict=True)),
                f"{names[0] if metric == 'ces' else metric}_pct": rounded(Fraction(100 * counts[0], len(rows))),
                f"{metric}_avg_normalized": rounded(mean([r[metric] for r in rows]))}  # fmt: skip
    scores = [r[metric] for r in rows]
    return {"responses": len(scores), "score": rounded(mean(scores)), "lowest": rounded(min(scores)),
            "highest": rounded(max(scores))}  # fmt: skip


FACT_OF = {"nps": "nps", "csat": "csat_box", "ces": "ces_box", "enps": "enps", "mystery_shop": "mystery_shop", "audit": "audit"}
PROGRAM_OF = {"nps": "voc", "csat": "voc", "ces": "voc", "enps": "employee", "mystery_shop": "mystery_shop",
              "audit": "audit"}  # fmt: skip


@pytest.mark.parametrize("by", ["location", "month"])
@pytest.mark.parametrize("metric", list(FACT_OF))
def test_the_report_of_each_metric_by_store_and_month_is_the_one_worked_out_here(network, by, metric):
    """Every column and the 95 % interval. Mixed scales read alike: a kiosk's 3 of 3 is satisfied as a store's 4 or 5 of 5, its 1 or 2
    of a 5-point expectation CES is low effort as a 6 or 7 of the 7-point agreement one."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if FACT_OF[metric] in fact:
            grouped[fact["store" if by == "location" else "month"]].append(fact)
    expected = {value: {by: value, "program": PROGRAM_OF[metric], **detail(metric, rows)} for value, rows in grouped.items()}
    printed = report(network, by, metric)
    assert {row[by]: {k: row[k] for k in expected[row[by]]} for row in printed} == expected
    for row in printed:
        low, high = interval(metric, grouped[row[by]])
        assert close(row["ci_low"], low) and close(row["ci_high"], high), (row, low, high)


def interval(metric: str, rows: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """The 95 % interval docs/report.md states, by tests/test_report_intervals.py's own means:
    Rocks's adjusted Wald for NPS and eNPS, Wilson's for the shares, Student's t for means."""
    if metric in ("nps", "enps"):
        return adjusted_wald([1 if r[metric] >= 9 else -1 if r[metric] <= 6 else 0 for r in rows])[2:]
    if metric in ("csat", "ces"):
        favourable = sum(r[FACT_OF[metric]] in ("satisfied", "low_effort") for r in rows)
        return tuple(100 * bound for bound in wilson(favourable, len(rows)))  # type: ignore[return-value]
    scores = [float(r[metric]) for r in rows]
    if len(scores) == 1 or len(set(scores)) == 1:
        return None, None
    m, half = statistics.fmean(scores), t_975(len(scores) - 1) * statistics.stdev(scores) / math.sqrt(len(scores))
    return max(0.0, m - half), min(100.0, m + half)


t_975 = cache(t_quantile)  # integrated anew for each degree of freedom: ≈ 0.1 s each


def close(shown: float | None, exact: float | None) -> bool:
    """To one decimal of the exact bound (which float arithmetic may put a hair either side of a tie)."""
    return shown is None if exact is None else shown is not None and abs(shown - exact) <= 0.05 + 1e-9


def test_location_scorecard_is_the_one_worked_out_here(network):
    query = network.query
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        grouped[fact["store"]].append(fact)
    expected = {}
    for store, rows in grouped.items():
        found = components(rows)
        nps, enps = found["nps"][1], found["enps"][1]
        expected[store] = {"responses": len(rows), "nps_responses": found["nps"][0], "nps": rounded(2 * nps - 100),
                           "csat_pct": rounded(found["csat"][1]), "ces_avg_normalized": rounded(found["ces"][1]),
                           "enps_responses": found["enps"][0], "enps": rounded(2 * enps - 100),
                           "mystery_shop_score": rounded(found["mystery_shop"][1]),
                           "audit_score": rounded(found["audit"][1]), "ranked_by": "nps"}  # fmt: skip
    for want in expected.values():
        others = [w["nps"] for w in expected.values()]
        above, below = sum(k > want["nps"] for k in others), sum(k < want["nps"] for k in others)
        top, bottom = above < 0.2 * len(others), below < 0.2 * len(others)
        want.update(rank=above + 1, top_20_pct=top and not bottom, bottom_20_pct=bottom and not top)
    rows = query("SELECT * FROM location_scorecard")
    shown = {r["location_id"]: {k: number(r[k]) if isinstance(r[k], (float, Decimal)) else r[k] for k in expected[r["location_id"]]}
             for r in rows}  # fmt: skip
    for row in shown.values():
        row["top_20_pct"], row["bottom_20_pct"] = bool(row["top_20_pct"]), bool(row["bottom_20_pct"])
    assert shown == expected


def test_question_trend_follows_each_question_over_both_scales_counting_each_response_once(network):
    """The three questions declared one key each on the store's and the kiosk's scales: per month,
    favourable (promoters, satisfied, low effort) and unfavourable answers, the mean 0–100 and the
    score — NPS, or the share favourable."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if "nps" in fact:  # a customer
            for key in ("recommend", "satisfied", "effort"):
                grouped[key, fact["month"]].append(fact)
    expected = {}
    for (key, month), rows in grouped.items():
        if key == "recommend":
            values = [r["nps"] for r in rows]
            good, bad, normalized = sum(v >= 9 for v in values), sum(v <= 6 for v in values), [Fraction(10 * v) for v in values]
            score = net(values)
        else:
            metric = "csat" if key == "satisfied" else "ces"
            names = ("satisfied", "dissatisfied") if metric == "csat" else ("low_effort", "high_effort")
            good, bad = boxes(rows, names, f"{metric}_box")
            normalized, score = [r[metric] for r in rows], Fraction(100 * good, len(rows))
        expected[key, month] = (len(rows), good, bad, rounded(mean(normalized)), rounded(score))
    rows = network.query("SELECT * FROM question_trend WHERE program = 'voc'")
    actual = {(r["question_key"], r["month"]): (r["responses"], r["favourable"], r["unfavourable"],
                                                number(r["avg_normalized"]), number(r["score"])) for r in rows}  # fmt: skip
    assert actual == expected


def shown(value: float | None, answers: int) -> str:
    """A component's cell on the HTML page: one decimal, a minus sign, its answers."""
    return "– (0)" if value is None else f"{value:.1f} ({answers})".replace("-", "−")


def test_the_html_report_ranks_the_latest_ranked_month_with_every_component(tmp_path):
    """The page's ranking is February's (March has one kiosk answer and no ranked store): each
    store's KPI, CSAT, CES and eNPS beside NPS, mystery shop and audit, and the unranked store;
    the queues count each store's unhappy customers once, by the boxes of their own scale."""
    config = config_from_dict(_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url, host=create_host()).exit_code == 0
    page = Page(cxbridge.report_html(tmp_path / "report.html", destination=url).read_text(encoding="utf-8"))
    february = sorted(((store, want) for (month, store), want in expected_ranking().items() if month == "2025-02"),
                      key=lambda item: (item[1]["rank"] or 0, item[0]))  # fmt: skip
    cells = {store: [shown(rounded(score), count) for count, score in want["components"].values()] for store, want in february}
    assert page.tables["ranking"][0][3:-1] == [f"{name} 0–100 (answers)" for name in
                                               ("NPS", "CSAT", "CES", "eNPS", "mystery shop", "audit")]  # fmt: skip
    assert page.body("ranking") == [
        [str(want["rank"]), store, f"{want['kpi']:.1f}", *cells[store], "top" if want["top"] else "bottom" if want["bottom"] else ""]
        for store, want in february if want["kpi"] is not None
    ]  # fmt: skip
    assert page.body("unranked") == [[store, want["missing"], *cells[store]] for store, want in february if want["kpi"] is None]
    waiting: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # per store: detractors, else dissatisfied
    for fact in answers():
        if "nps" in fact and (fact["nps"] <= 6 or fact["csat_box"] == "dissatisfied"):
            waiting[fact["store"]][fact["nps"] > 6] += 1
    assert {row[0]: row[1:] for row in page.body("detractor-queue")} == {
        store: [str(detractors), str(dissatisfied), str(detractors + dissatisfied)] for store, (detractors, dissatisfied) in waiting.items()}  # fmt: skip
    cases = {row[0]: (row[1], row[-1]) for row in page.body("case-queue")}  # open and not closed: every case is new
    assert cases == {store: (str(sum(counts)),) * 2 for store, counts in waiting.items()}


def figure(value: float | None) -> str:
    """A figure as the page shows it, written here: one decimal, a minus sign (−), never −0.0."""
    if value is None:
        return ""
    size = f"{abs(value):.1f}"
    return f"−{size}" if value < 0 and size != "0.0" else size


def change(value: float | None) -> str:
    return "" if value is None else f"+{figure(value)}" if value > 0 and figure(value) != "0.0" else figure(value)


def places(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"


def estimate(metric: str, rows: list[dict[str, Any]]) -> tuple[Fraction, float, float | None]:
    """The exact figure, and the centre and standard error the change test reads (docs/report.md):
    the adjusted Wald's for NPS and eNPS, Agresti and Caffo's for shares, the mean and s/√n."""
    if metric in ("nps", "enps"):
        values = [r[metric] for r in rows]
        return net(values), *adjusted_wald([1 if v >= 9 else -1 if v <= 6 else 0 for v in values])[:2]
    if metric in ("csat", "ces"):
        favourable = sum(r[FACT_OF[metric]] in ("satisfied", "low_effort") for r in rows)
        return Fraction(100 * favourable, len(rows)), *agresti_caffo(favourable, len(rows))
    scores = [r[metric] for r in rows]
    spread = len(scores) > 1 and len(set(scores)) > 1
    floats = [float(score) for score in scores]
    return mean(scores), statistics.fmean(floats), statistics.stdev(floats) / math.sqrt(len(floats)) if spread else None


def expected_trend(metric: str) -> list[list[str]]:
    """The trend table of one metric by month, each cell worked out here from the rows."""
    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if FACT_OF[metric] in fact:
            months[fact["month"]].append(fact)
    found, before = [], None
    for month in sorted(months):
        rows = months[month]
        exact, centre, se = estimate(metric, rows)
        low, high = interval(metric, rows)
        moved = significant = ""
        small = len(rows) < 5  # indicative: no change from or to it is tested
        if before is not None:
            moved = change(rounded(exact - before[0]))
            if se is not None and before[2] is not None and not (small or before[3]):
                significant = "yes" if abs(centre - before[1]) > Z * math.hypot(se, before[2]) else "no"
        found.append([month, str(len(rows)), figure(rounded(exact)), figure(low), figure(high), moved, significant,
                      "yes" if small else ""])  # fmt: skip
        before = (exact, centre, se, small)
    return found


def local_day(submitted: str) -> str:
    if submitted.endswith("Z"):
        return datetime.fromisoformat(submitted.replace("Z", "+00:00")).astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d")
    return submitted[:10]


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "parquet", "postgresql", "snowflake"])
def test_every_number_of_the_html_report_is_the_one_worked_out_here(tmp_path, request, engine):
    """The page's header (records, first and last day), each program's trend table and chart (responses,
    figure, 95 % bounds, change, significance), the ranking chart's bars and colours, last period's
    bottom stores and the queues' totals, against the rows written above — the copies and the 11 left
    out, as the report leaves them out."""
    config = config_from_dict(_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    if engine == "snowflake":  # fakesnow, emulated while the module's fixture lasts
        request.getfixturevalue("snowflake")
        url = SNOWFLAKE.format(password="pw-123", name="AUDIT_HTML")
    else:
        url = url_for(engine, tmp_path, request)
    assert cxbridge.sync(config, destination=url, host=create_host()).exit_code == 0
    html = cxbridge.report_html(tmp_path / "report.html", destination=url).read_text(encoding="utf-8")
    page = Page(html)
    counted = [row for name, rows in DATA.items() if name != "copies" for row in rows if row["id"] != "C-off"]
    days = sorted(local_day(row["submitted"]) for row in counted)
    assert page.counts["records"] == str(len(counted)) == str(len(answers()))
    assert f" records, {days[0]} to {days[-1]}" in page.text
    for metric, program in PROGRAM_OF.items():
        name = f"trend-{program}-{metric}"
        want = expected_trend(metric)
        assert [row[:2] + row[2:5] for row in page.body(name)] == [row[:5] for row in want], name
        assert [row[5:] for row in page.body(name)] == [row[5:] for row in want], name
        *_, line, _ = figure_data(html, name)
        assert [[month, figure(y), n] for month, y, (n, *_) in zip(line["x"], line["y"], line["customdata"], strict=True)
                if y is not None] == [[row[0], row[2], int(row[1])] for row in want]  # fmt: skip  (None: a gap)
    ranking = expected_ranking()
    february = sorted(((w["rank"], store, w) for (month, store), w in ranking.items() if month == "2025-02" and w["rank"]))
    [bars] = figure_data(html, "ranking-kpi")
    colour = {"top": "#2b8a3e", "bottom": "#c92a2a", "middle": "#868e96"}
    assert list(zip(bars["y"], bars["x"], bars["marker"]["color"], strict=True)) == [
        (store, w["kpi"], colour["top" if w["top"] else "bottom" if w["bottom"] else "middle"])
        for _, store, w in reversed(february)]  # fmt: skip
    was_bottom = sorted(store for (month, store), w in ranking.items() if month == "2025-01" and w["bottom"])
    assert page.body("previous-bottom") == [
        [store, figure(before["kpi"]), figure(now["kpi"]), change(one_decimal(Fraction(str(now["kpi"])) - Fraction(str(before["kpi"])))),
         str(before["rank"]), str(now["rank"]), places(before["rank"] - now["rank"]),
         "yes" if now["kpi"] > before["kpi"] else "no"]
        for store in was_bottom for before, now in [(ranking["2025-01", store], ranking["2025-02", store])]
    ]  # fmt: skip
    unhappy = sum("nps" in fact and (fact["nps"] <= 6 or fact["csat_box"] == "dissatisfied") for fact in answers())
    assert page.counts["not-followed-up"] == page.counts["cases"] == str(unhappy)


def test_the_detractor_queue_holds_each_unhappy_customer_once_by_the_boxes_of_their_scale(network):
    """A detractor (0–6), else a dissatisfied answer — 1–2 of 5, 1 of 3 — is waiting; the copies,
    all detractors, are the store's responses and wait once, as those do."""
    unhappy = {fact["id"]: "detractor" if fact["nps"] <= 6 else "dissatisfied" for fact in answers()
               if "nps" in fact and (fact["nps"] <= 6 or fact["csat_box"] == "dissatisfied")}  # fmt: skip
    rows = network.query("SELECT f.source, f.source_record_id, q.reason FROM detractor_queue q "
                         "JOIN feedback f ON f.record_id = q.record_id")  # fmt: skip
    assert {r["source_record_id"]: r["reason"] for r in rows} == unhappy and len(rows) == len(unhappy)
    assert {r["source"] for r in rows} == {"store", "kiosk"}


def test_the_sync_summary_and_status_count_the_files_rows(tmp_path):
    """Each source's summary — read, written, quarantined, cases opened — and `cxbridge status`'s
    runs, quarantine and copies, worked out from the files: every row is read; the 11 is
    quarantined; each unhappy customer (a detractor, or dissatisfied on their own scale) opens a
    case, the copies none (their responses opened theirs); a second sync of the same files reads
    nothing new."""
    config = config_from_dict(_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    first, again = (cxbridge.sync(config, destination=url, host=create_host()) for _ in range(2))
    unhappy = {source: sum(row["id"] != "C-off" and (int(row["recommend"]) <= 6 or
                                                     CSAT_BOXES[points][int(row["satisfied"]) - 1] == "dissatisfied")
                           for row in DATA[source]) for source, points in (("store", 5), ("kiosk", 3))}  # fmt: skip
    expected = {name: (len(rows), len(rows) - (name == "store"), int(name == "store"), unhappy.get(name, 0)) for name, rows in DATA.items()}
    assert {r.source: (r.read, r.written, r.quarantined, r.cases_opened) for r in first.results} == expected
    assert {(r.read, r.written, r.quarantined) for r in again.results} == {(0, 0, 0)}
    result = CliRunner().invoke(cli, ["status", "-d", url, "--format", "json", "--runs", "2"])
    status = json.loads(result.output)
    runs = [run for run in status["runs"] if run["records_read"]]  # the first sync's; the second read none
    assert {run["source"]: (run["records_read"], run["records_written"], run["records_quarantined"]) for run in runs} == {
        name: counts[:3] for name, counts in expected.items()}  # fmt: skip
    assert [(q["source"], q["records"]) for q in status["quarantine"]] == [("store", 1)]
    assert status["duplicates"] == [{"source": "copies", "copies": len(DATA["copies"])}]


def test_location_trend_follows_each_store_from_month_to_month(network):
    """Each month after the first against the month before, for every store of either: KPI and
    rank then and now, the change of the shown KPIs, places up, and whether a bottom store improved."""
    ranking = expected_ranking()
    months = sorted({month for month, _ in ranking})
    expected = {}
    for before, now in zip(months, months[1:], strict=False):
        for store in {s for m, s in ranking if m in (before, now)}:
            then, later = ranking.get((before, store), {}), ranking.get((now, store), {})
            kpi, previous = later.get("kpi"), then.get("kpi")
            both = kpi is not None and previous is not None
            expected[now, store] = (before, kpi, previous, rounded(Fraction(str(kpi)) - Fraction(str(previous))) if both else None,
                                    later.get("rank"), then.get("rank"),
                                    then["rank"] - later["rank"] if both else None,
                                    bool(then.get("bottom")), kpi > previous if both else None)  # fmt: skip
    rows = network.query("SELECT * FROM location_trend")
    actual = {(r["period"], r["location_id"]): (r["previous_period"], number(r["kpi"]), number(r["previous_kpi"]),
              number(r["kpi_change"]), r["rank"], r["previous_rank"], r["places_up"], bool(r["was_bottom"]),
              None if r["improved"] is None else bool(r["improved"])) for r in rows}  # fmt: skip
    assert actual == expected


def test_csat_and_ces_need_five_answers_unless_told_otherwise(tmp_path):
    """docs/ranking.md: `min_answers` is 5 for csat and ces, 1 for mystery_shop and audit, when
    not given (the pulse has too few answers a store to rank by eNPS at its 5)."""
    weights = {"csat": 2, "ces": 1, "mystery_shop": 1, "audit": 1}
    config = {**_config(tmp_path), "ranking": {"period": "month", "components": {name: {"weight": w} for name, w in weights.items()}}}
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config_from_dict(config, create_host(), path=tmp_path / "cxbridge.toml"), destination=url,
                         host=create_host()).exit_code == 0  # fmt: skip
    expected = expected_ranking(weights, {"csat": 5, "ces": 5, "mystery_shop": 1, "audit": 1})
    assert any(want["missing"] == "csat ces" for want in expected.values()) and any(want["kpi"] for want in expected.values())
    destination = create_host().destination_class("sqlite")(url)
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT * FROM location_ranking")
    finally:
        destination.close()
    assert {(r["period"], r["location_id"]): (number(r["kpi"]), r["missing"], r["rank"], bool(r["is_top"]), bool(r["is_bottom"]))
            for r in rows} == {key: (w["kpi"], w["missing"], w["rank"], w["top"], w["bottom"]) for key, w in expected.items()}  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
@pytest.mark.parametrize(("share", "stores"), [(28, 25), (7, 100), (12.5, 24)])
def test_a_share_of_whole_places_flags_exactly_that_many_stores(tmp_path, request, engine, share, stores):
    """docs/ranking.md: a store is top when fewer than share · n stores rank above it. 28 % of 25
    stores is 7 places — as floats 0.28 · 25 is 7.000000000000001, which took the 8th in too."""
    write(tmp_path / "visits.csv", ["id", "day", "store", "points"],
          [(f"V{n}", "2025-03-10", f"S{n:03d}", n) for n in range(stores)])  # a score each, none tied
    config = {"sources": {"visits": {"connector": "csv", "path": "visits.csv", "program": "mystery_shop",
                                     "columns": {"id": "id", "submitted_at": "day", "location_id": "store"},
                                     "metrics": [{"column": "points", "metric": "mystery_shop", "scale": [0, 100]}]}},
              "ranking": {"period": "month", "share": share, "components": {"mystery_shop": {"weight": 1}}}}  # fmt: skip
    url = url_for(engine, tmp_path, request)
    assert cxbridge.sync(config_from_dict(config, create_host(), path=tmp_path / "cxbridge.toml"), destination=url,
                         host=create_host()).exit_code == 0  # fmt: skip
    destination = create_host().destination_class(engine)(url, base_dir=tmp_path)
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT location_id, is_top, is_bottom FROM location_ranking")
    finally:
        destination.close()
    places = Fraction(str(share)) * stores / 100
    assert places == int(places)  # the boundary falls on a whole place
    top = {f"S{n:03d}" for n in range(stores) if stores - 1 - n < places}  # fewer than share · n above it
    bottom = {f"S{n:03d}" for n in range(stores) if n < places}
    assert ({r["location_id"] for r in rows if r["is_top"]}, {r["location_id"] for r in rows if r["is_bottom"]}) == (top, bottom)
