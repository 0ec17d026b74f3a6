"""What the tables a file source reads show that the run's summary warns of: mapped scored
columns and the comment column a table lacks, columns that look scored but are not mapped, ids repeated in the id
column, and a Qualtrics Status column under `ignore`."""

from __future__ import annotations

from itertools import chain

from cxbridge.detection.recodes import shared_recode_warnings
from cxbridge.detection.unmapped import PREVIEW, unmapped_scored
from cxbridge.errors import SourceError
from cxbridge.exports.plain import JOINED
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.tabular.config import FileSourceConfig
from cxbridge.tabular.reading import missing_columns
from cxbridge.tabular.row_keys import RepeatedIds
from cxbridge.tabular.table import Table, header_key


def absent_scores(table: Table, config: FileSourceConfig) -> list[str]:
    """A mapped scored column the table lacks (another file of the source has it, or the table
    would be refused): its rows are stored without that answer, which the summary says — a
    question added in a later year's file, or a header reworded in this one. A column whose
    `question_key` another column of the table has is that question under its other header: no warning."""
    missing = set(missing_columns(table, config))
    present = {(m.question_key, m.metric) for m in config.metrics if m.question_key and header_key(m.column) not in missing}
    return [f"{table.where} has no column {metric.column!r} (mapped as {metric.metric}): its rows are stored "
            "without that answer; if the question is under another header there, map that header too "
            "(docs/files.md, Questions reworded between files)"
            for metric in config.metrics
            if header_key(metric.column) in missing and (metric.question_key, metric.metric) not in present]  # fmt: skip


def absent_comment(table: Table, config: FileSourceConfig) -> list[str]:
    """The record's comment column (`columns.comment`, under a group title) the table lacks, where
    the table holds one column under another group title with its sub-title (`… - Kommentar`,
    the title renamed in this file), left in attributes: the summary names it and how to keep it.
    A table merely without the column (a comment added in a later year's file) is no news."""
    comment = header_key(config.columns.comment or "")
    _, joined, own = comment.rpartition(JOINED)
    if not joined or comment not in missing_columns(table, config):
        return []
    chosen = config.chosen_columns()
    renamed = [key for column in table.columns if (key := column.key) not in chosen and key.rpartition(JOINED)[2] == own
               and key.rpartition(JOINED)[0]]  # fmt: skip
    if len(renamed) != 1:
        return []
    return [f"{table.where} has no column {config.columns.comment!r} (mapped as the record's comment): its rows take "
            f"no comment from it; {renamed[0]!r} there reads like it under another header — to keep it as their "
            "comment, list both under comments (before the others) and leave columns.comment out (docs/files.md, "
            "Yearly files as one source)"]  # fmt: skip


def unmapped_scores(
    table: Table, config: FileSourceConfig, named: PersonalFields, *, source: str, scrub: Scrubber | None
) -> list[str]:
    """Columns the mapping leaves out that look scored (`named`: those its entries name by
    header), and scored ones whose cells cannot tell an "N/A" choice from the choice it shares
    a recode with (`shared_recode_warnings`, as inspect and the import warn): named in the
    run's summary, the values they quote as inspect quotes them (`quoted_values`). A file whose first rows
    cannot be read fails on the rows themselves, after the ones before."""
    chosen = config.chosen_columns() | named.personal | named.ignored
    scored = [header_key(metric.column) for metric in config.metrics]
    try:
        found = unmapped_scored(table, chosen=chosen, source=source, program=str(config.program),
                                mapped=config.metrics, acknowledged=config.acknowledged_weights,
                                of=named_of(table, config))  # fmt: skip
        found += shared_recode_warnings(table, scored, values=config.values)
    except SourceError:
        return []
    return quoted_values(found, table, scrub=scrub)


def named_of(table: Table, config: FileSourceConfig) -> str:
    """How a column's warning names its table: by file and sheet in a sync, whose source may read
    several files; by its sheet alone in a `cxbridge import` of one file, whose line names the file."""
    if config.cursor_root is None:
        return f" of {table.where}"
    return f" of sheet {table.sheet!r}" if table.sheet else ""


def quoted_values(warnings: list[str], table: Table, *, scrub: Scrubber | None) -> list[str]:
    """The `warnings` with each value of the table's first rows (which the detection quotes) as
    `Scrubber.quoted` quotes it, as inspect's evidence does: an address or a phone number in it
    as its `hashed:` key, even in free text."""
    if not warnings or scrub is None:
        return warnings
    cells = chain.from_iterable(chain(row.values.values(), row.labels.values()) for row in table.preview(PREVIEW))
    values = {value.strip() for value in cells if type(value) is str}
    shown = {repr(value): repr(quoted) for value in values if (quoted := scrub.quoted(value)) is not value}
    for value, quoted in shown.items():
        warnings = [warning.replace(value, quoted) for warning in warnings]
    return warnings


def repeated_ids(table: Table, ids: RepeatedIds, column: str | None, *, scrub: Scrubber | None) -> str | None:
    """A warning when rows of the table share an id: each record keeps the last of its rows."""
    if not ids.repeats:
        return None
    count = f"{ids.repeats}" if ids.whole else f"at least {ids.repeats}"
    rows = "row has the id of a row before it" if ids.repeats == 1 else "rows have the id of a row before them"
    example = ""
    if ids.example:
        native, before, row = ids.example
        shown = native if scrub is None else scrub({"id": native})["id"]  # an e-mail as its key
        example = f" (e.g. {shown!r} on rows {before} and {row})"
    return (
        f"{table.where}: {count} {rows} in column {column!r}{example}, and a record keeps only "
        "the last row of its id, so the others are not imported; if that column is not unique per response, map "
        "the one that is as `id`, or remove `id` to key rows by their content"
    )


def status_ignored(source: str) -> str:
    """`ignore` drops the Status column from a quarantined row too: replayed, a preview or test
    response could not be told from a respondent's (docs/connectors/qualtrics.md)."""
    return (f"source {source!r}: the Qualtrics Status column is in `ignore`, so a row sent to "
            "quarantine is kept without it and `cxbridge quarantine replay` cannot tell a preview, test or spam "
            "response from a respondent's (it would be written); take Status out of `ignore` — it holds the "
            "response type, no personal data")
