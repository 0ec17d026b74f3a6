"""The loop's BI views, written once in portable SQL and rendered per dialect like the others
(`cxbridge.views`): `loop_queue`, the cases waiting for someone, and `loop_performance`, how fast
and how completely each month's cases were worked, by location and owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxbridge.sql_parts import count_if, share, time_bucket

if TYPE_CHECKING:
    from cxbridge.destinations import Destination
    from cxbridge.sql_parts import Dialect

LOOP_VIEWS = ("loop_queue", "loop_performance")
WAITING = "('open', 'contacted', 'resolved')"  # not informed, not closed: someone still has to act


def loop_queue(d: Dialect) -> str:
    """Every case someone still has to act on, with its record's place and scores, how many whole
    days it has waited, and whether it is overdue (open, with no contact, past its due time)."""
    return f"""
SELECT c.case_id, c.record_id, c.source, c.location_id, f.location_name, c.rule, c.matched, c.status,
       c.owner, c.opened_at, c.due_at, c.first_contact_at, c.external_ref, f.submitted_at, f.nps, f.csat,
       f.comment,
       {d.days_since("c.opened_at")} AS age_days,
       CASE WHEN c.status = 'open' AND c.first_contact_at IS NULL AND {d.is_past("c.due_at")} THEN TRUE ELSE FALSE END
           AS overdue
FROM {d.qualified("feedback_cases")} c
LEFT JOIN {d.qualified("feedback")} f ON f.record_id = c.record_id
WHERE c.status IN {WAITING}
"""


def loop_performance(d: Dialect) -> str:
    """Per month a case opened — of `opened_local_date`, its day in its source's time zone, as
    a record's month is of its local day — location and owner: cases opened, the median hours
    to the first contact (of the whole milliseconds from opening: the mean of the middle one or
    two), the share contacted within the SLA of the cases decided (contacted, or past due
    without a contact: one still within its SLA may yet be either), the share closed (resolved,
    informed or closed with no action) and the share whose customer was told (informed)."""
    month = time_bucket(d, "month", f"COALESCE(c.opened_local_date, {d.day_of('c.opened_at')})")
    hours = d.hours_between("c.opened_at", "c.first_contact_at")
    milliseconds = d.whole_units(f"{hours} * 3600", 3)  # whole: each engine's clock arithmetic is off by < 0.1 ms
    group = "month, location_id, owner"
    in_time = f"c.first_contact_at IS NOT NULL AND {d.hours_between('c.first_contact_at', 'c.due_at')} >= 0"
    decided = f"c.first_contact_at IS NOT NULL OR {d.is_past('c.due_at')}"
    return f"""
WITH cases AS (
    SELECT {month} AS month, COALESCE(c.location_id, '(none)') AS location_id,
           COALESCE(c.owner, '(nobody)') AS owner, c.status, c.due_at, c.first_contact_at,
           c.resolved_at, c.informed_at, c.closed_at,
           CASE WHEN c.first_contact_at IS NOT NULL THEN {milliseconds} END AS ms_to_contact
    FROM {d.qualified("feedback_cases")} c
),
ranked AS (
    SELECT {group}, ms_to_contact,
           ROW_NUMBER() OVER (PARTITION BY {group} ORDER BY ms_to_contact) AS position,
           COUNT(*) OVER (PARTITION BY {group}) AS contacted
    FROM cases WHERE ms_to_contact IS NOT NULL
),
medians AS (
    SELECT {group}, SUM(ms_to_contact) AS middle_ms, COUNT(*) AS middle
    FROM ranked WHERE 2 * position BETWEEN contacted AND contacted + 2
    GROUP BY {group}
)
SELECT c.month, c.location_id, c.owner,
       COUNT(*) AS cases_opened,
       {d.rounded_ratio("MAX(m.middle_ms)", "MAX(m.middle) * 3600000", 1)} AS median_hours_to_contact,
       {share(d, count_if(in_time), count_if(decided))} AS contacted_within_sla_pct,
       {_share(d, "c.resolved_at IS NOT NULL OR c.informed_at IS NOT NULL OR c.closed_at IS NOT NULL")} AS closed_pct,
       {_share(d, "c.informed_at IS NOT NULL")} AS informed_pct
FROM cases c
LEFT JOIN medians m ON m.month = c.month AND m.location_id = c.location_id AND m.owner = c.owner
GROUP BY c.month, c.location_id, c.owner
"""


def _share(d: Dialect, condition: str) -> str:
    return share(d, count_if(condition), "COUNT(*)")


RENDERERS = {"loop_queue": loop_queue, "loop_performance": loop_performance}


def loop_performance_rows(destination: Destination) -> list[dict[str, Any]]:
    """The rows of `loop_performance`, by month, location and owner (`cxbridge report --loop`)."""
    rows = destination.query(f"SELECT * FROM {destination.qualified('loop_performance')}")
    return sorted(rows, key=lambda row: (row["month"], row["location_id"], row["owner"]))
