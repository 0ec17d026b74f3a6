"""SurveyMonkey's daily request quota (500 a day for draft and private apps, reset at midnight
GMT), kept across a run and across the runs of one day.

Every request the source sends is counted before it goes out — retries too, since the API may
count them — and the count is saved in the stream's state with the day it belongs to, so a second
run on the same day starts from what the first one spent. The answers' headers say what the app
as a whole has left (`X-Ratelimit-App-Global-Day-Remaining`, shared with every other user of
the app); whichever is smaller decides. When nothing is left, the source pauses: what it read is
written with its cursor, and the next run after the reset goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from cxbridge.errors import SourcePaused

DAY_LIMIT = "X-Ratelimit-App-Global-Day-Limit"
DAY_REMAINING = "X-Ratelimit-App-Global-Day-Remaining"
DAY_RESET = "X-Ratelimit-App-Global-Day-Reset"


class DailyQuotaSpent(SourcePaused):
    """The day's requests are spent: the source pauses, and the next day's run resumes."""


@dataclass
class DayUsage:
    """The requests of one UTC day: sent by this source, and left to the app as the API last said."""

    day: str
    used: int = 0
    app_remaining: int | None = None
    app_limit: int | None = None

    def state(self) -> dict[str, Any]:
        found: dict[str, Any] = {"day": self.day, "used": self.used}
        if self.app_remaining is not None:
            found["app_remaining"] = self.app_remaining
        if self.app_limit is not None:
            found["app_limit"] = self.app_limit
        return found


class RequestBudget:
    """How many requests the source may still send today: at most `limit` of its own, and never
    more than the app has left."""

    def __init__(self, *, limit: int, now: Callable[[], datetime]):
        self.limit = limit
        self.now = now
        self.usage = DayUsage(self._today())

    def resume(self, saved: Any) -> None:
        """Go on from the usage an earlier run saved, if it was today's."""
        self.usage = self._usage_of(saved)

    def state(self) -> dict[str, Any]:
        self._roll_over()
        return self.usage.state()

    def take(self) -> None:
        """Count one request about to be sent; DailyQuotaSpent when none is left."""
        self._roll_over()
        usage = self.usage
        if usage.used >= self.limit or usage.app_remaining == 0:
            raise DailyQuotaSpent(self._spent_message())
        usage.used += 1
        if usage.app_remaining is not None:
            usage.app_remaining -= 1

    def observe(self, response: httpx.Response) -> None:
        """Read what the app has left from an answer; a 429 on a spent day pauses the source."""
        headers = response.headers
        remaining, limit = _count(headers.get(DAY_REMAINING)), _count(headers.get(DAY_LIMIT))
        if remaining is not None:
            self.usage.app_remaining = remaining
        if limit is not None:
            self.usage.app_limit = limit
        if response.status_code == 429 and remaining == 0:
            raise DailyQuotaSpent(self._spent_message())

    def _usage_of(self, saved: Any) -> DayUsage:
        today = self._today()
        if isinstance(saved, dict) and saved.get("day") == today:
            return DayUsage(today, int(saved.get("used") or 0), _count(saved.get("app_remaining")),
                            _count(saved.get("app_limit")))  # fmt: skip
        return DayUsage(today)

    def _roll_over(self) -> None:
        """A run that goes past midnight UTC starts the new day's count."""
        if self.usage.day != (today := self._today()):
            self.usage = DayUsage(today)

    def _today(self) -> str:
        return self.now().astimezone(timezone.utc).date().isoformat()

    def _spent_message(self) -> str:
        usage = self.usage
        if usage.app_remaining == 0:
            of = f" of its {usage.app_limit}" if usage.app_limit is not None else ""
            spent = f"SurveyMonkey says the app has no requests left today{of} ({usage.used} sent by this source)"
        else:
            spent = f"this source sent its {self.limit} requests of the day (daily_requests = {self.limit})"
        moment = self.now().astimezone(timezone.utc)
        reset = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        hours, minutes = divmod(int((reset - moment).total_seconds()) // 60, 60)
        return (f"daily request quota spent on {usage.day} (UTC): {spent}; paused with everything read so far "
                f"saved — the next sync after 00:00 UTC (in {hours} h {minutes:02d} min) goes on from here. "
                "SurveyMonkey allows draft and private apps 500 requests a day; ask SurveyMonkey for more and raise "
                "daily_requests")


class BudgetedTransport(httpx.BaseTransport):
    """Counts every request against the day's budget on its way out (beneath the retrying
    transport, so retries count too) and reads the app's remaining requests from each answer."""

    def __init__(self, wrapped: httpx.BaseTransport, budget: RequestBudget):
        self.wrapped = wrapped
        self.budget = budget

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.budget.take()
        response = self.wrapped.handle_request(request)
        try:
            self.budget.observe(response)
        except DailyQuotaSpent:
            response.close()
            raise
        return response

    def close(self) -> None:
        self.wrapped.close()


def _count(value: Any) -> int | None:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return None
