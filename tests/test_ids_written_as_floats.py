"""A store's or an agent's id written as a float — '12.0', as pandas writes a numeric column that
has a blank cell (online answers name no store) — is the store or agent of the id '12' another
export writes: one row of `cxbridge report --by location` and of location_scorecard, not two."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from tests.conftest import nps_figures

NPS = "How likely are you to recommend us?"
EXPORTED = [  # the survey tool's export: (id, day, store id, agent id, NPS)
    ("R1", "2026-03-02", "12", "7", 10), ("R2", "2026-03-03", "12", "7", 3), ("R3", "2026-03-04", "5", "9", 9),
]  # fmt: skip
RESAVED = [  # the same survey's next export, cleaned with pandas: a blank store makes the column floats
    ("R4", "2026-04-01", "12.0", "7.0", 9), ("R5", "2026-04-02", "12.0", "9.0", 10),
    ("R6", "2026-04-03", "", "", 0), ("R7", "2026-04-04", "5.0", "7.0", 6),
]  # fmt: skip
CONFIG = f"""
[sources.survey]
connector = "csv"
path = "exports/*.csv"
program = "voc"

[sources.survey.columns]
id = "Response ID"
submitted_at = "Submitted"
location_id = "Store ID"
agent_id = "Agent ID"

[[sources.survey.metrics]]
column = "{NPS}"
metric = "nps"
"""


def expected_nps(column: int) -> dict[str | None, tuple[int, float]]:
    """Per store (or agent) id as the number it is — a blank is none: answers and NPS."""
    scores: dict[str | None, list[int]] = defaultdict(list)
    for row in EXPORTED + RESAVED:
        scores[str(int(float(row[column]))) if row[column] else None].append(row[4])
    return {key: nps_figures(given) for key, given in scores.items()}


def test_a_store_and_an_agent_id_written_as_floats_are_the_ids_written_as_numbers(tmp_path):
    (tmp_path / "exports").mkdir()
    for name, rows in (("march.csv", EXPORTED), ("april.csv", RESAVED)):
        with (tmp_path / "exports" / name).open("w", newline="", encoding="utf-8") as handle:
            body = [[rid, f"{day} 10:00", store, agent, score] for rid, day, store, agent, score in rows]
            csv.writer(handle).writerows([["Response ID", "Submitted", "Store ID", "Agent ID", NPS], *body])
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    config = ["--config", str(tmp_path / "cxbridge.toml")]
    synced = CliRunner().invoke(cli, ["sync", *config])
    assert synced.exit_code == 0, synced.output

    for by, column in (("location", 2), ("agent", 3)):
        shown = CliRunner().invoke(cli, ["report", *config, "--by", by, "--format", "json"])
        assert shown.exit_code == 0, shown.output
        got = {row[by]: (row["responses"], row["score"]) for row in json.loads(shown.stdout)}
        assert got == expected_nps(column), by

    destination = SQLiteDestination(f"sqlite:///{tmp_path / 'cxbridge.db'}")
    destination.open()
    try:
        card = destination.query("SELECT location_id, nps_responses, nps FROM location_scorecard")
    finally:
        destination.close()
    stores = {store: figures for store, figures in expected_nps(2).items() if store is not None}
    assert {row["location_id"]: (row["nps_responses"], row["nps"]) for row in card} == stores
