"""`cxbridge status --stale [AGE]`: the sources whose data is getting old — no successful sync
for longer than AGE, or than the source's own `expected_every` (or never) — or whose last
finished run quarantined more than a limit, for cron jobs and monitoring that act on the exit
code."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from cxbridge.ages import ago, parse_age
from cxbridge.command_runs import READING_NOTHING
from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError
from cxbridge.timestamps import format_timestamp, parse_timestamp

if TYPE_CHECKING:
    from cxbridge.config import Config

_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$")


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


@dataclass(frozen=True)
class StaleQuery:
    """What `status --stale [AGE] [--max-quarantined N]` asks, checked before any destination is
    opened: the age every source is held to (None: each its own `expected_every`), the ages of
    those, the quarantine limit and the sources asked about (the config's enabled ones)."""

    age: timedelta | None
    expected: dict[str, timedelta]
    limit: QuarantineLimit | None
    sources: tuple[str, ...]

    @classmethod
    def of(cls, cfg: Config | None, *, stale: str | timedelta | bool = True, max_quarantined: str | None = None) -> StaleQuery:
        age = parse_age(stale) if isinstance(stale, str) else None if isinstance(stale, bool) else stale
        limit = QuarantineLimit.parse(max_quarantined) if max_quarantined is not None else None
        enabled = tuple(name for name, entry in cfg.sources.items() if entry.config.enabled) if cfg else ()
        return cls(age, expected_ages(cfg) if age is None else {}, limit, enabled)

    def ages(self) -> dict[str, str | None]:
        """Each source asked about and the age it is held to (`6h`); None for one held to none
        (no `expected_every`), stale only when never synced or for its quarantine."""
        return {name: ago(limit) if (limit := self.age or self.expected.get(name)) else None for name in self.sources}

    def rows(self, dest: Destination) -> list[dict[str, Any]]:
        return stale_sources(dest, age=self.age, expected=self.expected, max_quarantined=self.limit, sources=self.sources)


def expected_ages(cfg: Config | None) -> dict[str, timedelta]:
    """Each enabled source's `expected_every`, for `status --stale` without an age; a ConfigError
    when no source has one (the command would judge no source's age)."""
    found = {name: parse_age(entry.config.expected_every) for name, entry in (cfg.sources.items() if cfg else ())
             if entry.config.enabled and entry.config.expected_every}  # fmt: skip
    if not found:
        where = f"no enabled source of {cfg.path or 'the config'} has one" if cfg else "there is no cxbridge.toml here"
        raise ConfigError(f"--stale without an age holds each source to its expected_every, and {where}: add "
                          'expected_every = "1d" to [sources.NAME], or write --stale AGE')  # fmt: skip
    return found


STALE_COLUMNS = ("source", "last_success", "last_status", "last_read", "last_quarantined", "reason", "stale_after")


def stale_sources(
    dest: Destination,
    *,
    age: timedelta | None = None,
    expected: Mapping[str, timedelta] | None = None,
    max_quarantined: QuarantineLimit | None = None,
    sources: Iterable[str] = (),
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per stale source (of `sources`, else of every source with runs), by name: its
    last success and last finished run, why it is stale, and the age it was held to — `age` for
    every source when given, else its own of `expected` (a source with neither is stale only when
    never synced, or for its quarantine)."""
    now = now or datetime.now(timezone.utc)
    successes = {row["source"]: row["finished_at"] for row in _last_runs(dest, "finished_at", status="= 'success'")}
    last = {row["source"]: row for row in _last_runs(dest, "started_at", status="<> 'running'")}
    names = sorted(set(sources) or set(last) | set(successes))
    found = []
    for name in names:
        reasons = []
        success = parse_timestamp(successes.get(name))
        limit = age if age is not None else (expected or {}).get(name)
        if success is None:
            reasons.append("never synced successfully")
        elif limit is not None and now - success > limit:
            reasons.append(f"last success {ago(now - success)} ago, more than {ago(limit)}")
        run = last.get(name)
        if run and max_quarantined and max_quarantined.exceeded(run["records_quarantined"], run["records_read"]):
            reasons.append(f"its last run quarantined {run['records_quarantined']:,} of {run['records_read']:,} "
                           f"records read, more than {max_quarantined}")  # fmt: skip
        if reasons:
            found.append(dict(zip(STALE_COLUMNS, (
                name, format_timestamp(success) if success else None, run["status"] if run else None,
                run["records_read"] if run else None, run["records_quarantined"] if run else None, "; ".join(reasons),
                ago(limit) if limit is not None else None,
            ), strict=True)))  # fmt: skip
    return found


def _last_runs(dest: Destination, time: str, *, status: str) -> list[dict[str, Any]]:
    """Each source's run of the latest `time` among those whose `status` is as said (`= 'success'`),
    compared in time (Destination.in_time), the stored value selected; a removal or an erasure
    reads nothing, so it is no run here (`sync_runs.command`: `remove`, `remove --survey …`,
    `erase`, `erase --requester …`: `READING_NOTHING`)."""
    read = f"status {status}"
    if dest.has_column("sync_runs", "command"):
        others = " AND ".join(f"command <> '{name}' AND command NOT LIKE '{name} %'" for name in READING_NOTHING)
        read += f" AND (command IS NULL OR ({others}))"
    return dest.query(
        f"SELECT r.source, r.status, r.{time}, r.records_read, r.records_quarantined FROM sync_runs r JOIN "
        f"(SELECT source, MAX({dest.in_time(time)}) AS latest FROM sync_runs WHERE {read} GROUP BY source) l "
        f"ON r.source = l.source AND {dest.in_time('r.' + time)} = l.latest WHERE r.{read}"
    )
