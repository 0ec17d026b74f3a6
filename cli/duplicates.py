"""`cxbridge duplicates`: calls `cxbridge.api.duplicates` and prints each response's copies."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import click

from . import output
from .options import config_option, db_option, destination_option, format_option, handles_errors, limit_option

if TYPE_CHECKING:
    from cxbridge.duplicates import DuplicateGroup
    from cxbridge.resolver import DuplicateCounts


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
    from cxbridge.resolver import DuplicateCounts

    found = api.duplicates(config, destination=api.destination_url_for(db, destination))
    counts = DuplicateCounts()
    groups = counts.taken(found.groups)
    if fmt == "json":
        _print_json(found.destination, groups, counts)
        return
    output.rows(duplicate_rows(groups), fmt=fmt, title="copies of one response", columns=DUPLICATE_COLUMNS, limit=limit)
    if fmt == "table" and counts.groups:
        tally = counts.as_dict()
        click.echo(
            f"{counts.groups} responses with copies: {tally['same_as']} declared (same_as), "
            f"{tally['exact_copy']} exact copies, {tally['likely_duplicate']} likely duplicates; "
            f"{tally['counted_once']} records left out of the views"
        )


DUPLICATE_COLUMNS = (
    "group", "counted", "source", "connector", "native_id", "submitted_at", "record_id", "duplicate_of", "evidence",
)  # fmt: skip


def duplicate_rows(groups: Iterable[DuplicateGroup]) -> Iterator[dict[str, Any]]:
    """One row per record of each group, best copy first: whether the views count it now, and
    the evidence that links it to the group (the group's kinds of match on its first row)."""
    from cxbridge.timestamps import format_timestamp

    for number, group in enumerate(groups, start=1):
        evidence: dict[str, str] = {}
        for link in group.links:
            evidence.setdefault(link.second, f"{link.match}: {link.evidence}")
            evidence.setdefault(link.first, f"{link.match}: {link.evidence}")
        for place, copy in enumerate(group.members):
            yield dict(zip(DUPLICATE_COLUMNS, (
                number, "counted" if copy.duplicate_of is None else "copy", copy.source, copy.connector,
                copy.source_record_id, format_timestamp(copy.submitted_at), copy.record_id, copy.duplicate_of,
                evidence.get(copy.record_id) if place else "; ".join(m.value for m in group.matches),
            ), strict=True))  # fmt: skip


def _print_json(destination: str, groups: Iterable[DuplicateGroup], counts: DuplicateCounts) -> None:
    """The report as `json.dumps(..., indent=2)` lays it out, its counts before its groups: the
    groups are laid out in a temporary file as they are read, and copied after the counts."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as laid_out:
        opening = "["
        for group in groups:
            element = json.dumps(group_json(group), indent=2, ensure_ascii=False, default=str)
            laid_out.write(f"{opening}\n{textwrap.indent(element, '    ')}")
            opening = ","
        laid_out.write("[]" if opening == "[" else "\n  ]")
        head = json.dumps({"destination": destination, "counts": counts.as_dict(), "groups": []}, indent=2, ensure_ascii=False)
        sys.stdout.write(head.removesuffix("[]\n}"))
        laid_out.seek(0)
        shutil.copyfileobj(laid_out, sys.stdout)
        sys.stdout.write("\n}\n")


def group_json(group: DuplicateGroup) -> dict[str, Any]:
    from cxbridge.timestamps import format_timestamp

    return {
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
