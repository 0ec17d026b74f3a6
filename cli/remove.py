"""`cxbridge remove`: calls `cxbridge.api.remove` and prints the records removed per stream."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from . import output
from .options import config_option, db_option, destination_option, format_option, handles_errors, wait_option

if TYPE_CHECKING:
    from cxbridge.removal_commands import RemovalResult


@click.command("remove")
@click.option("--source", "-s", required=True, metavar="NAME", help="The source whose records go.")
@click.option("--survey", "surveys", multiple=True, metavar="ID", help="Only the records of this survey or form (survey_id).")
@click.option("--stream", "streams", multiple=True, metavar="NAME", help="Only the records of this stream.")
@click.option("--dry-run", is_flag=True, help="Count the records that would be removed; remove nothing.")
@config_option
@db_option
@destination_option
@wait_option()
@format_option
@handles_errors
def remove_command(source, surveys, streams, dry_run, config, db, destination, wait, fmt) -> None:
    """Remove a source's records (or one survey's, or one stream's); their cases stay."""
    from cxbridge import api

    url = api.destination_url_for(db, destination)
    result = api.remove(source, config, surveys=surveys, streams=streams, dry_run=dry_run, destination=url, wait=wait)
    removal = result.removal
    rows = [{"stream": stream, "records": removal.records.get(stream, 0), "quarantined": removal.quarantined.get(stream, 0)}
            for stream in sorted(removal.records.keys() | removal.quarantined.keys())]  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps({"event": "removal", "destination": result.destination, "source": source,
                               "surveys": sorted(surveys), "streams": sorted(streams), "dry_run": dry_run,
                               "removed": removal.total, "by_stream": rows,
                               "quarantined_kept": removal.unknown_survey, "cursor": result.cursor_note,
                               "warnings": result.warnings}))  # fmt: skip
    elif fmt == "csv":
        output.rows(rows, fmt="csv", columns=("stream", "records", "quarantined"))
    else:
        _print_table(result, rows)


def _print_table(result: RemovalResult, rows: list[dict]) -> None:
    verb = "would remove" if result.dry_run else "removed"
    click.echo(f"{verb} from {result.destination}, of source {result.chosen.source}: {result.removal.total:,} records")
    for row in rows:
        click.echo(f"  {row['stream']:<22} {row['records']:,} stored · {row['quarantined']:,} quarantined")
    if kept := result.removal.unknown_survey:
        records = f"{kept:,} quarantined record{'s' if kept != 1 else ''}"
        click.echo(f"kept: {records} of the source whose survey its connector could not tell "
                   "(its secrets unset?); remove them with --stream, or without --survey")  # fmt: skip
    click.echo("cases stay; " + result.cursor_note)
    for warning in result.warnings:
        click.echo(f"⚠ {warning}")
