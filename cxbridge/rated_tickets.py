"""The context of rated tickets, read from the earliest rating that needs it. Help desks list
tickets by when they last changed, and a rating changes its ticket, so the tickets changed since
the earliest rating hold every rated ticket — and nothing older is read. Ratings that arrive
oldest first cost one listing; an older rating arriving later starts the listing again from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Generic, TypeVar

Context = TypeVar("Context")


class RatedTickets(Generic[Context]):
    """Ticket context by ticket id; `read_since(time)` lists (ticket id, context) of the tickets
    changed since `time`."""

    def __init__(self, read_since: Callable[[datetime], Iterable[tuple[str, Context]]]):
        self._read_since = read_since
        self._found: dict[str, Context] = {}
        self._since: datetime | None = None

    def cover(self, ratings: Iterable[tuple[str | None, datetime | None]]) -> None:
        """Read the tickets of these (ticket id, rating time) pairs, unless a listing already
        covered them: one listing from the earliest rating whose ticket is not known yet."""
        earliest = min((at for ticket, at in ratings if ticket and at and ticket not in self._found), default=None)
        if earliest is None or (self._since is not None and earliest >= self._since):
            return
        self._found.update(self._read_since(earliest))
        self._since = earliest

    def get(self, ticket_id: str | None) -> Context | None:
        return self._found.get(ticket_id) if ticket_id else None
