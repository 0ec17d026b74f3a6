"""The BI views of DESIGN.md §3, written once in portable SQL and rendered per dialect through
the destination's `iso_week_of`, `days_since`, `rounded_mean`, `rounded_ratio` and `qualified`.

A population is a program — `voc` (customers), `employee`, `mystery_shop`, `audit` — and no
figure mixes two programs or two metrics: the by-month views have a row per source, program and
month of one metric (`nps_by_month` holds NPS, `enps_by_month` eNPS), `location_scorecard`
puts customer NPS, CSAT and CES, employee eNPS, mystery-shop and audit scores in columns of
their own, and the queues and CRM views hold customers only. NPS, eNPS, CSAT and CES count a
record's primary answer of the metric (`feedback_scores.is_primary`); a mystery-shop visit or an
audit counts once, by the mean of its 0–100 scores. Records count in the time bucket of their
day in their source's time zone (`cxbridge.sql_parts.time_bucket`); undated ones in `undated`.
A response read through several sources counts once: its copies with `duplicate_of` set are
left out (docs/identity.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxbridge import crm_views, question_views, ranking_views
from cxbridge.loop import views as loop_views
from cxbridge.sql_parts import BUCKETS, COUNTED, CUSTOMERS, EMPLOYEES, UNDATED, count_if, store_names_used, net_parts
from cxbridge.sql_parts import record_answers, share, time_bucket

if TYPE_CHECKING:
    from cxbridge.sql_parts import Dialect

__all__ = ["BUCKETS", "UNDATED", "VIEW_NAMES", "count_if", "share", "time_bucket", "view_sql"]

FEEDBACK_VIEWS = ("nps_by_month", "csat_by_month", "ces_by_month", "location_scorecard", "detractor_queue")
POPULATION_VIEWS = ("enps_by_month", "employee_followup_queue")  # added when populations were split
CRM_VIEWS = crm_views.CRM_VIEWS  # they join crm_accounts and crm_contacts
LOOP_VIEWS = loop_views.LOOP_VIEWS  # they read feedback_cases (docs/loop.md)
VIEWS_BEFORE_LOOP = (*FEEDBACK_VIEWS, *POPULATION_VIEWS, *CRM_VIEWS)
"""What a migration made before the case tables rebuilds as "every view": the loop views need those tables."""
VIEWS_BEFORE_QUESTIONS = (*VIEWS_BEFORE_LOOP, *LOOP_VIEWS)
"""What a migration made before `feedback_scores.question_key` rebuilds as "every view"."""
QUESTION_VIEWS = question_views.QUESTION_VIEWS  # they follow feedback_scores.question_key
VIEWS_BEFORE_RANKING = (*VIEWS_BEFORE_QUESTIONS, *QUESTION_VIEWS)
"""What a migration made before the ranking views rebuilds as "every view"."""
RANKING_VIEWS = ranking_views.RANKING_VIEWS  # they read [ranking] from cxbridge_metadata (docs/ranking.md)
VIEW_NAMES = (*VIEWS_BEFORE_RANKING, *RANKING_VIEWS)


def _by_month(d: Dialect, metric_sql: str, columns: list[tuple[str, str]]) -> str:
    month = time_bucket(d, "month")
    select = ",\n       ".join(f"{sql} AS {name}" for name, sql in columns)
    return f"""
SELECT f.source, f.program, {month} AS month,
       COUNT(*) AS responses,
       {select}
FROM {d.qualified("feedback")} f
JOIN {d.qualified("feedback_scores")} s ON s.record_id = f.record_id AND s.is_primary AND {metric_sql}
WHERE {COUNTED}
GROUP BY f.source, f.program, {month}
"""


def _nps_by_month(d: Dialect, metric: str) -> str:
    promoters, detractors = count_if("s.category = 'promoter'"), count_if("s.category = 'detractor'")
    return _by_month(d, f"s.metric = '{metric}'", [
        ("promoters", promoters),
        ("passives", count_if("s.category = 'passive'")),
        ("detractors", detractors),
        (metric, share(d, f"{promoters} - {detractors}", "COUNT(*)")),
    ])  # fmt: skip


def nps_by_month(d: Dialect) -> str:
    """NPS (metric `nps`) per source, program and month: customers' in program `voc`."""
    return _nps_by_month(d, "nps")


