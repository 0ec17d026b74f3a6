"""`cxbridge status` and `cxbridge quarantine list`, read from a destination for people: the last
runs — one whose process was killed (SIGKILL, a power cut) shown as `abandoned`, not `running`
for ever; each unfinished run, running or abandoned, with what the destination holds of its
committed batches — each stream's cursor in words, and quarantined records in the order of their
source and place in it."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cxbridge.command_runs import reads_nothing
from cxbridge.destinations import Destination, QuarantineItem
from cxbridge.errors import clauses
from cxbridge.loop.copy_cases import UNCLOSED, pending_marks
from cxbridge.readings import connectors_named, older_readings
from cxbridge.resolver import STATE_SOURCE, identity_ready
from cxbridge.tabular.undated_files import told_of
from cxbridge.timestamps import EPOCH_MILLISECONDS

ABANDONED = "abandoned"
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


RUN_COLUMNS = (
    "run_id", "source", "connector", "status", "started_at", "finished_at", "records_read", "records_written",
    "records_unchanged", "records_quarantined", "records_skipped", "records_pruned", "command", "error",
)  # fmt: skip
UNFINISHED = ("running", ABANDONED)
"""Runs whose `sync_runs` row still holds the zeros it started with: their counts are counted."""
UNKNOWN_WHEN_UNFINISHED = ("records_read", "records_unchanged", "records_skipped")
"""Counts a run records at its end only and its rows do not tell: null (unknown), not 0."""
ROLLED_BACK = "killed before its transaction committed: rolled back, nothing removed"
"""What `status` says of an abandoned `cxbridge remove` or `erase`, whose one transaction removes and records it."""
WRITTEN_TABLES = ("feedback", "crm_accounts", "crm_contacts")
"""The tables whose rows a run counts as written (`WriteStats.written`), each with `sync_run_id`."""
LATER_RUN_COLUMNS = ("records_skipped", "records_pruned", "command")
"""Columns of `sync_runs` a destination opened read-only before a sync migrated it may lack (null)."""
CURSOR_COLUMNS = ("source", "stream", "position", "cursor", "updated_at")
QUARANTINE_COUNT_COLUMNS = ("source", "stream", "kind", "records", "last_seen")
COPIES_COLUMNS = ("source", "copies")
READING_COLUMNS = ("source", "connector", "reading", "changes")
UNDATED_COLUMNS = ("source", "files")
"""The columns of each part of a StatusReport, in order (its CSV headers, rows or none)."""


@dataclass
class StatusReport:
    destination: str
    runs: list[dict[str, Any]]
    cursors: list[dict[str, Any]]
    quarantine: list[dict[str, Any]]
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    """Per source: how many of its records are copies of a response another record stands for."""
    stale: list[dict[str, Any]] | None = None
    """With `stale=AGE` (`cxbridge.freshness`): the sources whose data is getting old, and why."""
    stale_ages: dict[str, str | None] | None = None
    """With `stale`: each configured source asked about and the age it was held to, None for one
    without `expected_every` (checked only for a successful sync and its quarantine)."""
    readings: list[dict[str, Any]] = field(default_factory=list)
    """Per source whose stored records an older cxbridge read (`cxbridge.readings`): the reading
    they were read by (0: before readings were kept) and what changed since for its connector."""
    undated: list[dict[str, Any]] = field(default_factory=list)
    """Per file source whose files a sync told were told apart only by the dates inside
    (`cxbridge.tabular.undated_files`): those files."""
    opened: str | None = None
    """The absolute path of a local destination's file or folder, when `destination` (the URL as
    the config writes it) is relative: the terminal shows where it is."""


def status_of(dest: Destination, *, runs: int = 10) -> StatusReport:
    """`status` of a destination already open (the conformance suite runs it on every one)."""
    return StatusReport(
        destination=dest.display_name,
        runs=recent_runs(dest, limit=runs),
        cursors=[
            _cursor_row(row)
            for row in dest.query("SELECT source, stream, cursor, updated_at FROM sync_state ORDER BY source, stream")
            if row["source"] != STATE_SOURCE  # the fingerprint of the identity rules: no source's cursor
        ],
        quarantine=quarantine_counts(dest),
        duplicates=copies_by_source(dest),
        readings=older_readings_of(dest),
        undated=told_of(dest) if dest.exists() else [],
        opened=_opened(dest),
    )


def older_readings_of(dest: Destination) -> list[dict[str, Any]]:
    """The sources whose stored records were read by an older cxbridge, each with its newest run's connector."""
    runs = dest.query(f"SELECT source, connector FROM sync_runs WHERE source <> '*' "  # an erasure's rows: no source
                      f"ORDER BY {dest.in_time('started_at')} DESC")  # fmt: skip
    return [
        {"source": found.source, "connector": found.connector, "reading": found.oldest,
         "changes": [change.what for change in found.changes]}
        for found in older_readings(dest, connectors_named(runs))
    ]  # fmt: skip


