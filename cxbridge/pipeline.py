"""The sync engine: source → normalize → destination, in bounded batches.

Each batch is one transaction holding its records, its quarantined records and — when it is
safe — the stream's cursor: after every batch for sorted streams, at the end for unsorted ones.
A crash at any point leaves the destination as of the last committed batch; the next run
re-reads from the saved cursor and the content-hash upsert skips what is already there.
"""

from __future__ import annotations

import copy
import logging
import threading
import traceback
import uuid
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from cxbridge.destinations import Batch, CursorUpdate, Destination, QuarantineItem, SyncRun, WriteStats
from cxbridge.deadline import RunDeadline
from cxbridge.dry_run import DryRun
from cxbridge.duplicates import IdentityRules
from cxbridge.erasure import Erased
from cxbridge.errors import CxbridgeError, DestinationError, SourceError, SourcePaused
from cxbridge.events import EventKind, SyncEvent
from cxbridge.logs import log_summary_warning
from cxbridge.loop.copy_cases import mark_pending
from cxbridge.loop.matching import CaseRules
from cxbridge.loop.opening import cased_copies, cases_to_open
from cxbridge.loop.refused import refused_cases
from cxbridge.loop.written import WrittenIds
from cxbridge.loop.rules import LoopSettings
from cxbridge.masking import redact
from cxbridge.nameless_repeats import nameless_repeats
from cxbridge.plugins_host import PluginHost
from cxbridge.pruning import Parts, ReadIds
from cxbridge.readings import SourceReading, begin, end, reads_from_beginning
from cxbridge.record_intake import RecordIntake, stream_tools
from cxbridge.reread import Leftovers, leftovers
from cxbridge.resolver import IdentityResolver, identity_ready
from cxbridge.respondents import RespondentKeys
from cxbridge.source_result import SourceResult
from cxbridge.sources import ContextStream, Source, Stream
from cxbridge.tabular.undated_files import undated_note

log = logging.getLogger("cxbridge.sync")
__all__ = ["Engine", "EngineOptions", "SourceResult", "stream_tools"]  # the last two kept importable from here


@dataclass(frozen=True)
class EngineOptions:
    batch_size: int = 1000
    first_batch_size: int | None = None  # a first sync's, when not `batch_size` (`Destination.first_batch_size`)
    full_refresh: bool = False
    prune: bool = False  # after a source's full read, remove its records the read did not find (`cxbridge.pruning`)
    dry_run: bool = False
    deadline: RunDeadline | None = None  # [settings] run_deadline: reading stops when it passes
    loop: LoopSettings = field(default_factory=LoopSettings)  # [loop]: the rules that open cases
    command: str = "sync"  # what `sync_runs.command` records: `import` for `cxbridge import`'s


class Stopping(threading.Event):
    """Set when a parallel run is interrupted, with the interruption's reason (SIGTERM's says so;
    Ctrl-C's is empty) for every source it stops."""

    reason = ""

    def stop(self, interruption: BaseException) -> None:
        self.reason = str(interruption) if isinstance(interruption, KeyboardInterrupt) else ""
        self.set()


