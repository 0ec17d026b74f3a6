"""A header that names its scale ("Sauberkeit der Filiale (1-5)") over answers on it holds
ratings, whatever place it names: `cxbridge inspect` proposed it as the store (`location_id`, the
answers "codes" 1…5), so its answers were no score and every row's store was named 1 to 5. The
store column itself — names or codes under "Filiale", "Store", "Tienda" — is still the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from tests.workbooks import write_xlsx

TOWNS = ["Berlin", "Hamburg", "München", "Köln"]
IDENTIFYING = {"id", "location_id", "location_name", "agent_id", "team", "channel", "email", "phone"}
SCALED = {  # a header naming a place and its scale → the scale its answers are on
    "Sauberkeit der Filiale (1-5)": (1, 5),
    "Limpieza de la tienda (1-5)": (1, 5),
    "Propreté du magasin (1 à 5)": (1, 5),
    "Store cleanliness (1-5)": (1, 5),
    "Freundlichkeit im Markt 1-10": (1, 10),
    "Telefonservice (1-5)": (1, 5),  # no phone numbers: nobody is keyed by them
}


def survey(folder: Path, store: str = "Filiale", stores: list = TOWNS) -> Path:
    """A German store survey of 2024 (as tests/test_shared_sources.py builds them): id, date, store,
    NPS, comment, then every header of `SCALED` answered on its scale."""
    header = ["ID", "Datum", store, "Weiterempfehlung (0-10)", "Kommentar", *SCALED]
    rows = [[f"2024-{n}", f"{n % 28 + 1:02d}.0{n % 9 + 1}.2024", stores[n % len(stores)], (3 * n) % 11, "gut",
             *(low + (n + i) % (high - low + 1) for i, (low, high) in enumerate(SCALED.values()))]
            for n in range(12)]  # fmt: skip
    return write_xlsx(folder / "survey_2024.xlsx", {"Antworten": [header, *rows]})


def inspected(path: Path) -> dict:
    result = CliRunner().invoke(cli, ["inspect", str(path), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.stdout)
    return found


def test_a_header_naming_a_place_and_its_scale_is_a_rating_not_the_store(tmp_path: Path):
    found = inspected(survey(tmp_path))
    named = {(row["field"], row["column"]) for row in found["proposals"] if row["field"].strip("()") in IDENTIFYING}
    assert named == {("id", "ID"), ("location_name", "Filiale")}
    assert found["mapping"]["columns"]["location_name"] == "Filiale"
    rated = {row["column"]: row["evidence"] for row in found["proposals"] if row["column"] in SCALED}
    assert list(rated) == list(SCALED)
    for header, (low, high) in SCALED.items():
        assert f"the header names a {low}–{high} scale" in rated[header], header
        assert f'metric = "rating" (or "csat") and scale = [{low}, {high}]' in rated[header], header


def test_an_import_stores_the_stores_not_the_cleanliness_answers(tmp_path: Path):
    path = survey(tmp_path)
    [imported] = cxbridge.import_([path], destination=f"sqlite:///{tmp_path / 'cx.db'}").files
    assert (imported.error, imported.result.written) == (None, 12)
    with sqlite3.connect(tmp_path / "cx.db") as db:
        stores = {name for (name,) in db.execute("SELECT location_name FROM feedback WHERE location_id LIKE 'name:%'")}
        answers = {value for (value,) in db.execute(
            """SELECT json_extract(answers, '$."Sauberkeit der Filiale (1-5)".value') FROM feedback""")}  # fmt: skip
        keyed = db.execute("SELECT count(respondent_key) FROM feedback").fetchone()
    assert stores == set(TOWNS)  # every row's store id made from its name, none a cleanliness answer
    assert (answers, keyed) == ({1, 2, 3, 4, 5}, (0,))


@pytest.mark.parametrize("store", ["Filiale", "Store", "Tienda"])
@pytest.mark.parametrize(("stores", "field"), [(TOWNS, "location_name"), (["S01", "S02", "S03"], "location_id"),
                                               ([1, 2, 3, 4, 5], "location_id")], ids=["names", "codes", "numbered"])  # fmt: skip
def test_the_store_column_beside_them_is_still_the_store(tmp_path: Path, store, stores, field):
    """Stores numbered 1 to 5 under a header naming no scale are still stores: the header's scale
    makes a rating, not the numbers."""
    columns = inspected(survey(tmp_path, store, stores))["mapping"]["columns"]
    assert {target: column for target, column in columns.items() if target.startswith("location")} == {field: store}


def one_column(folder: Path, header: str, values: list) -> Path:
    """Twelve rows of an id, a date and `header` holding `values` in turn."""
    rows = [[f"2024-{n}", f"{n % 28 + 1:02d}.0{n % 9 + 1}.2024", values[n % len(values)]] for n in range(12)]
    return write_xlsx(folder / "survey_2024.xlsx", {"Antworten": [["ID", "Datum", header], *rows]})


def imported(path: Path, *extra: str) -> sqlite3.Connection:
    result = CliRunner().invoke(cli, ["import", str(path), "--destination", f"sqlite:///{path.parent / 'cx.db'}",
                                      *extra], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    return sqlite3.connect(path.parent / "cx.db")


@pytest.mark.parametrize("header", ["Filiale (1-5)", "Store (1-5)"])
def test_a_header_naming_a_scale_over_names_of_places_is_the_store_not_a_rating(tmp_path: Path, header):
    """The other direction of the rule: "Filiale (1-5)" holding 'Berlin', 'München', … names a scale
    its cells are not on: the store column, its names no answers off a 1–5 scale (no quarantine)."""
    path = one_column(tmp_path, header, TOWNS)
    found = inspected(path)
    assert [(row["field"], row["column"]) for row in found["proposals"] if row["column"] == header] == [
        ("location_name", header)]  # fmt: skip
    with imported(path) as db:
        assert {name for (name,) in db.execute("SELECT location_name FROM feedback")} == set(TOWNS)
        assert db.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM feedback_scores").fetchone() == (0,)


WORDS = ["gut", "schlecht", "sehr gut", "gut", "mittel", "7"]


def test_a_score_header_naming_its_scale_over_words_says_they_are_off_it_and_keeps_them_as_text(tmp_path: Path):
    """"Score (0-10)" holding words (one 7 among them): the header names its scale, so inspect says
    so and that the words are off it — before, it said the header named no maximum and asked for
    scale = [0, MAX] — and the words are kept as text, unscored, never quarantined one by one."""
    path = one_column(tmp_path, "Score (0-10)", WORDS)
    [proposal] = [row for row in inspected(path)["proposals"] if row["column"] == "Score (0-10)"]
    assert proposal["field"] == "(question)"
    assert proposal["evidence"].startswith("the header names a 0–10 scale ('Score (0-10)'), but 10 of 12 answers are "
                                           "off it (")  # fmt: skip
    assert "not their maximum" not in proposal["evidence"] and "MAX" not in proposal["evidence"]
    with imported(path) as db:
        assert db.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM feedback_scores").fetchone() == (0,)
        kept = {json.loads(text)["Score (0-10)"] for (text,) in db.execute("SELECT attributes FROM feedback")}
    assert kept == set(WORDS)


def test_a_score_header_naming_its_scale_over_numbers_on_it_is_a_score_of_that_scale(tmp_path: Path):
    """"Score (0-10)" answered 0–10: in a mystery-shop program the visit's score on 0–10; in a VoC
    survey a rating whose scale the header names. Before, a second proposal said the header named
    no maximum (scale = [0, MAX]) and a mystery-shop import kept the score unscored."""
    path = one_column(tmp_path, "Score (0-10)", [7, 9, 3, 10, 0, 6])
    evidence = [row["evidence"] for row in inspected(path)["proposals"] if row["column"] == "Score (0-10)"]
    assert evidence and not any("not their maximum" in text or "MAX" in text for text in evidence)
    with imported(path, "--program", "mystery_shop") as db:
        scores = db.execute("SELECT metric, scale_min, scale_max, count(*) FROM feedback_scores GROUP BY 1").fetchall()
    assert scores == [("mystery_shop", 0, 10, 12)]


def test_a_score_header_naming_its_scale_in_a_voc_file_is_told_of_in_one_note_with_both_ways_to_score_it(tmp_path: Path):
    """"Score (0-10)" answered 0–10 in a VoC file: two notes on the column, a rating's (map it as
    a rating) and a visit score's (import it as a mystery-shop program), which agreed but read as
    two findings. One note now gives both ways, and the warning is that note."""
    path = one_column(tmp_path, "Score (0-10)", [7, 9, 3, 10, 0, 6])
    found = inspected(path)
    note = ("the header names a 0–10 scale ('7', '9', '3'), but about no metric of its own (satisfaction, effort, "
            'recommending): kept as an answer, unscored; to score it, map it under [[metrics]] with metric = "rating" '
            '(or "csat") and scale = [0, 10] — or, if the rows are mystery-shop visits or audits (its answers then '
            "points of 10, a visit's score), import with --program mystery_shop (or audit), or set program in the "
            "source")  # fmt: skip
    assert [row["evidence"] for row in found["proposals"] if row["column"] == "Score (0-10)"] == [note]
    assert [warning for warning in found["warnings"] if "Score (0-10)" in warning] == [
        f"column 'Score (0-10)' is not scored: {note}"
    ]


@pytest.mark.parametrize(("header", "values"), [("How likely are you to recommend us (0-10)", TOWNS),
                                                ("Weiterempfehlung (0-10)", ["ja", "nein", "vielleicht"]),
                                                ("Weiterempfehlung (0-10)", ["ja", "nein", "1"])])  # fmt: skip
def test_a_recommend_header_over_words_is_not_told_to_map_them_on_zero_to_one(tmp_path: Path, header, values):
    """Words under a recommend header naming 0–10 are no NPS: kept unscored, and the advice names no
    span their numbers make — there are none, or too few (one "1") to make one. Before, it said "if it is a likelihood to recommend
    asked 0–1, map it … scale = [0, 1]" (every one of no numbers lies in 0–1)."""
    path = one_column(tmp_path, header, values)
    [proposal] = [row for row in inspected(path)["proposals"] if row["column"] == header and row["field"] == "(nps)"]
    assert proposal["evidence"].startswith("the header asks about recommending (")
    assert "asked 0–1," not in proposal["evidence"] and "[0, 1]" not in proposal["evidence"]
    assert "map it under [[metrics]] with metric = 'rating' and its scale" in proposal["evidence"]
    with imported(path) as db:
        assert db.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM feedback_scores").fetchone() == (0,)
