"""Section: what customers, shoppers and auditors wrote (`feedback_comments`), the newest few
per store."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.reporting import Parameters, ReportOptions, record_filters
from cxbridge.sql_parts import store_label, store_names
from cxbridge.timestamps import parse_timestamp

from .markup import empty, section, text
from .trends import PROGRAM_NAMES

PER_STORE = 3
STORE = store_label("f")
EPOCH = datetime.fromtimestamp(0, timezone.utc)


def comment_samples(
    destination: Destination, options: ReportOptions, *, per_store: int = PER_STORE
) -> list[dict[str, Any]]:
    """The newest `per_store` comments of each store (undated ones after the dated), by store."""
    parameters = Parameters(destination)
    where = record_filters(options, parameters)
    newest = f"CASE WHEN f.submitted_at IS NULL THEN 1 ELSE 0 END, {destination.in_time('f.submitted_at')} DESC, f.record_id, c.question_id"
    sql = f"""SELECT store, submitted_at, submitted_local_date, source, program, question_text, text FROM (
    SELECT {STORE} AS store, f.submitted_at, f.submitted_local_date, f.source, f.program, c.question_text, c.text,
           ROW_NUMBER() OVER (PARTITION BY {STORE} ORDER BY {newest}) AS place
    FROM feedback_comments c JOIN feedback f ON f.record_id = c.record_id
    {store_names(destination)}
    WHERE c.text IS NOT NULL AND TRIM(c.text) <> '' AND {where}
) newest
WHERE place <= {int(per_store)}"""
    rows = destination.query(sql, parameters.values)
    rows.sort(key=lambda row: (row["submitted_at"] is not None, parse_timestamp(row["submitted_at"]) or EPOCH),
              reverse=True)  # newest first, undated last  # fmt: skip
    rows.sort(key=lambda row: (row["store"] is None, str(row["store"] or "")))  # stable: by store, newest first
    return rows


def render(destination: Destination, options: ReportOptions) -> str:
    rows = comment_samples(destination, options)
    note = f"The newest {PER_STORE} comments of each store."
    if not rows:
        return section("Comments", "comments", empty("No comments in the records shown."), note=note)
    stores: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        stores.setdefault(row["store"], []).append(row)
    parts = []
    for store, mine in stores.items():
        items = "".join(_comment(row) for row in mine)
        parts.append(f'<div class="store-comments"><h3>{text(store if store is not None else "(no store)")}</h3>'
                     f'<ul data-comments="{text(store)}">{items}</ul></div>')  # fmt: skip
    return section("Comments", "comments", '<div class="grid">' + "".join(parts) + "</div>", note=note)


def _comment(row: dict[str, Any]) -> str:
    when = str(row["submitted_local_date"] or "undated")  # the day the trends count it in, not its UTC day
    program = PROGRAM_NAMES.get(row["program"], row["program"])
    return (f'<li><blockquote>{text(row["text"])}</blockquote><span class="meta">{text(when)} · {text(program)} · '
            f'{text(row["source"])}</span></li>')  # fmt: skip
