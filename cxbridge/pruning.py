"""`cxbridge sync --full-refresh --prune`: after a source's full read, the records of it stored
that the read no longer found — a file taken out of the folder, rows deleted from a sheet — are
removed with their rows (`cxbridge.erasure.records_plan`), in one transaction. Their cases stay.

Only the records of a stream the run read to its end, finding at least one record of it, can go:
a stream switched off in the config (Salesforce `surveys = false`, a Zendesk source moved to the
other CSAT API, a Singer mapping removed) was not read, so its records are no records "not found".
The same holds part by part in a stream whose records each belong to a survey or form
(`Stream.part`): a survey the full read did not read (closed in Qualtrics with `active_only`,
renamed past `name_pattern`, moved out of a Typeform workspace) keeps its records.

The ids read are kept as 8-byte prints (`ReadIds`), not as a set of texts: a million records
hold 8 MB, not 100. A record not read whose print a read one shares stays stored — the safe way
to be wrong, and a chance of 1 in 18 million with a million records read and a million not.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.erasure import Statements, records_plan, remove_rows

_PRINT = (1 << 64) - 1


@dataclass(frozen=True)
class Parts:
    """The parts of a stream whose records each belong to one (`Stream.part`)."""

    noun: str  # what a part is: "survey", "form"
    read: frozenset[str]  # those the full read read (`Stream.parts_read` of its final cursor)
    of: Callable[[dict[str, Any]], str | None]  # the part of a raw record (`Stream.part_of`), for the quarantined


class ReadIds:
    """The record ids (stored or quarantined) one source's run read, as prints of their hash, and
    the streams it read to their end."""

    def __init__(self) -> None:
        self._prints = array("Q")
        self._sorted = True
        self.feedback = 0
        """How many are feedback records: a CRM account or contact quarantined is not."""
        self.found: dict[str, int] = {}
        """Per stream: the records it gave (stored, quarantined, or CRM rows)."""
        self.finished: set[str] = set()
        """The streams read to their end."""
        self.left: dict[str, list[str]] = {}
        """Per stream: the parts (files, surveys) a run before read that this one did not (`Stream.parts_read`)."""
        self.parts: dict[str, Parts] = {}
        """Per stream read to its end whose records each belong to a part: its parts."""

    def __len__(self) -> int:
        return len(self._prints)

    def add(self, stream: str, record_ids: Iterable[str], *, feedback: bool = True, rows: int = 0) -> None:
        """Ids read from `stream` (`feedback`: records, not CRM rows quarantined), and `rows` it gave without one."""
        before = len(self._prints)
        self._prints.extend(hash(record_id) & _PRINT for record_id in record_ids)
        added = len(self._prints) - before
        self.feedback += added * feedback
        self.found[stream] = self.found.get(stream, 0) + added + rows
        self._sorted = False

    def prunes(self, stream: str) -> bool:
        """Whether the records of `stream` not read go: the run read it to its end and found some."""
        return stream in self.finished and self.found.get(stream, 0) > 0

    def __contains__(self, record_id: object) -> bool:
        if not self._sorted:
            self._prints, self._sorted = array("Q", sorted(self._prints)), True
        prints, wanted = self._prints, hash(record_id) & _PRINT
        at = bisect_left(prints, wanted)
        return at < len(prints) and prints[at] == wanted


@dataclass
class Pruned:
    """What `prune_rows` did with a source's records not read, per stream, for the summary."""

    removed: dict[str, int] = field(default_factory=dict)
    """Those removed (that would be, in a dry run)."""
    spared: dict[str, int] = field(default_factory=dict)
    """Those of a stream it does not prune (`ReadIds.prunes`): kept."""
    kept: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per stream in parts: those of a part the run did not read, kept, counted by part."""

    @property
    def total(self) -> int:
        return sum(self.removed.values())


Relink = Callable[[list[str]], Mapping[str, str | None]]
"""The `duplicate_of` pointers to set once these stored records are gone (`IdentityResolver.links_without`)."""


def prune_rows(
    db: Statements, source: str, read: ReadIds, *, relink: Relink | None = None, dry_run: bool = False
) -> Pruned:
    """The records of `source` in `feedback` and `quarantine` whose ids `read` lacks, of the
    streams it `prunes` (of a stream in parts, of the parts it read), removed with their scores,
    comments and follow-ups unless `dry_run`, and the copies of other sources that pointed at one
    of them pointed anew (`relink`); what went and what stayed. The caller holds the transaction."""
    unread: dict[str, list[str]] = {}
    pruned = Pruned()
    for table, part in (("feedback", "survey_id"), ("quarantine", "raw")):
        columns = f"record_id, stream, {part}" if read.parts else "record_id, stream"
        rows = db.query_rows(f"SELECT {columns} FROM {table} WHERE source = {db.param(0)}", [source])
        unread[table] = []
        for row in (row for row in rows if row["record_id"] not in read):
            stream = row["stream"]
            if not read.prunes(stream):
                tally, key = pruned.spared, stream
            elif (parts := read.parts.get(stream)) and (of := part_of_row(parts, row)) not in parts.read:
                tally, key = pruned.kept.setdefault(stream, {}), str(of)
            else:
                unread[table].append(row["record_id"])
                tally, key = pruned.removed, stream
            tally[key] = tally.get(key, 0) + 1
    if not dry_run:
        remove_records(db, unread["feedback"], unread["quarantine"], relink=relink)
    return pruned


def remove_records(db: Statements, records: list[str], quarantined: list[str], *, relink: Relink | None = None) -> None:
    """These stored and quarantined records removed with their scores, comments and follow-ups,
    and the copies of other sources that pointed at one of them pointed anew (`relink`); their
    cases stay. The caller holds the transaction (`prune_rows`, `cxbridge.removal`)."""
    links = relink(records) if relink and records else {}
    remove_rows(db, records_plan(records, quarantined))
    pointing = f"UPDATE feedback SET duplicate_of = {db.param(0)} WHERE record_id = {db.param(1)}"
    for record_id, duplicate_of in sorted(links.items()):
        db.execute(pointing, [duplicate_of, record_id])


def part_of_row(parts: Parts, row: Mapping[str, Any]) -> str | None:
    """The part a stored record is of (its `survey_id`), or a quarantined one (by its raw)."""
    if "survey_id" in row:
        return row["survey_id"]
    raw = json.loads(row["raw"]) if isinstance(row["raw"], str) else row["raw"]
    return parts.of(raw) if isinstance(raw, dict) else None
