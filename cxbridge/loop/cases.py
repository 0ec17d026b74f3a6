"""A case and its life: the statuses it moves through, the rows it is stored as, and the one
way each change is recorded as an event."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from cxbridge.identity import digests_after
from cxbridge.layout import FEEDBACK_CASE_EVENTS, FEEDBACK_CASES, LOOP_OUTBOX
from cxbridge.records import JSON_SCHEMA_DIALECT
from cxbridge.timestamps import format_timestamp, local_date, parse_timestamp, zone


class CaseStatus(StrEnum):
    OPEN = "open"
    CONTACTED = "contacted"
    RESOLVED = "resolved"
    INFORMED = "informed"
    CLOSED_NO_ACTION = "closed_no_action"


STATUSES = tuple(status.value for status in CaseStatus)
FLOW = (CaseStatus.OPEN, CaseStatus.CONTACTED, CaseStatus.RESOLVED, CaseStatus.INFORMED)
FINAL = frozenset({CaseStatus.INFORMED, CaseStatus.CLOSED_NO_ACTION})
STAMPED = {  # the column a status fills the first time a case reaches it
    CaseStatus.CONTACTED: "first_contact_at",
    CaseStatus.RESOLVED: "resolved_at",
    CaseStatus.INFORMED: "informed_at",
    CaseStatus.CLOSED_NO_ACTION: "closed_at",
}
SYNC_ACTOR = "cxbridge"  # who opened a case, and who recorded a delivery


def allowed_moves(status: str) -> tuple[CaseStatus, ...]:
    """Where a case may go from `status`: forward along open → contacted → resolved → informed
    (steps may be skipped), to closed_no_action from any open step, and back to open from a
    resolved or closed case (reopened)."""
    current = CaseStatus(status)
    if current is CaseStatus.CLOSED_NO_ACTION:
        return (CaseStatus.OPEN,)
    later = FLOW[FLOW.index(current) + 1 :]
    closing = () if current is CaseStatus.INFORMED else (CaseStatus.CLOSED_NO_ACTION,)
    reopening = (CaseStatus.OPEN,) if current in (CaseStatus.RESOLVED, CaseStatus.INFORMED) else ()
    return (*later, *closing, *reopening)


def _digest(*parts: str, size: int) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=size).hexdigest()


_case_digest, _opened_digest = digests_after("case", size=8), digests_after("opened", size=8)


def case_id(record_id: str) -> str:
    """16 hex digits from the record: one case per record, the same on every re-read and machine."""
    return _case_digest(record_id)


def delivery_id(case: str, action: str) -> str:
    """The idempotency key of one action of one case: at most one delivery each."""
    return _digest("delivery", case, action, size=16)


def opening_event_id(case: str) -> str:
    return _opened_digest(case)


LATER_EVENTS = "kind <> 'opened'"
"""The events of a case after the one that opened it (which is found by its key,
`opening_event_id`): SQLite indexes only these by case (migration 0017), and a query of a
case's events says so in these very words for the index to serve it."""


def new_event_id() -> str:
    return uuid.uuid4().hex[:16]


class Case(BaseModel):
    """A row of `feedback_cases`: one record that met a loop rule, and where its follow-up stands."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    case_id: str = Field(description="16 hex digits derived from record_id: one case per record")
    record_id: str = Field(description="the feedback record that opened it")
    source: str
    location_id: str | None = None
    rule: str = Field(description="the [loop.rules.NAME] it met")
    matched: str | None = Field(default=None, description="what met the rule, e.g. 'nps 3 (detractor)'")
    status: CaseStatus = Field(description="open → contacted → resolved → informed, or closed_no_action")
    owner: str | None = None
    opened_at: AwareDatetime
    due_at: AwareDatetime | None = Field(default=None, description="opened_at + the rule's sla_hours")
    first_contact_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    informed_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    close_reason: str | None = Field(default=None, description="why it was closed with no action")
    external_ref: str | None = Field(default=None, description="the ticket, task or case it became")
    updated_at: AwareDatetime
    sync_run_id: str = Field(description="the sync that opened it")
    opened_local_date: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="the day of opened_at in its source's time zone, YYYY-MM-DD: the month loop_performance counts it in",
    )  # fmt: skip

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Case:
        return cls.model_validate({column: row[column] for column in FEEDBACK_CASES.column_names})

    def row(self) -> tuple[Any, ...]:
        values = {key: format_timestamp(v) if isinstance(v, datetime) else v for key, v in self.__dict__.items()}
        return _row(FEEDBACK_CASES.column_names, values)


def _row(columns: tuple[str, ...], values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(column) for column in columns)


@dataclass(frozen=True)
class CaseEvent:
    """A row of `feedback_case_events`: who changed what on a case, when, and why."""

    case_id: str
    event_at: str = dataclasses.field(metadata={"description": "UTC ISO-8601"})
    actor: str
    kind: str  # opened, status, owner, external_ref, note, delivered, delivery_failed
    from_value: str | None = None
    to_value: str | None = None
    note: str | None = None
    event_id: str = field(default_factory=new_event_id)

    def row(self) -> tuple[Any, ...]:
        return _row(FEEDBACK_CASE_EVENTS.column_names, self.__dict__)


class OpenedCase(NamedTuple):
    """What opening one case writes, in the transaction of the record that opened it: the case,
    its `opened` event and one pending delivery per action of its rule."""

    case: tuple[Any, ...]
    event: tuple[Any, ...]
    deliveries: list[tuple[Any, ...]]

    @property
    def case_id(self) -> str:
        return self.case[0]

    @property
    def record_id(self) -> str:
        return self.case[1]


def _layout(columns: tuple[str, ...], given: tuple[str, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function putting values given in the order of `given`, then one None, into the order
    of `columns` (a column not given gets the None)."""
    missing = len(given)
    return itemgetter(*(given.index(column) if column in given else missing for column in columns))


