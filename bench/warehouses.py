"""Benchmark: N records written by the DuckDB and PostgreSQL destinations against a raw baseline
measured in the same run — psycopg alone COPYing the same rows into the same tables.

The records (the sample source's shapes: three scores, a comment, JSON answers and attributes)
are normalized once, before any clock starts; each contender then writes them into fresh tables:

(a) baseline: one `COPY … FROM STDIN` per table with psycopg, one transaction, no merge;
(b) postgresql: `PostgresDestination.write_batch` per batch (COPY into staging, merge, cursor, one
    transaction each), as `cxbridge sync` does;
(c) duckdb: `DuckDBDestination.write_batch` per batch, into a fresh file.

Batches have each destination's default size (`Destination.batch_size`: 1,000 records for
PostgreSQL, 10,000 for DuckDB) unless `--batch-size` says otherwise.

Rates are given twice: from CPU time — this process plus, for PostgreSQL, its server backend
(read from /proc), so other work on a shared machine does not skew them — and from wall-clock
time. It needs a server on this machine: `--postgres-url`, or CXBRIDGE_TEST_POSTGRES_URL, or a
throw-away cluster started like the tests.

    python bench/warehouses.py --records 1000000

The last line is machine-readable (CPU-time rates):
    records=N baseline_rps=… postgres_rps=… duckdb_rps=… postgres_ratio=… duckdb_ratio=…
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxbridge.destinations import Batch, CursorUpdate  # noqa: E402
from cxbridge.layout import FEEDBACK, FEEDBACK_COMMENTS, FEEDBACK_SCORES  # noqa: E402
from cxbridge.normalize import RecordBuilder  # noqa: E402
from cxbridge.plugins.duckdb.destination import DuckDBDestination  # noqa: E402
from cxbridge.plugins.postgres.destination import PostgresDestination  # noqa: E402
from cxbridge.sources import SourceContext  # noqa: E402
from cxbridge.tables import RecordRows, to_rows  # noqa: E402
from cxbridge.testing.sample_feedback import SampleFeedback, SampleFeedbackConfig, raw_record  # noqa: E402

RUN_AT = "2026-01-01T00:00:00Z"


def records(count: int) -> list[RecordRows]:
    """`count` distinct, valid records in the sample source's shapes."""
    source = SampleFeedback(SampleFeedbackConfig(), SourceContext(name="bench", base_dir=Path.cwd()))
    stream = source.streams()[0]
    builder = RecordBuilder(context=source.context, config=source.config, connector=source.name, stream=stream.name)
    rows = []
    for n in range(count):
        raw = raw_record(n % 997 + 1, 2)
        raw["id"] = f"B{n:07d}"
        rows.append(to_rows(stream.normalize(raw, builder), ingested_at=RUN_AT, run_id="bench"))
    return rows


def batches(rows: list[RecordRows], size: int) -> Iterator[Batch]:
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        cursor = CursorUpdate("bench", "responses", chunk[-1].record_id)
        yield Batch(run_id="bench", source="bench", stream="responses", started_at=RUN_AT, records=chunk, cursor=cursor)


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0


def cpu_seconds(backend_pid: int | None = None) -> float:
    """CPU time of this process, plus that of a PostgreSQL backend process if given."""
    times = os.times()
    total = times.user + times.system
    if backend_pid is not None:
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return total


@contextlib.contextmanager
def timed(backend_pid: int | None = None) -> Iterator[Timing]:
    timing = Timing()
    wall, cpu = time.perf_counter(), cpu_seconds(backend_pid)
    yield timing
    timing.wall, timing.cpu = time.perf_counter() - wall, cpu_seconds(backend_pid) - cpu


def backend_pid(destination) -> int | None:
    if isinstance(destination, PostgresDestination):
        return int(destination.query("SELECT pg_backend_pid() AS pid")[0]["pid"])
    return None


def baseline(url: str, rows: list[RecordRows]) -> Timing:
    """How long psycopg alone takes to COPY the rows into fresh tables of the same layout."""
    destination = PostgresDestination(url)
    destination.open()  # creates the tables; the clock starts after
    destination.close()
    tables = {
        FEEDBACK: (row.feedback for row in rows),
        FEEDBACK_SCORES: (score for row in rows for score in row.scores),
        FEEDBACK_COMMENTS: (comment for row in rows for comment in row.comments),
    }
    with psycopg.connect(url) as conn, timed(conn.info.backend_pid) as timing:
        with conn.cursor() as cursor:
            for table, values in tables.items():
                with cursor.copy(f"COPY {table.name} ({', '.join(table.column_names)}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
        conn.commit()
    return timing


def through_destination(destination, rows: list[RecordRows], batch_size: int | None) -> Timing:
    size = batch_size or destination.batch_size
    destination.open()
    try:
        with timed(backend_pid(destination)) as timing:
            written = sum(destination.write_batch(batch).written for batch in batches(rows, size))
    finally:
        destination.close()
    assert written == len(rows), (written, len(rows))
    return timing


@contextlib.contextmanager
def postgres_server(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests.postgres_server import throwaway_cluster

    with throwaway_cluster() as started:
        yield started


def fresh_database(admin_url: str) -> str:
    name = f"cx_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, help="records per write_batch (default: each destination's)")
    parser.add_argument("--postgres-url", default=os.environ.get("CXBRIDGE_TEST_POSTGRES_URL"))
    args = parser.parse_args()

    started = time.perf_counter()
    rows = records(args.records)
    print(f"normalized {len(rows):,} records in {time.perf_counter() - started:.1f} s (not timed below)")
    with postgres_server(args.postgres_url) as admin_url, tempfile.TemporaryDirectory() as folder:
        timings = {
            "baseline": baseline(fresh_database(admin_url), rows),
            "postgres": through_destination(PostgresDestination(fresh_database(admin_url)), rows, args.batch_size),
            "duckdb": through_destination(DuckDBDestination(f"duckdb:///{folder}/bench.duckdb"), rows, args.batch_size),
        }
    rps = {name: len(rows) / timing.cpu for name, timing in timings.items()}
    wall = {name: len(rows) / timing.wall for name, timing in timings.items()}
    for name, timing in timings.items():
        print(
            f"{name:>9}: CPU {timing.cpu:7.1f} s {rps[name]:>9,.0f} records/s ({rps[name] / rps['baseline']:.2f} of baseline)"
            f" | wall {timing.wall:7.1f} s {wall[name]:>9,.0f} records/s ({wall[name] / wall['baseline']:.2f})"
        )
    print(
        f"records={len(rows)} baseline_rps={rps['baseline']:.0f} postgres_rps={rps['postgres']:.0f} "
        f"duckdb_rps={rps['duckdb']:.0f} postgres_ratio={rps['postgres'] / rps['baseline']:.2f} "
        f"duckdb_ratio={rps['duckdb'] / rps['baseline']:.2f}"
    )


if __name__ == "__main__":
    main()
