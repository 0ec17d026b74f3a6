"""Benchmark: a lower bound for a columnar CSV → DuckDB path (issue 19, "DuckDB ≥ 10× dlt").

    python bench/columnar_bound.py --records 1000000
    python bench/columnar_bound.py --records 1000000 --transactions 10000,122880,all

What would cxbridge's DuckDB sync cost if no record ever became a Python object? Here DuckDB
does everything: it reads `bench/run.py`'s CSV (`read_csv`, every column text) into a temporary
table, then, one transaction per `--transactions` records, derives and inserts the five tables
cxbridge writes for this data — `feedback` (ids, respondent key and content hash as `md5`,
answers, attributes and the raw row as `to_json`, a change check against the stored ids), three
`feedback_scores` rows, `feedback_comments`, and the `feedback_cases` and `opened` events of the
default rules (a detractor NPS, else a dissatisfied CSAT). Each mode runs in a child process of
its own (CPU time = user + system of every thread; peak RSS its own).

It is a *lower bound*, not a design: every step is simpler than cxbridge's (no quarantine checks,
no scale checks, no label maps beyond one `CASE`, no wave, no local dates, MD5 where cxbridge uses
BLAKE2b, the whole file staged in memory), so a real columnar path costs at least this much. The
row counts are checked against plain Python's count of the same CSV.

The last line is machine-readable: `records=N <transaction>_us=… … budget_10x_dlt_us=…` (µs of
CPU a record; the budget is what 10× dlt → DuckDB's 197.1–208.0 s at 1M leaves).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: the CSV and the child-process timing)

DLT_DUCKDB_S_PER_1M = (197.1, 208.0)  # bench/JOURNAL.md, "where the targets stand (2026-12-04)"
STAGING_MEMORY = "2GiB"  # the staged CSV only: a real path would read it as it goes
LABEL_VALUE = " ".join(f"WHEN '{label}' THEN {n}" for n, label in enumerate(run.LABELS, 1))

STAGE = """
CREATE OR REPLACE TEMP TABLE batch AS
SELECT *,
       md5('bench' || chr(31) || 'rows' || chr(31) || "Response ID") AS rid,
       CAST(NPS AS BIGINT) AS v_nps,
       CAST(CASE Satisfaction {labels} END AS DOUBLE) AS v_csat,
       CAST(Effort AS DOUBLE) AS v_ces
FROM src WHERE rn BETWEEN {first} AND {last}"""

NPS_GROUP = "CASE WHEN v_nps >= 9 THEN 'promoter' WHEN v_nps >= 7 THEN 'passive' ELSE 'detractor' END"
CSAT_CATEGORY = "CASE WHEN v_csat >= 4 THEN 'satisfied' WHEN v_csat <= 2 THEN 'dissatisfied' ELSE 'neutral' END"
CES_CATEGORY = "CASE WHEN v_ces >= 6 THEN 'low_effort' WHEN v_ces <= 2 THEN 'high_effort' ELSE 'neutral' END"
OPENS_CASE = "v_nps <= 6 OR v_csat <= 2"

WRITES = (
    f"""INSERT INTO feedback
SELECT rid, 'bench', 'csv', 'rows', "Response ID", 'voc', 'customer', Channel, NULL, NULL, NULL, NULL, 'complete',
       CAST(Submitted AS TIMESTAMPTZ), left(Submitted, 10), NULL, "Store ID", Store, NULL, NULL, md5(lower(Email)),
       NULL, NULL, NULL, NULL, NULL, v_nps, {NPS_GROUP}, v_csat, (v_csat - 1) * 25, v_ces, (v_ces - 1) / 6 * 100,
       nullif(Comment, ''),
       to_json({{'NPS': {{'text': 'NPS', 'value': NPS, 'label': NULL}},
                'Satisfaction': {{'text': 'Satisfaction', 'value': Satisfaction, 'label': NULL}},
                'Effort': {{'text': 'Effort', 'value': Effort, 'label': NULL}},
                'Comment': {{'text': 'Comment', 'value': Comment, 'label': NULL}}}}),
       to_json({{'Basket': Basket}}),
       to_json({{'file': 'responses.csv', 'row': rn + 1, 'values': {{'Response ID': "Response ID",
                'Submitted': Submitted, 'Store ID': "Store ID", 'Store': Store, 'Channel': Channel,
                'Email': md5(Email), 'NPS': NPS, 'Satisfaction': Satisfaction, 'Effort': Effort,
                'Comment': Comment, 'Basket': Basket}}}}),
       1, now(), 'run',
       md5(concat_ws(chr(31), rid, Channel, Submitted, "Store ID", Store, Email, NPS, Satisfaction, Effort,
                     Comment, Basket)),
       NULL
FROM batch WHERE rid NOT IN (SELECT record_id FROM feedback WHERE record_id IN (SELECT rid FROM batch))""",
    f"""INSERT INTO feedback_scores
SELECT rid, 'nps', 'NPS', 'NPS', v_nps, 0, 10, 'higher_is_better', v_nps * 10.0, {NPS_GROUP}, true,
       'bench/NPS@0-10' FROM batch
UNION ALL
SELECT rid, 'csat', 'Satisfaction', 'Satisfaction', v_csat, 1, 5, 'higher_is_better', (v_csat - 1) * 25,
       {CSAT_CATEGORY}, true, 'bench/Satisfaction@1-5' FROM batch
