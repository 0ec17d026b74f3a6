"""The destination conformance suite: what every destination promises (DESIGN.md §2–3, §5),
checked against SQLite, the reference implementation, through `Destination.query`.

A destination's test module subclasses `DestinationConformance` and provides one fixture,
`destination_factory`: a callable that takes a name and returns a new, unopened destination for
the place called that name (empty the first time; the same data when the name comes again):

    class TestMyWarehouse(DestinationConformance):
        @pytest.fixture
        def destination_factory(self, tmp_path):
            return lambda name: MyWarehouse(f"mywarehouse:///{tmp_path / name}")

The suite then checks that the same input gives identical query results for every table, view,
report and `status` as SQLite, that re-delivery changes nothing, and that a crash between batches loses
nothing, doubles nothing, and never leaves the cursor ahead of the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cxbridge import api
from cxbridge import reporting
from cxbridge.dataset_salt import FINGERPRINT, SALT, dataset_keys, fingerprint
from cxbridge.destinations import Batch, CursorUpdate, Destination, QuarantineItem
from cxbridge.duplicates import IdentityRules, IdentitySettings
from cxbridge.errors import DestinationError
from cxbridge.events import EventKind, SyncEvent
from cxbridge.identity import record_id
from cxbridge.layout import TABLES, ColumnType
from cxbridge.loop import tracking
from cxbridge.loop.cases import CaseOpening
from cxbridge.loop.rules import LoopSettings, RuleConfig
from cxbridge.pipeline import Engine, EngineOptions
from cxbridge.plugins_host import create_host
from cxbridge.readings import KEY, READING
from cxbridge.removal import Chosen
from cxbridge.resolver import IdentityResolver
from cxbridge.source_result import SourceResult
from cxbridge.sources import Source, SourceContext
from cxbridge.testing import ties
from cxbridge.testing.sample_feedback import SampleFeedback, SampleFeedbackConfig, ScriptedFeedback
from cxbridge.testing.sample_feedback import ScriptedFeedbackConfig, raw_record, version_records
from cxbridge.timestamps import format_timestamp, parse_timestamp
from cxbridge.views import VIEW_NAMES

DestinationFactory = Callable[[str], Destination]
SOURCES = {"store_survey": "voc", "mystery_visits": "mystery_shop"}
RECORDS = 60
BATCH_SIZE = 7
SCRIPTED = "scripted"
COPIED, COPY = "store_survey", "store_copy"  # one response read through two sources (cross-source identity)


def _bad(n: int) -> dict[str, Any]:
    """Record `n` with an NPS off its scale: it goes to quarantine."""
    return {**raw_record(n, 1), "nps": "11"}


def _good(n: int) -> dict[str, Any]:
    return raw_record(n, 1)


DUPLICATE_RUNS = [  # (rows read, ids stored, ids quarantined after the run), batches of BATCH_SIZE rows
    (
        [_bad(1), _bad(1), _good(2), _bad(2), _bad(3), _good(3), _good(4)]  # in one batch
        + [_bad(5), _bad(4), *map(_good, range(6, 11))]  # 4 fails after it was stored
        + [_good(5)],  # 5 is fixed a batch after it failed
        [3, 5, 6, 7, 8, 9, 10],
        [1, 2, 4],
    ),
    ([_good(4), _good(2), _good(11)], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [1]),  # fixed in a later run
    ([_bad(11), _good(1)], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11]),  # failed in a later run
]
CRASH_AFTER = 2  # batches committed before the simulated crash
VOLATILE = {
    "feedback": {"ingested_at", "sync_run_id"},
    "sync_runs": {"run_id", "started_at", "finished_at"},
    "sync_state": {"updated_at", "sync_run_id"},
    "quarantine": {"first_seen", "last_seen", "run_id"},
    "crm_accounts": {"ingested_at", "sync_run_id"},
    "crm_contacts": {"ingested_at", "sync_run_id"},
    "feedback_cases": {  # the sync's own time, and people's changes made relative to it
        "opened_at", "due_at", "updated_at", "sync_run_id", "first_contact_at", "resolved_at", "informed_at", "closed_at",
        "opened_local_date",
    },
    "feedback_case_events": {"event_at", "event_id"},  # ids of changes made by people are random
    "loop_outbox": {"created_at", "next_attempt_at"},
    "loop_queue": {"opened_at", "due_at", "first_contact_at"},  # a view: the cases' own times
}
JSON_COLUMNS = {(t.name, c.name) for t in TABLES for c in t.columns if c.type is ColumnType.JSON} | {
    ("sync_state", "cursor")
}
CLOCK_COLUMNS = {
    "detractor_queue": {"age_days": "submitted_at"},
    "employee_followup_queue": {"age_days": "submitted_at"},
    "loop_queue": {"age_days": "opened_at"},
}
"""View columns the destination computes from the clock at query time (whole days since another
column): checked against the moment of the query, then left out of comparisons, so that two
snapshots taken minutes apart, or on both sides of midnight, still compare equal."""
CLOCK_TOLERANCE = timedelta(seconds=1)  # engines' own clock arithmetic (julianday is a double)


LOOP = LoopSettings(
    rules={"detractors": RuleConfig(metric="nps", categories=["detractor"], actions=["notify_owner"])},
    actions={"notify_owner": {"type": "webhook", "url": "http://127.0.0.1:9/loop"}},
)
"""The loop of every delivery: the default rules, detractors sending one action (an outbox row)."""
DISSATISFIED_LABELS = ("Very dissatisfied", "Dissatisfied")  # the bottom two boxes of the sample's 1–5 CSAT
MOVE_HOURS = (1, 5.25, 30, 50)  # when people change a case, in hours after it opened: 50 is past its 48 h SLA


def now() -> datetime:
    """The time clock columns are checked against: one place, which the suite's own tests move."""
    return datetime.now(timezone.utc)


