"""What to say when a destination refuses the cases a batch opens: which destination, table,
rule and case, why in the database's words, and what to do — a column missing from the case
tables (changed by hand, or written by another cxbridge version), a constraint added to them,
or another writer that opened the same case meanwhile. The batch is not kept either way."""

from __future__ import annotations

import re
from collections import Counter

from cxbridge.destinations import Batch, Destination
from cxbridge.errors import CxbridgeError
from cxbridge.layout import FEEDBACK_CASE_EVENTS, FEEDBACK_CASES, LOOP_OUTBOX
from cxbridge.tables import FEEDBACK_COLUMNS

_SOURCE_RECORD_ID = FEEDBACK_COLUMNS.index("source_record_id")
_CASE_TABLES = (FEEDBACK_CASE_EVENTS.name, LOOP_OUTBOX.name, FEEDBACK_CASES.name)  # none's name holds another's
_MISSING_COLUMN = re.compile(
    r"no (?:such )?column(?: named)? \"?(\w+)|column (?:with name )?\"?(\w+)\"? (?:of relation \"?\w+\"? )?does not exist"
    r"|does not have a column (?:named|with name) \"?(\w+)|[Uu]nrecognized name: (\w+)|invalid identifier '?\"?(\w+)",
)
_CONSTRAINT = re.compile(
    r"(\w+ constraint failed: [\w.]+)|(UNIQUE constraint violation: duplicate key \"[^\"]*\")"  # DuckDB's unique index
    r"|constraint \"?(?!Error:)(\w+)\"?|(\w+ key constraint)",  # not DuckDB's "Constraint Error:" heading
    re.IGNORECASE,
)
_KEYS = re.compile(r"\b(?:case_id|event_id|delivery_id)\b|_pkey\b|primary key(?! or unique)", re.I)  # of a case table
_WRITES = re.compile(r"(?:INSERT INTO|UPDATE|DELETE FROM) (\w+)")
_WRITING = "cxbridge was writing "


def refused_cases(destination: Destination, batch: Batch, exc: Exception) -> str | None:
    """The message of a failed write of `batch` whose error (`exc`) names one of the case
    tables, or None when the batch opens no case or the error is about something else."""
    said = str(exc) if isinstance(exc, CxbridgeError) else f"{type(exc).__name__}: {exc}"
    lines = (line.strip() for line in said.splitlines())  # not PostgreSQL's statement excerpt, its caret, nor the row
    words = " ".join(line for line in lines if line and not line.startswith(("LINE ", "^", "DETAIL:  Failing row")))
    noted = [note.removeprefix(_WRITING) for note in getattr(exc, "__notes__", ()) if note.startswith(_WRITING)]
    table = next((name for name in _CASE_TABLES if name in words), None) or next(
        (name for name in _CASE_TABLES if name in noted), None)  # fmt: skip
    if not batch.cases or table is None:
        return None
    return (
        f"{destination.display_name} refused the {_cases(batch)} that a batch of {batch.source} opens, writing "
        f"{table}: {words.rstrip('.')}. {_advice(table, words, destination)} Nothing of the batch was kept (its "
        "records neither): the sync run again once that is done opens its cases, once"
    )


def note_written_table(exc: BaseException, statement: str) -> None:
    """Note on `exc`, the failure of `statement`, the table that statement writes: DuckDB's
    refusals by a unique index name none, which `refused_cases` then reads here."""
    if written := _WRITES.match(statement.lstrip()):
        exc.add_note(f"{_WRITING}{written[1]}")


def _cases(batch: Batch) -> str:
    """`3 cases (rule detractors: 2, dissatisfied: 1; the first, case 1a2b3c4d, of record R_17)`."""
    rules = Counter(opened.case[4] for opened in batch.cases)
    first = batch.cases[0]
    native = next((rows.feedback[_SOURCE_RECORD_ID] for rows in batch.records if rows.record_id == first.record_id),
                  first.record_id)  # fmt: skip
    counted = ", ".join(f"{rule}: {n}" for rule, n in rules.items())
    plural = "s" if len(batch.cases) != 1 else ""
    return f"{len(batch.cases)} case{plural} (rule {counted}; the first, case {first.case_id[:8]}, of record {native})"


def _advice(table: str, words: str, destination: Destination) -> str:
    if missing := _MISSING_COLUMN.search(words):
        column = next(name for name in missing.groups() if name)
        return (
            f"{table} lacks the column {column} that this cxbridge writes (docs/schema.md lists the table's "
            "columns): if it was renamed or dropped by hand, put it back as it was; if the destination was set up "
            "by another cxbridge version, sync it with the version that wrote it last, or a newer one — a sync "
            "adds the columns its version needs to a destination it opens."
        )
    if re.search(r"duplicate|unique", words, re.IGNORECASE) and _KEYS.search(words):
        return (
            "Another writer stored a case with the same id meanwhile (one case per record): run the sync "
            "again — it opens no second case."
        )
    if constraint := _CONSTRAINT.search(words):
        named = next(name for name in constraint.groups() if name)
        made = _made_with(table, destination)
        return f"A constraint of {table} refused the row ({named}); {made}: drop or loosen the one added there."
    return f"Check that {table} is as cxbridge made it (docs/schema.md) and that this account may write it."


def _made_with(table: str, destination: Destination) -> str:
    """The constraints cxbridge gives the case table `table` on `destination`: its primary key, or
    none where the destination keeps it keyless (DuckDB's, whose merge keeps the keys unique)."""
    if table in getattr(destination, "keyless", ()):
        return (f"cxbridge's case tables have no constraint on {destination.name}, not even a primary key (the merge "
                "keeps their keys unique)")  # fmt: skip
    return "cxbridge's case tables have no constraint but their primary key"
