"""Section: each program's figures over time with their 95 % confidence bands, from
`cxbridge report`'s own rows (`report_rows(..., intervals=True)`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.metrics import NPS_METRICS
from cxbridge.reporting import MIN_BASE, TIME_BUCKETS, ReportOptions, none_label, report_rows
from cxbridge.sql_parts import UNDATED

from . import charts
from .markup import counted, empty, figure, listed, section, signed, table, text

PROGRAM_NAMES = {"voc": "Customers", "employee": "Employees", "mystery_shop": "Mystery shop", "audit": "Audit"}
METRIC_NAMES = {"nps": "NPS −100…100", "csat": "CSAT % satisfied", "ces": "CES % low effort", "enps": "eNPS −100…100",
                "mystery_shop": "mystery-shop score 0–100", "audit": "audit score 0–100"}  # fmt: skip
"""Each trend's name with its scale, which its figures (score, bounds, change) are in."""
NO_WAVE = none_label("wave")
"""By wave, the row of the records in none (a survey answer from before the first wave), named as
`cxbridge report`'s table names it."""
HEADERS = ["period", "score", "95 % low", "95 % high", "change", "since", "significant", "indicative"]


def trend_rows(
    destination: Destination, options: ReportOptions
) -> tuple[list[str], dict[tuple[str, str], list[dict[str, Any]]]]:
    """The periods every chart spans (`periods`), and the report's rows by `options.by` with
    intervals, per (program, metric) in report order."""
    rows = report_rows(destination, replace(options, metric=None, intervals=True))
    rows = [row for row in rows if options.metric in (None, row["metric"])]  # in time order (waves: by first day)
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["program"], row["metric"]), []).append(row)
    axis = periods([row[options.by] for row in rows], options.by)
    return axis, dict(sorted(grouped.items(), key=lambda item: _order(*item[0])))


def periods(buckets: list[Any], by: str) -> list[str]:
    """The periods of the charts, in time order: the dated ones shown (waves in the report's
    order) and, by a time bucket, every one of the calendar between them — a period without
    answers is a gap in the line, never a line drawn through as if it were not there."""
    dated = list(dict.fromkeys(bucket for bucket in buckets if bucket not in (UNDATED, None)))
    if by not in TIME_BUCKETS or not dated:
        return dated
    first, last = _first_day(min(dated), by), _first_day(max(dated), by)
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return list(dict.fromkeys(_bucket_of(day, by) for day in days))


def _first_day(bucket: str, by: str) -> date:
    if by == "week":
        return date.fromisocalendar(int(bucket[:4]), int(bucket[6:]), 1)
    if by == "quarter":
        return date(int(bucket[:4]), 3 * int(bucket[-1]) - 2, 1)
    return date.fromisoformat(bucket if by == "day" else f"{bucket}-01")


def _bucket_of(day: date, by: str) -> str:
    """A day's label, as `sql_parts.time_bucket` writes it."""
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return day.isoformat() if by == "day" else day.isoformat()[:7]


def _order(program: str, metric: str) -> tuple[int, int]:
    return list(PROGRAM_NAMES).index(program), list(METRIC_NAMES).index(metric)


def render(destination: Destination, options: ReportOptions) -> str:
    axis, grouped = trend_rows(destination, options)
    shown = dict.fromkeys(program for program, _ in grouped)
    note = ("Each point is the figure of one period; the band is its 95 % confidence interval. A ringed point "
            "changed significantly since the period before with answers (two-sided, 5 % level); other changes "
            "are within what chance moves the figure by. A change is from the period before; after a period "
            "without answers, from the last one with answers, which the figures name under since. A hollow grey "
            f"point is indicative: fewer than {MIN_BASE} {_bases(shown)}, shown but never called a "
            "significant change. A period "
            "without answers is a gap in the line. A mystery-shop or audit figure of one score, or of scores all "
            "equal, has no spread: no band, and no change from or to that period is called significant. NPS, "
            "CSAT and CES bands (adjusted Wald, Wilson) have one for any answers, and stay wide for few: centred "
            "toward the middle, an NPS band can leave out the figure itself (one promoter: 100, band "
            "−48.5…98.5; docs/report.md).")  # fmt: skip
    if not grouped:
        return section("Trends", "trends", empty("No NPS, CSAT, CES, eNPS, mystery-shop or audit answers match."))
    parts = [_program_metric(program, metric, rows, options.by, axis) for (program, metric), rows in grouped.items()]
    return section("Trends", "trends", '<div class="grid">' + "".join(parts) + "</div>", note=note)


