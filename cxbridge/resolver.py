"""Keeping `feedback.duplicate_of` right in a destination (the rules: `cxbridge.duplicates`).

Each batch: the records it writes are compared with the stored records that share a key with
them (or point at them), and the pointers that change ride in the batch (`Batch.links`), written
in its transaction. A change of the rules (`[identity]`, a `same_as`) — or a destination that
has never been through a pass, such as one upgraded from before identity — gets a full pass over
the records more than one source holds, saved with the rules' fingerprint so it runs once.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from cxbridge.destinations import Batch, Destination, CursorUpdate, repeated_keys_sql, shared_keys_sql
from cxbridge.duplicates import Copy, DuplicateGroup, IdentityRules, Match, in_time, duplicate_pointers, group_copies
from cxbridge.tables import FEEDBACK_COLUMNS
from cxbridge.timestamps import parse_timestamp

log = logging.getLogger("cxbridge.identity")

STATE_SOURCE, STATE_STREAM = "_cxbridge", "identity"
"""Where the fingerprint of the rules of the last full pass is saved (`sync_state`)."""
POINTER_COLUMNS = ("duplicate_of", "record_id")
ROUNDS = 3  # look-ups of the copies of copies: a response's copies share a key, so one or two do
Item = TypeVar("Item")


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
        self._exports = False

    def start_source(self, source: str, *, running: Iterable[str] = (), connector: str | None = None) -> None:
        """Before a source's batches: whether any other source has records to compare with (or
        may store some while this one runs: the `running` sources of a parallel run), and whether
        the source's own records are (a `connector` reading export files: rows repeated in
        another of its files are copies, `duplicates._repeated_rows`)."""
        self._others = (self.destination.stored_sources() | set(running)) - {source}
        self._exports = connector in self.rules.export_connectors and Match.EXACT in self.rules.merged

    @property
    def compares(self) -> bool:
        """Whether batches are compared with stored records (`links` reads the destination)."""
        return bool(self._others) or self._exports

    def links(self, batch: Batch) -> Resolution:
        """The pointers to set with this batch: its records' and those of stored copies whose
        canonical record changes (a better copy arrived, or one left for the quarantine); and
        the stored copies of each record of the batch that views count."""
        if not self.compares:
            return Resolution({}, {})
        rows = {rows.record_id: dict(zip(FEEDBACK_COLUMNS, rows.feedback, strict=True)) for rows in batch.records}
        gone = {item.record_id for item in batch.quarantined}
        stored = self._stored_around(rows.values(), gone)
        if not stored and not (self._exports and _repeated_within(rows.values())):  # nothing to point
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

    def links_without(self, gone: Collection[str]) -> dict[str, str | None]:
        """The pointers to set once the stored records `gone` are removed (`sync --prune`): of the
        copies that pointed at one of them, and of the rest of their groups, compared without them."""
        if not self.compares or not gone:
            return {}
        stored = self._stored_around([], set(gone))
        for record_id in gone:
            stored.pop(record_id, None)
        wanted = duplicate_pointers(stored.values(), self.rules)
        return {rid: wanted.get(rid) for rid, copy in stored.items() if wanted.get(rid) != copy.duplicate_of}

    def _stored_around(self, incoming: Iterable[Mapping[str, Any]], gone: set[str]) -> dict[str, Copy]:
        """The stored records that may be copies of these (`feedback` rows): sharing a key with
        them, pointing at them, and the rest of the groups those belong to."""
        incoming = list(incoming)
        columns = self.rules.key_columns(likely=self.rules.settings.merge_likely_duplicates) if self._others else set()
        if self._exports:
            columns.add("respondent_key")
        wanted = {column: {row[column] for row in incoming} - {None} for column in columns}
        wanted["duplicate_of"] = {row["record_id"] for row in incoming} | gone
        found: dict[str, Copy] = {}
        asked: dict[str, set[str]] = {}
        for _ in range(ROUNDS):
            new = self._fetch(wanted, asked, found)
            if not new:
                break
            found.update(new)
            around = {c.duplicate_of for c in new.values() if c.duplicate_of} | set(new)
            wanted = {"record_id": around - set(found), "duplicate_of": around}
            for column in columns:
                wanted[column] = {c.key(column) for c in new.values()} - {None}
        return found

    def _fetch(
        self, wanted: dict[str, set[str]], asked: dict[str, set[str]], known: Mapping[str, Copy]
    ) -> dict[str, Copy]:
        """The stored records holding a `wanted` value not `asked` for yet, but those `known`
        already: a record found by two columns or rounds is made a `Copy` (its answers hashed) once."""
        new: dict[str, Copy] = {}
        for column, values in wanted.items():
            values = values - asked.setdefault(column, set())
            if values:
                asked[column] |= values
                for row in self.destination.identity_rows(column, sorted(values)):
                    if row["record_id"] not in known and row["record_id"] not in new:
                        new[row["record_id"]] = Copy.of(row)
        return new

    def reconcile(self, *, run_id: str, before_links: Callable[[], None] | None = None) -> str | None:
        """A full pass when the rules changed since the last one (or none ran yet) and records of
        more than one source are stored — or of one source, unless exact copies are merged and no
        other rules were ever saved (`remember`): its batches set every pointer then. Returns what
        a source alone is told when the pass links its rows (stored while merging was off)."""
        passed = self.destination.get_cursor(STATE_SOURCE, STATE_STREAM)
        if passed == self.rules.fingerprint():
            return None
        sources = self.destination.stored_sources()
        if not sources or (len(sources) == 1 and passed is None and Match.EXACT in self.rules.merged):
            return None
        linked = self.full_pass(run_id=run_id, before_links=before_links, counted=True)
        return _linked_alone(next(iter(sources)), linked) if len(sources) == 1 and linked else None

    def remember(self, *, run_id: str) -> None:
        """After a new dataset's first sync, the rules its batches were compared under, when exact
        copies are not merged: turned on later, a pass links the rows repeated in a source's files
        (`reconcile`), which a dataset of one source would otherwise link only when read again."""
        if Match.EXACT not in self.rules.merged:
            cursor = CursorUpdate(STATE_SOURCE, STATE_STREAM, self.rules.fingerprint())
            self.destination.write_batch(Batch(run_id=run_id, source=STATE_SOURCE, stream=STATE_STREAM, cursor=cursor))

    def full_pass(self, *, run_id: str, before_links: Callable[[], None] | None = None, counted: bool = False) -> int:
        """Every record more than one source holds under one key, and every pointer set, compared
        again under the rules; the pointers that change are written with the rules' fingerprint
        (`before_links` called first when any does). Returns how many changed — with `counted`,
        how many were set: records no longer counted."""
        stored = candidates(self.destination, self.rules, likely=self.rules.settings.merge_likely_duplicates)
        wanted = duplicate_pointers(stored.values(), self.rules)
        links = {rid: wanted.get(rid) for rid, copy in stored.items() if wanted.get(rid) != copy.duplicate_of}
        if links and before_links is not None:
            before_links()
        cursor = CursorUpdate(STATE_SOURCE, STATE_STREAM, self.rules.fingerprint())
        self.destination.write_batch(Batch(run_id=run_id, source=STATE_SOURCE, stream=STATE_STREAM, links=links, cursor=cursor))
        if links:
            log.info("identity: %d duplicate_of pointers set or cleared under the current rules", len(links))
        return sum(pointer is not None for pointer in links.values()) if counted else len(links)


def _linked_alone(source: str, linked: int) -> str:
    """What a dataset of one source is told when a pass links its stored rows: its figures change."""
    rows = f"{linked:,} row{'s' * (linked != 1)}"
    return (f"{rows} repeated in the export files of source {source!r} (the same respondent, submitted time and "
            f"answers), stored while exact copies were not merged (`merge_exact_copies = false`, or before "
            "2026-12-07), now count once, as exact copies: nothing to run; `cxbridge duplicates` lists them (docs/identity.md#when-it-is-decided)")  # fmt: skip


def candidates(destination: Destination, rules: IdentityRules, *, likely: bool) -> dict[str, Copy]:
    """The stored records that may be copies across sources: those whose key another source's
    record shares, and those with a pointer set (they may have to lose it)."""
    found: dict[str, Copy] = {}
    for column in sorted(rules.key_columns(likely=likely)):
        values = destination.shared_keys(column)
        found.update((row["record_id"], Copy.of(row)) for row in destination.identity_rows(column, values))
    if Match.EXACT in rules.merged:
        repeated = destination.repeated_keys(rules.export_connectors)
        found.update((row["record_id"], Copy.of(row)) for row in destination.identity_rows("respondent_key", repeated))
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
    """`cxbridge duplicates`: every group of records found to be one response, with evidence;
    `groups` are read from the destination as they are taken, once (`list()` them for a list)."""

    destination: str
    groups: Iterator[DuplicateGroup]


@dataclass
class DuplicateCounts:
    """Groups by kind of match (a group of mixed kinds counts under each), and records left out
    of the views, of the groups `taken` so far."""

    groups: int = 0
    matches: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Match, 0))
    counted_once: int = 0

    def taken(self, groups: Iterable[DuplicateGroup]) -> Iterator[DuplicateGroup]:
        for group in groups:
            self.groups += 1
            for match in group.matches:
                self.matches[match] += 1
            self.counted_once += len(group.members) - 1 if group.merged else 0
            yield group

    def as_dict(self) -> dict[str, int]:
        return {**{match.value: n for match, n in self.matches.items()}, "counted_once": self.counted_once}


def duplicate_counts(groups: Iterable[DuplicateGroup]) -> dict[str, int]:
    counts = DuplicateCounts()
    deque(counts.taken(groups), maxlen=0)
    return counts.as_dict()


SWEEP_BATCH = 5000
"""Records that may be copies read at a time, each batch's groups completed by key look-ups."""


