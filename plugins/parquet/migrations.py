"""The Parquet lake's migrations: named steps applied once by the first sync that opens a lake
(`_cxbridge/migrations.json` lists those done), each bringing the files an older cxbridge wrote to
the tables' columns, and `_cxbridge/views.sql` to the views, as a sync writes them now."""

from __future__ import annotations

import json
from glob import glob
from pathlib import Path

from cxbridge.layout import FEEDBACK, FEEDBACK_CASES, FEEDBACK_SCORES, METADATA, QUARANTINE, SYNC_RUNS, TABLES, Table
from cxbridge.plugins.parquet import files
from cxbridge.plugins.parquet.files import PARTITIONED, empty_select, literal
from cxbridge.question_keys import key_updates

MIGRATIONS = (
    "0001_table_folders", "0002_bi_views", "0003_crm_tables", "0004_crm_views", "0005_followup_files",
    "0006_local_dates", "0007_metadata", "0008_population_views", "0009_cross_source_identity", "0010_loop_tables",
    "0011_loop_views", "0012_question_keys", "0013_ranking_views", "0014_waves", "0015_loop_parts",
    "0016_quarantine_parts", "0017_exact_rounding", "0018_overdue_before_contact", "0019_cases_follow_up",
    "0020_sla_share_of_decided_cases", "0021_store_names", "0022_skipped_count",
    "0023_revenue_currency", "0024_ranking_flags_apart", "0025_scorecard_flags_apart",
    "0026_counts_across_currencies", "0027_unknown_detractor_revenue", "0028_pruned_count",
    "0029_run_command", "0030_ranking_places_exact", "0031_case_local_months", "0032_quarantine_kinds",
    "0033_empty_record_files",
)  # fmt: skip
VIEW_MIGRATIONS = {  # the migrations that changed views.sql
    "0002_bi_views", "0004_crm_views", "0005_followup_files", "0006_local_dates", "0008_population_views",
    "0009_cross_source_identity", "0010_loop_tables", "0011_loop_views", "0012_question_keys", "0013_ranking_views",
    "0014_waves", "0015_loop_parts",  # 0015: the loop's tables read every file of their folders
    "0016_quarantine_parts",  # 0016: and so does the quarantine
    "0017_exact_rounding",  # 0017: figures rounded from exact sums (docs/report.md, Rounding)
    "0018_overdue_before_contact",  # 0018: loop_queue.overdue leaves out a reopened case that was contacted
    "0019_cases_follow_up",  # 0019: a case contacted or closed takes its record off the follow-up queues
    "0020_sla_share_of_decided_cases",  # 0020: loop_performance's SLA share is of the cases contacted or past due
    "0021_store_names",  # 0021: a store goes by its most used spelling, not the greatest
    "0023_revenue_currency",  # 0023: the CRM views add no revenues of two currencies
    "0024_ranking_flags_apart",  # 0024: no store is flagged both top and bottom
    "0025_scorecard_flags_apart",  # 0025: nor in location_scorecard's top and bottom 20%
    "0026_counts_across_currencies",  # 0026: nps_revenue_by_month keeps its counts in mixed currencies
    "0027_unknown_detractor_revenue",  # 0027: its detractor_revenue is NULL when no detractor's revenue is known
    "0030_ranking_places_exact",  # 0030: share · n places compared exactly, not as floats (0.28 · 25 = 7.000000000000001)
    "0031_case_local_months",  # 0031: loop_performance counts a case in its month in its source's time zone
}  # fmt: skip