class SimulatedCrash(BaseException):
    """Stops a delivery the way a killed process would: nothing catches it."""


def deliver(
    destination: Destination,
    *,
    version: int = 1,
    full_refresh: bool = False,
    dry_run: bool = False,
    crash_after: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[SourceResult]:
    """Sync both sample sources into `destination` as `cxbridge sync` would, in small batches;
    with `crash_after`, stop dead once that many batches have committed."""
    committed = 0

    def on_progress(event: SyncEvent) -> None:
        nonlocal committed
        if event.kind is EventKind.BATCH_COMMITTED:
            committed += 1
            if crash_after is not None and committed >= crash_after:
                raise SimulatedCrash(f"crash after {committed} batches")

    options = EngineOptions(batch_size=batch_size, full_refresh=full_refresh, dry_run=dry_run, loop=LOOP)
    sources = {name: _source(name, program, version) for name, program in SOURCES.items()}
    return _run(destination, sources, options=options, on_progress=on_progress)


def deliver_copies(
    destination: Destination, *, copy_version: int = 1, batch_size: int = BATCH_SIZE
) -> list[SourceResult]:
    """The sample responses through two sources of one program: `store_survey` (version 1 of the
    data) and `store_copy` (the version given), so every unchanged response is an exact copy."""
    sources = {name: _source(name, "voc", version) for name, version in ((COPIED, 1), (COPY, copy_version))}
    return _run(destination, sources, options=EngineOptions(batch_size=batch_size))


def pointers(destination: Destination) -> dict[str, str]:
    """`duplicate_of` of every record that has one."""
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT record_id, duplicate_of FROM feedback WHERE duplicate_of IS NOT NULL")
    finally:
        destination.close()
    return {row["record_id"]: row["duplicate_of"] for row in rows}


def expected_copy_pointers(copy_version: int) -> dict[str, str]:
    """Worked out from the sample data alone: record n is an exact copy when both sources stored
    it (its version 1 is not quarantined), it has a submitted time, and the copy's version did not
    change it; both come from the same connector with the same `updated`, so the source first by
    name, store_copy, is the one counted."""
    changed = {n for n in range(1, RECORDS + 1) if copy_version == 2 and (n % 4 == 0 or n % 19 == 0)}
    copies = [n for n in range(1, RECORDS + 1) if n % 19 and n % 17 and n not in changed]
    return {
        record_id(COPIED, "responses", f"F{n:04d}"): record_id(COPY, "responses", f"F{n:04d}") for n in copies
    }


def full_identity_pass(destination: Destination, rules: IdentityRules) -> int:
    """A full identity pass under `rules`, as `cxbridge sync` runs one when the rules change."""
    destination.open()
    try:
        return IdentityResolver(destination, rules).full_pass(run_id="identity-pass")
    finally:
        destination.close()


def deliver_rows(destination: Destination, rows: list[dict[str, Any]]) -> SourceResult:
    """Sync the sample responses given as raw records (`raw_record`, perhaps edited), in order."""
    config = ScriptedFeedbackConfig(rows=rows)
    source = ScriptedFeedback(config, SourceContext(name=SCRIPTED, base_dir=Path.cwd()))
    [result] = _run(destination, {SCRIPTED: source}, options=EngineOptions(batch_size=BATCH_SIZE, loop=LOOP))
    return result


def deliver_ties(destination: Destination, groups: tuple[ties.Group, ...] = ties.GROUPS) -> None:
    """Sync the groups of `cxbridge.testing.ties`, whose figures fall exactly halfway (or others)."""
    rows = ties.raw_rows(groups)
    source = ScriptedFeedback(ScriptedFeedbackConfig(rows=rows), SourceContext(name=ties.SOURCE, base_dir=Path.cwd()))
    [result] = _run(destination, {ties.SOURCE: source}, options=EngineOptions(batch_size=1000))
    assert result.ok and result.quarantined == 0, result.error


def assert_ties_exact(destination: Destination) -> None:
    """The views and the report of `deliver_ties`'s data read each figure `ties` works out."""
    destination.open(read_only=True)
    try:
        figures = ties.read_figures(destination)
    finally:
        destination.close()
    expected = ties.expected_figures()
    wrong = {key: (figures.get(key), want) for key, want in expected.items() if figures.get(key) != want}
    assert not wrong, f"(read, exact) where they differ: {wrong}"
    assert set(figures) == set(expected)


def _run(
    destination: Destination,
    sources: dict[str, Source],
    *,
    options: EngineOptions,
    on_progress: Callable[[SyncEvent], None] | None = None,
) -> list[SourceResult]:
    destination.open(read_only=options.dry_run)
    try:
        engine = Engine(destination, create_host(load_entry_points=False), options=options, on_progress=on_progress)
        return [engine.run_source(name, source) for name, source in sources.items()]
    finally:
        destination.close()


def _source(name: str, program: str, version: int) -> SampleFeedback:
    config = SampleFeedbackConfig(program=program, records=RECORDS, version=version)  # type: ignore[arg-type]
    return SampleFeedback(config, SourceContext(name=name, base_dir=Path.cwd()))


def comparable(value: Any, *, is_json: bool = False) -> Any:
    """A value as every destination must read it back: numbers as floats, booleans as 0/1,
    timestamps as UTC ISO-8601 text, JSON parsed."""
    if is_json and isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return round(float(value), 6)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda row: [(value is None, str(value)) for value in row])


