"""`cxbridge report`: each program's own figures — customer NPS, CSAT and CES, employee eNPS,
mystery-shop and audit scores — by a time bucket or a dimension, in the destination's own SQL.

Two populations never share a number: every row is one program and one metric. A record counts
once per metric: by its primary answer for NPS, eNPS, CSAT and CES, and by the average of its
0–100 scores for mystery shops and audits (a visit or an audit is one score, however many
questions it has).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from cxbridge import intervals as confidence
from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError
from cxbridge.scales import SCORE_DECIMALS
from cxbridge.records import Program
from cxbridge.sql_parts import COUNTED, WAVE_OF_RECORD, in_wave, store_label, store_names, waves
from cxbridge.views import UNDATED, count_if, share, time_bucket

PROGRAMS = tuple(program.value for program in Program)  # voc, mystery_shop, audit, employee
METRICS = ("nps", "csat", "ces", "enps", "mystery_shop", "audit")
ANSWER_METRICS = ("nps", "enps", "csat", "ces")  # a record's primary answer of the metric
POINT_METRICS = ("mystery_shop", "audit")  # a record's points of the maximum, 0–100
TIME_BUCKETS = ("month", "week", "quarter", "day")  # of the record's local day: cxbridge.views.time_bucket
DIMENSIONS = {
    "location": store_label("f"),  # its name; with its id when another store has the name
    "agent": "f.agent_id",
    "team": "f.team",
    "touchpoint": "f.touchpoint",
    "channel": "f.channel",
    "survey": "COALESCE(f.survey_name, f.survey_id)",
    "source": "f.source",
    "program": "f.program",
    "wave": WAVE_OF_RECORD,  # a visit's or an audit's own, else the wave its day falls in (docs/ranking.md)
}
BY = (*TIME_BUCKETS, *DIMENSIONS)


def none_label(by: str) -> str:
    """How a table names the row of the records with no value of `by` (JSON and CSV keep null):
    `(no wave)`, `(no store)` — the HTML report's word for a location — `(no team)`, …"""
    return f"(no {'store' if by == 'location' else by})"


MIN_BASE = 5
"""A figure of fewer responses, visits or audits (each program counts its own) is indicative: shown
with its base, but no change from or to it is called significant (docs/report.md#small-samples)."""


def indicative(responses: int) -> bool:
    """Whether a figure of this many answers is below the minimum base."""
    return responses < MIN_BASE


SEQUENCES = (*TIME_BUCKETS, "wave")  # a row's figures have a previous bucket to change from
ROW_ORDER = {
    "program": ("voc", "employee", "mystery_shop", "audit"),
    "metric": METRICS,
}
SCORE_MEANS = {  # what `score` is, per metric
    "nps": "−100…100",
    "enps": "−100…100",
    "csat": "% satisfied",
    "ces": "% low effort",
    "mystery_shop": "mean 0–100",
    "audit": "mean 0–100",
}
_NPS_BOXES = (("promoters", "promoter"), ("passives", "passive"), ("detractors", "detractor"))
_BOXES = {  # per metric, best box first: (column, category)
    "nps": _NPS_BOXES,
    "enps": _NPS_BOXES,
    "csat": (("satisfied", "satisfied"), ("neutral", "neutral"), ("dissatisfied", "dissatisfied")),
    "ces": (("low_effort", "low_effort"), ("neutral", "neutral"), ("high_effort", "high_effort")),
}


@dataclass(frozen=True)
class ReportOptions:
    """What to report: grouped `by` a time bucket or a dimension, one `metric` in detail or all
    in summary, records of some `programs` and `sources` only, submitted on the local day
    `since` or later and before the local day `until`."""

    by: str = "month"
    metric: str | None = None
    programs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    intervals: bool = False
    """Add each figure's 95 % interval, whether it is `indicative` (`MIN_BASE`) and, by a time
    bucket, its change since the bucket before and whether that change is significant
    (`cxbridge.intervals`)."""

    def __post_init__(self) -> None:
        if self.by not in BY:
            raise ConfigError(f"cannot report by {self.by!r}; choose one of {', '.join(BY)}")
        if self.metric is not None and self.metric not in METRICS:
            raise ConfigError(f"unknown metric {self.metric!r}; choose one of {', '.join(METRICS)}")
        unknown = [program for program in self.programs if program not in PROGRAMS]
        if unknown:
            raise ConfigError(f"unknown program {unknown[0]!r}; choose one of {', '.join(PROGRAMS)}")
        if self.since and self.until and self.since >= self.until:
            raise ConfigError(f"--since {self.since} is not before --until {self.until}: no day is in between")


class Parameters:
    """Values bound to a statement, each written as the destination's placeholder."""

    def __init__(self, destination: Destination):
        self.destination = destination
        self.values: list[Any] = []

    def bound(self, value: Any) -> str:
        self.values.append(value)
        return self.destination.param(len(self.values) - 1)

    def among(self, values: tuple[Any, ...]) -> str:
        return ", ".join(self.bound(value) for value in values)


