"""`cxbridge erase`: calls `cxbridge.api.erase` and prints the rows removed per table."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from . import output
from .options import config_option, db_option, destination_option, format_option, handles_errors, wait_option

SHOWN = 10
"""Record ids shown of each key an erasure lists as `linked`."""

if TYPE_CHECKING:
    from cxbridge.erasure_commands import ErasureResult


@click.command("erase")
@click.argument("contacts", nargs=-1, metavar="[EMAIL_OR_PHONE]...")
@click.option("--key", "keys", multiple=True, metavar="KEY", help="A respondent key (feedback.respondent_key).")
@click.option("--requester", "requesters", multiple=True, metavar="SOURCE:USER_ID",
              help="A help desk's user id in a source, e.g. zendesk_support:20978392: the ratings naming the person by it.")
@click.option("--dry-run", is_flag=True, help="Count the rows that would be removed; remove nothing.")
@config_option
@db_option
@destination_option
@wait_option()
@format_option
@handles_errors
def erase_command(contacts, keys, requesters, dry_run, config, db, destination, wait, fmt) -> None:
    """Remove every row of one person (by e-mail, phone, respondent key or help-desk user id); later syncs leave them out."""
    from cxbridge import api

    url = api.destination_url_for(db, destination)
    result = api.erase(contacts, config, keys=keys, requesters=requesters, dry_run=dry_run, destination=url, wait=wait)
    if fmt == "json":
        click.echo(json.dumps({"event": "erasure", "destination": result.destination, "people": result.people,
                               "dry_run": dry_run, "matched": result.matched, "rows": result.rows,
                               "mentioned": result.mentioned, "holding": result.holding,
                               "linked": result.linked, "delivered": result.delivered}))  # fmt: skip
    elif fmt == "csv":
        output.rows([{"table": table, "rows": count} for table, count in result.rows.items()], fmt="csv",
                    columns=("table", "rows"))  # fmt: skip
    else:
        _print_table(result)
    sys.exit(result.exit_code)


def _print_table(result: ErasureResult) -> None:
    who, where = ", ".join(result.people), result.destination
    if not result.matched:
        kept = "" if result.dry_run else "; recorded as erased all the same: later syncs leave out their records"
        click.echo(f"nothing stored in {where} matches {who}{kept}")
    else:
        click.echo(f"{'would remove' if result.dry_run else 'removed'} from {where}, for {who}:")
        for table, count in result.rows.items():
            if count:
                click.echo(f"  {table:<22} {count:,} row{'s' if count != 1 else ''}")
        if not result.dry_run:
            click.echo("recorded as erased: later syncs leave out their records")
        _print_quarantined(result)
    if mentioned := result.mentioned:
        records = f"{len(mentioned):,} other record{'s' if len(mentioned) != 1 else ''}"
        click.echo(f"kept: {records} naming their address or phone number in free text, to review: {', '.join(mentioned)}")
    if holding := result.holding:
        records = f"{len(holding):,} other record{'s' if len(holding) != 1 else ''}"
        click.echo(f"kept: {records} holding their key in another field (a second contact column of theirs, or "
                   f"someone else's record naming them), to review: {', '.join(holding)}")
    if linked := result.linked:
        click.echo(f"kept: {_records(sum(map(len, linked.values())))} keyed by another contact written beside theirs "
                   "(their number beside their address, or someone else's they named), to review; erase them with the "
                   "key if that contact is theirs alone, not shared (a store's number, a household's): "
                   + "; ".join(f"--key {key}: {_records(len(ids))} ({_first(ids)})" for key, ids in linked.items()))
    if result.delivered:
        click.echo(f"delivered to other systems by the loop, to erase there too: {', '.join(result.delivered)}")


def _records(count: int) -> str:
    return f"{count:,} record{'s' if count != 1 else ''}"


def _first(ids: list[str]) -> str:
    """The first `SHOWN` of a key's record ids: a store's number may key thousands (JSON lists all)."""
    more = f", … {len(ids) - SHOWN:,} more: --format json lists them" if len(ids) > SHOWN else ""
    return ", ".join(ids[:SHOWN]) + more


def _print_quarantined(result: ErasureResult) -> None:
    """Why quarantined records went: which field of one holds the person, nothing tells."""
    if quarantined := result.rows.get("quarantine", 0):
        records = f"{quarantined:,} quarantined record{'s' if quarantined != 1 else ''}"
        click.echo(f"{'would remove' if result.dry_run else 'removed'} {records}: each holds their key (or address, "
                   "or user id) in some field, and a record not normalized has no respondent key to tell their own "
                   "from another person's naming them (a CC) — all go, and later syncs leave them out by their ids "
                   "(docs/security.md#erasure)")  # fmt: skip
