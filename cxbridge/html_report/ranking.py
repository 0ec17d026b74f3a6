"""Section: the stores ranked in the latest period (`location_ranking`), top and bottom
highlighted, the unranked listed as such, and how the previous period's bottom stores moved
(`location_trend`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.metrics import NPS_METRICS
from cxbridge.ranking import COMPONENTS, DEFAULTS, PREFIX
from cxbridge.reporting import MIN_BASE, ReportOptions
from cxbridge.sql_parts import LOCAL_DAY

from . import charts
from .markup import counted, empty, figure, listed, marked, number, section, signed, signed_whole, table, text

FIGURES = {"nps": ("NPS", "−100…100", "nps"), "csat": ("CSAT", "% satisfied", "csat_score"),
           "ces": ("CES", "mean 0–100", "ces_score"), "enps": ("eNPS", "−100…100", "enps"),
           "mystery_shop": ("mystery shop", "0–100", "mystery_shop_score"), "audit": ("audit", "0–100", "audit_score")}  # fmt: skip
"""Each component's column: its name, scale and the figure shown, on the scale the trends show it — NPS
and eNPS −100…100, never the (NPS + 100) / 2 the KPI weighs, which read 73 beside a trend's 46."""
IN_KPI = {"nps": "(NPS + 100) / 2", "csat": "CSAT % satisfied", "ces": "CES mean", "enps": "(eNPS + 100) / 2",
          "mystery_shop": "mystery shop", "audit": "audit"}  # fmt: skip
"""Each component as the KPI weighs it, 0–100."""


def weights(destination: Destination) -> dict[str, float]:
    """The components of the KPI and their weights, as the last sync wrote `[ranking]` (the
    default without it)."""
    stored = destination.read_metadata()
    found = {name: stored.get(f"{PREFIX}{name}.weight") for name in COMPONENTS}
    if all(weight is None for weight in found.values()):
        return {name: DEFAULTS.weight(name) for name in COMPONENTS if DEFAULTS.weight(name) > 0}
    return {name: float(weight) for name, weight in found.items() if weight is not None and float(weight) > 0}


def minimums(destination: Destination, names: list[str]) -> dict[str, int]:
    """The answers each component needs (`min_answers`, as the last sync wrote it); a figure shown
    beside the KPI needs the report's minimum base."""
    stored = destination.read_metadata()
    needed = {name: int(stored.get(f"{PREFIX}{name}.min_answers") or DEFAULTS.min_answers(name)) for name in names}
    return {name: needed.get(name, MIN_BASE) for name in COMPONENTS}


MONTHS = {"month": 1, "quarter": 3}
"""How many months a period of `[ranking] period` spans at most (a wave: until the next)."""


def period_days(destination: Destination) -> dict[str, tuple[date, date | None]]:
    """Each dated ranking period's first day (`period_start`) and the first day after it: the
    next period's start, but no later than a month's or quarter's end nor than the day after
    the latest record — a wave runs to the next wave's first day, the latest to the last record
    (docs/ranking.md, Waves). None as the end when no record is dated."""
    starts = {row["period"]: _day(row["period_start"]) for row in destination.query(
        "SELECT DISTINCT period, period_start FROM location_ranking WHERE period_start IS NOT NULL")}  # fmt: skip
    months = MONTHS.get(str(destination.read_metadata().get(f"{PREFIX}period", DEFAULTS.period)))
    [latest] = destination.query(f"SELECT MAX({LOCAL_DAY}) AS day FROM {destination.qualified('feedback')} f")
    last = _day(latest["day"]) + timedelta(days=1) if latest["day"] else None
    days = {}
    for period, first in starts.items():
        ends = [start for start in starts.values() if start > first]
        if months is not None:
            month = first.month - 1 + months
            ends.append(date(first.year + month // 12, month % 12 + 1, 1))
        if last is not None:
            ends.append(max(last, first + timedelta(days=1)))
        days[period] = first, min(ends, default=None)
    return days


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def in_period(days: tuple[date, date | None] | None, options: ReportOptions) -> bool:
    """Whether a ranking period's days (`period_days`) meet `since`…`until` (every period
    without them)."""
    if days is None:
        return True
    first, after = days
    return (options.since is None or after is None or after > options.since) and \
        (options.until is None or first < options.until)  # fmt: skip


def latest_ranking(
    destination: Destination, options: ReportOptions, days: dict[str, tuple[date, date | None]]
) -> tuple[str | None, list[dict[str, Any]]]:
    """The latest period within the report's days (of each period, `period_days`) in which a store
    is ranked, and its rows: ranked stores by rank, then the unranked by name."""
    periods = [row["period"] for row in destination.query(
        "SELECT period, MAX(period_start) AS period_start FROM location_ranking WHERE rank IS NOT NULL GROUP BY period "
        "ORDER BY CASE WHEN MAX(period_start) IS NULL THEN 1 ELSE 0 END, MAX(period_start) DESC, period DESC")]  # fmt: skip
    chosen = next((period for period in periods if in_period(days.get(period), options)), None)
    if chosen is None:
        return None, []
    rows = destination.query(
        f"SELECT * FROM location_ranking WHERE period = {destination.param(0)}", [chosen])
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, store_name(row)))
    return chosen, rows