def _bucket(destination: Destination, by: str) -> str:
    return time_bucket(destination, by) if by in TIME_BUCKETS else DIMENSIONS[by]


def record_filters(
    options: ReportOptions, parameters: Parameters, *, undated: bool = False, copies: bool = False
) -> str:
    """The records the report counts; with `undated`, those of them its period leaves out instead;
    with `copies`, also the copies counted elsewhere (a case stays on the copy that opened it)."""
    conditions = ["1 = 1" if copies else COUNTED]  # a response read through several sources counts once
    if options.programs:
        conditions.append(f"f.program IN ({parameters.among(options.programs)})")
    if options.sources:
        conditions.append(f"f.source IN ({parameters.among(options.sources)})")
    if undated:
        conditions.append(f"{time_bucket(parameters.destination, 'day')} = '{UNDATED}'")
    elif options.since or options.until:  # local days are 'YYYY-MM-DD' text: they compare in time order
        day = time_bucket(parameters.destination, "day")
        conditions.append(f"{day} <> '{UNDATED}'")
        if options.since:
            conditions.append(f"{day} >= {parameters.bound(options.since.isoformat())}")
        if options.until:
            conditions.append(f"{day} < {parameters.bound(options.until.isoformat())}")
    return " AND ".join(conditions)


def _scored(
    destination: Destination, options: ReportOptions, parameters: Parameters, *, undated: bool = False,
    questions: bool = False,
) -> str:
    """One row per record and metric: its bucket, program, metric, category and 0–100 score (with
    `undated`, of the undated records a period leaves out, and the record's id; with `questions`,
    of the primary answers only, their source and question instead of category and score)."""
    answers = [m for m in ANSWER_METRICS if options.metric in (None, m)]
    points = [m for m in POINT_METRICS if options.metric in (None, m) and not questions]
    record = "c.record_id, " if undated else ""  # counted by record; the report's rows need none
    spans, joined = (f"waves AS ({waves(destination)}\n),\n", f"\n    {in_wave()}") if options.by == "wave" else ("", "")
    if options.by == "location":
        joined = f"\n    {store_names(destination)}"
    chosen = f"""{spans}chosen AS (
    SELECT f.record_id, {_bucket(destination, options.by)} AS bucket, f.program, f.source
    FROM feedback f{joined}
    WHERE {record_filters(options, parameters, undated=undated)}
)"""
    parts = []
    if answers:
        answered = "c.source, COALESCE(s.question_text, s.question_id) AS question" if questions else "s.category, s.normalized"
        parts.append(f"""SELECT {record}c.bucket, c.program, s.metric, {answered}
    FROM chosen c
    JOIN feedback_scores s ON s.record_id = c.record_id AND s.is_primary AND s.metric IN ({_listed(answers)})""")
    if points:
        visit = destination.rounded_mean("s.normalized", SCORE_DECIMALS)  # as `sql_parts.record_answers`
        parts.append(f"""SELECT {record}c.bucket, c.program, s.metric, NULL AS category, {visit} AS normalized
    FROM chosen c
    JOIN feedback_scores s ON s.record_id = c.record_id AND s.metric IN ({_listed(points)})
    GROUP BY c.record_id, c.bucket, c.program, s.metric""")
    return f"WITH {chosen},\nscored AS (\n    " + "\n    UNION ALL\n    ".join(parts) + "\n)"


def _listed(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)  # names of METRICS, never user text


def _score(d: Destination) -> str:
    """The headline figure of each metric, computed over the rows of one group."""
    promoters, detractors = count_if("category = 'promoter'"), count_if("category = 'detractor'")
    return f"""CASE
           WHEN metric IN ('nps', 'enps') THEN {share(d, f"{promoters} - {detractors}", "COUNT(*)")}
           WHEN metric = 'csat' THEN {share(d, count_if("category = 'satisfied'"), "COUNT(*)")}
           WHEN metric = 'ces' THEN {share(d, count_if("category = 'low_effort'"), "COUNT(*)")}
           ELSE {d.rounded_mean("normalized", 1)}
       END"""


def report_columns(by: str = "month", metric: str | None = None) -> list[str]:
    """The columns of the report's rows, in order (the CSV header even when there are no rows)."""
    return [by, "program", *(["responses", *_detail_names(metric)] if metric else ["metric", "responses", "score"])]


def _detail_names(metric: str) -> list[str]:
    """The names of `_detail_columns`, in order."""
    if metric in POINT_METRICS:
        return ["score", "lowest", "highest"]
    boxes = [column for column, _ in _BOXES[metric]]
    if metric in ("nps", "enps"):
        return [*boxes, metric]
    return [*boxes, "csat_pct" if metric == "csat" else "low_effort_pct", f"{metric}_avg_normalized"]


