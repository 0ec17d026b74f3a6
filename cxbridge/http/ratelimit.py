"""A client-side rate limiter: a sync stays under an API's documented limits instead of bouncing
off 429s. Sliding windows (per second, per minute), and — for APIs that say how much of their
budget is left (Freshdesk's `X-RateLimit-Remaining`) — a pause of one whole window when the
budget runs low. Clock and sleep are injectable for tests."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class HeaderBudget:
    """Response headers that give the API's request budget: when what `remaining` says is left
    falls to `reserve` (a share of `total`, at least 2), the next request waits until the window
    starts again — the seconds the `reset` header names, if the API sends one, else `period`."""

    total: str
    remaining: str
    period: float = 60.0
    reserve: float = 0.05
    reset: str | None = None

    def wait_after(self, headers: Mapping[str, str]) -> float:
        try:
            total, remaining = int(headers[self.total]), int(headers[self.remaining])
        except (KeyError, ValueError):
            return 0.0
        if remaining > max(2.0, total * self.reserve):
            return 0.0
        return self._reset_seconds(headers)

    def _reset_seconds(self, headers: Mapping[str, str]) -> float:
        try:
            seconds = float(headers[self.reset]) if self.reset else self.period
        except (KeyError, ValueError):
            return self.period
        return min(max(seconds, 0.0), self.period)


class RateLimiter:
    """Allows at most `limit` requests in any `period` seconds, for each (limit, period) given."""

    def __init__(
        self,
        *,
        per_second: float | None = None,
        per_minute: float | None = None,
        budget: HeaderBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        first_wait: Callable[[], None] | None = None,
        long_wait: tuple[float, Callable[[], None]] | None = None,
    ):
        """`first_wait` is called once when the pace first holds a request back (a source saying
        so in its log), `long_wait`'s call once when it has held requests back its seconds in all."""
        self.budget = budget
        self.first_wait = first_wait
        self.long_wait = long_wait
        self.waited = 0.0  # seconds the pace held requests back in all
        self.paused_until = 0.0
        self.windows = [_window(limit, period) for limit, period in ((per_second, 1.0), (per_minute, 60.0)) if limit]
        self.clock = clock
        self.sleep = sleep
        size = max((limit for limit, _ in self.windows), default=0)
        self._sent: deque[float] = deque(maxlen=size or None)
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more request fits in every window; returns how long it waited."""
        if not self.windows and self.budget is None:
            return 0.0
        with self._lock:
            now = self.clock()
            wait = max(self._wait_needed(now), self.paused_until - now)
            if wait > 0:
                if self.first_wait is not None:
                    first_wait, self.first_wait = self.first_wait, None
                    first_wait()
                self.sleep(wait)
                self.waited += wait
                if self.long_wait is not None and self.waited >= self.long_wait[0]:
                    (_, long_wait), self.long_wait = self.long_wait, None
                    long_wait()
            self._sent.append(max(self.clock(), now + wait))  # a sleep that returned early still counts in full
        return wait

    @property
    def spacing(self) -> float:
        """Seconds between requests at the steady pace of the slowest window (10 a minute: 6)."""
        return max((period / limit for limit, period in self.windows), default=0.0)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the budget headers of an answer; a low budget pauses the next request."""
        if self.budget is not None and (wait := self.budget.wait_after(headers)):
            self.paused_until = max(self.paused_until, self.clock() + wait)

    def _wait_needed(self, now: float) -> float:
        wait = 0.0
        for limit, period in self.windows:
            if len(self._sent) >= limit:
                oldest_in_window = self._sent[-limit]
                wait = max(wait, oldest_in_window + period - now)
        return wait


def _window(limit: float, period: float) -> tuple[int, float]:
    """(requests, seconds): 0.5 per second is one request in any two seconds."""
    if limit >= 1:
        return int(limit), period
    return 1, period / limit
