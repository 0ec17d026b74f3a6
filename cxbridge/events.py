"""What a sync reports while it runs, to `on_sync_event` plugins and to the progress display."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class EventKind(StrEnum):
    RUN_STARTED = "run_started"
    SOURCE_STARTED = "source_started"
    STREAM_STARTED = "stream_started"
    BATCH_COMMITTED = "batch_committed"
    STREAM_FINISHED = "stream_finished"
    SOURCE_FINISHED = "source_finished"
    SOURCE_FAILED = "source_failed"
    RUN_FINISHED = "run_finished"
    DELIVERIES_FINISHED = "deliveries_finished"  # the loop actions delivered after the run (counts: delivered, failed, resolved)


@dataclass(frozen=True)
class ReadProgress:
    """How much of what a stream will read it has read, where it knows the whole in advance (the
    files of a file source, in bytes): `done` of `total` `unit`s."""

    done: int
    total: int
    unit: str = "bytes"


@dataclass(frozen=True)
class SyncEvent:
    kind: EventKind
    run_id: str
    source: str | None = None
    stream: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    progress: ReadProgress | None = None
    """On `batch_committed`: the stream's `Stream.progress()`, where it knows its total."""
    destination: str | None = None
    """On `run_started`, `run_finished` and `deliveries_finished`: the destination's display name
    (its URL with any credential masked), for messages."""
    config: Path | None = None
    """On the same events: the cxbridge.toml the run read (None for a config given in Python)."""
    stale_sources: Callable[..., list[dict[str, Any]]] | None = field(default=None, repr=False, compare=False)
    """On `run_finished` of a run that wrote (not `--dry-run`): `stale_sources(stale=True,
    max_quarantined=None)` — the rows `cxbridge status --stale [AGE] [--max-quarantined N]` would
    list now (`stale=True`: each source held to its `expected_every`; or an age such as "1d"),
    read through the run's own connection, so it works with `--destination` and a locked file."""
