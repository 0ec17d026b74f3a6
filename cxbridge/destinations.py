"""What a destination plugin implements: the tables and views of DESIGN.md §2–3, written so
that data and cursor land together and re-delivery is harmless."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from cxbridge.crm import ContextRow, id_column
from cxbridge.erasure import Erased, Erasure
from cxbridge.errors import ConfigError, DestinationError
from cxbridge.masking import redact, redact_value
from cxbridge.scales import SCORE_DECIMALS
from cxbridge.plain_secrets import is_credential_name
from cxbridge.tables import RecordRows
from cxbridge.timestamps import format_timestamp

if TYPE_CHECKING:
    from cxbridge.loop.cases import OpenedCase
    from cxbridge.pruning import Pruned, ReadIds, Relink
    from cxbridge.removal import Chosen, Removal


IDENTITY_SELECT = (
    "record_id", "source", "connector", "program", "survey_id", "source_record_id", "ticket_id", "submitted_at",
    "updated_at", "respondent_key", "answers", "duplicate_of",
)  # fmt: skip
"""The columns cross-source identity reads of a stored record."""
IDENTITY_LOOKUPS = frozenset({"record_id", "duplicate_of", "source_record_id", "ticket_id", "respondent_key"})
FLOAT_DECIMALS = 9
"""The decimals a figure computed in floats is taken to before it is rounded (`rounded_float`)."""


REPLAY = "replay"
"""The key of a quarantine item's context under which its stream keeps what a replay of it needs
(`Stream.replaying`) — no part of where it came from."""


@dataclass(frozen=True)
class QuarantineItem:
    """A record that failed normalization, kept with the reason so it can be fixed and replayed."""

    record_id: str
    source: str
    stream: str
    source_record_id: str | None
    raw: Any
    error: str
    field: str | None = None
    context: dict[str, Any] = dataclasses.field(default_factory=dict)
    kind: str | None = None  # the rule it breaks (`DataError.kind`), stored in `quarantine.kind`; None: none named

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> QuarantineItem:
        """The item of a `quarantine` row, its JSON columns as text or as the driver decoded them."""
        raw, context = (json.loads(row[c]) if isinstance(row[c], str) else row[c] for c in ("raw", "context"))
        return cls(
            record_id=row["record_id"], source=row["source"], stream=row["stream"],
            source_record_id=row["source_record_id"], raw=raw, error=row["error"], field=row["field"],
            context=context or {}, kind=row.get("kind"),
        )  # fmt: skip

    @property
    def where(self) -> dict[str, Any]:
        """Where the record came from (file, sheet, row…): its context but what a replay needs."""
        return {key: value for key, value in self.context.items() if key != REPLAY}


@dataclass(frozen=True)
class CursorUpdate:
    source: str
    stream: str
    value: Any


@dataclass
class Batch:
    """What one transaction writes: records, quarantined records, and (maybe) the new cursor."""

    run_id: str
    source: str
    stream: str
    records: list[RecordRows] = dataclasses.field(default_factory=list)
    quarantined: list[QuarantineItem] = dataclasses.field(default_factory=list)
    context: list[ContextRow] = dataclasses.field(default_factory=list)
    """CRM accounts and contacts (`cxbridge.crm`): upserted into `crm_accounts` / `crm_contacts`."""
    cases: list[OpenedCase] = dataclasses.field(default_factory=list)
    """Cases its records open (`cxbridge.loop`): each written, with its `opened` event and its
    pending deliveries, only if no case of that id is stored yet."""
    cursor: CursorUpdate | None = None
    released: list[str] = dataclasses.field(default_factory=list)
    """Quarantine rows to drop with it: of rows fixed in a file read whole again, whose fixed
    version is stored under another id (`cxbridge.reread`); in the batch that saves the cursor,
    so a crash never leaves them once the file is passed over."""
    started_at: str = dataclasses.field(default_factory=lambda: format_timestamp(datetime.now(timezone.utc)))
    """When the batch began (UTC ISO-8601): the `ingested_at` of its records."""
    timezone: str = "UTC"
    """Its source's time zone (`SourceContext.timezone`): the cases it opens count in the day
    `started_at` falls on there (`feedback_cases.opened_local_date`), as its records do."""
    versions: dict[str, list[str | None]] = dataclasses.field(default_factory=dict)
    """Of each record read more than once in the batch, every version's content hash in the order
    read (None: quarantined): `settle` keeps the last, `read_again` counts the others."""
    links: dict[str, str | None] = dataclasses.field(default_factory=dict)
    """`feedback.duplicate_of` to set, by record id, once the batch's records are written: the
    copies of one response read through several sources (`cxbridge.resolver`). Records of the
    batch are written with it empty, so each of them that is a copy has a link here."""
    unstored: bool = False
    """Set when none of its records can be stored: a batch of a first sync (the destination
    held no records and no cases when the source began) whose ids the sync has not written
    before (`cxbridge.loop.written`). A destination may then add its rows without looking for
    stored ones, and its cases without looking for stored cases (their ids are its records')."""
    quarantined_unstored: bool = False
    """Set when none of its quarantined records can be stored: a batch of a first sync whose
    quarantined ids the sync has not written before. A destination then has no stored rows of
    them to take out (a record stored by an earlier batch and failing now is looked for)."""
    _last: dict[str, tuple[bool, int]] = dataclasses.field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.records) + len(self.quarantined) + len(self.context)

    def add_record(self, rows: RecordRows) -> None:
        """A normalized record; `settle` keeps only the last version of a record read twice
        (written out, not shared with `add_quarantined`: it is called for every record)."""
        record_id, records = rows.record_id, self.records
        if (last := self._last.get(record_id)) is not None:
            self._read_again(record_id, last, rows.content_hash)
        self._last[record_id] = (False, len(records))
        records.append(rows)

    def add_quarantined(self, item: QuarantineItem) -> None:
        """A record that failed normalization; `settle` keeps only the last version read."""
        if (last := self._last.get(item.record_id)) is not None:
            self._read_again(item.record_id, last, None)
        self._last[item.record_id] = (True, len(self.quarantined))
        self.quarantined.append(item)

    def _read_again(self, record_id: str, last: tuple[bool, int], digest: str | None) -> None:
        quarantined, index = last
        before = None if quarantined else self.records[index].content_hash
        self.versions.setdefault(record_id, [before]).append(digest)

    def read_again(self, stored: Mapping[str, str]) -> WriteStats:
        """What the versions `settle` drops add to the destination's count of the batch: each
        version of a record read more than once counted as if written alone — unchanged if it
        holds what the version before it held (the `stored` content hash before the first; none
        after a quarantined one), else written — less the last, which the destination counts."""
        counts: Counter[str] = Counter()
        for record_id, digests in self.versions.items():
            before = stored.get(record_id)
            for digest in digests:
                counts[_counted_as(digest, before)] += 1
                before = digest
            counts[_counted_as(digests[-1], stored.get(record_id))] -= 1
        return WriteStats(counts["written"], counts["unchanged"], counts["quarantined"])

    def settle(self) -> None:
        """One id, one place: a record read more than once in the batch keeps its last version
        only, stored if that one normalized and quarantined if it did not."""
        if self.versions:
            last = self._last
            self.records = [r for i, r in enumerate(self.records) if last.get(r.record_id, (False, i)) == (False, i)]
            self.quarantined = [
                q for i, q in enumerate(self.quarantined) if last.get(q.record_id, (True, i)) == (True, i)
            ]
        self._last = {}


