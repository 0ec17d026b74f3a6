"""The store-ranking views, written once in portable SQL like the others (`cxbridge.views`):
`location_ranking` (per period and location: each component 0–100 with its answers, the KPI, the
rank and the top/bottom flags), `location_trend` (each location's change since the previous
period, and whether the stores at the bottom then improved) and `agent_scorecard` (per period,
team and agent: the mystery-shop score and the customers' NPS and CSAT of the staff named).

What the KPI weighs, over which period (a month, a quarter, or a mystery-shop/audit wave:
`sql_parts.waves`), the minimum answers and the flagged share are read from `cxbridge_metadata`
(`cxbridge.ranking`), so one stored view follows `[ranking]` as synced."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxbridge.ranking import COMPONENTS, DEFAULTS, PREFIX
from cxbridge.sql_parts import (
    COUNTED,
    CUSTOMERS,
    EMPLOYEES,
    UNDATED,
    WAVE_OF_RECORD,
    count_if,
    store_names_used,
    in_wave,
    net_parts,
    record_answers,
    share,
    time_bucket,
    waves,
)

if TYPE_CHECKING:
    from cxbridge.sql_parts import Dialect

RANKING_VIEWS = ("location_ranking", "location_trend", "agent_scorecard")


def _settings(d: Dialect) -> str:
    """One row: the period, the share and each component's weight and minimum, as synced, else
    the defaults of `[ranking]`."""
    defaults = DEFAULTS.as_metadata()

    def setting(name: str, *, number: bool = True) -> str:
        value = d.as_number("value") if number else "value"
        default = defaults[PREFIX + name] if number else f"'{defaults[PREFIX + name]}'"
        return f"COALESCE(MAX(CASE WHEN name = '{PREFIX}{name}' THEN {value} END), {default})"

    columns = [f"{setting('period', number=False)} AS period", f"{setting('share')} AS share"]
    for name in COMPONENTS:
        columns += [f"{setting(name + '.weight')} AS {name}_weight", f"{setting(name + '.min_answers')} AS {name}_min"]
    return f"SELECT {', '.join(columns)} FROM {d.qualified('cxbridge_metadata')}"


BY_WAVE = "s.period = 'wave'"


def _waves(d: Dialect) -> str:
    """The waves (`sql_parts.waves`), when ranking by wave."""
    return waves(d, only_if=BY_WAVE, joined=" CROSS JOIN settings s")


def _in_wave() -> str:
    """The join placing a record in the wave its day falls in, when ranking by wave."""
    return in_wave(only_if=BY_WAVE)


def _period(d: Dialect) -> str:
    """A record's period: its month or quarter; by wave, its wave (`sql_parts.WAVE_OF_RECORD`),
    else none (`undated`)."""
    wave = f"COALESCE({WAVE_OF_RECORD}, '{UNDATED}')"
    return f"CASE s.period WHEN 'quarter' THEN {time_bucket(d, 'quarter')} WHEN 'wave' THEN {wave} " \
           f"ELSE {time_bucket(d, 'month')} END"  # fmt: skip


def _period_start(period: str) -> str:
    """The first day of a month (`2025-11`) or quarter (`2025-Q4`) period, `YYYY-MM-DD`."""
    quarter_month = f"CASE substr({period}, 7, 1) WHEN '1' THEN '01' WHEN '2' THEN '04' WHEN '3' THEN '07' ELSE '10' END"
    return f"CASE s.period WHEN 'quarter' THEN substr({period}, 1, 4) || '-' || {quarter_month} || '-01' " \
           f"ELSE {period} || '-01' END"  # fmt: skip


NETS = {"nps": CUSTOMERS, "enps": EMPLOYEES}
"""The NPS-like components, by the population that answers them."""


def _component_figures(d: Dialect) -> list[tuple[str, str, str, str]]:
    """(component, SQL of its answers, of its unrounded 0–100 score — what the KPI weighs — and of
    that score to one decimal, exactly) per component."""

    def net(metric: str) -> tuple[str, str, str]:
        answers, net = net_parts(NETS[metric], metric)
        raw = f"(100.0 + 100.0 * ({net}) / NULLIF({answers}, 0)) / 2"
        return answers, raw, d.rounded_ratio(f"50 * ({answers} + {net})", answers, 1)

    def mean(population: str, metric: str) -> tuple[str, str, str]:
        answered = f"{population} AND a.metric = '{metric}'"
        score = f"CASE WHEN {answered} THEN a.normalized END"
        return count_if(answered), f"AVG({score})", d.rounded_mean(score, 1)

    csat = f"{CUSTOMERS} AND a.metric = 'csat'"
    satisfied = count_if(f"{csat} AND a.category = 'satisfied'")
    figures = {
        "nps": net("nps"),
        "csat": (count_if(csat), f"100.0 * {satisfied} / NULLIF({count_if(csat)}, 0)", share(d, satisfied, count_if(csat))),
        "ces": mean(CUSTOMERS, "ces"),
        "enps": net("enps"),
        "mystery_shop": mean("f.program = 'mystery_shop'", "mystery_shop"),
        "audit": mean("f.program = 'audit'", "audit"),
    }  # fmt: skip
    return [(name, *figures[name]) for name in COMPONENTS]


def _net_scores(d: Dialect) -> list[str]:
    """NPS and eNPS, −100…100, to one decimal (their components are (NPS + 100) / 2)."""
    columns = []
    for metric, population in NETS.items():
        answers, net = net_parts(population, metric)
        columns.append(f"{share(d, net, answers)} AS {metric}")
    return columns


def location_ranking(d: Dialect) -> str:
    """Per period and location: every component's answers and 0–100 score, the KPI (the weighted
    mean of the weighted components, NULL unless each has its minimum of answers), the components
    short of it (`missing`), the rank (ties share one), and the top/bottom flags — neither for a
    store within both (all tied, or ranked alone): the ranking does not tell it apart. Fewer than
    share · n above is compared in hundredths of a place, rounded: as floats 0.28 · 25 stores is
    7.000000000000001 places, which flagged the 8th too."""
    figures = _component_figures(d)
    per_location = ",\n           ".join([
        *(f"{answers} AS {name}_answers,\n           {raw} AS {name}_raw,\n           {score} AS {name}_score"
          for name, answers, raw, score in figures),
        *_net_scores(d),
    ])  # fmt: skip
    short = " || ".join(
        f"CASE WHEN s.{name}_weight > 0 AND p.{name}_answers < s.{name}_min THEN ' {name}' ELSE '' END"
        for name in COMPONENTS
    )
    weighted = " + ".join(f"s.{name}_weight * COALESCE(c.{name}_raw, 0)" for name in COMPONENTS)
    places = d.rounded("s.share * r.ranked_locations", 6)  # 100 · share · n, whole where it falls on a place
    total = " + ".join(f"s.{name}_weight" for name in COMPONENTS)
    outputs = ", ".join(f"c.{name}_answers, c.{name}_score" for name in COMPONENTS)
    return f"""
