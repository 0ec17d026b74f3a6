"""Numbers no other test checked against an independent computation (the truth audit): a network
of six stores over two months whose customers answer on two sources with different scales — a
1–5 CSAT (top-2-box) and a 1–7 agreement CES beside a 3-point CSAT (top box) and a 5-point
expectation CES (lower is better) — with copies of some responses under a third source, an
answer off its scale, kiosk times at a month's edge in UTC, an employee pulse, mystery shops and
audits. location_ranking with every component (NPS, CSAT, CES, eNPS, mystery shop, audit),
agent_scorecard's customer columns, location_scorecard and `cxbridge report --by location` are
compared with figures worked out here from the rows written below, never by cxbridge's code."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from tests.test_location_ranking import url_for

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
    customer_metrics = [{"column": "recommend", "metric": "nps"},
                        {"column": "satisfied", "metric": "csat", "scale": [1, 5]},
                        {"column": "effort", "metric": "ces", "scale": [1, 7], "direction": "higher_is_better"}]  # fmt: skip
    return {
        "settings": {"timezone": TIMEZONE},
        "sources": {
            "store": {"connector": "csv", "path": "store.csv", "program": "voc",
                      "columns": {**columns, "agent_id": "staff", "team": "team"}, "metrics": customer_metrics},
            "copies": {"connector": "csv", "path": "copies.csv", "program": "voc", "same_as": "store",
                       "columns": {**columns, "agent_id": "staff", "team": "team"}, "metrics": customer_metrics},
            "kiosk": {"connector": "csv", "path": "kiosk.csv", "program": "voc", "columns": columns,
                      "metrics": [{"column": "recommend", "metric": "nps"},
                                  {"column": "satisfied", "metric": "csat", "scale": [1, 3]},
                                  {"column": "effort", "metric": "ces", "scale": [1, 5], "direction": "lower_is_better"}]},
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


def answers() -> list[dict[str, Any]]:
    """One entry per counted record: its store, month, staff and its answers as facts — group of
    NPS, satisfied or not, CES 0–100 (100 = least effort) and low effort or not, visit or audit
    score 0–100. The copies are the store's responses (`same_as`) and the 11 is quarantined."""
    found = []
    for row in DATA["store"]:
        if row["id"] == "C-off":
            continue
        ces = int(row["effort"])
        found.append({"store": row["store"], "month": month_of(row["submitted"]), "staff": row["staff"] or None,
                      "team": row["team"] or None, "nps": int(row["recommend"]), "satisfied": int(row["satisfied"]) >= 4,
                      "ces": Fraction(100 * (ces - 1), 6), "low_effort": ces >= 6})  # fmt: skip
    for row in DATA["kiosk"]:
        ces = int(row["effort"])
        found.append({"store": row["store"], "month": month_of(row["submitted"]), "staff": None, "team": None,
                      "nps": int(row["recommend"]), "satisfied": row["satisfied"] == "3",
                      "ces": Fraction(100 * (5 - ces), 4), "low_effort": ces <= 2})  # fmt: skip
    for row in DATA["pulse"]:
        found.append({"store": row["store"], "month": month_of(row["submitted"]), "enps": int(row["place to work"])})
    for row in DATA["shops"]:
        found.append({"store": row["store"], "month": month_of(row["submitted"]), "staff": row["staff"],
                      "team": row["team"], "shop": Fraction(100 * int(row["points"]), 40)})  # fmt: skip
    for row in DATA["audits"]:
        found.append({"store": row["store"], "month": month_of(row["submitted"]), "audit": Fraction(100 * int(row["points"]), 50)})
    return found


def net(values: list[int]) -> Fraction:
    return Fraction(100 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)), len(values))


def mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def components(rows: list[dict[str, Any]]) -> dict[str, tuple[int, Fraction | None]]:
    """Each component's answers and exact 0–100 score."""
    nps = [r["nps"] for r in rows if "nps" in r]
    csat = [r["satisfied"] for r in rows if "satisfied" in r]
    ces = [r["ces"] for r in rows if "ces" in r]
    enps = [r["enps"] for r in rows if "enps" in r]
    shops = [r["shop"] for r in rows if "shop" in r]
    audits = [r["audit"] for r in rows if "audit" in r]
    return {
        "nps": (len(nps), (net(nps) + 100) / 2 if nps else None),
        "csat": (len(csat), Fraction(100 * sum(csat), len(csat)) if csat else None),
        "ces": (len(ces), mean(ces) if ces else None),
        "enps": (len(enps), (net(enps) + 100) / 2 if enps else None),
        "mystery_shop": (len(shops), mean(shops) if shops else None),
        "audit": (len(audits), mean(audits) if audits else None),
    }


def expected_ranking() -> dict[tuple[str, str], dict[str, Any]]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        grouped[fact["month"], fact["store"]].append(fact)
    expected = {}
    for key, rows in grouped.items():
        found = components(rows)
        short = [name for name in WEIGHTS if found[name][0] < MIN_ANSWERS[name]]
        kpi = None if short else sum(WEIGHTS[n] * found[n][1] for n in WEIGHTS) / sum(WEIGHTS.values())
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


@pytest.fixture(scope="module", params=["sqlite", "duckdb"])
def network(request, tmp_path_factory):
    """The network synced once per destination: its URL and a query function."""
    folder = tmp_path_factory.mktemp(f"audit-{request.param}")
    url = url_for(request.param, folder, request)
    config = config_from_dict(_config(folder), create_host(), path=folder / "cxbridge.toml")
    result = cxbridge.sync(config, destination=url, host=create_host())
    assert [r.quarantined for r in result.results if r.quarantined] == [1]
    destination = create_host().destination_class(request.param)(url, base_dir=folder)
    destination.open(read_only=True)
    yield url, destination.query
    destination.close()


def test_the_data_holds_what_the_checks_need():
    expected = expected_ranking()
    assert {month for month, _ in expected} == {"2025-01", "2025-02", "2025-03"}  # K-edge2 is Warsaw's March 1
    assert any(w["missing"] for w in expected.values()) and sum(w["kpi"] is not None for w in expected.values()) >= 8
    assert any(w["top"] for w in expected.values()) and any(w["bottom"] for w in expected.values())


def test_every_component_of_location_ranking_is_the_one_worked_out_here(network):
    _, query = network
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
    _, query = network
    grouped: dict[tuple[str, str | None, str | None], list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if fact.get("staff") or fact.get("team"):
            grouped[fact["month"], fact.get("team"), fact.get("staff")].append(fact)
    expected = {}
    for key, rows in grouped.items():
        shops = [r["shop"] for r in rows if "shop" in r]
        nps = [r["nps"] for r in rows if "nps" in r]
        csat = [r["satisfied"] for r in rows if "satisfied" in r]
        expected[key] = (len(shops), rounded(mean(shops) if shops else None), len(nps), rounded(net(nps) if nps else None),
                         len(csat), rounded(Fraction(100 * sum(csat), len(csat)) if csat else None))  # fmt: skip
    rows = query("SELECT * FROM agent_scorecard")
    actual = {(r["period"], r["team"], r["agent_id"]): (r["mystery_shop_visits"], number(r["mystery_shop_score"]),
              r["nps_answers"], number(r["nps"]), r["csat_answers"], number(r["csat_pct"])) for r in rows}  # fmt: skip
    assert actual == expected