@dataclass
class Snapshot:
    """Every table (less run-specific columns), view and report of a destination."""

    results: dict[str, tuple[list[str], list[tuple[Any, ...]]]]

    def without(self, *names: str) -> dict[str, Any]:
        return {name: result for name, result in self.results.items() if name not in names}


REPORTS = {  # every dimension's and every metric's SQL, and bound filter values, in each dialect
    **{f"report by {by}": reporting.ReportOptions(by=by) for by in reporting.BY},
    **{f"report of {metric}": reporting.ReportOptions(metric=metric) for metric in reporting.METRICS},
    "report of chosen programs": reporting.ReportOptions(by="location", programs=("mystery_shop", "audit")),
    "report of a period": reporting.ReportOptions(by="week", since=date(2025, 1, 15), until=date(2025, 4, 1)),
}


def snapshot(destination: Destination, *, views: bool = True) -> Snapshot:
    """Read everything back through `query`, opening the destination read-only; without
    `views`, the tables only (what a test comparing many syncs needs after each)."""
    results: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    destination.open(read_only=True)
    try:
        for table in TABLES:
            columns = [c for c in table.column_names if c not in VOLATILE.get(table.name, ())]
            rows = destination.query(f"SELECT {', '.join(columns)} FROM {table.name}")
            results[table.name] = (columns, _rows(rows, columns, table=table.name))
        for view in VIEW_NAMES if views else ():
            asked = now()
            rows = destination.query(f"SELECT * FROM {view}")
            answered = now()
            for column, since in CLOCK_COLUMNS.get(view, {}).items():
                assert_whole_days_since(rows, column, since, view=view, between=(asked, answered))
            left_out = {*CLOCK_COLUMNS.get(view, {}), *VOLATILE.get(view, ())}
            columns = [c for c in rows[0] if c not in left_out] if rows else []
            results[view] = (columns, _rows(rows, columns))
        for name, options in REPORTS.items() if views else ():
            rows = reporting.report_rows(destination, options)
            columns = list(rows[0]) if rows else []
            results[name] = (columns, _rows(rows, columns))
    finally:
        destination.close()
    return Snapshot(results)


def _rows(rows: list[dict[str, Any]], columns: list[str], *, table: str = "") -> list[tuple[Any, ...]]:
    return _sorted([tuple(comparable(row[c], is_json=(table, c) in JSON_COLUMNS) for c in columns) for row in rows])


def assert_whole_days_since(
    rows: list[dict[str, Any]], column: str, since: str, *, view: str, between: tuple[datetime, datetime]
) -> None:
    """Each row's `column` is the whole days from its `since` timestamp to a moment of the query."""
    first, last = between[0] - CLOCK_TOLERANCE, between[1] + CLOCK_TOLERANCE
    for row in rows:
        start, value = parse_timestamp(row[since]), row[column]
        if start is None:
            assert value is None, f"{view}.{column} is {value!r} where {since} is empty"
            continue
        fewest, most = _whole_days(first - start), _whole_days(last - start)
        assert value is not None and fewest <= value <= most, (
            f"{view}.{column} is {value!r} for {since} {row[since]}: {fewest} whole days have passed since then"
        )


