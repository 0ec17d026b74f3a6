"""Benchmark: `cxbridge sync` of N CSV responses against the floor and, with `--peers`, against
the generic loaders, each in a child process of its own so its CPU time and peak RSS are its own.

- floor: Python's csv module + sqlite3 writing the same rows (same columns, same JSON, same
  hashes) into the same tables and indexes cxbridge creates, as a careful hand-written loader
  would: statements of many rows each, a batch's rows in key order (FLOOR_INSERT) — what the
  data costs;
- floor with cases (`cases_floor`, reported beside the floor): the same, plus the loop's cases
  (and their `opened` events) that cxbridge's default rules open on this data — checked to be
  the same cases cxbridge wrote;
- cxbridge: `cxbridge sync` of the same file into a fresh SQLite database (with `--peers`, into a
  fresh DuckDB file and a fresh Parquet lake too), then again with the file unchanged and again
  with 1 % of rows appended;
- with `--peers` (install them with `pip install -e '.[bench]'`; a peer not installed is skipped
  with a message): dlt `pipeline.run` of the same records as dicts shaped like cxbridge's
  `feedback` rows, scores and comments nested, into SQLite (SQLAlchemy destination, one load
  worker: SQLite has one writer) and DuckDB, each with its fastest loader format
  (`--dlt-format-sqlite`, `--dlt-format-duckdb`), and into Parquet files on the local disk (dlt's
  filesystem destination; the peer of a Parquet lake); and
  `pandas.read_csv` + `DataFrame.to_sql` of the flat CSV into SQLite.

The contenders take turns (`--rounds` times, the order turning each round; the median counts).
Records/s are computed from CPU time (user + system), so that other work on the machine does not
skew the ratios; wall-clock rates are printed too.

    python bench/run.py --records 100000
    python bench/run.py --records 100000 --peers
    python bench/run.py --records 100000 --incremental-only --no-id   # rows keyed by content

`--no-id` leaves the id column out of the mapping, so cxbridge keys each row by its submitted
time and e-mail (and counts repeated keys) — the re-sync of an appended file then has to count
the keys of the rows read before.

The last lines are machine-readable:
    records=N cxbridge_rps=… baseline_rps=… ratio=… peak_rss_mb=…
    records=N vs_dlt_sqlite=… vs_dlt_duckdb=… vs_dlt_parquet=… vs_floor=… vs_floor_no_cases=… vs_pandas=… peak_rss_mb=…   (with --peers)

`vs_floor` is cxbridge into SQLite against the floor with the same cases (`cases_floor`: the same
tables cxbridge writes on this data), `vs_floor_no_cases` against the floor without them (what
`vs_floor` meant until 2026-12-03). `ratio` on the first line stays the one to the plain floor.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import marshal
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from pathlib import Path

HEADER = ["Response ID", "Submitted", "Store ID", "Store", "Channel", "Email", "NPS", "Satisfaction", "Effort",
          "Comment", "Basket"]  # fmt: skip
LABELS = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
SALT = "bench-floor-salt"
"""The respondent keys' salt (`[settings] respondent_salt`, from BENCH_SALT: a secret is never
plain text in a config), so that the floor can work out the keys cxbridge stores."""
CONFIG = """
[settings]
timezone = "UTC"
respondent_salt = "${BENCH_SALT}"

[sources.bench]
connector = "csv"
path = "responses.csv"

[sources.bench.columns]
id = "Response ID"
submitted_at = "Submitted"
location_id = "Store ID"
location_name = "Store"
channel = "Channel"
email = "Email"
comment = "Comment"

[[sources.bench.metrics]]
column = "NPS"
metric = "nps"

[[sources.bench.metrics]]
column = "Satisfaction"
metric = "csat"
scale = [1, 5]
labels = { "Very dissatisfied" = 1, "Dissatisfied" = 2, "Neutral" = 3, "Satisfied" = 4, "Very satisfied" = 5 }

