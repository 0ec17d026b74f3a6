"""`cxbridge report`: NPS, CSAT and CES by month, source, location, program, channel or survey,
computed in the destination's own SQL from the primary score of each record."""

from __future__ import annotations

from typing import Any

from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError
from cxbridge.views import count_if as _count
from cxbridge.views import share

DIMENSIONS = {
    "month": None,  # dialect-specific, from Destination.month_of
    "source": "f.source",
    "location": "COALESCE(f.location_name, f.location_id)",
    "program": "f.program",
    "channel": "f.channel",
    "survey": "COALESCE(f.survey_name, f.survey_id)",
}
METRICS = ("nps", "csat", "ces")

_METRIC_FILTER = {"nps": "s.metric IN ('nps', 'enps')", "csat": "s.metric = 'csat'", "ces": "s.metric = 'ces'"}
_BOXES = {
    "nps": ("promoter", "passive", "detractor"),
    "csat": ("satisfied", "neutral", "dissatisfied"),
    "ces": ("low_effort", "neutral", "high_effort"),
}


def _detail_columns(d: Destination, metric: str) -> list[tuple[str, str]]:
    boxes = _BOXES[metric]
    names = [f"{box}s" for box in boxes] if metric == "nps" else list(boxes)
    counts = [_count(f"s.category = '{box}'") for box in boxes]
    columns = list(zip(names, counts, strict=True))
    if metric == "nps":
        return [*columns, ("nps", share(d, f"{counts[0]} - {counts[2]}", "COUNT(*)"))]
    pct = "csat_pct" if metric == "csat" else "low_effort_pct"
    return [
        *columns,
        (pct, share(d, counts[0], "COUNT(*)")),
        (f"{metric}_avg_normalized", d.rounded("AVG(s.normalized)", 1)),
    ]


def _summary_columns(d: Destination) -> list[tuple[str, str]]:
    def among(metric: str, category: str) -> str:
        return _count(f"{_METRIC_FILTER[metric]} AND s.category = '{category}'")

    def responses(metric: str) -> str:
        return _count(_METRIC_FILTER[metric])

    return [
        ("nps", share(d, f"{among('nps', 'promoter')} - {among('nps', 'detractor')}", responses("nps"))),
        ("nps_responses", responses("nps")),
        ("csat_pct", share(d, among("csat", "satisfied"), responses("csat"))),
        ("csat_responses", responses("csat")),
        ("low_effort_pct", share(d, among("ces", "low_effort"), responses("ces"))),
        ("ces_responses", responses("ces")),
    ]


def report_sql(destination: Destination, *, by: str = "month", metric: str | None = None) -> str:
    """The report query in the destination's dialect."""
    if by not in DIMENSIONS:
        raise ConfigError(f"cannot report by {by!r}; choose one of {', '.join(DIMENSIONS)}")
    if metric is not None and metric not in METRICS:
        raise ConfigError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    key = DIMENSIONS[by] or destination.month_of("f.submitted_at")
    if metric:
        columns = [("responses", "COUNT(*)"), *_detail_columns(destination, metric)]
        condition = _METRIC_FILTER[metric]
    else:
        columns = [("responses", "COUNT(DISTINCT f.record_id)"), *_summary_columns(destination)]
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
