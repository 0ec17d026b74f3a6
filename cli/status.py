"""`cxbridge status`: calls `cxbridge.api.status` and prints it — for people, tables that fit a
100-column terminal (times to the minute in UTC, run ids cut to 8 characters, each error on its
own wrapped, indented lines under the runs); as JSON or CSV, every value whole."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click

from . import output
from .options import Count, config_option, db_option, destination_option, format_option, handles_errors

if TYPE_CHECKING:
    from rich.padding import Padding
    from rich.table import Table

    from cxbridge.status_report import StatusReport

RUN_ID_SHOWN = 8
SOURCE_SHOWN = 12  # the columns a source's name has at least, folding within them, before the headers shorten
COUNTS = ("read", "written", "unchanged", "quarantined")  # the columns records_NAME of sync_runs shown
SOMETIMES = ("skipped", "pruned")  # and these, when a run listed counted some: 100 columns
SHORT = {"written": "wrote", "unchanged": "same", "quarantined": "quar.", "skipped": "skip."}
"""The counts' headers on a terminal too narrow for the whole words (80 columns), said under the table."""
ABANDONED_NOTE = (
    "abandoned: killed before it could record its end; written and quarantined count what the destination "
    "holds of its committed batches, read and unchanged are unknown (—)"
)
RUNNING_NOTE = (
    "running: written and quarantined count the batches it has committed so far; read and unchanged are "
    "counted at its end (—)"
)


@click.command("status")
@config_option
@db_option
@destination_option
@click.option("--runs", type=Count(min=1), default=10, show_default=True, metavar="N",
              help="How many recent runs to show (1 or more), each with a row per source it synced.")
@click.option("--stale", metavar="[AGE]", is_flag=False, flag_value="",
              help="Only list the sources not synced successfully within AGE (6h, 2d), or without AGE within "
              "each source's expected_every; exit 1 if any.")  # fmt: skip
@click.option("--max-quarantined", metavar="N|N%", help="With --stale: also those whose last run quarantined more.")
@format_option
@handles_errors
def status_command(config, db, destination, runs, stale, max_quarantined, fmt) -> None:
    """Last runs, saved cursors and quarantine counts."""
    from cxbridge import api

    report = api.status(config, destination=api.destination_url_for(db, destination), runs=runs,
                        stale=True if stale == "" else stale, max_quarantined=max_quarantined)  # fmt: skip
    if report.stale is not None:
        print_stale(report, fmt=fmt, age=stale or None, limit=max_quarantined)
        sys.exit(1 if report.stale else 0)
    if fmt == "json":
        click.echo(json.dumps(report.__dict__, indent=2, default=str))
    elif fmt == "csv":
        from cxbridge.status_report import (
            COPIES_COLUMNS, CURSOR_COLUMNS, QUARANTINE_COUNT_COLUMNS, READING_COLUMNS, RUN_COLUMNS, UNDATED_COLUMNS,
        )  # fmt: skip

        output.rows(report.runs, fmt=fmt, columns=RUN_COLUMNS)
        cursors = [{**row, "cursor": json.dumps(row["cursor"])} for row in report.cursors]
        output.rows(cursors, fmt=fmt, columns=CURSOR_COLUMNS)
        output.rows(report.quarantine, fmt=fmt, columns=QUARANTINE_COUNT_COLUMNS)
        output.rows(report.duplicates, fmt=fmt, columns=COPIES_COLUMNS)
        readings = [{**row, "changes": "; ".join(row["changes"])} for row in report.readings]
        output.rows(readings, fmt=fmt, columns=READING_COLUMNS)
        output.rows([{**row, "files": "; ".join(row["files"])} for row in report.undated], fmt=fmt, columns=UNDATED_COLUMNS)
    else:
        print_status(report)


