"""German school grades, 1 (sehr gut) to 6 (ungenügend): a rating German sheets often ask
satisfaction in. Its best answer is its lowest number, so it is never read the way a bare
satisfaction scale is (highest best): such a column is kept unscored, and `inspect` and the
import say how to map it."""

from __future__ import annotations

import re

from cxbridge.detection.profile import ColumnProfile

HEADER = re.compile(
    r"(?:schul|zeugnis)noten?|notenskala|benotung|\bnoten\b|\bnote\W{0,3}1\s*(?:-|–|bis)\s*6\b", re.IGNORECASE
)
"""A header asking in school grades: "Zufriedenheit (Schulnote 1-6)", "in Noten", "Note 1–6"."""

GRADES = {"sehr gut": 1, "gut": 2, "befriedigend": 3, "ausreichend": 4, "mangelhaft": 5, "ungenügend": 6}
MAPPING = "metric = 'csat', scale = [1, 6], direction = 'lower_is_better'"


def graded_labels_warning(profile: ColumnProfile) -> str | None:
    """The warning of a column whose answers are the grades' names ("sehr gut" … "mangelhaft"):
    no built-in scale reads them, so without it the column would be kept without a word."""
    answers = {label.strip().casefold() for label in profile.labels}
    if len(answers) < 3 or not answers <= GRADES.keys():
        return None
    labels = ", ".join(f'"{name}" = {value}' for name, value in GRADES.items())
    return (f"column {profile.column.label!r} is not scored: its answers are German school grades "
            f"({', '.join(repr(a) for a in sorted(answers, key=GRADES.__getitem__))}), 1 the best, which no built-in "
            f"scale reads; to score it, map it under [[metrics]] with {MAPPING}, labels = {{ {labels} }}")  # fmt: skip