class LakeMigrations:
    """ParquetDestination's migrations of the lake it opens to write (`open`), listed done in
    `_migrations_file`."""

    def _migrations_done(self) -> list[str]:
        return json.loads(self._migrations_file.read_text()) if self._migrations_file.exists() else []

    def _migrations_pending(self) -> bool:
        """Whether a sync of an older cxbridge wrote this lake last: its files may lack columns
        added since, which a read-only open reads as nulls (only a sync migrates the files)."""
        return self.exists() and not set(MIGRATIONS) <= set(self._migrations_done())

    def _apply_migrations(self) -> None:
        done = self._migrations_done()
        if not {"0001_table_folders", "0003_crm_tables", "0010_loop_tables"} <= set(done):
            for table in TABLES:
                if table not in PARTITIONED and not files.table_file(self.root, table).exists():
                    files.replace_atomically(self.conn, empty_select(table), files.table_file(self.root, table))
        if not {"0006_local_dates", "0009_cross_source_identity", "0014_waves"} <= set(done):
            self._add_columns()
        if "0012_question_keys" not in done:
            self._add_question_keys()
        if "0022_skipped_count" not in done:
            self._add_run_column("records_skipped")
        if "0028_pruned_count" not in done:  # after 0022's: the layout's order
            self._add_run_column("records_pruned")
        if "0029_run_command" not in done:  # after 0028's
            self._add_run_column("command")
        if "0031_case_local_months" not in done:
            self._add_folder_column(FEEDBACK_CASES, "opened_local_date", self.day_of("opened_at"))
        if "0032_quarantine_kinds" not in done:  # NULL: a stored reason's words are no exact rule
            self._add_folder_column(QUARANTINE, "kind", "CAST(NULL AS VARCHAR)")
        if "0007_metadata" not in done and not files.table_file(self.root, METADATA).exists():
            files.replace_atomically(self.conn, empty_select(METADATA), files.table_file(self.root, METADATA))
        if not VIEW_MIGRATIONS <= set(done):
            (self.root / "_cxbridge").mkdir(parents=True, exist_ok=True)
            (self.root / "_cxbridge" / "views.sql").write_text(self._views_script(), encoding="utf-8")
        for table in PARTITIONED:  # 0033: rewritten at every migration, to hold the table's columns as now
            if done != list(MIGRATIONS) or not (self.root / table.name / files.EMPTY_FILE).exists():
                files.write_empty_file(self.conn, self.root, table)
        if done != list(MIGRATIONS):
            self._migrations_file.write_text(json.dumps(list(MIGRATIONS)), encoding="utf-8")

    def _add_columns(self) -> None:
        """The columns feedback gained since a file was written, in every such file:
        `submitted_local_date` (0006), the UTC day of `submitted_at` (the month the record was
        counted in until then), `duplicate_of` (0009) and `wave` (0014), empty."""
        columns = files.file_columns(FEEDBACK)
        empty = "CAST(NULL AS VARCHAR)"
        added = {"submitted_local_date": self.day_of("submitted_at"), "duplicate_of": empty, "wave": empty}
        for path in sorted(glob(files.partition_glob(self.root, FEEDBACK))):
            source = f"read_parquet({literal(path)})"
            present = {row[0] for row in self.conn.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            if not present >= set(columns):
                select = ", ".join(c if c in present else f"{added[c]} AS {c}" for c in columns)
                files.replace_atomically(self.conn, f"SELECT {select} FROM {source} ORDER BY record_id", Path(path))

    def _add_run_column(self, name: str) -> None:
        """`sync_runs.NAME` — `records_skipped` (0022), `records_pruned` (0028), `command` (0029) —
        empty in the runs stored: they did not record it."""
        path, column = files.table_file(self.root, SYNC_RUNS), SYNC_RUNS.column(name)
        runs = f"read_parquet({literal(path)})"
        if column.name not in {row[0] for row in self.conn.execute(f"DESCRIBE SELECT * FROM {runs}").fetchall()}:
            empty = f"CAST(NULL AS {files.TYPE_NAMES[column.type]}) AS {column.name}"
            files.replace_atomically(self.conn, f"SELECT *, {empty} FROM {runs}", path)

    def _add_folder_column(self, table: Table, name: str, value: str) -> None:
        """`TABLE.NAME`, the last of its columns, in every file of its folder written before it, as
        `value` (SQL of the file's columns): `feedback_cases.opened_local_date` (0031), the UTC day
        of `opened_at` — the month `loop_performance` counted the case in until then —, and
        `quarantine.kind` (0032), NULL."""
        for path in files.folder_files(self.root / table.name):
            rows = f"read_parquet({literal(path)})"
            if name not in {row[0] for row in self.conn.execute(f"DESCRIBE SELECT * FROM {rows}").fetchall()}:
                files.replace_atomically(self.conn, f"SELECT *, {value} AS {name} FROM {rows}", path)

    def _add_question_keys(self) -> None:
        """`question_key` in every scores file written before it: each answer's automatic key
        (`cxbridge.question_keys`), from its record's survey id or source, as a sync writes it."""
        columns = files.file_columns(FEEDBACK_SCORES)
        for path in sorted(glob(files.partition_glob(self.root, FEEDBACK_SCORES))):
            scores = f"read_parquet({literal(path)})"
            present = {row[0] for row in self.conn.execute(f"DESCRIBE SELECT * FROM {scores}").fetchall()}
            if "question_key" in present:
                continue
            source, month = files.partition_of(Path(path).parent)
            records = files.partition_dir(self.root, FEEDBACK, source, month)
            survey = (
                f"(SELECT record_id, survey_id FROM read_parquet({literal(files.folder_glob(records))}, "
                "hive_partitioning = false))"
                if files.folder_files(records)
                else "(SELECT CAST(NULL AS VARCHAR) AS record_id, CAST(NULL AS VARCHAR) AS survey_id)"
            )
            keyed = f"SELECT s.*, COALESCE(f.survey_id, {literal(source)}) AS namespace FROM {scores} s " \
                    f"LEFT JOIN {survey} f ON f.record_id = s.record_id"  # fmt: skip
            groups = self.conn.execute(
                f"SELECT DISTINCT namespace, question_id, scale_min, scale_max FROM ({keyed})"
            ).fetchall()
            cases = [
                f"WHEN namespace = {literal(p[4])} AND question_id = {literal(p[1])} AND scale_min = {float(p[2])!r} "
                f"AND scale_max = {float(p[3])!r} THEN {literal(p[0])}"
                for _, p in key_updates(groups, lambda _: "?")
            ]
            key = f"CASE {' '.join(cases)} END" if cases else "CAST(NULL AS VARCHAR)"
            select = ", ".join(f"{key} AS question_key" if c == "question_key" else c for c in columns)
            files.replace_atomically(self.conn, f"SELECT {select} FROM ({keyed}) ORDER BY record_id", Path(path))
