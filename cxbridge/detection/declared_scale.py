"""The scale a question declares — in its survey definition, its wording ("(1-10)", "[1 to 10]",
"on a scale of 1 to 10", a "1-5" or "0-10" ending it) or the words beside its end answers ("1 -
Not at all likely" … "10 - Extremely likely") — and the one rule that follows for a recommend
question: an NPS is asked 0–10 (DESIGN.md), so one declared on another scale, 1–10 above all, is
kept unscored, whether it comes from a file, a survey definition or an API. Answers 1–10 alone
declare nothing: they are valid 0–10 answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_ENDS = r"(\d{1,2})\s*(?:-|–|—|to|bis|à|a|al|ao|até|до|do)\s*(\d{1,2})"
_SCALE_WORD = r"(?:scale|escala|skala|skali|échelle|echelle|шкал[еаы]?)"
_NAMED = (
    re.compile(rf"[(\[]\s*{_ENDS}\s*[)\]]", re.IGNORECASE),  # "(0-10)", "[1 to 5]"
    re.compile(rf"\b{_SCALE_WORD}\W+(?:\w+\W+){{0,2}}?{_ENDS}\b", re.IGNORECASE),  # "on a scale of 1 to 10"
    re.compile(rf"\b{_ENDS}(?:[\s-]*points?)?[\s-]*{_SCALE_WORD}\b", re.IGNORECASE),  # "a 1-10 scale"
    re.compile(r"(?<![\w.,/])([01])\s*(?:-|–|—|to|bis|à|a)\s*([3-9]|10)\s*$", re.IGNORECASE),  # "… im Markt 1-10"
)
NPS_SCALE = (0, 10)
_SEVERAL_ONES = 3  # answers of 1 with none of 0: the unhappiest answering 1 is a 1–10 scale's sign
_LOWEST_GIVEN = "the lowest answer given"
_WORDS = r"([^\W\d_][^,;()/|…=\d]*?)"  # a label's words: from a letter up to the next separator or number
_END_WORDS = (
    re.compile(rf"(?<![\w.,])(\d{{1,2}})\s*(?:=|:|-|–|—)\s*{_WORDS}\s*(?=[,;)/|…]|\.\.|\d|$)"),  # "1 = Very satisfied"
    re.compile(rf"(?<![\w.,])(\d{{1,2}})\s*\(\s*{_WORDS}\s*\)"),  # "from 1 (very satisfied) to 5 (…)"
)


def named_scale(text: str) -> tuple[int, int] | None:
    """The scale the wording names, low to high; None when it names none."""
    for pattern in _NAMED:
        if (match := pattern.search(text)) and (ends := sorted(int(end) for end in match.groups()))[0] < ends[1]:
            return ends[0], ends[1]
    return None


def end_words(text: str) -> dict[str, float]:
    """The numbers a wording labels with words ("(1 = Very satisfied, 5 = Very dissatisfied)",
    "from 1 (not at all likely) to 10 (extremely likely)"), as answers written so read: label →
    number, the label written "1 - Very satisfied"; empty when it labels none."""
    found: dict[str, float] = {}
    for pattern in _END_WORDS:
        for number, words in pattern.findall(text):
            if words := words.strip(" .-–—:"):
                found.setdefault(f"{number} - {words}", float(number))
    return found


def no_zero(answers: list[float]) -> str:
    """The note of 0–10 answers running 1–10: nobody need have answered 0, but when several gave 1,
    the lowest answer given is a 1–10 question's (`warns_of_one_to_ten` makes it a warning)."""
    note = f"no answer is 0 (of {len(answers)}), which a 0–10 question need not have"
    if (ones := answers.count(1)) >= _SEVERAL_ONES:
        note += f", though {ones} answered 1, {_LOWEST_GIVEN}, as on a 1–10 scale"
    return (f"{note}; if it was asked 1–10 it is no NPS: map it as metric 'rating' with scale [1, 10] "
            "(docs/files.md#a-recommend-question-on-another-scale)")  # fmt: skip


def warns_of_one_to_ten(note: str) -> bool:
    """Whether a proposal's evidence is a `no_zero` note worth a warning: 1 given several times, 0 never."""
    return _LOWEST_GIVEN in note


def may_be_nps(text: str) -> bool:
    """Whether a question's wording leaves it an NPS where no definition gives its scale: it names
    none other than 0–10."""
    return named_scale(text) in (None, NPS_SCALE)


def labelled_scale(shown: Mapping[str, float], answers: Iterable[float]) -> tuple[float, float] | None:
    """The scale the answers written beside words mark ("1 - Not at all likely" → 1): their lowest
    and highest, when no answer lies beyond them; None when words mark fewer than two points."""
    marked, answered = set(shown.values()), list(answers)
    if len(marked) < 2 or min(answered) < min(marked) or max(answered) > max(marked):
        return None
    return min(marked), max(marked)


def not_nps(scale: tuple[float, float] | None, *, declared_by: str) -> str | None:
    """Why a recommend question `declared_by` (its definition, header, labels) on `scale` is no
    NPS, and how its answers score as a rating; None for 0–10 or no scale."""
    if scale is None or tuple(scale) == NPS_SCALE:
        return None
    low, high = (f"{end:g}" for end in scale)
    return (f"{declared_by} a {low}–{high} scale, and an NPS is asked 0–10: its promoter (9–10) and detractor (0–6) "
            f'cut-offs hold on no other scale (as a {low}–{high} rating it scores with metric = "rating", '
            f"scale = [{low}, {high}])")  # fmt: skip