def duplicate_groups(swept: Destination, looked_up: Destination, rules: IdentityRules) -> Iterator[DuplicateGroup]:
    """Every group of copies, likely duplicates included, best copy first, in `group_copies`'
    order — without holding them all: the records that may be copies come from `swept` sorted
    by submitted time, their ids and keys alone (not their answers), a batch at a time; each
    batch's records and the rest of their groups are looked up by those keys in `looked_up` (the
    same destination opened again: DuckDB runs one statement a connection), and each group is
    given out once no record still to come can be counted before it."""
    waiting: list[tuple[tuple[Any, ...], DuplicateGroup]] = []  # a heap, by the order groups are given out in
    ahead: set[str] = set()  # records of groups found, not read yet
    columns = sorted(rules.key_columns(likely=True))
    for batch in _batches(swept.query_rows(_in_time_sql(swept, columns, rules)), SWEEP_BATCH):
        fresh = {row["record_id"]: row for row in batch if row["record_id"] not in ahead}
        read = {row["record_id"] for row in batch}
        ahead -= read
        for group in _groups_around(looked_up, rules, columns, fresh):
            ahead.update(copy.record_id for copy in group.members if copy.record_id not in read)
            heapq.heappush(waiting, (in_time(group.kept), group))
        last = parse_timestamp(batch[-1]["submitted_at"])  # every record after it was submitted in its second or later
        bound = last.replace(microsecond=0).timestamp() if last else float("inf")  # SQLite sorts text
        while waiting and waiting[0][0][0] < bound:
            yield heapq.heappop(waiting)[1]
    while waiting:
        yield heapq.heappop(waiting)[1]


