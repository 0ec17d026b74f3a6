"""A metric name is checked when the config loads: the built-in ones in any case, a metric of
your own only as `custom:NAME`, and a typo is a config error (exit 2), never a data error that
quarantines every row. Quarantine advice names a fix the config accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.config import parse_config
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host

SOURCE = """
[sources.survey]
connector = "csv"
path = "responses.csv"
[sources.survey.columns]
id = "id"
submitted_at = "submitted"
[[sources.survey.metrics]]
column = "score"
metric = "{metric}"
"""


@pytest.fixture(scope="module")
def host():
    return create_host()


def metric_of(name: str, host) -> str:
    config = parse_config(SOURCE.format(metric=name), host, path=Path("cxbridge.toml"))
    return config.sources["survey"].config.metrics[0].metric


@pytest.mark.parametrize(
    ("written", "meant"),
    [("NPS", "nps"), ("eNPS", "enps"), ("Csat", "csat"), ("CES", "ces"), ("Mystery-Shop", "mystery_shop"),
     ("mystery shop", "mystery_shop"), ("AUDIT", "audit"), ("custom:cleanliness", "custom:cleanliness")],
)  # fmt: skip
def test_built_in_names_in_any_case_and_declared_custom_names_load(host, written, meant):
    assert metric_of(written, host) == meant


@pytest.mark.parametrize("typo", ["promoter_score", "npss", "satisfaction", "cleanliness"])
def test_an_unknown_metric_is_a_config_error_listing_the_valid_ones(host, typo):
    with pytest.raises(ConfigError) as caught:
        metric_of(typo, host)
    message = str(caught.value)
    assert message.startswith(f"cxbridge.toml: sources.survey.metrics.1.metric: unknown metric {typo!r}")
    assert "nps, enps, csat, ces, rating, audit, mystery_shop" in message
    assert f"'custom:{typo}'" in message


def test_a_close_typo_is_pointed_at(host):
    with pytest.raises(ConfigError, match="did you mean 'nps'"):
        metric_of("npss", host)


@pytest.mark.parametrize(("name", "why"), [("custom:nps", "'nps' is a built-in metric"),
                                           ("custom:Store Cleanliness", "lower-case letters, digits and _")])  # fmt: skip
def test_a_custom_name_is_a_plain_name_that_is_not_built_in(host, name, why):
    with pytest.raises(ConfigError, match=why):
        metric_of(name, host)


def test_question_overrides_of_api_sources_are_checked_too(host, monkeypatch):
    monkeypatch.setenv("QUALTRICS_TOKEN", "not-a-real-token")
    text = """
[sources.q]
connector = "qualtrics"
datacenter = "fra1"
api_token = "${QUALTRICS_TOKEN}"
[sources.q.questions.QID1]
metric = "promoter_score"
"""
    with pytest.raises(ConfigError, match=r"sources\.q\.questions\.QID1\.metric: unknown metric 'promoter_score'"):
        parse_config(text, host, path=Path("cxbridge.toml"))


def write_survey(folder: Path, metric: str, scores: list[str]) -> Path:
    rows = [f"R{n},2025-03-0{n + 1}T10:00:00Z,{value}" for n, value in enumerate(scores)]
    (folder / "responses.csv").write_text("id,submitted,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    config = folder / "cxbridge.toml"
    config.write_text(SOURCE.format(metric=metric), encoding="utf-8")
    return config


def test_an_upper_case_nps_scores_every_row_instead_of_quarantining_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scores = ["10", "9", "6", "0", "8"]
    config = write_survey(tmp_path, "NPS", scores)
    result = CliRunner().invoke(cli, ["sync", "--config", str(config), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0, result.output
    import sqlite3

    with sqlite3.connect(tmp_path / "x.db") as db:
        stored = sorted(row[0] for row in db.execute("SELECT nps FROM feedback"))
        quarantined = db.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert stored == sorted(int(value) for value in scores) and quarantined == 0


def test_a_misspelt_metric_stops_the_sync_before_any_data_moves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = write_survey(tmp_path, "promoter_score", ["10", "9"])
    result = CliRunner().invoke(cli, ["sync", "--config", str(config), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "unknown metric 'promoter_score'" in result.output
    assert not (tmp_path / "x.db").exists()


def test_the_advice_for_an_nps_off_its_scale_is_one_the_config_accepts(tmp_path, monkeypatch, host):
    monkeypatch.chdir(tmp_path)
    config = write_survey(tmp_path, "nps", ["10", "11"])
    result = CliRunner().invoke(cli, ["sync", "--config", str(config), "--db", str(tmp_path / "x.db")])
    import sqlite3

    with sqlite3.connect(tmp_path / "x.db") as db:
        (error,) = db.execute("SELECT error FROM quarantine").fetchone()
    assert result.exit_code == 0
    assert "nps answer 11 is outside its scale 0–10" in error and "'scale'" not in error
    assert "'ignore_values'" in error
    # the advice works: ignore_values = [11] is accepted and the row then carries no score
    fixed = config.read_text(encoding="utf-8") + "ignore_values = [11]\n"
    parse_config(fixed, host, path=config)