def previous_bottom(destination: Destination, period: str) -> list[dict[str, Any]]:
    """The stores in the bottom of the period before `period`, with their change since."""
    rows = destination.query(
        f"SELECT * FROM location_trend WHERE period = {destination.param(0)}", [period])
    return sorted((row for row in rows if row["was_bottom"]), key=store_name)


def store_name(row: dict[str, Any]) -> str:
    return str(row["location_name"] or row["location_id"] or "(no store)")


def render(destination: Destination, options: ReportOptions) -> str:
    note = ("Ranked by the KPI of [ranking] (docs/ranking.md) over all sources and programs; the top and bottom "
            "share are highlighted. Each component is shown on its own scale, with the responses, visits or "
            "audits it is of; the KPI weighs them on 0–100, as the line under the chart says. A store short of the "
            "minimum answers of a component is not ranked: its other components are never re-weighted to rank it. "
            "A figure in grey italics is of fewer answers than its minimum (a component's min_answers; eNPS beside "
            f"the KPI: {MIN_BASE}): indicative.")  # fmt: skip
    days = period_days(destination)
    period, rows = latest_ranking(destination, options, days)
    if period is None:
        return section("Store ranking", "ranking", empty("No store is ranked in the period shown: too few answers "
                                                         "per store, or no dated records."), note=note)  # fmt: skip
    weighed = weights(destination)
    names = list(weighed)
    needed = minimums(destination, names)
    ranked = [row for row in rows if row["rank"] is not None]
    unranked = [row for row in rows if row["rank"] is None]
    chart = charts.ranking_chart("ranking-kpi", f"KPI {period}", [(store_name(row), float(row["kpi"]), _place(row))
                                                                   for row in ranked])  # fmt: skip
    beside = _beside(rows, names)
    headers = ["rank", "store", "KPI", *(_header(name) for name in names),
               *(f"{_header(name)}, not in the KPI" for name in beside), "place"]  # fmt: skip
    ranking_table = table(
        headers, [[row["rank"], store_name(row), row["kpi"], *(_figure(row, name, needed[name]) for name in names),
                   *(_figure(row, name, needed[name]) for name in beside), _place(row).replace("middle", "")] for row in ranked],
        name="ranking", row_classes=[_place(row) for row in ranked],
        caption=f"{period}{_days(days.get(period))}: {len(ranked)} stores ranked",
    )  # fmt: skip
    parts = [f'<div class="card">{chart}{_formula(weighed)}{ranking_table}</div>']
    if unranked:
        units = listed(list(dict.fromkeys(counted(name) for name in names)))
        parts.append(table(["store", f"short of {units} for", *headers[3:-1]],
                           [[store_name(row), _short(row, needed), *(_figure(row, name, needed[name]) for name in names),
                             *(_figure(row, name, needed[name]) for name in beside)]
                            for row in unranked],
                           name="unranked", caption=f"Not ranked: too few {units}"))  # fmt: skip
    parts.append(_improvement(destination, period, days))
    return section(f"Store ranking {period}", "ranking", "".join(parts), note=note)