def _in_time_sql(destination: Destination, columns: list[str], rules: IdentityRules) -> str:
    """The ids, times and key `columns` of the records `candidates` finds, and of rows repeated
    in a source's export files — merged or not: `cxbridge duplicates` reports exact copies either
    way, where `candidates`, which sets pointers, looks for them only when merged — by submitted
    time (undated last)."""
    table = destination.qualified("feedback")
    shared = [f"{column} IN ({shared_keys_sql(table, column)})" for column in columns]
    shared.append(f"respondent_key IN ({repeated_keys_sql(table, rules.export_connectors)})")
    return (
        f"SELECT {', '.join(['record_id', 'submitted_at', *columns])} FROM {table} "
        f"WHERE duplicate_of IS NOT NULL OR {' OR '.join(shared)} "
        "ORDER BY CASE WHEN submitted_at IS NULL THEN 1 ELSE 0 END, submitted_at"
    )


def _groups_around(
    destination: Destination, rules: IdentityRules, columns: list[str], fresh: Mapping[str, Mapping[str, Any]]
) -> list[DuplicateGroup]:
    """The whole groups the `fresh` records (their ids and key `columns`) belong to: the records
    sharing a key with a member — the fresh ones among them, each holding its native id — looked
    up until no new member is linked."""
    universe: dict[str, Copy] = {}
    expanded: set[str] = set()
    asked: dict[str, set[str]] = {column: set() for column in columns}
    frontier: list[Mapping[str, Any]] = list(fresh.values())
    groups: list[DuplicateGroup] = []
    while frontier:
        expanded.update(keys["record_id"] for keys in frontier)
        for column in columns:
            values = {keys[column] for keys in frontier} - {None} - asked[column]
            asked[column] |= values
            for row in destination.identity_rows(column, sorted(values)) if values else ():
                universe.setdefault(row["record_id"], Copy.of(row))
        groups = [g for g in group_copies(universe.values(), rules) if any(c.record_id in fresh for c in g.members)]
        frontier = [_keys_of(copy, columns) for g in groups for copy in g.members if copy.record_id not in expanded]
    return groups


def _repeated_within(rows: Iterable[Mapping[str, Any]]) -> bool:
    """Whether two of a batch's records hold one respondent's answers at one instant (rows of
    two export files read in one batch may be one response)."""
    keys = [(row["respondent_key"], row["submitted_at"]) for row in rows if row["respondent_key"] is not None]
    return len(set(keys)) < len(keys)


def _keys_of(copy: Copy, columns: list[str]) -> dict[str, Any]:
    return {"record_id": copy.record_id, **{column: copy.key(column) for column in columns}}


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
