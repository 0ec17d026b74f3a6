"""Reworded questions across files: a scored column of one file and a scored column of another
that never appear together, measure the same metric on the same scale and read alike are likely
one question reworded (`Overall, how satisfied…` in 2024 for `How satisfied…` in 2023). They are
only proposed, with the evidence: the user accepts one by giving both columns the same
`question_key` in the mapping (docs/files.md, Questions reworded between files)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from cxbridge.detection.points import CRITERION, POINTS_PROGRAMS
from cxbridge.metrics import DEFAULT_SCALES
from cxbridge.tabular.table import header_key

if TYPE_CHECKING:
    from cxbridge.detection.evidence import Proposal
    from cxbridge.detection.inspector import Inspection
    from cxbridge.tabular.config import MetricColumn

METRICS = ("nps", "enps", "csat", "ces", *POINTS_PROGRAMS, CRITERION)

SIMILAR = 0.6  # the least share of matching words (difflib's ratio over word sequences)
ONE_QUESTION = frozenset({"nps", "enps"})
"""Metrics a survey asks by one standard question (how likely, 0–10, to recommend): two columns
of one never in a file together are proposed as one question whatever their wording ("NPS" in
2022, "Recommend score" in 2023)."""


@dataclass(frozen=True)
class QuestionMatch:
    """Two columns of two files proposed as one question, under `key`."""

    key: str
    metric: str
    first: tuple[str, str]  # (file name, column)
    second: tuple[str, str]
    similarity: float

    @property
    def evidence(self) -> str:
        return (f"same metric {self.metric} on the same scale, never in one file together, "
                f"{_wording(self.metric, self.similarity)}")  # fmt: skip

    def describe(self) -> str:
        (file_a, column_a), (file_b, column_b) = self.first, self.second
        return (f"{column_a!r} ({file_a}) and {column_b!r} ({file_b}) look like one question reworded: {self.evidence}; "
                f"to keep one history, accept it by adding question_key = {self.key!r} to the "
                f"[[sources.NAME.metrics]] entry of each column")  # fmt: skip


def propose_question_matches(inspections: list[Inspection]) -> list[QuestionMatch]:
    """Each pair of scored columns, of two of the files, that are likely one reworded question:
    once, by the first files holding them (five yearly files under two headers make one match)."""
    scored = [(item, proposal) for item in inspections for proposal in item.chosen if proposal.target in METRICS]
    columns_of = {id(item): {column.key for column in item.table.columns} for item in inspections}
    found: list[QuestionMatch] = []
    paired: set[tuple[str, frozenset[str]]] = set()
    for i, (item_a, a) in enumerate(scored):
        for item_b, b in scored[i + 1 :]:
            if a.column == b.column or a.target != b.target or not _same_scale(a.target, a.spec, b.spec):
                continue
            if (a.target, frozenset((a.column, b.column))) in paired:
                continue
            if a.column in columns_of[id(item_b)] or b.column in columns_of[id(item_a)]:
                continue  # asked side by side somewhere: two questions
            similarity = alike(a.column, b.column)
            if similarity >= SIMILAR or a.target in ONE_QUESTION:
                paired.add((a.target, frozenset((a.column, b.column))))
                found.append(QuestionMatch(key_for(a.column, a.target), a.target, (item_a.path.name, a.column),
                                           (item_b.path.name, b.column), similarity))  # fmt: skip
    return found


def reworded_from(proposal: Proposal, mapped: Iterable[MetricColumn], present: set[str]) -> str | None:
    """For a column a saved mapping leaves out that looks scored: the advice to continue the
    history of a mapped column of the same metric and scale, absent from this file, whose
    wording is alike — or None."""
    for metric in mapped:
        if header_key(metric.column) in present or metric.metric != proposal.target:
            continue
        if not _same_scale(proposal.target, proposal.spec, {"scale": metric.scale, "direction": metric.direction}):
            continue
        similarity = alike(metric.column, proposal.column)
        if similarity >= SIMILAR or metric.metric in ONE_QUESTION:
            key = metric.question_key or key_for(metric.column, metric.metric)
            return (f"it looks like mapped column {metric.column!r} reworded (same metric {metric.metric} on the same "
                    f"scale, not in this file, {_wording(metric.metric, similarity)}): to keep one history give both "
                    f"entries question_key = {key!r}")  # fmt: skip
    return None


def _wording(metric: str, similarity: float) -> str:
    if similarity < SIMILAR and metric in ONE_QUESTION:
        return f"wording {similarity:.0%} alike, but {metric} is one standard question whatever its wording"
    return f"wording {similarity:.0%} alike"


def _same_scale(metric: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two specs of `metric` score on one scale and direction; a spec that names no scale
    has the metric's default (a mapped CSAT column without `scale` is read 1–5) — as a sync reads
    a header-keyed column: only a definition's columns, keyed by question id, have choices giving
    an entry another (`RowNormalizer._on_its_scale`)."""

    def scale(spec: dict[str, Any]) -> tuple[float, ...] | None:
        bounds = spec["scale"] if spec.get("scale") is not None else DEFAULT_SCALES.get(metric)
        return tuple(float(bound) for bound in bounds) if bounds is not None else None

    def direction(spec: dict[str, Any]) -> str:
        return str(getattr(spec.get("direction"), "value", spec.get("direction")) or "higher_is_better")

    return scale(a) == scale(b) and direction(a) == direction(b)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def alike(a: str, b: str) -> float:
    """How alike two wordings are, 0–1: difflib's ratio over their words, case-folded."""
    return SequenceMatcher(None, _words(a), _words(b)).ratio()


def key_for(column: str, metric: str | None = None) -> str:
    """A readable key from the first wording: `how_satisfied_were_you_with_your_visit`; an NPS's
    is its metric (`nps`), so every header it is proposed under gets the same one."""
    if metric in ONE_QUESTION:
        return metric
    return "_".join(_words(column))[:60].strip("_") or "question"
