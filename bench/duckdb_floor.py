"""Benchmark: the DuckDB floor — what a careful columnar loader needs to put the bench CSV's
records into DuckDB as cxbridge stores them, and what cxbridge itself spends (issue 19).

    python bench/duckdb_floor.py --records 1000000
    python bench/duckdb_floor.py --work DIR --stored DIR/cxbridge.duckdb   # reuse a sync's file

1. `cxbridge sync` of `bench/run.py`'s CSV (its CONFIG, one fixed `respondent_salt`) into a fresh
   DuckDB file, in a child process: cxbridge's CPU time and peak RSS (unless `--stored`).
2. That file's rows are exported per batch of 10,000 records (in read order) to Parquet, the
   timestamps as the text cxbridge stages. Then, each in a child of its own, CPU time (user +
   system, every thread, `time.process_time`) around the writes only:
   - `merge`: each batch's tables registered as Arrow tables under cxbridge's staging names and
     merged by `DuckDBDestination.merge_statements` (change detection against `feedback`, the
     keyless tables' delete-then-insert, the cases added where their keys are absent), one
     transaction a batch, under cxbridge's memory limits: what cxbridge's DuckDB write side costs
     with no Python per row;
   - `merge_nolimit`: the same under DuckDB's own memory limit (80 % of memory);
   - `append`: each batch's rows inserted as they are (no change detection, no cases' look-ups);
   - `bulk`: every table's rows in one `INSERT` from one Arrow table, one transaction.
3. The per-record things a columnar engine cannot do in SQL, in a tight Python loop over the
   same records, each checked equal to what cxbridge stored: reading the CSV rows (csv module),
   the record id (BLAKE2b copied after the source and stream), the respondent key (BLAKE2b keyed
   with the salt, copied), the raw row's JSON (orjson), the content hash (marshal format 0 of
   (values, scores, comments) + BLAKE2b), and those four columns made Arrow arrays.

The last line is machine-readable:
    records=N cxbridge_us=… merge_us=… python_us=… floor_us=… budget_10x_dlt_us=…
(µs of CPU a record; `floor_us` = the merge + the per-record Python; the budget is the 20 µs a
record that 10× dlt → DuckDB's 197–208 s at 1M leaves.)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import marshal
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: the CSV, its config, the child-process timing)

SALT = run.SALT
BATCH = 10_000
BIG = 130_000  # `merge_big`'s transactions: more than a row group (122,880 rows), which DuckDB writes to the file directly
DLT_DUCKDB_S_PER_1M = (197.1, 208.0)  # bench/JOURNAL.md, "where the targets stand (2026-12-04)"
TABLES = ("feedback", "feedback_scores", "feedback_comments", "feedback_cases", "feedback_case_events",
          "loop_outbox", "quarantine")  # fmt: skip


def prepare(work: Path, records: int) -> None:
    (work / "cxbridge.toml").write_text(run.CONFIG, encoding="utf-8")
    os.environ["BENCH_SALT"] = SALT  # run.CONFIG's salt: a secret is never plain text in the config
    if not (work / "responses.csv").exists():
        run.generate(work / "responses.csv", records)


def export(stored: Path, stage: Path) -> int:
    """The stored rows, per batch of `BATCH` records in read order, as Parquet under
    `stage/<table>/batch=N/` (timestamps as the text cxbridge stages, `format_timestamp`'s)."""
    import duckdb

    from cxbridge.layout import ColumnType
    from cxbridge.plugins.duckdb.destination import DuckDBDestination

    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    conn = duckdb.connect()
    conn.execute(f"ATTACH '{stored}' AS s (READ_ONLY)")
    conn.execute(
        f"CREATE TABLE b AS SELECT record_id, (row_number() OVER (ORDER BY CAST(substr(source_record_id, 2) AS BIGINT)) "
        f"- 1) // {BATCH} AS batch FROM s.feedback"
    )  # fmt: skip
    count = conn.execute("SELECT COUNT(*) FROM b").fetchone()[0]
    conn.execute("CREATE TABLE cb AS SELECT c.case_id, b.batch FROM s.feedback_cases c JOIN b USING (record_id)")
    destination = DuckDBDestination(f"duckdb:///{stage / 'layout.duckdb'}")
    for name in TABLES:
        table = next(t for t in _tables() if t.name == name)
        columns = []
        for column in table.columns:
            if column.type is ColumnType.TIMESTAMP:
                columns.append(f"strftime(t.{column.name}, '%Y-%m-%dT%H:%M:%S.%fZ') AS {column.name}")
            elif column.type is ColumnType.JSON:
                columns.append(f"CAST(t.{column.name} AS VARCHAR) AS {column.name}")
            else:
                columns.append(f"t.{column.name}")
        join = ("JOIN cb USING (case_id)" if name in ("feedback_case_events", "loop_outbox")
                else "JOIN b USING (record_id)")  # fmt: skip
        empty = conn.execute(f"SELECT COUNT(*) FROM s.{name}").fetchone()[0] == 0
        (stage / name).mkdir()
        if empty:  # an empty table's schema, for the staging names the merge reads
            conn.execute(
                f"COPY (SELECT {', '.join(columns)} FROM s.{name} t) TO '{stage / name / 'empty.parquet'}' (FORMAT parquet)"
            )
            continue
        order = "b.batch" if "record_id" in join else "cb.batch"
        conn.execute(
            f"COPY (SELECT {', '.join(columns)}, {order} AS batch FROM s.{name} t {join} ORDER BY {order}) "
            f"TO '{stage / name}' (FORMAT parquet, PARTITION_BY (batch), OVERWRITE_OR_IGNORE)"
        )  # fmt: skip
    del destination
    conn.close()
    return count


def _tables():
    from cxbridge.layout import CRM_TABLES, FEEDBACK, FEEDBACK_COMMENTS, FEEDBACK_SCORES, LOOP_TABLES, QUARANTINE

    return (FEEDBACK, FEEDBACK_SCORES, FEEDBACK_COMMENTS, QUARANTINE, *LOOP_TABLES, *CRM_TABLES)


def batches(stage: Path):
    """Each batch's tables as Arrow tables, by table name (read outside the timed part)."""
    import pyarrow.parquet as pq

    empty = {
        name: pq.read_table(stage / name / "empty.parquet")
        for name in TABLES
        if (stage / name / "empty.parquet").exists()
    }
    numbers = sorted(int(p.name.split("=")[1]) for p in (stage / "feedback").iterdir())
    for n in numbers:
        tables = {}
        for name in TABLES:
            if name in empty:
                tables[name] = empty[name]
                continue
            part = stage / name / f"batch={n}"
            tables[name] = pq.read_table(part) if part.exists() else None  # PARTITION_BY left `batch` out
        for name in TABLES:  # a batch without such rows: the table's schema, no rows
            if tables[name] is None:
                any_part = next((stage / name).iterdir())
                tables[name] = pq.read_table(any_part).slice(0, 0)
        yield tables


# --- the DuckDB write side, from Arrow ---------------------------------------------------------


def load(stage: Path, out: Path, mode: str) -> dict[str, float]:
    """Every batch written into a fresh file by `mode`; the CPU time of the writes only."""
    from cxbridge.sql_rows import CHANGED
    from cxbridge.plugins.duckdb.destination import DuckDBDestination

    for path in out.parent.glob(out.name + "*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    destination = DuckDBDestination(f"duckdb:///{out}")
    destination.open()
    conn = destination.conn
    for setting in filter(
        None, os.environ.get("FLOOR_SETTINGS", "").split(";")
    ):  # e.g. SET checkpoint_threshold = '1GB'
        conn.execute(setting)
    if mode == "merge_nolimit":
        destination._limit_mb = 0
        conn.execute("RESET memory_limit")
    by_name = {table.name: table for table in _tables()}
    statements = destination.merge_statements((), links=False, cases=True)
    spent = 0.0
    parts: dict[str, float] = {}  # CPU by statement, and the commits
    commits: list[float] = []  # each batch's commit
    if mode == "bulk":
        import pyarrow as pa

        collected: dict[str, list] = {name: [] for name in TABLES}
        for tables in batches(stage):
            for name, table in tables.items():
                collected[name].append(table)
        whole = {name: pa.concat_tables(parts) for name, parts in collected.items()}
        started = time.process_time()
        conn.execute("RESET memory_limit")
        conn.begin()
        for name, table in whole.items():
            if table.num_rows:
                conn.register("whole", table)
                table_def = by_name[name]
                columns = ", ".join(table_def.column_names)
                selected = ", ".join(destination.from_stage(c) for c in table_def.columns)
                conn.execute(f"INSERT INTO {name} ({columns}) SELECT {selected} FROM whole")
                conn.unregister("whole")
        conn.commit()
        spent = time.process_time() - started
    else:
        for tables in batches(stage) if mode != "merge_big" else grouped(batches(stage), BIG // BATCH):
            started = time.process_time()
            with destination.transaction():
                if mode != "append":
                    destination.execute(destination.clear_sql(CHANGED.name))
                for name, table in tables.items():
                    stage_name = destination.stage_name(by_name[name])
                    conn.register(stage_name, table)
                    destination._registered.add(stage_name)
                    destination._staged_bytes += table.nbytes
                if mode in ("merge", "merge_big"):
                    destination._fit_memory_limit()
                if mode == "append":
                    for name, table in tables.items():
                        if table.num_rows:
                            table_def = by_name[name]
                            selected = ", ".join(destination.from_stage(c) for c in table_def.columns)
                            conn.execute(f"INSERT INTO {name} ({', '.join(table_def.column_names)}) "
                                         f"SELECT {selected} FROM {destination.stage_name(table_def)}")  # fmt: skip
                else:
                    for at, statement in enumerate(statements):
                        t = time.process_time()
                        destination.execute(statement)
                        parts[f"statement {at}: {statement[:60]}"] = (
                            parts.get(f"statement {at}: {statement[:60]}", 0.0) + time.process_time() - t
                        )
                    destination.fetch(f"SELECT COUNT(*) AS n FROM {CHANGED.name}")
                body = time.process_time()
            commits.append(time.process_time() - body)
            parts["commit"] = parts.get("commit", 0.0) + commits[-1]
            spent += time.process_time() - started
    started = time.process_time()
    destination.close()
    spent += time.process_time() - started
    import duckdb

    with duckdb.connect(str(out), read_only=True) as check:
        counts = {name: check.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in TABLES}
    return {
        "cpu": spent,
        **{f"rows_{name}": float(n) for name, n in counts.items()},
        "parts": parts,
        "commits": commits,
    }


def grouped(tables_of_batches, count: int):
    """`count` batches at a time as one (a transaction of as many records)."""
    import pyarrow as pa

    group: list[dict] = []
    for tables in tables_of_batches:
        group.append(tables)
        if len(group) == count:
            yield {name: pa.concat_tables([g[name] for g in group]) for name in TABLES}
            group = []
    if group:
        yield {name: pa.concat_tables([g[name] for g in group]) for name in TABLES}


# --- the per-record Python: ids, keys, raw JSON, content hash -----------------------------------


def python_side(work: Path, stored: Path) -> dict[str, float]:
    """Each per-record thing in a tight loop over all records (one pass each, per batch), timed
    apart and checked equal to the stored values."""
    import duckdb
    import orjson
    import pyarrow as pa

    from cxbridge.identity import record_ids
    from cxbridge.tables import CONTENT_COLUMNS, COMMENT_COLUMNS, SCORE_COLUMNS
    from cxbridge.timestamps import format_timestamp

    spent = {
        "read": 0.0,
        "record_id": 0.0,
        "respondent_key": 0.0,
        "raw_json": 0.0,
        "content_hash": 0.0,
        "to_arrow": 0.0,
    }
    started = time.process_time()
    with (work / "responses.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)  # the cells as text, as a careful reader gives them (no per-row dict)
    spent["read"] = time.process_time() - started

    conn = duckdb.connect()
    conn.execute(f"ATTACH '{stored}' AS s (READ_ONLY)")
    # content columns as cxbridge hashes them: timestamps as text, JSON as text
    selected = []
    for column in CONTENT_COLUMNS:
        if column in ("submitted_at", "updated_at"):
            selected.append(f"f.{column}")
        elif column in ("answers", "attributes", "raw"):
            selected.append(f"CAST(f.{column} AS VARCHAR)")
        else:
            selected.append(f"f.{column}")
    rid_of = record_ids("bench", "rows")
    blank = hashlib.blake2b(key=SALT.encode()[:64], digest_size=16)
    checked = mismatched = 0
    for first in range(0, len(rows), BATCH):
        chunk = rows[first : first + BATCH]
        numbers = range(first + 2, first + 2 + len(chunk))  # the file's row numbers (the header is row 1)
        # the stored rows of these records (outside the timed parts)
        ids = [f"R{first + i}" for i in range(len(chunk))]
        stored_rows = conn.execute(
            f"SELECT {', '.join(selected)}, f.content_hash FROM s.feedback f "
            f"WHERE source_record_id IN (SELECT unnest(?)) ORDER BY CAST(substr(source_record_id, 2) AS BIGINT)", [ids]
        ).fetchall()  # fmt: skip
        by_id: dict[str, list] = {}
        for row in conn.execute(
            f"SELECT {', '.join(SCORE_COLUMNS)} FROM s.feedback_scores WHERE record_id IN (SELECT unnest(?)) "
            "ORDER BY record_id, rowid", [[r[0] for r in stored_rows]]
        ).fetchall():  # fmt: skip
            by_id.setdefault(row[0], []).append(row)
        comments_by: dict[str, list] = {}
        for row in conn.execute(
            f"SELECT {', '.join(COMMENT_COLUMNS)} FROM s.feedback_comments WHERE record_id IN (SELECT unnest(?))",
            [[r[0] for r in stored_rows]],
        ).fetchall():  # fmt: skip
            comments_by.setdefault(row[0], []).append(row)
        values = []
        for row in stored_rows:
            row = list(row[:-1])
            for at, column in enumerate(CONTENT_COLUMNS):
                if column in ("submitted_at", "updated_at"):
                    row[at] = format_timestamp(row[at])
            values.append(row)
        scores = [by_id.get(v[0], []) for v in values]
        comments = [comments_by.get(v[0], []) for v in values]
        hashes = [row[-1] for row in stored_rows]

        # the timed parts: each a tight loop over the batch's records
        t = time.process_time()
        record_ids_ = [rid_of(row[0]) for row in chunk]
        spent["record_id"] += time.process_time() - t

        t = time.process_time()
        keys = []
        for row in chunk:
            hasher = blank.copy()
            hasher.update(row[5].strip().casefold().encode())
            keys.append(hasher.hexdigest())
        spent["respondent_key"] += time.process_time() - t

        t = time.process_time()
        raws = []
        for row, number, key in zip(chunk, numbers, keys):
            cells = dict(zip(header, [cell or None for cell in row]))  # an empty cell is null
            cells["Email"] = "hashed:" + key  # the scrubbed contact
            raws.append(orjson.dumps({"file": "responses.csv", "row": number, "values": cells, "id": row[0]}).decode())
        spent["raw_json"] += time.process_time() - t

        t = time.process_time()
        digests = [hashlib.blake2b(marshal.dumps((v, s, c), 0), digest_size=16).hexdigest()
                   for v, s, c in zip(values, scores, comments)]  # fmt: skip
        spent["content_hash"] += time.process_time() - t

        t = time.process_time()
        pa.array(record_ids_, pa.string()), pa.array(keys, pa.string()), pa.array(raws, pa.string())
        pa.array(digests, pa.string())
        spent["to_arrow"] += time.process_time() - t

        # the check: each equal to what cxbridge stored
        at_key, at_raw = CONTENT_COLUMNS.index("respondent_key"), CONTENT_COLUMNS.index("raw")
        for v, rid, key, raw, digest, stored_hash in zip(values, record_ids_, keys, raws, digests, hashes):
            checked += 1
            if (v[0], v[at_key], json.loads(v[at_raw]), digest) != (rid, key, json.loads(raw), stored_hash):
                mismatched += 1
    conn.close()
    return {**spent, "checked": float(checked), "mismatched": float(mismatched)}


# --- cxbridge's own sync, by part ------------------------------------------------------------------


def breakdown(work: Path, out: Path) -> dict[str, float]:
    """`cxbridge sync` of the work folder's CSV into `out`, in this process, with the CPU time of
    each batch's parts (timed per batch: a clock read per record would cost more than some parts)."""
    from cxbridge import pipeline
    from cxbridge.plugins.duckdb.destination import DuckDBDestination
    from cxbridge.sql_destination import SQLDestination

    parts: dict[str, float] = {}

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                parts[label] = parts.get(label, 0.0) + time.process_time() - started

        setattr(owner, name, wrapper)

    timed(pipeline.Engine, "_run_stream", "stream")
    timed(pipeline.Engine, "_commit", "batch")
    timed(pipeline, "cases_to_open", "batch: the loop's cases (rules, look-ups)")
    timed(DuckDBDestination, "write_batch", "batch: write")
    timed(DuckDBDestination, "stage", "batch: write: hand-over (NumPy arrays, registered)")
    timed(SQLDestination, "execute", "batch: write: merge statements")
    timed(SQLDestination, "fetch", "batch: write: fetch")
    for path in out.parent.glob(out.name + "*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    os.chdir(work)
    sys.argv = ["cxbridge", "sync", "--no-progress", "--destination", f"duckdb:///{out}"]
    started = time.process_time()
    try:
        import runpy

        runpy.run_module("cxbridge", run_name="__main__")
    except SystemExit as exc:
        if exc.code:
            raise
    parts["sync"] = time.process_time() - started
    return parts


# --- the children and the report ---------------------------------------------------------------


def in_child(args: list[str], work: Path) -> tuple[dict[str, float], run.Timing]:
    result = work / "child.json"
    result.unlink(missing_ok=True)
    env = {**os.environ, "CXBRIDGE_LOAD_PLUGINS": ""}
    timing = run.child([sys.executable, __file__, *args, "--result", str(result)], work, env)
    return json.loads(result.read_text()), timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--work", type=Path, help="a folder to keep (default: a temporary one)")
    parser.add_argument("--stored", type=Path, help="a DuckDB file cxbridge synced from the work folder's CSV")
    parser.add_argument("--modes", default="merge,merge_nolimit,append,bulk")
    parser.add_argument("--no-python", action="store_true", help="leave out the per-record Python loop")
    parser.add_argument("--breakdown", action="store_true", help="cxbridge's own sync again, timed by part")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work = args.work
        if args.child == "python":
            out = python_side(work, args.stored)
        elif args.child == "breakdown":
            out = breakdown(work, work / "breakdown.duckdb")
        else:
            out = load(work / "stage", work / f"floor-{args.child}.duckdb", args.child)
        args.result.write_text(json.dumps(out))
        return

    with tempfile.TemporaryDirectory(prefix="cxbridge-floor-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        prepare(work, args.records)
        print(f"load average at start: {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
        cx = None
        stored = args.stored
        if stored is None:
            stored = work / "cxbridge.duckdb"
            for path in work.glob("cxbridge.duckdb*"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            cx = run.cxbridge_sync(work, f"duckdb:///{stored}")
            print(f"cxbridge sync -> DuckDB: {cx.cpu:.1f} s CPU, {cx.wall:.1f} s wall, {cx.rss_mb:.0f} MB", flush=True)
        count = export(stored, work / "stage")
        results: dict[str, dict[str, float]] = {}
        for mode in filter(None, args.modes.split(",")):
            out, timing = in_child(["--child", mode, "--work", str(work)], work)
            results[mode] = out
            print(f"{mode:14} {out['cpu']:7.2f} s CPU ({out['cpu'] / count * 1e6:6.1f} µs a record; the child "
                  f"{timing.cpu:.1f} s, {timing.rss_mb:.0f} MB); rows {int(out['rows_feedback'])} feedback, "
                  f"{int(out['rows_feedback_scores'])} scores, {int(out['rows_feedback_comments'])} comments, "
                  f"{int(out['rows_feedback_cases'])} cases", flush=True)  # fmt: skip
            for part, cpu in out["parts"].items():
                print(f"    {cpu / count * 1e6:6.1f} µs  {part}")
        python_us = 0.0
        if not args.no_python:
            out, timing = in_child(["--child", "python", "--work", str(work), "--stored", str(stored)], work)
            if out["mismatched"]:
                raise SystemExit(
                    f"{int(out['mismatched'])} of {int(out['checked'])} records differ from the stored ones"
                )
            for part in ("read", "record_id", "respondent_key", "raw_json", "content_hash", "to_arrow"):
                print(f"python {part:16} {out[part]:7.2f} s CPU ({out[part] / count * 1e6:6.2f} µs a record)")
                python_us += out[part] / count * 1e6
            print(f"python, all of it: {python_us:.1f} µs a record (checked equal to the stored values: "
                  f"{int(out['checked'])} records)")  # fmt: skip
        if args.breakdown:
            out, timing = in_child(["--child", "breakdown", "--work", str(work)], work)
            stream, batch, write = out["stream"], out["batch"], out["batch: write"]
            inner = sum(v for k, v in out.items() if k.startswith("batch: write: "))
            print(f"cxbridge's sync by part (the child {timing.cpu:.1f} s CPU, {timing.rss_mb:.0f} MB), µs a record:")
            for label, cpu in (("start-up and finish (outside the stream)", out["sync"] - stream),
                               ("read, scrub, rows (per record, in the stream)", stream - batch),
                               ("batch: the loop's cases (rules, look-ups)", out["batch: the loop's cases (rules, look-ups)"]),
                               ("batch: the rest before the write (settle, links)", batch - write - out["batch: the loop's cases (rules, look-ups)"]),
                               *((k, v) for k, v in out.items() if k.startswith("batch: write: ")),
                               ("batch: write: staged rows, transaction, commit", write - inner)):  # fmt: skip
                print(f"    {cpu / count * 1e6:6.1f}  {label}")
        print(f"load average at end: {Path('/proc/loadavg').read_text().split()[:3]}")
        merge_us = results["merge"]["cpu"] / count * 1e6 if "merge" in results else float("nan")
        cx_us = cx.cpu / count * 1e6 if cx else float("nan")
        budget = min(DLT_DUCKDB_S_PER_1M) / 10  # s per 1M records is µs a record
        print(
            f"records={count} cxbridge_us={cx_us:.1f} merge_us={merge_us:.1f} python_us={python_us:.1f} "
            f"floor_us={merge_us + python_us:.1f} budget_10x_dlt_us={budget:.1f}"
        )


if __name__ == "__main__":
    main()
