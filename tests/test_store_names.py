"""The name a store goes by in location_scorecard, location_ranking and `cxbridge report --by
location`: the spelling most of its records carry (of those as many, the latest), worked out here
from the rows written — never the greatest, which a name typed once in lowercase won."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from cxbridge.reporting import ReportOptions, report_rows
from tests.conftest import half_up
from tests.local_destinations import LOCAL_KINDS, destination_maker, make_view_stale

NPS = "How likely are you to recommend us?"
VISITS = [  # (store id, the name typed, NPS), one a day from 1 March
    ("S1", "Kraków Centrum", 9), ("S1", "Kraków Centrum", 10), ("S1", "Kraków Centrum", 6),
    ("S1", "kraków centrum", 9),  # typed once in lowercase, and last: it was the greatest name
    ("S2", "poznań stary rynek", 7), ("S2", "poznań stary rynek", 3),
    ("S2", "Poznań Stary Rynek", 9), ("S2", "Poznań Stary Rynek", 10),  # as many: the later spelling
    ("S3", "Gdańsk Oliwa", 8),
]  # fmt: skip
SOURCE = {"connector": "csv", "path": "stores.csv", "columns": {"id": "ID", "submitted_at": "Date",
          "location_id": "Store ID", "location_name": "Store"}, "metrics": [{"column": NPS, "metric": "nps"}]}  # fmt: skip


def expected_names() -> dict[str, str]:
    """Per store: the most written name; of names written as often, the one written last."""
    counts = Counter((store, name) for store, name, _ in VISITS)
    last = {(store, name): day for day, (store, name, _) in enumerate(VISITS)}
    best: dict[str, tuple[int, int, str]] = {}
    for (store, name), count in counts.items():
        best[store] = max(best.get(store, (0, -1, "")), (count, last[store, name], name))
    return {store: name for store, (_, _, name) in best.items()}


@pytest.fixture(params=LOCAL_KINDS)
def destination_factory(request, tmp_path):
    return destination_maker(request.param, tmp_path, request, "stores")


def synced(folder: Path, url: str) -> None:
    with (folder / "stores.csv").open("w", newline="", encoding="utf-8") as handle:
        rows = [[f"R{n}", f"2025-03-{n + 1:02d} 10:00", store, name, score] for n, (store, name, score) in enumerate(VISITS)]
        csv.writer(handle).writerows([["ID", "Date", "Store ID", "Store", NPS], *rows])
    config = config_from_dict({"sources": {"stores": SOURCE}}, create_host(), path=folder / "cxbridge.toml")
    [result] = cxbridge.sync(config, destination=url).results
    assert (result.written, result.quarantined) == (len(VISITS), 0)


def test_a_store_goes_by_the_spelling_most_of_its_records_carry(tmp_path, destination_factory):
    synced(tmp_path, destination_factory().url)
    destination = destination_factory()
    destination.open()
    try:
        card = {row["location_id"]: row["location_name"] for row in destination.query("SELECT * FROM location_scorecard")}
        ranked = {row["location_id"]: row["location_name"] for row in destination.query("SELECT * FROM location_ranking")}
    finally:
        destination.close()
    assert card == ranked == expected_names()


def test_the_report_by_location_names_each_store_as_the_scorecard(tmp_path):
    url = f"sqlite:///{tmp_path / 'stores.db'}"
    synced(tmp_path, url)
    destination = SQLiteDestination(url)
    destination.open()
    try:
        rows = report_rows(destination, ReportOptions(by="location"))
    finally:
        destination.close()
    assert {row["location"] for row in rows} == set(expected_names().values())


@pytest.mark.parametrize("destination_factory", ["sqlite", "duckdb", "parquet"], indirect=True)
def test_a_destination_whose_scorecard_named_stores_by_the_greatest_name_gets_the_view_again(tmp_path,
                                                                                            destination_factory):  # fmt: skip
    """location_scorecard as cxbridge made it with MAX(location_name): the next open makes it again
    (SQLite 0023, SQL 0019 migrations; Parquet 0021 writes `_cxbridge/views.sql` again)."""
    from cxbridge.views import location_scorecard

    synced(tmp_path, destination_factory().url)
    destination = destination_factory()
    destination.open()
    try:
        now = location_scorecard(destination)
        before = now.replace("MAX(n.location_name)", "MAX(f.location_name)")
        assert before != now
        make_view_stale(destination, "location_scorecard", now=now, before=before, migration="store_names")
        if not isinstance(destination, ParquetDestination):
            stale = {row["location_id"]: row["location_name"] for row in destination.query("SELECT * FROM location_scorecard")}
            assert stale["S1"] == "kraków centrum", "the view as it was: the greatest name"
    finally:
        destination.close()
    destination = destination_factory()
    destination.open()
    try:
        card = {row["location_id"]: row["location_name"] for row in destination.query("SELECT * FROM location_scorecard")}
        if isinstance(destination, ParquetDestination):
            assert now.strip() in (destination.root / "_cxbridge" / "views.sql").read_text(encoding="utf-8")
    finally:
        destination.close()
    assert card == expected_names()


NAMED_ONLY = [  # a store column of names only, as many exports keep it: (the name typed, NPS)
    ("Kraków Centrum", 10), ("Kraków Centrum", 9), ("kraków  centrum", 3), ("KRAKOW CENTRUM", 6),
    ("North Side", 9), ("North Side", 7), ("Gdańsk Oliwa", 2),
]  # fmt: skip


def test_stores_named_without_ids_have_scorecard_rows_under_an_id_made_of_the_name(tmp_path):
    """`cxbridge import` maps a store column of names to location_name; report --by location split
    by store, but location_scorecard and location_ranking key on location_id and were empty. Each
    name, folded (case, accents, spaces), makes the id "name:<slug>": one row per store."""
    rows = [[f"2025-03-{n + 1:02d} 10:00", name, score] for n, (name, score) in enumerate(NAMED_ONLY)]
    with (tmp_path / "visits.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Submitted", "Store", NPS], *rows])
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "visits.csv"), "--db", str(tmp_path / "cx.db")])
    assert "7 written" in result.output, result.output
    scores = {"name:krakow-centrum": [10, 9, 3, 6], "name:north-side": [9, 7], "name:gdansk-oliwa": [2]}
    expected = {store: half_up(Fraction(100 * (sum(s >= 9 for s in given) - sum(s <= 6 for s in given)), len(given)))
                for store, given in scores.items()}  # fmt: skip
    destination = SQLiteDestination(f"sqlite:///{tmp_path / 'cx.db'}")
    destination.open()
    try:
        card = destination.query("SELECT location_id, location_name, nps_responses, nps FROM location_scorecard")
        ranked = {row["location_id"] for row in destination.query("SELECT location_id FROM location_ranking")}
    finally:
        destination.close()
    assert {row["location_id"]: row["nps"] for row in card} == expected
    assert {row["location_id"]: row["nps_responses"] for row in card} == {store: len(s) for store, s in scores.items()}
    assert {row["location_name"] for row in card} == {"Kraków Centrum", "North Side", "Gdańsk Oliwa"}
    assert ranked == set(scores)


def test_of_two_spellings_written_as_often_the_later_in_one_second_names_the_store(tmp_path):
    """A source writes a fraction of a second only when there is one: the spelling written at
    10:00:00.5 is later than the one at 10:00:00 — SQLite's text had it the other way ('.' < 'Z')."""
    times = {"Kraków Centrum": "2025-03-01T10:00:00.5Z", "Krakow Centrum": "2025-03-01T10:00:00Z"}
    with (tmp_path / "stores.csv").open("w", newline="", encoding="utf-8") as handle:
        rows = [[f"R{n}", at, "S1", name, 9] for n, (name, at) in enumerate(times.items())]
        csv.writer(handle).writerows([["ID", "Date", "Store ID", "Store", NPS], *rows])
    config = config_from_dict({"sources": {"stores": SOURCE}}, create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'stores.db'}"
    assert cxbridge.sync(config, destination=url).results[0].written == 2
    latest = max(times, key=lambda name: datetime.fromisoformat(times[name]))
    destination = SQLiteDestination(url)
    destination.open()
    try:
        card = destination.query("SELECT location_name FROM location_scorecard WHERE location_id = 'S1'")
    finally:
        destination.close()
    assert [row["location_name"] for row in card] == [latest] == ["Kraków Centrum"]


def test_a_sqlite_file_whose_views_took_the_latest_spelling_by_text_gets_them_again(tmp_path):
    """location_scorecard as cxbridge made it with MAX(submitted_at) compared as text: the next
    open makes every view again (SQLite 0030; the other engines' SQL did not change)."""
    from cxbridge.views import location_scorecard

    factory = lambda: SQLiteDestination(f"sqlite:///{tmp_path / 'stores.db'}")  # noqa: E731
    synced(tmp_path, factory().url)
    destination = factory()
    destination.open()
    try:
        now = location_scorecard(destination)
        before = now.replace("MAX(RTRIM(submitted_at, 'Z'))", "MAX(submitted_at)")
        assert before != now
        make_view_stale(destination, "location_scorecard", now=now, before=before, migration="latest_spelling_in_time")
    finally:
        destination.close()
    destination = factory()
    destination.open()
    try:
        stored = destination.query("SELECT sql FROM sqlite_master WHERE name = 'location_scorecard'")[0]["sql"]
        card = {row["location_id"]: row["location_name"] for row in destination.query("SELECT * FROM location_scorecard")}
    finally:
        destination.close()
    assert "MAX(RTRIM(submitted_at, 'Z'))" in stored and card == expected_names()
