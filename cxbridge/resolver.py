"""Keeping `feedback.duplicate_of` right in a destination (the rules: `cxbridge.duplicates`).

Each batch: the records it writes are compared with the stored records that share a key with
them (or point at them), and the pointers that change ride in the batch (`Batch.links`), written
in its transaction. A change of the rules (`[identity]`, a `same_as`) — or a destination that
has never been through a pass, such as one upgraded from before identity — gets a full pass over
the records more than one source holds, saved with the rules' fingerprint so it runs once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from cxbridge.destinations import Batch, Destination, CursorUpdate
from cxbridge.duplicates import Copy, DuplicateGroup, IdentityRules, Match, duplicate_pointers, group_copies
from cxbridge.tables import FEEDBACK_COLUMNS

log = logging.getLogger("cxbridge.identity")

STATE_SOURCE, STATE_STREAM = "_cxbridge", "identity"
"""Where the fingerprint of the rules of the last full pass is saved (`sync_state`)."""
POINTER_COLUMNS = ("duplicate_of", "record_id")
ROUNDS = 3  # look-ups of the copies of copies: a response's copies share a key, so one or two do


class Resolution(NamedTuple):
    """What `IdentityResolver.links` finds for a batch."""

    links: dict[str, str | None]
    """`Batch.links`: the pointers to set with the batch."""
    copies: dict[str, list[str]]
    """Of each record of the batch that views count, its other copies stored: one response, so
    a case one of them has is that response's case (`cxbridge.loop.opening.cased_copies`)."""


class IdentityResolver:
    """The `duplicate_of` pointers of the records a sync writes into one destination."""

    def __init__(self, destination: Destination, rules: IdentityRules):
        self.destination = destination
        self.rules = rules
        self._others: set[str] = set()

    def start_source(self, source: str, *, running: Iterable[str] = ()) -> None:
        """Before a source's batches: whether any other source has records to compare with (or
        may store some while this one runs: the `running` sources of a parallel run)."""
        self._others = (self.destination.stored_sources() | set(running)) - {source}

    @property
    def compares(self) -> bool:
        """Whether batches are compared with other sources' records (`links` reads the destination)."""
        return bool(self._others)

    def links(self, batch: Batch) -> Resolution:
        """The pointers to set with this batch: its records' and those of stored copies whose
        canonical record changes (a better copy arrived, or one left for the quarantine); and
        the stored copies of each record of the batch that views count."""
        if not self._others:
            return Resolution({}, {})
        rows = {rows.record_id: dict(zip(FEEDBACK_COLUMNS, rows.feedback, strict=True)) for rows in batch.records}
        gone = {item.record_id for item in batch.quarantined}
        stored = self._stored_around(rows.values(), gone)
        if not stored:  # copies are of two sources, and a batch's records of one: nothing to point
            return Resolution({}, {})
        incoming = {record_id: Copy.of(row) for record_id, row in rows.items()}
        universe = {**stored, **incoming}
        for record_id in gone:
            universe.pop(record_id, None)
        wanted = duplicate_pointers(universe.values(), self.rules)
        links: dict[str, str | None] = {}
        for record_id in universe:
            want = wanted.get(record_id)
            current = stored[record_id].duplicate_of if record_id in stored else None
            if want != current or (record_id in incoming and want is not None):  # a rewritten record starts empty
                links[record_id] = want
        copies: dict[str, list[str]] = {}
        for record_id, counted in wanted.items():
            if counted in incoming:
                copies.setdefault(counted, []).append(record_id)
        return Resolution(links, copies)

    def _stored_around(self, incoming: Iterable[Mapping[str, Any]], gone: set[str]) -> dict[str, Copy]:
        """The stored records that may be copies of these (`feedback` rows): sharing a key with
        them, pointing at them, and the rest of the groups those belong to."""
        incoming = list(incoming)
        columns = self.rules.key_columns(likely=self.rules.settings.merge_likely_duplicates)
        wanted = {column: {row[column] for row in incoming} - {None} for column in columns}
        wanted["duplicate_of"] = {row["record_id"] for row in incoming} | gone
        found: dict[str, Copy] = {}
        asked: dict[str, set[str]] = {}
        for _ in range(ROUNDS):
            new = self._fetch(wanted, asked)
            if not new:
                break
            found.update(new)
            around = {c.duplicate_of for c in new.values() if c.duplicate_of} | set(new)
            wanted = {"record_id": around - set(found), "duplicate_of": around}
            for column in columns:
                wanted[column] = {c.key(column) for c in new.values()} - {None}
        return found

    def _fetch(self, wanted: dict[str, set[str]], asked: dict[str, set[str]]) -> dict[str, Copy]:
        found: dict[str, Copy] = {}
        for column, values in wanted.items():
            values = values - asked.setdefault(column, set())
            if values:
                asked[column] |= values
                found.update((row["record_id"], Copy.of(row)) for row in self.destination.identity_rows(column, sorted(values)))
        return found

    def reconcile(self, *, run_id: str, before_links: Callable[[], None] | None = None) -> int:
        """A full pass when the rules changed since the last one (or none ran yet) and records of
        more than one source are stored; returns how many pointers changed."""
        if len(self.destination.stored_sources()) < 2:
            return 0
        if self.destination.get_cursor(STATE_SOURCE, STATE_STREAM) == self.rules.fingerprint():
            return 0
        return self.full_pass(run_id=run_id, before_links=before_links)

    def full_pass(self, *, run_id: str, before_links: Callable[[], None] | None = None) -> int:
        """Every record more than one source holds under one key, and every pointer set, compared
        again under the rules; the pointers that change are written with the rules' fingerprint
        (`before_links` called first when any does). Returns how many changed."""
        stored = candidates(self.destination, self.rules, likely=self.rules.settings.merge_likely_duplicates)
        wanted = duplicate_pointers(stored.values(), self.rules)
        links = {rid: wanted.get(rid) for rid, copy in stored.items() if wanted.get(rid) != copy.duplicate_of}
        if links and before_links is not None:
            before_links()
        cursor = CursorUpdate(STATE_SOURCE, STATE_STREAM, self.rules.fingerprint())
        self.destination.write_batch(Batch(run_id=run_id, source=STATE_SOURCE, stream=STATE_STREAM, links=links, cursor=cursor))
        if links:
            log.info("identity: %d duplicate_of pointers set or cleared under the current rules", len(links))
        return len(links)


