"""A bounded fuzz campaign over CSV and XLSX files (issue 13): hostile cell values in well-formed
files, and byte mutations of well-formed files. Whatever the input, a sync returns (no uncaught
exception), a data fault is never reported as a plugin bug, detection (`cxbridge import`'s
first step) never raises anything but a clear error, and every row is accounted for exactly once:
written or quarantined — or the file fails with an error naming it.

CI runs a fixed-seed set (derandomized, a minute or two); CXBRIDGE_FUZZ_EXAMPLES=1500 runs the
local campaign (1,500 examples per test; 3,000 mutated files over the two mutation tests).
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cxbridge import plugins_host
from cxbridge.detection.inspector import Hints, inspect_file
from cxbridge.errors import ConfigError, CxbridgeError
from cxbridge.pipeline import SourceResult
from tests.sqlite_runs import query, sync_source

EXAMPLES = int(os.environ.get("CXBRIDGE_FUZZ_EXAMPLES", "40"))
pytestmark = pytest.mark.timeout(0 if "CXBRIDGE_FUZZ_EXAMPLES" in os.environ else 300)  # 0: the campaign runs long
CAMPAIGN = settings(
    max_examples=EXAMPLES,
    derandomize="CXBRIDGE_FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples every run
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing file is reported as generated, not shrunk
)
HEADER = ["id", "submitted", "nps", "csat", "comment", "store"]

SCORES = st.sampled_from(["0", "7", "10", "11", "-1", "4,5", "²", "³", "٣", "½", "1e400", "nan", "inf", "-0", "",
                          "Very satisfied", "N/A", "10 - Extremely likely", "9" * 40, " 8 ", "0x1F", "١٠"])  # fmt: skip
TIMES = st.sampled_from(["2024-01-01 10:00", "2024-01-01T10:00+25:00", "2024-01-01T10:00-23:60", "31/02/2024",
                         "0001-01-01T00:00+05:00", "9999-12-31 23:59-05:00", "45292.5", "1e308", "-45292",
                         "99999999999999", "13/13/2024 25:61", "2024-01-01 10:00 PM", "", "yesterday",
                         "2024-02-29T23:59:59.9999999Z", "²⁰²⁴-01-01"])  # fmt: skip
# Control characters other than tab and line breaks make a text file read as binary data (a
# file failed by name): they are left to the mutation tests.
TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40) | st.sampled_from(
    ['"', '""', 'a "quoted" word', "line one\nline two", "cr\ronly", "tab\there", ";,|", "\ufeff", "=1+1"]
)
HOSTILE_BYTES = [b'"', b"\r", b"\n", b",", b";", b"\t", b"\x00", b"\xff", b"\xc3", "²".encode(), b"\xef\xbb\xbf", b"PK"]


def rows_strategy(min_size: int = 1, max_size: int = 12):
    row = st.tuples(TIMES, SCORES, SCORES, TEXTS, TEXTS)
    return st.lists(row, min_size=min_size, max_size=max_size).map(
        lambda rows: [[f"R{n}", *cells] for n, cells in enumerate(rows, start=1)]
    )


def source(path: str, connector: str = "csv") -> dict:
    return {
        "connector": connector, "path": path, "timezone": "UTC",
        "columns": {"id": "id", "submitted_at": "submitted", "comment": "comment", "location_id": "store"},
        "metrics": [{"column": "nps", "metric": "nps"}, {"column": "csat", "metric": "csat", "scale": [1, 5]}],
    }  # fmt: skip


def csv_bytes(rows: list[list[str]], *, delimiter: str, newline: str, encoding: str) -> bytes:
    """The rows as CSV, a cell quoted when it holds the delimiter, a quote or any line break
    (csv.writer quotes only the characters of its own line terminator)."""
    special = {delimiter, '"', "\r", "\n"}
    lines = [
        delimiter.join('"' + cell.replace('"', '""') + '"' if special & set(cell) else cell for cell in row)
        for row in [HEADER, *rows]
    ]
    return (newline.join(lines) + newline).encode(encoding, errors="replace")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append([_xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(cell: str):
    """Numbers as numbers (as a spreadsheet holds them); text that is not XML-safe or would be a
    formula as the text a user would have typed."""
    try:
        number = float(cell)
    except ValueError:
        cleaned = "".join(c for c in cell if c in "\t\n\r" or c >= " ").replace("\ufffe", "").replace("\uffff", "")
        return "'" + cleaned if cleaned.startswith("=") else cleaned
    return number if abs(number) < 1e300 and number == number else cell


def run(folder: Path, name: str, data: bytes, connector: str):
    """Sync the file; the result and the ids in feedback and in quarantine."""
    (folder / name).write_bytes(data)
    plugins_host._host = None
    try:
        result = sync_source(folder, source(name, connector))
    except ConfigError as exc:  # the check pass: a header mutated out of the mapping stops the run, naming the file
        assert names_file(str(exc), name) and not (folder / "cxbridge.db").exists(), exc
        return SourceResult("survey", connector, status="failed", error=str(exc)), [], []
    assert result.error is None or "a bug in" not in result.error, result.error
    assert result.status in ("success", "failed"), result
    if not (folder / "cxbridge.db").exists() or not query(
        folder, "SELECT name FROM sqlite_master WHERE name='quarantine'"
    ):
        return result, [], []
    written = [row[0] for row in query(folder, "SELECT source_record_id FROM feedback")]
    quarantined = [row[0] for row in query(folder, "SELECT source_record_id FROM quarantine")]
    return result, written, quarantined


def detect(path: Path) -> None:
    """Detection, as `cxbridge import` runs it, raises nothing but a clear cxbridge error."""
    try:
        inspect_file(path, Hints())
    except CxbridgeError as exc:
        assert "a bug in" not in str(exc)


def assert_each_row_once(result, written: list[str], quarantined: list[str], ids: list[str]) -> None:
    """Each row written or quarantined once; the source fails only when every row was quarantined."""
    if written:
        assert result.status == "success", result.error
    else:
        assert_all_quarantined(result, "responses.")
    assert sorted(written + quarantined) == sorted(ids), (written, quarantined)
    assert (result.read, result.written + result.unchanged, result.quarantined) == (
        len(ids), len(written), len(quarantined),
    )  # fmt: skip


@CAMPAIGN
@given(
    rows=rows_strategy(),
    kind=st.sampled_from(["csv", "xlsx"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_hostile_values_in_well_formed_files_are_written_or_quarantined_each_exactly_once(
    rows, kind, delimiter, newline, encoding
):
    with tempfile.TemporaryDirectory() as folder:
        if kind == "csv":
            name, data = "responses.csv", csv_bytes(rows, delimiter=delimiter, newline=newline, encoding=encoding)
        else:
            name, data = "responses.xlsx", xlsx_bytes(rows)
        result, written, quarantined = run(Path(folder), name, data, "csv" if kind == "csv" else "excel")
        detect(Path(folder) / name)
        assert_each_row_once(result, written, quarantined, [row[0] for row in rows])


def mutate(data: bytes, edits: list[tuple[int, str, bytes]]) -> bytes:
    for position, how, piece in edits:
        at = position % (len(data) + 1)
        if how == "insert":
            data = data[:at] + piece + data[at:]
        elif how == "replace":
            data = data[:at] + piece + data[at + len(piece) :]
        elif how == "delete":
            data = data[:at] + data[at + 1 :]
        else:  # truncate
            data = data[:at]
    return data


EDITS = st.lists(
    st.tuples(st.integers(0, 1 << 16), st.sampled_from(["insert", "replace", "delete", "truncate"]),
              st.sampled_from(HOSTILE_BYTES)),
    min_size=1, max_size=3,
)  # fmt: skip


def assert_accounted_for_or_failed_clearly(result, written: list[str], quarantined: list[str], name: str) -> None:
    """A mutated file's rows are no longer known in advance: no id is in both tables or twice in
    one, the counts agree, and a failed file's error names the file."""
    assert len(set(written)) == len(written) and not set(written) & set(quarantined)
    assert result.written + result.unchanged + result.quarantined <= result.read
    if result.status == "success":
        assert result.written + result.unchanged + result.quarantined == result.read
    elif result.read and result.quarantined == result.read:
        assert_all_quarantined(result, name)
    else:
        assert names_file(result.error, name), result.error


