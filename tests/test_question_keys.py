"""One question, one history: `feedback_scores.question_key` joins a question's versions — a
header reworded between two yearly files, when the mapping declares one key — and never merges a
change of scale on its own; `questions` lists the versions and `question_trend` runs on across
them (cxbridge.question_keys, cxbridge.question_views)."""

from __future__ import annotations

import csv
import sqlite3
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from tests.conftest import half_up

OLD = "How satisfied were you with your visit?"
NEW = "Overall, how satisfied are you with your visit today?"
YEAR_2023 = [("a1", "2023-03-02", 5), ("a2", "2023-03-15", 2), ("a3", "2023-04-01", 4), ("a4", "2023-04-20", 4)]
YEAR_2024 = [("b1", "2024-03-05", 5), ("b2", "2024-03-09", 5), ("b3", "2024-03-30", 1), ("b4", "2024-05-02", 3)]


def write(path: Path, header: str, rows: list[tuple[str, str, int]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "submitted", header])
        writer.writerows(rows)


def source(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    return {"connector": "csv", "path": "visits_*.csv", "columns": {"id": "id", "submitted_at": "submitted"},
            "metrics": metrics}  # fmt: skip


def sync(folder: Path, metrics: list[dict[str, Any]]) -> sqlite3.Connection:
    config = config_from_dict({"sources": {"visits": source(metrics)}}, create_host(), path=folder / "cxbridge.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{folder / 'cx.db'}", host=create_host())
    assert all(r.ok for r in result.results), result
    return sqlite3.connect(folder / "cx.db")


def satisfied_pct(answers: list[int]) -> float:
    """Top-2-box of a 1–5 scale, worked out here."""
    return half_up(Fraction(100 * sum(a >= 4 for a in answers), len(answers)))


@pytest.fixture
def yearly(tmp_path: Path) -> Path:
    write(tmp_path / "visits_2023.csv", OLD, YEAR_2023)
    write(tmp_path / "visits_2024.csv", NEW, YEAR_2024)
    return tmp_path


def test_a_reworded_header_declared_one_question_has_one_key_and_one_trend(yearly: Path):
    conn = sync(yearly, [{"column": OLD, "metric": "csat", "scale": [1, 5], "question_key": "visit_satisfaction"},
                         {"column": NEW, "metric": "csat", "scale": [1, 5], "question_key": "visit_satisfaction"}])
    keys = conn.execute("SELECT DISTINCT question_key FROM feedback_scores").fetchall()
    assert keys == [("visit_satisfaction",)]
    versions = conn.execute(
        "SELECT question_id, answers, first_seen, last_seen FROM questions ORDER BY first_seen"
    ).fetchall()
    assert versions == [(OLD, 4, "2023-03-02", "2023-04-20"), (NEW, 4, "2024-03-05", "2024-05-02")]
    trend = conn.execute("SELECT month, responses, favourable, score FROM question_trend "
                         "WHERE question_key = 'visit_satisfaction' ORDER BY month").fetchall()  # fmt: skip
    months: dict[str, list[int]] = {}
    for _, day, answer in YEAR_2023 + YEAR_2024:
        months.setdefault(day[:7], []).append(answer)
    assert trend == [(month, len(a), sum(x >= 4 for x in a), satisfied_pct(a)) for month, a in sorted(months.items())]
    # one question fills the record's csat column in both years: csat_by_month runs on too
    by_month = conn.execute("SELECT month, responses, csat_pct FROM csat_by_month ORDER BY month").fetchall()
    assert by_month == [(month, len(a), satisfied_pct(a)) for month, a in sorted(months.items())]


def test_without_a_declared_key_each_header_is_its_own_question(yearly: Path):
    conn = sync(yearly, [{"column": OLD, "metric": "csat", "scale": [1, 5]},
                         {"column": NEW, "metric": "csat", "scale": [1, 5]}])
    keys = conn.execute("SELECT question_key, COUNT(*) FROM feedback_scores GROUP BY question_key ORDER BY 1").fetchall()
    assert keys == sorted([(f"visits/{NEW}@1-5", 4), (f"visits/{OLD}@1-5", 4)])
    # the record's csat comes from the first column only: 2024's answers are another question's
    csat = conn.execute("SELECT SUM(responses) FROM csat_by_month").fetchone()
    assert csat == (4,)


def test_the_same_header_on_another_scale_gets_another_key(tmp_path: Path):
    """2023 asks on 1–5, 2024 the same words on 0–10: two columns of the mapping, two keys."""
    write(tmp_path / "visits_2023.csv", OLD, YEAR_2023)
    write(tmp_path / "visits_2024.csv", OLD + " (0-10)", [("b1", "2024-03-05", 9), ("b2", "2024-03-09", 2)])
    metrics = [{"column": OLD, "metric": "rating", "scale": [1, 5]},
               {"column": OLD + " (0-10)", "metric": "rating", "scale": [0, 10]}]  # fmt: skip
    conn = sync(tmp_path, metrics)
    rows = conn.execute("SELECT question_key, scale_min, scale_max, COUNT(*) FROM feedback_scores "
                        "GROUP BY 1, 2, 3 ORDER BY 1").fetchall()  # fmt: skip
    assert rows == [(f"visits/{OLD} (0-10)@0-10", 0, 10, 2), (f"visits/{OLD}@1-5", 1, 5, 4)]


def test_a_change_of_scale_joins_its_question_only_when_the_mapping_declares_it(tmp_path: Path):
    write(tmp_path / "visits_2023.csv", OLD, YEAR_2023)
    write(tmp_path / "visits_2024.csv", NEW, [("b1", "2024-03-05", 9), ("b2", "2024-03-09", 2)])
    metrics = [{"column": OLD, "metric": "rating", "scale": [1, 5], "question_key": "visit"},
               {"column": NEW, "metric": "rating", "scale": [0, 10], "question_key": "visit"}]  # fmt: skip
    conn = sync(tmp_path, metrics)
    versions = conn.execute("SELECT question_key, scale_min, scale_max, answers FROM questions ORDER BY 2").fetchall()
    assert versions == [("visit", 0, 10, 2), ("visit", 1, 5, 4)]


def _keys(destination) -> list[tuple[str, str, str]]:
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT record_id, question_id, question_key FROM feedback_scores")
    finally:
        destination.close()
    return sorted((row["record_id"], row["question_id"], row["question_key"]) for row in rows)


def _strip_sql(destination, migration: str) -> None:
    from cxbridge.views import VIEW_NAMES

    destination.open()
    for view in VIEW_NAMES:  # as the version before left it: no column, no migration
        destination.execute(f"DROP VIEW IF EXISTS {view}")
    destination.execute("DROP INDEX IF EXISTS feedback_scores_question_key")
    destination.execute("ALTER TABLE feedback_scores DROP COLUMN question_key")
    destination.execute(f"DELETE FROM {migration}")
    destination.close()


def _strip_sqlite(path: Path) -> None:
    from cxbridge.views import VIEW_NAMES

    with sqlite3.connect(path) as conn:
        for view in VIEW_NAMES:
            conn.execute(f"DROP VIEW {view}")
        conn.execute("ALTER TABLE feedback_scores DROP COLUMN question_key")  # its index went in 0014
        conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('0011_question_keys', '0014_indexes_that_pay')")
    conn.close()


def _strip_parquet(lake: Path) -> None:
    import json
    import os

    import duckdb

    from cxbridge.plugins.parquet.migrations import MIGRATIONS

    for part in sorted((lake / "feedback_scores").glob("*/*/part-0.parquet")):
        duckdb.execute(f"COPY (SELECT * EXCLUDE (question_key) FROM read_parquet('{part}')) TO '{part}.old' (FORMAT parquet)")
        os.replace(f"{part}.old", part)
    (lake / "_cxbridge" / "migrations.json").write_text(json.dumps([m for m in MIGRATIONS if m != "0012_question_keys"]))


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_a_database_from_before_question_keys_gets_the_keys_a_sync_writes(engine: str, tmp_path: Path, request):
    from cxbridge.plugins.duckdb.destination import DuckDBDestination
    from cxbridge.plugins.parquet.destination import ParquetDestination
    from cxbridge.plugins.postgres.destination import PostgresDestination
    from cxbridge.plugins.sqlite.destination import SQLiteDestination
    from cxbridge.testing.destinations import deliver

    if engine == "postgresql":
        url = request.getfixturevalue("postgres_database")("old")
        factory = lambda: PostgresDestination(url)  # noqa: E731
    else:
        factory = {
            "sqlite": lambda: SQLiteDestination(f"sqlite:///{tmp_path / 'old.db'}"),
            "duckdb": lambda: DuckDBDestination(f"duckdb:///{tmp_path / 'old.duckdb'}"),
            "parquet": lambda: ParquetDestination(f"parquet:///{tmp_path / 'lake'}"),
        }[engine]
    deliver(factory())
    written = _keys(factory())
    scales = {"q_nps": "0-10", "q_csat": "1-5", "q_effort": "1-7", "q_visit": "0-40"}  # the sample's questions
    assert written and all(key == f"sv-1/{qid}@{scales[qid]}" for _, qid, key in written)
    if engine == "sqlite":
        _strip_sqlite(tmp_path / "old.db")
    elif engine in ("duckdb", "postgresql"):
        _strip_sql(factory(), "cxbridge_migrations WHERE name = '0011_question_keys'")
    else:
        _strip_parquet(tmp_path / "lake")
    destination = factory()
    destination.open()  # migrates
    destination.close()
    assert _keys(factory()) == written
    destination = factory()
    destination.open(read_only=True)
    versions = destination.query("SELECT SUM(answers) AS n FROM questions")
    destination.close()
    assert versions[0]["n"] > 0


def test_inspect_proposes_a_reworded_header_of_another_file_with_its_evidence(yearly: Path):
    from click.testing import CliRunner

    from cxbridge import api
    from cxbridge.cli.main import cli

    found = api.inspect([yearly / "visits_2023.csv", yearly / "visits_2024.csv"])
    matches = {match for item in found for match in item.question_matches}
    assert [(m.key, m.metric, m.first, m.second) for m in matches] == [
        ("how_satisfied_were_you_with_your_visit", "csat", ("visits_2023.csv", OLD), ("visits_2024.csv", NEW))
    ]
    output = CliRunner().invoke(cli, ["inspect", str(yearly / "visits_2023.csv"), str(yearly / "visits_2024.csv")]).output
    assert "question match proposed:" in output and "same metric csat on the same scale" in output
    assert "question_key = 'how_satisfied_were_you_with_your_visit'" in output


def test_inspect_prints_a_question_match_once_under_the_later_of_its_files(yearly: Path):
    """Before, the match was printed under each of its two files: every pair appeared twice."""
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    output = CliRunner().invoke(cli, ["inspect", str(yearly / "visits_2023.csv"), str(yearly / "visits_2024.csv")]).output
    assert output.count("question match proposed:") == 1
    assert output.index("question match proposed:") > output.index("proposed mapping of visits_2024.csv")


def test_inspect_proposes_nothing_for_another_scale_or_columns_asked_together(tmp_path: Path):
    from cxbridge import api

    write(tmp_path / "visits_2023.csv", OLD, YEAR_2023)
    write(tmp_path / "visits_2024.csv", NEW + " (0-10)", [("b1", "2024-03-05", 10), ("b2", "2024-03-09", 0)])
    with (tmp_path / "both_2025.csv").open("w", encoding="utf-8") as handle:
        handle.write(f'id,submitted,{OLD},"{NEW}"\nc1,2025-01-02,5,4\nc2,2025-01-03,1,2\n')
    found = api.inspect([tmp_path / "visits_2023.csv", tmp_path / "visits_2024.csv", tmp_path / "both_2025.csv"])
    assert [m for item in found for m in item.question_matches] == []


def test_a_file_that_lacks_every_scored_column_is_refused_naming_the_reworded_header(yearly: Path):
    from cxbridge.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        sync(yearly, [{"column": OLD, "metric": "csat", "scale": [1, 5]}])
    message = str(refused.value)
    assert "visits_2024.csv: none of the scored columns" in message
    assert f"if {NEW!r} is {OLD!r} reworded, add a [[metrics]] entry for it" in message
    assert "question_key = 'how_satisfied_were_you_with_your_visit'" in message


@pytest.mark.parametrize("scale", [{"scale": [1, 5]}, {}], ids=["scale given", "csat's default scale"])
def test_a_sync_names_the_mapped_column_a_new_header_rewords_and_the_key_to_join_them(tmp_path: Path, scale: dict):
    for name, header, rows in (("visits_2023.csv", OLD, YEAR_2023), ("visits_2024.csv", NEW, YEAR_2024)):
        with (tmp_path / name).open("w", encoding="utf-8") as handle:
            handle.write(f'id,submitted,"How likely are you to recommend us?","{header}"\n')
            handle.writelines(f"{rid},{day},9,{answer}\n" for rid, day, answer in rows)
    metrics = [{"column": "How likely are you to recommend us?", "metric": "nps"},
               {"column": OLD, "metric": "csat", **scale}]  # fmt: skip
    config = config_from_dict({"sources": {"visits": source(metrics)}}, create_host(), path=tmp_path / "cxbridge.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    (warning,) = [w for w in result.results[0].warnings if NEW in w]
    assert f"it looks like mapped column {OLD!r} reworded (same metric csat on the same scale" in warning
    assert "question_key = 'how_satisfied_were_you_with_your_visit'" in warning


def test_a_file_without_a_mapped_scored_column_is_named_in_the_summary(tmp_path: Path):
    """A file of the glob lacking one mapped scored column (but having another) is read, and the
    summary names the file and the column: its rows carry no such answer, not a silent ✔."""
    nps = "How likely are you to recommend us?"
    with (tmp_path / "visits_2023.csv").open("w", encoding="utf-8") as handle:
        handle.write(f'id,submitted,"{nps}","{OLD}"\n')
        handle.writelines(f"{rid},{day},9,{answer}\n" for rid, day, answer in YEAR_2023)
    with (tmp_path / "visits_2024.csv").open("w", encoding="utf-8") as handle:
        handle.write(f'id,submitted,"{nps}"\n')  # the CSAT question was not asked this year
        handle.writelines(f"{rid},{day},3\n" for rid, day, _ in YEAR_2024)
    metrics = [{"column": nps, "metric": "nps"}, {"column": OLD, "metric": "csat"}]
    config = config_from_dict({"sources": {"visits": source(metrics)}}, create_host(), path=tmp_path / "cxbridge.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    warnings = [w for w in result.results[0].warnings if "has no column" in w]
    assert warnings == [f"visits_2024.csv has no column {OLD!r} (mapped as csat): its rows are stored without that "
                        "answer; if the question is under another header there, map that header too (docs/files.md, "
                        "Questions reworded between files)"]  # fmt: skip
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        unanswered = {rid for (rid,) in conn.execute("SELECT source_record_id FROM feedback WHERE csat IS NULL")}
    assert unanswered == {rid for rid, _, _ in YEAR_2024}


def test_a_file_with_the_keyed_question_under_its_other_header_is_not_named_as_lacking_it(yearly: Path):
    """Once both headers share a `question_key`, as the summary advised, each year's file has the
    question under one of them: no warning that the other header is missing and its rows are
    stored without the answer (before: one such warning per file, though every row was scored)."""
    metrics = [{"column": OLD, "metric": "csat", "scale": [1, 5], "question_key": "visit_satisfaction"},
               {"column": NEW, "metric": "csat", "scale": [1, 5], "question_key": "visit_satisfaction"}]  # fmt: skip
    config = config_from_dict({"sources": {"visits": source(metrics)}}, create_host(), path=yearly / "cxbridge.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{yearly / 'cx.db'}", host=create_host())
    assert [w for w in result.results[0].warnings if "has no column" in w] == []
    with sqlite3.connect(yearly / "cx.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback WHERE csat IS NOT NULL").fetchall() == [(8,)]


RECOMMEND_2022 = [("a1", "2022-03-02", 9), ("a2", "2022-03-15", 3), ("a3", "2022-04-01", 10), ("a4", "2022-04-20", 7)]
RECOMMEND_2023 = [("b1", "2023-03-05", 6), ("b2", "2023-03-09", 10), ("b3", "2023-03-30", 0), ("b4", "2023-05-02", 8)]


def test_an_nps_column_renamed_between_years_is_proposed_as_one_question_whatever_its_wording(tmp_path: Path):
    """'NPS' in 2022, 'Recommend score' in 2023: the wording is nothing alike, but a 0–10
    recommend question is one standard question — before, neither inspect nor the sync said the
    new header continued the old one (a file with nothing else scored was refused without a hint)."""
    from cxbridge import api
    from cxbridge.errors import ConfigError

    write(tmp_path / "visits_2022.csv", "Likelihood to recommend", RECOMMEND_2022)
    write(tmp_path / "visits_2023.csv", "Recommend score", RECOMMEND_2023)
    write(tmp_path / "visits_2024.csv", "Recommend score", YEAR_2024)
    found = api.inspect(sorted(tmp_path.glob("visits_*.csv")))
    [match] = {match for item in found for match in item.question_matches}  # once, not once per pair of files
    # keyed by the metric's name, so every header of it is proposed under one key
    assert (match.key, match.metric, match.first, match.second) == (
        "nps", "nps", ("visits_2022.csv", "Likelihood to recommend"), ("visits_2023.csv", "Recommend score")
    )  # fmt: skip
    assert "nps is one standard question whatever its wording" in match.describe()
    config = config_from_dict({"sources": {"visits": source([{"column": "Likelihood to recommend", "metric": "nps"}])}}, create_host(),
                              path=tmp_path / "cxbridge.toml")  # fmt: skip
    with pytest.raises(ConfigError) as refused:  # visits_2023.csv has none of the mapped scored columns
        cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    assert "if 'Recommend score' is 'Likelihood to recommend' reworded" in str(refused.value)
    assert "question_key = 'nps'" in str(refused.value)


def test_a_sync_names_the_mapped_nps_column_a_renamed_header_continues(tmp_path: Path):
    for name, header, rows in (("visits_2022.csv", "NPS", RECOMMEND_2022),
                               ("visits_2023.csv", "Recommend score", RECOMMEND_2023)):  # fmt: skip
        with (tmp_path / name).open("w", encoding="utf-8") as handle:
            handle.write(f"id,submitted,{header},{OLD}\n")
            handle.writelines(f"{rid},{day},{answer},4\n" for rid, day, answer in rows)
    metrics = [{"column": "NPS", "metric": "nps"}, {"column": OLD, "metric": "csat"}]
    config = config_from_dict({"sources": {"visits": source(metrics)}}, create_host(), path=tmp_path / "cxbridge.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    (warning,) = [w for w in result.results[0].warnings if "looks scored" in w]
    assert "it looks like mapped column 'NPS' reworded" in warning and "question_key = 'nps'" in warning
