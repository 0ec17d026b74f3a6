"""Seeded, randomized syncs of CSV files into SQLite, DuckDB, PostgreSQL and Parquet, compared
after every sync: each destination's tables with SQLite's (`cxbridge.testing.destinations.snapshot`
without the views and reports, which read the tables and which the conformance suite compares),
and SQLite with a model of what the files say, worked out here (which records are stored with
which answers, which are quarantined). They drive the fast paths added
for speed (issue 19) that fixed data meets only in part: a first sync's batches known unstored
(`Batch.unstored`, `cxbridge.loop.written`), compiled file rows, DuckDB's plain inserts and
merge statements, Parquet's parts, level merges, take-outs of old versions and batch journal
(`MERGE_AT`, `FIRST_SYNC_MERGE_AT`, `MAX_FILES` and `TAKE_OUT_AT` made small here), the quarantine by parts.

Each seed makes two sources of one dataset and 3–5 versions of their files: records added
(appended or inserted), edited (scores, comment), moved to another month, made invalid (an NPS
or CES off its scale: quarantined), fixed again (released), read twice in one file, removed; in
batches of 3–7. Nothing depends on the clock or on chance beyond the seed: a failure names its
seed and sync, and reproduces. A second test stops one sync of each series part-way (an
exception inside a batch's write, at a call chosen by the seed), runs it again, and compares
with the uninterrupted series."""

from __future__ import annotations

import csv
import io
import os
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge import api
from cxbridge.destinations import scheme_of
from cxbridge.identity import record_id
from cxbridge.plugins.duckdb.destination import DuckDBDestination
from cxbridge.plugins.parquet import destination as parquet_destination
from cxbridge.plugins.parquet import parts
from cxbridge.plugins_host import create_host
from cxbridge.resolver import STATE_SOURCE
from cxbridge.testing import destinations as conformance
from cxbridge.testing.destinations import SimulatedCrash, Snapshot, assert_same, snapshot
from tests.local_api import Reply, fake_api
from tests.test_sigkill import url_of

KINDS = ("duckdb", "parquet", "postgresql")
CAMPAIGN = int(os.environ.get("CXBRIDGE_DIFF_SEEDS", "0"))
"""CXBRIDGE_DIFF_SEEDS=200 runs a local campaign: seeds 1–200, each series stopped on every destination."""
SEEDS = tuple(range(1, CAMPAIGN + 1)) if CAMPAIGN else (16, 22)
"""CI's seeds (a few seconds each): 16 found the part merged with itself; 22 removes a file,
refreshes fully and reads in batches of 4."""
STOPPED = [(kind, seed) for kind in ("sqlite", *KINDS) for seed in SEEDS] if CAMPAIGN else [
    ("sqlite", 22), ("duckdb", 22), ("parquet", 22), ("parquet", 35), ("postgresql", 22),
]  # fmt: skip
"""CI's stopped series. On Parquet, seed 22 fails a re-sync's batch after its feedback and scores
parts, before its comments' (the source fails and the next one runs: the batch's rows must be
taken out at once), 35 a full refresh as it takes a record it wrote twice out of its own parts
(it failed a draft of the batch undo: docs/security.md). Seeds 24 (kills a first sync after a
batch's journal) and 40 (a first sync as its first part is moved in) ran here too, 10–13 s each;
tests/test_parquet_first_sync.py stops a first sync at their points in ≈ 1 s, and the local
campaign runs their whole series."""
HEADER = ["id", "submitted", "store", "nps", "satisfaction", "effort", "comment", "email"]
FILES = {"shop": ("shop_a.csv", "shop_b.csv"), "web": ("web.csv",)}
LABELS = {"Very dissatisfied": 1, "Dissatisfied": 2, "Neutral": 3, "Satisfied": 4, "Very satisfied": 5}
COMMENTS = ["", "", "", "fine", "slow delivery", "I want a refund", "great staff, thanks", "the clerk was «rude»"]
OFF_SCALE = {"nps": ("11", "15"), "effort": ("8", "0")}  # the NPS is 0–10, the CES 1–7: quarantined
SALT = "salt-of-the-differential-syncs"
EPOCH = 1_700_000_000  # the files' times: this second, plus their version
SOURCE = """
[sources.{name}]
connector = "csv"
path = "{name}*.csv"

[sources.{name}.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
comment = "comment"
email = "email"

[[sources.{name}.metrics]]
column = "nps"
metric = "nps"

[[sources.{name}.metrics]]
column = "satisfaction"
metric = "csat"
scale = [1, 5]
labels = {{ "Very satisfied" = 5, "Satisfied" = 4, "Neutral" = 3, "Dissatisfied" = 2, "Very dissatisfied" = 1 }}

[[sources.{name}.metrics]]
column = "effort"
metric = "ces"
scale = [1, 7]
"""
LOOP = """
[loop.rules.refunds]
comment_terms = ["refund"]
actions = ["ops"]

[loop.rules.detractors]
actions = ["ops"]

[loop.actions.ops]
type = "webhook"
url = "${CX_HOOK_URL}"
"""
LOOP_TIMES = {"loop_outbox": {"last_attempt_at", "delivered_at"}}
"""When each delivery was tried: the sync's own time, as the cases' (`conformance.VOLATILE`)."""


