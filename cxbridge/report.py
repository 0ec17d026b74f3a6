"""`cxbridge report`: NPS, CSAT and CES by month, source, location, program, channel or survey,
computed in the destination's own SQL from the primary score of each record."""

from __future__ import annotations

from typing import Any

from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError

DIMENSIONS = {
    "month": None,  # dialect-specific, from Destination.month_of
    "source": "f.source",
    "location": "COALESCE(f.location_name, f.location_id)",
    "program": "f.program",
    "channel": "f.channel",
    "survey": "COALESCE(f.survey_name, f.survey_id)",
}
METRICS = ("nps", "csat", "ces")


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


_METRIC_FILTER = {"nps": "s.metric IN ('nps', 'enps')", "csat": "s.metric = 'csat'", "ces": "s.metric = 'ces'"}

_PROMOTERS = _count("s.category = 'promoter'")
_DETRACTORS = _count("s.category = 'detractor'")
_SATISFIED = _count("s.category = 'satisfied'")
_LOW_EFFORT = _count("s.category = 'low_effort'")

_DETAIL_COLUMNS = {
    "nps": [
        ("promoters", _PROMOTERS),
        ("passives", _count("s.category = 'passive'")),
        ("detractors", _DETRACTORS),
        ("nps", f"ROUND(100.0 * ({_PROMOTERS} - {_DETRACTORS}) / COUNT(*), 1)"),
    ],
    "csat": [
        ("satisfied", _SATISFIED),
        ("neutral", _count("s.category = 'neutral'")),
        ("dissatisfied", _count("s.category = 'dissatisfied'")),
        ("csat_pct", f"ROUND(100.0 * {_SATISFIED} / COUNT(*), 1)"),
        ("csat_avg_normalized", "ROUND(AVG(s.normalized), 1)"),
    ],
    "ces": [
        ("low_effort", _LOW_EFFORT),
        ("neutral", _count("s.category = 'neutral'")),
        ("high_effort", _count("s.category = 'high_effort'")),
        ("low_effort_pct", f"ROUND(100.0 * {_LOW_EFFORT} / COUNT(*), 1)"),
        ("ces_avg_normalized", "ROUND(AVG(s.normalized), 1)"),
    ],
}


def _summary_columns() -> list[tuple[str, str]]:
    def among(metric: str, category: str) -> str:
        return _count(f"{_METRIC_FILTER[metric]} AND s.category = '{category}'")

    def share(metric: str, category: str) -> str:
        return f"ROUND(100.0 * {among(metric, category)} / NULLIF({_count(_METRIC_FILTER[metric])}, 0), 1)"

    net = f"{among('nps', 'promoter')} - {among('nps', 'detractor')}"
    return [
        ("nps", f"ROUND(100.0 * ({net}) / NULLIF({_count(_METRIC_FILTER['nps'])}, 0), 1)"),
        ("nps_responses", _count(_METRIC_FILTER["nps"])),
        ("csat_pct", share("csat", "satisfied")),
        ("csat_responses", _count(_METRIC_FILTER["csat"])),
        ("low_effort_pct", share("ces", "low_effort")),
        ("ces_responses", _count(_METRIC_FILTER["ces"])),
    ]


def report_sql(destination: Destination, *, by: str = "month", metric: str | None = None) -> str:
    """The report query in the destination's dialect."""
    if by not in DIMENSIONS:
        raise ConfigError(f"cannot report by {by!r}; choose one of {', '.join(DIMENSIONS)}")
    if metric is not None and metric not in METRICS:
        raise ConfigError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    key = DIMENSIONS[by] or destination.month_of("f.submitted_at")
    if metric:
        columns = [("responses", "COUNT(*)"), *_DETAIL_COLUMNS[metric]]
        condition = _METRIC_FILTER[metric]
    else:
        columns = [("responses", "COUNT(DISTINCT f.record_id)"), *_summary_columns()]
        condition = "s.metric IN ('nps', 'enps', 'csat', 'ces')"
    select = ",\n       ".join(f"{sql} AS {name}" for name, sql in columns)
    return (
        f"SELECT {key} AS {by},\n       {select}\n"
        "FROM feedback f\n"
        f"JOIN feedback_scores s ON s.record_id = f.record_id AND s.is_primary AND {condition}\n"
        f"GROUP BY {key}\nORDER BY {key}"
    )


def report(destination: Destination, *, by: str = "month", metric: str | None = None) -> list[dict[str, Any]]:
    """Rows of the report, one per value of `by`."""
    return destination.query(report_sql(destination, by=by, metric=metric))
