"""A client-side rate limiter: a sync stays under an API's documented limits instead of bouncing
off 429s. Sliding windows (per second, per minute); clock and sleep are injectable for tests."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Allows at most `limit` requests in any `period` seconds, for each (limit, period) given."""

    def __init__(
        self,
        *,
        per_second: float | None = None,
        per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.windows = [_window(limit, period) for limit, period in ((per_second, 1.0), (per_minute, 60.0)) if limit]
        self.clock = clock
        self.sleep = sleep
        size = max((limit for limit, _ in self.windows), default=0)
        self._sent: deque[float] = deque(maxlen=size or None)
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until one more request fits in every window; returns how long it waited."""
        if not self.windows:
            return 0.0
        with self._lock:
            now = self.clock()
            wait = self._wait_needed(now)
            if wait > 0:
                self.sleep(wait)
            self._sent.append(max(self.clock(), now + wait))  # a sleep that returned early still counts in full
        return wait

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
