"""What one source's run did — its counts, status, warnings and quarantine reasons — as the
summary line, the `sync_runs` row, events and logs show it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cxbridge.quoted_values import rule_of

if TYPE_CHECKING:
    from cxbridge.destinations import QuarantineItem

REASONS_KEPT = 20  # distinct quarantine reasons a run counts; each further one is in `quarantine list` only


@dataclass
class SourceResult:
    """What one source's run did: the summary line and the `sync_runs` row."""

    source: str
    connector: str
    status: str = "success"
    read: int = 0
    written: int = 0
    unchanged: int = 0
    quarantined: int = 0
    erased: int = 0  # records read and skipped: their respondents were erased (`cxbridge erase`)
    left_out: dict[str, int] = field(default_factory=dict)  # records read and skipped, by `Stream.left_out`'s reason
    cases_opened: int = 0  # cases its records opened (`cxbridge.loop`), or would open in a dry run
    pruned: int | None = None  # records not read that `--prune` removed (would remove); None: not asked
    quarantine_reasons: dict[str, int] = field(default_factory=dict)  # this run's, counted (`count_reasons`)
    quarantine_rules: dict[str, int] = field(default_factory=dict)  # the same by the rule they break (`_rule`)
    quarantine_examples: dict[str, str] = field(default_factory=dict)  # each rule's first reason
    error: str | None = None
    seconds: float = 0.0
    streams: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # see Stream.warnings

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def skipped(self) -> int:
        """Records read and left out on purpose, neither written nor quarantined (`sync_runs.records_skipped`)."""
        return self.erased + sum(self.left_out.values())

    @property
    def paused(self) -> bool:
        """Stopped on purpose with all it read kept (a daily quota spent): the next run resumes."""
        return self.status == "paused"

    @property
    def all_quarantined(self) -> bool:
        """Records were read and every one went to quarantine: nothing of the source got through."""
        return self.quarantined > 0 and not self.written and not self.unchanged

    def count_reasons(self, quarantined: Iterable[QuarantineItem]) -> None:
        """Count each quarantined record's reason into `quarantine_reasons` (records with one reason,
        one entry) and the rule it breaks into `quarantine_rules`, its first reason kept in
        `quarantine_examples`, the first `REASONS_KEPT` of each only: a run of unlike errors keeps
        no more in memory."""
        for item in quarantined:
            _count(self.quarantine_reasons, item.error)
            if _count(self.quarantine_rules, rule := _rule(item)):
                self.quarantine_examples.setdefault(rule, item.error)

    def all_quarantined_error(self, first: QuarantineItem | None) -> str:
        """Why a source that read records stored none: every one went to quarantine — with the
        `first` one's reason and its place, and where to read them all."""
        place = first and (_place(first.where) or (first.source_record_id and f"record {first.source_record_id}"))
        example = f"; the first, {place}: {first.error}" if place else f"; the first: {first.error}" if first else ""
        return (f"every record read ({self.quarantined:,}) went to quarantine, none was written{example}; they wait "
                "in quarantine, and later syncs go on past them: mend them where they were written (a changed file "
                "is read again), or mend the settings the reasons name and run cxbridge quarantine replay --source "
                f"{self.source}; every reason: cxbridge quarantine list --source {self.source}")  # fmt: skip


def _rule(item: QuarantineItem) -> str:
    """The rule a quarantined record breaks: the kind its DataError named ('answer-outside-scale'),
    else — a plugin's DataError without one, a validator's — the rule its reason's words tell (`rule_of`)."""
    return item.kind or rule_of(item.error, item.field)


def _count(counts: dict[str, int], key: str) -> bool:
    """Whether `key` is counted: one of the first `REASONS_KEPT` keys."""
    if key in counts or len(counts) < REASONS_KEPT:
        counts[key] = counts.get(key, 0) + 1
        return True
    return False


def _place(context: dict[str, Any]) -> str:
    """Where a quarantined record was read: `responses.xlsx sheet 2024 row 7`, `survey_id SV_1`."""
    return " ".join(str(value) if key == "file" else f"{key} {value}" for key, value in context.items())
