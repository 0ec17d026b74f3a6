"""Figures at exact ties, for the destination conformance suite: groups of answers whose CES mean,
NPS and CSAT % fall exactly halfway between two one-decimal figures, and what every view and the
report must read there — one decimal, half away from zero, of the exact value (docs/report.md,
Rounding), worked out here in decimals from the answers alone.

Each group is one store, one agent and one month. Its CES answers are stored as 0–100 scores of
six decimals (16.666667, 33.333333, …) whose float sum in some orders falls a hair off the tie, so
an engine adding floats in its own order reads either neighbour; its NPS and CSAT shares are ties
too, one of them (3 in 2,000: 0.15 %) a tie no binary float holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

START = datetime(2024, 1, 10, 12, 0, tzinfo=timezone.utc)
SOURCE = "ties"


@dataclass(frozen=True)
class Group:
    efforts: tuple[int, ...]  # CES answers, 1–7 with 1 the least effort, in the order read
    answers: int  # NPS and CSAT answers
    promoters: int
    detractors: int
    satisfied: int  # the rest answer "Neutral"

    @property
    def records(self) -> int:
        return max(len(self.efforts), self.answers)


GROUPS = (
    Group(efforts=(5, 5, 7, 6, 4, 5, 3, 6), answers=16, promoters=5, detractors=4, satisfied=1),
    Group(efforts=(5, 4, 6, 3, 2, 5, 5, 2, 5, 5, 4, 6, 3, 6, 3, 6), answers=16, promoters=4, detractors=5,
          satisfied=3),
    Group(efforts=(6, 1, 6, 3, 4, 6, 5, 2, 6, 3, 2, 2, 6, 1, 4, 5, 2, 5, 5, 3, 3, 2, 2, 3), answers=8,
          promoters=3, detractors=2, satisfied=1),
    Group(efforts=(5, 5, 5, *[7] * 13), answers=2000, promoters=3, detractors=0, satisfied=3),
)  # fmt: skip
"""CES means 31.25, 43.75 and 56.25 (of stored scores whose float sums are off in some orders), and
6.2499999375 (three 33.333333 and thirteen 0: a tie of the exact answers, not of the stored
scores); NPS 6.25, −6.25, 12.5 and 0.15; CSAT % 6.25, 18.75, 12.5 and 0.15."""


def store(group: int) -> str:
    return f"T{group}"


def month(group: int) -> str:
    return f"2024-{group + 1:02d}"


def raw_rows(groups: tuple[Group, ...] = GROUPS) -> list[dict[str, Any]]:
    """The groups' records as `cxbridge.testing.sample_feedback.ScriptedFeedback` reads them."""
    rows = []
    for g, group in enumerate(groups):
        for n in range(group.records):
            at = (START + timedelta(days=31 * g, seconds=n)).isoformat()
            nps = None
            if n < group.answers:
                nps = 10 if n < group.promoters else 0 if n < group.promoters + group.detractors else 8
            csat = None if n >= group.answers else "Satisfied" if n < group.satisfied else "Neutral"
            rows.append({
                "id": f"T{g}-{n:04d}", "updated": at, "submitted": at, "store": store(g),
                "store_name": f"Tie {g}", "channel": "web", "agent": f"agent-{g}", "email": None,
                "nps": nps, "csat": csat, "effort": group.efforts[n] if n < len(group.efforts) else None,
                "visit_points": None, "comment": None, "custom": {}, "account": None, "contact": None,
            })  # fmt: skip
    return rows


def half_up(value: Decimal) -> float:
    """One decimal, half away from zero."""
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def stored_score(effort: int) -> Decimal:
    """The 0–100 score stored for a CES answer (1–7, lower is better), to six decimals."""
    return (Decimal(100 * (7 - effort)) / 6).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def ces_mean(group: Group) -> Decimal:
    return sum(map(stored_score, group.efforts), Decimal(0)) / len(group.efforts)


def nps(group: Group) -> Decimal:
    return Decimal(100 * (group.promoters - group.detractors)) / group.answers


def csat_pct(group: Group) -> Decimal:
    return Decimal(100 * group.satisfied) / group.answers


