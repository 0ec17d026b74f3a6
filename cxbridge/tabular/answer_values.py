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
from cxbridge.metrics import shown_number
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
    """A ConfigError naming the scored columns whose choices a cell names two ways (`renumbered`)
    when the source (a FileSourceConfig) does not say which its cells hold."""
    if config.values is not None or not isinstance(definition, SurveyDefinition):
        return
    unsettled = []
    for metric in config.metrics:
        meaning = definition.meaning(header_key(metric.column))
        if meaning is not None and (odd := renumbered(meaning.choices)):
            unsettled.append(f"{metric.column!r} ({described(odd)})")
    if unsettled:
        raise ConfigError(
            f"values: the survey definition {config.definition} shows the choices of {', '.join(unsettled)} as "
            "numbers other than their recodes, so a cell holding one of those numbers is two different answers; "
            f"say which the files hold: {CHOOSE} (`cxbridge inspect FILE --definition {config.definition}` proposes "
            "it from the file)"
        )