class Engine:
    """Runs the sources of one invocation against one destination."""

    def __init__(
        self,
        destination: Destination,
        host: PluginHost,
        *,
        options: EngineOptions,
        run_id: str | None = None,
        keys: RespondentKeys | None = None,
        identity: IdentityRules | None = None,
        on_progress: Callable[[SyncEvent], None] | None = None,
        sources: Collection[str] = (),
    ):
        self.destination = destination
        self.sources = frozenset(sources)  # the run's: its mark of copies linked names them (`loop.copy_cases`)
        self.keys = keys
        self.host = host
        self.options = options
        self.run_id = run_id or uuid.uuid4().hex
        self._on_progress = on_progress
        self._dry_run = DryRun(destination) if options.dry_run else None
        self._first_quarantined: dict[str, QuarantineItem] = {}  # per source: the first record quarantined
        self.identity = IdentityResolver(destination, identity or IdentityRules())
        self._rules = CaseRules(options.loop.effective_rules)  # compiled once per sync
        self._intake = RecordIntake(host, run_id=self.run_id)  # each record read into its batch, or left out
        self._skipped_logged: dict[str, int] = {}  # per source: the skipped count the last batch's log line reached
        self.copies_linked = False  # records linked as copies this run: a response may hold two cases (loop.copy_cases)
        self._marking = threading.Lock()  # `linking_copies` of the sources of a parallel run
        self._written: dict[str, WrittenIds | None] = {}  # per source, in a first sync (`cxbridge.loop.written`)
        self._first: dict[str, bool] = {}  # per source: it began into a destination holding no record of it
        self._read: dict[str, ReadIds] = {}  # per source, with `prune`: the ids of the records its run read
        self._seen: dict[str, ReadIds] = {}  # per file source, without `prune`: the same (`cxbridge.reread`)
        self._emitting = threading.Lock()  # events reach the display and the plugins one at a time
        self.stopping = Stopping()  # set when a parallel run is interrupted: every source stops
        self.running: frozenset[str] = frozenset()  # the sources written beside this one (`cxbridge.jobs`)

    def beside(self, destination: Destination, *, running: Collection[str]) -> Engine:
        """An engine for one source of a parallel run (`cxbridge.jobs`): the same run, options,
        keys, events and stop signal, writing through `destination`, with `running` (the run's
        other sources) compared for cross-source copies even before they stored anything."""
        twin = copy.copy(self)
        twin.destination = destination
        twin._dry_run = DryRun(destination) if self.options.dry_run else None
        twin._intake = self._intake.beside()
        twin.identity = IdentityResolver(destination, self.identity.rules)
        twin.running = frozenset(running)
        return twin

    def emit(self, kind: EventKind, **details: Any) -> None:
        event = SyncEvent(kind, self.run_id, **details)
        with self._emitting:
            if self._on_progress:
                self._on_progress(event)
            try:
                self.host.pm.hook.on_sync_event(event=event)
            except Exception:  # an observer must never break a sync
                log.warning("an on_sync_event plugin failed:\n%s", traceback.format_exc())

    def run_source(self, name: str, source: Source, *, replay: list[QuarantineItem] | None = None) -> SourceResult:
        """Sync every stream of one source (or normalize its quarantined records again, with
        `replay`); failures are caught and reported, never raised."""
        started = datetime.now(timezone.utc)
        result = SourceResult(source=name, connector=source.name)
        scans = self.destination.scans_for_ids  # a batch known unstored skips its look-ups (`Batch.unstored`)
        first = (self._rules or scans or self.options.first_batch_size) and self.destination.holds_nothing_of(name)
        self._written[name] = WrittenIds(prints=scans) if first and (self._rules or scans) else None
        self._first[name] = bool(first)
        erased = self.destination.erased() if self.destination.exists() else Erased()
        self._intake.erased = replace(erased, requester_fields=source.requester_fields) if erased else None
        reading = None
        if replay is None:
            reading = begin(self.destination, name, source.name, full_refresh=self.options.full_refresh,
                            dry_run=self.options.dry_run)  # fmt: skip
        run = SyncRun(self.run_id, name, source.name, started, full_refresh=self.options.full_refresh,
                      command="replay" if replay is not None else self.options.command)  # fmt: skip
        self._save_run(run)
        if self.options.prune and replay is None:
            self._read[name] = ReadIds()
        elif replay is None and source.reads_exports and not self._dry_run and self._holds_some_of(name, first):
            self._seen[name] = ReadIds()
        if not self._dry_run or identity_ready(self.destination):  # a dry run's cases, too, are none for copies
            self.identity.start_source(name, running=self.running, connector=source.name)
        self.emit(EventKind.SOURCE_STARTED, source=name)
        log.info("%s (%s): %s", name, source.name, "replaying quarantined records" if replay else "sync started")
        streams: list[Stream] = []
        reached = 0  # the streams begun: a pause in the last one leaves none unread (`_tell_reading`)
        try:
            streams = list(source.streams())  # a plugin may give an iterator: its length is asked
            for reached, stream in enumerate(streams, start=1):
                self._within_deadline()
                try:
                    if replay is None:
                        self._run_stream(name, source, stream, result)
                    else:
                        items = [i for i in replay if i.stream == stream.name]
                        self._replay_stream(name, source, stream, items, result)
                finally:
                    result.warnings += [w for w in stream.warnings() if w not in result.warnings]
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM saying why (`cxbridge.cli.launch.Terminated`)
            result.status, result.error = "interrupted", str(exc) or "interrupted by the user (Ctrl-C)"
            self._finish(run, result, started)
            raise
        except SourcePaused as exc:
            result.status, result.error = "paused", str(exc)
        except CxbridgeError as exc:
            result.status, result.error = "failed", str(exc)
        except Exception as exc:  # a plugin bug fails its source, not the whole run
            log.debug("source %s crashed:\n%s", name, traceback.format_exc())
            result.status, result.error = "failed", f"{type(exc).__name__}: {exc} (a bug in the {source.name} plugin?)"
        finally:
            result.warnings += [w for w in source.warnings() if w not in result.warnings]
            source.close()
        if replay is None and result.ok and result.all_quarantined:
            result.status, result.error = "failed", result.all_quarantined_error(self._first_quarantined.get(name))
        if name in self._read:
            self._prune(name, result, self._read.pop(name))
        self._seen.pop(name, None)
        if reading is not None:
            self._tell_reading(reading, result, source, last=bool(streams) and reached == len(streams))
        self._finish(run, result, started)
        log.info(
            "%s (%s): %s in %.1f s: %s%s", name, source.name, result.status, result.seconds,
            ", ".join(f"{count} {what}" for what, count in self._counts(result).items()),
            f"; {result.error}" if result.error else "",
        )  # fmt: skip
        kind = EventKind.SOURCE_FINISHED if result.ok or result.paused else EventKind.SOURCE_FAILED
        self.emit(kind, source=name, counts=self._counts(result), error=result.error)
        return result

    def _prune(self, name: str, result: SourceResult, read: ReadIds) -> None:
        """After a full read: the records of the source it did not find removed (`cxbridge.pruning`),
        unless the run failed, paused or read no feedback record at all (an emptied folder, an API
        answering with none, beside CRM accounts), which says why nothing was pruned."""
        if not (result.ok and read.feedback):
            why = f"the run {result.status}" if not result.ok else "the full read found no feedback record"
            result.warnings.append(f"nothing pruned: {why}; --prune removes records only after a full read that "
                                   "finds at least one")  # fmt: skip
            return
        if not self.destination.exists():  # a dry run before the first sync: nothing stored
            result.pruned = 0
            return
        if self.identity.compares:  # copies of other sources that pointed at a record pruned are pointed anew
            self.linking_copies()
        try:
            with self._identity_section():
                relink = self.identity.links_without
                pruned = self.destination.prune(name, read, relink=relink, dry_run=self.options.dry_run)
        except Exception as exc:
            log.debug("%s crashed pruning %s:\n%s", self.destination.name, name, traceback.format_exc())
            result.status, result.error = "failed", f"the records not read were not pruned (nothing was removed): {exc}"
            return
        verb = "would be pruned" if self.options.dry_run else "pruned"
        result.pruned = pruned.total
        if result.pruned:
            log.info("%s: %d records %s: the full read no longer found them", name, result.pruned, verb)
        for stream, count in sorted(pruned.removed.items()):
            result.warnings.append(_pruned(stream, count, verb, read.left.get(stream, [])))
        result.warnings += [_spared(stream, count, read) for stream, count in sorted(pruned.spared.items())]
        result.warnings += [_kept(read.parts[stream].noun, parts) for stream, parts in sorted(pruned.kept.items())]

    def _tell_reading(self, reading: SourceReading, result: SourceResult, source: Source, *, last: bool) -> None:
        """Today's reading recorded after a full read of every record from the source's beginning,
        across a pause in its `last` stream too; else, once, what changed since the source's stored
        records were read (`cxbridge.readings`)."""
        full = self.options.full_refresh and reads_from_beginning(source)
        if note := end(self.destination, reading, full=full, ok=result.ok, paused_last=result.paused and last,
                       dry_run=self.options.dry_run):  # fmt: skip
            result.warnings.append(note)

    def _holds_some_of(self, name: str, first: Any) -> bool:
        """Whether records of the source may be stored already: a file it reads whole again may have left some."""
        return self.destination.exists() and not (first or self.destination.holds_nothing_of(name))

    def _left_over(self, name: str, stream: Stream, last: Batch) -> Leftovers | None:
        """Of the files `stream` read whole again, what their earlier reads stored that this one did
        not produce (`cxbridge.reread`), `last` (the batch saving the cursor, not written yet)
        counted as read; the quarantined rows fixed in place go with `last` (`Batch.released`), so
        no crash leaves them once the files are passed over."""
        if (read := self._seen.get(name)) is None or not (files := stream.read_whole()):
            return None
        try:
            found = leftovers(self.destination, name, stream.name, files, read, pending=last)
        except Exception:  # a telling, not the sync: a destination whose SQL it cannot ask keeps quiet
            log.debug("%s could not compare %s's files read whole again:\n%s", self.destination.name, name,
                      traceback.format_exc())  # fmt: skip
            return None
        last.released = found.fixed
        return found

    def _tell_left_over(self, name: str, stream: str, found: Leftovers, result: SourceResult) -> None:
        if found.fixed:
            log.info("%s/%s: %d quarantined rows were fixed in their files: their quarantine rows were removed", name,
                     stream, len(found.fixed))  # fmt: skip
        result.warnings += found.warnings(prunes=self.destination.prunes, imported=self.options.command == "import")

    def _tell(self, name: str, result: SourceResult, found: Callable[[], list[str]]) -> None:
        """What `found` says of the source's stored records added to its warnings: rows naming
        nobody repeated across its files (`cxbridge.nameless_repeats`), files told apart only by
        their dates (`cxbridge.tabular.undated_files`). A telling, not the sync: a destination
        whose SQL it cannot ask keeps quiet."""
        try:
            told = found()
        except Exception:
            log.debug("%s could not compare %s's files:\n%s", self.destination.name, name, traceback.format_exc())
            return
        result.warnings += [w for w in told if w not in result.warnings]

    def batch_size(self, source: str) -> int:
        """Records per batch of `source`'s streams: a first sync's own size where the destination
        has one (and `[settings] batch_size` is not set), else `batch_size`."""
        first = self.options.first_batch_size
        return first if first and self._first.get(source) else self.options.batch_size

    def _run_stream(self, name: str, source: Source, stream: Stream, result: SourceResult) -> None:
        fresh = self.options.full_refresh or not self.destination.exists()
        known = self.destination.exists() and (not self.options.full_refresh or name in self._read)
        stored = self.destination.get_cursor(name, stream.name) if known else None  # with --prune, what it read before
        saved = None if fresh else stored
        builder, scrub = stream_tools(source, stream, keys=self.keys)
        self.emit(EventKind.STREAM_STARTED, source=name, stream=stream.name)
        log.debug("%s/%s: reading from cursor %s", name, stream.name, _cursor_text(saved))
        cursor = saved
        batch = self._new_batch(name, source, stream)
        # asked once per stream, not per record (issue 19): what kind of rows it gives, whether
        # its cursor moves with what it reads, and the batch's size (each record adds one item)
        context, moves = isinstance(stream, ContextStream), _cursor_moves(stream)
        size, added = self.batch_size(name), 0
        stopping, deadline = self.stopping.is_set, self.options.deadline  # `_within_deadline`'s tests
        try:
            for raw in stream.read(saved):
                result.read += 1
                self._intake.add(batch, raw, stream, builder, scrub, context=context)
                if moves:
                    cursor = stream.advance_cursor(cursor, raw)
                if deadline is not None or stopping():
                    self._within_deadline()
                added += 1
                if added >= size:
                    if stream.is_sorted and cursor != saved:
                        batch.cursor = CursorUpdate(name, stream.name, cursor)
                    self._commit(batch, result, stream)
                    batch, added = self._new_batch(name, source, stream), 0
        except SourceError as exc:
            # What was read before the failure is kept. A sorted stream's cursor covers every
            # record read, so it moves with them; any other stream's cursor stays where it was.
            # A stream that pauses says where to go on from (its final cursor).
            if isinstance(exc, SourcePaused):
                cursor = stream.final_cursor(cursor)
            if (stream.is_sorted or isinstance(exc, SourcePaused)) and cursor != saved:
                batch.cursor = CursorUpdate(name, stream.name, cursor)
            if len(batch) or batch.cursor is not None:
                self._commit(batch, result, stream)
            raise
        final = stream.final_cursor(cursor)
        if final != saved or (self.options.full_refresh and final is not None):  # a stream without a cursor has none to save
            batch.cursor = CursorUpdate(name, stream.name, final)
        found = self._left_over(name, stream, batch)
        if len(batch) or batch.cursor is not None or batch.released:
            self._commit(batch, result, stream)
        result.warnings += [w for w in builder.warnings() if w not in result.warnings]
        result.streams[stream.name] = result.read
        if found is not None:
            self._tell_left_over(name, stream.name, found, result)
        if result.written and not self._dry_run and stream.keyed_by_file() and stream.read_whole():  # a file new or replaced
            self._tell(name, result, lambda: nameless_repeats(self.destination, name, stream.name))
        if not self._dry_run and self.destination.exists():
            self._tell(name, result, lambda: undated_note(self.destination, name, stream, final))
        if (read := self._read.get(name)) is not None:
            read.finished.add(stream.name)
            if stream.part:
                read.parts[stream.name] = Parts(stream.part, frozenset(stream.parts_read(final) or ()), stream.part_of)
            else:
                read.left[stream.name] = _no_longer_read(stream, stored, final)
        self.emit(EventKind.STREAM_FINISHED, source=name, stream=stream.name, counts=self._counts(result))

    def _replay_stream(
        self, name: str, source: Source, stream: Stream, items: list[QuarantineItem], result: SourceResult
    ) -> None:
        builder, scrub = stream_tools(source, stream, keys=self.keys)
        stream.restore(self.destination.get_cursor(name, stream.name))
        stored = self.destination.content_hashes([item.record_id for item in items])
        if stored:  # left in both places by versions before one id, one place: a later version was written
            self.destination.release_quarantine(list(stored))
            result.read += len(stored)
            result.unchanged += len(stored)
        batch, context = self._new_batch(name, source, stream), isinstance(stream, ContextStream)
        left_out: list[str] = []  # no feedback by the stream's settings now (a preview, a test): out of quarantine
        for item in items:
            if item.record_id in stored:
                continue
            result.read += 1
            if self._intake.left_out_of(name, stream, item.raw):
                left_out.append(item.record_id)
                continue
            stream.replaying(item.context)
            self._intake.add(batch, item.raw, stream, builder, scrub, context=context)
            if len(batch) >= self.options.batch_size:
                self._commit(batch, result, stream)
                batch = self._new_batch(name, source, stream)
        if len(batch):
            self._commit(batch, result, stream)
        if left_out:
            self.destination.release_quarantine(left_out)
        result.warnings += [w for w in builder.warnings() if w not in result.warnings]

    def _counts(self, result: SourceResult) -> dict[str, int]:
        """The source's counts so far, for events and the log: `skipped` too (the run's end puts it
        on the result, `_finish`), so that read = written + unchanged + quarantined + skipped."""
        source = result.source
        intake = self._intake
        skipped = result.skipped + intake.skipped.get(source, 0) + sum(intake.left_out.get(source, {}).values())
        counts = {"read": result.read, "written": result.written, "unchanged": result.unchanged,
                  "quarantined": result.quarantined, "skipped": skipped}  # fmt: skip
        return counts if result.pruned is None else {**counts, "pruned": result.pruned}

    def _commit(self, batch: Batch, result: SourceResult, stream: Stream) -> None:
        batch.settle()
        for read in (self._read.get(batch.source), self._seen.get(batch.source)):
            if read is None:
                continue
            read.add(batch.stream, (rows.record_id for rows in batch.records), rows=len(batch.context))
            read.add(batch.stream, (item.record_id for item in batch.quarantined),
                     feedback=not isinstance(stream, ContextStream))  # fmt: skip
        with self._identity_section():
            batch.links, copied = self.identity.links(batch)  # copied: of each record views count, its stored copies
            copies = {rid for rid, canonical in batch.links.items() if canonical is not None}  # counted once, cased once
            if copies:
                self.linking_copies()
            maybe_stored = None
            if (written := self._written.get(batch.source)) is not None:  # a first sync: what it wrote, at most
                maybe_stored = set(written.check_in([rows.record_id for rows in batch.records]))
                batch.unstored = not maybe_stored
                batch.quarantined_unstored = not written.maybe_written(item.record_id for item in batch.quarantined)
            opened = cases_to_open(batch, self._rules, self.destination, maybe_stored=maybe_stored)
            if copies or copied:  # a copy opens no case, nor a record whose response a copy of it opened one for
                copies |= cased_copies(self.destination, opened, copied)
                opened = [c for c in opened if c.record_id not in copies]
            batch.cases = opened
            read_twice = [] if batch.unstored else list(batch.versions)
            stored = self.destination.content_hashes(read_twice)  # what the first read of each is counted against
            stats = self._dry_run.count(batch) if self._dry_run else self._destination_write(batch, result)
        again = batch.read_again(stored)  # the versions of a record read twice that settle dropped
        result.written += stats.written + again.written
        result.unchanged += stats.unchanged + again.unchanged
        result.quarantined += stats.quarantined + again.quarantined
        if batch.quarantined:
            self._first_quarantined.setdefault(batch.source, batch.quarantined[0])
            result.count_reasons(batch.quarantined)
        result.cases_opened += len(batch.cases) if stats.cases_opened is None else stats.cases_opened
        if not self._dry_run:
            counts = self._counts(result)
            skipped = counts["skipped"] - self._skipped_logged.get(batch.source, 0)  # the batch's reads left out
            self._skipped_logged[batch.source] = counts["skipped"]
            log.debug(
                "%s/%s: batch committed: %d written, %d unchanged, %d quarantined, %d skipped; cursor %s", batch.source,
                batch.stream, stats.written, stats.unchanged, stats.quarantined, skipped,
                _cursor_text(batch.cursor.value) if batch.cursor else "unchanged",
            )  # fmt: skip
            self.emit(EventKind.BATCH_COMMITTED, source=batch.source, stream=batch.stream, counts=counts,
                      progress=stream.progress())  # fmt: skip

    def _destination_write(self, batch: Batch, result: SourceResult) -> WriteStats:
        """The destination's write of `batch`; what it raises is the destination's failure, not
        the source plugin's (a lost database connection, a constraint, a bug in its plugin), and
        the cases it kept all the same count as opened (`Destination.cases_kept`)."""
        try:
            return self.destination.write_batch(batch)
        except Exception as exc:
            result.cases_opened += (kept := self.destination.cases_kept(batch.source))
            if refused := refused_cases(self.destination, batch, exc):  # its cases: which, and what to do
                log.debug("%s refused the cases of a batch of %s:\n%s", self.destination.name, batch.source,
                          traceback.format_exc())  # fmt: skip
                raise DestinationError(refused) from None
            if isinstance(exc, CxbridgeError):
                raise
            log.debug("%s crashed writing a batch of %s:\n%s", self.destination.name, batch.source, traceback.format_exc())
            raise DestinationError(
                f"{self.destination.display_name} failed to write a batch: {type(exc).__name__}: {exc} "
                f"({_not_kept(kept)}; a database that refused it, or a bug in the {self.destination.name} "
                "destination plugin?)"
            ) from None

    def linking_copies(self) -> None:
        """Before a write that links records as copies: `copies_linked`, and the run's mark in the
        destination (`copy_cases.mark_pending`), so that a sync stopped before it closed the copies'
        cases leaves them to the next."""
        with self._marking:
            if not self.copies_linked and not self._dry_run:
                mark_pending(self.destination, run_id=self.run_id, sources=self.sources)
            self.copies_linked = True

    def _identity_section(self) -> AbstractContextManager[object]:
        """Held from reading the stored copies of a batch's records to writing its pointers, where
        another writer may store copies in between: one writer at a time compares and writes."""
        if self._dry_run or not self.identity.compares:
            return nullcontext()
        return self.destination.exclusive("identity")

    def _within_deadline(self) -> None:
        """RunDeadlineError (a SourceError: what was read is kept) once the run deadline passed;
        KeyboardInterrupt once another source of a parallel run was interrupted."""
        if self.stopping.is_set():
            raise KeyboardInterrupt(self.stopping.reason)
        deadline = self.options.deadline
        if deadline is not None and deadline.passed():
            raise deadline.error()

    def _new_batch(self, name: str, source: Source, stream: Stream) -> Batch:
        return Batch(run_id=self.run_id, source=name, stream=stream.name, timezone=source.context.timezone)

    def _finish(self, run: SyncRun, result: SourceResult, started: datetime) -> None:
        finished = datetime.now(timezone.utc)
        result.seconds = (finished - started).total_seconds()
        # what the summary, sync_runs, events and logs show: an exception a plugin did not
        # mean for users (an HTTP library's "Illegal header value b'…'") may hold a secret
        result.error = redact(result.error) if result.error else result.error
        result.warnings = [redact(warning) for warning in result.warnings]
        for warning in result.warnings:
            log_summary_warning(log, warning, source=result.source)
        result.erased = self._intake.skipped.pop(result.source, 0)
        if result.erased:
            log.info("%s: %d records read were left out: their respondents were erased (cxbridge erase)",
                     result.source, result.erased)  # fmt: skip
        result.left_out = self._intake.left_out.pop(result.source, {})
        for reason, count in result.left_out.items():
            log.info("%s: %d records read were left out: %s", result.source, count, reason)
        run.status, run.error, run.finished_at = result.status, result.error, finished
        run.records_read, run.records_written = result.read, result.written
        run.records_unchanged, run.records_quarantined = result.unchanged, result.quarantined
        run.records_skipped, run.records_pruned = result.skipped, result.pruned
        self._save_run(run)

    def _save_run(self, run: SyncRun) -> None:
        if not self.options.dry_run:
            self.destination.save_run(run)


