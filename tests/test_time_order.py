"""Times stored with and without a fraction of a second sort in time. `format_timestamp` writes
the fraction only when there is one (`…T10:00:00Z`, `…T10:00:00.500000Z`), and SQLite keeps that
text: compared as text, '.' < 'Z' put half past a second before the second itself. Each test
stores both widths through the path that writes them and expects the order of the times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cxbridge.destinations import Batch
from cxbridge.html_report.comments import comment_samples
from cxbridge.identity import record_id
from cxbridge.loop import tracking
from cxbridge.loop.actions import Action, ActionConfig, Delivered, Notice
from cxbridge.loop.cases import CaseOpening
from cxbridge.loop.outbox import deliver_pending
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.reporting import ReportOptions
from cxbridge.timestamps import format_timestamp
from tests.conftest import survey_row
from tests.local_destinations import LOCAL_KINDS, destination_maker

SECOND = datetime(2026, 1, 1, 10, 0, 0, tzinfo=timezone.utc)
HALF_PAST = SECOND + timedelta(microseconds=500_000)


@pytest.fixture(params=LOCAL_KINDS)
def destination(request, tmp_path):
    destination = destination_maker(request.param, tmp_path, request, "times")()
    destination.open()
    yield destination
    destination.close()


def open_case(destination, native: str, at: datetime, actions: tuple[str, ...] = ()) -> str:
    """Store the case a batch begun `at` opens for record `native`, as a sync writes it."""
    batch = Batch(run_id=f"run-{native}", source="shop", stream="rows", started_at=format_timestamp(at))
    case = CaseOpening(opened_at=batch.started_at, run_id=batch.run_id).open(
        record_id("shop", "rows", native), "shop", "S1", "detractors", "nps 2 (detractor)", None, 48.0, actions
    )
    batch.cases = [case]
    destination.write_batch(batch)
    return case.case_id


def test_the_two_widths_are_what_the_writer_writes():
    assert (format_timestamp(SECOND), format_timestamp(HALF_PAST)) == ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00.500000Z")


def test_cases_are_listed_oldest_first_within_one_second(destination):
    later = open_case(destination, "R1", HALF_PAST)
    earlier = open_case(destination, "R2", SECOND)
    listed = [case.case_id for case in tracking.list_cases(destination)]
    assert listed == [earlier, later]


def test_a_case_s_events_are_shown_in_the_order_they_happened(destination):
    case = open_case(destination, "R1", SECOND)
    tracking.move(destination, case, "contacted", actor="lead", now=SECOND + timedelta(microseconds=250_000))
    events = tracking.case_detail(destination, case).events
    assert [event["kind"] for event in events] == ["opened", "status"]


class Noting(Action):
    name = "noting"

    def __init__(self) -> None:
        super().__init__(ActionConfig(type="noting"), name="ops")
        self.cases: list[str] = []

    def deliver(self, notice: Notice) -> Delivered:
        self.cases.append(notice.case.case_id)
        return Delivered()


def test_deliveries_go_out_in_the_order_their_cases_opened(destination):
    later = open_case(destination, "R1", HALF_PAST, ("ops",))
    earlier = open_case(destination, "R2", SECOND, ("ops",))
    action = Noting()
    deliver_pending(destination, {"ops": action}, now=HALF_PAST + timedelta(minutes=1))
    assert action.cases == [earlier, later]


def test_the_newest_comment_of_a_store_is_the_latest_in_its_second(workspace):
    rows = [survey_row(1), survey_row(5)]  # both of store S1, with a comment
    rows[0][1], rows[1][1] = "2025-03-01T10:00:00Z", "2025-03-01T10:00:00.5Z"
    workspace.write_csv(rows)
    workspace.sync()
    destination = SQLiteDestination(f"sqlite:///{workspace.db}")
    destination.open(read_only=True)
    try:
        [newest] = comment_samples(destination, ReportOptions(), per_store=1)
    finally:
        destination.close()
    assert newest["text"] == "comment 5"

