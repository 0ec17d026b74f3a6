"""A quarantine reason names the file, row and field of the value it is about, and the value
itself only when it is short and holds no contact: an e-mail address, a phone number (or its
digits alone), or a longer text typed into a score, date or status cell is named by what it is —
in `quarantine.error`, `cxbridge quarantine list`, the summary of `sync` and `import`, the log and
`sync_runs.error` (docs/security.md), and so is a word no scale knows ('Sorta', a name alone:
'Jane Quill') — while '11', '31/02/2025 10:00' and a label a scale knows are still quoted; each
reason names the row and field, so that the row can be found and fixed. The values are markers, as in tests/test_privacy_audit_api.py, in a CSV
file and in a workbook, synced and imported."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ValidationError, field_validator, model_validator

import cxbridge
from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.errors import DataError
from cxbridge.quoted_values import quoted
from cxbridge.testing.sample_feedback import Responses, SampleFeedback
from cxbridge.testing.sample_feedback import raw_record as _raw_record
from tests.workbooks import write_xlsx

HEADER = ["id", "submitted", "nps", "sat", "status", "comment"]
ON_TIME = "2025-01-06 10:00"
ROWS = [
    ["R1", ON_TIME, "+44 7700 900123", "4", "complete", "ok"],
    ["R2", ON_TIME, "447700900124", "4", "complete", "ok"],
    ["R3", ON_TIME, "quill.score@audit.example", "4", "complete", "ok"],
    ["R4", ON_TIME, "Jane Quillmarker was lovely at the till today", "4", "complete", "ok"],
    ["R5", ON_TIME, "9", "call me on 0161 496 0005", "complete", "ok"],
    ["R6", "ring +44 7700 900126", "9", "4", "complete", "ok"],
    ["R7", "mail quill.date@audit.example", "9", "4", "complete", "ok"],
    ["R8", ON_TIME, "9", "4", "Quillstatus rang 0161 496 0008", "ok"],
    ["R9", ON_TIME, "11", "4", "complete", "ok"],
    ["R10", ON_TIME, "9", "Sorta", "complete", "ok"],
    ["R11", ON_TIME, "9", "4", "complete", "fine"],
    ["R12", ON_TIME, "Jane Quillname", "4", "complete", "ok"],
    ["R13", "Quillday", "9", "4", "complete", "ok"],
    ["R14", ON_TIME, "9", "4", "Quillstate", "ok"],
]
MARKERS = ["7700 900123", "7700900123", "447700900124", "quill.score", "quillmarker", "lovely at the till",
           "496 0005", "4960005", "7700 900126", "7700900126", "quill.date", "quillstatus", "496 0008", "4960008",
           "quillname", "quillday", "quillstate", "sorta"]  # fmt: skip
KINDS = {  # row → (field, what its reason says the value is)
    "R1": ("nps", "a number of 12 digits"),  # read as the number 447700900123, off the scale
    "R2": ("nps", "a number of 12 digits"),
    "R3": ("nps", "an e-mail address"),
    "R4": ("nps", "a text of 8 words"),
    "R5": ("sat", "a text holding a phone number"),
    "R6": ("submitted", "a text holding a phone number"),
    "R7": ("submitted", "a text holding an e-mail address"),
    "R8": ("status", "a text holding a phone number"),
    "R10": ("sat", "a word of 5 letters"),  # no label any scale knows: it may be a name as well
    "R12": ("nps", "a text of 2 words"),  # a name alone, short as it is
    "R13": ("submitted", "a word of 8 letters"),
    "R14": ("status", "a word of 10 letters"),
}
CONFIG = """
[sources.survey]
connector = "{connector}"
path = "{file}"

[sources.survey.columns]
id = "id"
submitted_at = "submitted"
status = "status"
comment = "comment"

[[sources.survey.metrics]]
column = "nps"
metric = "nps"

[[sources.survey.metrics]]
column = "sat"
metric = "csat"
scale = [1, 5]
"""


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.output


def project(tmp_path: Path, kind: str) -> str:
    """A project whose one source reads the rows from a CSV file or a workbook; its file's name."""
    if kind == "csv":
        file = "responses.csv"
        (tmp_path / file).write_text("\n".join(",".join(f'"{cell}"' for cell in row) for row in [HEADER, *ROWS]) + "\n")
    else:
        file = "responses.xlsx"
        cells = [[int(cell) if cell.isdigit() else cell for cell in row] for row in ROWS]  # the digits as a number
        write_xlsx(tmp_path / file, {"Responses": [HEADER, *cells]})
    connector = "csv" if kind == "csv" else "excel"
    (tmp_path / "cxbridge.toml").write_text(CONFIG.format(connector=connector, file=file), encoding="utf-8")
    return file


