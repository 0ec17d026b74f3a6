"""`cxbridge remove`: the records of one source — or of some of its surveys or streams — removed
on purpose from `feedback` and `quarantine` with their scores, comments and follow-ups, and the
copies of other sources that pointed at one of them pointed anew, in one transaction: the rows
`sync --full-refresh --prune` removes, by the same statements (`cxbridge.pruning.remove_records`).
Their cases stay. The source's cursor stays too: an incremental sync does not read them again."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from cxbridge.command_runs import record_run
from cxbridge.destinations import SyncRun
from cxbridge.errors import ConfigError
from cxbridge.erasure import Statements
from cxbridge.layout import SYNC_RUNS
from cxbridge.pruning import Parts, Relink, part_of_row, remove_records
from cxbridge.readings import emptied


@dataclass(frozen=True)
class Chosen:
    """What `cxbridge remove` takes of a source's records: every one, or those of `surveys`
    (their `survey_id`), of `streams`, or both."""

    source: str
    surveys: frozenset[str] = frozenset()
    streams: frozenset[str] = frozenset()
    parts: Mapping[str, Parts] = field(default_factory=dict)
    """Per stream whose records each belong to a survey: how a quarantined record's raw says
    which (`Stream.part_of`); with `surveys`, a quarantined record of another stream is kept."""

    def takes(self, stream: str, survey: str | None) -> bool:
        return (not self.streams or stream in self.streams) and (not self.surveys or survey in self.surveys)

    @property
    def command(self) -> str:
        """What `sync_runs.command` records of the removal, as the command line chose it (the
        source is the row's own): `remove`, or e.g. `remove --survey SV_2 --stream responses`."""
        words = ["remove"]
        for option, values in (("--survey", self.surveys), ("--stream", self.streams)):
            words += [word for value in sorted(values) for word in (option, value)]
        return shlex.join(words)


@dataclass
class Removal:
    """What `removal_rows` removed (would remove), per stream."""

    records: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    unknown_survey: int = 0
    """Quarantined records of the streams chosen kept because their survey could not be told."""
    kept: int = 0
    """The source's records (stored and quarantined) the removal leaves: none, and it was emptied."""

    @property
    def total(self) -> int:
        return sum(self.records.values()) + sum(self.quarantined.values())


def removal_rows(
    db: Statements, chosen: Chosen, *, relink: Relink | None = None, dry_run: bool = False, run: SyncRun | None = None
) -> Removal:
    """The records `chosen` takes removed unless `dry_run` (`remove_records`), `run` (the
    removal's row of `sync_runs`) recorded with their count, and a source left no record told
    it holds none an older cxbridge read (`cxbridge.readings.emptied`); the caller holds the
    transaction."""
    removal, by_source = Removal(), [chosen.source]
    records: list[str] = []
    for row in db.query_rows(f"SELECT record_id, stream, survey_id FROM feedback WHERE source = {db.param(0)}", by_source):
        if chosen.takes(row["stream"], row["survey_id"]):
            records.append(row["record_id"])
            removal.records[row["stream"]] = removal.records.get(row["stream"], 0) + 1
        else:
            removal.kept += 1
    quarantined: list[str] = []
    for row in db.query_rows(f"SELECT record_id, stream, raw FROM quarantine WHERE source = {db.param(0)}", by_source):
        stream, parts = row["stream"], chosen.parts.get(row["stream"])
        if chosen.streams and stream not in chosen.streams:
            removal.kept += 1
        elif chosen.surveys and parts is None:
            removal.unknown_survey += 1
            removal.kept += 1
        elif not chosen.surveys or part_of_row(parts, row) in chosen.surveys:
            quarantined.append(row["record_id"])
            removal.quarantined[stream] = removal.quarantined.get(stream, 0) + 1
        else:
            removal.kept += 1
    if not dry_run:
        remove_records(db, records, quarantined, relink=relink)
        if run is not None:
            record_run(db, run, removed=removal.total)
        if not removal.kept:
            emptied(db, chosen.source)
    return removal


def stored_connector(db: Statements, source: str) -> str:
    """The connector of the source's newest run: a removal's row of `sync_runs` names it too."""
    rows = db.query(f"SELECT connector FROM {SYNC_RUNS.name} WHERE source = {db.param(0)} ORDER BY started_at DESC "
                    "LIMIT 1", [source])  # fmt: skip
    return rows[0]["connector"] if rows else "unknown"


def check_chosen(db: Statements, chosen: Chosen) -> None:
    """A ConfigError naming what the destination holds of the source when `chosen` names a
    source, survey or stream it holds no record of."""
    rows = db.query(
        f"SELECT stream, survey_id FROM feedback WHERE source = {db.param(0)} "
        f"UNION SELECT stream, NULL FROM quarantine WHERE source = {db.param(1)}",
        [chosen.source, chosen.source],
    )
    if not rows:
        sources = sorted({row["source"] for row in db.query("SELECT DISTINCT source FROM feedback")})
        held = f"it holds records of {', '.join(sources)}" if sources else "it holds no records"
        raise ConfigError(f"the destination holds no record of source {chosen.source!r}: {held}")
    streams = {row["stream"] for row in rows}
    surveys = {row["survey_id"] for row in rows if row["survey_id"] is not None}
    for kind, asked, held in (("stream", chosen.streams, streams), ("survey", chosen.surveys, surveys)):
        if unknown := sorted(asked - held):
            stored = (f"its {kind}s stored are {', '.join(sorted(held))}" if held else
                      f"none of its records names a {kind} (their survey_id is empty): --source alone removes them all")  # fmt: skip
            raise ConfigError(f"source {chosen.source!r} has no stored record of {kind} {', '.join(unknown)}: {stored}")
