"""The mapped scored columns of a table that no row read in this run answers — every cell blank,
or an answer the mapping reads as none ("N/A", an `ignore_values` entry, a no-answer choice) —
which the run's summary names: nothing was scored from them (a question left out of the export,
a column emptied by mistake), and a view such as `ces_by_month` would lose the metric without a
word. Only rows read in this run count: a file read on from where the last read ended is warned
of only when at least `APPENDED_ROWS` rows were appended."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.errors import DataError
from cxbridge.exports import RECORD_FORMATS
from cxbridge.metrics import coerce
from cxbridge.tabular.config import MetricColumn
from cxbridge.tabular.rows import RowNormalizer
from cxbridge.tabular.table import Table, header_key

APPENDED_ROWS = 20
"""Rows appended to a file, and read on in this run, that must all leave a column unanswered for
the summary to say so. An optional question answered by one respondent in five is unanswered in
2 appended rows two times in three, in 20 about one time in a hundred (0.8²⁰); a question taken
out of the export is unanswered in every row. A file read from its start is warned of whatever
its rows: what it holds is the whole export."""


def scored_columns(table: Table, normalizer: RowNormalizer) -> list[tuple[str, str, MetricColumn]]:
    """The normalizer's mapped scored columns the table has (every one in a JSON export, whose
    records hold only the questions answered): how rows key each, how the normalizer does, its entry."""
    keys = None if table.format in RECORD_FORMATS else {column.key for column in table.columns}
    return [
        (header_key(metric.column), column, metric)
        for column, metric in normalizer.metrics if keys is None or header_key(metric.column) in keys
    ]  # fmt: skip


@dataclass
class Watched:
    """A mapped scored column no row read has answered yet."""

    key: str  # how the rows read key it
    column: str  # how the normalizer keys it (an address in its header as its key)
    metric: MetricColumn
    none: set[tuple[type, Any]] = field(default_factory=set)  # cells read as no answer, by type and value
    example: Any = None  # the first of them


class Unanswered:
    """Each mapped scored column the table has (every one in a JSON export, whose records hold
    only the questions answered) watched until a row answers it: one dictionary look-up per
    row for a column still unanswered, none once every column is answered."""

    def __init__(self, table: Table, normalizer: RowNormalizer, *, whole: bool):
        self.where, self.whole, self.normalizer = table.where, whole, normalizer
        self.watched = [Watched(key, column, metric) for key, column, metric in scored_columns(table, normalizer)]

    def read(self, values: Mapping[str, Any], labels: Mapping[str, str]) -> None:
        """One row read in this run: the columns it answers are no longer watched."""
        self.watched = [watched for watched in self.watched if not self._answers(watched, values, labels)]

    def _answers(self, watched: Watched, values: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
        value = values.get(watched.key)
        if value is None:
            return False
        cell = (type(value), value) if type(value) in (str, int, float) else None
        if cell is not None and cell in watched.none:
            return False
        try:
            label = labels.get(watched.key)
            answer = self.normalizer.scored(watched.column, watched.metric, value, label, remembered=0)
            if coerce(answer.value, answer.spec) is not None:
                return True
        except DataError:
            return True  # an answer the mapping cannot score: quarantined with its reason
        if cell is not None:
            watched.none.add(cell)
        if watched.example is None:
            watched.example = value
        return False

    def warnings(self, rows: int) -> list[str]:
        """One warning per column left unanswered by the `rows` read in this run."""
        if not rows or (not self.whole and rows < APPENDED_ROWS):
            return []
        if self.whole:
            read = f"all {rows:,} rows of {self.where}" if rows > 1 else f"the only row of {self.where}"
        else:
            read = f"all {rows:,} rows appended to {self.where} since the last sync (read in this run)"
        config, source = self.normalizer.config, self.normalizer.source
        return [
            f"column {watched.metric.column!r} ({watched.metric.metric}) "
            + (f"is blank in {read}" if watched.example is None else
               f"holds no answer in {read} (each is blank or an answer read as none, such as {watched.example!r})")
            + ": nothing was scored from it; check the export (a question left out of the survey?) or remove "
            + config.metrics_entry(watched.metric.column, source=source)
            for watched in self.watched
        ]  # fmt: skip