def candidates(destination: Destination, rules: IdentityRules, *, likely: bool) -> dict[str, Copy]:
    """The stored records that may be copies across sources: those whose key another source's
    record shares, and those with a pointer set (they may have to lose it)."""
    found: dict[str, Copy] = {}
    for column in sorted(rules.key_columns(likely=likely)):
        values = destination.shared_keys(column)
        found.update((row["record_id"], Copy.of(row)) for row in destination.identity_rows(column, values))
    pointed = destination.query(f"SELECT record_id FROM {destination.qualified('feedback')} WHERE duplicate_of IS NOT NULL")
    missing = [row["record_id"] for row in pointed if row["record_id"] not in found]
    found.update((row["record_id"], Copy.of(row)) for row in destination.identity_rows("record_id", missing))
    return found


def identity_ready(destination: Destination) -> bool:
    """Whether the destination has `feedback.duplicate_of`: one opened read-only since cxbridge
    was upgraded, before a sync migrated it, has not."""
    return destination.has_column("feedback", "duplicate_of")


@dataclass
class DuplicatesReport:
    """`cxbridge duplicates`: every group of records found to be one response, with evidence."""

    destination: str
    groups: list[DuplicateGroup]

    def counts(self) -> dict[str, int]:
        """Groups by kind of match (a group of mixed kinds counts under each), and records left
        out of the views."""
        counts = {match.value: sum(match in group.matches for group in self.groups) for match in Match}
        counts["counted_once"] = sum(len(group.members) - 1 for group in self.groups if group.merged)
        return counts


def duplicates_report(destination: Destination, rules: IdentityRules) -> DuplicatesReport:
    """Every group of copies in a destination, likely duplicates included, best copy first."""
    stored = candidates(destination, rules, likely=True)
    return DuplicatesReport(destination.display_name, group_copies(stored.values(), rules))
