"""Status flowing back: after its deliveries, `cxbridge sync` asks each action for the status of
the tickets, tasks and CRM cases it made, and moves each case whose one is solved or closed
there to `resolved`, with an event by cxbridge saying so.

Only forward: cases still `open` or `contacted` move, and never back. A person's word stands: a
case someone reopened, or whose external_ref someone changed, is not moved by what the far end
shows."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timezone

from cxbridge.destinations import Destination, LoopChanges
from cxbridge.layout import FEEDBACK_CASES
from cxbridge.loop.actions import Action, DeliveryError
from cxbridge.loop.cases import LATER_EVENTS, SYNC_ACTOR, Case, CaseStatus
from cxbridge.loop.lookup import rows_with
from cxbridge.loop.outbox import DeliveryReport
from cxbridge.loop.tracking import moved
from cxbridge.logs import redact

log = logging.getLogger("cxbridge.loop")
FOLLOWED = (CaseStatus.OPEN, CaseStatus.CONTACTED)


def follow_status(
    destination: Destination, actions: Mapping[str, Action], report: DeliveryReport, *, now: datetime | None = None
) -> None:
    """Move to `resolved` the followed cases whose ticket, task or CRM case is done at the far
    end; count them in `report.resolved` by action, and what could not be read in its errors."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    by_action = _followed(destination)
    changes = LoopChanges()
    for name, cases in sorted(by_action.items()):
        action = actions.get(name)
        if action is None:  # the action was removed from cxbridge.toml: nothing reads its status
            continue
        try:
            done = action.closed({ref: case.opened_at for ref, case in cases.items()})
        except DeliveryError as exc:
            error = redact(str(exc))
            report.errors.append(f"{name}: status not read: {error}")
            log.warning("loop action %s: the status of what it made could not be read: %s", name, error)
            continue
        for ref, far_status in sorted(done.items()):
            if (case := cases.get(ref)) is None:
                continue
            case, event = moved(case, CaseStatus.RESOLVED, actor=SYNC_ACTOR, note=f"{ref} is {far_status}", moment=moment)
            changes.cases.append(case.row())
            changes.events.append(event.row())
            report.resolved[name] = report.resolved.get(name, 0) + 1
    if changes.cases:
        destination.write_loop(changes)


def _followed(destination: Destination) -> dict[str, dict[str, Case]]:
    """The cases whose status the far end may move: open or contacted, never reopened, linked to
    what a delivery made — by the action that made it, then by that external ref."""
    statuses = ", ".join(f"'{status.value}'" for status in FOLLOWED)
    rows = destination.query(
        f"SELECT * FROM {destination.qualified(FEEDBACK_CASES.name)} "
        f"WHERE external_ref IS NOT NULL AND status IN ({statuses})"
    )
    cases = {row["case_id"]: Case.from_row(row) for row in rows}
    ids = sorted(cases)
    events = rows_with(destination, "feedback_case_events", ("case_id", "kind", "to_value"), "case_id", ids,
                       condition=LATER_EVENTS)  # fmt: skip
    reopened = {e["case_id"] for e in events if e["kind"] == "status" and e["to_value"] == CaseStatus.OPEN.value}
    found: dict[str, dict[str, Case]] = {}
    for row in rows_with(destination, "loop_outbox", ("case_id", "action", "status", "external_ref"), "case_id", ids):
        case = cases[row["case_id"]]
        if row["status"] == "delivered" and row["external_ref"] == case.external_ref and case.case_id not in reopened:
            found.setdefault(row["action"], {})[case.external_ref] = case
    return found
