"""Whether an export read with its survey definition holds its choices' recodes or the choices as
shown, from the file's own cells — proposed as the source's `values` only where it matters: a
scored column whose choices show numbers other than their recodes (`answer_values.renumbered`) —
and which scored columns' cells cannot say whether an "N/A" choice sharing a recode was chosen."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cxbridge.detection.labels import label_key, scale_for
from cxbridge.detection.meaning import numbers_shown, shared_recodes
from cxbridge.detection.profile import ColumnProfile, profile_table
from cxbridge.tabular.answer_values import CellValues, renumbered
from cxbridge.tabular.cells import parse_number
from cxbridge.tabular.table import Column, Table


@dataclass(frozen=True)
class ValuesGuess:
    """What the cells hold (None: the file does not say), and why."""

    values: CellValues | None
    evidence: str


def guess_values(table: Table, profiles: dict[str, ColumnProfile]) -> ValuesGuess | None:
    """What the cells hold, from the export's format or its cells; None when no column's choices
    show numbers other than their recodes, or are recoded otherwise than their scale's points
    (`scored_otherwise`): nothing needs saying."""
    needing = [column.key for column in table.columns if renumbered(column.choices) or scored_otherwise(column.choices)]
    if not needing:
        return None
    if table.format == "qualtrics_json" and _typed_numbers(table, needing):
        return ValuesGuess("recodes", "a Qualtrics JSON export holds each answer's recode as a number (its text "
                                      "under labels)")  # fmt: skip
    recodes, shown = [], []  # cells only a recode reads, cells only a choice as shown reads
    for column in table.columns:
        if column.choices and column.key in profiles:
            for cell in sorted(profiles[column.key].distinct):
                _weigh(column, cell, recodes, shown)
    if recodes and not shown:
        return ValuesGuess("recodes", recodes[0])
    if shown and not recodes:
        return ValuesGuess("choice_text", shown[0])
    if recodes:
        return ValuesGuess(None, f"its cells read both ways: {recodes[0]}, but {shown[0]}")
    numbers = ", ".join(repr(key) for key in needing)
    return ValuesGuess(None, f"every answer of {numbers} is a number both one choice's recode and another's text")


def scored_otherwise(choices: Mapping[str, float]) -> bool:
    """Whether choices shown as words are points of a built-in scale recoded otherwise than those
    points' values (best first, or 1, 2, 3, 4, 6 after a choice was made again in Qualtrics): the
    `labels` scoring them give other values than their recodes, which a source reads only with
    `values` (`answer_values.relabelled`)."""
    scale = scale_for(choices)
    points = scale.values() if scale is not None else {}
    return any(points.get(label_key(label), recode) != recode for label, recode in choices.items())


def _typed_numbers(table: Table, keys: list[str]) -> bool:
    """Whether the first rows answer these columns with JSON numbers — recodes — and never with
    text (the choices' text of an export made with useLabels, weighed as a CSV's cells are)."""
    found = [row.values[key] for row in table.preview(500) for key in keys if row.values.get(key) is not None]
    return bool(found) and all(type(value) in (int, float) for value in found)


def _weigh(column: Column, cell: str, recodes: list[str], shown: list[str]) -> None:
    """Adds what a cell says: a number that is a recode but no choice's text, or a choice's text
    (a number no choice is recoded as, or words)."""
    numbers = {parse_number(label.strip()): label for label in column.choices}
    number = parse_number(cell)
    if number is None:
        label = next((label for label in column.choices if label_key(label) == label_key(cell)), None)
        if label is not None:
            shown.append(f"column {column.key!r} holds {cell!r}, a choice as shown (recoded {column.choices[label]:g})")
        return
    recoded = next((label for label, recode in column.choices.items() if recode == number), None)
    if recoded is not None and number not in numbers:
        recodes.append(f"column {column.key!r} holds {cell}, the recode of the choice shown as {recoded!r}")
    elif recoded is None and number in numbers:
        shown.append(f"column {column.key!r} holds {cell}, the choice shown as {numbers[number]!r}, which no choice "
                     "is recoded as")  # fmt: skip


def read_as_shown(table: Table, profiles: dict[str, ColumnProfile]) -> None:
    """The numbers of columns whose choices show other numbers, read as the numbers shown (11 →
    10 of a 0–10 scale recoded 1–11, `meaning.numbers_shown`): what cells holding recodes score."""
    for column in table.columns:
        if column.key in profiles and (shown := numbers_shown(column.choices, signed=column.marks_no_answer)):
            by_recode = {column.choices[label]: number for label, number in shown.items()}
            profile = profiles[column.key]
            profile.numbers = [by_recode.get(number, number) for number in profile.numbers]


def shared_recode_warnings(table: Table, scored: Iterable[str], *, values: CellValues | None,
                           profiles: dict[str, ColumnProfile] | None = None) -> list[str]:  # fmt: skip
    """A warning per `scored` column whose definition recodes an "N/A" choice as a choice carrying a
    score (`meaning.shared_recodes`), unless its cells say which was chosen: the choices' text
    (`values = "choice_text"`, or the N/A choice's text in a cell), or a JSON export's labels, which
    are read whatever `values` says — what inspect, the import and a sync with a saved mapping say
    alike. `profiles`: the table's, when already made."""
    columns = {column.key: column for column in table.columns}
    shared = {key: found for key in scored if key in columns and (found := shared_recodes(columns[key].choices))}
    if values == "choice_text" or not shared:
        return []
    profiles = profiles if profiles is not None else profile_table(table)
    labelled = {key for row in table.preview(500) for key in row.labels}
    found = []
    for key, pairs in shared.items():
        column, profile = columns[key], profiles[key]
        written = {label_key(cell) for cell in (*profile.labels, *profile.no_score)}
        for na, real in pairs.items():
            if label_key(na) in written or key in labelled:
                continue
            recode = f"{column.choices[na]:g}"
            found.append(
                f"column {key!r} ({column.label}): the survey definition recodes {na!r} as {recode}, like {real!r}, so "
                f"a cell of {recode} does not say which was chosen, and each is scored as {real!r}; export the "
                f"responses with choice text (\"Use choice text\", then --values choice_text, or values = "
                f"'choice_text' in its mapping), or give {na!r} a recode of its own in Qualtrics (Recode Values, e.g. "
                "-1) and export again"
            )
    return found