[[sources.bench.metrics]]
column = "Effort"
metric = "ces"
scale = [1, 7]
"""


def config(*, no_id: bool = False) -> str:
    """The bench source's config; without the id column, rows are keyed by their content (a
    repeated key counts the rows before it, see docs/files.md)."""
    return CONFIG.replace('id = "Response ID"\n', "") if no_id else CONFIG


def generate(path: Path, records: int, *, seed: int = 7, first: int = 0) -> None:
    """`records` responses numbered from `first`; from 0 a new file with its header, else appended."""
    rng = random.Random(seed + first)
    comments = ["", "", "Quick and friendly.", "Queue was too long.", "Could not find my size, staff helped."]
    with path.open("a" if first else "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if not first:
            writer.writerow(HEADER)
        for n in range(first, first + records):
            writer.writerow([
                f"R{n}", f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
                f"S{n % 50:03d}", f"Store {n % 50}", rng.choice(["email", "sms", "web"]),
                f"user{rng.randrange(records)}@example.com", str(rng.randrange(11)), rng.choice(LABELS),
                str(rng.randrange(1, 8)), rng.choice(comments), rng.choice(["small", "large"]),
            ])  # fmt: skip


# --- (a) the baseline: the same rows, written with nothing but csv + sqlite3 -----------------


def _hash(*parts: str, size: int = 16) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=size).hexdigest()


def _stamp(moment: datetime) -> str:
    """A UTC time as cxbridge writes it in SQLite."""
    return f"{moment:%Y-%m-%dT%H:%M:%S.%f}Z"


def _category_csat(value: int) -> str:
    return "satisfied" if value >= 4 else "dissatisfied" if value <= 2 else "neutral"


def _category_ces(value: int) -> str:
    return "low_effort" if value >= 6 else "high_effort" if value <= 2 else "neutral"


def _create_tables(db_path: Path) -> None:
    from cxbridge.plugins.sqlite.destination import SQLiteDestination  # only to create the same tables

    destination = SQLiteDestination(f"sqlite:///{db_path}")
    destination.open()
    destination.close()


def rows_of(csv_path: Path):
    """Each response as cxbridge stores it: its `feedback` row, `feedback_scores` rows and
    `feedback_comments` rows, as tuples in the tables' column order — the same values but the
    run's (`ingested_at`, `sync_run_id`), worked out here from docs/schema.md and the config
    (`_same_rows` checks them against cxbridge's): the respondent key a keyed BLAKE2b of the
    trimmed, casefolded e-mail; the raw row with the e-mail as its `hashed:` key and empty cells
    null; each score's normalized value rounded to 6 decimals; the content hash BLAKE2b of the
    content columns, the score rows and the comment rows (marshal format 0)."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    now = _stamp(datetime.now(timezone.utc))
    salted = hashlib.blake2b(key=SALT.encode()[:64], digest_size=16)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            rid = _hash("bench", "rows", row[0])
            nps, csat, ces = int(row[6]), LABELS.index(row[7]) + 1, int(row[8])
            group = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
            csat_normalized, ces_normalized = round((csat - 1) * 25.0, 6), round((ces - 1) / 6 * 100, 6)
            hasher = salted.copy()
            hasher.update(row[5].strip().casefold().encode())
            key = hasher.hexdigest()
            values = {name: cell or None for name, cell in zip(HEADER, row)}  # an empty cell is null
            values["Email"] = "hashed:" + key  # the e-mail never stored as it was (docs/security.md)
            comment = row[9] or None
            answers = {"NPS": {"text": "NPS", "value": nps, "label": None},
                       "Satisfaction": {"text": "Satisfaction", "value": csat, "label": row[7]},
                       "Effort": {"text": "Effort", "value": ces, "label": None},
                       "Comment": {"text": "Comment", "value": comment, "label": None}}  # fmt: skip
            raw = {"file": "responses.csv", "row": reader.line_num, "values": values, "id": row[0]}
            content = [
                rid, "bench", "csv", "rows", row[0], "voc", "customer", row[4], None, None, None, None, "complete",
                row[1], row[1][:10], None, row[2], row[3], None, None, key, None, None, None, None, None, nps, group,
                float(csat), csat_normalized, float(ces), ces_normalized, comment, dumps(answers),
                dumps({"Basket": row[10]}), dumps(raw), 1,
            ]  # fmt: skip
            scores = [
                (rid, "nps", "NPS", "NPS", float(nps), 0.0, 10.0, "higher_is_better", nps * 10.0, group, True, "bench/NPS@0-10"),
                (rid, "csat", "Satisfaction", "Satisfaction", float(csat), 1.0, 5.0, "higher_is_better",
                 csat_normalized, _category_csat(csat), True, "bench/Satisfaction@1-5"),
                (rid, "ces", "Effort", "Effort", float(ces), 1.0, 7.0, "higher_is_better", ces_normalized,
                 _category_ces(ces), True, "bench/Effort@1-7"),
            ]  # fmt: skip
            comments = [(rid, "Comment", "Comment", comment, None)] if comment else []
            digest = hashlib.blake2b(marshal.dumps((content, scores, comments), 0), digest_size=16).hexdigest()
            yield (*content, now, "baseline", digest, None), scores, comments


def baseline(csv_path: Path, db_path: Path, *, cases: bool = False) -> int:
    """Insert every response as cxbridge would, with plain Python; returns the record count.
    With `cases`, also the case (and its `opened` event) that cxbridge's default loop rules open
    for a customer's NPS detractor or dissatisfied CSAT answer (docs/loop.md) — the variant
    `cases_floor`, reported beside the floor, which writes none."""
    from cxbridge.plugins.sqlite.destination import SQLiteDestination
    from cxbridge.tables import FEEDBACK_COLUMNS

    _create_tables(db_path)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for pragma in SQLiteDestination.writer_pragmas():  # WAL, page cache and checkpoints as cxbridge writes
        conn.execute(pragma)
    feedback_sql = f"INSERT INTO feedback ({', '.join(FEEDBACK_COLUMNS)}) VALUES ({', '.join('?' * len(FEEDBACK_COLUMNS))})"
    count = 0
    opened = datetime.now(timezone.utc)
    case_of = _case_maker(_stamp(opened), _stamp(opened + timedelta(hours=48))) if cases else None
    batch_feedback, batch_scores, batch_comments, batch_cases = [], [], [], []
    for feedback, scores, comments in rows_of(csv_path):
        batch_feedback.append(feedback)
        batch_scores += scores
        batch_comments += comments
        if case_of and (case := case_of(feedback, scores)):
            batch_cases.append(case)
        count += 1
        if len(batch_feedback) == SQLiteDestination.batch_size:  # a transaction as large as cxbridge's
            _flush(conn, feedback_sql, batch_feedback, batch_scores, batch_comments, batch_cases)
            batch_feedback, batch_scores, batch_comments, batch_cases = [], [], [], []
    _flush(conn, feedback_sql, batch_feedback, batch_scores, batch_comments, batch_cases)
    conn.close()
    return count


def _case_maker(opened_at: str, due_at: str):
    """A function giving the (case row, event row) a response opens under the default rules, or None."""
    from cxbridge.tables import FEEDBACK_COLUMNS

    location = FEEDBACK_COLUMNS.index("location_id")
    opened_day = opened_at[:10]  # the day it opened in the bench source's zone, UTC

    def case_of(feedback: tuple, scores: list[tuple]) -> tuple[tuple, tuple] | None:
        nps, csat = scores[0], scores[1]  # the bench's primary NPS and CSAT answers
        if nps[9] == "detractor":
            rule, matched = "detractors", f"nps {nps[4]:g} (detractor)"
        elif csat[9] == "dissatisfied":
            rule, matched = "dissatisfied", f"csat {csat[4]:g} (dissatisfied)"
        else:
            return None
        case = _hash("case", feedback[0], size=8)
        return (
            (case, feedback[0], feedback[1], feedback[location], rule, matched, "open", opened_at, opened_day, due_at, opened_at,
             "baseline"),
            (_hash("opened", case, size=8), case, opened_at, "cxbridge", "opened", "open", f"rule {rule}: {matched}"),
        )  # fmt: skip

    return case_of


FLOOR_INSERT = os.environ.get("CXBRIDGE_BENCH_FLOOR_INSERT", "rows")
"""How the floors insert: "rows", statements of many rows each (`VALUES (…), (…)`, up to
ROWS_VARIABLES bound values a statement), or "many", one row a statement (`executemany`). The
default is the cheaper of the two as measured (bench/JOURNAL.md, "the floor's inserts"); the
environment variable keeps the other for comparison."""
ROWS_VARIABLES = 900  # what cxbridge binds a statement at most (plugins/sqlite: MAX_VARIABLES)


def _insert(conn, sql: str, rows: list[tuple]) -> None:
    """`conn.executemany(sql, rows)` for an `INSERT … VALUES (?, …)` of one row: as it is
    (FLOOR_INSERT "many"), or as statements of many rows each, as a careful hand-written loader
    writes them (the same rows, in the same order), each `INSERT OR ROLLBACK` as cxbridge's are
    (its rows are all new): SQLite keeps no statement journal for a statement that cannot stop
    half-way, where a plain statement of many rows journals every page it changes."""
    if FLOOR_INSERT == "many" or not rows:
        conn.executemany(sql, rows)
        return
    head, _, row = sql.partition(" VALUES ")
    head = head.replace("INSERT INTO", "INSERT OR ROLLBACK INTO")  # as cxbridge's: no statement journal
    per = max(1, ROWS_VARIABLES // len(rows[0]))
    full = f"{head} VALUES {', '.join([row] * per)}"
    whole = len(rows) - len(rows) % per
    for start in range(0, whole, per):
        conn.execute(full, [value for one in rows[start : start + per] for value in one])
    if whole < len(rows):
        rest = rows[whole:]
        conn.execute(f"{head} VALUES {', '.join([row] * len(rest))}", [value for one in rest for value in one])


_KEY, _SCORE_KEY, _COMMENT_KEY = itemgetter(0), itemgetter(0, 2, 1), itemgetter(0, 1)


def _flush(conn, feedback_sql, feedback, scores, comments, cases=()) -> None:
    """One batch in one transaction, each table's rows in the order of its key, as cxbridge
    writes them (its hashed ids then reach each key's B-tree pages in order, once a batch)."""
    conn.execute("BEGIN")
    _insert(conn, feedback_sql, sorted(feedback, key=_KEY))
    _insert(conn, "INSERT INTO feedback_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sorted(scores, key=_SCORE_KEY))
    _insert(conn, "INSERT INTO feedback_comments VALUES (?, ?, ?, ?, ?)", sorted(comments, key=_COMMENT_KEY))
    if cases:
        _insert(
            conn, "INSERT INTO feedback_cases (case_id, record_id, source, location_id, rule, matched, status, "
            "opened_at, opened_local_date, due_at, updated_at, sync_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sorted([case for case, _ in cases], key=_KEY),
        )  # fmt: skip
        _insert(
            conn, "INSERT INTO feedback_case_events (event_id, case_id, event_at, actor, kind, to_value, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", sorted([event for _, event in cases], key=_KEY)
        )  # fmt: skip
    conn.execute("COMMIT")


# --- the peers: dlt and pandas ---------------------------------------------------------------


def dlt_load(csv_path: Path, work: Path, engine: str, loader_format: str) -> int:
    """dlt `pipeline.run` of the same records, shaped like cxbridge's rows (scores and comments
    nested: dlt makes them child tables), appended to a fresh dataset."""
    import dlt

    _create_tables(work / "columns.db")
    with sqlite3.connect(work / "columns.db") as conn:
        names = {table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
                 for table in ("feedback", "feedback_scores", "feedback_comments")}  # fmt: skip

    def records():
        for feedback, scores, comments in rows_of(csv_path):
            record = dict(zip(names["feedback"], feedback))
            record["scores"] = [dict(zip(names["feedback_scores"][1:], score[1:])) for score in scores]
            record["comments"] = [dict(zip(names["feedback_comments"][1:], comment[1:])) for comment in comments]
            yield record

    name = f"bench_{engine}"
    if engine == "duckdb":
        destination = dlt.destinations.duckdb(str(work / f"dlt-{engine}.duckdb"))
    elif engine == "parquet":  # a folder of Parquet files, as a lake is
        destination = dlt.destinations.filesystem(bucket_url=(work / f"dlt-{engine}").as_uri())
    else:
        destination = dlt.destinations.sqlalchemy(credentials=f"sqlite:///{work / f'dlt-{engine}.db'}")
        # One load worker: dlt's default of 20 threads loads a package's files side by side, and on
        # one SQLite file they wait on its lock until one fails ("database is locked", seen at 1M).
        # SQLite takes one writer at a time, so a single worker costs dlt no CPU; set through dlt's
        # own configuration, scoped to this pipeline (`[<pipeline_name>.load] workers`).
        os.environ[f"{name.upper()}__LOAD__WORKERS"] = "1"
    pipeline = dlt.pipeline(pipeline_name=name, destination=destination, dataset_name="bench",
                            pipelines_dir=str(work / "dlt-pipelines"))  # fmt: skip
    pipeline.run(records(), table_name="feedback", loader_file_format=loader_format)
    return sum(1 for _ in open(csv_path, encoding="utf-8")) - 1


def pandas_load(csv_path: Path, db_path: Path) -> int:
    """pandas: the flat CSV into one SQLite table, as `to_sql` writes it."""
    import pandas

    frame = pandas.read_csv(csv_path)
    with sqlite3.connect(db_path) as conn:
        frame.to_sql("responses", conn, index=False, chunksize=1000)
    return len(frame)


# --- each contender in a child process ---------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    rss_mb: float


def child(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timing:
    """CPU time, wall time and peak RSS of a child process. Its output goes to a file, not a
    pipe: a child that writes more than a pipe holds (dlt's warnings) would wait forever for
    this process, which reads only once the child ended."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            output.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{output.read()}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def cxbridge_sync(work: Path, url: str) -> Timing:
    env = {**os.environ, "CXBRIDGE_LOAD_PLUGINS": "",  # built-in plugins only: no third-party hooks
           "CXBRIDGE_CACHE_DIR": str(work / "cache"), "BENCH_SALT": SALT}  # key tables kept in the run's folder  # fmt: skip
    return child([sys.executable, "-m", "cxbridge", "sync", "--no-progress", "--destination", url], work, env)


def bench_child(name: str, work: Path, args: argparse.Namespace) -> Timing:
    """Run contender `name` (see CONTENDERS) in a child process of this script."""
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    command = [sys.executable, __file__, "--child", name, "--work", str(work),
               "--dlt-format-sqlite", args.dlt_format_sqlite, "--dlt-format-duckdb", args.dlt_format_duckdb]  # fmt: skip
    return child(command, work, env)


def run_child(name: str, work: Path, args: argparse.Namespace) -> None:
    csv_path = work / "responses.csv"
    if name == "floor":
        baseline(csv_path, work / "floor.db")
    elif name == "cases_floor":
        baseline(csv_path, work / "cases_floor.db", cases=True)
    elif name == "dlt_sqlite":
        dlt_load(csv_path, work, "sqlite", args.dlt_format_sqlite)
    elif name == "dlt_duckdb":
        dlt_load(csv_path, work, "duckdb", args.dlt_format_duckdb)
    elif name == "dlt_parquet":
        dlt_load(csv_path, work, "parquet", "parquet")
    elif name == "pandas":
        pandas_load(csv_path, work / "pandas.db")


def installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def fresh(work: Path, name: str) -> None:
    """Remove what an earlier round of `name` wrote, so each round starts from nothing."""
    import shutil

    paths = list(work.glob(f"{name}*"))
    if name.startswith("dlt"):
        paths += [work / "dlt-pipelines", *work.glob(f"dlt-{name.removeprefix('dlt_')}*")]
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def contenders(peers: bool) -> list[str]:
    chosen = ["floor", "cases_floor", "cxbridge_sqlite"]
    if not peers:
        return chosen
    chosen.append("cxbridge_duckdb" if installed("duckdb") else _skip("cxbridge into DuckDB", "duckdb"))
    chosen.append("cxbridge_parquet" if installed("duckdb") else _skip("cxbridge into Parquet", "duckdb"))
    if installed("dlt"):
        chosen.append("dlt_sqlite" if installed("sqlalchemy") else _skip("dlt into SQLite", "sqlalchemy"))
        chosen.append("dlt_duckdb" if installed("duckdb") else _skip("dlt into DuckDB", "duckdb"))
        chosen.append("dlt_parquet" if installed("pyarrow") else _skip("dlt into Parquet files", "pyarrow"))
    else:
        _skip("dlt", "dlt")
    chosen.append("pandas" if installed("pandas") else _skip("pandas.to_sql", "pandas"))
    return [name for name in chosen if name]


def _skip(what: str, module: str) -> str:
    print(f"skipped: {what} ({module} is not installed; pip install -e '.[bench]')")
    return ""


def measure(name: str, work: Path, args: argparse.Namespace) -> Timing:
    fresh(work, name)
    if name.startswith("cxbridge_"):
        return cxbridge_sync(work, f"{name.removeprefix('cxbridge_')}:///{written_by(work, name)}")
    return bench_child(name, work, args)


def median(timings: list[Timing]) -> Timing:
    ordered = sorted(timings, key=lambda t: t.cpu)
    middle = ordered[len(ordered) // 2]
    return Timing(middle.wall, middle.cpu, max(t.rss_mb for t in timings))


def incremental(work: Path, records: int) -> tuple[Timing, Timing, Timing]:
    """cxbridge into SQLite: a first sync, then again with the file unchanged, then again after
    appending 1 % of rows (in a copy of the workspace, so the contenders' file stays as it was)."""
    import shutil

    again = work / "incremental"
    shutil.rmtree(again, ignore_errors=True)
    again.mkdir()
    shutil.copy(work / "cxbridge.toml", again)
    shutil.copy(work / "responses.csv", again)
    url = f"sqlite:///{again / 'cxbridge.db'}"
    first = cxbridge_sync(again, url)
    unchanged = cxbridge_sync(again, url)
    generate(again / "responses.csv", max(records // 100, 1), first=records)
    appended = cxbridge_sync(again, url)
    with sqlite3.connect(again / "cxbridge.db") as conn:
        written = conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    if written != records + max(records // 100, 1):
        raise SystemExit(f"the incremental run holds {written} records")
    return first, unchanged, appended


def startup(work: Path) -> Timing:
    """What a sync costs that has nothing to read: a re-sync of an unchanged one-record file."""
    tiny = work / "startup"
    tiny.mkdir(exist_ok=True)
    (tiny / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    generate(tiny / "responses.csv", 1)
    cxbridge_sync(tiny, f"sqlite:///{tiny / 'cxbridge.db'}")
    return cxbridge_sync(tiny, f"sqlite:///{tiny / 'cxbridge.db'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--peers", action="store_true", help="dlt, pandas and cxbridge into DuckDB and Parquet too")
    parser.add_argument("--rounds", type=int, default=1, help="turns each contender takes (the median counts)")
    parser.add_argument("--no-incremental", action="store_true", help="leave out the re-syncs")
    parser.add_argument("--incremental-only", action="store_true", help="only the first sync and the re-syncs")
    parser.add_argument("--only", help="these contenders alone, comma-separated (e.g. floor,cases_floor,"
                        "cxbridge_sqlite,dlt_sqlite); ratios to one left out print as skipped")  # fmt: skip
    parser.add_argument("--no-id", action="store_true",
                        help="map no id column: cxbridge keys rows by submitted time and e-mail")  # fmt: skip
    parser.add_argument("--dlt-format-sqlite", default="parquet")
    parser.add_argument("--dlt-format-duckdb", default="parquet")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.work, args)
        return
    with tempfile.TemporaryDirectory(prefix="cxbridge-bench-") as tmp:
        work = Path(tmp)
        (work / "cxbridge.toml").write_text(config(no_id=args.no_id), encoding="utf-8")
        generate(work / "responses.csv", args.records)
        count = args.records
        names = [] if args.incremental_only else contenders(args.peers)
        if args.only:
            names = [name for name in names if name in args.only.split(",")]
        timings: dict[str, list[Timing]] = {name: [] for name in names}
        for round_ in range(args.rounds if names else 0):
            turn = round_ % len(names)
            for name in names[turn:] + names[:turn]:
                timings[name].append(measure(name, work, args))
                print(f"  round {round_ + 1}: {name}: {timings[name][-1].cpu:.1f} s CPU", flush=True)
        for name in (n for n in names if n.startswith("cxbridge_")):
            written = _count(written_by(work, name))
            if written != count:
                raise SystemExit(f"{name} wrote {written} records, not {count}")
        cases = _same_rows(work / "cases_floor.db", work / "cxbridge_sqlite.db") if _SQLITE <= set(names) else 0
        steps = None if args.no_incremental else incremental(work, count)
        start = startup(work)
    if args.incremental_only:
        return _incremental_report(count, steps, start, no_id=args.no_id)

    result = {name: median(found) for name, found in timings.items()}
    rps = {name: count / timing.cpu for name, timing in result.items()}
    print(f"{'':18}{'records/s (CPU)':>16}{'records/s (wall)':>18}{'peak RSS':>10}")
    for name, timing in result.items():
        print(f"{name:18}{rps[name]:>16,.0f}{count / timing.wall:>18,.0f}{timing.rss_mb:>7.0f} MB")
    peak = max(timing.rss_mb for name, timing in result.items() if name.startswith("cxbridge_"))
    _incremental_report(count, steps, start, no_id=args.no_id)
    if _SQLITE <= rps.keys():  # `--only` may leave the SQLite contenders out
        cx, floor = rps["cxbridge_sqlite"], rps["floor"]
        print(f"cxbridge wrote {cases:,} cases (the default loop rules) beside the {count:,} records; the floor writes "
              f"none, the floor with cases ({rps['cases_floor']:,.0f} records/s) the same ones: cxbridge's ratio to it "
              f"{cx / rps['cases_floor']:.2f} (to the floor {cx / floor:.2f})")  # fmt: skip
        print(f"records={count} cxbridge_rps={cx:.0f} baseline_rps={floor:.0f} ratio={cx / floor:.2f} "
              f"peak_rss_mb={result['cxbridge_sqlite'].rss_mb:.0f}")
    if args.peers:
        def ratio(ours: str, theirs: str) -> str:
            return f"{rps[ours] / rps[theirs]:.2f}" if ours in rps and theirs in rps else "skipped"

        # The floor is "the same tables and indexes cxbridge writes" (issue 19): with the loop's
        # cases, which cxbridge writes on this data; the floor without them is named for what it is.
        print(f"records={count} vs_dlt_sqlite={ratio('cxbridge_sqlite', 'dlt_sqlite')} "
              f"vs_dlt_duckdb={ratio('cxbridge_duckdb', 'dlt_duckdb')} "
              f"vs_dlt_parquet={ratio('cxbridge_parquet', 'dlt_parquet')} vs_floor={ratio('cxbridge_sqlite', 'cases_floor')} "
              f"vs_floor_no_cases={ratio('cxbridge_sqlite', 'floor')} vs_pandas={ratio('cxbridge_sqlite', 'pandas')} "
              f"peak_rss_mb={peak:.0f}")


def _incremental_report(
    count: int, steps: tuple[Timing, Timing, Timing] | None, start: Timing, *, no_id: bool = False
) -> None:
    """The incremental re-syncs' CPU time against the first sync's, and beyond start-up."""
    if steps is None:
        return
    first, unchanged, appended = steps
    print(f"incremental (cxbridge into SQLite; start-up, a sync with nothing to read: {start.cpu:.2f} s CPU): first sync "
          f"{first.cpu:.2f} s; unchanged {unchanged.cpu:.2f} s ({unchanged.cpu / first.cpu:.3f} of the first, "
          f"{unchanged.cpu - start.cpu:.2f} s beyond start-up); +1 % appended {appended.cpu:.2f} s "
          f"({appended.cpu / first.cpu:.3f} of the first)")  # fmt: skip
    print(f"records={count}{' no_id' if no_id else ''} unchanged_ratio={unchanged.cpu / first.cpu:.3f} "
          f"unchanged_beyond_startup_s={unchanged.cpu - start.cpu:.2f} appended_ratio={appended.cpu / first.cpu:.3f}")


_SQLITE = {"floor", "cases_floor", "cxbridge_sqlite"}
"""The contenders the SQLite lines of the report compare."""
RUN_COLUMNS = {
    "feedback": {"ingested_at", "sync_run_id"},
    "feedback_scores": set(),
    "feedback_comments": set(),
    "feedback_cases": {"opened_at", "opened_local_date", "due_at", "updated_at", "sync_run_id"},
    "feedback_case_events": {"event_at"},
}
"""The tables the floor writes, and in each the columns whose values are the run's (its id, its
clock); every other column the floor writes as cxbridge does."""


def _same_rows(floor: Path, ours: Path) -> int:
    """How many cases cxbridge wrote, after checking that the floor with cases wrote the same rows
    in every table it writes, but for the run's columns."""
    with sqlite3.connect(floor) as theirs, sqlite3.connect(ours) as conn:
        for table, runs in RUN_COLUMNS.items():
            columns = ", ".join(c for _, c, *_ in conn.execute(f"PRAGMA table_info({table})") if c not in runs)
            listed = f"SELECT {columns} FROM {table} ORDER BY {columns}"
            expected, found = theirs.execute(listed).fetchall(), conn.execute(listed).fetchall()
            if expected != found:
                first = next((pair for pair in zip(expected, found) if pair[0] != pair[1]), (len(expected), len(found)))
                raise SystemExit(f"{table}: the floor with cases wrote {len(expected)} rows, cxbridge {len(found)}, "
                                 f"not the same ones; the first that differ:\n  floor    {first[0]}\n  cxbridge {first[1]}")  # fmt: skip
        return conn.execute("SELECT COUNT(*) FROM feedback_cases").fetchone()[0]


def written_by(work: Path, name: str) -> Path:
    """The database file (or the lake's folder) cxbridge contender `name` writes."""
    engine = name.removeprefix("cxbridge_")
    return work / (name + {"sqlite": ".db", "duckdb": ".duckdb"}.get(engine, ""))


def _count(path: Path) -> int:
    if path.suffix == ".db":
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    import duckdb

    if path.is_dir():  # a Parquet lake: feedback/source=…/month=…/*.parquet
        with duckdb.connect() as conn:
            return conn.execute(f"SELECT COUNT(*) FROM read_parquet('{path}/feedback/*/*/*.parquet')").fetchone()[0]
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]


if __name__ == "__main__":
    main()
