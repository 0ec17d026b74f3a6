"""The BI views of DESIGN.md §3, written once in portable SQL and rendered per dialect through
the destination's `iso_week_of`, `days_since`, `rounded` and `qualified`.

Each view reads the primary score of a record (`feedback_scores.is_primary`), so a record with
two CSAT questions counts once. Time buckets (`time_bucket`) are days, ISO weeks, months and
quarters of `feedback.submitted_local_date`, the record's day in its source's time zone; a
record without a date counts in the bucket `undated`, never left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxbridge.destinations import Destination

    Dialect = Destination | type[Destination]  # the dialect methods are class methods

FEEDBACK_VIEWS = ("nps_by_month", "csat_by_month", "ces_by_month", "location_scorecard", "detractor_queue")
CRM_VIEWS = ("nps_by_segment", "nps_revenue_by_month")  # they join crm_accounts and crm_contacts
VIEW_NAMES = (*FEEDBACK_VIEWS, *CRM_VIEWS)
NPS_METRIC = "s.metric IN ('nps', 'enps')"
LOCAL_DAY = "f.submitted_local_date"
BUCKETS = ("day", "week", "month", "quarter")
UNDATED = "undated"


def time_bucket(d: Dialect, by: str, day: str = LOCAL_DAY) -> str:
    """SQL for the time bucket a record counts in, as text that sorts in time order: `by` day
    `2025-11-01`, ISO week `2025-W44` (Monday to Sunday, in the year of its Thursday), month
    `2025-11` or quarter `2025-Q4` of `day` — a `YYYY-MM-DD` text column, by default the
    record's day in its source's time zone (`feedback.submitted_local_date`, written by the
    engine from `timezone`) — and `undated` for a record without a date.

    The views and `cxbridge report` group by this, so a bucket means the same everywhere; only
    the ISO week needs the dialect (`Destination.iso_week_of`)."""
    if by == "day":
        bucket = day
    elif by == "week":
        bucket = d.iso_week_of(day)
    elif by == "month":
        bucket = f"substr({day}, 1, 7)"
    elif by == "quarter":
        quarter = f"CASE WHEN substr({day}, 6, 2) <= '03' THEN '1' WHEN substr({day}, 6, 2) <= '06' THEN '2' " \
                  f"WHEN substr({day}, 6, 2) <= '09' THEN '3' ELSE '4' END"  # fmt: skip
        bucket = f"substr({day}, 1, 4) || '-Q' || {quarter}"
    else:
        raise ValueError(f"no time bucket {by!r}; choose one of {', '.join(BUCKETS)}")
    return f"CASE WHEN {day} IS NULL THEN '{UNDATED}' ELSE {bucket} END"


def count_if(condition: str) -> str:
    """How many rows of the group meet `condition` (0 when none do), in every dialect."""
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def share(d: Dialect, part: str, whole: str) -> str:
    """`100 · part / whole` rounded to one decimal; NULL when `whole` is 0."""
    return d.rounded(f"100.0 * ({part}) / NULLIF({whole}, 0)", 1)


def _by_month(d: Dialect, metric_sql: str, columns: list[tuple[str, str]]) -> str:
    month = time_bucket(d, "month")
    select = ",\n       ".join(f"{sql} AS {name}" for name, sql in columns)
    return f"""
SELECT f.source, f.program, {month} AS month,
       COUNT(*) AS responses,
       {select}
