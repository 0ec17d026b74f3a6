"""The BI views of DESIGN.md §3 in SQLite's dialect.

Each view reads the primary score of a record (`feedback_scores.is_primary`), so a record with
two CSAT questions counts once. Months are `YYYY-MM` of `submitted_at` (UTC).
"""

from __future__ import annotations


def _primary(metric_sql: str) -> str:
    return f"""
    FROM feedback f
    JOIN feedback_scores s ON s.record_id = f.record_id AND s.is_primary = 1 AND s.metric {metric_sql}
    WHERE f.submitted_at IS NOT NULL"""


NPS_BY_MONTH = f"""
SELECT f.source, f.program, substr(f.submitted_at, 1, 7) AS month,
       COUNT(*) AS responses,
       SUM(s.category = 'promoter') AS promoters,
       SUM(s.category = 'passive') AS passives,
       SUM(s.category = 'detractor') AS detractors,
       ROUND(100.0 * (SUM(s.category = 'promoter') - SUM(s.category = 'detractor')) / COUNT(*), 1) AS nps
{_primary("IN ('nps', 'enps')")}
GROUP BY f.source, f.program, month
"""

CSAT_BY_MONTH = f"""
SELECT f.source, f.program, substr(f.submitted_at, 1, 7) AS month,
       COUNT(*) AS responses,
       SUM(s.category = 'satisfied') AS satisfied,
       SUM(s.category = 'neutral') AS neutral,
       SUM(s.category = 'dissatisfied') AS dissatisfied,
       ROUND(100.0 * SUM(s.category = 'satisfied') / COUNT(*), 1) AS csat_pct,
       ROUND(AVG(s.normalized), 1) AS csat_avg_normalized
{_primary("= 'csat'")}
GROUP BY f.source, f.program, month
"""

CES_BY_MONTH = f"""
SELECT f.source, f.program, substr(f.submitted_at, 1, 7) AS month,
       COUNT(*) AS responses,
       SUM(s.category = 'low_effort') AS low_effort,
       SUM(s.category = 'neutral') AS neutral,
       SUM(s.category = 'high_effort') AS high_effort,
       ROUND(100.0 * SUM(s.category = 'low_effort') / COUNT(*), 1) AS low_effort_pct,
       ROUND(AVG(s.normalized), 1) AS ces_avg_normalized
{_primary("= 'ces'")}
GROUP BY f.source, f.program, month
"""

LOCATION_SCORECARD = """
WITH per_location AS (
    SELECT f.location_id,
           MAX(f.location_name) AS location_name,
           COUNT(DISTINCT f.record_id) AS responses,
           SUM(s.metric IN ('nps', 'enps')) AS nps_responses,
           ROUND(100.0 * (SUM(s.metric IN ('nps', 'enps') AND s.category = 'promoter')
                        - SUM(s.metric IN ('nps', 'enps') AND s.category = 'detractor'))
                 / NULLIF(SUM(s.metric IN ('nps', 'enps')), 0), 1) AS nps,
           ROUND(100.0 * SUM(s.metric = 'csat' AND s.category = 'satisfied')
                 / NULLIF(SUM(s.metric = 'csat'), 0), 1) AS csat_pct,
           ROUND(AVG(CASE WHEN s.metric = 'ces' THEN s.normalized END), 1) AS ces_avg_normalized,
           ROUND(AVG(CASE WHEN s.metric IN ('audit', 'mystery_shop') THEN s.normalized END), 1) AS audit_score
    FROM feedback f
    LEFT JOIN feedback_scores s ON s.record_id = f.record_id
         AND (s.is_primary = 1 OR s.metric IN ('audit', 'mystery_shop'))
    WHERE f.location_id IS NOT NULL
    GROUP BY f.location_id
),
ranked AS (
    SELECT *,
           RANK() OVER (ORDER BY COALESCE(nps, csat_pct, audit_score) DESC) AS rank,
           RANK() OVER (ORDER BY COALESCE(nps, csat_pct, audit_score) ASC) AS rank_from_bottom,
           COUNT(*) OVER () AS locations
    FROM per_location
    WHERE COALESCE(nps, csat_pct, audit_score) IS NOT NULL
)
SELECT location_id, location_name, responses, nps_responses, nps, csat_pct, ces_avg_normalized,
       audit_score, rank,
       (rank - 1) < 0.2 * locations AS top_20_pct,
       (rank_from_bottom - 1) < 0.2 * locations AS bottom_20_pct
FROM ranked
UNION ALL
SELECT location_id, location_name, responses, nps_responses, nps, csat_pct, ces_avg_normalized,
       audit_score, NULL, 0, 0
FROM per_location
WHERE COALESCE(nps, csat_pct, audit_score) IS NULL
"""

DETRACTOR_QUEUE = """
SELECT f.record_id, f.source, f.program, f.submitted_at, f.location_id, f.location_name,
       f.team, f.agent_id, f.respondent_key, f.crm_contact_id, f.crm_account_id, f.ticket_id,
       f.nps, f.csat, f.comment,
       CASE WHEN f.nps_group = 'detractor' THEN 'detractor' ELSE 'dissatisfied' END AS reason,
       CAST(julianday('now') - julianday(f.submitted_at) AS INTEGER) AS age_days
FROM feedback f
LEFT JOIN feedback_followups u ON u.record_id = f.record_id
WHERE u.record_id IS NULL
  AND (f.nps_group = 'detractor'
       OR EXISTS (SELECT 1 FROM feedback_scores s
                  WHERE s.record_id = f.record_id AND s.is_primary = 1
                    AND s.metric = 'csat' AND s.category = 'dissatisfied'))
"""

VIEWS = {
    "nps_by_month": NPS_BY_MONTH,
    "csat_by_month": CSAT_BY_MONTH,
    "ces_by_month": CES_BY_MONTH,
    "location_scorecard": LOCATION_SCORECARD,
    "detractor_queue": DETRACTOR_QUEUE,
}
