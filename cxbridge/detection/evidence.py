"""A proposal: which column fills which part of a record, how sure the detector is, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAPPED_AT = 0.5  # proposals below this confidence are shown by `inspect` but left out of the mapping


@dataclass
class Proposal:
    """`target` is a ColumnMap field (`submitted_at`, `email`, …), a metric (`nps`, `csat`, `ces`),
    or `comment`, `question`, `multi_choice`, `timestamp`, `ignore`."""

    target: str
    column: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    spec: dict[str, Any] = field(default_factory=dict)  # metric spec: scale, direction, labels, ignore_values
    unscored: bool = False  # looks scored, but its scale or direction is not established: kept as an answer

    @property
    def mapped(self) -> bool:
        return self.confidence >= MAPPED_AT

    def describe(self) -> str:
        return "; ".join(self.evidence)


def best(proposals: list[Proposal]) -> Proposal | None:
    mapped = [proposal for proposal in proposals if proposal.mapped]
    return max(mapped, key=lambda proposal: proposal.confidence, default=None)
