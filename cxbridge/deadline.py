"""The run deadline (`[settings] run_deadline`): a sync that must end by a given time, so that a
scheduled run never runs into the next one. The engine stops reading when it passes, and HTTP
requests are cut short at it (`cxbridge.http.watchdog`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cxbridge.errors import SourceError


class RunDeadlineError(SourceError):
    """The run deadline passed: what was read is kept, and the next sync goes on from there."""


@dataclass(frozen=True)
class RunDeadline:
    """`seconds` after the run started, on the `time.monotonic()` clock."""

    seconds: float
    ends: float

    @classmethod
    def starting_now(cls, seconds: float) -> RunDeadline:
        return cls(seconds, time.monotonic() + seconds)

    def left(self) -> float:
        return self.ends - time.monotonic()

    def passed(self) -> bool:
        return time.monotonic() >= self.ends

    def error(self, during: str = "") -> RunDeadlineError:
        where = f" during {during}" if during else ""
        return RunDeadlineError(
            f"stopped: run_deadline ({self.seconds:g} s) passed{where}; what was read is kept and the next sync "
            "goes on from there"
        )
