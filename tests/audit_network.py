"""The truth audit's network (tests/test_numbers_audit.py, tests/test_numbers_audit_html.py): six
stores over two months whose customers answer on two sources with different scales, copies of
some responses, an answer off its scale, kiosk times at a month's edge, an employee pulse, mystery
shops and audits — the rows its files hold, from a fixed seed, the config that syncs them, and
the figures worked out from those rows alone, never by cxbridge's code."""

from __future__ import annotations

import csv
import math
import random
import statistics
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.test_report_intervals import adjusted_wald, t_quantile, wilson

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


def network_config(folder: Path) -> dict[str, Any]:
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


FACT_OF = {"nps": "nps", "csat": "csat_box", "ces": "ces_box", "enps": "enps", "mystery_shop": "mystery_shop", "audit": "audit"}
PROGRAM_OF = {"nps": "voc", "csat": "voc", "ces": "voc", "enps": "employee", "mystery_shop": "mystery_shop",
              "audit": "audit"}  # fmt: skip


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