FROM {d.qualified("feedback")} f
JOIN {d.qualified("feedback_scores")} s ON s.record_id = f.record_id AND s.is_primary AND {metric_sql}
GROUP BY f.source, f.program, {month}
"""


def nps_by_month(d: Dialect) -> str:
    promoters, detractors = count_if("s.category = 'promoter'"), count_if("s.category = 'detractor'")
    return _by_month(d, NPS_METRIC, [
        ("promoters", promoters),
        ("passives", count_if("s.category = 'passive'")),
        ("detractors", detractors),
        ("nps", share(d, f"{promoters} - {detractors}", "COUNT(*)")),
    ])  # fmt: skip


def _boxes_by_month(d: Dialect, metric: str, boxes: tuple[str, str, str], pct: str, avg: str) -> str:
    best = count_if(f"s.category = '{boxes[0]}'")
    return _by_month(d, f"s.metric = '{metric}'", [
        (boxes[0], best),
        (boxes[1], count_if(f"s.category = '{boxes[1]}'")),
        (boxes[2], count_if(f"s.category = '{boxes[2]}'")),
        (pct, share(d, best, "COUNT(*)")),
        (avg, d.rounded("AVG(s.normalized)", 1)),
    ])  # fmt: skip


def csat_by_month(d: Dialect) -> str:
    return _boxes_by_month(d, "csat", ("satisfied", "neutral", "dissatisfied"), "csat_pct", "csat_avg_normalized")


def ces_by_month(d: Dialect) -> str:
    return _boxes_by_month(d, "ces", ("low_effort", "neutral", "high_effort"), "low_effort_pct", "ces_avg_normalized")


def location_scorecard(d: Dialect) -> str:
    """Per location: n, NPS, CSAT %, CES, audit score, rank and the top/bottom 20% flags."""
    nps_n, csat_n = count_if(NPS_METRIC), count_if("s.metric = 'csat'")
    promoters = count_if(f"{NPS_METRIC} AND s.category = 'promoter'")
    detractors = count_if(f"{NPS_METRIC} AND s.category = 'detractor'")
    net = f"{promoters} - {detractors}"
    satisfied = count_if("s.metric = 'csat' AND s.category = 'satisfied'")
    ranking = "COALESCE(nps, csat_pct, audit_score)"
    columns = "location_id, location_name, responses, nps_responses, nps, csat_pct, ces_avg_normalized, audit_score"
    return f"""
WITH per_location AS (
    SELECT f.location_id,
           MAX(f.location_name) AS location_name,
           COUNT(DISTINCT f.record_id) AS responses,
           {nps_n} AS nps_responses,
           {share(d, net, nps_n)} AS nps,
           {share(d, satisfied, csat_n)} AS csat_pct,
           {d.rounded("AVG(CASE WHEN s.metric = 'ces' THEN s.normalized END)", 1)} AS ces_avg_normalized,
           {d.rounded("AVG(CASE WHEN s.metric IN ('audit', 'mystery_shop') THEN s.normalized END)", 1)} AS audit_score
    FROM {d.qualified("feedback")} f
    LEFT JOIN {d.qualified("feedback_scores")} s ON s.record_id = f.record_id
         AND (s.is_primary OR s.metric IN ('audit', 'mystery_shop'))
    WHERE f.location_id IS NOT NULL
    GROUP BY f.location_id
),
ranked AS (
    SELECT {columns},
           RANK() OVER (ORDER BY {ranking} DESC) AS rank,
           RANK() OVER (ORDER BY {ranking} ASC) AS rank_from_bottom,
           COUNT(*) OVER () AS locations
    FROM per_location
    WHERE {ranking} IS NOT NULL
)
SELECT {columns}, rank,
       (rank - 1) < 0.2 * locations AS top_20_pct,
       (rank_from_bottom - 1) < 0.2 * locations AS bottom_20_pct
FROM ranked
UNION ALL
SELECT {columns}, NULL, FALSE, FALSE
FROM per_location
WHERE {ranking} IS NULL
"""


def detractor_queue(d: Dialect) -> str:
    """Detractors and dissatisfied customers nobody has followed up yet: close the loop."""
    return f"""
SELECT f.record_id, f.source, f.program, f.submitted_at, f.location_id, f.location_name,
       f.team, f.agent_id, f.respondent_key, f.crm_contact_id, f.crm_account_id, f.ticket_id,
       f.nps, f.csat, f.comment,
       CASE WHEN f.nps_group = 'detractor' THEN 'detractor' ELSE 'dissatisfied' END AS reason,
       {d.days_since("f.submitted_at")} AS age_days
FROM {d.qualified("feedback")} f
LEFT JOIN {d.qualified("feedback_followups")} u ON u.record_id = f.record_id
WHERE u.record_id IS NULL
  AND (f.nps_group = 'detractor'
       OR EXISTS (SELECT 1 FROM {d.qualified("feedback_scores")} s
                  WHERE s.record_id = f.record_id AND s.is_primary
                    AND s.metric = 'csat' AND s.category = 'dissatisfied'))