UNION ALL
SELECT rid, 'ces', 'Effort', 'Effort', v_ces, 1, 7, 'higher_is_better', (v_ces - 1) / 6 * 100, {CES_CATEGORY},
       true, 'bench/Effort@1-7' FROM batch""",
    "INSERT INTO feedback_comments SELECT rid, 'Comment', 'Comment', Comment, NULL FROM batch WHERE Comment <> ''",
    f"""INSERT INTO feedback_cases
SELECT md5('case' || rid), rid, 'bench', "Store ID",
       CASE WHEN v_nps <= 6 THEN 'detractors' ELSE 'dissatisfied' END,
       CASE WHEN v_nps <= 6 THEN 'nps ' || NPS ELSE 'csat ' || Satisfaction END,
       'open', NULL, now(), now() + INTERVAL 2 DAY, NULL, NULL, NULL, NULL, NULL, NULL, now(), 'run'
FROM batch WHERE {OPENS_CASE}""",
    f"""INSERT INTO feedback_case_events
SELECT md5('opened' || rid), md5('case' || rid), now(), 'cxbridge', 'opened', NULL, 'open', NULL
FROM batch WHERE {OPENS_CASE}""",
)
COUNTED = ("feedback", "feedback_scores", "feedback_comments", "feedback_cases", "feedback_case_events")


def expected_counts(csv_path: Path) -> dict[str, int]:
    """The rows each table must hold, counted by plain Python over the CSV."""
    counts = dict.fromkeys(COUNTED, 0)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            cases = int(row["NPS"]) <= 6 or run.LABELS.index(row["Satisfaction"]) + 1 <= 2
            counts["feedback"] += 1
            counts["feedback_scores"] += 3
            counts["feedback_comments"] += row["Comment"] != ""
            counts["feedback_cases"] += cases
            counts["feedback_case_events"] += cases
    return counts


def child(database: Path, csv_path: Path, records: int, per_transaction: int, memory: str) -> dict:
    """Stage the CSV, write every table a transaction per `per_transaction` records; the counts."""
    import duckdb

    connection = duckdb.connect(str(database))
    connection.execute("SET checkpoint_threshold = '256MiB'")  # as DuckDBDestination
    connection.execute(f"SET memory_limit = '{STAGING_MEMORY}'")
    connection.execute(
        "CREATE TEMP TABLE src AS SELECT row_number() OVER () AS rn, * "
        f"FROM read_csv('{csv_path}', all_varchar = true, header = true)"
    )
    connection.execute(f"SET memory_limit = '{memory}'")
    for first in range(1, records + 1, per_transaction):
        connection.execute("BEGIN")
        connection.execute(STAGE.format(labels=LABEL_VALUE, first=first, last=first + per_transaction - 1))
        for statement in WRITES:
            connection.execute(statement)
        connection.execute("COMMIT")
    counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}
    connection.close()
    return counts


def _lines(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def empty_database(path: Path) -> None:
    from cxbridge.plugins.duckdb.destination import DuckDBDestination

    destination = DuckDBDestination(f"duckdb:///{path}")
    destination.open()
    destination.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--transactions", default="10000,50000,122880,all",
                        help="records a transaction, comma-separated ('all': one transaction)")  # fmt: skip
    parser.add_argument("--memory", default="128MiB", help="DuckDB's memory_limit while writing")
    parser.add_argument("--work", type=Path, help="a folder to keep (default: a temporary one)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # DATABASE PER_TRANSACTION
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cxbridge-columnar-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "responses.csv"
    if args.child:
        counts = child(Path(args.child[0]), csv_path, args.records, int(args.child[1]), args.memory)
        (work / "counts.json").write_text(json.dumps(counts), encoding="utf-8")
        return
    if not csv_path.exists() or _lines(csv_path) != args.records + 1:
        run.generate(csv_path, args.records)
    expected = expected_counts(csv_path)
    empty = work / "empty.duckdb"
    empty.unlink(missing_ok=True)
    empty_database(empty)
    results = []
    for size in args.transactions.split(","):
        per_transaction = args.records if size == "all" else int(size)
        database = work / f"columnar_{size}.duckdb"
        shutil.copy(empty, database)
        load = os.getloadavg()[0]
        timing = run.child(
            [sys.executable, __file__, "--records", str(args.records), "--memory", args.memory, "--work", str(work),
             "--child", str(database), str(per_transaction)],
            work,
        )  # fmt: skip
        counts = json.loads((work / "counts.json").read_text(encoding="utf-8"))
        if counts != expected:
            raise SystemExit(f"{size}: the tables hold {counts}, not {expected}")
        us = timing.cpu / args.records * 1e6
        print(f"{size:>7} records a transaction: {timing.cpu:7.1f} s CPU, {us:5.1f} µs a record, "
              f"peak RSS {timing.rss_mb:5.0f} MB (load {load:.1f} → {os.getloadavg()[0]:.1f})")  # fmt: skip
        results.append(f"{size}_us={us:.1f}")
        database.unlink()
    budget = min(DLT_DUCKDB_S_PER_1M) / 10 / 1_000_000 * 1e6
    print(f"records={args.records} {' '.join(results)} budget_10x_dlt_us={budget:.1f}")
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
