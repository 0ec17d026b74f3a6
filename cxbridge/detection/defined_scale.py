"""A question's configured `scale` set against the ranges its survey's definition scores its
answers on — a linear scale's ends, a rating's icons, the numbers its choices show, their recodes
or built-in label points, a rating's weights beside their ranks. A scale none of them is reads
every answer as a point of another scale (4 of 5 stars a neutral 4 of 7: CSAT % 0 where the answers
make 75), so its answers are refused naming the scale to set, as a file's column read on the wrong
scale is (`tabular.scale_checks`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cxbridge.detection import labels as builtin
from cxbridge.detection.meaning import numbers_shown, value_range
from cxbridge.tabular.cells import whole_number

if TYPE_CHECKING:
    from cxbridge.questions import Question

Range = tuple[float, float]


def defined_ranges(question: Question, ignored: Iterable[object] = ()) -> list[Range]:
    """The ranges the definition scores the question's answers on, the one read without a
    configured scale first; [] when it defines none (words alone, a number typed in). `ignored`:
    values that carry no score (an N/A choice's recode)."""
    skipped = {float(value) for value in ignored if isinstance(value, int | float)}
    scored = [value for label, value in question.choices.items()
              if float(value) not in skipped and not builtin.is_no_score(label)]  # fmt: skip
    shown = numbers_shown(question.choices, signed=question.marks_no_answer).values()
    from_zero = (0.0, question.scale[1]) if question.from_zero and question.scale else None
    found = (question.scale, from_zero, value_range(shown), value_range(scored), question.weighed)
    return list(dict.fromkeys((float(low), float(high)) for low, high in filter(None, found)))


def another_scale(question: Question, scale: Range, *, ignored: Iterable[object] = (), table: str) -> str | None:
    """Why no answer of a question configured `scale` (under `table`) is scored on it: the
    definition gives its answers another range, which is the scale to set; None when `scale` is
    one it gives, or it gives none."""
    ranges = defined_ranges(question, ignored)
    if not ranges or (float(scale[0]), float(scale[1])) in ranges:
        return None
    (low, high), (given_low, given_high) = (map(whole_number, bounds) for bounds in (ranges[0], scale))
    return (f"its survey's definition gives its answers as {low}–{high}, not scale = [{given_low}, {given_high}], "
            f"so none of them is scored on it; set scale = [{low}, {high}] (or remove scale: the definition's own is "
            f"read) in {table}, then `cxbridge sync --full-refresh` reads the answers stored before on it too")  # fmt: skip