"""


def _nps_with_accounts(d: Dialect) -> str:
    """Each primary NPS answer with its month, group and CRM account: the record's own
    `crm_account_id`, else its contact's account, else the account of a contact with the same
    hashed e-mail — and that account's segment and revenue."""
    return f"""
WITH contact_accounts AS (
    SELECT contact_id, MIN(account_id) AS account_id FROM {d.qualified("crm_contacts")}
    WHERE account_id IS NOT NULL GROUP BY contact_id
),
key_accounts AS (
    SELECT respondent_key, MIN(account_id) AS account_id FROM {d.qualified("crm_contacts")}
    WHERE account_id IS NOT NULL AND respondent_key IS NOT NULL GROUP BY respondent_key
),
accounts AS (
    SELECT account_id, MAX(segment) AS segment, MAX(annual_revenue) AS annual_revenue
    FROM {d.qualified("crm_accounts")} GROUP BY account_id
),
answers AS (
    SELECT {time_bucket(d, "month")} AS month, s.category,
           COALESCE(f.crm_account_id, ca.account_id, ka.account_id) AS account_id
    FROM {d.qualified("feedback")} f
    JOIN {d.qualified("feedback_scores")} s ON s.record_id = f.record_id AND s.is_primary AND {NPS_METRIC}
    LEFT JOIN contact_accounts ca ON ca.contact_id = f.crm_contact_id
    LEFT JOIN key_accounts ka ON ka.respondent_key = f.respondent_key
)
SELECT n.month, n.category, n.account_id, a.account_id AS known_account, a.segment, a.annual_revenue
FROM answers n LEFT JOIN accounts a ON a.account_id = n.account_id
"""


def nps_by_segment(d: Dialect) -> str:
    """NPS per CRM segment and month; answers without an account are `no account`, accounts
    without a segment `unsegmented`."""
    promoters, detractors = count_if("category = 'promoter'"), count_if("category = 'detractor'")
    segment = "COALESCE(segment, CASE WHEN known_account IS NULL THEN 'no account' ELSE 'unsegmented' END)"
    return f"""
SELECT {segment} AS segment, month,
       COUNT(*) AS responses,
       COUNT(DISTINCT known_account) AS accounts,
       {promoters} AS promoters,
       {count_if("category = 'passive'")} AS passives,
       {detractors} AS detractors,
       {share(d, f"{promoters} - {detractors}", "COUNT(*)")} AS nps
FROM ({_nps_with_accounts(d)}) x
GROUP BY {segment}, month
"""


def nps_revenue_by_month(d: Dialect) -> str:
    """NPS per month beside the revenue-weighted NPS: each answer weighted by its account's
    annual revenue, 100 · (revenue of promoters − revenue of detractors) / revenue of all
    answers with a known revenue — and the revenue behind this month's detractors."""
    revenue = "COALESCE(annual_revenue, 0)"
    promoter_revenue = f"SUM(CASE WHEN category = 'promoter' THEN {revenue} ELSE 0 END)"
    detractor_revenue = f"SUM(CASE WHEN category = 'detractor' THEN {revenue} ELSE 0 END)"
    promoters, detractors = count_if("category = 'promoter'"), count_if("category = 'detractor'")
    return f"""
SELECT month,
       COUNT(*) AS responses,
       {share(d, f"{promoters} - {detractors}", "COUNT(*)")} AS nps,
       COUNT(annual_revenue) AS responses_with_revenue,
       {share(d, f"{promoter_revenue} - {detractor_revenue}", "SUM(annual_revenue)")} AS revenue_weighted_nps,
       {d.rounded(detractor_revenue, 2)} AS detractor_revenue
FROM ({_nps_with_accounts(d)}) x
GROUP BY month
"""


_RENDERERS = {
    "nps_by_month": nps_by_month,
    "csat_by_month": csat_by_month,
    "ces_by_month": ces_by_month,
    "location_scorecard": location_scorecard,
    "detractor_queue": detractor_queue,
    "nps_by_segment": nps_by_segment,
    "nps_revenue_by_month": nps_revenue_by_month,
}


def view_sql(d: Dialect, names: tuple[str, ...] = VIEW_NAMES) -> dict[str, str]:
    """The views' SELECTs in the dialect of `d`, by view name."""
    return {name: _RENDERERS[name](d) for name in names}
