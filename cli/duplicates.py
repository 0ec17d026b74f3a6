"""`cxbridge duplicates`: calls `cxbridge.api.duplicates` and prints each response's copies."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from . import output
from .options import config_option, db_option, destination_option, format_option, handles_errors, limit_option

if TYPE_CHECKING:
    from cxbridge.resolver import DuplicatesReport


@click.command("duplicates")
@config_option
@db_option
@destination_option
@format_option
@limit_option()
@handles_errors
def duplicates_command(config, db, destination, fmt, limit) -> None:
    """Records that are one response read through several sources, with the evidence."""
    from cxbridge import api

    found = api.duplicates(config, destination=api.destination_url_for(db, destination))
    if fmt == "json":
        click.echo(json.dumps(duplicates_json(found), indent=2, ensure_ascii=False, default=str))
        return
    output.rows(duplicate_rows(found), fmt=fmt, title="copies of one response", columns=DUPLICATE_COLUMNS, limit=limit)
    if fmt == "table" and found.groups:
        counts = found.counts()
        click.echo(
            f"{len(found.groups)} responses with copies: {counts['same_as']} declared (same_as), "
            f"{counts['exact_copy']} exact copies, {counts['likely_duplicate']} likely duplicates; "
            f"{counts['counted_once']} records left out of the views"
        )


DUPLICATE_COLUMNS = (
    "group", "counted", "source", "connector", "native_id", "submitted_at", "record_id", "duplicate_of", "evidence",
)  # fmt: skip


def duplicate_rows(found: DuplicatesReport) -> list[dict[str, Any]]:
    """One row per record of each group, best copy first: whether the views count it now, and
    the evidence that links it to the group (the group's kinds of match on its first row)."""
    from cxbridge.timestamps import format_timestamp

    rows = []
    for number, group in enumerate(found.groups, start=1):
        evidence: dict[str, str] = {}
        for link in group.links:
            evidence.setdefault(link.second, f"{link.match}: {link.evidence}")
            evidence.setdefault(link.first, f"{link.match}: {link.evidence}")
        for place, copy in enumerate(group.members):
            rows.append(dict(zip(DUPLICATE_COLUMNS, (
                number, "counted" if copy.duplicate_of is None else "copy", copy.source, copy.connector,
                copy.source_record_id, format_timestamp(copy.submitted_at), copy.record_id, copy.duplicate_of,
                evidence.get(copy.record_id) if place else "; ".join(m.value for m in group.matches),
            ), strict=True)))  # fmt: skip
    return rows


def duplicates_json(found: DuplicatesReport) -> dict[str, Any]:
    from cxbridge.timestamps import format_timestamp

    return {
        "destination": found.destination,
        "counts": found.counts(),
        "groups": [
            {
                "matches": [m.value for m in group.matches],
                "merged": group.merged,
                "counted": group.kept.record_id if group.merged else None,
                "records": [
                    {"record_id": c.record_id, "source": c.source, "connector": c.connector,
                     "native_id": c.source_record_id, "submitted_at": format_timestamp(c.submitted_at),
                     "updated_at": format_timestamp(c.updated_at), "duplicate_of": c.duplicate_of}
                    for c in group.members
                ],  # fmt: skip
                "links": [
                    {"records": [link.first, link.second], "match": link.match.value, "evidence": link.evidence}
                    for link in group.links
                ],
            }
            for group in found.groups
        ],
    }