def print_stale(report: StatusReport, *, fmt: str, age: str | None, limit: str | None) -> None:
    """The stale sources of `status --stale`: a table, JSON (`{"stale": [...]}`) or CSV rows;
    `age` None when each source was held to its own `expected_every`."""
    stale = report.stale or []
    if fmt == "json":
        found = {"destination": report.destination, "stale_after": age, "max_quarantined": limit, "stale": stale}
        click.echo(json.dumps(found, indent=2, default=str))
        return
    if fmt == "csv":
        from cxbridge.freshness import STALE_COLUMNS

        output.rows(stale, fmt=fmt, columns=STALE_COLUMNS)
        return
    console = output.stdout()
    ages = report.stale_ages or {}
    unaged = [] if age else [name for name, held in ages.items() if held is None]
    if not stale:
        within = f"every one synced within {output.escape(age)}" if age else _checked(len(ages), len(unaged))
        console.print(f"no stale source in {output.escape(report.destination)} ({within})",
                      highlight=False, soft_wrap=False)  # fmt: skip
    else:
        table = _table(f"stale sources of {output.escape(report.destination)}")
        for name in ("source", "last success (UTC)", "last run", "why"):
            table.add_column(name, overflow="fold", no_wrap=name == "last success (UTC)")
        for row in stale:
            last = _status_text(row["last_status"]) if row["last_status"] else "—"
            table.add_row(output.escape(row["source"]), minute(row["last_success"]) if row["last_success"] else "never",
                          last, output.escape(row["reason"]))  # fmt: skip
        console.print(table)
    if unaged:
        console.print(f"without expected_every, only checked for a successful sync: {output.escape(', '.join(unaged))}",
                      highlight=False, soft_wrap=False)  # fmt: skip


def _checked(sources: int, unaged: int) -> str:
    """How many sources `--stale` without an age held to their `expected_every`."""
    checked = f"{sources - unaged} of {sources}" if unaged else str(sources)
    return f"{checked} source{'s' * (sources != 1)} checked: every one synced within its expected_every"


def print_status(report: StatusReport) -> None:
    console = output.stdout()
    where = f"{report.destination} ({report.opened})" if report.opened else report.destination
    console.print(f"status of {output.escape(where)}", highlight=False, soft_wrap=False)
    if not report.runs:
        console.print("runs: none yet (cxbridge sync makes the first)")
    else:
        table = runs_table(report.runs)
        folded = runs_table([{**run, "source": run["source"][:SOURCE_SHOWN]} for run in report.runs])
        short = _width(console, folded) > console.width  # the whole headers leave a source too few columns
        console.print(runs_table(report.runs, short=True) if short else table)
        if short:
            headers = {str(column.header) for column in table.columns}
            said = [f"{word}: {name}" for name, word in SHORT.items() if name in headers]
            console.print(" · ".join(said), highlight=False, soft_wrap=False)
        for status, note in (("running", RUNNING_NOTE), ("abandoned", ABANDONED_NOTE)):
            if any(run["status"] == status for run in report.runs):
                console.print(note, highlight=False, soft_wrap=False)
        for run in report.runs:
            if run["error"]:
                console.print(_error_line(run), soft_wrap=False)
    if report.cursors:
        table = _table("cursors")
        for name in ("source", "stream", "position", "saved (UTC)"):
            table.add_column(name, overflow="fold", no_wrap=name == "saved (UTC)")
        for row in report.cursors:
            table.add_row(*map(output.escape, (row["source"], row["stream"], row["position"])), minute(row["updated_at"]))
        console.print(table)
    if not report.quarantine:
        console.print("quarantine: empty")
    else:
        table = _table("quarantine")
        for name in ("source", "stream", "kind", "records", "last seen (UTC)"):
            table.add_column(name, justify="right" if name == "records" else "left", overflow="fold")
        for row in report.quarantine:
            table.add_row(output.escape(row["source"]), output.escape(row["stream"]), output.escape(row["kind"] or "—"),
                          f"{row['records']:,}", minute(row["last_seen"]))  # fmt: skip
        console.print(table)
    if report.duplicates:
        table = _table("copies counted once (cxbridge duplicates)")
        table.add_column("source", overflow="fold")
        table.add_column("copies", justify="right")
        for row in report.duplicates:
            table.add_row(output.escape(row["source"]), f"{row['copies']:,}")
        console.print(table)
    if report.readings:
        console.print("read by an older cxbridge (cxbridge sync --full-refresh --source NAME reads them again):",
                      highlight=False, soft_wrap=False)  # fmt: skip
        for row in report.readings:
            read_by = f"by reading {row['reading']}" if row["reading"] else "before readings were kept"
            console.print(f"  {output.escape(row['source'])} ({output.escape(row['connector'])}), read {read_by}; "
                          "since then:", highlight=False, soft_wrap=False)  # fmt: skip
            for change in row["changes"]:
                console.print(f"    - {output.escape(change)}", highlight=False, soft_wrap=False)
    if report.undated:
        console.print("files told apart only by the dates inside (docs/cli.md#files-told-apart-only-by-their-dates):",
                      highlight=False, soft_wrap=False)  # fmt: skip
        for row in report.undated:
            console.print(f"  {output.escape(row['source'])}: {output.escape(', '.join(row['files']))}",
                          highlight=False, soft_wrap=False)  # fmt: skip


