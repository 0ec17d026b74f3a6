"""An answer scale — its two ends and which one is best — and what it says of an answer: its 0–100
value (100 the best) as stored, and whether it is in the top or bottom boxes (DESIGN.md §2).
The metric rules that read answers onto a scale: `metrics`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cached_property


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


SCORE_DECIMALS = 6
"""The decimals a 0–100 score (`feedback_scores.normalized`) is stored to: the views add them as
whole millionths, exactly (`Destination.rounded_mean`)."""
_SCORE_UNITS = 10**SCORE_DECIMALS

BOX_SHARE = 0.25
"""The share of the range each end box holds on a scale boxed by shares (`Scale.boxed_by_share`),
as on 1–5: satisfied (low effort) from 75 % of the range, as 4 is, dissatisfied (high effort) up
to 25 %, as 2 is."""


@dataclass(frozen=True)
class Scale:  # cached properties need a __dict__, so no slots
    """An answer scale: its bounds and which end is best."""

    min: float
    max: float
    direction: Direction = Direction.HIGHER_IS_BETTER

    def __post_init__(self) -> None:
        if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.min >= self.max:
            raise ValueError(f"a scale needs min < max, got [{self.min}, {self.max}]")

    @cached_property
    def points(self) -> int | None:
        """Number of answer options of an integer scale (1–5 has 5); None for a continuous one."""
        if float(self.min).is_integer() and float(self.max).is_integer():
            return int(self.max - self.min) + 1
        return None

    @cached_property
    def reversed(self) -> bool:
        return self.direction == Direction.LOWER_IS_BETTER

    @cached_property
    def box_width(self) -> int:
        """How many options the top (or bottom) box holds on an integer scale of up to eleven
        points: two on 4+-point scales, one on 2–3-point scales. A 4-point scale has no middle
        answer: its halves are the boxes ("Satisfied" is satisfied, "Dissatisfied" dissatisfied),
        as its 2-point sibling's are."""
        return 2 if self.points is not None and self.points >= 4 else 1

    @cached_property
    def boxed_by_share(self) -> bool:
        """More than eleven points (0–100), where two options would be a sliver of it, or
        continuous (0.5–4.5), with no options to count: its boxes are the shares of the range a
        1–5 scale's are (`BOX_SHARE`)."""
        return self.points is None or self.points > 11

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max

    def align(self, value: float) -> float:
        """The value on the same scale turned so that higher is always better."""
        if self.reversed:
            return self.max + self.min - value
        return value

    def normalize(self, value: float) -> float:
        """0–100 with 100 the best answer."""
        return (self.align(value) - self.min) / (self.max - self.min) * 100.0

    def stored_score(self, value: float) -> float:
        """`normalize(value)` to SCORE_DECIMALS decimals, half away from zero of its exact value
        (the answer and the ends as written), as every figure is rounded: 1 point of 512 is
        0.1953125, stored 0.195313 — Python's round() of the float, half to even, gave 0.195312."""
        approximate = self.normalize(value)
        if abs(approximate * _SCORE_UNITS % 1 - 0.5) > 1e-6:  # no tie within the float's error
            return round(approximate, SCORE_DECIMALS)
        low, high, answer = (Fraction(repr(float(number))) for number in (self.min, self.max, value))
        aligned = high + low - answer if self.reversed else answer
        units = math.floor((aligned - low) * 100 * _SCORE_UNITS / (high - low) + Fraction(1, 2))
        return units / _SCORE_UNITS

    def in_top_boxes(self, value: float) -> bool:
        """On a point scale, from the top box's lowest point: an answer typed between two points
        (3.5 of 1–5) is in the box only once it reaches that point (4)."""
        if self.boxed_by_share:
            return self.align(value) - self.min >= (1 - BOX_SHARE) * (self.max - self.min)
        return self.align(value) >= self.max - self.box_width + 1

    def in_bottom_boxes(self, value: float) -> bool:
        if self.boxed_by_share:
            return self.align(value) - self.min <= BOX_SHARE * (self.max - self.min)
        return self.align(value) <= self.min + self.box_width - 1