_PENDING = ("delivery_id", "case_id", "action", "status", "attempts", "created_at", "next_attempt_at")
_delivery_row = _layout(LOOP_OUTBOX.column_names, _PENDING)
_OPEN = CaseStatus.OPEN.value
_CASE_ORDER = ("case_id", "record_id", "source", "location_id", "rule", "matched", "status", "owner", "opened_at",
               "due_at", "first_contact_at", "resolved_at", "informed_at", "closed_at", "close_reason",
               "external_ref", "updated_at", "sync_run_id", "opened_local_date")  # fmt: skip
_EVENT_ORDER = ("event_id", "case_id", "event_at", "actor", "kind", "from_value", "to_value", "note")
if FEEDBACK_CASES.column_names != _CASE_ORDER or FEEDBACK_CASE_EVENTS.column_names != _EVENT_ORDER:
    raise AssertionError("cxbridge.layout's case tables changed: change CaseOpening.open with them")
OPENED_CASE_COLUMNS = ("case_id", "record_id", "source", "location_id", "rule", "matched", "status", "owner",
                       "opened_at", "due_at", "updated_at", "sync_run_id", "opened_local_date")  # fmt: skip
"""The columns `CaseOpening.open` may fill in a case; the others are always empty in a case just opened."""
OPENING_EVENT_COLUMNS = ("event_id", "case_id", "event_at", "actor", "kind", "to_value", "note")
"""The columns `CaseOpening.open` fills in an `opened` event; `from_value` is empty."""


CaseToOpen = tuple[str, str, str | None, str, str, str | None, float, Sequence[str]]
"""`CaseOpening.open`'s arguments: record id, source, location id, rule, what matched, owner, SLA hours, actions."""


class CaseOpening:
    """The cases one batch opens, all at `opened_at` by sync run `run_id`, on its day in the
    source's `timezone`: what they share (when each rule's cases fall due) is worked out once,
    each case is written straight as its rows (a case and an event in their tables' column
    order, `_CASE_ORDER` and `_EVENT_ORDER`)."""

    def __init__(self, *, opened_at: str, run_id: str, timezone: str = "UTC"):
        opened = parse_timestamp(opened_at)
        assert opened is not None
        self.opened, self.opened_at, self.run_id = opened, opened_at, run_id
        self.day = local_date(opened, zone(timezone)).isoformat()  # type: ignore[union-attr]
        self._due: dict[float, str] = {}

    def open(
        self, record_id: str, source: str, location_id: str | None, rule: str, matched: str, owner: str | None,
        sla_hours: float, actions: Sequence[str],
    ) -> OpenedCase:  # fmt: skip
        """The rows of a new case for a record, opened by `rule` because of `matched`."""
        return self.open_all([(record_id, source, location_id, rule, matched, owner, sla_hours, actions)])[0]

    def open_all(self, cases: Iterable[CaseToOpen]) -> list[OpenedCase]:
        """The rows of each new case, given as `open`'s arguments in a tuple: one loop for the
        batch, no call per case but the two digests (issue 19)."""
        due_of, at, run_id, day, new = self._due, self.opened_at, self.run_id, self.day, tuple.__new__
        opened = []
        for record_id, source, location_id, rule, matched, owner, sla_hours, actions in cases:
            identifier = _case_digest(record_id)
            due = due_of.get(sla_hours)
            if due is None:
                due = due_of[sla_hours] = due_at(self.opened, sla_hours)
            case = (identifier, record_id, source, location_id, rule, matched, _OPEN, owner, at, due, None, None, None,
                    None, None, None, at, run_id, day)  # fmt: skip
            event = (_opened_digest(identifier), identifier, at, SYNC_ACTOR, "opened", None, _OPEN, f"rule {rule}: {matched}")
            deliveries = [pending_delivery(identifier, action, created_at=at) for action in actions] if actions else []
            opened.append(new(OpenedCase, (case, event, deliveries)))  # OpenedCase(…) without its Python-level __new__
        return opened


def due_at(opened: datetime, sla_hours: float) -> str:
    return format_timestamp(opened + timedelta(hours=sla_hours))  # type: ignore[return-value]


def pending_delivery(case: str, action: str, *, created_at: str) -> tuple[Any, ...]:
    return _delivery_row((delivery_id(case, action), case, action, "pending", 0, created_at, created_at, None))


SCHEMA_BASE = "https://raw.githubusercontent.com/cxbridge/cxbridge/main/schemas/"
CASE_SCHEMA = "feedback_case.v1.schema.json"
EVENT_SCHEMA = "feedback_case_event.v1.schema.json"


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of a case and of a case event (schemas/, by file name)."""
    event = TypeAdapter(CaseEvent).json_schema()
    event["properties"]["kind"]["description"] = (
        "opened, status, owner, external_ref, note, delivered or delivery_failed"
    )
    return {
        name: {"$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_BASE + name, **schema}
        for name, schema in ((CASE_SCHEMA, Case.model_json_schema()), (EVENT_SCHEMA, event))
    }