WITH settings AS ({_settings(d)}),
waves AS ({_waves(d)}
),
answers AS ({record_answers(d)}
),
names AS ({store_names_used(d)}
),
records AS (
    SELECT f.record_id, f.location_id, n.location_name, f.program, {_period(d)} AS period
    FROM {d.qualified("feedback")} f CROSS JOIN settings s
    LEFT JOIN names n ON n.location_id = f.location_id
    {_in_wave()}
    WHERE f.location_id IS NOT NULL AND {COUNTED}
),
per_location AS (
    SELECT f.period, f.location_id, MAX(f.location_name) AS location_name,
           {per_location}
    FROM records f
    LEFT JOIN answers a ON a.record_id = f.record_id
    WHERE f.period <> '{UNDATED}'
    GROUP BY f.period, f.location_id
),
checked AS (
    SELECT p.*, TRIM({short}) AS short_of
    FROM per_location p CROSS JOIN settings s
),
scored AS (
    SELECT c.*, CASE WHEN c.short_of = '' THEN {d.rounded_float(f"({weighted}) / ({total})", 1)} END AS kpi
    FROM checked c CROSS JOIN settings s
),
ranked AS (
    SELECT period, location_id,
           RANK() OVER (PARTITION BY period ORDER BY kpi DESC) AS rank,
           RANK() OVER (PARTITION BY period ORDER BY kpi ASC) AS rank_from_bottom,
           COUNT(*) OVER (PARTITION BY period) AS ranked_locations
    FROM scored WHERE kpi IS NOT NULL
),
flagged AS (
    SELECT r.*, (r.rank - 1) * 100 < {places} AS within_top,
           (r.rank_from_bottom - 1) * 100 < {places} AS within_bottom
    FROM ranked r CROSS JOIN settings s
)
SELECT c.period, CASE WHEN s.period = 'wave' THEN pw.first_day ELSE {_period_start("c.period")} END AS period_start,
       c.location_id, c.location_name,
       {outputs},
       c.nps, c.enps,
       c.kpi, NULLIF(c.short_of, '') AS missing, r.rank, r.ranked_locations,
       CASE WHEN r.within_top AND NOT r.within_bottom THEN TRUE ELSE FALSE END AS is_top,
       CASE WHEN r.within_bottom AND NOT r.within_top THEN TRUE ELSE FALSE END AS is_bottom