def _whole_days(elapsed: timedelta) -> int:
    return int(elapsed.total_seconds() // 86400)


def assert_same(actual: dict[str, Any], expected: dict[str, Any], *, label: str) -> None:
    """Table by table, so a failure names the table or view that differs."""
    assert list(actual) == list(expected)
    for name in expected:
        actual_columns, actual_rows = actual[name]
        expected_columns, expected_rows = expected[name]
        assert actual_columns == expected_columns, f"{label}: columns of {name} differ"
        assert actual_rows == expected_rows, f"{label}: rows of {name} differ"


DELIVERED_SNAPSHOTS = pytest.StashKey[dict[str, Snapshot]]()
"""A conformance class's snapshots of its first sync, by `delivered_snapshot`: on the class's node."""


class DestinationConformance:
    """The conformance suite; subclass it and provide the `destination_factory` fixture."""

    batch_size: ClassVar[int] = BATCH_SIZE
    """Records per batch: few, so that every delivery commits many batches. A destination may raise
    it where nothing depends on more (an emulator slow per statement, an engine whose every batch
    costs a commit or a file), as long as a source still takes three."""

    def deliver(self, destination: Destination, **options: Any) -> list[SourceResult]:
        """`deliver` in this suite's batches."""
        return deliver(destination, batch_size=self.batch_size, **options)

    @pytest.fixture
    def destination_factory(self) -> DestinationFactory:
        raise NotImplementedError("provide a `destination_factory` fixture: name -> new Destination")

    def deliver_first(self, destination: Destination, *, copies: bool = False) -> list[SourceResult]:
        """The sample into a new destination: version 1 (`self.deliver`), or with `copies`
        through two sources whose responses are exact copies (`deliver_copies`)."""
        return deliver_copies(destination, batch_size=self.batch_size) if copies else self.deliver(destination)

    @pytest.fixture
    def delivered(self) -> Callable[..., list[SourceResult]]:
        """`delivered(factory, name, copies=False)`: `deliver_first` into the new destination
        `name` of a factory, for tests that go on from there or compare it, and its results; a
        test module may override it to hand out copies of one delivery of each, with its results."""

        def deliver_first(factory: DestinationFactory, name: str, *, copies: bool = False) -> list[SourceResult]:
            return self.deliver_first(factory(name), copies=copies)

        return deliver_first

    @pytest.fixture
    def delivered_snapshot(self, reference, request) -> Callable[[DestinationFactory, str], Snapshot]:
        """`delivered_snapshot(factory, name)`: the snapshot of `name`, which the test delivered
        (`delivered`) and has not written since. Every such delivery holds the same data, so the
        destination's and the reference's are each read once a class (a snapshot is most of a
        test's time on the slower engines: ≈ 1 s of CPU on Parquet)."""

        delivered_snapshots = request.node.getparent(pytest.Class).stash.setdefault(DELIVERED_SNAPSHOTS, {})

        def taken(factory: DestinationFactory, name: str) -> Snapshot:
            role = "reference" if factory is reference else "destination"
            if role not in delivered_snapshots:
                delivered_snapshots[role] = snapshot(factory(name))
            return delivered_snapshots[role]

        return taken

    @pytest.fixture
    def reference(self, tmp_path: Path) -> DestinationFactory:
        from cxbridge.plugins.sqlite.destination import SQLiteDestination

        return lambda name: SQLiteDestination(f"sqlite:///{tmp_path / 'reference' / name}.db")

    def test_same_input_gives_the_same_results_as_sqlite(
        self, destination_factory, reference, delivered, delivered_snapshot
    ):
        results = delivered(destination_factory, "first")
        expected = delivered(reference, "first")
        assert all(r.ok for r in results), [r.error for r in results]
        assert [_counts(r) for r in results] == [_counts(r) for r in expected]
        actual, expected_snapshot = delivered_snapshot(destination_factory, "first"), delivered_snapshot(reference, "first")
        assert_same(actual.results, expected_snapshot.results, label="v1")

    def test_changed_fixed_and_new_records_replace_what_was_there(self, destination_factory, reference, delivered):
        for factory in (destination_factory, reference):
            delivered(factory, "updated")
            second = self.deliver(factory("updated"), version=2)
            assert all(r.ok for r in second) and sum(r.written for r in second) > 0
        actual, expected = snapshot(destination_factory("updated")), snapshot(reference("updated"))
        assert_same(actual.results, expected.results, label="v2")
        assert not actual.results["quarantine"][1], "every fixed record must leave the quarantine"

    def test_redelivery_is_harmless(self, destination_factory, delivered, delivered_snapshot):
        delivered(destination_factory, "again")
        before = delivered_snapshot(destination_factory, "again")
        again = self.deliver(destination_factory("again"), full_refresh=True)
        assert [r.written for r in again] == [0, 0], "unchanged records must not be written again"
        assert [r.unchanged for r in again] == [r.read - r.quarantined for r in again]
        after = snapshot(destination_factory("again"))
        assert_same(after.without("sync_runs"), before.without("sync_runs"), label="re-delivered")

    def test_a_dry_run_counts_what_a_real_run_would_write_and_writes_nothing(
        self, destination_factory, reference, delivered, delivered_snapshot
    ):
        delivered(destination_factory, "dry")
        before = delivered_snapshot(destination_factory, "dry")
        dry = self.deliver(destination_factory("dry"), version=2, dry_run=True)
        assert_same(snapshot(destination_factory("dry")).results, before.results, label="after a dry run")
        delivered(reference, "dry")
        real = self.deliver(reference("dry"), version=2)
        assert [_counts(r) for r in dry] == [_counts(r) for r in real]

    def test_a_crash_between_batches_loses_and_doubles_nothing(self, destination_factory, reference, delivered):
        assert RECORDS >= (CRASH_AFTER + 1) * self.batch_size, "the crash must come before a source's last batch"
        with pytest.raises(SimulatedCrash):
            self.deliver(destination_factory("crashed"), crash_after=CRASH_AFTER)
        self._assert_cursor_not_ahead_of_data(destination_factory("crashed"), batches=CRASH_AFTER)
        self.deliver(destination_factory("crashed"))
        delivered(reference, "clean")
        actual, expected = snapshot(destination_factory("crashed")), snapshot(reference("clean"))
        assert_same(actual.without("sync_runs"), expected.without("sync_runs"), label="after a crash")

    def _assert_cursor_not_ahead_of_data(self, destination: Destination, *, batches: int) -> None:
        """After `batches` committed batches of the first source, exactly their records are
        stored (written or quarantined) and the cursor is that of the last one."""
        source = next(iter(SOURCES))
        delivered = version_records(RECORDS, 1)[: batches * self.batch_size]
        destination.open(read_only=True)
        try:
            cursor = destination.get_cursor(source, "responses")
            stored = destination.query(f"SELECT source_record_id FROM feedback WHERE source = '{source}'")
            quarantined = [item.source_record_id for item in destination.quarantined(source=source)]
        finally:
            destination.close()
        assert cursor == delivered[-1]["updated"]
        assert sorted([row["source_record_id"] for row in stored] + quarantined) == sorted(r["id"] for r in delivered)

    def test_status_counts_what_a_crashed_run_committed(self, destination_factory):
        """A run stopped dead keeps the zeros its `sync_runs` row started with; `status` shows it
        `abandoned` with the records its committed batches wrote and quarantined, read unknown."""
        with pytest.raises(SimulatedCrash):
            self.deliver(destination_factory("abandoned"), crash_after=CRASH_AFTER)
        committed = version_records(RECORDS, 1)[: CRASH_AFTER * self.batch_size]
        quarantined = sum(1 for raw in committed if raw["nps"] == "11")
        destination = destination_factory("abandoned")
        destination.open(read_only=True)
        try:
            runs = api.status_of(destination, runs=1).runs
        finally:
            destination.close()
        counts = [(r["source"], r["status"], r["records_read"], r["records_written"], r["records_quarantined"]) for r in runs]
        assert counts == [(next(iter(SOURCES)), "abandoned", None, len(committed) - quarantined, quarantined)]

    def test_status_shows_runs_cursors_and_quarantine(self, destination_factory, reference, delivered):
        statuses = []
        for factory in (destination_factory, reference):
            delivered(factory, "status")
            destination = factory("status")
            destination.open(read_only=True)
            try:
                report = api.status_of(destination, runs=1)
            finally:
                destination.close()
            statuses.append(report)
            assert len({run["run_id"] for run in report.runs}) == 1  # the one run, a row per source it synced
            synced = sorted((run["source"], run["status"]) for run in report.runs)
            assert synced == [(name, "success") for name in sorted(SOURCES)]
        actual, expected = statuses
        assert [(r["source"], r["stream"], r["cursor"]) for r in actual.cursors] == [
            (r["source"], r["stream"], r["cursor"]) for r in expected.cursors
        ]
        assert [(r["source"], r["stream"], r["kind"], r["records"]) for r in actual.quarantine] == [
            (r["source"], r["stream"], r["kind"], r["records"]) for r in expected.quarantine
        ]

    def test_a_record_id_is_in_one_place_whatever_the_order_of_its_versions(self, destination_factory, reference):
        """Read twice in one batch, in two batches or in two runs, the last version of a record
        decides: stored if it normalized, quarantined if not, never both and never twice."""
        for factory in (destination_factory, reference):
            for rows, stored, quarantined in DUPLICATE_RUNS:
                result = deliver_rows(factory("duplicates"), rows)
                assert result.ok, result.error
                assert result.read == len(rows) == result.written + result.unchanged + result.quarantined
                assert placement(factory("duplicates")) == (stored, quarantined)
        actual, expected = snapshot(destination_factory("duplicates")), snapshot(reference("duplicates"))
        assert_same(actual.without("sync_runs"), expected.without("sync_runs"), label="duplicate ids")

    def test_copies_of_a_response_in_two_sources_are_kept_and_counted_once(
        self, destination_factory, reference, delivered
    ):
        """Every copy stays in `feedback`; all but one point at the one views count, as SQLite
        has them, and the pointers follow the data and the rules (a full pass) both ways."""
        for factory in (destination_factory, reference):
            results = delivered(factory, "copies", copies=True)
            assert all(r.ok for r in results), [r.error for r in results]
            assert pointers(factory("copies")) == expected_copy_pointers(1)
            # a quarter of the copies change: no longer copies
            deliver_copies(factory("copies"), copy_version=2, batch_size=self.batch_size)
            assert pointers(factory("copies")) == expected_copy_pointers(2)
            reported = IdentitySettings(merge_exact_copies=False)
            assert full_identity_pass(factory("copies"), IdentityRules(reported)) == len(expected_copy_pointers(2))
            assert pointers(factory("copies")) == {}, "exact copies only reported: every record counts again"
            full_identity_pass(factory("copies"), IdentityRules())
        actual, expected = snapshot(destination_factory("copies")), snapshot(reference("copies"))
        assert_same(actual.without("sync_runs"), expected.without("sync_runs"), label="copies")
        assert len(actual.results["feedback"][1]) == (RECORDS - 3) + (RECORDS + 10), "every copy is kept"
        assert pointers(destination_factory("copies")) == expected_copy_pointers(2)
    def test_rounded_figures_are_exact_at_ties(self, destination_factory):
        """Every view and the report round a figure that falls exactly halfway half away from
        zero, whatever order the engine adds the answers in (`cxbridge.testing.ties`)."""
        destination = destination_factory("ties")
        deliver_ties(destination)
        assert_ties_exact(destination)

    def test_answers_carry_their_question_key_and_a_question_counts_each_response_once(
        self, destination_factory, delivered
    ):
        """Every scored answer has its automatic key (survey, question id, scale); `questions`
        and `question_trend` count the answers of the copies that count, across both sources."""
        delivered(destination_factory, "keys", copies=True)
        destination = destination_factory("keys")
        destination.open(read_only=True)
        try:
            scores = destination.query("SELECT record_id, question_id, scale_min, scale_max, question_key FROM feedback_scores")
            counted = {row["record_id"] for row in destination.query("SELECT record_id, duplicate_of FROM feedback")
                       if row["duplicate_of"] is None}  # fmt: skip
            trend = destination.query("SELECT question_key, SUM(responses) AS n FROM question_trend GROUP BY question_key")
            versions = destination.query("SELECT question_key, SUM(answers) AS n FROM questions GROUP BY question_key")
        finally:
            destination.close()
        for row in scores:
            expected = f"sv-1/{row['question_id']}@{float(row['scale_min']):g}-{float(row['scale_max']):g}"
            assert row["question_key"] == expected, row
        answers: dict[str, int] = {}
        for row in scores:
            if row["record_id"] in counted:
                answers[row["question_key"]] = answers.get(row["question_key"], 0) + 1
        assert {row["question_key"]: int(row["n"]) for row in trend} == answers
        assert {row["question_key"]: int(row["n"]) for row in versions} == answers

    def test_new_negative_feedback_opens_one_case_and_a_re_read_none(self, destination_factory, delivered):
        """Cases of version 1; version 2 adds cases only for records that meet a rule now and did
        not as stored (or were not stored); a full refresh adds none, and keeps them all. Version 1
        is the first delivery (`delivered`): its results count the cases that sync opened."""
        first = expected_cases(1)
        results = delivered(destination_factory, "cases")
        assert [r.cases_opened for r in results] == [len(first), 0]
        assert stored_cases(destination_factory("cases")) == (first, case_rows_expected(first))
        added = {rid: case for rid, case in expected_cases(2).items() if rid not in first}
        assert added, "version 2 must make records newly meet a rule"
        results = self.deliver(destination_factory("cases"), version=2)
        assert [r.cases_opened for r in results] == [len(added), 0]
        both = {**first, **added}
        assert stored_cases(destination_factory("cases")) == (both, case_rows_expected(both))
        again = self.deliver(destination_factory("cases"), version=2, full_refresh=True)
        assert [r.cases_opened for r in again] == [0, 0]
        assert stored_cases(destination_factory("cases")) == (both, case_rows_expected(both))

    def test_a_case_stored_since_its_batch_was_read_is_not_counted_as_opened(self, destination_factory, delivered):
        """`WriteStats.cases_opened` counts the cases a write added, not those it carried: of a
        case stored already (another writer opened it since the batch was read) and a new one,
        one — as many as the case table gained."""
        delivered(destination_factory, "recount")
        first = expected_cases(1)
        opening = CaseOpening(opened_at="2026-01-05T10:00:00Z", run_id="recount")
        new = record_id("store_survey", "responses", "F9999")  # not a stored record: only its case is written
        cases = [opening.open(rid, "store_survey", "S1", "detractors", "nps 3 (detractor)", None, 48, [])
                 for rid in (min(first), new)]  # fmt: skip
        destination = destination_factory("recount")
        destination.open()
        try:
            stats = destination.write_batch(Batch(run_id="recount", source="store_survey", stream="responses", cases=cases))
            [stored] = destination.query("SELECT COUNT(*) AS n FROM feedback_cases")
        finally:
            destination.close()
        assert (stats.cases_opened, int(stored["n"])) == (1, len(first) + 1)

    def test_cases_move_with_their_events_as_on_sqlite(self, destination_factory, reference, delivered):
        """Changes made to cases some hours after each opened read back, and count in the loop
        views, as on SQLite."""
        for factory in (destination_factory, reference):
            delivered(factory, "moves")
            destination = factory("moves")
            destination.open()
            try:
                first, second, third = sorted(tracking.list_cases(destination), key=lambda case: case.case_id)[:3]
                after = {case.case_id: [case.opened_at + timedelta(hours=h) for h in MOVE_HOURS] for case in (first, second, third)}
                t1, t2, t3, t4 = after[first.case_id]
                tracking.assign(destination, first.case_id, "Zoë O'Brien", actor="lead", now=t1)
                tracking.move(destination, first.case_id[:6], "contacted", actor="Zoë", note="called, «sorry»", now=t2)
                tracking.link(destination, first.case_id, "ZD-1042", actor="Zoë", now=t3)
                tracking.move(destination, first.case_id, "resolved", actor="Zoë", now=t4)
                tracking.move(destination, second.case_id, "contacted", actor="lead", now=after[second.case_id][3])
                tracking.move(destination, second.case_id, "closed_no_action", actor="lead", reason="test answer",
                              now=after[second.case_id][3])  # fmt: skip
                tracking.add_note(destination, third.case_id, "line one\nline two", actor="lead", now=after[third.case_id][2])
                moved = {case.case_id: case for case in tracking.list_cases(destination)}
            finally:
                destination.close()
            assert (moved[first.case_id].first_contact_at, moved[first.case_id].resolved_at) == (t2, t4)
            assert moved[second.case_id].closed_at == after[second.case_id][3] and moved[third.case_id].first_contact_at is None
        actual, expected = snapshot(destination_factory("moves")), snapshot(reference("moves"))
        assert_same(actual.without("sync_runs"), expected.without("sync_runs"), label="moved cases")

    def test_quarantine_is_listed_with_reasons_and_can_be_released(self, destination_factory, delivered):
        delivered(destination_factory, "bad")
        destination = destination_factory("bad")
        destination.open()
        try:
            items = list(destination.quarantined())
            assert {item.source_record_id for item in items} == {"F0019", "F0038", "F0057"}
            assert all("outside its scale" in item.error and item.raw["nps"] == "11" for item in items)
            assert {item.kind for item in items} == {"answer-outside-scale"}, "each keeps the rule it breaks"
            assert {item.source for item in destination.quarantined(source="mystery_visits")} == {"mystery_visits"}
            destination.release_quarantine([item.record_id for item in items[:2]])
            assert [item.record_id for item in destination.quarantined()] == [item.record_id for item in items[2:]]
        finally:
            destination.close()

    def test_a_batch_drops_the_quarantine_rows_it_releases_with_its_cursor(self, destination_factory, delivered):
        """`Batch.released`: rows fixed in a file read whole again go in the batch saving its cursor."""
        delivered(destination_factory, "released")
        destination = destination_factory("released")
        destination.open()
        try:
            first, *others = list(destination.quarantined())
            cursor = CursorUpdate(first.source, first.stream, {"files": "read again"})
            destination.write_batch(Batch(run_id="run2", source=first.source, stream=first.stream, cursor=cursor,
                                          released=[first.record_id]))  # fmt: skip
            assert [item.record_id for item in destination.quarantined()] == [item.record_id for item in others]
            assert destination.get_cursor(first.source, first.stream) == {"files": "read again"}
        finally:
            destination.close()

    def test_a_record_quarantined_again_keeps_the_rule_it_breaks_now(self, destination_factory):
        """The kind of a record quarantined again (a replay, a re-read) is the one its last failure
        names, in place of the first's; a DataError naming none (a plugin's) stores none; `status`
        counts them by it, the records of none last."""
        from cxbridge.status_report import quarantine_counts, quarantine_in_people_order

        def failed(kind: str | None, run_id: str) -> Batch:
            items = [QuarantineItem("q1", "bad_rows", "rows", "N1", {"n": 1}, "a bad row", kind=kind),
                     QuarantineItem("q2", "bad_rows", "rows", "N2", {"n": 2}, "a plugin's bad row")]  # fmt: skip
            return Batch(run_id=run_id, source="bad_rows", stream="rows", quarantined=items)

        destination = destination_factory("kinds")
        destination.open()
        try:
            destination.write_batch(failed("impossible-date", "run1"))
            first = [(item.record_id, item.kind) for item in quarantine_in_people_order(destination)]
            destination.write_batch(failed("answer-outside-scale", "run2"))
            again = [(item.record_id, item.kind) for item in destination.quarantined()]
            counts = [(row["kind"], row["records"]) for row in quarantine_counts(destination)]
        finally:
            destination.close()
        assert first == [("q1", "impossible-date"), ("q2", None)]
        assert again == [("q1", "answer-outside-scale"), ("q2", None)]
        assert counts == [("answer-outside-scale", 1), (None, 1)]

    def test_quarantine_is_listed_by_file_and_row_as_the_destination_sorts_it(self, destination_factory):
        """`cxbridge quarantine list`'s order, sorted by the destination and read back whole: by
        file as Python orders names (`B` before `a`, whatever the database's collation), row 9
        before row 10, a row that is not a number after the numbered ones of its file."""
        from cxbridge.status_report import quarantine_in_people_order

        places = [("b.csv", 10), ("B.csv", 9), ("a.csv", 10), ("a.csv", 9), ("a.csv", "notes"), ("a.csv", 100)]
        items = [QuarantineItem(f"q{n}", "bad_rows", "rows", f"N{n}", {"n": n}, "a bad row", context={"file": file, "row": row})
                 for n, (file, row) in enumerate(places)]  # fmt: skip
        destination = destination_factory("places")
        destination.open()
        try:
            destination.write_batch(Batch(run_id="run1", source="bad_rows", stream="rows", quarantined=items))
            listed = [(item.context["file"], item.context["row"]) for item in quarantine_in_people_order(destination)]
        finally:
            destination.close()
        assert listed == [("B.csv", 9), ("a.csv", 9), ("a.csv", 10), ("a.csv", 100), ("a.csv", "notes"), ("b.csv", 10)]

    def test_an_erasure_removes_what_it_removes_on_sqlite_or_is_refused(
        self, destination_factory, reference, delivered, delivered_snapshot
    ):
        """`cxbridge erase` of two respondents — of a quarantined record, and of the first stored
        one — leaves the tables and views as on SQLite and keeps their tombstones; a destination
        that cannot erase in one transaction refuses before anything changes, naming what to do."""
        for factory in (destination_factory, reference):
            delivered(factory, "erased")
        quarantined = [json.dumps(item.raw) for item in _opened(reference("erased"), lambda d: list(d.quarantined()))]
        stored = "SELECT respondent_key FROM feedback WHERE respondent_key IS NOT NULL ORDER BY record_id"
        keys = [next(text.split("hashed:", 1)[1][:32] for text in quarantined if "hashed:" in text),
                _opened(reference("erased"), lambda d: d.query(stored))[0]["respondent_key"]]  # fmt: skip
        before = delivered_snapshot(destination_factory, "erased")
        try:
            erased = _opened(destination_factory("erased"), lambda d: d.erase(keys), writing=True)
        except DestinationError as exc:
            assert "docs/security.md#erasure" in str(exc)
            assert_same(snapshot(destination_factory("erased")).results, before.results, label="refused")
            return
        expected = _opened(reference("erased"), lambda d: d.erase(keys), writing=True)
        assert erased.rows == expected.rows and erased.rows["quarantine"] >= 1 and erased.rows["feedback"] >= 1
        assert_same(snapshot(destination_factory("erased")).results, snapshot(reference("erased")).results, label="erased")
        tombstones = _opened(destination_factory("erased"), lambda d: d.erased())
        assert tombstones == _opened(reference("erased"), lambda d: d.erased()) and set(keys) <= tombstones.keys

    def test_a_removal_that_leaves_a_source_no_record_records_todays_reading(self, destination_factory, delivered):
        """`cxbridge remove --source` takes every record of a source: none is left that an older
        cxbridge read, so its reading (`cxbridge_metadata` row `reading.SOURCE`) is today's, written
        in the removal's transaction (`cxbridge.readings.emptied`, which `removal_rows` calls); a
        destination that cannot remove refuses and keeps the reading it had."""
        delivered(destination_factory, "removed")
        _opened(destination_factory("removed"), lambda d: d.write_metadata({KEY + COPIED: "0"}), writing=True)
        if not destination_factory("removed").removes:
            with pytest.raises(DestinationError):
                _opened(destination_factory("removed"), lambda d: d.remove(Chosen(COPIED)), writing=True)
            expected = "0"
        else:
            removal = _opened(destination_factory("removed"), lambda d: d.remove(Chosen(COPIED)), writing=True)
            assert removal.total > 0 and not removal.kept
            expected = str(READING)
        reading = _opened(destination_factory("removed"), lambda d: d.read_metadata()).get(KEY + COPIED)
        assert reading == expected, (
            f"after a removal of every record of {COPIED!r} its reading is {reading!r}, not {expected!r}: a remove of "
            "your own calls cxbridge.readings.emptied(db, source) in its transaction when it leaves the source no "
            "record (cxbridge.removal.removal_rows does)"
        )

    def test_metadata_is_kept_with_the_data(self, destination_factory):
        """`write_metadata` sets and removes settings in place; they are read back after the
        destination is opened again, for writing or for reading."""
        destination = destination_factory("metadata")
        destination.open()
        try:
            destination.write_metadata({"first": "1", "second": "2"})
            destination.write_metadata({"first": None, "second": "two", "third": "3"})
        finally:
            destination.close()
        for read_only in (False, True):
            destination = destination_factory("metadata")
            destination.open(read_only=read_only)
            try:
                assert destination.read_metadata() == {"second": "two", "third": "3"}
            finally:
                destination.close()

    def test_a_dataset_keeps_its_respondent_salt_and_another_gets_its_own(self, destination_factory):
        """The first sync's random salt is stored and found by every later one; a second
        dataset gets another salt, so the same contact gets another key there."""
        found = []
        for name in ("salted", "salted", "other"):
            destination = destination_factory(name)
            destination.open()
            try:
                found.append(dataset_keys(destination, None))
            finally:
                destination.close()
        first, again, other = found
        assert first == again and first != other
        assert first.key("ann@example.com") == again.key("ann@example.com") != other.key("ann@example.com")
        destination = destination_factory("salted")
        destination.open(read_only=True)
        try:
            assert destination.read_metadata() == {SALT: first.salt, FINGERPRINT: fingerprint(first.salt)}
        finally:
            destination.close()


def _opened(destination: Destination, read: Callable[[Destination], Any], *, writing: bool = False) -> Any:
    """What `read` returns of `destination`, opened (read-only unless `writing`) for it alone."""
    destination.open(read_only=not writing)
    try:
        return read(destination)
    finally:
        destination.close()


def expected_cases(version: int) -> dict[str, tuple[str, str]]:
    """(rule, trigger) of every store_survey record of `version` that meets a default rule, worked
    out from the raw sample: NPS 0–6 first, else one of the two lowest CSAT labels; shoppers'
    visits (mystery_visits) never; records whose NPS is off its scale are quarantined."""
    cases = {}
    for raw in version_records(RECORDS, version):
        if raw["nps"] == "11":
            continue
        rid = record_id("store_survey", "responses", raw["id"])
        if raw["nps"] is not None and int(raw["nps"]) <= 6:
            cases[rid] = ("detractors", f"nps {raw['nps']} (detractor)")
        elif raw["csat"] in DISSATISFIED_LABELS:
            cases[rid] = ("dissatisfied", f"csat {DISSATISFIED_LABELS.index(raw['csat']) + 1} (dissatisfied)")
    return cases


def stored_cases(destination: Destination) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """The cases stored ({record_id: (rule, trigger)}) and their events and deliveries, as
    (case's record, kind or action, status)."""
    destination.open(read_only=True)
    try:
        cases = destination.query("SELECT case_id, record_id, rule, matched, status FROM feedback_cases")
        of_case = {row["case_id"]: row["record_id"] for row in cases}
        events = destination.query("SELECT case_id, kind, to_value FROM feedback_case_events")
        deliveries = destination.query("SELECT case_id, action, status FROM loop_outbox")
    finally:
        destination.close()
    assert {row["status"] for row in cases} <= {"open"}
    rows = [(of_case[e["case_id"]], e["kind"], e["to_value"]) for e in events]
    rows += [(of_case[d["case_id"]], d["action"], d["status"]) for d in deliveries]
    return {row["record_id"]: (row["rule"], row["matched"]) for row in cases}, sorted(rows)


def case_rows_expected(cases: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """One `opened` event per case, and one pending notify_owner delivery per detractor case."""
    rows = [(rid, "opened", "open") for rid in cases]
    rows += [(rid, "notify_owner", "pending") for rid, (rule, _) in cases.items() if rule == "detractors"]
    return sorted(rows)


def placement(destination: Destination) -> tuple[list[int], list[int]]:
    """The numbers of the scripted records stored and quarantined; scores and comments only of
    stored ones."""
    destination.open(read_only=True)
    try:
        stored = {row["record_id"]: row["source_record_id"] for row in destination.query(
            f"SELECT record_id, source_record_id FROM feedback WHERE source = '{SCRIPTED}'")}  # fmt: skip
        quarantined = [item.source_record_id for item in destination.quarantined(source=SCRIPTED)]
        for table in ("feedback_scores", "feedback_comments"):
            orphans = {row["record_id"] for row in destination.query(f"SELECT record_id FROM {table}")} - set(stored)
            assert not orphans, f"{table} has rows of records not in feedback"
    finally:
        destination.close()
    return sorted(int(native[1:]) for native in stored.values()), sorted(int(native[1:]) for native in quarantined)


def _counts(result: SourceResult) -> tuple[str, int, int, int, int]:
    return result.status, result.read, result.written, result.unchanged, result.quarantined
