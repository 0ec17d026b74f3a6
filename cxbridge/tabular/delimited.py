"""Delimited text files (CSV, semicolon CSV, TSV): the delimiter found from the data, the
encoding detected, quoted cells with newlines kept, read as a stream.

Any line ending reads as one: `\n`, `\r\n` and classic Mac OS `\r`. A quote left open would
swallow every later line into one cell; a quoted cell that runs to the end of the file, or a
row spanning more than `max_row_lines` lines, fails the file naming the row where it starts.

A file grown by appending since a sync read it is read on from where that sync's last whole
record ended (`resume`: its bytes, records and lines): the lines are counted in bytes of the
file's encoding as they are read, so that the position is exact."""

from __future__ import annotations

import codecs
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
    path: Path, identity: str, *, encoding: str | None, delimiter: str | None, max_row_lines: int = MAX_ROW_LINES,
    resume: tuple[int, int, int] | None = None,
) -> Grid:
    """A grid over a delimited file; encoding and delimiter are detected when not given. With
    `resume` (a `ReadPosition.whole` of an earlier read), its rows are those after that point."""
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

    def read_rest() -> Iterator[tuple[int, Cells]]:
        return _records(path, identity, encoding=chosen_encoding, delimiter=chosen_delimiter,
                        max_row_lines=max_row_lines, position=position, start=resume)  # fmt: skip

    rest = read_rest if resume is not None else None
    return Grid(file=identity, sheet=None, read_rows=read_rows, details=details, position=position, read_rest=rest,
                text=True)


def resumable(path: Path, encoding: str) -> bool:
    """Whether a read of the file in this encoding can go on from a byte position: not so for
    codecs whose byte order is only told by a mark at the start (UTF-16 or UTF-32 read as such)."""
    return _byte_codec(path, encoding) is not None


def _byte_codec(path: Path, encoding: str) -> tuple[str, int] | None:
    """The codec that encodes the file's text, line by line, back to its bytes, and the size of
    the byte-order mark before them; None when there is none (see `resumable`)."""
    name = codecs.lookup(encoding).name
    if name not in ("utf-8-sig", "utf-16", "utf-32"):
        return name, 0
    with path.open("rb") as handle:
        head = handle.read(4)
    if name == "utf-8-sig":
        return "utf-8", 3 if head.startswith(codecs.BOM_UTF8) else 0
    if name == "utf-16" and head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return "utf-16-le", 2
    if name == "utf-16" and head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    return None


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

    def __init__(self, handle: io.TextIOBase, *, limit: int, codec: str | None, at: tuple[int, int]):
        self.handle, self.limit, self.codec = handle, limit, codec
        self.ascii = codec is not None and _keeps_ascii(codec)  # an ASCII line's bytes are its characters
        self.bytes, self.read = at  # bytes and lines read before the first line given
        self.row_start = self.read + 1  # the line the row being read starts on
        self.last = ""  # the last line given

    def __iter__(self) -> Iterator[str]:
        codec, ascii = self.codec, self.ascii
        for line in self.handle:
            self.read += 1
            if self.read - self.row_start >= self.limit:
                raise _RunawayRow()
            if ascii and line.isascii():
                self.bytes += len(line)
            elif codec is not None:
                self.bytes += len(line.encode(codec))
            self.last = line
            yield line
        yield _END_OF_FILE


def _keeps_ascii(codec: str) -> bool:
    """Whether the codec writes ASCII text as the same bytes (UTF-8, Latin-1, Windows code pages;
    not UTF-16, UTF-7 or EBCDIC)."""
    ascii = bytes(range(128))
    try:
        return ascii.decode("ascii").encode(codec) == ascii
    except (UnicodeError, LookupError):
        return False


class RowNeverEnds(SourceError):
    """A row runs to the end of the file or past `max_row_lines`: the file fails there, the rows
    before it are whole. Its reader says how many of them were imported."""

    def __init__(self, message: str, *, row: int):
        super().__init__(message)
        self.row = row


class _RunawayRow(Exception):
    """A row spans more lines than the limit."""


def _records(
    path: Path, identity: str, *, encoding: str, delimiter: str, max_row_lines: int, position: ReadPosition,
    start: tuple[int, int, int] | None = None,
) -> Iterator[tuple[int, Cells]]:
    """(record number, cells) of each record, from the start or from `start`; at the end of
    the file, `position.whole` is where the last record ending with a line break ends. A last
    line ending with a bare carriage return is not counted as whole: a line feed appended after
    it would make the two one line break."""
    byte_codec = _byte_codec(path, encoding)
    offset, number, line = start or (0, 0, 0)
    if start is not None and byte_codec is not None:
        encoding = byte_codec[0]  # read on past the byte-order mark
    first = number
    whole = before = (offset or (byte_codec[1] if byte_codec else 0), number, line)
    try:
        size = path.stat().st_size
        with _open_at(path, offset, encoding) as handle:
            lines = _Lines(handle, limit=max_row_lines, codec=byte_codec[0] if byte_codec else None, at=whole[::2])
            reader = csv.reader(lines, delimiter=delimiter)
            position.follow(handle, size)
            try:
                for number, row in enumerate(reader, start=first + 1):
                    if row and row[-1].endswith(_END_OF_FILE):
                        if delimiter.join(row) != _END_OF_FILE:
                            raise RowNeverEnds(_open_quote(identity, number, lines), row=number)
                        if byte_codec is not None:
                            position.whole = before if lines.last.endswith("\r") else whole
                        return
                    lines.row_start = lines.read + 1
                    if lines.last.endswith(("\n", "\r")):
                        before, whole = whole, (lines.bytes, number, lines.read)
                    yield number, row
            finally:
                position.stop()
    except _RunawayRow:
        raise RowNeverEnds(_runaway_row(identity, number + 1, lines), row=number + 1) from None
    except UnicodeError as exc:
        raise SourceError(_unreadable(identity, encoding, exc)) from None
    except csv.Error as exc:
        raise SourceError(f"{identity}: row {number + 1}: malformed CSV ({exc})") from None
    except OSError as exc:
        raise SourceError(f"{identity}: cannot read it ({exc.strerror})") from None


def _open_at(path: Path, offset: int, encoding: str) -> io.TextIOWrapper:
    binary = path.open("rb")
    binary.seek(offset)
    return io.TextIOWrapper(binary, encoding=encoding, newline="")


def _unreadable(identity: str, encoding: str, exc: UnicodeError) -> str:
    where = f"byte {exc.start} of a block" if isinstance(exc, UnicodeDecodeError) else str(exc)
    return f"{identity}: not readable as {encoding} ({where}); set 'encoding' for this source"


def _open_quote(identity: str, row: int, lines: _Lines) -> str:
    return (
        f"{identity}: row {row} (line {lines.row_start}) opens a quoted cell that is never closed: it runs to the "
        f"end of the file, taking in the {lines.read - lines.row_start} lines after it; close or remove that quote "
        "and sync again"
    )


def _runaway_row(identity: str, row: int, lines: _Lines) -> str:
    return (
        f"{identity}: row {row} (line {lines.row_start}) runs over more than {lines.limit} lines: a quote opened "
        f"there is not closed where it should be; fix that quote, or raise 'max_row_lines' if a cell really holds "
        "that many line breaks"
    )