def listed_holding_none(markers: list[str], summary: str, db_file: Path) -> list[dict[str, Any]]:
    """The reasons `quarantine list --format json` lists, once no marker is in them, in the table
    it prints, the run's `summary`, `status -vv`, `quarantine.error` and `.context` or `sync_runs.error`."""
    listed = json.loads(run("quarantine", "list", "--format", "json"))
    shown = [summary, run("quarantine", "list"), json.dumps(listed, ensure_ascii=False), run("-vv", "status")]
    with closing(sqlite3.connect(db_file)) as db:
        shown += [error for (error,) in db.execute("SELECT error FROM quarantine")]
        shown += [context for (context,) in db.execute("SELECT context FROM quarantine")]  # its replay's reasons too
        shown += [error or "" for (error,) in db.execute("SELECT error FROM sync_runs")]
    for output in shown:
        for marker in markers:
            assert marker not in output.casefold(), f"{marker!r} in {output[:3000]}"
    return listed


@pytest.mark.parametrize("command", ["sync", "import"])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_reason_names_a_contact_or_free_text_by_what_it_is(kind, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    file = project(tmp_path, kind)
    summary = run("-vv", "sync", "--no-progress") if command == "sync" else run("-vv", "import", file)
    if command == "sync":  # the rules the reasons break, under the line and in the JSON summary of a full read
        assert ("  ✘ 5 × unknown-answer, e.g. question 'nps': answer (an e-mail address, not shown) is neither a number "
                "nor a known label of this nps question") in summary  # fmt: skip
        full = run("sync", "--full-refresh", "--format", "json")
        assert json.loads(full)["quarantine_rules"]["unreadable-date"] == 3
        summary += full
    reasons = {row["id"]: row for row in listed_holding_none(MARKERS, summary, tmp_path / "cxbridge.db")}
    assert sorted(reasons, key=lambda n: int(n[1:])) == sorted([*KINDS, "R9"], key=lambda n: int(n[1:]))
    for native, (column, what) in KINDS.items():
        assert reasons[native]["field"] == column and re.search(r"row \d+", reasons[native]["where"])
        assert f"({what}, not shown)" in reasons[native]["error"], reasons[native]
    assert "nps answer 11 is outside its scale 0–10" in reasons["R9"]["error"]
    assert (
        "answer (a word of 5 letters, not shown) is neither a number nor a known label of this csat question; fix "
        "the answer in the source, or, in the [[sources.survey.metrics]] entry of column 'sat', map it"
        in reasons["R10"]["error"]
    )
    assert (
        "status (a word of 10 letters, not shown) is neither complete (1, true, finished) nor partial (0, false)"
        in reasons["R14"]["error"]
    )
    if command == "import":  # the summary counts the first reasons
        assert "✘ 1 × question 'nps': answer (an e-mail address, not shown)" in summary, summary


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_source_whose_every_row_is_quarantined_fails_naming_what_the_first_one_holds(kind, tmp_path, monkeypatch):
    """The run's error quotes the first reason: in the summary, the log and `sync_runs.error`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(f"{__name__}.ROWS", [ROWS[3]])
    project(tmp_path, kind)
    failed = run("-vv", "sync", "--no-progress")
    assert "(a text of 8 words, not shown)" in failed, failed
    with closing(sqlite3.connect(tmp_path / "cxbridge.db")) as db:
        [(error,)] = db.execute("SELECT error FROM sync_runs")
    for output in (failed, error):
        assert "quillmarker" not in output.casefold() and "lovely" not in output, output


@pytest.mark.parametrize(
    "value", ["11", "4.5", "-1", "1e400", "x1", "#N/A", "#REF!", "Neither satisfied nor dissatisfied", "Très satisfait",
              "5 - Very satisfied", "Bardzo zadowolony", "Не знаю", "Yes", "31/02/2025 10:00", "2025-06-01T25:00:00+02:00",
              "05 Oct, 2020 02:51:51 PM ABC", "2022/02/13 10:26:52 p. m. GMT-3", "2025. 12. 26. 오후 7:11:27"],
)  # fmt: skip
def test_a_number_code_date_or_label_a_scale_knows_is_quoted_as_written(value):
    assert quoted(value) == repr(value)


@pytest.mark.parametrize(
    ("value", "what"),
    [("Jane Quill", "a text of 2 words"), ("Jane", "a word of 4 letters"), ("Sorta", "a word of 5 letters"),
     ("Ann", "a word of 3 letters"), ("Jane 5", "a text of 6 characters"), ("5 Jane", "a text of 6 characters"),
     ("1 - 2 times a month", "a text of 3 words"), ("Quill-Smith", "a text of 2 words"),
     ("Jo 10", "a text of 5 characters"), ("10 Jo", "a text of 5 characters"), ("Ann 123", "a text of 7 characters")],
)  # fmt: skip
def test_a_name_or_any_other_word_no_scale_knows_is_named_by_its_length(value, what):
    """A word may be a name as well as an unknown label: the reason names the row and field, the
    row's file or `raw` holds the value. A short name beside a number ('Jo 10': Jo gave 10) was
    quoted as a code, its letters no more than its digits."""
    assert quoted(value) == f"({what}, not shown)"


def test_a_row_found_by_its_reason_is_fixed_in_the_file_or_by_a_label_and_leaves_quarantine(tmp_path, monkeypatch):
    """`quarantine list` says enough to fix a row without quoting it: the file and row to edit
    (then `sync`), or the label to map (then `quarantine replay`)."""
    monkeypatch.chdir(tmp_path)
    file = tmp_path / project(tmp_path, "csv")
    run("sync", "--no-progress")
    listed = {row["id"]: row for row in json.loads(run("quarantine", "list", "--format", "json"))}
    where = re.fullmatch(r"file responses\.csv, row (\d+)", listed["R3"]["where"])
    assert where and listed["R3"]["field"] == "nps" and "(an e-mail address, not shown)" in listed["R3"]["error"]

    lines = file.read_text().splitlines()
    row = int(where[1]) - 1  # the header is row 1
    lines[row] = lines[row].replace('"quill.score@audit.example"', '"8"')
    file.write_text("\n".join(lines) + "\n")
    assert "1 written" in run("sync", "--no-progress")
    config = tmp_path / "cxbridge.toml"
    config.write_text(config.read_text().replace("scale = [1, 5]\n", "scale = [1, 5]\nlabels = { Sorta = 3 }\n"))
    assert "1 written" in run("quarantine", "replay")

    with closing(sqlite3.connect(tmp_path / "cxbridge.db")) as db:
        assert dict(db.execute("SELECT source_record_id, nps FROM feedback WHERE source_record_id IN ('R3', 'R10')")) == {
            "R3": 8, "R10": 9}  # fmt: skip
        assert not db.execute("SELECT 1 FROM quarantine WHERE source_record_id IN ('R3', 'R10')").fetchall()


class _StoreCodes(BaseModel):
    """A third-party stream's own check of what it read (docs/plugins.md): its message quotes the
    value, as a validator's often does."""

    store: str

    @field_validator("store")
    @classmethod
    def _one_of_ours(cls, value: str) -> str:
        if not value.startswith("S"):
            raise ValueError(f"store {value!r} is not one of ours (S01, S02 …); typed: {value}")
        return value


class _CheckedResponses(Responses):
    def normalize(self, raw: dict[str, Any], builder: Any) -> Any:
        _StoreCodes.model_validate({"store": raw["store"]})
        return super().normalize(raw, builder)


class _CheckedFeedback(SampleFeedback):
    def streams(self) -> list[Any]:
        return [_CheckedResponses(self)]


class _Registering:
    @cxbridge.hookimpl
    def register_sources(self, register):
        register(_CheckedFeedback)


@pytest.mark.parametrize(
    ("store", "what"),
    [("Jane Quillvalid", "(a text of 2 words, not shown)"), ("+44 7700 900555", "(a phone number, not shown)"),
     ("call 0161 496 0555 please", "(a text holding a phone number, not shown)"), ("x1", "'x1'")],
)  # fmt: skip
def test_a_plugins_validator_quoting_the_value_is_withheld_as_a_reason_quotes_one(store, what, tmp_path, monkeypatch):
    """A pydantic validator's message of a plugin's stream becomes the reason (`DataError.from_validation`):
    the value it quotes, as written or in quotes, is shown as a reason shows a value."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("cxbridge.testing.sample_feedback.raw_record", lambda n, version: _raw_record(n, version) | (
        {"store": store} if n == 3 else {}))  # fmt: skip
    host = plugins_host.create_host()
    host.pm.register(_Registering())
    monkeypatch.setattr(plugins_host, "_host", host)
    (tmp_path / "cxbridge.toml").write_text('[sources.sample]\nconnector = "sample_feedback"\nrecords = 4\n')
    summary = run("-vv", "sync", "--no-progress")
    markers = [] if what == "'x1'" else ["quillvalid", "7700 900555", "496 0555"]
    [reason] = [row for row in listed_holding_none(markers, summary, tmp_path / "cxbridge.db") if row["id"] == "F0003"]
    assert reason["field"] == "store", reason
    typed = "x1" if what == "'x1'" else what  # as written: a code
    assert reason["error"] == f"store: Value error, store {what} is not one of ours (S01, S02 …); typed: {typed}"


class _Visit(BaseModel):
    status: str
    contact: str

    @model_validator(mode="after")
    def _reachable(self) -> _Visit:
        raise ValueError(f"status {self.status!r}: call {self.contact} about it")


def test_a_record_validators_message_withholds_a_contact_of_the_record_and_keeps_its_own_words():
    """A model validator's input is the whole record: its contact is withheld, its other words
    (which may be the message's own) are kept."""
    with pytest.raises(ValidationError) as raised:
        _Visit(status="complete", contact="+44 7700 900556")
    error = DataError.from_validation(raised.value)
    assert str(error) == "Value error, status 'complete': call (a phone number, not shown) about it"
