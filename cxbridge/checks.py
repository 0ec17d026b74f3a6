"""The check pass: every selected source's own checks (`Source.check`), run before any source
reads or writes, so that a configuration that cannot work — a mapped column missing from a
header — stops the run with nothing moved, instead of failing one source after the others have
written. `cxbridge check` runs the pass alone. A source its API refuses to serve (a token it does
not accept), or whose `path` finds no file today (an export folder still empty), is no
configuration problem of the run: that source alone fails (a FatalSourceError), as it does where
its check reads nothing from the API. `cxbridge check` also makes each API source's one
credential request (`Source.check_access`), which a sync leaves to its first read: a refused
credential is its problem there, an API out of reach too."""

from __future__ import annotations

import logging
import traceback
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.errors import ConfigError, FatalSourceError, TransientSourceError, clauses
from cxbridge.masking import redact
from cxbridge.respondents import RespondentKeys
from cxbridge.sources import Source

log = logging.getLogger("cxbridge.check")

CHECK_ATTEMPTS = 2
"""Tries per request of `cxbridge check` (a sync's are the source's `max_attempts`, default 5):
an operator waits on the check, so an API refusing connections is told of after one retry,
about a second, not after the sync's ≈ 17 s of backoff that protect a scheduled run."""

CursorOf = Callable[[str, str], Any]
"""The saved cursor of (source, stream), or None."""


@dataclass(frozen=True)
class SourceCheck:
    """What the check pass found for one source: nothing (`ok`), or the problem to fix; and
    what works but the user should know (`warnings`: a `personal` entry naming no column)."""

    source: str
    connector: str
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_sources(
    sources: Mapping[str, Source], *, cursor_of: CursorOf | None = None, jobs: int = 1,
    keys: RespondentKeys | None = None, before_run: bool = False,
) -> list[SourceCheck]:
    """Each source's checks (up to `jobs` at once: an API source's checks wait on the network),
    with the saved cursors when `cursor_of` gives them and the dataset's respondent keys when
    known (`Source.respondent_keys`). A ConfigError is a problem; so is a FatalSourceError (the
    API refused the credentials) unless `before_run`, where the run fails that source alone;
    anything else a check raises is logged and left to the run, where that source alone fails."""
    for source in sources.values():
        source.respondent_keys = keys
    cursors = {
        name: {stream.name: cursor_of(name, stream.name) for stream in source.streams()} if cursor_of else {}
        for name, source in sources.items()
    }  # read first, here: the destination's connection is not shared with the checks' threads

    def check(name: str) -> SourceCheck:
        return _check(name, sources[name], cursors[name], before_run=before_run)

    if jobs <= 1 or len(sources) <= 1:
        return [check(name) for name in sources]
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cxbridge-check") as pool:
        return list(pool.map(check, sources))


def _check(name: str, source: Source, cursors: dict[str, Any], *, before_run: bool) -> SourceCheck:
    """The source's check, its problem and warnings masked as a run's are (`redact`: secrets, and
    names holding an address as their key) in every format and for the API's caller alike."""
    try:
        warnings = source.check(cursors) if before_run else _checked_alone(source, cursors)
    except ConfigError as exc:
        return SourceCheck(name, source.name, redact(str(exc)))
    except FatalSourceError as exc:
        if not before_run:
            return SourceCheck(name, source.name, redact(str(exc)))
        log.debug("the check of source %s: %s; the run fails it alone", name, exc)
        warnings = None
    except Exception as exc:  # a plugin's check must not stop the other sources
        log.debug("the check of source %s crashed:\n%s", name, traceback.format_exc())
        log.warning("%s (%s): its check failed, the run will tell: %s: %s", name, source.name, type(exc).__name__, exc)
        warnings = None
    return SourceCheck(name, source.name, warnings=[redact(warning) for warning in warnings or []])


def _checked_alone(source: Source, cursors: dict[str, Any]) -> list[str] | None:
    """`cxbridge check`: the source's checks and its credential request (`Source.check_access`);
    an API either could not reach (no answer, 5xx or 429 past the retries) is said as such, never
    taken for refused credentials nor passed over."""
    try:
        warnings = source.check(cursors)
        source.check_access()
    except TransientSourceError as exc:
        raise FatalSourceError(f"could not reach the API, so the credentials are not checked: {exc}") from None
    return warnings


def require_sound(
    sources: Mapping[str, Source], *, cursor_of: CursorOf | None = None, jobs: int = 1,
    keys: RespondentKeys | None = None,
) -> None:
    """The check pass before a run: a ConfigError naming every problem found, or nothing."""
    found = check_sources(sources, cursor_of=cursor_of, jobs=jobs, keys=keys, before_run=True)
    problems = [f"[sources.{check.source}] {check.problem}" for check in found if not check.ok]
    if problems:
        raise ConfigError(clauses([*problems, "nothing was read or written"]))