# --- the files ------------------------------------------------------------------------------


Files = dict[str, list[dict[str, str]]]
"""The rows of each file, in order (a record's id may come twice in its file, never in two)."""


@dataclass
class Scenario:
    seed: int
    batch_size: int
    versions: list[Files]
    refreshed: set[int]
    """The versions synced with a full refresh (every file read again)."""


def scenario(seed: int) -> Scenario:
    """The seed's batch size and versions of the files, the first synced into an empty dataset."""
    rng = random.Random(seed)
    numbers = iter(range(1, 10_000))
    first = {name: [_fresh(rng, f"{name[0].upper()}{next(numbers)}") for _ in range(rng.randint(6, 16))]
             for names in FILES.values() for name in names}  # fmt: skip
    for rows in first.values():
        _spoil(rng, rows, rng.randint(0, 2))
        _repeat(rng, rows, rng.randint(0, 2))
    _copy(rng, first)
    versions = [first]
    for _ in range(rng.randint(2, 4)):
        versions.append(_next_version(rng, versions[-1], numbers))
    refreshed = {number for number in range(1, len(versions)) if rng.random() < 0.2}
    return Scenario(seed, rng.randint(3, 7), versions, refreshed)


def _fresh(rng: random.Random, native: str) -> dict[str, str]:
    return {
        "id": native,
        "submitted": _time(rng),
        "store": f"S{rng.randint(1, 4)}",
        "nps": rng.choice(["", *map(str, range(11))]),
        "satisfaction": rng.choice(["", *LABELS]),
        "effort": rng.choice(["", *map(str, range(1, 8))]),
        "comment": rng.choice(COMMENTS),
        "email": f"{native.lower()}@example.com",
    }


def _time(rng: random.Random) -> str:
    """A time in one of 24 months, long enough ago that no rule's age matters."""
    year, month = rng.choice((2023, 2024)), rng.randint(1, 12)
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"


def _next_version(rng: random.Random, files: Files, numbers) -> Files:
    changed = {name: [dict(row) for row in rows] for name, rows in files.items()}
    for name, rows in changed.items():
        how = rng.choice(["same", "appended", "edited", "edited"])
        if how == "appended":
            rows += [_fresh(rng, f"{name[0].upper()}{next(numbers)}") for _ in range(rng.randint(1, 8))]
        elif how == "edited":
            _edit(rng, rows, numbers, prefix=name[0].upper())
    _copy(rng, changed)
    if "shop_b.csv" in changed and rng.random() < 0.15:  # a file removed: its records stay
        del changed["shop_b.csv"]
    return changed


def _copy(rng: random.Random, files: Files) -> None:
    """Copy a few shop records into the web source's file, as they are now: exact copies of one
    response through two sources (one counts: `duplicate_of`) until one of them is edited."""
    copied = {row["id"] for row in files["web.csv"]}
    shop = [row for name in FILES["shop"] for row in files.get(name, []) if row["id"] not in copied]
    for row in rng.sample(shop, min(len(shop), rng.randint(0, 2))):
        files["web.csv"].insert(rng.randint(0, len(files["web.csv"])), dict(row))
        copied.add(row["id"])