def runs_table(runs: list[dict[str, Any]], *, short: bool = False) -> Table:
    """The recent runs, a row per source of each; `short`: the counts under `SHORT` headers and one
    space between columns, for a terminal of 80 columns."""
    table = _table("recent runs")
    if short:
        table.padding = (0, 0, 0, 0)
    table.add_column("started (UTC)", no_wrap=True)
    table.add_column("run", no_wrap=True)
    table.add_column("source", overflow="fold", min_width=6)  # folds, never squeezed out of the table
    commands = any(run["command"] not in (None, "sync") for run in runs)  # an import, replay or removal listed
    if commands:
        table.add_column("command", overflow="fold", min_width=6)
    table.add_column("status", no_wrap=True)
    table.add_column("took", justify="right", no_wrap=True)
    counts = COUNTS + tuple(name for name in SOMETIMES if any(run[f"records_{name}"] for run in runs))
    for name in counts:
        table.add_column(SHORT.get(name, name) if short else name, justify="right", no_wrap=True)
    for run in runs:
        table.add_row(
            minute(run["started_at"]), run["run_id"][:RUN_ID_SHOWN], output.escape(run["source"]),
            *([output.escape(run["command"] or "sync")] if commands else []),
            _status_text(run["status"]), took(run["started_at"], run["finished_at"]),
            *("—" if run[f"records_{name}"] is None else f"{run[f'records_{name}']:,}" for name in counts),
        )  # fmt: skip
    return table


def _width(console: Any, table: Table) -> int:
    """The columns `table` takes when nothing in it wraps."""
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(100_000), table).maximum


def _error_line(run: dict[str, Any]) -> Padding:
    """A run's error under the table, wrapped with its lines indented (not padded to the width of
    the console, which is unlimited in a pipe)."""
    from rich.padding import Padding
    from rich.text import Text

    return Padding(Text(f"{run['run_id'][:RUN_ID_SHOWN]} {run['source']}: {run['error']}"), (0, 0, 0, 2), expand=False)


def _table(title: str) -> Table:
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
                 padding=(0, 1, 0, 0), pad_edge=False, header_style="bold")  # fmt: skip


def _status_text(status: str) -> str:
    colour = {"success": "green", "failed": "red", "abandoned": "yellow", "interrupted": "yellow"}.get(status)
    return f"[{colour}]{status}[/{colour}]" if colour else output.escape(status)


def minute(value: Any) -> str:
    """A stored time (ISO-8601 text or a datetime) as `YYYY-MM-DD HH:MM` in UTC."""
    moment = _as_datetime(value)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "" if value is None else str(value)


def took(started: Any, finished: Any) -> str:
    """How long a run took, as `4.2 s`, `3 min 05 s` or `2 h 07 min`; `—` while it has no end."""
    begin, end = _as_datetime(started), _as_datetime(finished)
    if begin is None or end is None:
        return "—"
    seconds = max((end - begin).total_seconds(), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
