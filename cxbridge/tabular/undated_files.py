"""Files of one source's glob told apart only by the dates inside — two downloads of one survey,
`export.csv` holding 2023 and `export (1).csv` 2024: a sync reads them in name order, and any file
the glob finds later with them. `cxbridge inspect` says so of the files it looks at; a sync says
it once in its summary, from the records it stored, and again only when the glob finds another
set of such files (`TOLD`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.detection.keywords import YEAR
from cxbridge.sources import Stream
from cxbridge.tabular.source import FileStream

_GLOB = re.compile(r"[*?[]")
TOLD = "undated_files_told."
"""`cxbridge_metadata` row `undated_files_told.SOURCE`: the files a sync's summary last told of
(one a line; empty when the files last looked at needed no note)."""


def undated(names: list[str], years: list[str], pattern: str, stem: str, *, by_id: bool) -> str:
    """What to know of `names`, read by `pattern` and holding the `years` inside, when not every
    name carries its year: the order a sync reads them in, and the names to give them (`stem_YEAR`)."""
    held = ", ".join(f"{name} from {year}" for name, year in zip(names, years, strict=True))
    renamed = ", ".join(sorted(f"{stem}_{year}{Path(names[0]).suffix}" for year in years))
    kept = ": where one id is in both, the file read last gives its row" if by_id else ""
    return (f"{', '.join(names[:-1])} and {names[-1]} are one layout read as one source (path = {pattern!r}), but "
            f"their names carry no year: only the dates inside tell them apart ({held}), a sync reads them in name "
            f"order ({names[0]} first{kept}), and any file the glob finds later is read with them — to keep each "
            f"year's file named by its year, rename them ({renamed})")  # fmt: skip


def undated_note(destination: Destination, source: str, stream: Stream, cursor: Any) -> list[str]:
    """The sync summary's note of a file stream's files (`cursor` its final one) when they are
    told apart only by the dates inside and not told of before. The stored records are looked at
    once per set of files: again only when a file was read whole (new or replaced)."""
    if not isinstance(stream, FileStream) or not _reads_several(stream):
        return []  # one file configured (an import's): nothing reads them together
    told = destination.read_metadata().get(TOLD + source)
    if not _some_undated(stream.parts_read(cursor) or []):  # renamed by year, or one file left
        if told:
            destination.write_metadata({TOLD + source: ""})
        return []
    if told is not None and not stream.read_whole():
        return []
    years = _first_years(destination, source, stream.name)
    yearly = _some_undated(list(years)) and len(set(years.values())) == len(years)  # not two kiosks' files of one year
    names = sorted(years) if yearly else []
    if told == "\n".join(names):
        return []
    destination.write_metadata({TOLD + source: "\n".join(names)})
    if not yearly:
        return []
    from cxbridge.detection.inspector import source_name_for

    pattern = stream.config.path
    note = undated(names, [years[name] for name in names], pattern, source_name_for(Path(pattern.replace("*", ""))),
                   by_id=not stream.keyed_by_file())  # fmt: skip
    return [f"{note} and run cxbridge sync --full-refresh --prune --source {source} "
            "(docs/files.md#yearly-files-as-one-source)"]


def _reads_several(stream: FileStream) -> bool:
    """Whether the stream's `path` is a glob or a folder, not one file."""
    path = stream.config.path
    return bool(_GLOB.search(path)) or (stream.source.context.base_dir / path).is_dir()


def _some_undated(names: list[str]) -> bool:
    return len(names) > 1 and not all(YEAR.search(name) for name in names)


def _first_years(destination: Destination, source: str, stream: str) -> dict[str, str]:
    """Per file of the stream's stored records (by its name in `raw`), the year of its earliest submitted time."""
    d = destination
    file = d.json_string("raw", "file")
    sql = (f"SELECT {file} AS file, MIN(submitted_at) AS first FROM {d.qualified('feedback')} "
           f"WHERE source = {d.param(0)} AND stream = {d.param(1)} AND submitted_at IS NOT NULL "
           f"GROUP BY {file}")  # fmt: skip
    return {row["file"]: found.group() for row in d.query_rows(sql, [source, stream])
            if row["file"] is not None and (found := YEAR.search(str(row["first"])))}  # fmt: skip


def told_of(destination: Destination) -> list[dict[str, Any]]:
    """Per source, the files a sync last told were told apart only by the dates inside (`status`)."""
    return [{"source": name.removeprefix(TOLD), "files": value.split("\n")}
            for name, value in sorted(destination.read_metadata().items()) if name.startswith(TOLD) and value]  # fmt: skip