def _detail_columns(d: Destination, metric: str) -> list[tuple[str, str]]:
    """The parts of one metric: its boxes and figures, or the spread of a point score."""
    if metric in POINT_METRICS:
        figures = [d.rounded_mean("normalized", 1), d.rounded_float("MIN(normalized)", 1), d.rounded_float("MAX(normalized)", 1)]
    else:
        counts = [count_if(f"category = '{category}'") for _, category in _BOXES[metric]]
        if metric in ("nps", "enps"):
            figures = [*counts, share(d, f"{counts[0]} - {counts[2]}", "COUNT(*)")]
        else:
            figures = [*counts, share(d, counts[0], "COUNT(*)"), d.rounded_mean("normalized", 1)]
    return list(zip(_detail_names(metric), figures, strict=True))


def report_sql(destination: Destination, options: ReportOptions) -> tuple[str, list[Any]]:
    """The report query in the destination's dialect, and the values it binds."""
    parameters = Parameters(destination)
    scored = _scored(destination, options, parameters)
    if options.metric:
        columns = [("responses", "COUNT(*)"), *_detail_columns(destination, options.metric)]
    else:
        columns = [("metric", "metric"), ("responses", "COUNT(*)"), ("score", _score(destination))]
    if options.intervals:
        columns += _parts(destination)
    select = ",\n       ".join(f"{sql} AS {name}" for name, sql in columns)
    return (
        f"{scored}\nSELECT bucket, program,\n       {select}\nFROM scored\nGROUP BY bucket, program, metric",
        parameters.values,
    )


def report_rows(destination: Destination, options: ReportOptions | None = None) -> list[dict[str, Any]]:
    """Rows of the report, one per value of `by`, program and metric, in a stable order."""
    options = options or ReportOptions()
    _check_sources(destination, options.sources)
    sql, values = report_sql(destination, options)
    rows = [_named(row, options.by) for row in destination.query(sql, values)]
    places = _wave_places(destination) if options.by == "wave" else {}
    rows = sorted(rows, key=lambda row: _order(row, options.by, places))
    _with_questions(rows, destination, options)
    return _with_intervals(rows, options) if options.intervals else rows


def _with_questions(rows: list[dict[str, Any]], destination: Destination, options: ReportOptions) -> None:
    """Give every row `questions`, the primary questions behind its own figure, each `source:
    question` (its text as stored, else its id): one, or several (a store's and a brand's
    recommend); none of a mystery-shop or audit score, the mean of a visit's scores. A key on
    every row, so that a program reading the JSON finds the same keys on each."""
    for row in rows:
        row["questions"] = []
    if options.metric in POINT_METRICS or not rows:
        return
    parameters = Parameters(destination)
    scored = _scored(destination, options, parameters, questions=True)
    found = destination.query(f"{scored}\nSELECT DISTINCT bucket, program, metric, source, question FROM scored",
                              parameters.values)  # fmt: skip
    behind: dict[tuple[Any, str, str], list[str]] = {}
    for row in sorted(found, key=lambda row: (str(row["source"]), str(row["question"]))):
        behind.setdefault((row["bucket"], row["program"], row["metric"]), []).append(f"{row['source']}: {row['question']}")
    for row in rows:
        row["questions"] = behind.get((row[options.by], row["program"], options.metric or row["metric"]), [])


def _parts(d: Destination) -> list[tuple[str, str]]:
    """What the intervals are computed from, dropped from the rows after: the counts, and the
    scores' sum in millionths (exact: the same on every destination), sum of squares and range."""
    return [
        ("_positives", count_if("category IN ('promoter', 'satisfied', 'low_effort')")),
        ("_detractors", count_if("category = 'detractor'")),
        ("_units", f"SUM({d.whole_units('normalized', SCORE_DECIMALS)})"),
        ("_squares", "SUM(normalized * normalized)"),
        ("_lowest", "MIN(normalized)"),
        ("_highest", "MAX(normalized)"),
    ]


def _exact(row: dict[str, Any], metric: str) -> Fraction:
    """The figure of a row as a fraction, before rounding: a share of its counts, or the mean of
    its scores in millionths."""
    n = int(row["responses"])
    if metric in ("nps", "enps"):
        return Fraction(100 * (int(row["_positives"]) - int(row["_detractors"])), n)
    if metric in ("csat", "ces"):
        return Fraction(100 * int(row["_positives"]), n)
    return Fraction(int(row["_units"]), n * 10**SCORE_DECIMALS)


