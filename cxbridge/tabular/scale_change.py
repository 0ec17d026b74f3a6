"""The mapped scored columns of a table whose answers read in this run look like another scale
than the mapped one — the survey moved the question from 1–5 to 0–10 between exports — which
the run's summary names: the answers still within the mapped scale were stored as if on it, and
only the others were quarantined, so the numbers are wrong without the warning."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.errors import DataError
from cxbridge.metrics import coerce
from cxbridge.scales import Scale
from cxbridge.tabular.config import MetricColumn
from cxbridge.tabular.rows import RowNormalizer
from cxbridge.tabular.table import Table
from cxbridge.tabular.unanswered import scored_columns

SURVEY_SCALES = Scale(0, 10)
"""Where a scale's points lie in the answers taken for another scale: 0–10, 1–7, 1–10 … — the
sizes surveys use. A 55 typed for 5 is not there."""
DISTINCT = 100
"""Different cells a column may show before it is no longer watched: a point scale has a few."""


@dataclass
class Seen:
    """A mapped scored column's different cells read in this run, and how many rows had each."""

    key: str  # how the rows read key it
    column: str  # how the normalizer keys it
    metric: MetricColumn
    cells: dict[tuple[type, Any, str | None], int] = field(default_factory=dict)


class ScaleChange:
    """Each mapped scored column the table has, its cells counted as rows are read (a few
    different ones in a column of points); read through the mapping once, at the table's end."""

    def __init__(self, table: Table, normalizer: RowNormalizer):
        self.where, self.sheet, self.normalizer = table.where, table.sheet, normalizer
        self.seen = [Seen(key, column, metric) for key, column, metric in scored_columns(table, normalizer)]

    def read(self, values: Mapping[str, Any], labels: Mapping[str, str]) -> None:
        """One row read in this run: one dictionary look-up per column, a few more for a new cell."""
        crowded = False
        for seen in self.seen:
            value = values.get(seen.key)
            if type(value) in (str, int, float):
                cell = (type(value), value, labels.get(seen.key) if labels else None)
                rows = seen.cells.get(cell)
                seen.cells[cell] = 1 if rows is None else rows + 1
                crowded = crowded or (rows is None and len(seen.cells) > DISTINCT)
        if crowded:
            self.seen = [seen for seen in self.seen if len(seen.cells) <= DISTINCT]

    def warnings(self) -> list[str]:
        """One warning per column whose answers off its scale read as another scale: at least two
        different ones, and every answer a whole number within `SURVEY_SCALES` (one value off is
        a typo or a no-answer code, such as -1; those rows are quarantined as before)."""
        return [warning for seen in self.seen if (warning := self._changed(seen))]

    def _changed(self, seen: Seen) -> str | None:
        answers: dict[float, int] = {}
        scale = None
        for (_, value, label), rows in seen.cells.items():
            try:
                answer = self.normalizer.scored(seen.column, seen.metric, value, label, remembered=0)
                number = coerce(answer.value, answer.spec)
            except DataError:
                continue  # no number the mapping reads: quarantined with its reason
            if number is not None:
                answers[number] = answers.get(number, 0) + rows
                scale = answer.spec.as_scale
        if scale is None:
            return None
        off = [number for number in answers if not scale.contains(number)]
        if len(off) < 2 or not all(n.is_integer() and SURVEY_SCALES.contains(n) for n in answers):
            return None
        mapped, run = f"{scale.min:g}–{scale.max:g}", f"{min(answers):g}–{max(answers):g}"
        quarantined = sum(answers[number] for number in off)
        return (f"column {seen.metric.column!r} ({seen.metric.metric}) of {self.where} is mapped on the scale "
                f"{mapped}, but its answers run {run} ({quarantined} of {sum(answers.values())} rows off the "
                f"scale, quarantined; the others stored as if on {mapped}): the question's scale looks changed; "
                + self._advice(seen.metric.column))  # fmt: skip

    def _advice(self, column: str) -> str:
        """A sync's files on the new scale are mapped apart, then pruned from the first source; an
        import reads its file (or sheet) again with the new scale, its records keeping their ids."""
        config, source = self.normalizer.config, self.normalizer.source
        if config.imported is None:
            return ("map the column of the files on the new scale with their own `scale` — a source of their own "
                    "(`path`, `sheets`), or a second [[metrics]] entry where they head it differently — then "
                    "`cxbridge sync --full-refresh --prune` (the first source's records of them go) and "
                    "`cxbridge quarantine replay`")  # fmt: skip
        sheet = f" with `--sheet {shlex.quote(self.sheet)}`" if self.sheet is not None else ""
        return (f"set `scale` to the new one in {config.metrics_entry(column, source=source)}, then import "
                f"{f'sheet {self.sheet!r}' if self.sheet is not None else 'the file'} again with it, "
                f"{config.read_again(source=source)}{sheet}: its records are stored again on the new scale under "
                "their ids, the quarantined ones too (no --prune needed)")  # fmt: skip
