"""A response export's ZIP, checked before and while it is read: one member with a plain name
(no absolute path, no `..`), of the format asked for (JSON or NDJSON, told by its extension — a
CSV, TSV, SPSS or XML member is refused by name, never misread), sizes under the limit and a
believable compression ratio — and its records streamed out one at a time, never the whole
file in memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cxbridge.errors import SourceError
from cxbridge.tabular.json_records import array_records, ndjson_records, utf8_required

MAX_RATIO = 100  # uncompressed/compressed: JSON compresses ~10-20×; a bomb by far more
SMALL = 1 << 20  # members under 1 MiB are not judged by their ratio
RAISE_CAP = "raise max_export_bytes if the export is genuine, or narrow it with start_date"
OTHER_FORMATS = {".csv": "CSV", ".tsv": "TSV", ".sav": "SPSS", ".spss": "SPSS", ".xml": "XML", ".zip": "ZIP"}


def export_records(path: Path, *, max_bytes: int, identity: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(number, response) for each response of the export ZIP at `path`."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SourceError(f"{identity}: the export file is not a complete ZIP (cut short?); re-run later") from None
    with archive:
        member = _the_member(archive, identity, max_bytes)
        records = _reader(member.filename, identity)
        with archive.open(member) as packed:
            if packed.peek(4)[:4] == b"PK\x03\x04":
                raise SourceError(f"{identity}: {member.filename} is itself a ZIP archive, not the JSON export; not read")
            text = io.TextIOWrapper(_Capped(packed, max_bytes, identity), encoding="utf-8-sig")
            try:
                with utf8_required(f"{identity}: {member.filename}"):
                    yield from records(text, identity)
            except (zipfile.BadZipFile, EOFError) as exc:
                raise SourceError(f"{identity}: the export file is damaged ({exc}); re-run later") from None


def _json_records(text: IO[str], identity: str) -> Iterator[tuple[int, dict[str, Any]]]:
    return array_records(text, identity, "responses")


def _reader(name: str, identity: str) -> Any:
    """How to read the member: `{"responses": [...]}` (.json) or one response a line (.ndjson)."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".json":
        return _json_records
    if suffix in (".ndjson", ".jsonl"):
        return ndjson_records
    kind = OTHER_FORMATS.get(suffix, f"'{suffix}'" if suffix else "extension-less")
    raise SourceError(
        f"{identity}: the export holds {name!r}, a {kind} file, but cxbridge asked Qualtrics for JSON "
        "(format 'json'); nothing of it was read. Re-run later; if Qualtrics keeps sending this format, "
        "report it to cxbridge with the survey id"
    )


def _the_member(archive: zipfile.ZipFile, identity: str, max_bytes: int) -> zipfile.ZipInfo:
    members = [info for info in archive.infolist() if not info.is_dir()]
    for info in members:
        if _unsafe(info.filename):
            raise SourceError(f"{identity}: the export holds an unsafe path {info.filename!r}; not read")
    if len(members) != 1:
        raise SourceError(f"{identity}: the export holds {len(members)} files, not one; not read")
    [info] = members
    if info.file_size > max_bytes:
        raise SourceError(f"{identity}: the export unpacks to {info.file_size} bytes, over max_export_bytes; {RAISE_CAP}")
    if info.file_size > SMALL and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise SourceError(
            f"{identity}: {info.filename} would unpack {info.file_size // max(info.compress_size, 1)}× its size "
            "(a ZIP bomb?); not read"
        )
    return info


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


class _Capped(io.RawIOBase):
    """The member's bytes, stopping with an error past `limit` whatever its header claimed."""

    def __init__(self, stream: IO[bytes], limit: int, identity: str):
        self.stream, self.limit, self.identity, self.read_so_far = stream, limit, identity, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise SourceError(f"{self.identity}: the export unpacks to more than max_export_bytes; stopped: {RAISE_CAP}")
        buffer[: len(data)] = data
        return len(data)
