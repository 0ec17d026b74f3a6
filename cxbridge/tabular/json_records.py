"""JSON exports as a stream of records: NDJSON (one object a line), a top-level array, or an
object whose list holds the records (`{"responses": [...]}` from Qualtrics, `{"data": [...]}`
from SurveyMonkey). Arrays are decoded element by element, so a large export is never held
in memory whole."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from cxbridge.errors import SourceError
from cxbridge.json_input import may_hold_surrogates, parsed_json, storable
from cxbridge.tabular.grid import ReadPosition

try:
    import orjson
except ImportError:  # pragma: no cover - an environment from before orjson was a dependency
    orjson = None  # type: ignore[assignment]

JSON_SUFFIXES = frozenset({".json", ".ndjson", ".jsonl"})
RECORD_LISTS = ("responses", "data", "results", "records", "items")
_CHUNK = 1 << 16
_DECODER = json.JSONDecoder()


@dataclass
class RecordSet:
    """The records of one JSON export; `records()` reads the file again each time."""

    file: str
    read_records: Callable[[], Iterator[tuple[int, dict[str, Any]]]]
    container: str  # "ndjson", "array" or the key of the record list
    envelope: dict[str, Any] = field(default_factory=dict)  # top-level keys other than the records
    position: ReadPosition = field(default_factory=ReadPosition)
    _preview: list[tuple[int, dict[str, Any]]] | None = None
    sheet: None = None

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return self.read_records()

    def preview(self, limit: int = 200) -> list[tuple[int, dict[str, Any]]]:
        if self._preview is None or len(self._preview) < limit:
            self._preview = list(islice(self.records(), limit))
        return self._preview[:limit]

    @property
    def where(self) -> str:
        return self.file


def open_json(path: Path, identity: str) -> RecordSet:
    """The records of a JSON or NDJSON export."""
    with _open(path, identity) as handle, utf8_required(identity):
        head = handle.read(_CHUNK).lstrip()
    if head.startswith("{") and _first_line_is_a_record(head):
        container, envelope = "ndjson", {}
    elif head.startswith(("{", "[")):
        container, envelope = _container(path, identity, head)
    else:
        raise SourceError(f"{identity}: not a JSON export (it does not start with '{{' or '[')")

    position = ReadPosition()

    def read_records() -> Iterator[tuple[int, dict[str, Any]]]:
        if container == "ndjson":
            return _ndjson(path, identity, position)
        return _array_items(path, identity, None if container == "array" else container, position)

    return RecordSet(file=identity, read_records=read_records, container=container, envelope=envelope,
                     position=position)  # fmt: skip


def load_document(path: Path, identity: str) -> Any:
    """A whole (small) JSON document, such as a survey definition."""
    with _open(path, identity) as handle, utf8_required(identity):
        try:
            return parsed_json(handle.read())
        except json.JSONDecodeError as exc:
            raise SourceError(f"{identity}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


@contextmanager
def utf8_required(identity: str) -> Iterator[None]:
    """Bytes that are not UTF-8 inside (JSON is UTF-8 by its standard) as a data error naming the file."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{identity}: not UTF-8 text ({exc.reason} at byte {exc.start} of a block), and JSON is always UTF-8; "
            "export it again, or convert it to UTF-8"
        ) from None


def _open(path: Path, identity: str) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise SourceError(f"{identity}: cannot read it ({exc.strerror})") from None


def _first_line_is_a_record(head: str) -> bool:
    """NDJSON: the first line is a whole object, and not a document holding the record list."""
    try:
        first = json.loads(head.split("\n", 1)[0])
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and not any(isinstance(first.get(key), list) for key in RECORD_LISTS)


def _container(path: Path, identity: str, head: str) -> tuple[str, dict[str, Any]]:
    """Where the records are: a top-level array, or the first list-valued key we know."""
    if head.startswith("["):
        return "array", {}
    if len(head) < _CHUNK:
        document = load_document(path, identity)
        for key in RECORD_LISTS:
            if isinstance(document.get(key), list):
                return key, {k: v for k, v in document.items() if k != key}
    else:
        for key in RECORD_LISTS:
            if f'"{key}"' in head:
                return key, {}
    raise SourceError(f"{identity}: no list of records found (looked for {', '.join(RECORD_LISTS)})")


def _ndjson(path: Path, identity: str, position: ReadPosition) -> Iterator[tuple[int, dict[str, Any]]]:
    with _open(path, identity) as handle, utf8_required(identity):
        yield from _followed(ndjson_records(handle, identity), handle, path, position)


def _array_items(
    path: Path, identity: str, key: str | None, position: ReadPosition
) -> Iterator[tuple[int, dict[str, Any]]]:
    with _open(path, identity) as handle, utf8_required(identity):
        yield from _followed(array_records(handle, identity, key), handle, path, position)


def _followed(records: Iterator[Any], handle: TextIO, path: Path, position: ReadPosition) -> Iterator[Any]:
    """The records, `position` following how far into the file each one was read."""
    position.follow(handle, path.stat().st_size)
    try:
        yield from records
    finally:
        position.stop()


def ndjson_records(handle: TextIO, identity: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each line of an NDJSON stream."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = parsed_json(line)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{identity}: line {number} is not JSON ({exc.msg})") from None
        if isinstance(record, dict):
            yield number, record