def _cursor_moves(stream: Stream) -> bool:
    """Whether `stream.advance_cursor` can move the cursor: not the default one without a
    `cursor_field`, which returns the cursor it is given (file sources keep theirs per file)."""
    return stream.cursor_field is not None or type(stream).advance_cursor is not Stream.advance_cursor


def _no_longer_read(stream: Stream, before: Any, after: Any) -> list[str]:
    """The parts (files, surveys) the cursor `before` names and `after` does not (`Stream.parts_read`)."""
    was, now = stream.parts_read(before), stream.parts_read(after)
    return [] if was is None or now is None else sorted(set(was) - set(now))


def _pruned(stream: str, count: int, verb: str, left: list[str]) -> str:
    """What `--prune` removed (would remove) of `stream`, naming the parts a run before read and this one did not."""
    said = f"{_records(count)} of stream {stream} {verb}: the full read no longer found them"
    if not left:
        return said
    more = f" and {len(left) - 5:,} more" if len(left) > 5 else ""
    return f"{said}; nothing was read of {', '.join(left[:5])}{more}, which a run before read"


def _spared(stream: str, count: int, read: ReadIds) -> str:
    """Why `--prune` kept the records of `stream` the run did not read (`ReadIds.prunes`)."""
    why = ("the full read found no record of that stream" if stream in read.finished
           else "the run did not read that stream (switched off in the source's config?)")  # fmt: skip
    return (f"{_records(count)} of stream {stream} not pruned: {why}; --prune removes a stream's records only "
            "after a full read of that stream that finds at least one")  # fmt: skip