BESIDE = ("enps",)
"""Shown beside the KPI when not part of it: employees' eNPS next to customers' figures."""


def _beside(rows: list[dict[str, Any]], names: list[str]) -> list[str]:
    return [name for name in BESIDE if name not in names and any(row[f"{name}_answers"] for row in rows)]


def _formula(weighed: dict[str, float]) -> str:
    """The KPI in words: each component's share of it, as 0–100 — NPS and eNPS rescaled."""
    total = sum(weighed.values())
    parts = " + ".join(f"{number(100 * weight / total).removesuffix('.0')} % × {IN_KPI[name]}"
                       for name, weight in weighed.items())  # fmt: skip
    rescaled = [FIGURES[name][0] for name in weighed if name in NPS_METRICS]
    why = (f": {' and '.join(rescaled)}, −100…100 in the table and the trends, enter{'s' if len(rescaled) == 1 else ''} "
           "rescaled to 0–100 (0 counts as 50)") if rescaled else ""  # fmt: skip
    return f'<p class="note" data-note="kpi">{text(f"KPI (0–100) = {parts}{why}.")}</p>'


def _header(name: str) -> str:
    label, scale, _ = FIGURES[name]
    return f"{label} {scale} ({counted(name)})"


def _short(row: dict[str, Any], needed: dict[str, int]) -> str:
    """What an unranked store lacks, `NPS (3 of 5 responses)`: the view's `missing` names only the
    components (`nps`), not how short of their minimum the store is."""
    return "; ".join(f"{FIGURES[name][0]} ({row[f'{name}_answers'] or 0} of {needed[name]} {counted(name)})"
                     for name in str(row["missing"] or "").split())  # fmt: skip


def _figure(row: dict[str, Any], name: str, needed: int) -> str:
    """A component's figure on its own scale (`FIGURES`) with the responses, visits or audits it is
    of; greyed when they are fewer than `needed`."""
    value, answers = row[FIGURES[name][2]], row[f"{name}_answers"] or 0
    if value is None:
        return f"– ({answers})"
    return marked(f"{figure(value, name)} ({answers})", answers, needed, counted(name))


def _place(row: dict[str, Any]) -> str:
    return "top" if row["is_top"] else "bottom" if row["is_bottom"] else "middle"


def _improvement(destination: Destination, period: str, days: dict[str, tuple[date, date | None]]) -> str:
    rows = previous_bottom(destination, period)
    if not rows:
        return "<h3>Last period's bottom stores</h3>" + empty("No bottom stores in the period before.")
    previous = rows[0]["previous_period"]
    ranked = ranked_stores(destination, (previous, period))
    body = table(["store", f"KPI {previous}", f"KPI {period}", "change", f"rank {previous} (of {ranked[previous]})",
                  f"rank {period} (of {ranked[period]})", "places up", "improved"],
                 [[store_name(row), row["previous_kpi"], row["kpi"], signed(row["kpi_change"]), row["previous_rank"],
                   row["rank"], signed_whole(row["places_up"]), _yes_no(row["improved"])] for row in rows],
                 name="previous-bottom")  # fmt: skip
    span = _days(days.get(previous))  # the period's days, as the ranking's caption names the latest's
    return f"<h3>{text(previous)}'s bottom stores in {text(period)}{text(f' ({previous}{span})' if span else '')}</h3>{body}"


def ranked_stores(destination: Destination, periods: tuple[str, str]) -> dict[str, int]:
    """How many stores each period ranked: the base of a rank, so that 11 reads as the last of 11."""
    rows = destination.query(
        "SELECT period, COUNT(rank) AS ranked FROM location_ranking "
        f"WHERE period IN ({destination.param(0)}, {destination.param(1)}) GROUP BY period", list(periods))  # fmt: skip
    return {row["period"]: int(row["ranked"]) for row in rows}


def _days(days: tuple[date, date | None] | None) -> str:
    """A period's days as its caption names them (whose answers count: a wave's are not in its name)."""
    if days is None or days[1] is None:
        return ""
    return f", {days[0]} to {days[1] - timedelta(days=1)}"


def _yes_no(flag: Any) -> str:
    return "not measured" if flag is None else "yes" if flag else "no"
