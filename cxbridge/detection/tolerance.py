"""How many answers off a scale are typos — quarantined at import, the column scored on the scale
the other answers show — and how many make the column another quantity: one rule for every scored
column (NPS, CSAT, CES, a visit's points)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

TOLERATED = 0.1  # the share of the other answers that may be off the scale or unknown labels
_SLIPS = 0.02  # far-off typos per answer, beyond the one any column may hold (`slips`)


def far_off(numbers: Iterable[float], scale: tuple[float, float]) -> int:
    """The numbers more than a point off the scale: not the 11, -1 or 7.5 of a key beside the right one."""
    low, high = scale
    return sum(not low - 1 <= n <= high + 1 for n in numbers)


def slips(answered: int) -> float:
    """How many numbers more than a point off the scale may be typos (a typed 12 for 2, 100 for
    10): one in any column, however small — one slip in a form of 8 is 12 % of it —, and beyond it
    2 in 100 answers: typing by hand is commonly put at about one value wrong in a hundred, and
    only some slips land far off the scale, so more far-off numbers were written on purpose."""
    return 1 + _SLIPS * answered


def tolerated(odd: int, far: int, answered: int, *, named: bool = False) -> bool:
    """Whether `odd` answers off the scale, `far` of them far off it, are typos: the far-off ones
    when they are slips, and of the others up to a tenth of the answers without those — any
    minority when the header names the metric (`named`: "NPS", "recommend")."""
    if far > slips(answered):
        return False
    return named or odd - far <= TOLERATED * (answered - far)


def no_answer_codes(numbers: list[float], scale: tuple[float, float]) -> list[int]:
    """Far-off numbers written with nines only — 99, -99, 999, a 9 off 1–5 — given more than once:
    the "don't know" codes of many exports and statistics packages, not slips, which land anywhere."""
    nines = Counter(int(n) for n in numbers if float(n).is_integer() and set(str(abs(int(n)))) == {"9"})
    return sorted(code for code, given in nines.items() if given > 1 and far_off([code], scale))


def far_and_coded(numbers: list[float], scale: tuple[float, float]) -> tuple[int, int]:
    """How many numbers are far off the scale, its no-answer codes left out, and how many are such codes."""
    codes = no_answer_codes(numbers, scale)
    coded = sum(n in codes for n in numbers)
    return far_off(numbers, scale) - coded, coded


_CODE_NOTE = "more than a point off the scale: likely a no-answer code"


def code_note(code: int, given: int) -> str:
    """The evidence naming a no-answer code (`no_answer_codes`); an import without a mapping says it
    too (`is_code_note`), as those rows are stored without a score."""
    return (f"{code} given {given} times, {_CODE_NOTE} (\"don't know\"), which carries no score (ignore_values); "
            "if it is an answer, fix it in the source")  # fmt: skip


def is_code_note(evidence: str) -> bool:
    """Whether a proposal's evidence is a `code_note`."""
    return _CODE_NOTE in evidence
