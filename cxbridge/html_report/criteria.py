"""Section: the criteria of mystery-shop visits and audits (`metric = "criterion"` in
`feedback_scores`) as a heatmap, store × criterion, each cell the mean 0–100 score."""

from __future__ import annotations

from typing import Any

from cxbridge.destinations import Destination
from cxbridge.reporting import MIN_BASE, Parameters, ReportOptions, record_filters
from cxbridge.sql_parts import store_label, store_names

from . import charts
from .markup import counted, empty, marked, number, section, table

PROGRAMS = {"mystery_shop": "Mystery-shop criteria", "audit": "Audit criteria"}


def criterion_scores(destination: Destination, options: ReportOptions) -> list[dict[str, Any]]:
    """Per program, store and criterion: the visits or audits scored on it and their mean 0–100
    to one decimal (the query of docs/ranking.md, with the report's filters)."""
    parameters = Parameters(destination)
    where = record_filters(options, parameters)
    sql = f"""SELECT f.program, {store_label("f")} AS store,
       COALESCE(s.question_text, s.question_id) AS criterion, COUNT(*) AS scores,
       {destination.rounded_mean("s.normalized", 1)} AS score
FROM feedback f JOIN feedback_scores s ON s.record_id = f.record_id
{store_names(destination)}
WHERE s.metric = 'criterion' AND f.program IN ('mystery_shop', 'audit') AND {where}
GROUP BY f.program, {store_label("f")}, COALESCE(s.question_text, s.question_id)"""
    return destination.query(sql, parameters.values)


def criteria_bases(destination: Destination, options: ReportOptions) -> dict[str, dict[str, Any]]:
    """Per program, the visits or audits scored on a criterion and their first and last local day:
    the base and period of its heatmap, all the records shown rather than the ranking's period."""
    parameters = Parameters(destination)
    where = record_filters(options, parameters)
    sql = f"""SELECT f.program, COUNT(*) AS records, MIN(f.submitted_local_date) AS first_day,
       MAX(f.submitted_local_date) AS last_day
FROM feedback f
WHERE f.program IN ('mystery_shop', 'audit') AND {where}
  AND f.record_id IN (SELECT s.record_id FROM feedback_scores s WHERE s.metric = 'criterion')
GROUP BY f.program"""
    return {row["program"]: row for row in destination.query(sql, parameters.values)}


def render(destination: Destination, options: ReportOptions) -> str:
    rows = criterion_scores(destination, options)
    note = ("Each cell is the mean score (0–100) of the store's visits or audits on that criterion; hovering it, "
            "and the figures under the chart, show how many (n). Every visit and audit shown counts, over the days "
            f"each title names — not only the ranking's period. A cell of fewer than {MIN_BASE} visits or audits is "
            "indicative, as in the trends and the ranking: greyed over, and so marked in its hover and in grey "
            "italics under the chart.")  # fmt: skip
    if not rows:
        message = 'No mystery-shop or audit criteria (metric = "criterion") in the records shown.'
        return section("Criteria", "criteria", empty(message), note=note)
    parts = []
    bases = criteria_bases(destination, options)
    for program, title in PROGRAMS.items():
        mine = [row for row in rows if row["program"] == program]
        if mine:
            parts.append(_heatmap(program, f"{title}{_base(program, bases[program])}", mine))
    return section("Criteria", "criteria", "".join(parts), note=note)


def _heatmap(program: str, title: str, rows: list[dict[str, Any]]) -> str:
    stores = sorted({str(row["store"]) for row in rows})
    criteria = list(dict.fromkeys(str(row["criterion"]) for row in sorted(rows, key=lambda row: str(row["criterion"]))))
    cells = {(str(row["store"]), str(row["criterion"])): (float(row["score"]), int(row["scores"])) for row in rows}
    found = [[cells.get((store, criterion), (None, 0)) for criterion in criteria] for store in stores]
    scores = [[score for score, _ in row] for row in found]
    counts = [[count for _, count in row] for row in found]
    chart = charts.heatmap(f"criteria-{program}", title, stores, criteria, scores, counts, unit=counted(program))
    figures = table(["store", *criteria], [[store, *(_cell(score, count, counted(program)) for score, count in row)]
                                           for store, row in zip(stores, found, strict=True)],
                    name=f"criteria-{program}")  # fmt: skip
    return f'<div class="card">{chart}<details><summary>Figures: {title}</summary>{figures}</details></div>'


def _base(program: str, base: dict[str, Any]) -> str:
    """`, 2025-02-03 to 2025-06-28: 51 visits`: whose scores a heatmap is of."""
    days = f", {base['first_day']} to {base['last_day']}" if base["first_day"] else ""
    return f"{days}: {int(base['records'])} {counted(program)}"


def _cell(score: float | None, count: int, unit: str) -> str:
    """A cell's mean with the visits or audits behind it, as the ranking writes its figures: greyed
    below the minimum base."""
    return "" if score is None else marked(f"{number(score)} ({count})", count, MIN_BASE, unit)