def _edit(rng: random.Random, rows: list[dict[str, str]], numbers, *, prefix: str) -> None:
    for row in rng.sample(rows, min(len(rows), rng.randint(1, 6))):  # a score or the comment edited
        column = rng.choice(["nps", "satisfaction", "effort", "comment"])
        row[column] = {"nps": rng.choice(["", *map(str, range(11))]), "satisfaction": rng.choice(["", *LABELS]),
                       "effort": str(rng.randint(1, 7)), "comment": rng.choice(COMMENTS)}[column]  # fmt: skip
    for row in rng.sample(rows, min(len(rows), rng.randint(0, 3))):  # moved to another month
        row["submitted"] = _time(rng)
    for row in [row for row in rows if _spoilt(row)][: rng.randint(0, 2)]:  # fixed: released from quarantine
        row["nps"], row["effort"] = str(rng.randint(0, 10)), str(rng.randint(1, 7))
    _spoil(rng, rows, rng.randint(0, 2))
    _repeat(rng, rows, rng.randint(0, 2))
    for _ in range(rng.randint(0, 2)):  # removed from the file (it stays where it is)
        if len(rows) > 3:
            rows.pop(rng.randrange(len(rows)))
    for _ in range(rng.randint(0, 4)):  # new records anywhere in the file
        rows.insert(rng.randint(0, len(rows)), _fresh(rng, f"{prefix}{next(numbers)}"))


def _spoil(rng: random.Random, rows: list[dict[str, str]], count: int) -> None:
    """Put an answer of `count` rows off its scale."""
    for row in rng.sample(rows, min(count, len(rows))):
        column = rng.choice(list(OFF_SCALE))
        row[column] = rng.choice(OFF_SCALE[column])


def _spoilt(row: dict[str, str]) -> bool:
    return any(row[column] in values for column, values in OFF_SCALE.items())


def _repeat(rng: random.Random, rows: list[dict[str, str]], count: int) -> None:
    """Read `count` records twice in their file: a later row with other answers, off the scale
    or not, perhaps in another month (the last counts)."""
    for _ in range(count):
        at = rng.randrange(len(rows))
        nps = rng.choice(["", *map(str, range(11)), *OFF_SCALE["nps"]])
        again = dict(rows[at], nps=nps, comment=rng.choice(COMMENTS))
        if rng.random() < 0.4:
            again["submitted"] = _time(rng)
        rows.insert(rng.randint(at + 1, len(rows)), again)


