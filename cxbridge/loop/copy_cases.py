"""One response, one case: copies of a response linked (`duplicate_of`, identity.md) after each
had opened a case — two sources synced apart, then declared the same survey — keep the case
worked furthest, else the first opened; the sync closes the others with no action, by
cxbridge, naming the response's case (a closed case's deliveries are held: nobody is told twice).

A case someone closed stays as it is, and is the response's case only when no other is open.
It runs after a sync that linked records as copies (`Engine.copies_linked`), not after every
sync (its query joins every case with `feedback`). Before its first write that links copies, a
sync marks itself in `cxbridge_metadata` (`mark_pending`); the step clears the mark once it has
run, so a sync stopped in between (SIGKILL, a power cut) leaves the mark, and the next sync
runs the step."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import datetime, timezone

from cxbridge.destinations import Destination, LoopChanges
from cxbridge.layout import FEEDBACK_CASES
from cxbridge.loop.cases import SYNC_ACTOR, Case, CaseStatus, case_id
from cxbridge.loop.lookup import rows_with
from cxbridge.loop.tracking import moved

PROGRESS = {CaseStatus.CLOSED_NO_ACTION: 0, CaseStatus.OPEN: 1, CaseStatus.CONTACTED: 2, CaseStatus.RESOLVED: 3,
            CaseStatus.INFORMED: 4}  # fmt: skip
WAITING = (CaseStatus.OPEN, CaseStatus.CONTACTED, CaseStatus.RESOLVED)
log = logging.getLogger(__name__)
PENDING = "loop.copy_cases_pending."
"""A `cxbridge_metadata` name, with a run id after it, whose value is the run's sources: the run
linked copies and may not have closed their cases yet."""


def mark_pending(destination: Destination, *, run_id: str, sources: Collection[str]) -> None:
    """Say, before a run's first write that links copies, that its copy cases are to be closed."""
    destination.write_metadata({PENDING + run_id: json.dumps(sorted(sources))})


def unmark(destination: Destination, *, run_id: str) -> None:
    """Clear the mark of a run that wrote nothing (rolled back); one the database refuses stays,
    and the next sync clears it."""
    try:
        destination.write_metadata({PENDING + run_id: None})
    except Exception as exc:  # the database that failed the run: its error is the one to report
        log.debug("the copy-case mark of run %s stays: %s", run_id, exc)


def pending_marks(destination: Destination) -> dict[str, list[str]]:
    """The runs whose copy cases are still to be closed, by run id: the sources each marked."""
    marks = destination.read_metadata().items()
    return {name.removeprefix(PENDING): json.loads(value) for name, value in marks if name.startswith(PENDING)}


UNCLOSED = ("its cases of copies pointed anew are not closed yet (it stopped before that step): the next sync, or "
            "`cxbridge remove` of the same source run again, closes them")  # fmt: skip
"""What `status` says of a run whose mark is pending."""


def close_pending_copy_cases(
    destination: Destination, *, run_id: str, linked: bool, sources: Collection[str]
) -> list[Case]:
    """After a sync: close the cases of copies when it linked copies or a mark is pending (a sync
    stopped before this step); then clear its own mark and those of runs that are over — none
    can be running: each of their sources is this sync's, or no sync holds its lock."""
    marks = {name: value for name, value in destination.read_metadata().items() if name.startswith(PENDING)}
    if not (linked or marks):
        return []
    closed = close_copy_cases(destination)
    over = [name for name, marked in marks.items() if name == PENDING + run_id or _over(destination, marked, sources)]
    if over:
        destination.write_metadata(dict.fromkeys(over))
    return closed


def _over(destination: Destination, marked: str, sources: Collection[str]) -> bool:
    """Whether the run that marked these sources cannot be running: this sync holds each of them,
    or no sync holds its lock (None: the destination's one lock, which this sync holds)."""
    return all(source in sources or destination.source_lock_held(source) is not True for source in json.loads(marked))


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