def enps_by_month(d: Dialect) -> str:
    """eNPS (metric `enps`) per source, program and month: employees' in program `employee`."""
    return _nps_by_month(d, "enps")


def _boxes_by_month(d: Dialect, metric: str, boxes: tuple[str, str, str], pct: str, avg: str) -> str:
    best = count_if(f"s.category = '{boxes[0]}'")
    return _by_month(d, f"s.metric = '{metric}'", [
        (boxes[0], best),
        (boxes[1], count_if(f"s.category = '{boxes[1]}'")),
        (boxes[2], count_if(f"s.category = '{boxes[2]}'")),
        (pct, share(d, best, "COUNT(*)")),
        (avg, d.rounded_mean("s.normalized", 1)),
    ])  # fmt: skip


def csat_by_month(d: Dialect) -> str:
    return _boxes_by_month(d, "csat", ("satisfied", "neutral", "dissatisfied"), "csat_pct", "csat_avg_normalized")


def ces_by_month(d: Dialect) -> str:
    return _boxes_by_month(d, "ces", ("low_effort", "neutral", "high_effort"), "low_effort_pct", "ces_avg_normalized")


def _nps_columns(d: Dialect, population: str, metric: str) -> list[tuple[str, str]]:
    answers, net = net_parts(population, metric)
    return [(f"{metric}_responses", answers), (metric, share(d, net, answers))]


RANKING = ("nps", "csat_pct", "mystery_shop_score", "audit_score")
"""What `location_scorecard` ranks by: the first of these that any location has."""


def location_scorecard(d: Dialect) -> str:
    """Per location: customers' NPS, CSAT % and CES, employees' eNPS, the mystery-shop and the
    audit score side by side, and a rank with the top/bottom 20% flags by one figure for all —
    neither for a location within both (all tied, or ranked alone): the rank does not tell it apart."""
    csat = f"{CUSTOMERS} AND a.metric = 'csat'"

    def mean(population: str, metric: str) -> str:
        return d.rounded_mean(f"CASE WHEN {population} AND a.metric = '{metric}' THEN a.normalized END", 1)

    figures = [
        ("responses", "COUNT(DISTINCT f.record_id)"),
        *_nps_columns(d, CUSTOMERS, "nps"),
        ("csat_pct", share(d, count_if(f"{csat} AND a.category = 'satisfied'"), count_if(csat))),
        ("ces_avg_normalized", mean(CUSTOMERS, "ces")),
        *_nps_columns(d, EMPLOYEES, "enps"),
        ("mystery_shop_score", mean("f.program = 'mystery_shop'", "mystery_shop")),
        ("audit_score", mean("f.program = 'audit'", "audit")),
    ]
    columns = ", ".join(["location_id", "location_name", *(name for name, _ in figures)])
    select = ",\n           ".join(f"{sql} AS {name}" for name, sql in figures)
    basis = " ".join(f"WHEN COUNT({name}) > 0 THEN '{name}'" for name in RANKING)
    ranking = " ".join(f"WHEN '{name}' THEN {name}" for name in RANKING)
    return f"""
WITH answers AS ({record_answers(d)}
),
names AS ({store_names_used(d)}
),
per_location AS (
    SELECT f.location_id,
           MAX(n.location_name) AS location_name,
           {select}
    FROM {d.qualified("feedback")} f
    LEFT JOIN names n ON n.location_id = f.location_id
    LEFT JOIN answers a ON a.record_id = f.record_id
    WHERE f.location_id IS NOT NULL AND {COUNTED}
    GROUP BY f.location_id
),
basis AS (SELECT CASE {basis} END AS ranked_by FROM per_location),
scored AS (
    SELECT {columns}, b.ranked_by, CASE b.ranked_by {ranking} END AS ranking
    FROM per_location CROSS JOIN basis b
),
ranked AS (
    SELECT {columns}, ranked_by,
           RANK() OVER (ORDER BY ranking DESC) AS rank,
           RANK() OVER (ORDER BY ranking ASC) AS rank_from_bottom,
           COUNT(*) OVER () AS locations
    FROM scored
    WHERE ranking IS NOT NULL
),
flagged AS (
    SELECT {columns}, ranked_by, rank,
           (rank - 1) < 0.2 * locations AS within_top,
           (rank_from_bottom - 1) < 0.2 * locations AS within_bottom
    FROM ranked
)
SELECT {columns}, ranked_by, rank,
       within_top AND NOT within_bottom AS top_20_pct,
       within_bottom AND NOT within_top AS bottom_20_pct
FROM flagged
UNION ALL
SELECT {columns}, NULL, NULL, FALSE, FALSE
FROM scored
WHERE ranking IS NULL
"""