def low_effort_pct(group: Group) -> Decimal:
    return Decimal(100 * sum(effort <= 2 for effort in group.efforts)) / len(group.efforts)


def expected_figures() -> dict[tuple[str, ...], float]:
    """(view or report, key..., column) → the figure, for every group."""
    figures: dict[tuple[str, ...], float] = {}
    for g, group in enumerate(GROUPS):
        at, where = month(g), store(g)
        figures |= {
            ("ces_by_month", at, "ces_avg_normalized"): half_up(ces_mean(group)),
            ("ces_by_month", at, "low_effort_pct"): half_up(low_effort_pct(group)),
            ("nps_by_month", at, "nps"): half_up(nps(group)),
            ("csat_by_month", at, "csat_pct"): half_up(csat_pct(group)),
            ("location_scorecard", where, "nps"): half_up(nps(group)),
            ("location_scorecard", where, "csat_pct"): half_up(csat_pct(group)),
            ("location_scorecard", where, "ces_avg_normalized"): half_up(ces_mean(group)),
            ("question_trend", "ces", at, "avg_normalized"): half_up(ces_mean(group)),
            ("question_trend", "nps", at, "score"): half_up(nps(group)),
            ("question_trend", "csat", at, "score"): half_up(csat_pct(group)),
            ("location_ranking", at, where, "nps"): half_up(nps(group)),
            ("location_ranking", at, where, "nps_score"): half_up((100 + nps(group)) / 2),
            ("location_ranking", at, where, "csat_score"): half_up(csat_pct(group)),
            ("location_ranking", at, where, "ces_score"): half_up(ces_mean(group)),
            ("location_ranking", at, where, "kpi"): half_up((100 + nps(group)) / 2),  # the default KPI: NPS alone
            ("agent_scorecard", at, f"agent-{g}", "nps"): half_up(nps(group)),
            ("agent_scorecard", at, f"agent-{g}", "csat_pct"): half_up(csat_pct(group)),
            ("report by month", at, "nps", "score"): half_up(nps(group)),
            ("report by month", at, "csat", "score"): half_up(csat_pct(group)),
            ("report by month", at, "ces", "score"): half_up(low_effort_pct(group)),
            ("report of ces", at, "ces_avg_normalized"): half_up(ces_mean(group)),
            ("report of nps", at, "nps"): half_up(nps(group)),
        }
    return figures


VIEW_KEYS = {  # view → the columns that name a group's row, and the figures read there
    "ces_by_month": (("month",), ("ces_avg_normalized", "low_effort_pct")),
    "nps_by_month": (("month",), ("nps",)),
    "csat_by_month": (("month",), ("csat_pct",)),
    "location_scorecard": (("location_id",), ("nps", "csat_pct", "ces_avg_normalized")),
    "location_ranking": (("period", "location_id"), ("nps", "nps_score", "csat_score", "ces_score", "kpi")),
    "agent_scorecard": (("period", "agent_id"), ("nps", "csat_pct")),
}


def read_figures(destination: Any) -> dict[tuple[str, ...], float]:
    """The figures `expected_figures` names, as the views and the report of an open destination read."""
    from cxbridge import reporting

    figures: dict[tuple[str, ...], float] = {}
    for view, (keys, columns) in VIEW_KEYS.items():
        for row in destination.query(f"SELECT * FROM {view}"):
            for column in columns:
                figures[(view, *(str(row[key]) for key in keys), column)] = _number(row[column])
    for row in destination.query("SELECT * FROM question_trend"):
        column = "avg_normalized" if row["metric"] == "ces" else "score"
        figures[("question_trend", row["metric"], row["month"], column)] = _number(row[column])
    for row in reporting.report_rows(destination, reporting.ReportOptions(by="month")):
        figures[("report by month", row["month"], row["metric"], "score")] = _number(row["score"])
    for metric, column in (("ces", "ces_avg_normalized"), ("nps", "nps")):
        for row in reporting.report_rows(destination, reporting.ReportOptions(by="month", metric=metric)):
            figures[(f"report of {metric}", row["month"], column)] = _number(row[column])
    return figures


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
