"""What a table's columns could be — every proposal, each with a confidence and its evidence —
and the mapping chosen from them: per field the surest proposal, each column used once, the
other answers as questions; with the warnings of columns that look scored but are not."""

from __future__ import annotations

from cxbridge import exports
from cxbridge.detection.declared_scale import warns_of_one_to_ten
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.fields import propose_fields
from cxbridge.detection.points import CRITERION, POINTS_PROGRAMS, propose_visit_scores
from cxbridge.detection.profile import ColumnProfile
from cxbridge.detection.program import ProgramGuess
from cxbridge.detection.scores import propose_comment, propose_multi_choice, propose_scores
from cxbridge.detection.tolerance import is_code_note
from cxbridge.tabular.table import Table

FIELD_TARGETS = (
    "id", "submitted_at", "email", "phone", "location_id", "location_name", "channel", "language", "country",
    "team", "agent_id", "wave", "status",
)  # fmt: skip
METRICS = ("nps", "enps", "csat", "ces", "rating", *POINTS_PROGRAMS, CRITERION)
RECODED_FORMATS = ("qualtrics", "qualtrics_legacy", "qualtrics_json")  # numbers stand for answer options


def propose(
    table: Table, profiles: dict[str, ColumnProfile], *, program: str | None, names: list[str]
) -> tuple[list[Proposal], ProgramGuess]:
    """Every proposal for the table's columns, and the program of its rows (given, or detected
    from its points scores and the words of its headers and `names`)."""
    known = exports.knowledge(table)
    proposals = [Proposal(name, found.column, 0.99, [found.evidence]) for name, found in known.fields.items()]
    taken = {found.column for found in known.fields.values()}
    free = {key: profile for key, profile in profiles.items() if key not in taken and key not in known.metadata}
    proposals += propose_fields(free)
    recoded = table.format in RECODED_FORMATS
    for profile in free.values():
        proposals += propose_scores(profile, recoded=recoded)
        if comment := propose_comment(profile):
            proposals.append(comment)
        if table.format == "google_forms" and (multi := propose_multi_choice(profile)):
            proposals.append(multi)
    scored = {p.column for p in proposals if p.target in METRICS and p.mapped}
    told = {p.column: p for p in proposals if p.unscored}
    visits, guess = propose_visit_scores({k: v for k, v in free.items() if k not in scored}, program=program,
                                         headers=[column.label for column in table.columns], names=names,
                                         told=told)  # fmt: skip
    proposals += visits
    for key in known.metadata:
        if key in profiles and profiles[key].filled and key.lower().startswith(("start", "startdate")):
            proposals.append(Proposal("timestamp", key, 0.9, ["the start time, kept in attributes as UTC"]))
    for key in _personal_metadata(table):
        proposals.append(Proposal("ignore", key, 0.95, ["personal data the export carries: never stored"]))
    claimed = {p.column for p in choose(proposals)}  # listed once, as what it is (a score, a comment, unscored)
    proposals += [Proposal("question", key, 0.9, ["an answer to a question of the survey"])
                  for key in known.questions if key not in claimed]  # fmt: skip
    return proposals, guess


def _personal_metadata(table: Table) -> list[str]:
    return [column.key for column in table.columns if column.key in exports.PERSONAL_METADATA]


def choose(proposals: list[Proposal]) -> list[Proposal]:
    """The mapping: per field the most confident proposal, each column used once (the most
    confident claim on it wins); then the remaining answers as questions (checkbox ones too)."""
    chosen: list[Proposal] = []
    used: set[str] = set()
    later = ("question", "multi_choice")
    other_times: list[Proposal] = []  # submitted times another column won (Typeform's Stage Date)
    for proposal in sorted((p for p in proposals if p.mapped), key=lambda p: -p.confidence):
        if proposal.target in later or proposal.column in used:
            continue
        if proposal.target in FIELD_TARGETS and any(c.target == proposal.target for c in chosen):
            if proposal.target == "submitted_at":
                other_times.append(proposal)
            continue
        chosen.append(proposal)
        used.add(proposal.column)
    if any(p.target == "status" for p in chosen):
        chosen += _partial_times(other_times, used)
    for target in later:
        chosen += [p for p in proposals if p.target == target and p.mapped and p.column not in used]
    questions = {p.column for p in chosen if p.target == "question"}
    chosen += [Proposal("question", p.column, p.confidence, ["its answers are lists of choices"])
               for p in chosen if p.target == "multi_choice" and p.column not in questions]  # fmt: skip
    return chosen


def _partial_times(times: list[Proposal], used: set[str]) -> list[Proposal]:
    """The times another column won the submitted time from, kept as times in a file whose status
    says which responses are partial: they date a partial response that has no submitted time."""
    why = "another column is the submitted time: kept as a time, which dates a partial response that has none"
    kept = [Proposal("timestamp", p.column, p.confidence, [*p.evidence, why]) for p in times if p.column not in used]
    used.update(p.column for p in kept)
    return kept


def unscored_warnings(proposals: list[Proposal], chosen: list[Proposal]) -> list[str]:
    """One warning per column that a proposal says looks scored but that the mapping does not score."""
    scored = {p.column for p in chosen if p.target in METRICS}
    found: dict[str, str] = {}
    for proposal in sorted(proposals, key=lambda p: -p.confidence):
        if proposal.column in scored or proposal.column in found:
            continue
        if proposal.unscored or (proposal.target in METRICS and not proposal.mapped):
            found[proposal.column] = f"column {proposal.column!r} is not scored: {proposal.describe()}"
    return list(found.values())


def code_warnings(chosen: list[Proposal]) -> list[str]:
    """One warning per no-answer code a scored column's mapping ignores (a repeated 99): its rows are
    stored without a score, which the import's counts alone would not show; and per NPS column whose
    answers run 1–10 with several 1s (`declared_scale.no_zero`), scored 0–10 all the same."""
    return [f"column {p.column!r} ({p.target}): {note}" for p in chosen for note in p.evidence
            if is_code_note(note) or warns_of_one_to_ten(note)]
