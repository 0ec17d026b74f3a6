"""The report commands of the Python API (`cxbridge report`, `--html`, the undated count), offered
by `cxbridge.api`, which imports this module when one is first asked for: a sync holds none of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxbridge.api import reading
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import PluginHost

if TYPE_CHECKING:
    from cxbridge.reporting import ReportOptions


def report(
    config: str | Path | None = None,
    *,
    by: str = "month",
    metric: str | None = None,
    program: str | Iterable[str] = (),
    source: str | Iterable[str] = (),
    since: date | str | None = None,
    until: date | str | None = None,
    intervals: bool = False,
    destination: str | None = None,
    host: PluginHost | None = None,
) -> list[dict[str, Any]]:
    """Each program's own figures (customer NPS, CSAT, CES; eNPS; mystery-shop and audit scores)
    by a time bucket or a dimension, of some programs and sources only if asked; `since` is the
    first local day counted, `until` the first day left out (a date, a datetime at midnight or
    'YYYY-MM-DD'); `intervals` adds each figure's 95 % interval, whether it is `indicative` (fewer
    than 5 answers) and, by a time bucket, whether its change is significant."""
    from cxbridge.reporting import report_rows

    options = _report_options(by, metric, program, source, since, until, intervals=intervals)
    with reading(config, destination=destination, host=host) as dest:
        return report_rows(dest, options)


def report_html(
    path: str | Path,
    config: str | Path | None = None,
    *,
    by: str = "month",
    metric: str | None = None,
    program: str | Iterable[str] = (),
    source: str | Iterable[str] = (),
    since: date | str | None = None,
    until: date | str | None = None,
    destination: str | None = None,
    host: PluginHost | None = None,
) -> Path:
    """Write the report as one self-contained HTML page to `path` (docs/report.md#html-report):
    trends by `by` with 95 % bands, the store ranking, the criteria heatmap, the follow-up
    queues and comments, of the records `report` with the same filters counts."""
    from cxbridge.html_report import write_html_report  # Plotly is loaded only for this

    options = _report_options(by, metric, program, source, since, until)
    with reading(config, destination=destination, host=host) as dest:
        return write_html_report(dest, options, path)


def report_undated(
    config: str | Path | None = None,
    *,
    metric: str | None = None,
    program: str | Iterable[str] = (),
    source: str | Iterable[str] = (),
    since: date | str | None = None,
    until: date | str | None = None,
    destination: str | None = None,
    host: PluginHost | None = None,
) -> int:
    """How many records `report` with the same options leaves out for want of a date: a period
    (`since`, `until`) counts dated records only; 0 without one (undated records are a row)."""
    from cxbridge.reporting import undated_left_out

    options = _report_options("month", metric, program, source, since, until)
    with reading(config, destination=destination, host=host) as dest:
        return undated_left_out(dest, options)


def why_no_rows(
    config: str | Path | None = None,
    *,
    filters: Sequence[str] = (),
    destination: str | None = None,
    host: PluginHost | None = None,
) -> str:
    """Why `report` found no rows: no record stored yet, records stored without a scored answer
    (no metric mapped), or scored records of which the filters keep none (`filters`: those given,
    as written on the command line: `--metric nps`)."""
    with reading(config, destination=destination, host=host) as dest:
        [row] = dest.query(
            f"SELECT (SELECT COUNT(*) FROM {dest.qualified('feedback')} WHERE duplicate_of IS NULL) AS records, "
            f"(SELECT COUNT(*) FROM {dest.qualified('feedback_scores')}) AS scores"
        )
    records, scores = int(row["records"]), int(row["scores"])
    if not records:
        return "no records stored yet: run `cxbridge sync` (or `cxbridge import FILE`) first"
    if not scores:
        return (f"{records:,} records stored, none with a scored answer (NPS, CSAT, CES, eNPS, mystery-shop or audit "
                "score): map the metric columns of the sources: `cxbridge inspect FILE` proposes those it recognises, and a "
                "[[sources.NAME.metrics]] entry (column, metric) maps any other (docs/files.md)")  # fmt: skip
    given = ", ".join(filters) or "--metric, --program, --source, --since, --until"
    return f"{records:,} records stored: the filters given ({given}) keep none of their scored answers"


def _report_options(by, metric, program, source, since, until, *, intervals=False) -> ReportOptions:  # noqa: ANN001
    from cxbridge.reporting import ReportOptions

    return ReportOptions(
        by=by, metric=metric, programs=_names(program), sources=_names(source),
        since=_day(since, "since"), until=_day(until, "until"), intervals=intervals,
    )  # fmt: skip


def _day(value: date | str | None, name: str) -> date | None:
    """A local day; a datetime at midnight is its day as written (pandas' dates are such)."""
    if isinstance(value, datetime):
        if value.time() != time():
            raise ConfigError(f"{name} = {value:%Y-%m-%d %H:%M:%S} is a time, not a day: the report counts whole local "
                              f"days; pass date({value.year}, {value.month}, {value.day})")  # fmt: skip
        return value.date()
    if not isinstance(value, str):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} = {value!r} is not a day; write it as YYYY-MM-DD") from None


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    """One name or several, as the Python API accepts them."""
    return (value,) if isinstance(value, str) else tuple(value)