def quarantine_counts(dest: Destination) -> list[dict[str, Any]]:
    """Per source, stream and the rule its records break (`kind`, null last: stored before kinds
    were, or named by none): its records in quarantine and the latest `last_seen`, compared in
    time (Destination.in_time), the stored value selected."""
    kind = "kind" if dest.has_column("quarantine", "kind") else "NULL"  # opened read-only before a sync migrated it
    rows = f"(SELECT source, stream, {kind} AS kind, last_seen FROM quarantine)"
    return dest.query(
        f"SELECT q.source, q.stream, q.kind, c.records, MAX(q.last_seen) AS last_seen FROM {rows} q JOIN "  # QUARANTINE_COUNT_COLUMNS
        f"(SELECT source, stream, kind, COUNT(*) AS records, MAX({dest.in_time('last_seen')}) AS latest "
        f"FROM {rows} r GROUP BY source, stream, kind) c "
        "ON q.source = c.source AND q.stream = c.stream AND COALESCE(q.kind, '') = COALESCE(c.kind, '') "
        f"AND {dest.in_time('q.last_seen')} = c.latest GROUP BY q.source, q.stream, q.kind, c.records "
        "ORDER BY q.source, q.stream, CASE WHEN q.kind IS NULL THEN 1 ELSE 0 END, q.kind"
    )


def _opened(dest: Destination) -> str | None:
    """The file or folder `dest` opened, unless its URL already names it by that path."""
    if dest.path is None:
        return None
    opened = str(dest.path.resolve())
    return None if opened in dest.display_name else opened


def copies_by_source(dest: Destination) -> list[dict[str, Any]]:
    """How many records of each source views leave out as copies (`cxbridge duplicates`)."""
    if not identity_ready(dest):
        return []
    # grouped by an expression, not by the column: SQLite grouped through `feedback (source, stream)`
    # and looked each record up (0.07 s of CPU of 200,000, most datasets holding no copy), not through the
    # partial index of `duplicate_of`, which holds the copies alone
    return dest.query("SELECT COALESCE(source, '') AS source, COUNT(*) AS copies FROM feedback "
                      "WHERE duplicate_of IS NOT NULL GROUP BY COALESCE(source, '') ORDER BY source")  # fmt: skip