def primary_records(d: Dialect, metric: str, category: str) -> str:
    """The records whose primary answer of `metric` is in `category`."""
    return (
        f"SELECT record_id FROM {d.qualified('feedback_scores')} "
        f"WHERE is_primary AND metric = '{metric}' AND category = '{category}'"
    )


def _not_followed_up(d: Dialect) -> tuple[str, str]:
    """The join and condition that keep the records nobody followed up: no row in
    `feedback_followups` and no case contacted or closed (docs/bi.md) — a case worked in
    `cxbridge cases` is a follow-up too — of the record or of a copy of its response that points
    at it (a case stays on the copy that opened it, docs/identity.md)."""
    worked = (
        f"SELECT record_id FROM {d.qualified('feedback_followups')} UNION ALL "
        f"SELECT record_id FROM {d.qualified('feedback_cases')} WHERE first_contact_at IS NOT NULL OR status <> 'open'"
    )
    join = (
        f"LEFT JOIN (SELECT COALESCE(r.duplicate_of, w.record_id) AS record_id FROM ({worked}) w "
        f"LEFT JOIN {d.qualified('feedback')} r ON r.record_id = w.record_id) u ON u.record_id = f.record_id"
    )
    return join, "u.record_id IS NULL"


def detractor_queue(d: Dialect) -> str:
    """Customers (program `voc`) whose primary NPS answer is a detractor's or whose primary CSAT
    answer is dissatisfied, not followed up yet: close the loop."""
    followed, nobody = _not_followed_up(d)
    return f"""
SELECT f.record_id, f.source, f.program, f.submitted_at, f.location_id, f.location_name,
       f.team, f.agent_id, f.respondent_key, f.crm_contact_id, f.crm_account_id, f.ticket_id,
       f.nps, f.csat, f.comment,
       CASE WHEN n.record_id IS NOT NULL THEN 'detractor' ELSE 'dissatisfied' END AS reason,
       {d.days_since("f.submitted_at")} AS age_days
FROM {d.qualified("feedback")} f
LEFT JOIN ({primary_records(d, "nps", "detractor")}) n ON n.record_id = f.record_id
LEFT JOIN ({primary_records(d, "csat", "dissatisfied")}) c ON c.record_id = f.record_id
{followed}
WHERE {nobody} AND {CUSTOMERS} AND {COUNTED}
  AND (n.record_id IS NOT NULL OR c.record_id IS NOT NULL)
"""


def employee_followup_queue(d: Dialect) -> str:
    """Employees (program `employee`) whose primary eNPS answer is a detractor's, not followed up
    yet — beside `detractor_queue`, never in it."""
    followed, nobody = _not_followed_up(d)
    return f"""
SELECT f.record_id, f.source, f.program, f.submitted_at, f.location_id, f.location_name,
       f.team, f.respondent_key, e.value AS enps, f.comment,
       {d.days_since("f.submitted_at")} AS age_days
FROM {d.qualified("feedback")} f
JOIN {d.qualified("feedback_scores")} e ON e.record_id = f.record_id AND e.is_primary
     AND e.metric = 'enps' AND e.category = 'detractor'
{followed}
WHERE {nobody} AND {EMPLOYEES} AND {COUNTED}
"""


_RENDERERS = {
    "nps_by_month": nps_by_month,
    "csat_by_month": csat_by_month,
    "ces_by_month": ces_by_month,
    "location_scorecard": location_scorecard,
    "detractor_queue": detractor_queue,
    "enps_by_month": enps_by_month,
    "employee_followup_queue": employee_followup_queue,
    **crm_views.RENDERERS,
    **loop_views.RENDERERS,
    **question_views.RENDERERS,
    **ranking_views.RENDERERS,
}


def view_sql(d: Dialect, names: tuple[str, ...] = VIEW_NAMES) -> dict[str, str]:
    """The views' SELECTs in the dialect of `d`, by view name."""
    return {name: _RENDERERS[name](d) for name in names}
