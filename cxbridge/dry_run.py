"""What a dry run reports: each batch compared with what the destination holds, the way a real
write compares it (by content hash), with nothing written."""

from __future__ import annotations

from cxbridge.destinations import Batch, Destination, WriteStats


class DryRun:
    """Counts what each batch would write to `destination` and what it would leave unchanged."""

    def __init__(self, destination: Destination):
        self.destination = destination
        self._context: dict[tuple[str, str], dict[str, str]] = {}  # (table, source) -> {id: hash}

    def count(self, batch: Batch) -> WriteStats:
        records = {rows.record_id: rows.content_hash for rows in batch.records}  # read twice: the last wins
        stored = self.destination.content_hashes(list(records))
        changed = sum(stored.get(record_id) != digest for record_id, digest in records.items())
        for row in batch.context:
            known = self._stored_context(row.table, row.key[0])
            if known.get(row.key[1]) != row.content_hash:
                known[row.key[1]] = row.content_hash  # as if written: a later batch finds it unchanged
                changed += 1
        return WriteStats(changed, len(batch.records) + len(batch.context) - changed, len(batch.quarantined))

    def _stored_context(self, table: str, source: str) -> dict[str, str]:
        """The hashes of one source's stored CRM rows, read once per dry run."""
        if (table, source) not in self._context:
            self._context[table, source] = self.destination.context_hashes(table, source)
        return self._context[table, source]
