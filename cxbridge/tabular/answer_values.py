"""What a file's answer cells hold when a survey definition gives its questions' choices: each
choice's recode (Qualtrics' "Use numeric values", and every JSON export) or its text as shown
("Use choice text"). The two read alike until a choice shows a number other than its recode — a
0–10 scale Qualtrics recodes 1–11 — where a cell of 7 is the choice "6" or the choice "7": the
source's `values` says which (`inspect` proposes it from the file), and without it such a scored
column is refused before anything is read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from cxbridge.errors import ConfigError
from cxbridge.exports.qualtrics_definition import SurveyDefinition
from cxbridge.metrics import index_labels, label_value, shown_number
from cxbridge.tabular.table import header_key

CellValues = Literal["recodes", "choice_text"]
CHOOSE = (
    "values = 'recodes' when its cells hold the choices' recodes (a Qualtrics JSON export, or a CSV exported with "
    '"Use numeric values"), values = \'choice_text\' when they hold the choices as shown ("Use choice text")'
)


def renumbered(choices: Mapping[str, float]) -> dict[str, float]:
    """The choices labelled with a number other than their recode (label → recode, "5" or "5 - Very
    satisfied" recoded 6: `metrics.shown_number`): a cell of such a number names one choice by its
    recode and another by its text, and the choice scores the number it shows."""
    return {label: recode for label, recode in choices.items() if shown_number(label) not in (None, recode)}


def described(choices: Mapping[str, float]) -> str:
    """`"0" recoded 1 … "10" recoded 11`: the first and last of some choices, for a message."""
    shown = [f"{label!r} recoded {recode:g}" for label, recode in choices.items()]
    return shown[0] if len(shown) == 1 else f"{shown[0]} … {shown[-1]}"


def require_values(config: Any, definition: Any) -> None:
    """A ConfigError naming the scored columns whose choices a cell names two ways (`renumbered`),
    or whose `labels` give the choices other values than their recodes (`relabelled`), when the
    source (a FileSourceConfig) does not say which its cells hold."""
    unsettled = _read_two_ways(config, definition, [metric.column for metric in config.metrics])
    if unsettled:
        raise ConfigError(
            f"values: the survey definition {config.definition} shows the choices of {', '.join(unsettled)} as "
            "numbers other than their recodes, so a cell holding one of those numbers is two different answers; "
            f"say which the files hold: {CHOOSE} (`cxbridge inspect FILE --definition {config.definition}` proposes "
            "it from the file)"
        )
    if relabels := _relabelled_columns(config, definition):
        raise ConfigError(
            f"values: the labels of {', '.join(relabels)} give the choices of the survey definition "
            f"{config.definition} other values than their recodes, so a cell holding a recode would score the "
            f"recode, not its choice's value; say which the files hold: {CHOOSE}"
        )


def relabelled(choices: Mapping[str, float], labels: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """The choices the `labels` (by `index_labels`) give a value other than their recode: label →
    (value, recode). Read as a number, a cell of that recode scores the recode, read as its
    choice, the label's value."""
    index = index_labels(labels)
    found = {label: (label_value(label, index), recode) for label, recode in choices.items()}
    return {label: (value, recode) for label, (value, recode) in found.items() if value not in (None, recode)}


def unsettled_labels(config: Any, definition: Any) -> list[str]:
    """A warning naming the unscored `questions` columns whose choices a cell names two ways when
    the source does not say which its cells hold: their answers keep the label of the choice
    recoded as the cell (as before `values`), wrong for a choice-text export. Unlike a scored
    column's, this does not stop the source: the value stored is the cell as written either way."""
    unsettled = _read_two_ways(config, definition, config.questions)
    if not unsettled:
        return []
    return [
        f"values: the survey definition {config.definition} shows the choices of {', '.join(unsettled)} as numbers "
        "other than their recodes, so their answers are labelled as the choice recoded as the cell (a 7 as the "
        f"choice recoded 7), which is wrong if the files hold the choices as shown; say which they hold: {CHOOSE}"
    ]


def _relabelled_columns(config: Any, definition: Any) -> list[str]:
    """`'QID1' ('Satisfied' = 3, recoded 1 … 'Dissatisfied' = 1, recoded 3)` for each scored column
    whose labels give its choices other values than their recodes (`relabelled`), when the
    source's `values` does not say how cells read."""
    if config.values is not None or not isinstance(definition, SurveyDefinition):
        return []
    found = []
    for metric in config.metrics:
        meaning = definition.meaning(header_key(metric.column))
        if meaning is not None and (odd := relabelled(meaning.choices, metric.labels)):
            shown = [f"{label!r} = {value:g}, recoded {recode:g}" for label, (value, recode) in odd.items()]
            found.append(f"{metric.column!r} ({shown[0] if len(shown) == 1 else f'{shown[0]} … {shown[-1]}'})")
    return found


def _read_two_ways(config: Any, definition: Any, columns: list[str]) -> list[str]:
    """`'QID1' ('0' recoded 1 … '10' recoded 11)` for each of these columns whose choices show
    numbers other than their recodes, when the source's `values` does not say how cells read."""
    if config.values is not None or not isinstance(definition, SurveyDefinition):
        return []
    found = []
    for column in columns:
        meaning = definition.meaning(header_key(column))
        if meaning is not None and (odd := renumbered(meaning.choices)):
            found.append(f"{column!r} ({described(odd)})")
    return found
