"""`cxbridge status --stale AGE`: the sources whose data is getting old — no successful sync for
longer than AGE (or never) — or whose last finished run quarantined more than a limit, for cron
jobs and monitoring that act on the exit code."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError
from cxbridge.timestamps import format_timestamp, parse_timestamp

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$")
_UNITS = {"m": timedelta(minutes=1), "min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}  # fmt: skip
_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


def parse_age(text: str) -> timedelta:
    """`90m`, `6h`, `2d`, `1w` as a duration; ConfigError saying how to write one otherwise."""
    found = _AGE.match(text)
    if not found or float(found[1]) <= 0:
        raise ConfigError(f"--stale {text!r} is not an age; write a number and a unit: 90m, 6h, 2d or 1w")
    return float(found[1]) * _UNITS[found[2]]


@dataclass(frozen=True)
class QuarantineLimit:
    """The most records a finished run may quarantine: a count (`50`) or a share of those it
    read (`5%`)."""

    value: float
    share: bool = False

    @classmethod
    def parse(cls, text: str) -> QuarantineLimit:
        found = _LIMIT.match(text)
        if not found:
            raise ConfigError(f"--max-quarantined {text!r}: write a count (50) or a share of the records read (5%)")
        return cls(float(found[1]), share=bool(found[2]))

    def exceeded(self, quarantined: int, read: int) -> bool:
        if self.share:
            return read > 0 and 100.0 * quarantined / read > self.value
        return quarantined > self.value

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.share else f"{self.value:g}"


STALE_COLUMNS = ("source", "last_success", "last_status", "last_read", "last_quarantined", "reason")


def stale_sources(
    dest: Destination,
    *,
    age: timedelta,
    max_quarantined: QuarantineLimit | None = None,
    sources: Iterable[str] = (),
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per stale source (of `sources`, else of every source with runs), by name: its
    last success and last finished run, and why it is stale."""
    now = now or datetime.now(timezone.utc)
    successes = {row["source"]: row["finished"] for row in dest.query(
        "SELECT source, MAX(finished_at) AS finished FROM sync_runs WHERE status = 'success' GROUP BY source")}  # fmt: skip
    last = {row["source"]: row for row in _last_finished_runs(dest)}
    names = sorted(set(sources) or set(last) | set(successes))
    found = []
    for name in names:
        reasons = []
        success = parse_timestamp(successes.get(name))
        if success is None:
            reasons.append("never synced successfully")
        elif now - success > age:
            reasons.append(f"last success {_ago(now - success)} ago, more than {_ago(age)}")
        run = last.get(name)
        if run and max_quarantined and max_quarantined.exceeded(run["records_quarantined"], run["records_read"]):
            reasons.append(f"its last run quarantined {run['records_quarantined']:,} of {run['records_read']:,} "
                           f"records read, more than {max_quarantined}")  # fmt: skip
        if reasons:
            found.append(dict(zip(STALE_COLUMNS, (
                name, format_timestamp(success) if success else None, run["status"] if run else None,
                run["records_read"] if run else None, run["records_quarantined"] if run else None, "; ".join(reasons),
            ), strict=True)))  # fmt: skip
    return found


def _last_finished_runs(dest: Destination) -> list[dict[str, Any]]:
    """The newest run of each source that is not running."""
    return dest.query(
        "SELECT r.source, r.status, r.records_read, r.records_quarantined FROM sync_runs r JOIN "
        "(SELECT source, MAX(started_at) AS started FROM sync_runs WHERE status <> 'running' GROUP BY source) l "
        "ON r.source = l.source AND r.started_at = l.started WHERE r.status <> 'running'"
    )


def _ago(span: timedelta) -> str:
    """A span in its largest whole unit: `3d 4h`, `5h 12m`, `40m`."""
    minutes = int(span.total_seconds() // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"