def array_records(handle: TextIO, identity: str, key: str | None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Elements of the top-level array, or of the array under `key`, decoded one at a time from
    a stream (never the whole document in memory). A record not yet whole in the buffer is
    decoded again after reading as much again as is buffered, so a record of n bytes costs
    O(n), not the O(n²) of retrying after each fixed-size chunk."""
    buffer, position = _seek_array(handle, identity, key)
    number = 0
    runs = _Runs()
    extended = False  # the buffer was read on once for a run at this record
    while True:
        buffer, position = _skip(buffer, position, handle, " \t\r\n,")
        if position >= len(buffer):
            raise SourceError(f"{identity}: the file ends inside the list of records (truncated?)")
        if buffer[position] == "]":
            return
        if runs.on and (run := runs.decoded(buffer, position, last_try=extended)) is not None:
            if run is _READ_ON:  # one record start buffered, the block's last record cut: read on, once
                more = handle.read(max(_CHUNK, len(buffer) - position))
                if more:
                    buffer, position, extended = buffer[position:] + more, 0, True
                    continue
            else:
                items, position = run
                extended = False
                for item in items:
                    number += 1
                    if isinstance(item, dict):
                        yield number, item
                continue
        extended = False
        while True:
            try:
                item, end = _DECODER.raw_decode(buffer, position)
            except json.JSONDecodeError:
                end = -1
            if end >= 0 and (type(item) not in _NUMBERS or _CUT_NUMBER.match(buffer, end) is None):
                break  # a number running into the buffer's end ("12", "1.", "1e") may go on in the next block
            more = handle.read(max(_CHUNK, len(buffer) - position))  # doubling: linear in a record's size
            if not more:
                if end >= 0:
                    break  # the file ends with that number (and inside the list: said at the next item)
                raise SourceError(f"{identity}: record {number + 1} is not valid JSON (truncated?)") from None
            buffer, position = buffer[position:] + more, 0
        if may_hold_surrogates(buffer, position, end):
            item = storable(item)
        position = end
        number += 1
        if isinstance(item, dict):
            yield number, item


class _Runs:
    """The whole records buffered after a position, decoded by orjson in one call (about twice
    as fast as json's decoder a record) when it reads them as json does. The run ends where the
    last buffered record starts with the same text as the first up to its first colon
    (`{"responseId":`): cut there, the run is a list of whole records, or — a cut inside a
    record or a string — not JSON, which orjson refuses. What orjson reads otherwise it refuses
    too (NaN, infinities, lone surrogates, nesting deeper than it goes), except integers beyond
    64 bits, which it reads as floats: a run holding 19 digits in a row ends before them. A run
    that fails leaves the next record to json; eight failures in a row, and the rest of the list
    is json's."""

    misses = 8

    def __init__(self) -> None:
        self.on = orjson is not None
        self.missed = 0

    def decoded(self, buffer: str, position: int, *, last_try: bool = False) -> tuple[list[Any], int] | object | None:
        """(the records, the position after them) of the run at `position`, or None; `_READ_ON`
        when the buffer holds no second record start (the block's end cuts the record at
        `position`, or it is the list's last), unless `last_try`: the buffer was read on already."""
        colon = buffer.find(":", position)
        start = buffer.rfind(buffer[position : colon + 1], position + 1) if colon > 0 else -1
        if start < 0 and colon > 0 and not last_try:
            return _READ_ON
        if start > 0:
            end = buffer.rfind("}", position, start) + 1
            text = buffer[position:end].encode()
            digits = text.translate(_DIGITS_AS_ZEROS).find(_NINETEEN)
            if digits >= 0:  # end the run before the record holding them (at a character, not a byte, offset)
                start = buffer.rfind(buffer[position : colon + 1], position + 1, position + len(text[:digits].decode()))
                end = buffer.rfind("}", position, start) + 1 if start > 0 else 0
            if end > position and buffer[end:start].strip(_BETWEEN) == "":
                try:
                    items = orjson.loads(f"[{buffer[position:end]}]")
                except orjson.JSONDecodeError:
                    pass
                else:
                    self.missed = 0
                    return items, end
        self.missed += 1
        self.on = self.missed < self.misses
        return None


_READ_ON = object()
_NUMBERS = (int, float)
_CUT_NUMBER = re.compile(r"[0-9.eE+-]*\Z")  # what may follow a number read so far when the buffer ends within it
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN = b"0" * 19  # an integer this long may be beyond 64 bits
_BETWEEN = " \t\r\n,"


def _seek_array(handle: TextIO, identity: str, key: str | None) -> tuple[str, int]:
    buffer = handle.read(_CHUNK)
    marker = "[" if key is None else f'"{key}"'
    while (found := buffer.find(marker)) < 0:
        more = handle.read(_CHUNK)
        if not more:
            raise SourceError(f"{identity}: no {marker} list in the file")
        buffer += more
    position = found + len(marker)
    if key is not None:
        buffer, position = _skip(buffer, position, handle, " \t\r\n:")
        if buffer[position : position + 1] != "[":
            raise SourceError(f"{identity}: {marker} is not a list")
        position += 1
    return buffer, position


def _skip(buffer: str, position: int, handle: TextIO, characters: str) -> tuple[str, int]:
    while True:
        while position < len(buffer) and buffer[position] in characters:
            position += 1
        if position < len(buffer):
            return buffer, position
        more = handle.read(_CHUNK)
        if not more:
            return buffer, position
        buffer, position = buffer[position:] + more, 0


def flatten_record(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A JSON record as one row: nested objects' fields under `a.b` keys; lists kept as values."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            row.update(flatten_record(value, f"{name}."))
        else:
            row[name] = value
    return row
