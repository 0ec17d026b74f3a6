"""Section: each program's figures over time with their 95 % confidence bands, from
`cxbridge report`'s own rows (`report_rows(..., intervals=True)`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.reporting import ReportOptions, none_label, report_rows
from cxbridge.sql_parts import UNDATED

from . import charts
from .markup import empty, section, signed, table

PROGRAM_NAMES = {"voc": "Customers", "employee": "Employees", "mystery_shop": "Mystery shop", "audit": "Audit"}
METRIC_NAMES = {"nps": "NPS", "csat": "CSAT % satisfied", "ces": "CES % low effort", "enps": "eNPS",
                "mystery_shop": "mystery-shop score", "audit": "audit score"}  # fmt: skip
NO_WAVE = none_label("wave")
"""By wave, the row of the records in none (a survey answer from before the first wave), named as
`cxbridge report`'s table names it."""
HEADERS = ["period", "responses", "score", "95 % low", "95 % high", "change", "significant"]


def trend_rows(destination: Destination, options: ReportOptions) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The report's rows by `options.by` with intervals, per (program, metric) in report order."""
    rows = report_rows(destination, replace(options, metric=None, intervals=True))
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        if options.metric in (None, row["metric"]):
            grouped.setdefault((row["program"], row["metric"]), []).append(row)
    return dict(sorted(grouped.items(), key=lambda item: _order(*item[0])))


def _order(program: str, metric: str) -> tuple[int, int]:
    return list(PROGRAM_NAMES).index(program), list(METRIC_NAMES).index(metric)


def render(destination: Destination, options: ReportOptions) -> str:
    grouped = trend_rows(destination, options)
    note = ("Each point is the figure of one period; the band is its 95 % confidence interval. A ringed point "
            "changed significantly since the period before (two-sided, 5 % level); other changes are within "
            "what chance moves the figure by. A mystery-shop or audit figure of one score, or of scores all "
            "equal, has no spread: no band, and no change from or to that period is called significant. NPS, "
            "CSAT and CES bands (adjusted Wald, Wilson) have one for any answers, and stay wide for few: centred "
            "toward the middle, an NPS band can leave out the figure itself (one promoter: 100, band "
            "−48.5…98.5; docs/report.md).")  # fmt: skip
    if not grouped:
        return section("Trends", "trends", empty("No NPS, CSAT, CES, eNPS, mystery-shop or audit answers match."))
    parts = [_program_metric(program, metric, rows, options.by) for (program, metric), rows in grouped.items()]
    return section("Trends", "trends", '<div class="grid">' + "".join(parts) + "</div>", note=note)


def _program_metric(program: str, metric: str, rows: list[dict[str, Any]], by: str) -> str:
    title = f"{PROGRAM_NAMES.get(program, program)} · {METRIC_NAMES[metric]}"
    dated = [row for row in rows if row[by] not in (UNDATED, None)]  # a period, not the rest (no date, no wave)
    points = [charts.TrendPoint(bucket=row[by], score=float(row["score"]), low=row["ci_low"], high=row["ci_high"],
                                responses=int(row["responses"]), significant=bool(row["change_significant"]))
              for row in dated if row["score"] is not None]  # fmt: skip
    y_range = (-105.0, 105.0) if metric in ("nps", "enps") else (-3.0, 103.0)  # a point at a bound stays whole
    chart = charts.trend_chart(f"trend-{program}-{metric}", title, points, y_range=y_range) if points else ""
    figures = table(HEADERS, [_figures(row, by) for row in rows], name=f"trend-{program}-{metric}")
    return f'<div class="card">{chart}<details><summary>Figures: {title}</summary>{figures}</details></div>'


def _figures(row: dict[str, Any], by: str) -> list[Any]:
    flag = row.get("change_significant")
    return [NO_WAVE if row[by] is None else row[by], row["responses"], row["score"], row["ci_low"], row["ci_high"], signed(row.get("change")),
            "" if flag is None else "yes" if flag else "no"]  # fmt: skip