def _counted_as(digest: str | None, before: str | None) -> str:
    """How a version of a record written alone counts, after a version whose hash is `before`."""
    return "quarantined" if digest is None else "unchanged" if digest == before else "written"


@dataclass
class LoopChanges:
    """Changes to cases after they opened — by people, help desks and deliveries — written in one
    transaction: rows of `feedback_cases` and `loop_outbox` (whole, in column order) replace the
    stored rows with their key; rows of `feedback_case_events` are added."""

    cases: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    events: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    deliveries: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class WriteStats:
    written: int = 0
    unchanged: int = 0
    quarantined: int = 0
    cases_opened: int | None = None  # the batch's cases the destination added; None: it did not count (all of them)


@dataclass
class SyncRun:
    """A row of `sync_runs`: one run of one source."""

    run_id: str
    source: str
    connector: str
    started_at: datetime
    status: str = "running"
    finished_at: datetime | None = None
    records_read: int = 0
    records_written: int = 0
    records_unchanged: int = 0
    records_quarantined: int = 0
    error: str | None = None
    full_refresh: bool = False
    records_skipped: int = 0
    records_pruned: int | None = None  # records `sync --prune` (or `cxbridge remove`) removed; None: not asked to
    command: str = "sync"  # what wrote the row: sync, import, replay (`quarantine replay`), remove or erase


