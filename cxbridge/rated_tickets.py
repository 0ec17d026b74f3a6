"""The context of rated tickets, read from the earliest rating that needs it. Help desks list
tickets by when they last changed, and a rating changes its ticket, so the tickets changed since
the earliest rating hold every rated ticket — and nothing older is read. Ratings that arrive
oldest first cost one listing; an older rating arriving later lists from it again, up to where
the listing before started (help desks list tickets oldest change first, so a ticket changed
since then was listed already): ratings that come newest first cost each ticket once, not once
per page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Generic, TypeVar

from cxbridge.errors import DataError
from cxbridge.timestamps import parse_timestamp

Context = TypeVar("Context")


class RatedTickets(Generic[Context]):
    """Ticket context by ticket id; `read_since(since, until)` lists (ticket id, context) of the
    tickets changed since `since` and, when `until` is not None, before it."""

    def __init__(self, read_since: Callable[[datetime, datetime | None], Iterable[tuple[str, Context]]]):
        self._read_since = read_since
        self._found: dict[str, Context] = {}
        self._since: datetime | None = None

    def cover(self, ratings: Iterable[tuple[Any, Any]]) -> None:
        """Read the tickets of these (ticket id, rating time) pairs as the API gives them, unless
        a listing already covered them: one listing from the earliest rating whose ticket is not
        known yet."""
        times = (_time(at) for ticket, at in ratings if _key(ticket) and _key(ticket) not in self._found)
        earliest = min((at for at in times if at is not None), default=None)
        if earliest is None or (self._since is not None and earliest >= self._since):
            return
        self._found.update(self._read_since(earliest, self._since))
        self._since = earliest

    def get(self, ticket_id: Any) -> Context | None:
        key = _key(ticket_id)
        return self._found.get(key) if key else None


def _key(ticket_id: Any) -> str | None:
    return None if ticket_id in (None, "") else str(ticket_id)


def _time(value: Any) -> datetime | None:
    try:
        return parse_timestamp(value)
    except DataError:  # a bad timestamp is the normalizer's to quarantine
        return None