def recent_runs(dest: Destination, *, limit: int) -> list[dict[str, Any]]:
    """The rows of the last `limit` runs (a row per source synced), newest run first, `running`
    ones that no process is running any more as `abandoned`.

    Only a run holding the destination's lock can be running, and it is the newest run. So
    when the lock is free every `running` row is abandoned, and when it is held every one but
    the newest run's (`_mark_abandoned`: a lock per source, too). The lock is asked before the
    rows are read: a run that ends in between shows its final status. A destination without a
    lock (`lock_held` is None) cannot tell."""
    running = _any_running(dest)
    held = dest.lock_held() if running else None
    missing = {c for c in LATER_RUN_COLUMNS if not dest.has_column("sync_runs", c)}
    rows = dest.query(
        f"SELECT {', '.join(f'NULL AS {c}' if c in missing else 'r.' + c for c in RUN_COLUMNS)} FROM sync_runs r "
        f"JOIN (SELECT run_id, MAX({dest.in_time('started_at')}) AS run_started FROM sync_runs GROUP BY run_id "
        f"ORDER BY run_started DESC, run_id LIMIT {int(limit)}) l ON r.run_id = l.run_id "  # placeholders differ by engine
        f"ORDER BY l.run_started DESC, r.run_id, {dest.in_time('r.started_at')} DESC, r.source"
    )
    _mark_abandoned(dest, rows, held=held)
    _count_what_unfinished_runs_committed(dest, rows)
    pending = pending_marks(dest) if rows else {}
    for row in rows:
        if row["status"] == ABANDONED and reads_nothing(row["command"]):  # one transaction removes and records it
            row.update(records_pruned=0, error=ROLLED_BACK)
        elif row["run_id"] in pending and row["status"] != "running":  # stopped between its commit and that step
            row["error"] = clauses(filter(None, (row["error"], UNCLOSED)))
    return rows


def _mark_abandoned(dest: Destination, rows: list[dict[str, Any]], *, held: bool | None) -> None:
    """The `running` rows no process runs any more, set `abandoned`. Where each source has a lock
    (`source_lock_held`), a sync's row is live while its source's lock is held and it is that
    source's newest run. A removal or an erasure (`reads_nothing`) holds the whole destination's
    lock — `held`, as every row does where there is one lock — and is live only as the newest run."""
    running = [row for row in rows if row["status"] == "running"]
    syncs = [row for row in running if not reads_nothing(row["command"])]
    by_source = {row["source"]: dest.source_lock_held(row["source"]) for row in syncs}
    if by_source and None not in by_source.values():  # a lock per source: its newest run may be live
        newest: dict[str, str] = {}
        for row in rows:
            newest.setdefault(row["source"], row["run_id"])
        for row in syncs:
            if not (by_source[row["source"]] and newest[row["source"]] == row["run_id"]):
                row["status"] = ABANDONED
        running = [row for row in running if reads_nothing(row["command"])]
    if held is not None and rows:
        live = rows[0]["run_id"] if held else None
        for row in running:
            if row["run_id"] != live:
                row["status"] = ABANDONED


def _count_what_unfinished_runs_committed(dest: Destination, rows: list[dict[str, Any]]) -> None:
    """A run records its counts at its end: until then (running) or for ever (abandoned, killed)
    its `sync_runs` row holds the zeros it started with, while each committed batch stamped its
    rows with the run's id. So written and quarantined become the rows (feedback, CRM) and
    quarantined records of the run each source's rows still carry — those a later run wrote again
    carry that run's — and read, unchanged and skipped are unknown (None)."""
    unfinished = [row for row in rows if row["status"] in UNFINISHED and not reads_nothing(row["command"])]  # stamps no row
    ids = sorted({row["run_id"] for row in unfinished})
    if not ids:
        return
    written: Counter[tuple[str, str]] = Counter()
    for table in (name for name in WRITTEN_TABLES if dest.has_column(name, "sync_run_id")):  # CRM tables came later
        written.update(_rows_of_runs(dest, table, "sync_run_id", ids))
    quarantined = _rows_of_runs(dest, "quarantine", "run_id", ids)
    for row in unfinished:
        key = (row["run_id"], row["source"])
        row.update(dict.fromkeys(UNKNOWN_WHEN_UNFINISHED), records_written=written.get(key, 0),
                   records_quarantined=quarantined.get(key, 0))  # fmt: skip


def _rows_of_runs(dest: Destination, table: str, run_column: str, ids: list[str]) -> dict[tuple[str, str], int]:
    """How many rows of `table` each of the runs `ids` and each source left, by (run id, source)."""
    marks = ", ".join(dest.param(index) for index in range(len(ids)))
    found = dest.query(
        f"SELECT {run_column} AS run_id, source, COUNT(*) AS n FROM {table} "
        f"WHERE {run_column} IN ({marks}) GROUP BY {run_column}, source",
        ids,
    )
    return {(row["run_id"], row["source"]): row["n"] for row in found}


