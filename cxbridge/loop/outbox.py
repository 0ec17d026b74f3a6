"""Delivering the outbox: each `loop_outbox` row not yet delivered and due is sent by its
action, after the transaction that wrote it committed.

A chunk of rows is first marked `sending` (one more attempt), then delivered, then marked
`delivered` (with what it made, which may become the case's `external_ref`) or `failed` (with
the error and the time of the next attempt, backing off). A row still `sending` when a run
starts was cut short by a crash: its action is asked first whether the far end already has it
(by the idempotency key) and only delivers again if not, under the same key — a minute after
the attempt began at the soonest where the asking is a search, whose index lags.

A row whose case is closed (informed, or closed with no action) is not tried either: nobody is to
act on it. It waits as it is, and goes if the case is reopened.

A row whose case is not stored is not tried: only a batch stopped part-way on a destination
without transactions across tables (Parquet, which adds a case's deliveries before the case)
leaves one, and the sync run again stores the case. Until then the row waits, unattempted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from cxbridge.destinations import Destination, LoopChanges
from cxbridge.layout import LOOP_OUTBOX
from cxbridge.logs import redact
from cxbridge.loop.actions import RECORD_FIELDS, Action, Delivered, DeliveryError, Notice
from cxbridge.loop.cases import FINAL, SYNC_ACTOR, Case, CaseEvent
from cxbridge.loop.lookup import rows_with
from cxbridge.timestamps import format_timestamp, parse_timestamp

log = logging.getLogger("cxbridge.loop")
CHUNK = 50
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a delivery is tried again: 1 min,
    doubling, at most 6 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


@dataclass
class DeliveryReport:
    """What a delivery run did, by action: delivered, failed (retried later), waiting; after a
    sync, also the cases resolved because what an action made is done (`status_sync`)."""

    delivered: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    waiting: int = 0  # failed before and not due yet
    without_case: int = 0  # due, but their case is not stored yet (a batch stopped part-way): not tried
    held: int = 0  # due, but their case is closed (informed, or closed with no action): sent if it is reopened
    errors: list[str] = field(default_factory=list)
    resolved: dict[str, int] = field(default_factory=dict)  # cases resolved because what the action made is done

    @property
    def total_delivered(self) -> int:
        return sum(self.delivered.values())

    @property
    def total_failed(self) -> int:
        return sum(self.failed.values())

    def count(self, counts: dict[str, int], action: str) -> None:
        counts[action] = counts.get(action, 0) + 1


def deliver_pending(
    destination: Destination, actions: Mapping[str, Action], *, now: datetime | None = None, everything: bool = False
) -> DeliveryReport:
    """Deliver every row of the outbox that is due at `now` (with `everything`: every row not
    delivered yet, whatever its next attempt time)."""
    report = DeliveryReport()
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    rows = destination.query(f"SELECT * FROM {destination.qualified(LOOP_OUTBOX.name)} WHERE status <> 'delivered'")
    due = [row for row in rows if (everything or _due(row, moment)) and _looked_up_in_time(row, actions, moment)]
    report.waiting = len(rows) - len(due)
    due.sort(key=lambda row: (parse_timestamp(row["created_at"]), row["delivery_id"]))
    for chunk in _chunks(due, CHUNK):
        _deliver_chunk(destination, actions, chunk, moment, report)
    return report


def _due(row: dict[str, Any], moment: datetime) -> bool:
    when = parse_timestamp(row["next_attempt_at"])
    return when is None or when <= moment


def _looked_up_in_time(row: dict[str, Any], actions: Mapping[str, Action], moment: datetime) -> bool:
    """False for an attempt cut short (`sending`) too recently for its action's search to show
    what it may have made: looked up now, it would be made a second time."""
    action = actions.get(row["action"])
    if row["status"] != "sending" or action is None or not action.finds_by_search:
        return True
    began = parse_timestamp(row["last_attempt_at"])
    return began is None or began + FIRST_RETRY <= moment


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _deliver_chunk(
    destination: Destination, actions: Mapping[str, Action], rows: list[dict[str, Any]], moment: datetime,
    report: DeliveryReport,
) -> None:  # fmt: skip
    stamp = format_timestamp(moment)
    cases = _cases(destination, sorted({row["case_id"] for row in rows}))
    report.without_case += sum(1 for row in rows if row["case_id"] not in cases)
    closed = {case.case_id for case in cases.values() if case.status in FINAL}  # nobody is to act: no notice, no ticket
    report.held += sum(1 for row in rows if row["case_id"] in closed)
    rows = [row for row in rows if row["case_id"] in cases and row["case_id"] not in closed]
    if not rows:
        return
    interrupted = {row["delivery_id"] for row in rows if row["status"] == "sending"}
    sending = [{**row, "status": "sending", "attempts": int(row["attempts"]) + 1, "last_attempt_at": stamp} for row in rows]
    destination.write_loop(LoopChanges(deliveries=[_outbox_row(row) for row in sending]))
    records = _records(destination, sorted({case.record_id for case in cases.values()}))
    changes = LoopChanges()
    for row in sending:
        case = cases[row["case_id"]]
        action = actions.get(row["action"])
        try:
            if action is None:
                raise DeliveryError(f"no [loop.actions.{row['action']}] in cxbridge.toml: add it back, or its deliveries wait")
            notice = Notice(row["delivery_id"], row["action"], case, records.get(case.record_id, {}), row["attempts"])
            done = (action.find(notice) if row["delivery_id"] in interrupted else None) or action.deliver(notice)
        except DeliveryError as exc:
            _failed(changes, row, redact(str(exc)), exc.retry_after, moment, report)
            continue
        except Exception as exc:  # a broken action plugin fails its deliveries, not the run
            _failed(changes, row, redact(f"{type(exc).__name__}: {exc} (a bug in the action plugin?)"), None, moment, report)
            continue
        cases[case.case_id] = _delivered(changes, row, case, done, moment, linking=bool(action and action.links_case))
        report.count(report.delivered, row["action"])
        if done.warning:
            report.errors.append(f"{row['action']} (case {row['case_id']}): delivered, but {done.warning}")
            log.warning("loop action %s for case %s delivered, but %s", row["action"], row["case_id"], done.warning)
    cases_changed = {row[0]: row for row in changes.cases}  # one row per case: the last change wins
    changes.cases = list(cases_changed.values())
    destination.write_loop(changes)


def _delivered(changes: LoopChanges, row: dict[str, Any], case: Case, done: Delivered, moment: datetime, *,
               linking: bool) -> Case:  # fmt: skip
    """Record a delivery; the case as it is after it (linked to what the delivery made, when it
    is the first of its deliveries to make something)."""
    stamp = format_timestamp(moment)
    changes.deliveries.append(_outbox_row({**row, "status": "delivered", "delivered_at": stamp, "last_error": None,
                                           "next_attempt_at": None, "external_ref": done.external_ref}))  # fmt: skip
    made = "; ".join(filter(None, (done.external_ref, done.warning))) or None
    changes.events.append(CaseEvent(case.case_id, stamp, SYNC_ACTOR, "delivered", None, row["action"], made).row())  # type: ignore[arg-type]
    if linking and done.external_ref and case.external_ref is None:
        linked = case.model_copy(update={"external_ref": done.external_ref, "updated_at": moment})
        changes.cases.append(linked.row())
        changes.events.append(CaseEvent(case.case_id, stamp, SYNC_ACTOR, "external_ref", None,  # type: ignore[arg-type]
                                        done.external_ref, f"created by {row['action']}").row())  # fmt: skip
        return linked
    return case


def _failed(changes: LoopChanges, row: dict[str, Any], error: str, retry_after: float | None, moment: datetime,
            report: DeliveryReport) -> None:  # fmt: skip
    wait = backoff(row["attempts"])
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    next_attempt = format_timestamp(moment + wait)
    changes.deliveries.append(_outbox_row({**row, "status": "failed", "last_error": error, "next_attempt_at": next_attempt}))
    if row["attempts"] == 1:  # the first failure is history; the retries are counted on the row
        changes.events.append(CaseEvent(row["case_id"], format_timestamp(moment), SYNC_ACTOR, "delivery_failed",  # type: ignore[arg-type]
                                        None, row["action"], error).row())  # fmt: skip
    report.count(report.failed, row["action"])
    report.errors.append(f"{row['action']} (case {row['case_id']}): {error}; next attempt {next_attempt}")
    log.warning("loop action %s for case %s failed: %s; next attempt %s", row["action"], row["case_id"], error, next_attempt)


def _outbox_row(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(_text(values.get(column)) for column in LOOP_OUTBOX.column_names)


def _text(value: Any) -> Any:
    return format_timestamp(value) if isinstance(value, datetime) else value


def _cases(destination: Destination, case_ids: Sequence[str]) -> dict[str, Case]:
    rows = rows_with(destination, "feedback_cases", ["*"], "case_id", case_ids)
    return {row["case_id"]: Case.from_row(row) for row in rows}


def _records(destination: Destination, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = rows_with(destination, "feedback", ("record_id", *RECORD_FIELDS), "record_id", record_ids)
    return {row["record_id"]: row for row in rows}
