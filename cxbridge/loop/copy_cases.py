"""One response, one case: copies of a response linked (`duplicate_of`, identity.md) after each
had opened a case — two sources synced apart, then declared the same survey — keep the case
worked furthest, else the first opened; the sync closes the others with no action, by
cxbridge, naming the response's case (a closed case's deliveries are held: nobody is told twice).

A case someone closed stays as it is, and is the response's case only when no other is open.
It runs after a sync that linked records as copies (`Engine.copies_linked`): a sync stopped
between its links and this step leaves the cases to the next sync that links copies."""

from __future__ import annotations

from datetime import datetime, timezone

from cxbridge.destinations import Destination, LoopChanges
from cxbridge.layout import FEEDBACK_CASES
from cxbridge.loop.cases import SYNC_ACTOR, Case, CaseStatus, case_id
from cxbridge.loop.lookup import rows_with
from cxbridge.loop.tracking import moved

PROGRESS = {CaseStatus.CLOSED_NO_ACTION: 0, CaseStatus.OPEN: 1, CaseStatus.CONTACTED: 2, CaseStatus.RESOLVED: 3,
            CaseStatus.INFORMED: 4}  # fmt: skip
WAITING = (CaseStatus.OPEN, CaseStatus.CONTACTED, CaseStatus.RESOLVED)


def close_copy_cases(destination: Destination, *, now: datetime | None = None) -> list[Case]:
    """Close the cases of copies whose response has another case it keeps; the cases closed."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    responses = _cases_per_response(destination)
    changes = LoopChanges()
    closed: list[Case] = []
    for counted, cases in sorted(responses.items()):
        kept = min(cases, key=lambda case: (-PROGRESS[CaseStatus(case.status)], case.opened_at,
                                            case.record_id != counted, case.case_id))  # fmt: skip
        for case in cases:
            if case is kept or case.status not in WAITING:
                continue
            reason = f"a copy of a response whose case is {kept.case_id} ({kept.status}): copies linked after both opened a case"
            case, event = moved(case, CaseStatus.CLOSED_NO_ACTION, actor=SYNC_ACTOR, note=reason, reason=reason,
                                moment=moment)  # fmt: skip
            changes.cases.append(case.row())
            changes.events.append(event.row())
            closed.append(case)
    if changes.cases:
        destination.write_loop(changes)
    return closed


def _cases_per_response(destination: Destination) -> dict[str, list[Case]]:
    """The cases of responses with more than one, by the record that counts: the cases of copies
    (found through `duplicate_of`: a response's second case is always on a copy), and the
    counted record's own (found by its key)."""
    table = destination.qualified
    rows = destination.query(
        f"SELECT c.*, f.duplicate_of AS counted FROM {table(FEEDBACK_CASES.name)} c "
        f"JOIN {table('feedback')} f ON f.record_id = c.record_id WHERE f.duplicate_of IS NOT NULL"
    )
    responses: dict[str, list[Case]] = {}
    for row in rows:
        responses.setdefault(row["counted"], []).append(Case.from_row(row))
    for row in rows_with(destination, FEEDBACK_CASES.name, FEEDBACK_CASES.column_names, "case_id",
                         sorted(map(case_id, responses))):  # fmt: skip
        responses[row["record_id"]].append(Case.from_row(row))
    return {counted: cases for counted, cases in responses.items() if len(cases) > 1}


def copy_cases_warning(closed: list[Case]) -> str | None:
    """What a sync says of the cases it closed as copies, and of the tickets they had made."""
    if not closed:
        return None
    cases = "1 case" if len(closed) == 1 else f"{len(closed)} cases"
    ids = ", ".join(sorted(case.case_id for case in closed))
    made = [f"{case.case_id} made {case.external_ref}" for case in closed if case.external_ref]
    tickets = f"; close what they made where it was made ({', '.join(made)})" if made else ""
    return (f"{cases} of copies closed with no action, each response keeping one case ({ids}: "
            f"`cxbridge cases show CASE` names it){tickets}")  # fmt: skip