def _any_running(dest: Destination) -> bool:
    return bool(dest.query("SELECT COUNT(*) AS n FROM sync_runs WHERE status = 'running'")[0]["n"])


def _cursor_row(row: dict[str, Any]) -> dict[str, Any]:
    cursor = _decoded(row["cursor"])
    values = (row["source"], row["stream"], describe_cursor(cursor), cursor, row["updated_at"])
    return dict(zip(CURSOR_COLUMNS, values, strict=True))


FILE_CURSOR = {"files", "date_order"}
"""What a file source's cursor keeps: each file read, and the day/month order its files showed."""


def describe_cursor(cursor: Any) -> str:
    """A saved cursor in words: the files a file source read, or the time it read up to (the
    latest of a cursor that keeps one per survey or form), else its JSON, shortened."""
    if cursor is None:
        return "nothing read yet"
    if isinstance(cursor, dict) and isinstance(files := cursor.get("files"), dict) and set(cursor) <= FILE_CURSOR:
        return _files_read(list(files))
    times = [moment for value in _leaves(cursor) if (moment := _as_time(value)) is not None]
    if times:
        where = f" ({len(times)} positions)" if len(times) > 1 else ""
        return f"up to {max(times).strftime('%Y-%m-%d %H:%M:%S')} UTC{where}"
    return _shortened(cursor if isinstance(cursor, str) else json.dumps(cursor, sort_keys=True))


def _files_read(names: list[str]) -> str:
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{len(names)} file{'s' if len(names) != 1 else ''} read: {shown}" if names else "no file read yet"


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _as_time(value: Any) -> datetime | None:
    """A timestamp with a time of day (ISO-8601 text or epoch milliseconds) in UTC, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and EPOCH_MILLISECONDS[0] < value < EPOCH_MILLISECONDS[1]:
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    if not isinstance(value, str) or not _TIME.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _decoded(stored: Any) -> Any:
    """A cursor as saved (JSON text in most engines), as the value it holds."""
    if not isinstance(stored, str):
        return stored
    try:
        return json.loads(stored)
    except ValueError:
        return stored


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quarantine_in_people_order(
    destination: Destination, *, source: str | None = None, kind: str | None = None
) -> Iterator[QuarantineItem]:
    """The quarantined records (of `source`, breaking the rule `kind`) by source, stream and place (file, sheet, row: row 9
    before row 10, a row that is no number after the numbered ones), then native id — the same
    order on every run and every destination, whenever each was quarantined — sorted by the
    destination and read from it a batch at a time (`query_rows`): a listing holds a batch, not
    the quarantine."""
    d = destination
    if not d.has_column("quarantine", "kind" if kind else "record_id"):  # a SQLite file before its first sync
        return iter(())  # or a destination opened read-only before a sync stored kinds
    text = d.by_code_point
    row = d.json_integer("context", "row")
    order = (
        text("source"), text("stream"), text(f"COALESCE({d.json_string('context', 'file')}, '')"),
        text(f"COALESCE({d.json_string('context', 'sheet')}, '')"), f"CASE WHEN {row} IS NULL THEN 1 ELSE 0 END",
        row, text(f"COALESCE({d.json_string('context', 'row')}, '')"), text("COALESCE(source_record_id, '')"),
        text("record_id"),
    )  # fmt: skip
    asked = {name: value for name, value in (("source", source), ("kind", kind)) if value is not None}
    where = " AND ".join(f"{name} = {d.param(n)}" for n, name in enumerate(asked))
    sql = f"SELECT * FROM {d.qualified('quarantine')}{where and ' WHERE ' + where} ORDER BY {', '.join(order)}"
    return map(QuarantineItem.from_row, d.query_rows(sql, list(asked.values())))
