"""How each record a stream reads joins a batch: scrubbed of personal data first, then its rows
(or its CRM context row) — or its quarantine item with the reason it does not normalize — or
nothing, left out by its stream or of a respondent erased (`cxbridge erase`), counted per source."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from cxbridge.crm import CrmAccount, context_row
from cxbridge.destinations import Batch, QuarantineItem
from cxbridge.erasure import Erased
from cxbridge.errors import DataError
from cxbridge.identity import content_id, record_id
from cxbridge.normalize import RecordBuilder
from cxbridge.plugins_host import PluginHost
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.respondents import RespondentKeys
from cxbridge.sources import Source, Stream, volatile_keys
from cxbridge.tables import to_json, to_rows

Scrub = Callable[[dict[str, Any]], dict[str, Any]]
"""A stream's scrubber (`stream_tools`)."""


def stream_tools(source: Source, stream: Stream, *, keys: RespondentKeys | None) -> tuple[RecordBuilder, Scrub]:
    """The record builder of a stream, and the scrubber its raw records pass before anything
    sees them (`cxbridge.privacy`; the way the stream takes through it, `Stream.scrubbing`),
    both with the dataset's respondent keys."""
    context = source.context
    builder = RecordBuilder(context=context, config=source.config, connector=source.name, stream=stream.name, keys=keys,
                            mapping=stream.row_mapping)  # fmt: skip
    exact, prefixes = volatile_keys(stream.volatile_fields())  # removed like ignored fields, kept or not personal data
    fields = stream.personal_fields() | PersonalFields(ignored=exact, ignored_prefixes=prefixes)
    scrub = Scrubber(fields, builder.keys, keep_personal_data=context.keep_personal_data)
    return builder, stream.scrubbing(scrub)


class RecordIntake:
    """The records of one run's sources into their batches, and the records left out, by source."""

    def __init__(self, host: PluginHost, *, run_id: str):
        self.host, self.run_id = host, run_id
        self._enrich = bool(host.pm.hook.enrich_record.get_hookimpls())
        self.erased: Erased | None = None  # the destination's tombstones (None: none), read as each source starts
        self.skipped: dict[str, int] = {}  # per source: records read and left out, their respondents erased
        self.left_out: dict[str, dict[str, int]] = {}  # per source: records its streams left out, by reason

    def beside(self) -> RecordIntake:
        """The intake of one source of a parallel run (`Engine.beside`): the run's counts, its own tombstones."""
        return copy.copy(self)

    def add(
        self,
        batch: Batch,
        raw: dict[str, Any],
        stream: Stream,
        builder: RecordBuilder,
        scrub: Scrub,
        *,
        context: bool,
    ) -> None:
        """One record read into `batch` (`context`: the stream is a ContextStream, whose rows are
        CRM accounts or contacts): its rows, or its quarantine item when it does not normalize."""
        if self.left_out_of(batch.source, stream, raw):
            return
        native: str | None = None
        original, raw = raw, scrub(raw)  # nothing below sees personal data, quarantine included
        try:
            native = stream.native_id(original)  # the id of the record as read: scrubbing never changes it
            if context:
                item = stream.crm_object(raw, builder)
                if isinstance(item, CrmAccount) and item.odd_currency:
                    builder.odd_currencies.setdefault(item.currency, item.account_id)  # type: ignore[arg-type]
                row = context_row(item, source=batch.source, ingested_at=batch.started_at, run_id=self.run_id)
                if self.erased is not None and row.table == "crm_contacts" and self.erased.holds_contact(row.values):
                    self._skip(batch)
                    return
                batch.context.append(row)
                return
            rows = None  # an enrich_record plugin works on records: they are built then
            if not self._enrich:
                rows = stream.record_rows(raw, builder, ingested_at=batch.started_at, run_id=self.run_id)
            if rows is None:
                record = stream.normalize(raw, builder)
                if self._enrich:
                    self.host.pm.hook.enrich_record(record=record)
                rows = to_rows(record, ingested_at=batch.started_at, run_id=self.run_id)
            if self.erased is not None and self.erased.holds_record(rows):
                self._skip(batch)
                return
            batch.add_record(rows)
        except DataError as exc:
            self._add_quarantined(batch, _quarantine_item(batch, raw, stream, native, exc))
        except ValidationError as exc:  # a plugin that builds FeedbackRecord itself
            self._add_quarantined(batch, _quarantine_item(batch, raw, stream, native, DataError.from_validation(exc)))

    def left_out_of(self, source: str, stream: Stream, raw: dict[str, Any]) -> bool:
        """Whether the stream leaves the record out (`Stream.left_out`), counted by its reason."""
        if (reason := stream.left_out(raw)) is None:
            return False
        counts = self.left_out.setdefault(source, {})
        counts[reason] = counts.get(reason, 0) + 1
        return True

    def _add_quarantined(self, batch: Batch, item: QuarantineItem) -> None:
        if self.erased is not None and self.erased.holds_quarantined(item):
            self._skip(batch)
        else:
            batch.add_quarantined(item)

    def _skip(self, batch: Batch) -> None:
        """A record read of a respondent erased (`cxbridge erase`): counted, never written."""
        self.skipped[batch.source] = self.skipped.get(batch.source, 0) + 1


def _quarantine_item(
    batch: Batch, raw: dict[str, Any], stream: Stream, native: str | None, exc: DataError
) -> QuarantineItem:
    key = native if native is not None else "raw:" + content_id(to_json(raw))
    return QuarantineItem(
        record_id=record_id(batch.source, stream.name, key),
        source=batch.source,
        stream=stream.name,
        source_record_id=native,
        raw=raw,
        error=str(exc),
        field=exc.field,
        context=stream.quarantine_context(raw),
        kind=exc.kind,
    )