def _estimate(row: dict[str, Any], metric: str) -> confidence.Estimate:
    n = int(row["responses"])
    if metric in ("nps", "enps"):
        return confidence.nps(n, int(row["_positives"]), int(row["_detractors"]))
    if metric in ("csat", "ces"):
        return confidence.share(n, int(row["_positives"]))
    total = int(row["_units"]) / 10**SCORE_DECIMALS
    return confidence.mean(n, total, float(row["_squares"]), float(row["_lowest"]), float(row["_highest"]))


def _with_intervals(rows: list[dict[str, Any]], options: ReportOptions) -> list[dict[str, Any]]:
    """Each row with `ci_low`/`ci_high` of its figure and whether it is `indicative` (a small
    base); by a time bucket, also the bucket before with figures of the same program and metric
    (`previous`), the `change` and whether it is `change_significant` (null when there is no
    bucket before, or a side without an interval or of a small base)."""
    before: dict[tuple[Any, Any], tuple[str, confidence.Estimate, Fraction, bool]] = {}
    for row in rows:
        metric = options.metric or row["metric"]
        estimate, exact = _estimate(row, metric), _exact(row, metric)
        for name in [name for name in row if name.startswith("_")]:
            del row[name]
        row["ci_low"], row["ci_high"] = _half_up(estimate.low), _half_up(estimate.high)
        row["indicative"] = small = indicative(int(row["responses"]))
        if options.by not in SEQUENCES:
            continue
        bucket, key = row[options.by], (row["program"], metric)
        in_sequence = bucket not in (UNDATED, None)  # a record of no wave has no wave before it
        previous = before.get(key) if in_sequence else None
        row["previous"] = previous[0] if previous else None
        row["change"] = _half_up(exact - previous[2]) if previous else None
        tested = previous is not None and not (small or previous[3])  # a small base is never a significant change
        row["change_significant"] = confidence.significant_change(estimate, previous[1]) if tested else None
        if in_sequence:
            before[key] = (bucket, estimate, exact, small)
    return rows


_TENTHS = Decimal("0.1")
_EVERY_DIGIT = Context(prec=400, rounding=ROUND_HALF_UP)
"""Room for every digit of a float's repr (309 before the point at most) and its tenth."""


def _half_up(value: float | Fraction | None) -> float | None:
    """One decimal, half away from zero, as the SQL figures are rounded: of a fraction exactly (a
    change), of a float as its shortest repr reads (an interval's bound: read by the C decimal
    module, a sixth of the CPU of a Fraction made of the same text)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value):
        return float(Decimal(repr(value)).quantize(_TENTHS, context=_EVERY_DIGIT)) or 0.0  # never -0.0
    exact = Fraction(repr(value)) if isinstance(value, float) else value
    tenths = math.floor(abs(exact) * 10 + Fraction(1, 2))
    return (tenths if exact >= 0 else -tenths) / 10


def undated_left_out(destination: Destination, options: ReportOptions) -> int:
    """How many records the report would count but for their missing date: a `since`/`until`
    period leaves out the records without one (they are on no day of it), and says how many."""
    if not (options.since or options.until):
        return 0
    parameters = Parameters(destination)
    scored = _scored(destination, options, parameters, undated=True)
    [row] = destination.query(f"{scored}\nSELECT COUNT(DISTINCT record_id) AS records FROM scored", parameters.values)
    return int(row["records"])


def _named(row: dict[str, Any], by: str) -> dict[str, Any]:
    bucket = row.pop("bucket")
    return {by: bucket, **row}


def _wave_places(destination: Destination) -> dict[str, int]:
    """Each wave's place in time: by its first day, then name (`sql_parts.waves`)."""
    rows = destination.query(f"WITH waves AS ({waves(destination)}\n)\nSELECT wave FROM waves ORDER BY first_day, wave")
    return {row["wave"]: place for place, row in enumerate(rows)}


def _order(row: dict[str, Any], by: str, places: dict[str, int]) -> tuple[Any, ...]:
    """Rows by their bucket (time order; waves by `places`, then name), none last, then program
    and metric."""
    bucket = row[by]
    last = bucket is None or (by in TIME_BUCKETS and bucket == UNDATED)
    place = [ROW_ORDER[key].index(row[key]) if row.get(key) in ROW_ORDER[key] else len(ROW_ORDER[key])
             for key in ROW_ORDER]  # fmt: skip
    in_time = places.get(bucket, len(places)) if places and not last else 0
    return (last, in_time, "" if last or by == "program" else str(bucket), *place, str(row.get("program")))


def _check_sources(destination: Destination, sources: tuple[str, ...]) -> None:
    """A source name that matches no record is a typo until shown otherwise: say which exist."""
    if not sources:
        return
    present = {row["source"] for row in destination.query("SELECT DISTINCT source FROM feedback")}
    missing = [source for source in sources if source not in present]
    if missing:
        listed = ", ".join(sorted(present)) or "none"
        where = destination.display_name
        raise ConfigError(f"no records from source {missing[0]!r} in {where}; sources there: {listed}")
