"""Delimited text files (CSV, semicolon CSV, TSV): the delimiter found from the data, the
encoding detected, quoted cells with newlines kept, read as a stream.

Any line ending reads as one: `\n`, `\r\n` and classic Mac OS `\r`. A quote left open would
swallow every later line into one cell; a quoted cell that runs to the end of the file, or a
row spanning more than `max_row_lines` lines, fails the file naming the row where it starts."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cxbridge.errors import SourceError
from cxbridge.tabular.encoding import detect_encoding, with_byte_order
from cxbridge.tabular.grid import Cells, Grid, ReadPosition

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_CHARS = 64 * 1024
_SAMPLE_RECORDS = 50
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
MAX_ROW_LINES = 100  # a comment with line breaks spans a few lines; a quote left open, every line after it
_END_OF_FILE = "cxbridgeEndOfFile0f5e"  # a last line the reader gets: a cell that ends with it never closed

csv.field_size_limit(1 << 24)


@dataclass(frozen=True)
class DetectedDelimiter:
    delimiter: str
    evidence: str


def open_delimited(
    path: Path, identity: str, *, encoding: str | None, delimiter: str | None, max_row_lines: int = MAX_ROW_LINES
) -> Grid:
    """A grid over a delimited file; encoding and delimiter are detected when not given."""
    details: dict[str, str] = {}
    if encoding is None or encoding == "auto":
        found = detect_encoding(path)
        encoding = found.encoding
        details["encoding_evidence"] = found.evidence
    else:
        encoding = with_byte_order(path, encoding, identity)
    sample = _text_sample(path, encoding, identity)
    if delimiter is None or delimiter == "auto":
        chosen = detect_delimiter(sample)
        delimiter = chosen.delimiter
        details["delimiter_evidence"] = chosen.evidence
    details |= {"encoding": encoding, "delimiter": delimiter}
    chosen_encoding, chosen_delimiter = encoding, delimiter
    position = ReadPosition()

    def read_rows() -> Iterator[tuple[int, Cells]]:
        return _records(path, identity, encoding=chosen_encoding, delimiter=chosen_delimiter,
                        max_row_lines=max_row_lines, position=position)  # fmt: skip

    return Grid(file=identity, sheet=None, read_rows=read_rows, details=details, position=position)


def detect_delimiter(sample: str) -> DetectedDelimiter:
    """The delimiter that splits the first records into the most, and most consistent, columns."""
    best, best_score, best_width = ",", 0.0, 1
    for candidate in DELIMITERS:
        try:
            widths = [
                len(row) for row in csv.reader(io.StringIO(sample, newline=""), delimiter=candidate) if any(c.strip() for c in row)
            ][:_SAMPLE_RECORDS]
        except csv.Error:  # a stray carriage return or NUL: this delimiter does not read the sample
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (width - 1) * count / len(widths)
        if width > 1 and score > best_score:
            best, best_score, best_width = candidate, score, width
    if best_width == 1:
        return DetectedDelimiter(",", "no delimiter splits the rows; read as one column")
    return DetectedDelimiter(best, f"the {_NAMES[best]} gives {best_width} columns on most of the first rows")


def _text_sample(path: Path, encoding: str, identity: str) -> str:
    """The file's first characters; a file of binary data is an error saying what it may be."""
    try:
        with path.open(encoding=encoding, errors="replace", newline="") as handle:
            text = handle.read(_SAMPLE_CHARS)
    except UnicodeError as exc:  # a codec that needs a byte-order mark the file lacks (utf-32)
        raise SourceError(_unreadable(identity, encoding, exc)) from None
    except OSError as exc:
        raise SourceError(f"{identity}: cannot read it ({exc.strerror})") from None
    if _is_binary(text):
        raise SourceError(f"{identity}: not a text file but binary data ({_binary_kind(path)}); "
                          f"give it its real extension, or export it again as CSV")  # fmt: skip
    cut = max(text.rfind("\n"), text.rfind("\r"))  # classic Mac OS files end their lines with \r alone
    return text[: cut + 1] if len(text) == _SAMPLE_CHARS and cut > 0 else text


def _is_binary(text: str) -> bool:
    """NUL bytes, or control characters that text files do not hold, in more than 1 % of it."""
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f\v")
    return "\x00" in text or controls > 0.01 * len(text)


def _binary_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive, such as an .xlsx or .ods workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Office file, such as an .xls workbook"
    return "of no kind cxbridge reads"


class _Lines:
    """The lines of a file as csv.reader takes them, then the end-of-file marker; it counts the
    lines of the row being read and stops one that runs past `limit` lines."""

    def __init__(self, handle: io.TextIOBase, *, limit: int):
        self.handle, self.limit = handle, limit
        self.read = 0
        self.row_start = 1  # the line the row being read starts on

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.read += 1
            if self.read - self.row_start >= self.limit:
                raise _RunawayRow()
            yield line
        yield _END_OF_FILE


class _RunawayRow(Exception):
    """A row spans more lines than the limit."""


def _records(
    path: Path, identity: str, *, encoding: str, delimiter: str, max_row_lines: int, position: ReadPosition
) -> Iterator[tuple[int, Cells]]:
    number = 0
    try:
        size = path.stat().st_size
        with path.open(encoding=encoding, newline="") as handle:
            lines = _Lines(handle, limit=max_row_lines)
            reader = csv.reader(lines, delimiter=delimiter)
            for number, row in enumerate(reader, start=1):
                if delimiter.join(row) == _END_OF_FILE:
                    return
                if row and row[-1].endswith(_END_OF_FILE):
                    raise SourceError(_open_quote(identity, number, lines))
                lines.row_start = reader.line_num + 1
                position.bytes_read(handle, size)
                yield number, row
    except _RunawayRow:
        raise SourceError(_runaway_row(identity, number + 1, lines)) from None
    except UnicodeError as exc:
        raise SourceError(_unreadable(identity, encoding, exc)) from None
    except csv.Error as exc:
        raise SourceError(f"{identity}: row {number + 1}: malformed CSV ({exc})") from None
    except OSError as exc:
        raise SourceError(f"{identity}: cannot read it ({exc.strerror})") from None


def _unreadable(identity: str, encoding: str, exc: UnicodeError) -> str:
    where = f"byte {exc.start} of a block" if isinstance(exc, UnicodeDecodeError) else str(exc)
    return f"{identity}: not readable as {encoding} ({where}); set 'encoding' for this source"


def _open_quote(identity: str, row: int, lines: _Lines) -> str:
    return (
        f"{identity}: row {row} (line {lines.row_start}) opens a quoted cell that is never closed: it runs to the "
        f"end of the file, taking in the {lines.read - lines.row_start} lines after it; close or remove that quote "
        f"and sync again (nothing from row {row} on was imported)"
    )


def _runaway_row(identity: str, row: int, lines: _Lines) -> str:
    return (
        f"{identity}: row {row} (line {lines.row_start}) runs over more than {lines.limit} lines: a quote opened "
        f"there is not closed where it should be; fix that quote, or raise 'max_row_lines' if a cell really holds "
        f"that many line breaks (nothing from row {row} on was imported)"
    )
