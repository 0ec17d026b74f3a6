"""Columns a saved mapping leaves out that look scored: an NPS, CSAT or CES question, a mystery-shop
or audit score — or that weigh the responses, which no metric does (`weights`). A sync reads them into `attributes`, unscored, so its summary names each one with
the evidence and the `[[sources.NAME.metrics]]` entry that would score it — as `inspect` and
`cxbridge import` do for a mapping they detect."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from cxbridge import exports
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.points import CRITERION, POINTS_PROGRAMS, propose_visit_scores
from cxbridge.detection.profile import profile_table
from cxbridge.detection.question_matches import reworded_from
from cxbridge.detection.scores import propose_scores
from cxbridge.detection.weights import weight_warning
from cxbridge.tabular.table import Table

if TYPE_CHECKING:
    from cxbridge.tabular.config import MetricColumn

SCORED = ("nps", "enps", "csat", "ces", *POINTS_PROGRAMS, CRITERION)
RECODED_FORMATS = ("qualtrics", "qualtrics_legacy", "qualtrics_json")
PREVIEW = 200  # the first rows, which the read looks at anyway (the date order): no further pass over the file


def unmapped_scored(
    table: Table, *, chosen: set[str], source: str, program: str, mapped: Iterable[MetricColumn] = (),
    acknowledged: Collection[str] = (), of: str,
) -> list[str]:
    """A warning for each column of `table` outside the `chosen` ones (mapped, listed as answers,
    attributes, ignored, …) that looks scored or holds weights the source has not `acknowledged`;
    for one that reads like a `mapped` scored column this file lacks, reworded, the `question_key`
    that keeps them one question. Each column is named with what follows it, `of` its table
    (`table_warnings.named_of`)."""
    known = exports.knowledge(table)
    left = {f.column for f in known.fields.values()} | set(known.metadata) | chosen
    profiles = profile_table(table, PREVIEW, skip=left)  # not the mapped: 120 comments of 260 KB took 1.1 s of CPU
    recoded = table.format in RECODED_FORMATS
    proposals = [p for profile in profiles.values() for p in propose_scores(profile, recoded=recoded)]
    scored = {p.column for p in proposals if p.target in SCORED and p.mapped}
    headers = [column.label for column in table.columns]
    visits, _ = propose_visit_scores({k: v for k, v in profiles.items() if k not in scored}, program=program,
                                     headers=headers, names=[], visit=_visit_score(mapped))  # fmt: skip
    present = {column.key for column in table.columns}
    rewordings = {p.column: note for p in proposals if p.target in SCORED and p.mapped
                  if (note := reworded_from(p, mapped, present))}  # fmt: skip
    weights = [warning for profile in profiles.values() if (warning := weight_warning(profile, acknowledged=acknowledged))]
    return _warnings([*proposals, *visits], source, rewordings, of=of) + weights


def _visit_score(mapped: Iterable[MetricColumn]) -> Proposal | None:
    """The mapping's mystery-shop or audit score column: the other points columns are its criteria."""
    score = next((m for m in mapped if str(m.metric) in POINTS_PROGRAMS), None)
    return Proposal(str(score.metric), score.column, 1.0) if score else None


def _warnings(proposals: list[Proposal], source: str, rewordings: dict[str, str], *, of: str = "") -> list[str]:
    found: dict[str, str] = {}
    for proposal in sorted(proposals, key=lambda p: -p.confidence):
        if proposal.column in found:
            continue
        if proposal.target in SCORED and proposal.mapped:
            spec = "".join(f", {key} = {_toml(value)}" for key, value in proposal.spec.items())
            entry = f"[[sources.{source}.metrics]] entry with column = {proposal.column!r}"
            found[proposal.column] = (f"column {proposal.column!r}{of} looks scored but the mapping leaves it out: "
                                      f"{proposal.describe()}; to score it, add a {entry}, metric = "
                                      f"{proposal.target!r}{spec}")  # fmt: skip
            if note := rewordings.get(proposal.column):
                found[proposal.column] += f"; {note}"
        elif proposal.unscored:  # a column left out of a mapping is kept in attributes, not as an answer
            why = proposal.describe().replace("kept as an answer", "kept in attributes")
            found[proposal.column] = f"column {proposal.column!r}{of} is not scored: {why}"
    return list(found.values())


def _toml(value: object) -> str:
    """A spec value as TOML writes it: `[0, 40]`, `"lower_is_better"`, `{ "Great" = 1 }`."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)