class Destination(ABC):
    """A place feedback lands: `Destination.name` is the URL scheme that selects it."""

    name: ClassVar[str]
    batch_size: ClassVar[int] = 1000
    """Records per batch when `[settings] batch_size` is not set: engines with a high cost per
    transaction or per load (columnar files, cloud warehouses) want larger batches."""
    first_batch_size: ClassVar[int | None] = None
    """Records per batch of a first sync — a source beginning into a destination holding no
    record and no case of its own (`holds_nothing_of`) — when `[settings] batch_size` is not set; None:
    `batch_size`. For an engine whose batches of a first sync look nothing up, so that a smaller
    batch costs only its statements and commit, and whose peak memory grows with a batch (DuckDB)."""
    ids_per_query: ClassVar[int] = 500
    """Ids listed in one `SELECT … WHERE key IN (…)` when the loop reads a batch's records and
    cases (`cxbridge.loop.lookup`): an engine that scans its files for every query wants a
    batch's ids in one query."""
    scans_for_ids: ClassVar[bool] = False
    """Whether a look-up of ids reads a whole column (no key index: DuckDB, Parquet), so that
    each costs as much as the stored table, however few its ids: a first sync then keeps a
    fingerprint of every id it writes (`cxbridge.loop.written`), and the loop asks about
    almost none but those."""
    path: Path | None = None
    """The file or folder a local destination (SQLite, DuckDB, Parquet) opens; None for a server."""
    concurrent_writers: ClassVar[bool] = False
    """Whether separate connections may write different sources at the same time, each in its
    own transactions: `sync --jobs` then gives each source its own connection (`beside`). Where
    it is False, a parallel run shares one connection and its writes take turns."""

    def __init__(self, url: str, *, base_dir: Path | None = None):
        self.url = url
        self.base_dir = base_dir or Path.cwd()
        parts = urlsplit(url)  # credentials given on the command line are masked like resolved ones
        credentials = [value for name, value in parse_qsl(parts.query) if is_credential_name(name)]
        for credential in [unquote(parts.password or ""), *credentials]:
            redact_value(credential)

    @property
    def display_name(self) -> str:
        """The destination as it may be shown to users: never with a password."""
        parts = urlsplit(self.url)
        if parts.password:
            return redact(self.url.replace(f":{parts.password}@", ":***@"))
        return redact(self.url)

    @abstractmethod
    def open(self, *, read_only: bool = False) -> None:
        """Connect; unless `read_only`, create or upgrade the tables and views."""

    @abstractmethod
    def close(self) -> None:
        """Disconnect; safe to call twice."""

    @abstractmethod
    def lock(self, *, wait: float = 0) -> AbstractContextManager[None]:
        """Exclusive right to write for one sync; DestinationLockedError after `wait` seconds."""

    def lock_sources(self, sources: Sequence[str], *, wait: float = 0) -> AbstractContextManager[None]:
        """Exclusive right to write these sources, for one sync; DestinationLockedError after
        `wait` seconds. By default the whole destination (`lock`); a destination with a lock
        per source (PostgreSQL) lets syncs of other sources run at the same time, in other
        processes and on other machines, while `lock` still keeps every sync out."""
        return self.lock(wait=wait)

    def cases_kept(self, source: str) -> int:
        """The cases that the last `write_batch` of `source` to raise stored all the same, which
        the engine counts as opened (the run again finds them stored and opens them no more): none
        where a transaction takes them back with the records; a destination without one, which
        writes them before the records (`write_batch`), says how many."""
        return 0

    def beside(self) -> Destination:
        """Another, unopened instance of this destination, for a writer running beside this one
        (a source of `sync --jobs` on a destination with `concurrent_writers`)."""
        return type(self)(self.url, base_dir=self.base_dir)

    def exclusive(self, name: str) -> AbstractContextManager[None]:
        """Held around work that one writer at a time may do among writers running at once (the
        comparison of a batch with other sources' copies, the delivery of the outbox), waiting
        for the one doing it. A destination whose `lock` keeps every other writer out, and whose
        connection is shared, has nothing to take here."""
        return nullcontext()

    def lock_held(self) -> bool | None:
        """Whether a sync holds this destination's `lock` now; None where there is no lock to
        ask (then `cxbridge status` cannot tell a killed run from a running one)."""
        return None

    def source_lock_held(self, source: str) -> bool | None:
        """Whether a sync holds the lock of this one source now (a destination with a lock per
        source, `lock_sources`); None where locks are not per source."""
        return None

    @abstractmethod
    def exists(self) -> bool:
        """Whether there is anything to read yet (for read-only commands on a fresh machine)."""

    def holds_no_feedback(self) -> bool:
        """True only where it is known, cheaply, that no record and no case is stored (a first
        sync: the loop then asks only about the records the sync wrote itself); False where it
        cannot tell without a costly query."""
        return False

    def holds_nothing_of(self, source: str) -> bool:
        """True only where it is known, cheaply, that no record and no case of `source` is stored:
        its first sync, into this destination empty or written by other sources. Its records'
        ids derive from its name (`identity.record_id`), so none can be stored under another
        source: its batches look up only the records it wrote itself (`Batch.unstored`,
        `cxbridge.loop.written`). By default `holds_no_feedback`: nothing of any source."""
        return self.holds_no_feedback()

    @abstractmethod
    def get_cursor(self, source: str, stream: str) -> Any:
        """The saved cursor of a stream, or None."""

    @abstractmethod
    def write_batch(self, batch: Batch) -> WriteStats:
        """Upsert the batch's records (skipping unchanged ones), its quarantine and its cursor,
        all in one transaction where the engine has transactions. A record id is in one place:
        writing a record takes it out of quarantine, quarantining one removes its stored row
        (and scores and comments); the engine hands over settled batches, where no id is in
        both lists. The quarantine rows of `released` go too. The batch's cases (with their events and deliveries) are added in the same
        transaction, each only if no case with its id is stored (`WriteStats.cases_opened`
        counts those added); a destination without transactions writes them before the
        records, so that a crash in between never leaves a record stored whose case is missing."""

    @abstractmethod
    def write_loop(self, changes: LoopChanges) -> None:
        """Replace the given case and delivery rows, add the events: all in one transaction
        where the engine has transactions, so a case never changes without its event."""

    @abstractmethod
    def save_run(self, run: SyncRun) -> None:
        """Insert or update a row of `sync_runs`."""

    @abstractmethod
    def read_metadata(self) -> dict[str, str]:
        """The dataset's settings kept with its data (`cxbridge_metadata`: its respondent salt),
        by name; empty before the first sync, and from a destination opened read-only that was
        written by a version without the table."""

    @abstractmethod
    def write_metadata(self, values: Mapping[str, str | None]) -> None:
        """Set these settings of the dataset (None removes one), all in one transaction."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query in this destination's SQL dialect."""

    def query_rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """The rows of `query`, read a batch at a time where the engine can, so that a listing of
        every row holds a batch, not the result; run no other statement until it is read."""
        return iter(self.query(sql, params))

    def has_column(self, table: str, column: str) -> bool:
        """Whether a table has a column: one opened read-only since cxbridge was upgraded, before a
        sync migrated it, may lack those added since."""
        try:
            self.query(f"SELECT {column} FROM {self.qualified(table)} WHERE 1 = 0")
        except Exception:  # each engine has its own error for an unknown column
            return False
        return True

    @abstractmethod
    def quarantined(self, *, source: str | None = None) -> Iterator[QuarantineItem]:
        """The records now in quarantine, oldest first."""

    @abstractmethod
    def release_quarantine(self, record_ids: Sequence[str]) -> None:
        """Drop quarantine rows (after their records were written by a replay)."""

    def erased(self) -> Erased:
        """The tombstones of `cxbridge erase` (`cxbridge.erasure`), which a sync skips; none where
        the destination cannot erase."""
        return Erased()

    def erase(
        self, keys: Sequence[str], *, addresses: Sequence[str] = (), phones: Sequence[str] = (),
        requesters: Mapping[str, Sequence[str]] | None = None, dry_run: bool = False, run: SyncRun | None = None,
        former: Sequence[str] = (),
    ) -> Erasure:
        """Remove every row of the respondents of `keys` (and of `former`, the keys the rules before
        made of their numbers, looked for but kept by no tombstone; `addresses`, their e-mail addresses
        lower-cased, and `phones`, their numbers' digits, never stored) and of `requesters`
        (`source:user_id`, a help desk's user id → the attributes its source names requesters by,
        `Source.requester_fields`) in one transaction, record their tombstones
        (`cxbridge.erasure.erase_rows`) and `run`, the erasure's row of `sync_runs`, with the
        records removed (`cxbridge.command_runs.record_run`); the rows per table (that would go,
        with `dry_run`). A destination that cannot do it in one transaction refuses."""
        raise DestinationError(
            f"{self.name} destinations cannot erase a person's data in one transaction yet; sync the sources into "
            "SQLite, DuckDB or PostgreSQL and erase there, or remove their rows by hand (docs/security.md#erasure)"
        )

    prunes: ClassVar[bool] = False
    """Whether `prune` works here: one transaction spans its deletes (`sync --prune` refuses
    before it reads anything where not)."""

    def prune(self, source: str, read: ReadIds, *, relink: Relink | None = None, dry_run: bool = False) -> Pruned:
        """Remove the records of `source` (stored and quarantined) whose ids a full read did not
        find (`read`), with their rows, and set the pointers `relink` gives, in one transaction
        (`cxbridge.pruning.prune_rows`); what went (would go, with `dry_run`) and what stayed."""
        raise DestinationError(cannot_prune(self.name))

    def remove(
        self, chosen: Chosen, *, relink: Relink | None = None, dry_run: bool = False, run: SyncRun | None = None
    ) -> Removal:
        """Remove the records `chosen` takes, with their rows, set the pointers `relink` gives
        and record `run` (the removal's row of `sync_runs`), in one transaction
        (`cxbridge.removal.removal_rows`); what went (would go). Where `prunes` is False, refused
        for the same reason."""
        raise DestinationError(cannot_remove(self.name, prunes=self.prunes))

    @property
    def removes(self) -> bool:
        """Whether `remove` works here: the destination prunes, and its class has a `remove` of
        its own — a plugin's that overrides `prune` only (written before `remove`) has not."""
        return self.prunes and type(self).remove is not Destination.remove

    def rows_with(
        self, table: str, columns: Iterable[str], key: str, ids: Sequence[str], *, condition: str = ""
    ) -> list[dict[str, Any]]:
        """The `columns` of the rows of `table` whose `key` is one of `ids` (hex digests: record,
        case and delivery ids, safe as SQL literals, which every dialect reads alike where
        placeholders differ) and that meet `condition` (SQL of cxbridge's own, if any),
        `ids_per_query` of them listed in a query's `IN (…)` (`cxbridge.loop.lookup`). A
        destination that can hand the ids over as a relation of its own joins them instead."""
        found: list[dict[str, Any]] = []
        selected, size, where = ", ".join(columns), self.ids_per_query, f"{condition} AND " if condition else ""
        for start in range(0, len(ids), size):
            listed = ", ".join(f"'{value}'" for value in ids[start : start + size])
            found += self.query(f"SELECT {selected} FROM {self.qualified(table)} WHERE {where}{key} IN ({listed})")
        return found

    def identity_rows(self, column: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """The `feedback` columns cross-source identity compares (`cxbridge.resolver`) of every
        record whose `column` (an identity column: a key, `record_id` or `duplicate_of`) holds
        one of `values`."""
        assert column in IDENTITY_LOOKUPS, column
        wanted = sorted(set(values))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join(self.param(i) for i in range(len(chunk)))
            found += self.query(
                f"SELECT {', '.join(IDENTITY_SELECT)} FROM {self.qualified('feedback')} WHERE {column} IN ({marks})",
                chunk,
            )
        return found

    def shared_keys(self, column: str) -> list[str]:
        """The values of an identity key column that records of more than one source hold: where
        a full identity pass looks for copies."""
        assert column in IDENTITY_LOOKUPS, column
        return [row[column] for row in self.query(shared_keys_sql(self.qualified("feedback"), column))]

    def repeated_keys(self, exports: Iterable[str]) -> list[str]:
        """The respondent keys of records one source read from its export files more than once
        at one instant (`repeated_keys_sql`): where a full identity pass looks for repeated rows."""
        return [row["respondent_key"] for row in self.query(repeated_keys_sql(self.qualified("feedback"), exports))]

    def stored_sources(self) -> set[str]:
        """The sources that have records stored."""
        if not self.exists():
            return set()
        return {row["source"] for row in self.query(f"SELECT DISTINCT source FROM {self.qualified('feedback')}")}

    def content_hashes(self, record_ids: Sequence[str]) -> dict[str, str]:
        """The content hashes stored for these feedback records (what a dry run compares with).
        Record ids are hex digests, so they go into the query as literals in every dialect."""
        if not record_ids or not self.exists():
            return {}
        table = self.qualified("feedback")
        stored: dict[str, str] = {}
        for start in range(0, len(record_ids), 500):
            listed = ", ".join(f"'{rid}'" for rid in record_ids[start : start + 500] if rid.isalnum())
            if listed:
                rows = self.query(f"SELECT record_id, content_hash FROM {table} WHERE record_id IN ({listed})")
                stored.update((row["record_id"], row["content_hash"]) for row in rows)
        return stored

    def context_hashes(self, table: str, source: str) -> dict[str, str]:
        """The content hashes of one source's rows of a CRM table, by id (what a dry run compares
        with). Source names are lower-case identifiers (config-checked), safe as a literal."""
        if not self.exists() or not source.isidentifier():
            return {}
        rows = self.query(
            f"SELECT {id_column(table)} AS id, content_hash FROM {self.qualified(table)} WHERE source = '{source}'"
        )
        return {row["id"]: row["content_hash"] for row in rows}

    # Dialect: the few SQL expressions that differ between engines (SQLite's by default). The
    # report and the BI views (cxbridge.views) are written once and rendered through these; they
    # are class methods because they depend on the engine, not on a connection.

    @classmethod
    def day_of(cls, column: str) -> str:
        """SQL for the `YYYY-MM-DD` (UTC) of a timestamp column, in this dialect."""
        return f"substr({column}, 1, 10)"

    @classmethod
    def iso_week_of(cls, day: str) -> str:
        """SQL for the ISO 8601 week `YYYY-Www` of a `YYYY-MM-DD` text column: weeks start on
        Monday and belong to the year of their Thursday (2024-12-30 is in 2025-W01). SQLite
        before 3.46 has no %G/%V, so the Thursday of the day's week is computed."""
        thursday = f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days', '+3 days')"
        return f"printf('%s-W%02d', strftime('%Y', {thursday}), (CAST(strftime('%j', {thursday}) AS INTEGER) - 1) / 7 + 1)"

    @classmethod
    def days_since(cls, column: str) -> str:
        """SQL for the whole days (24-hour periods) between a timestamp column and now."""
        return f"CAST(julianday('now') - julianday({column}) AS INTEGER)"

    @classmethod
    def is_past(cls, column: str) -> str:
        """SQL that is true when a timestamp column is before now."""
        return f"julianday({column}) < julianday('now')"

    @classmethod
    def hours_between(cls, start: str, end: str) -> str:
        """SQL for the hours (with their fraction) from one timestamp column to another."""
        return f"((julianday({end}) - julianday({start})) * 24.0)"

    @classmethod
    def in_time(cls, column: str) -> str:
        """A timestamp column as a key that sorts (and MAX/MIN) by time. SQLite stores
        `format_timestamp`'s text, with a fraction only when there is one: as text `…:00.5Z` <
        `…:00Z` ('.' < 'Z'); without its 'Z' the second, a prefix of its fractions, sorts first."""
        return f"RTRIM({column}, 'Z')"

    @classmethod
    def json_integer(cls, column: str, key: str) -> str:
        """SQL for the whole number at `key` of a JSON object column; NULL where it holds another value."""
        return f"CASE WHEN json_type({column}, '$.{key}') = 'integer' THEN json_extract({column}, '$.{key}') END"

    @classmethod
    def json_string(cls, column: str, key: str) -> str:
        """SQL for the text at `key` of a JSON object column; NULL where it holds another value."""
        return f"CASE WHEN json_type({column}, '$.{key}') = 'text' THEN json_extract({column}, '$.{key}') END"

    @classmethod
    def by_code_point(cls, expression: str) -> str:
        """A text expression to sort by, compared character by character as Python compares
        strings (SQLite's, DuckDB's, BigQuery's and Snowflake's own order)."""
        return expression

    @classmethod
    def as_number(cls, expression: str) -> str:
        """SQL reading a text expression (a `cxbridge_metadata` value) as a floating-point number."""
        return f"CAST({expression} AS REAL)"

    def param(self, index: int) -> str:
        """The placeholder of the `index`-th value bound to a query (SQLite's `?` by default)."""
        return "?"

    @classmethod
    def qualified(cls, table: str) -> str:
        """The name of a table as a stored view must write it (BigQuery needs the dataset)."""
        return table

    @classmethod
    def rounded(cls, expression: str, digits: int) -> str:
        """SQL rounding a numeric expression (of any numeric type) to `digits` decimals: for a
        figure whose value is already near a `digits`-decimal one (a difference of two rounded
        figures); the others go through `rounded_ratio` and the methods after it."""
        return f"ROUND({expression}, {digits})"

    # The rounded figures (docs/report.md, Rounding): `digits` decimals, half away from zero, of
    # the exact value, the same on every engine. An engine adds floats in its own order, so a sum
    # of floats falls a hair either side of a tie; these add whole numbers and divide once.

    @classmethod
    def whole_units(cls, expression: str, decimals: int) -> str:
        """SQL for a number in whole units of 10^-decimals: a float holding a whole number, so
        that sums of it are exact in any order (below 2^53 units)."""
        return f"ROUND({expression} * {10**decimals}, 0)"

    @classmethod
    def rounded_ratio(cls, numerator: str, denominator: str, digits: int) -> str:
        """SQL for `numerator / denominator` to `digits` decimals, half away from zero; NULL when
        the denominator is 0. One division yields the figure times 10^digits: of whole numbers,
        an exact tie is exactly k + 1/2 (a division is correctly rounded on every engine), and any
        other quotient is too far from one for the division's error to reach it."""
        scale = 10**digits
        return f"ROUND({cls.as_number(numerator)} * {scale} / NULLIF({denominator}, 0), 0) / {scale}"

    @classmethod
    def rounded_mean(cls, column: str, digits: int) -> str:
        """SQL for the mean of a column of values of at most six decimals (the 0–100 scores are
        stored so), to `digits` decimals: their sum in millionths over their count, exact."""
        units = cls.whole_units(column, SCORE_DECIMALS)
        return cls.rounded_ratio(f"SUM({units})", f"COUNT({column}) * {10**SCORE_DECIMALS}", digits)

    @classmethod
    def rounded_sum(cls, column: str, digits: int) -> str:
        """SQL for the sum of a column to `digits` decimals, each value counted to `digits`
        decimals (half away from zero): exact for values that have no more (amounts in cents)."""
        return cls.rounded_ratio(f"SUM({cls.whole_units(column, digits)})", str(10**digits), digits)

    @classmethod
    def rounded_float(cls, expression: str, digits: int) -> str:
        """SQL for a figure computed in floats (a weighted mean, a revenue-weighted share) to
        `digits` decimals through its value to nine: exact unless that value is within 10^-9 of
        a tie, where engines may part."""
        return cls.rounded_ratio(cls.whole_units(expression, FLOAT_DECIMALS), str(10**FLOAT_DECIMALS), digits)

    def __enter__(self) -> Destination:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cannot_prune(scheme: str) -> str:
    return (
        f"{scheme} destinations cannot prune records in one transaction yet, so nothing was read: sync without "
        "--prune, or sync with --full-refresh into a new, empty destination, which then holds only what the sources "
        "read now (docs/cli.md#cxbridge-sync)"
    )


def cannot_remove(scheme: str, *, prunes: bool = False) -> str:
    """Why `remove` is refused: no transaction spans the deletes (nor a prune's), or the plugin
    that prunes implements no `remove` (`Destination.removes`)."""
    why = ("yet: its plugin prunes them (`sync --full-refresh --prune`) but implements no remove" if prunes
           else "in one transaction yet (nor prune them)")  # fmt: skip
    return (
        f"{scheme} destinations cannot remove records {why}, so nothing was removed: sync the sources to keep "
        "with --full-refresh into a new, empty destination (docs/cli.md#cxbridge-remove)"
    )


def shared_keys_sql(table: str, column: str) -> str:
    """The values of `column` of `table` (`feedback`) that records of more than one source hold."""
    return f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY {column} HAVING COUNT(DISTINCT source) > 1"


def repeated_keys_sql(table: str, exports: Iterable[str]) -> str:
    """The respondent keys of `table` (`feedback`) that records of one source of the connectors
    `exports` hold more than once at one submitted time."""
    connectors = ", ".join("'" + name.replace("'", "''") + "'" for name in sorted(exports))
    return (
        f"SELECT DISTINCT respondent_key FROM (SELECT respondent_key FROM {table} WHERE respondent_key IS NOT NULL "
        f"AND connector IN ({connectors}) GROUP BY source, respondent_key, submitted_at HAVING COUNT(*) > 1) repeated_rows"
    )


def scheme_of(url: str) -> str:
    scheme = urlsplit(url).scheme
    if not scheme:
        raise ConfigError(f"destination {url!r} is not a URL; write e.g. sqlite:///cxbridge.db")
    return scheme.split("+")[0]
