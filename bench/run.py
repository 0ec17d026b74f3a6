"""Benchmark: `cxbridge sync` of N CSV responses into SQLite against a raw baseline, in one run.

(a) baseline: Python's csv module + sqlite3 executemany writing the same rows (same columns,
    same JSON, same hashes) into the same tables — the floor the data itself costs;
(b) cxbridge: `cxbridge sync` of the same file into a fresh database, in a child process so its
    peak RSS is its own.

Records/s are computed from CPU time (user + system), so that other work on the machine does not
skew the ratio; wall-clock rates are printed too.

    python bench/run.py --records 100000

The last line is machine-readable:
    records=N cxbridge_rps=… baseline_rps=… ratio=… peak_rss_mb=…
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

HEADER = ["Response ID", "Submitted", "Store ID", "Store", "Channel", "Email", "NPS", "Satisfaction", "Effort",
          "Comment", "Basket"]  # fmt: skip
LABELS = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
CONFIG = """
[settings]
timezone = "UTC"

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


def generate(path: Path, records: int, *, seed: int = 7) -> None:
    rng = random.Random(seed)
    comments = ["", "", "Quick and friendly.", "Queue was too long.", "Could not find my size, staff helped."]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(records):
            writer.writerow([
                f"R{n}", f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
                f"S{n % 50:03d}", f"Store {n % 50}", rng.choice(["email", "sms", "web"]),
                f"user{rng.randrange(records)}@example.com", str(rng.randrange(11)), rng.choice(LABELS),
                str(rng.randrange(1, 8)), rng.choice(comments), rng.choice(["small", "large"]),
            ])  # fmt: skip


# --- (a) the baseline: the same rows, written with nothing but csv + sqlite3 -----------------


def _hash(*parts: str, size: int = 16, key: bytes = b"") -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=size, key=key).hexdigest()


def _category_csat(value: int) -> str:
    return "satisfied" if value >= 4 else "dissatisfied" if value <= 2 else "neutral"


def _category_ces(value: int) -> str:
    return "low_effort" if value >= 6 else "high_effort" if value <= 2 else "neutral"


def baseline(csv_path: Path, db_path: Path) -> int:
    """Insert every response as cxbridge would, with plain Python; returns the record count."""
    from cxbridge.plugins.sqlite.destination import SQLiteDestination  # only to create the same tables

    destination = SQLiteDestination(f"sqlite:///{db_path}")
    destination.open()
    destination.close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    feedback_sql = f"INSERT INTO feedback VALUES ({', '.join('?' * 38)})"
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    now = datetime.now(timezone.utc).isoformat()
    count = 0
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch_feedback, batch_scores, batch_comments = [], [], []
        for row in reader:
            rid = _hash("bench", "rows", row[0])
            nps, csat, ces = int(row[6]), LABELS.index(row[7]) + 1, int(row[8])
            group = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
            values = dict(zip(HEADER, row))
            answers = {"NPS": {"text": "NPS", "value": row[6], "label": None},
                       "Satisfaction": {"text": "Satisfaction", "value": row[7], "label": None},
                       "Effort": {"text": "Effort", "value": row[8], "label": None},
                       "Comment": {"text": "Comment", "value": row[9], "label": None}}  # fmt: skip
            raw = {"file": "responses.csv", "row": reader.line_num, "values": values}
            batch_feedback.append((
                rid, "bench", "csv", "rows", row[0], "voc", "customer", row[4], None, None, None, "complete",
                row[1], None, row[2], row[3], None, None, _hash(row[5].casefold(), key=b"cxbridge-v1"),
                None, None, None, None, None, nps, group, float(csat), (csat - 1) * 25.0, float(ces),
                (ces - 1) / 6 * 100, row[9] or None, dumps(answers), dumps({"Basket": row[10]}), dumps(raw),
                1, now, "baseline", _hash(rid),
            ))  # fmt: skip
            batch_scores += [
                (rid, "nps", "NPS", "NPS", float(nps), 0.0, 10.0, "higher_is_better", nps * 10.0, group, True),
                (rid, "csat", "Satisfaction", "Satisfaction", float(csat), 1.0, 5.0, "higher_is_better",
                 (csat - 1) * 25.0, _category_csat(csat), True),
                (rid, "ces", "Effort", "Effort", float(ces), 1.0, 7.0, "higher_is_better", (ces - 1) / 6 * 100,
                 _category_ces(ces), True),
            ]  # fmt: skip
            if row[9]:
                batch_comments.append((rid, "Comment", "Comment", row[9], None))
            count += 1
            if len(batch_feedback) == 1000:
                _flush(conn, feedback_sql, batch_feedback, batch_scores, batch_comments)
                batch_feedback, batch_scores, batch_comments = [], [], []
        _flush(conn, feedback_sql, batch_feedback, batch_scores, batch_comments)
    conn.close()
    return count


def _flush(conn, feedback_sql, feedback, scores, comments) -> None:
    conn.execute("BEGIN")
    conn.executemany(feedback_sql, feedback)
    conn.executemany("INSERT INTO feedback_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", scores)
    conn.executemany("INSERT INTO feedback_comments VALUES (?, ?, ?, ?, ?)", comments)
    conn.execute("COMMIT")


# --- (b) cxbridge, in a child process ---------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def cxbridge_sync(work: Path, db_path: Path) -> tuple[Timing, float]:
    """Time and peak RSS (MB) of `cxbridge sync` in a child process."""
    command = [sys.executable, "-m", "cxbridge", "sync", "--no-progress", "--db", str(db_path)]
    env = {**os.environ, "CXBRIDGE_LOAD_PLUGINS": ""}  # built-in plugins only: no third-party hooks
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"cxbridge sync failed:\n{process.stderr.read()}")
    print(process.stdout.read().strip())
    return Timing(wall, usage.ru_utime + usage.ru_stime), usage.ru_maxrss / 1024


def timed_baseline(csv_path: Path, db_path: Path) -> tuple[int, Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = baseline(csv_path, db_path)
    return count, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxbridge-bench-") as tmp:
        work = Path(tmp)
        (work / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
        generate(work / "responses.csv", args.records)

        count, base = timed_baseline(work / "responses.csv", work / "baseline.db")
        cx, peak_rss = cxbridge_sync(work, work / "cxbridge.db")
        with sqlite3.connect(work / "cxbridge.db") as conn:
            written = conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        if written != count:
            raise SystemExit(f"cxbridge wrote {written} records, the baseline {count}")

    print(f"wall clock: baseline {count / base.wall:,.0f} records/s, cxbridge {count / cx.wall:,.0f} records/s")
    baseline_rps, cx_rps = count / base.cpu, count / cx.cpu
    print(f"CPU time:   baseline {baseline_rps:,.0f} records/s, cxbridge {cx_rps:,.0f} records/s; peak RSS {peak_rss:.0f} MB")
    print(
        f"records={count} cxbridge_rps={cx_rps:.0f} baseline_rps={baseline_rps:.0f} "
        f"ratio={cx_rps / baseline_rps:.2f} peak_rss_mb={peak_rss:.0f}"
    )


if __name__ == "__main__":
    main()
