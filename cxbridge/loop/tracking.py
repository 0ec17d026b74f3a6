"""Reading cases and moving them along: list, show, assign, change status, link a ticket, add a
note — each change written with its event in one `Destination.write_loop`."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Iterator
from typing import Any

from cxbridge.destinations import Destination, LoopChanges
from cxbridge.errors import ConfigError
from cxbridge.layout import FEEDBACK_CASES
from cxbridge.loop.cases import LATER_EVENTS, STAMPED, Case, CaseEvent, CaseStatus, allowed_moves, opening_event_id
from cxbridge.timestamps import format_timestamp, parse_timestamp

MIN_PREFIX = 4
_KIND_ORDER = {"opened": 0, "owner": 1, "external_ref": 2, "status": 3, "note": 4}  # as `update` writes them
_HEX = re.compile(r"^[0-9a-f]+$")
RECORD_COLUMNS = (
    "submitted_at", "program", "survey_name", "location_name", "team", "agent_id", "respondent_key",
    "crm_contact_id", "crm_account_id", "ticket_id", "nps", "csat", "ces", "comment",
)  # fmt: skip


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc)


def require_cases(destination: Destination) -> None:
    """A ConfigError saying what to do when the destination was last written before cases existed."""
    try:
        destination.query(f"SELECT case_id FROM {destination.qualified(FEEDBACK_CASES.name)} WHERE 1 = 0")
    except Exception:  # each engine words a missing table its own way
        raise ConfigError(
            f"{destination.display_name} was last written by a cxbridge without cases; "
            "run `cxbridge sync` once to add them"
        ) from None


def list_cases(destination: Destination, **filters: Any) -> list[Case]:
    """The cases of `iter_cases`, as a list."""
    return list(iter_cases(destination, **filters))


def iter_cases(
    destination: Destination,
    *,
    status: str | None = None,
    owner: str | None = None,
    rule: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> Iterator[Case]:
    """Cases, oldest first; `overdue`: open ones never contacted, past their due time at `now`;
    read from the destination a batch at a time, in its order."""
    require_cases(destination)
    if status is not None:
        status = _status(status)
    where = f" WHERE status = '{status}'" if status else ""  # an enum value: a literal in every dialect
    table = destination.qualified(FEEDBACK_CASES.name)
    rows = destination.query_rows(f"SELECT * FROM {table}{where} ORDER BY {destination.in_time('opened_at')}, case_id")
    moment = _now(now)
    return (
        case for case in map(Case.from_row, rows)
        if (owner is None or case.owner == owner) and (rule is None or case.rule == rule)
        and (not overdue or is_overdue(case, moment))
    )  # fmt: skip


def is_overdue(case: Case, now: datetime) -> bool:
    """Still waiting for a first contact after its due time."""
    return case.status == CaseStatus.OPEN and case.first_contact_at is None and case.due_at is not None and now > case.due_at


@dataclass
class CaseDetail:
    """A case with its record's essentials, its events and its deliveries, for `cases show`."""

    case: Case
    record: dict[str, Any]
    events: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


def find_case(destination: Destination, reference: str) -> Case:
    """The case whose id is `reference` or starts with it (at least 4 hex digits)."""
    require_cases(destination)
    ref = reference.strip().lower()
    if len(ref) < MIN_PREFIX or not _HEX.match(ref):
        raise ConfigError(f"{reference!r} is not a case id; give its id or at least {MIN_PREFIX} of its first digits")
    rows = destination.query(
        f"SELECT * FROM {destination.qualified(FEEDBACK_CASES.name)} WHERE case_id LIKE '{ref}%'"
    )
    if not rows:
        raise ConfigError(f"no case {reference!r}; `cxbridge cases list` shows them")
    if len(rows) > 1:
        ids = ", ".join(sorted(row["case_id"] for row in rows)[:5])
        raise ConfigError(f"{reference!r} starts {len(rows)} case ids ({ids}); give more digits")
    return Case.from_row(rows[0])


def case_detail(destination: Destination, reference: str) -> CaseDetail:
    case = find_case(destination, reference)
    table = destination.qualified
    records = destination.query(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM {table('feedback')} WHERE record_id = '{case.record_id}'"
    )
    events = destination.query(  # the opening event by its key, the later ones as the events' index holds them
        f"SELECT * FROM {table('feedback_case_events')} WHERE event_id = '{opening_event_id(case.case_id)}'"
    ) + destination.query(
        f"SELECT * FROM {table('feedback_case_events')} WHERE {LATER_EVENTS} AND case_id = '{case.case_id}'"
    )
    deliveries = destination.query(f"SELECT * FROM {table('loop_outbox')} WHERE case_id = '{case.case_id}'")
    return CaseDetail(
        case,
        records[0] if records else {},
        sorted(events, key=lambda event: (parse_timestamp(event["event_at"]), _KIND_ORDER.get(event["kind"], 9), event["event_id"])),
        sorted(deliveries, key=lambda delivery: delivery["action"]),
    )


