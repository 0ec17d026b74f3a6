"""Scored columns of one metric naming years ("NPS 2024", "NPS 2025"): the latest year's is the
primary over the earlier ones, whatever the columns' order, and `inspect` warns naming them — as it
does for columns of one metric naming none ("…recommend this store", "…recommend the brand"),
where only their order makes one the record's."""

from __future__ import annotations

from cxbridge.detection.evidence import Proposal
from cxbridge.detection.keywords import names_a_year
from cxbridge.normalize import PRIMARY_COLUMN_OF

_BELOW = 0.01  # an earlier year's confidence under the latest's: the latest is chosen first, the primary


def latest_year_first(proposals: list[Proposal], headers: dict[str, str]) -> list[str]:
    """Each scored proposal naming an earlier year than another of its metric put just below that
    one (`headers`: each column's header); a warning per metric whose primary that makes it, or
    whose headers naming no year are several: those are the primary over the ones naming years
    (`propose_scores`)."""
    named: dict[str, list[tuple[int, Proposal]]] = {}
    plain: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        if proposal.target in PRIMARY_COLUMN_OF and proposal.mapped and not proposal.unscored:
            if year := names_a_year(headers.get(proposal.column, proposal.column)):
                named.setdefault(proposal.target, []).append((int(year), proposal))
            else:
                plain.setdefault(proposal.target, []).append(proposal)
    warnings = []
    for metric, found_plain in plain.items():
        primary = max(found_plain, key=lambda proposal: proposal.confidence)  # ties: the first listed
        if same := [proposal for proposal in found_plain if proposal is not primary]:
            warnings.append(_same_year(metric, None, primary, same))
    for metric, found in named.items():
        year, latest = max(found, key=lambda item: (item[0], item[1].confidence))  # ties: the first listed
        earlier = [proposal for other, proposal in found if other < year]
        for proposal in earlier:
            proposal.confidence = min(proposal.confidence, latest.confidence - _BELOW)
            proposal.evidence.append(f"it names an earlier year than {latest.column!r}, the primary over it")
        if metric in plain:
            continue
        if same := [proposal for other, proposal in found if other == year and proposal is not latest]:
            warnings.append(_same_year(metric, year, latest, same))
        if earlier:
            others = ", ".join(repr(proposal.column) for proposal in earlier)
            warnings.append(f"columns {latest.column!r} and {others} score {metric} in years of their own: "
                            f"{latest.column!r}, the latest, is the primary (the record's {metric}), {others} another "
                            f"question of it; if {others} holds another survey's answers, not this response's, leave it "
                            "out of [[metrics]] (keep it in questions)")  # fmt: skip
    return warnings


def _same_year(metric: str, year: int | None, primary: Proposal, same: list[Proposal]) -> str:
    """The warning of columns of one metric naming the same latest year, or none: nothing but their
    order (or a surer reading of one) makes one the primary, which the user may choose with `primary = true`."""
    others = ", ".join(repr(proposal.column) for proposal in same)
    why = "listed first" if all(p.confidence == primary.confidence for p in same) else "the surer reading"
    when, counted = (f" for {year}", "") if year else ("", ", which the report counts")
    return (f"columns {primary.column!r} and {others} both score {metric}{when}: {primary.column!r}, {why}, is "
            f"the primary (the record's {metric}{counted}), {others} another question of it; if {others} is this response's "
            f"{metric}, mark its [[metrics]] entry primary = true, and no other (cxbridge inspect FILE --write-mapping "
            "mapping.toml; docs/files.md#configuration)")  # fmt: skip