FROM scored c CROSS JOIN settings s
LEFT JOIN waves pw ON pw.wave = c.period
LEFT JOIN flagged r ON r.period = c.period AND r.location_id = c.location_id
"""


def location_trend(d: Dialect) -> str:
    """Per period after the first and location ranked or listed in it or in the period before:
    the KPI and rank then and now, the change, and whether a store flagged bottom then improved
    (its KPI rose) — `previous_period` is the period before with any data. It repeats
    location_ranking's query rather than reading the view: no view depends on another, so each
    can be dropped and made again alone."""
    return f"""
WITH ranking AS ({location_ranking(d)}),
periods AS (
    SELECT period, ROW_NUMBER() OVER (
               ORDER BY CASE WHEN period_start IS NULL THEN 1 ELSE 0 END, period_start, period
           ) AS position
    FROM (SELECT DISTINCT period, period_start FROM ranking) p
),
steps AS (
    SELECT n.period, b.period AS previous_period
    FROM periods n JOIN periods b ON b.position = n.position - 1
),
pairs AS (
    SELECT DISTINCT period, previous_period, location_id FROM (
        SELECT t.period, t.previous_period, r.location_id
        FROM steps t JOIN ranking r ON r.period = t.period
        UNION ALL
        SELECT t.period, t.previous_period, r.location_id
        FROM steps t JOIN ranking r ON r.period = t.previous_period
    ) u
)
SELECT p.period, p.previous_period, p.location_id, COALESCE(n.location_name, b.location_name) AS location_name,
       n.kpi, b.kpi AS previous_kpi, {d.rounded("n.kpi - b.kpi", 1)} AS kpi_change,
       n.rank, b.rank AS previous_rank, b.rank - n.rank AS places_up,
       n.is_bottom, CASE WHEN b.is_bottom THEN TRUE ELSE FALSE END AS was_bottom,
       CASE WHEN n.kpi IS NULL OR b.kpi IS NULL THEN NULL WHEN n.kpi > b.kpi THEN TRUE ELSE FALSE END AS improved
FROM pairs p
LEFT JOIN ranking n ON n.period = p.period AND n.location_id = p.location_id
LEFT JOIN ranking b ON b.period = p.previous_period AND b.location_id = p.location_id
"""


def agent_scorecard(d: Dialect) -> str:
    """Per ranking period, team and agent (the staff a record names): mystery-shop visits and
    their mean score, and the customers' primary NPS and CSAT answers with NPS and CSAT %."""
    shop = "f.program = 'mystery_shop' AND a.metric = 'mystery_shop'"
    nps_answers, net = net_parts(CUSTOMERS, "nps")
    csat = f"{CUSTOMERS} AND a.metric = 'csat'"
    satisfied = count_if(f"{csat} AND a.category = 'satisfied'")
    return f"""
WITH settings AS ({_settings(d)}),
waves AS ({_waves(d)}
),
answers AS ({record_answers(d)}
),
records AS (
    SELECT f.record_id, f.program, f.team, f.agent_id, {_period(d)} AS period
    FROM {d.qualified("feedback")} f CROSS JOIN settings s
    {_in_wave()}
    WHERE (f.agent_id IS NOT NULL OR f.team IS NOT NULL) AND {COUNTED}
),
per_agent AS (
    SELECT f.period, f.team, f.agent_id,
           {count_if(shop)} AS mystery_shop_visits,
           {d.rounded_mean(f"CASE WHEN {shop} THEN a.normalized END", 1)} AS mystery_shop_score,
           {nps_answers} AS nps_answers,
           {share(d, net, nps_answers)} AS nps,
           {count_if(csat)} AS csat_answers,
           {share(d, satisfied, count_if(csat))} AS csat_pct
    FROM records f
    JOIN answers a ON a.record_id = f.record_id
    WHERE f.period <> '{UNDATED}'
    GROUP BY f.period, f.team, f.agent_id
)
SELECT * FROM per_agent WHERE mystery_shop_visits > 0 OR nps_answers > 0 OR csat_answers > 0
"""


RENDERERS = {
    "location_ranking": location_ranking,
    "location_trend": location_trend,
    "agent_scorecard": agent_scorecard,
}
