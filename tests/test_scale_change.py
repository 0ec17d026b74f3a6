"""A scored column whose answers in a file (or sheet) read in the run run off its mapped scale in
a way that reads as another scale — two or more different whole numbers off it, every answer a
whole number within 0–10 — is named under the source's ✔ line (`⚠`) and in `--format json`:
the survey moved the question to a new scale (1–5, then 0–10), so the answers still within the
mapped scale were stored as if on it, and only the others were quarantined (docs/files.md, Bad
rows and bad files). What is stored does not change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cxbridge.cli.main import cli
from cxbridge.tabular.source import FileStream

from tests.conftest import Workspace, survey_row
from tests.sqlite_runs import query
from tests.test_unanswered_columns import EFFORT, responses, warning_lines
from tests.workbooks import write_xlsx

HEADER = ["Ticket", "Submitted", "Satisfaction (1-5)"]
SUPPORT = """
[sources.support]
connector = "excel"
path = "support_csat.xlsx"
timezone = "UTC"

[sources.support.columns]
id = "Ticket"
submitted_at = "Submitted"

[[sources.support.metrics]]
column = "Satisfaction (1-5)"
metric = "csat"
scale = [1, 5]
"""
ADVICE = (
    "the question's scale looks changed; map the column of the files on the new scale with their own `scale` — "
    "a source of their own (`path`, `sheets`), or a second [[metrics]] entry where they head it differently — then "
    "`cxbridge sync --full-refresh --prune` (the first source's records of them go) and `cxbridge quarantine replay`"
)


def sync(*args: str):
    return CliRunner().invoke(cli, ["sync", *args], catch_exceptions=False)


def tickets(prefix: str, answers: list[int], month: int) -> list[list]:
    return [[f"{prefix}{n}", f"2025-{month:02d}-{n + 1:02d}", answer] for n, answer in enumerate(answers)]


@pytest.fixture(params=[True, False], ids=["compiled", "reference"])
def both_paths(request, monkeypatch):
    """Each test runs on the compiled rows and on the reference normalizer."""
    monkeypatch.setattr(FileStream, "compiled", request.param)


def test_a_sheet_answered_on_0_to_10_under_a_1_to_5_mapping_is_named(tmp_path: Path, monkeypatch, both_paths):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(SUPPORT, encoding="utf-8")
    old = [n % 5 + 1 for n in range(10)]  # 1..5 twice
    new = list(range(10))  # the survey moved to 0–10: 0..9
    write_xlsx(tmp_path / "support_csat.xlsx", {"Q1": [HEADER, *tickets("T", old, 1)],
                                                 "Q2": [HEADER, *tickets("U", new, 4)]})  # fmt: skip
    in_scale = [answer for answer in new if 1 <= answer <= 5]
    off_scale = len(new) - len(in_scale)
    result = sync()
    assert result.exit_code == 0
    assert f"20 read · {len(old) + len(in_scale)} written · 0 unchanged · {off_scale} quarantined" in result.output
    expected = (
        f"column 'Satisfaction (1-5)' (csat) of support_csat.xlsx [Q2] is mapped on the scale 1–5, but its answers "
        f"run 0–9 ({off_scale} of {len(new)} rows off the scale, quarantined; the others stored as if on 1–5): "
        + ADVICE
    )
    assert warning_lines(result.output) == [expected]
    # nothing stored changes: the in-range answers of Q2 are stored on 1–5, as before
    assert query(tmp_path, "SELECT count(*), min(csat), max(csat) FROM feedback WHERE source_record_id LIKE 'U%'") \
        == [(len(in_scale), 1.0, 5.0)]  # fmt: skip
    [summary] = [json.loads(line) for line in sync("--full-refresh", "--format", "json").stdout.splitlines()]
    assert summary["status"] == "success" and summary["warnings"] == [expected]


def test_a_csv_file_on_1_to_7_under_a_1_to_5_mapping_is_named_not_the_others(workspace: Workspace, both_paths):
    workspace.write_csv([survey_row(n) for n in range(1, 9)], name="responses_2024.csv")
    seven = [n % 7 + 1 for n in range(9, 23)]  # 1..7 twice
    workspace.write_csv(
        [survey_row(n, satisfaction=str(seven[n - 9])) for n in range(9, 23)], name="responses_2025.csv"
    )
    off = sum(answer > 5 for answer in seven)
    result = sync()
    assert f"22 read · {22 - off} written · 0 unchanged · {off} quarantined" in result.output
    assert warning_lines(result.output) == [
        "column 'satisfaction' (csat) of responses_2025.csv is mapped on the scale 1–5, but its answers run 1–7 "
        f"({off} of {len(seven)} rows off the scale, quarantined; the others stored as if on 1–5): {ADVICE}"
    ]


@pytest.mark.parametrize(
    "effort",
    [["12"] * 4, ["9"] * 3 + ["4"], ["44", "55", "3", "4"], ["-1", "8", "3", "4"], ["3.5", "8", "9", "4"]],
    ids=["one value off", "one value off among answers", "typos beyond 0-10", "below 0", "not whole"],
)
def test_answers_off_the_scale_that_read_as_no_other_scale_are_only_quarantined(workspace: Workspace, effort):
    rows = responses(1, 4)
    for row, answer in zip(rows, effort, strict=True):
        row[EFFORT] = answer  # mapped as ces on 1–7
    workspace.write_csv(rows)
    result = sync()
    assert "… see cxbridge quarantine list --source survey" in result.output  # under the rules it quarantined by
    assert warning_lines(result.output) == []


def test_an_import_s_warning_says_how_an_import_reads_the_sheet_again_on_its_new_scale(tmp_path: Path, monkeypatch):
    """An import with no mapping given reads a workbook whose second sheet moved the question to
    0–10: the warning told to map the files in a source of their own and `cxbridge sync
    --full-refresh --prune`, which an import without a config has no source for. It says to set the
    scale in the mapping the import read and to import the sheet again with it; followed, its
    records are stored again on 0–10 under their ids, its quarantined rows with them."""
    monkeypatch.chdir(tmp_path)
    old = [n % 5 + 1 for n in range(20)]  # 1..5: the detected mapping's scale
    new = [n % 11 for n in range(12)]  # 0..10
    write_xlsx(tmp_path / "support.xlsx", {"Q1": [HEADER, *tickets("T", old, 1)], "Q2": [HEADER, *tickets("U", new, 4)]})
    off_scale = sum(not 1 <= answer <= 5 for answer in new)
    result = CliRunner().invoke(cli, ["import", "support.xlsx", "--db", "x.db"], catch_exceptions=False)
    assert f"32 read · {32 - off_scale} written · 0 unchanged · {off_scale} quarantined" in result.output
    assert warning_lines(result.output) == [
        f"column 'Satisfaction (1-5)' (csat) of support.xlsx [Q2] is mapped on the scale 1–5, but its answers run 0–10 "
        f"({off_scale} of {len(new)} rows off the scale, quarantined; the others stored as if on 1–5): the question's "
        "scale looks changed; set `scale` to the new one in the [[metrics]] entry of column 'Satisfaction (1-5)' in a "
        "mapping saved by `cxbridge inspect support.xlsx --write-mapping mapping.toml` (then imported with `--mapping "
        "mapping.toml`), then import sheet 'Q2' again with it, `cxbridge import support.xlsx --mapping mapping.toml` "
        "with `--sheet Q2`: its records are stored again on the new scale under their ids, the quarantined ones too "
        "(no --prune needed)"
    ]

    assert CliRunner().invoke(cli, ["inspect", "support.xlsx", "--write-mapping", "mapping.toml"]).exit_code == 0
    mapping = Path("mapping.toml").read_text(encoding="utf-8")
    Path("mapping.toml").write_text(mapping.replace("scale = [1, 5]", "scale = [0, 10]"), encoding="utf-8")
    again = CliRunner().invoke(cli, ["import", "support.xlsx", "--mapping", "mapping.toml", "--sheet", "Q2", "--db", "x.db"])
    assert f"{len(new)} read · {len(new)} written" in again.output and warning_lines(again.output) == []
    assert query(tmp_path, "SELECT count(*) FROM quarantine", db="x.db") == [(0,)]
    stored = query(tmp_path, "SELECT substr(submitted_at, 1, 10), csat FROM feedback", db="x.db")  # rows keyed by content
    expected = [(day, float(answer)) for _, day, answer in [*tickets("T", old, 1), *tickets("U", new, 4)]]
    assert sorted(stored) == sorted(expected)


def test_an_import_given_a_source_name_is_told_to_import_again_under_it(tmp_path: Path, monkeypatch):
    """`cxbridge import FILE --source desk`: the advice's import named no --source, so followed it
    stored the sheet again under the mapping's source (`support`), beside desk's records on the old
    scale and their quarantine. It names `--source desk`; followed, desk holds every record once."""
    monkeypatch.chdir(tmp_path)
    old, new = [n % 5 + 1 for n in range(20)], [n % 11 for n in range(12)]
    write_xlsx(tmp_path / "support.xlsx", {"Q1": [HEADER, *tickets("T", old, 1)], "Q2": [HEADER, *tickets("U", new, 4)]})
    result = CliRunner().invoke(cli, ["import", "support.xlsx", "--source", "desk", "--db", "x.db"])
    again = "`cxbridge import support.xlsx --mapping mapping.toml --source desk` with `--sheet Q2`"
    assert [again in line for line in warning_lines(result.output)] == [True], result.output

    assert CliRunner().invoke(cli, ["inspect", "support.xlsx", "--write-mapping", "mapping.toml"]).exit_code == 0
    mapping = Path("mapping.toml").read_text(encoding="utf-8")
    Path("mapping.toml").write_text(mapping.replace("scale = [1, 5]", "scale = [0, 10]"), encoding="utf-8")
    followed = ["import", "support.xlsx", "--mapping", "mapping.toml", "--source", "desk", "--sheet", "Q2", "--db", "x.db"]
    assert CliRunner().invoke(cli, followed).exit_code == 0
    assert query(tmp_path, "SELECT source, count(*) FROM feedback GROUP BY source", db="x.db") == [("desk", 32)]
    assert query(tmp_path, "SELECT count(*) FROM quarantine", db="x.db") == [(0,)]


def test_the_advice_followed_leaves_each_file_s_answers_on_its_own_scale_and_none_on_the_old_one(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 9)], name="responses_2024.csv")
    seven = {f"R{n}": n % 7 + 1 for n in range(9, 23)}
    rows = [survey_row(n, satisfaction=str(seven[f"R{n}"])) for n in range(9, 23)]
    workspace.write_csv(rows, name="responses_2025.csv")
    sync()
    config = workspace.config.read_text(encoding="utf-8")  # the 2025 file moved to a source of its own, on 1–7
    moved = config[config.index("[sources.survey]") :].replace("sources.survey", "sources.survey_2025")
    moved = moved.replace('"responses*.csv"', '"responses_2025.csv"').replace("scale = [1, 5]", "scale = [1, 7]")
    workspace.config.write_text(config.replace('"responses*.csv"', '"responses_2024.csv"') + moved, encoding="utf-8")

    result = sync("--full-refresh", "--prune")

    named = f"{len(seven)} records of stream rows pruned: the full read no longer found them; nothing was read of "
    named += "responses_2025.csv, which a run before read"
    assert result.exit_code == 0 and warning_lines(result.output) == [named]
    assert f"survey (csv): 8 read · 0 written · 8 unchanged · 0 quarantined · {len(seven)} pruned" in result.output
    assert workspace.query("SELECT COUNT(*) FROM quarantine") == [(0,)]
    stored = workspace.query("SELECT source, source_record_id, csat FROM feedback WHERE source_record_id IN "
                             f"({', '.join('?' * len(seven))})", tuple(seven))  # fmt: skip
    assert sorted(stored) == sorted(("survey_2025", rid, float(answer)) for rid, answer in seven.items())