def update(
    destination: Destination, reference: str, *, actor: str, status: str | None = None, owner: str | None = None,
    external_ref: str | None = None, note: str | None = None, reason: str | None = None, now: datetime | None = None,
) -> Case:  # fmt: skip
    """Change a case — its owner (empty: nobody), the ticket it became, its status (closing it
    with no action needs a `reason`), or just a note — and record one event per change, all
    written together."""
    case = find_case(destination, reference)
    moment = _now(now)
    events: list[CaseEvent] = []

    def record(update: dict[str, Any], kind: str, change: tuple[Any, Any], text: str | None) -> Case:
        events.append(CaseEvent(case.case_id, format_timestamp(moment), actor, kind, *change, text))  # type: ignore[arg-type]
        return case.model_copy(update={**update, "updated_at": moment})

    if owner is not None:
        new_owner = owner.strip() or None
        case = record({"owner": new_owner}, "owner", (case.owner, new_owner), None)
    if external_ref is not None:
        case = record({"external_ref": external_ref}, "external_ref", (case.external_ref, external_ref), None)
    if status is not None:
        target, changes = _moved(case, status, reason=reason, moment=moment)
        case = record(changes, "status", (case.status, target), reason if target == CaseStatus.CLOSED_NO_ACTION else None)
    if note:  # said of the last change, or on its own
        if events and events[-1].note is None:
            events[-1] = dataclasses.replace(events[-1], note=note)
        else:
            case = record({}, "note", (None, None), note)
    if not events:
        raise ConfigError("nothing to change: give a status, an owner, an external ref or a note")
    destination.write_loop(LoopChanges(cases=[case.row()], events=[event.row() for event in events]))
    return case


def moved(case: Case, status: str, *, actor: str, note: str | None, moment: datetime,
          reason: str | None = None) -> tuple[Case, CaseEvent]:  # fmt: skip
    """`case` moved to `status` along its flow (closing it with no action needs a `reason`), and
    the event that records the move (a ConfigError when the flow does not allow it)."""
    target, changes = _moved(case, status, reason=reason, moment=moment)
    event = CaseEvent(case.case_id, format_timestamp(moment), actor, "status", case.status, target, note)  # type: ignore[arg-type]
    return case.model_copy(update={**changes, "updated_at": moment}), event


def _moved(case: Case, status: str, *, reason: str | None, moment: datetime) -> tuple[str, dict[str, Any]]:
    """The status a case moves to and the columns that change with it, if the move is allowed."""
    target = CaseStatus(_status(status))
    allowed = allowed_moves(case.status)
    if target not in allowed:
        options = ", ".join(allowed) or "nowhere: it is done"
        raise ConfigError(f"case {case.case_id} is {case.status}; it can go to {options}")
    changes: dict[str, Any] = {"status": target.value}
    if target is CaseStatus.CLOSED_NO_ACTION:
        if not (reason and reason.strip()):
            raise ConfigError(f"closing case {case.case_id} with no action needs a reason (why nobody acts on it)")
        changes["close_reason"] = reason.strip()
    if target is CaseStatus.OPEN:  # reopened: what came after the first contact starts again
        changes |= {"resolved_at": None, "informed_at": None, "closed_at": None, "close_reason": None}
    elif getattr(case, STAMPED[target]) is None:
        changes[STAMPED[target]] = moment
    return target.value, changes


def assign(destination: Destination, reference: str, owner: str, *, actor: str, note: str | None = None,
           now: datetime | None = None) -> Case:  # fmt: skip
    """Give a case to `owner` (an empty owner un-assigns it)."""
    return update(destination, reference, actor=actor, owner=owner, note=note, now=now)


def move(destination: Destination, reference: str, status: str, *, actor: str, note: str | None = None,
         reason: str | None = None, now: datetime | None = None) -> Case:  # fmt: skip
    """Move a case to `status` along its flow; closing it with no action needs a `reason`."""
    return update(destination, reference, actor=actor, status=status, note=note, reason=reason, now=now)


def link(destination: Destination, reference: str, external_ref: str, *, actor: str,
         now: datetime | None = None) -> Case:  # fmt: skip
    """Record the ticket, task or CRM case a case became."""
    return update(destination, reference, actor=actor, external_ref=external_ref, now=now)


def add_note(destination: Destination, reference: str, note: str, *, actor: str, now: datetime | None = None) -> Case:
    """A note on a case (a call's outcome, a promise made), changing nothing else."""
    return update(destination, reference, actor=actor, note=note, now=now)


def _status(text: str) -> str:
    try:
        return CaseStatus(text.strip().lower()).value
    except ValueError:
        raise ConfigError(f"unknown case status {text!r}; the statuses are {', '.join(CaseStatus)}") from None