def write_files(folder: Path, files: Files, *, version: int) -> None:
    """Each file's rows; a file whose text did not change is left as it is (not read again), and
    one no longer in `files` removed. A file written gets the version's time, not the clock's:
    the cursors (which keep it) compare equal between folders."""
    for path in folder.glob("*.csv"):
        if path.name not in files:
            path.unlink()
    for name, rows in files.items():
        text = io.StringIO()
        writer = csv.DictWriter(text, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text.getvalue():
            path.write_text(text.getvalue(), encoding="utf-8")
            os.utime(path, ns=((EPOCH + version) * 10**9,) * 2)


# --- the model ------------------------------------------------------------------------------


@dataclass
class Model:
    """What SQLite should hold after each sync, worked out from the files alone: a file is read
    when its text changed (the rows appended only, or all of them: the same for ids that are in
    no other file), its rows in order, each the last version of its record so far."""

    stored: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    quarantined: set[tuple[str, str]] = field(default_factory=set)
    read: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def synced(self, files: Files, *, full_refresh: bool = False) -> None:
        for source, names in FILES.items():
            for name in names:
                rows = files.get(name)
                if rows is None or (rows == self.read.get(name) and not full_refresh):
                    continue
                for row in rows:
                    key = (source, row["id"])
                    if _spoilt(row):
                        self.quarantined.add(key)
                        self.stored.pop(key, None)
                    else:
                        self.quarantined.discard(key)
                        self.stored[key] = row
                self.read[name] = rows

    def feedback(self) -> dict[tuple[str, str], tuple[Any, ...]]:
        return {key: (_int(row["nps"]), LABELS.get(row["satisfaction"]), _int(row["effort"]), row["comment"] or None,
                      row["submitted"][:16]) for key, row in self.stored.items()}  # fmt: skip

    def scores(self) -> dict[tuple[str, str, str], float]:
        values = {}
        for (source, native), (nps, csat, ces, _, _) in self.feedback().items():
            for metric, value in (("nps", nps), ("csat", csat), ("ces", ces)):
                if value is not None:
                    values[(source, native, metric)] = float(value)
        return values


def _int(text: str) -> int | None:
    return int(text) if text else None


def assert_as_modelled(path: Path, model: Model, *, label: str) -> None:
    """SQLite's feedback, scores, comments and quarantine are the model's."""
    with sqlite3.connect(path) as conn:
        feedback = {(source, native): (nps, csat, ces, comment, submitted[:16]) for source, native, nps, csat, ces,
                    comment, submitted in conn.execute("SELECT source, source_record_id, nps, csat, ces, comment, "
                                                       "submitted_at FROM feedback")}  # fmt: skip
        of_record = {record_id(source, "rows", native): (source, native) for source, native in feedback}
        scores = {(*of_record[rid], metric): value
                  for rid, metric, value in conn.execute("SELECT record_id, metric, value FROM feedback_scores")}  # fmt: skip
        comments = {of_record[rid]: text for rid, text in conn.execute("SELECT record_id, text FROM feedback_comments")}
        quarantined = set(conn.execute("SELECT source, source_record_id FROM quarantine"))
    assert feedback == model.feedback(), f"{label}: feedback"
    assert scores == model.scores(), f"{label}: feedback_scores"
    assert comments == {key: row[3] for key, row in model.feedback().items() if row[3]}, f"{label}: feedback_comments"
    assert quarantined == model.quarantined, f"{label}: quarantine"


# --- the syncs ------------------------------------------------------------------------------


@pytest.fixture
def small_parts(monkeypatch):
    """Parquet merges parts and takes old versions out within a few batches."""
    monkeypatch.setattr(parts, "MERGE_AT", 2)
    monkeypatch.setattr(parts, "FIRST_SYNC_MERGE_AT", 3)  # a first sync's too
    monkeypatch.setattr(parts, "MAX_FILES", 3)
    monkeypatch.setattr(parquet_destination, "TAKE_OUT_AT", 4)
    for table, columns in LOOP_TIMES.items():
        monkeypatch.setitem(conformance.VOLATILE, table, conformance.VOLATILE[table] | columns)


@pytest.fixture
def hook(monkeypatch):
    with fake_api() as api_:
        api_.route("POST", "/ops")(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", api_.url + "/ops")
        yield api_


def workspace(folder: Path, plan: Scenario, monkeypatch, *, more: str = "") -> Path:
    """The folder's cxbridge.toml: the seed's batch size, one respondent salt for every dataset
    (their respondent keys compare equal), both sources, the loop, and `more`."""
    folder.mkdir(parents=True)
    monkeypatch.setenv("CXBRIDGE_TEST_SALT", SALT)
    salt = 'respondent_salt = "${CXBRIDGE_TEST_SALT}"\n'
    settings = f'[settings]\nbatch_size = {plan.batch_size}\ntimezone = "UTC"\n' + salt
    config = folder / "cxbridge.toml"
    config.write_text(settings + "".join(SOURCE.format(name=name) for name in FILES) + LOOP + more, encoding="utf-8")
    return config


def sync(config: Path, url: str, *, full_refresh: bool = False) -> None:
    cxbridge.sync(config, destination=url, full_refresh=full_refresh, host=create_host())


def tables(url: str) -> Snapshot:
    return snapshot(api.open_destination(url, host=create_host()), views=False)


def label_of(plan: Scenario, number: int) -> str:
    return f"seed {plan.seed}, sync {number + 1} of {len(plan.versions)} (batches of {plan.batch_size})"


_SQLITE: dict[tuple[int, str], list[Snapshot]] = {}


def sqlite_series(plan: Scenario, folder: Path, monkeypatch, *, more: str = "") -> list[Snapshot]:
    """SQLite's tables after each sync of the series (the config's `more` added), checked against
    the model as they are taken; once per seed and config in a process (they depend on nothing else)."""
    if (plan.seed, more) in _SQLITE:
        return _SQLITE[plan.seed, more]
    config, model, taken = workspace(folder / "files", plan, monkeypatch, more=more), Model(), []
    for number, files in enumerate(plan.versions):
        write_files(config.parent, files, version=number)
        refresh = number in plan.refreshed
        sync(config, f"sqlite:///{folder / 'reference.db'}", full_refresh=refresh)
        model.synced(files, full_refresh=refresh)
        assert_as_modelled(folder / "reference.db", model, label=label_of(plan, number))
        taken.append(tables(f"sqlite:///{folder / 'reference.db'}"))
    return _SQLITE.setdefault((plan.seed, more), taken)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_sync_of_a_series_stores_what_sqlite_stores_and_sqlite_what_the_files_say(
    kind, seed, tmp_path, monkeypatch, request, small_parts, hook
):
    plan = scenario(seed)
    expected = sqlite_series(plan, tmp_path / "sqlite", monkeypatch)
    config, tested = workspace(tmp_path / "files", plan, monkeypatch), url_of(kind, tmp_path, "tested", request)
    for number, files in enumerate(plan.versions):
        write_files(config.parent, files, version=number)
        sync(config, tested, full_refresh=number in plan.refreshed)
        assert_same(tables(tested).results, expected[number].results, label=f"{kind}, {label_of(plan, number)}")


VIEW_SERIES = [(kind, seed) for kind in KINDS for seed in SEEDS] if CAMPAIGN else [("duckdb", 23)]
"""Series whose views and reports are compared too: in CI seed 23, whose CES scores of one store
average exactly 31.25, which SQLite read 31.3 and DuckDB 31.2 while the views rounded AVG of floats
(docs/report.md, Rounding)."""


@pytest.mark.parametrize(("kind", "seed"), VIEW_SERIES)
def test_the_views_and_reports_after_a_series_read_what_sqlite_reads(
    kind, seed, tmp_path, monkeypatch, request, small_parts, hook
):
    plan = scenario(seed)
    config = workspace(tmp_path / "files", plan, monkeypatch)
    urls = {"sqlite": f"sqlite:///{tmp_path / 'reference.db'}", kind: url_of(kind, tmp_path, "tested", request)}
    for number, files in enumerate(plan.versions):
        write_files(config.parent, files, version=number)
        for url in urls.values():
            sync(config, url, full_refresh=number in plan.refreshed)
    read = {name: snapshot(api.open_destination(url, host=create_host())) for name, url in urls.items()}
    assert_same(read[kind].results, read["sqlite"].results, label=f"{kind}, seed {seed}, views and reports")


CRASH_POINTS = {
    "sqlite": ("_write_batch", "_open_cases"),
    "duckdb": ("execute",),
    "postgresql": ("execute",),
    "parquet": ("_add_records", "_add_rows", "_upsert_parts", "_upsert_file", "_take_out_of", "_add_part",
                "_rewrite_holding", "_begin_records", "_add_parts", "_record_part"),
}  # fmt: skip
"""Methods of each destination a batch's write calls (in its transaction, where there is one),
after which the stopped syncs raise."""

DEAD_CLOSE = {"parquet": DuckDBDestination.close}
"""How a destination's connection goes when its process dies, where the destination's own
`close` does more: Parquet's ends the source (undoes a batch cut short, takes out, merges), which
a dead process does not — what a crash leaves is the next open's to find, as after a SIGKILL
(tests/test_sigkill.py)."""


@dataclass
class Crash:
    """An exception raised once a method of the destination has returned `after` times, from
    the sync of version `step` on: a RuntimeError (the engine fails the source and goes on) or
    SimulatedCrash (nothing catches it, as when the process dies)."""

    method: str
    after: int
    step: int
    dying: bool
    calls: int = 0
    fired: bool = False

    @classmethod
    def of(cls, seed: int, kind: str, versions: int) -> Crash:
        rng = random.Random(f"{seed} {kind}")
        return cls(rng.choice(CRASH_POINTS[kind]), rng.randint(1, 3), rng.randrange(versions - 1), rng.random() < 0.5)

    def arm(self, monkeypatch: pytest.MonkeyPatch, owner: type, *, dead_close: Callable | None = None) -> None:
        """Patch `owner` (the destination's class): its method raises inside a `write_batch`; once
        a SimulatedCrash fired, the connection is let go by `dead_close` (DEAD_CLOSE), if given."""
        real_method, real_write, real_close = getattr(owner, self.method), owner.write_batch, owner.close
        writing = []

        def write_batch(destination, batch):
            writing.append(batch)
            try:
                return real_write(destination, batch)
            finally:
                writing.pop()

        def stopping(destination, *args, **kwargs):
            result = real_method(destination, *args, **kwargs)
            self.calls += bool(writing)
            if writing and self.calls == self.after:
                self.fired = True
                raise (SimulatedCrash if self.dying else RuntimeError)(f"stopped after {self.method} #{self.after}")
            return result

        def closing(destination):
            (dead_close if self.fired and self.dying else real_close)(destination)

        monkeypatch.setattr(owner, "write_batch", write_batch)
        monkeypatch.setattr(owner, self.method, stopping)
        if dead_close is not None:
            monkeypatch.setattr(owner, "close", closing)

    def __str__(self) -> str:
        return f"{'SimulatedCrash' if self.dying else 'RuntimeError'} after {self.method} #{self.after}"


ORDER_FREE = "\n[identity]\nmerge_exact_copies = false\n"
"""A source that fails part-way lets the next one run (a RuntimeError), which then stores its
copies of the failed source's records first, and opens their cases (a copy is cased once, the
first stored): as syncing the sources one at a time in the other order would. The stopped
series keep every copy counted, so that what they store does not depend on that order."""


def data_of(snapshot_: Snapshot) -> dict[str, Any]:
    """The tables but the runs and the state of the identity pass (a sync into a dataset that
    exists saves it: a first sync stopped and run again does, a clean one not until the next):
    every case, event and delivery with its attempts as in the series never stopped (a delivery
    whose case a stopped Parquet batch had not stored waits for it, unattempted)."""
    results = snapshot_.without("sync_runs")
    columns, rows = results["sync_state"]
    results["sync_state"] = (columns, [row for row in rows if row[columns.index("source")] != STATE_SOURCE])
    return results


@pytest.mark.parametrize(("kind", "seed"), STOPPED)
def test_a_sync_stopped_part_way_and_run_again_stores_what_the_uninterrupted_series_stores(
    kind, seed, tmp_path, monkeypatch, request, small_parts, hook
):
    """One sync of the series stops inside a batch's write (from the version the seed chose
    on, until a write stops) and runs again: after it, and after every later sync, the tables
    are SQLite's of the series never stopped (but the runs)."""
    plan = scenario(seed)
    expected = sqlite_series(plan, tmp_path / "sqlite", monkeypatch, more=ORDER_FREE)
    config = workspace(tmp_path / "files", plan, monkeypatch, more=ORDER_FREE)
    tested = url_of(kind, tmp_path, "tested", request)
    crash = Crash.of(seed, kind, len(plan.versions))
    for number, files in enumerate(plan.versions):
        label = f"{kind}, {label_of(plan, number)}"
        write_files(config.parent, files, version=number)
        refresh = number in plan.refreshed
        armed = number >= crash.step and not crash.fired
        if armed:
            with monkeypatch.context() as stopped:
                crash.arm(stopped, create_host().destination_class(scheme_of(tested)), dead_close=DEAD_CLOSE.get(kind))
                try:
                    sync(config, tested, full_refresh=refresh)
                except (RuntimeError, SimulatedCrash):
                    assert crash.fired
            label += f", stopped ({crash})" if crash.fired else ""
        if not armed or crash.fired:  # the sync, or the stopped one run again
            sync(config, tested, full_refresh=refresh)
        assert_same(data_of(tables(tested)), data_of(expected[number]), label=label)
    assert crash.fired, f"no write stopped ({crash}): choose a point the series reaches"