def _kept(noun: str, parts: dict[str, int]) -> str:
    """Why `--prune` kept the records not read of these parts of a stream (`Stream.part`): the run read none of them."""
    one = len(parts) == 1
    named = ", ".join(part if one else f"{part} ({count:,})" for part, count in sorted(parts.items())[:5])
    more = f" and {len(parts) - 5:,} more" if len(parts) > 5 else ""
    which = f"{noun} {named}" if one else f"{noun}s {named}{more}"
    return (f"{_records(sum(parts.values()))} of {which} not pruned: the run read nothing of {'it' if one else 'them'} "
            f"(closed, renamed or out of the source's selection?); --prune removes only records of the {noun}s it "
            "read (to remove these: docs/cli.md#cxbridge-sync)")  # fmt: skip


def _records(count: int) -> str:
    return f"{count:,} record{'s' if count != 1 else ''}"


def _not_kept(cases_kept: int) -> str:
    """What a failed write left out: all of the batch, or its records alone where its cases stay."""
    if not cases_kept:
        return "the batch was not kept"
    return f"the batch's records were not kept, its {cases_kept} case{'s' if cases_kept != 1 else ''} were"


def _cursor_text(cursor: Any, limit: int = 80) -> str:
    """A cursor for a log line: short, and `none` before the first sync."""
    text = "none" if cursor is None else str(cursor)
    return text if len(text) <= limit else text[: limit - 1] + "…"
