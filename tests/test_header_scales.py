"""A satisfaction header that names its scale is read on it: "Wie zufrieden waren Sie? (1-6)"
over answers 1–6 is a 6-point CSAT, its top two boxes 5 and 6. Before, only the usual scales
(1–5, 1–7, 0–10, 1–10) were taken from a header: it was read 1–5, its 6s quarantined as slips
and its 4s and 5s counted satisfied. School grades ("Schulnote", 1 = sehr gut … 6 = ungenügend)
run the other way: such a column is kept unscored, saying how to map it, never read 6-is-best."""

from __future__ import annotations

from pathlib import Path

from cxbridge.detection.inspector import inspect_file
from tests.sqlite_runs import query, sync_source

ANSWERS = [1, 2, 2, 2, 3, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1]


def sheet(folder: Path, header: str) -> Path:
    path = folder / "umfrage.csv"
    rows = [f"{day:02d}.01.2024;Berlin;{answer}" for day, answer in enumerate(ANSWERS, start=1)]
    path.write_text(f"Datum;Filiale;{header}\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_six_point_scale_the_header_names_is_read_on_it(tmp_path):
    header = "Wie zufrieden waren Sie? (1-6)"
    [csat] = [p for p in inspect_file(sheet(tmp_path, header)).chosen if p.target == "csat"]
    assert csat.spec["scale"] == [1, 6]
    source = {"connector": "csv", "path": "umfrage.csv", "timezone": "UTC", "columns": {"submitted_at": "Datum"},
              "metrics": [{"column": header, "metric": "csat", "scale": csat.spec["scale"]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (15, 0)
    satisfied = sum(answer >= 5 for answer in ANSWERS)  # the top two boxes of 1–6
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(15, round(100 * satisfied / 15, 1))]


def test_school_grades_are_kept_unscored_with_the_mapping_that_reads_them(tmp_path):
    inspection = inspect_file(sheet(tmp_path, "Zufriedenheit (Schulnote 1-6)"))
    assert not [p for p in inspection.chosen if p.target == "csat"]  # before: a CSAT on 1–5, 5 the most satisfied
    [warning] = [w for w in inspection.warnings if "school grades" in w]
    assert "metric = 'csat', scale = [1, 6], direction = 'lower_is_better'" in warning


GRADES = ["sehr gut", "gut", "gut", "befriedigend", "ausreichend", "mangelhaft", "sehr gut", "gut", "ungenügend", "gut"]


def test_answers_in_school_grades_are_named_with_the_mapping_that_reads_them_best_first(tmp_path):
    path = tmp_path / "noten.csv"
    rows = [f"{day:02d}.01.2024;Berlin;{grade}" for day, grade in enumerate(GRADES, start=1)]
    path.write_text("Datum;Filiale;Gesamtnote\n" + "\n".join(rows) + "\n", encoding="utf-8")
    [warning] = [w for w in inspect_file(path).warnings if "school grades" in w]  # before: nothing said
    assert "map it under [[metrics]] with metric = 'csat', scale = [1, 6], direction = 'lower_is_better'" in warning
    labels = {"sehr gut": 1, "gut": 2, "befriedigend": 3, "ausreichend": 4, "mangelhaft": 5, "ungenügend": 6}
    source = {"connector": "csv", "path": "noten.csv", "timezone": "UTC", "columns": {"submitted_at": "Datum"},
              "metrics": [{"column": "Gesamtnote", "metric": "csat", "scale": [1, 6], "direction": "lower_is_better",
                           "labels": labels}]}  # fmt: skip
    assert sync_source(tmp_path, source).quarantined == 0
    best = sum(grade in ("sehr gut", "gut") for grade in GRADES)  # the top two boxes, the lowest grades
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(10, round(100 * best / 10, 1))]