def _bases(programs: dict[str, None]) -> str:
    """Each shown program's unit of the minimum base, as its table heads it: `responses (Customers,
    Employees), visits (Mystery shop) or audits (Audit)`."""
    named: dict[str, list[str]] = {}
    for program in programs:
        named.setdefault(counted(program), []).append(PROGRAM_NAMES.get(program, program))
    return listed([f"{unit} ({', '.join(names)})" for unit, names in named.items()]) or "answers"


def _program_metric(program: str, metric: str, rows: list[dict[str, Any]], by: str, axis: list[str]) -> str:
    title = f"{PROGRAM_NAMES.get(program, program)} · {METRIC_NAMES[metric]}"
    shown = {row[by]: row for row in rows if row["score"] is not None}
    points = [_point(period, shown.get(period), metric) for period in axis]
    if all(point.score is None for point in points):  # no period: only the rest (no date, no wave)
        points = []
    y_range = (-105.0, 105.0) if metric in NPS_METRICS else (-3.0, 103.0)  # a point at a bound stays whole
    unit = counted(program)
    chart = charts.trend_chart(f"trend-{program}-{metric}", title, points, y_range=y_range, unit=unit) if points else ""
    figures = table([HEADERS[0], unit, *HEADERS[1:]], [_figures(row, by, axis, metric) for row in rows],
                    name=f"trend-{program}-{metric}")  # fmt: skip
    questions = dict.fromkeys(question for row in rows for question in row.get("questions", ()))
    if len(questions) > 1:  # a metric of several questions (a store's and a brand's recommend): say which counts
        chart += f'<p class="note" data-questions="{program}-{metric}">Each record counts by its primary question: {text("; ".join(questions))}</p>'
    return f'<div class="card">{chart}<details><summary>Figures: {title}</summary>{figures}</details></div>'


def _point(period: str, row: dict[str, Any] | None, metric: str) -> charts.TrendPoint:
    if row is None:  # no answers in the period: a gap
        return charts.TrendPoint(bucket=period, score=None)
    return charts.TrendPoint(bucket=period, score=float(row["score"]), low=row["ci_low"], high=row["ci_high"],
                             responses=int(row["responses"]), significant=bool(row["change_significant"]),
                             indicative=row["indicative"], change=_change(row), figure=figure(row["score"], metric))  # fmt: skip


def _change(row: dict[str, Any]) -> str:
    """A change as the hover names it, always with the period it is from (`+1.0 since 2025-03`)."""
    return f"{signed(row['change'])} since {row['previous']}" if row.get("previous") is not None else ""


def _figures(row: dict[str, Any], by: str, axis: list[str], metric: str) -> list[Any]:
    flag = row.get("change_significant")
    score = "" if row["score"] is None else figure(row["score"], metric)
    return [NO_WAVE if row[by] is None else row[by], row["responses"], score, row["ci_low"], row["ci_high"], signed(row.get("change")),
            _since(row, by, axis), "" if flag is None else "yes" if flag else "no", "yes" if row["indicative"] else ""]  # fmt: skip


def _since(row: dict[str, Any], by: str, axis: list[str]) -> str:
    """The period a change is measured from when it is not the one just before on the axis (a
    period without answers between them: the example's May of visits after March); else empty."""
    previous = row.get("previous")
    if previous is None or row[by] not in axis:
        return ""
    place = axis.index(row[by])
    return "" if place and axis[place - 1] == previous else str(previous)
