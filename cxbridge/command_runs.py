"""The rows of `sync_runs` that the commands removing rows on purpose write — `cxbridge remove`
(of one source) and `cxbridge erase` (of a person, in every source) — so that an operator or an
auditor sees when each ran and how many records it removed: saved `running` before their one
transaction, replaced by the finished row inside it (a process killed in between leaves the
`running` row, which `status` shows rolled back), or saved `failed` after it rolled back."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from cxbridge.layout import SYNC_RUNS
from cxbridge.sql_rows import run_row

if TYPE_CHECKING:
    from cxbridge.destinations import Destination, SyncRun
    from cxbridge.erasure import Statements

log = logging.getLogger("cxbridge.runs")

READING_NOTHING = ("remove", "erase")
"""The commands whose runs read no source: no sync of it, for `status --stale` (`cxbridge.freshness`),
and stamping no row with their run id (`cxbridge.status_report`)."""
EVERY_SOURCE = "*"
"""The `source` of an erasure's row: a person's rows go from every source (no source is named so)."""


def reads_nothing(command: str | None) -> bool:
    """Whether a row's `command` is one of `READING_NOTHING` (`remove`, `remove --survey …`, `erase --requester …`)."""
    return (command or "").split(" ")[0] in READING_NOTHING


def erase_command(*, keys: bool, requesters: bool) -> str:
    """What `sync_runs.command` records of an erasure: `erase`, and the options it named people by
    with their values left out (`erase --key … --requester …`): no contact, key or user id is kept."""
    options = (("--key", keys), ("--requester", requesters))
    return " ".join(["erase", *(f"{option} …" for option, given in options if given)])


def finished(run: SyncRun, *, removed: int) -> SyncRun:
    """`run` succeeded now, `removed` records gone (`records_pruned`)."""
    run.status, run.finished_at, run.records_pruned = "success", datetime.now(timezone.utc), removed
    return run


def record_run(db: Statements, run: SyncRun, *, removed: int) -> None:
    """The command's finished row, `removed` records gone, in place of the `running` one saved
    before its transaction; the caller holds that transaction."""
    finished(run, removed=removed)
    db.execute(f"DELETE FROM {SYNC_RUNS.name} WHERE run_id = {db.param(0)} AND source = {db.param(1)}",
               [run.run_id, run.source])  # fmt: skip
    marks = ", ".join(db.param(i) for i in range(len(SYNC_RUNS.columns)))
    db.execute(f"INSERT INTO {SYNC_RUNS.name} ({', '.join(SYNC_RUNS.column_names)}) VALUES ({marks})", run_row(run))


def record_failure(dest: Destination, run: SyncRun, error: str) -> None:
    """The command's row `failed` with `error` and 0 removed; one the database refuses stays
    `running`, which `status` shows abandoned: rolled back."""
    run.status, run.finished_at, run.records_pruned, run.error = "failed", datetime.now(timezone.utc), 0, error
    try:
        dest.save_run(run)
    except Exception as exc:  # the database that failed the command: its error is the one to report
        log.debug("the row of run %s stays running: %s", run.run_id, exc)
