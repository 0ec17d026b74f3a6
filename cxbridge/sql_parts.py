"""SQL fragments every view and `cxbridge report` share, in portable SQL rendered through a
destination's dialect: the time bucket a record counts in, counts and shares, and the
populations the views keep apart (DESIGN.md §3, docs/schema.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxbridge.scales import SCORE_DECIMALS
from cxbridge.records import WAVE_PROGRAMS

if TYPE_CHECKING:
    from cxbridge.destinations import Destination

    Dialect = Destination | type[Destination]  # the dialect methods are class methods

CUSTOMERS = "f.program = 'voc'"
"""Records of customers: a population is a program (voc, employee, mystery_shop, audit)."""
EMPLOYEES = "f.program = 'employee'"
COUNTED = "f.duplicate_of IS NULL"
"""One copy of each response read through several sources (`cxbridge.duplicates`): the others point at it."""
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


IN_WAVES = f"f.program IN ({', '.join(repr(program) for program in WAVE_PROGRAMS)})"
"""Records whose own wave is their wave: visits and audits (docs/ranking.md, Waves)."""
WAVE_OF_RECORD = f"COALESCE(CASE WHEN {IN_WAVES} THEN f.wave END, w.wave)"
"""A record's wave: a visit's or an audit's own, else the wave its day falls in (`w`, joined by
`in_wave`); NULL when it falls in none."""


def waves(d: Dialect, *, only_if: str = "", joined: str = "") -> str:
    """Each wave of the visits and audits with its first local day and the first day of the wave
    after it (by first day, then name): a survey answer counts in the wave from one to the next,
    and in the latest from its first day on. `only_if`/`joined` compute them only when a
    condition on a joined table holds (the ranking's period)."""
    condition = f"{only_if} AND " if only_if else ""
    return f"""
    SELECT wave, first_day, LEAD(first_day) OVER (ORDER BY first_day, wave) AS next_day
    FROM (
        SELECT f.wave, MIN({LOCAL_DAY}) AS first_day
        FROM {d.qualified("feedback")} f{joined}
        WHERE {condition}{IN_WAVES} AND f.wave IS NOT NULL AND {COUNTED}
        GROUP BY f.wave
    ) w
    WHERE first_day IS NOT NULL"""


def in_wave(*, only_if: str = "") -> str:
    """Joins `waves w` (a CTE of `waves`) to the wave whose days hold the record's local day."""
    condition = f"{only_if} AND " if only_if else ""
    return f"LEFT JOIN waves w ON {condition}{LOCAL_DAY} >= w.first_day " \
           f"AND (w.next_day IS NULL OR {LOCAL_DAY} < w.next_day)"  # fmt: skip


def store_names_used(d: Dialect) -> str:
    """Each store id's name: the spelling most of its counted records carry, of those as many the
    latest by time (`in_time`; a spelling only undated records carry after every dated one, in
    every engine: they order NULLs apart), then the greatest — a name mistyped now and then (lowercase, a stray
    space or word) never names the store because it sorts last, as the greatest name did."""
    return f"""SELECT location_id, location_name FROM (
            SELECT location_id, location_name, ROW_NUMBER() OVER (
                       PARTITION BY location_id ORDER BY COUNT(*) DESC,
                       CASE WHEN MAX(submitted_at) IS NULL THEN 1 ELSE 0 END, MAX({d.in_time("submitted_at")}) DESC, location_name DESC
                   ) AS choice
            FROM {d.qualified("feedback")}
            WHERE location_id IS NOT NULL AND location_name IS NOT NULL AND duplicate_of IS NULL
            GROUP BY location_id, location_name
        ) spellings WHERE choice = 1"""


def store_label(alias: str = "f") -> str:
    """A record's store as `cxbridge report` names it: the name of its store id — its most
    used spelling (`store_names_used`), as `location_scorecard` names it, so that a name written
    two ways is one store — else its own name, else its id; and the id too, `Mall (S07)`, when
    stores of several ids go by the name, so that they never count as one store (needs
    `store_names` joined)."""
    key = f"{alias}.location_id"
    return f"CASE WHEN sn.location_name IS NULL THEN COALESCE({alias}.location_name, {key}) " \
           f"WHEN sn.namesakes > 1 THEN sn.location_name || ' (' || {key} || ')' ELSE sn.location_name END"  # fmt: skip


def store_names(d: Dialect, alias: str = "f") -> str:
    """Joins `sn` to a record's store id: the name the id goes by and how many ids go by that name
    (`store_label`)."""
    return f"""LEFT JOIN (
        SELECT location_id, location_name, COUNT(*) OVER (PARTITION BY location_name) AS namesakes
        FROM ({store_names_used(d)}) ids
    ) sn ON sn.location_id = {alias}.location_id"""


def count_if(condition: str) -> str:
    """How many rows of the group meet `condition` (0 when none do), in every dialect."""
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def net_parts(population: str, metric: str) -> tuple[str, str]:
    """SQL of the answers (`a`, rows of `record_answers`) of an NPS-like metric in a population,
    and of its promoters less its detractors."""
    answered = f"{population} AND a.metric = '{metric}'"
    promoters = count_if(f"{answered} AND a.category = 'promoter'")
    detractors = count_if(f"{answered} AND a.category = 'detractor'")
    return count_if(answered), f"{promoters} - {detractors}"


def share(d: Dialect, part: str, whole: str) -> str:
    """`100 · part / whole` of whole numbers to one decimal, exactly (`Destination.rounded_ratio`);
    NULL when `whole` is 0."""
    return d.rounded_ratio(f"100 * ({part})", whole, 1)


def record_answers(d: Dialect) -> str:
    """One row per record and metric: its primary NPS, eNPS, CSAT or CES answer, or the mean of
    its mystery-shop or audit scores to six decimals, as a score is stored (a visit or an audit
    counts once; its criteria never) — what location_scorecard and the ranking views count."""
    scores = d.qualified("feedback_scores")
    return f"""
    SELECT record_id, metric, category, normalized FROM {scores}
    WHERE is_primary AND metric IN ('nps', 'enps', 'csat', 'ces')
    UNION ALL
    SELECT record_id, metric, NULL AS category, {d.rounded_mean("normalized", SCORE_DECIMALS)} AS normalized
    FROM {scores}
    WHERE metric IN ('mystery_shop', 'audit')
    GROUP BY record_id, metric"""
