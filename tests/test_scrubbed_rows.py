"""What a sync stores of rows with personal data in odd places (issue 19's shortcuts: the raw
JSON of a delimited file's rows written without a type pass, a scrubbed contact's key known
without reading its `hashed:` text again): byte for byte the raw JSON and respondent keys
worked out here independently (csv module, BLAKE2b, json), and the same rows as the reference
path for CSV, workbook and JSON files alike."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sqlite3
from pathlib import Path

import openpyxl

from tests.both_ways import synced
from tests.sqlite_runs import SHARED_SALT
from tests.test_batch_normalizer import both_ways

HEADER = ["id", "submitted", "email", "phone", "name", "internal", "nps", "comment", "backup contact", "note"]
ROWS = [
    ["R1", "2024-01-05 10:00", " Ann@Example.com ", "+48 600 100 200", "Ann Smith", "x", "9", "fine", "", "plain"],
    ["R2", "2024-01-05 11:00", "", "600-100-200", "Bob", "", "10", "write to ann@example.com please",
     "carol@example.net", "x@y"],
    ["R3", "2024-01-06 09:00", "not an e-mail", "", "", "secret", "3", " Dave@Example.org ", "", "@handle"],
    ["dave@example.com", "2024-01-06 10:00", "ann@example.com", "", "Zażółć", "", "7",
     'a "quoted"\nline, with a comma', "  Eve@Example.com", "Очень доволен"],
    ["R5", "2024-01-07 10:00", "ANN@EXAMPLE.COM", "", "", "", "0", "", "", ""],
]  # fmt: skip
MAPPING = {
    "connector": "csv", "path": "responses.csv", "timezone": "UTC",
    "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "phone": "phone", "comment": "comment"},
    "personal": ["name"], "ignore": ["internal"],
    "metrics": [{"column": "nps", "metric": "nps"}],
}  # fmt: skip
EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]*[^@\s<>(),;:\"\[\].]")


def key(contact: str) -> str | None:
    """The salted BLAKE2b of a contact, written out: e-mails case-insensitive, phones as digits;
    none for a text that is neither ("not an e-mail")."""
    text = contact.strip()
    canonical = text.casefold() if "@" in text else re.sub(r"\D", "", text)
    if not canonical:
        return None
    salt = SHARED_SALT.get_secret_value().encode()[:64]
    return hashlib.blake2b(canonical.encode(), key=salt, digest_size=16).hexdigest()


def scrubbed_cell(column: str, cell: str | None) -> str | None:
    if cell is None or column not in ("email", "phone"):
        return "hashed:" + key(cell) if cell is not None and EMAIL.fullmatch(cell.strip()) else cell
    return None if (hashed := key(cell)) is None else "hashed:" + hashed


def expected_raw(path: Path) -> dict[str, str]:
    """Each row's stored `raw`, by its source record id (scrubbed too), from the file read with csv."""
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    expected = {}
    for number, row in enumerate(rows, start=2):
        values = {column: cell.strip() or None for column, cell in zip(header, row, strict=True)}
        scrubbed = {c: scrubbed_cell(c, v) for c, v in values.items() if c not in ("name", "internal")}
        raw = {"file": path.name, "row": number, "values": scrubbed, "id": scrubbed_cell("id", values["id"])}
        expected[raw["id"]] = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
    return expected


def write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *ROWS])


def stored(db: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        return {rid: (raw, key) for rid, raw, key in conn.execute(
            "SELECT source_record_id, raw, respondent_key FROM feedback")}  # fmt: skip


def test_a_csv_row_is_stored_with_the_raw_json_and_respondent_key_worked_out_independently(tmp_path, monkeypatch):
    write_csv(tmp_path / "responses.csv")
    synced(tmp_path, None, settings=[], monkeypatch=monkeypatch, mapping=MAPPING, label="sync")
    rows = stored(tmp_path / "sync.db")
    assert {rid: raw for rid, (raw, _) in rows.items()} == expected_raw(tmp_path / "responses.csv")
    assert {rid: found for rid, (_, found) in rows.items()} == {
        scrubbed_cell("id", rid): key(email) if email.strip() else key(phone) if phone else None
        for rid, _, email, phone, *_ in ROWS
    }
    text = (tmp_path / "sync.db").read_bytes()
    for secret in (b"Ann@Example", b"ann@example.com\"", b"carol@", b"Eve@", b"Dave@", b"Ann Smith", b"secret", b"600 100", b"600-100"):
        assert secret not in text, secret


def test_csv_rows_with_personal_data_store_the_same_rows_both_ways(tmp_path, monkeypatch):
    write_csv(tmp_path / "responses.csv")
    stored_rows, made = both_ways(tmp_path, monkeypatch, mapping=MAPPING)
    assert len(stored_rows["feedback"]) == len(ROWS) and len(made) == len(ROWS)


def test_workbook_rows_with_personal_data_store_the_same_rows_both_ways(tmp_path, monkeypatch):
    """A workbook's cells are numbers and dates too: its rows' JSON takes the checked path."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append([int(cell) if cell.isdigit() else cell for cell in row])
    book.save(tmp_path / "responses.xlsx")
    mapping = {**MAPPING, "connector": "excel", "path": "responses.xlsx"}
    stored_rows, made = both_ways(tmp_path, monkeypatch, mapping=mapping)
    assert len(stored_rows["feedback"]) == len(ROWS) and made
    raws = [json.loads(row[-1]) for row in _raw_column(stored_rows)]
    assert {raw["values"]["nps"] for raw in raws} == {9, 10, 3, 7, 0}, "numbers stay numbers in the raw JSON"


def test_json_records_with_personal_data_store_the_same_rows_both_ways(tmp_path, monkeypatch):
    records = [dict(zip(HEADER, row, strict=True)) | {"nested": {"who": row[2], "n": 1.5}} for row in ROWS]
    (tmp_path / "responses.json").write_text(json.dumps(records), encoding="utf-8")
    mapping = {**MAPPING, "connector": "json", "path": "responses.json"}
    stored_rows, _ = both_ways(tmp_path, monkeypatch, mapping=mapping)
    assert len(stored_rows["feedback"]) == len(ROWS)
    raws = [json.loads(row[-1]) for row in _raw_column(stored_rows)]
    whos = {raw["values"]["nested.who"] for raw in raws}
    assert "hashed:" + key("ann@example.com") in whos and not any("@" in (who or "") for who in whos)


def _raw_column(stored_rows: dict[str, list]) -> list[tuple[str]]:
    """The `raw` of each stored feedback row (the last content column before lineage)."""
    with_raw = [row for row in stored_rows["feedback"] if any(isinstance(c, str) and c.startswith('{"file"') for c in row)]
    return [tuple(c for c in row if isinstance(c, str) and c.startswith('{"file"'))[-1:] for row in with_raw]