def names_file(message: str, name: str) -> bool:
    """The message names the file: `name: …`, or for a workbook's sheet `name [Sheet]: …`."""
    return message.startswith(name) or f"{name}:" in message or f"{name} [" in message


def assert_all_quarantined(result, name: str) -> None:
    """A file whose every row went to quarantine fails its source, naming the first row's place."""
    assert result.status == "failed" and not result.written + result.unchanged, result
    assert result.error.startswith(f"every record read ({result.quarantined}) went to quarantine"), result.error
    assert f"the first, {name}" in result.error, result.error


@CAMPAIGN
@given(rows=rows_strategy(max_size=6), edits=EDITS, newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_mutated_csv_bytes_never_crash_and_every_row_is_accounted_for(rows, edits, newline):
    data = mutate(csv_bytes(rows, delimiter=",", newline=newline, encoding="utf-8"), edits)
    with tempfile.TemporaryDirectory() as folder:
        result, written, quarantined = run(Path(folder), "responses.csv", data, "csv")
        detect(Path(folder) / "responses.csv")
        assert_accounted_for_or_failed_clearly(result, written, quarantined, "responses.csv")


@CAMPAIGN
@given(rows=rows_strategy(max_size=6), edits=EDITS)
def test_mutated_xlsx_sheets_never_crash_and_every_row_is_accounted_for(rows, edits):
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows))) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = mutate(parts["xl/worksheets/sheet1.xml"], edits)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    with tempfile.TemporaryDirectory() as folder:
        result, written, quarantined = run(Path(folder), "responses.xlsx", buffer.getvalue(), "excel")
        detect(Path(folder) / "responses.xlsx")
        assert_accounted_for_or_failed_clearly(result, written, quarantined, "responses.xlsx")
