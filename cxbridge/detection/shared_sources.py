"""Files of one layout as one source: yearly files (`responses_2021.xlsx` … `responses_2025.xlsx`)
whose headers and mapping match — a column matched as one question reworded (`QuestionMatch`)
counting as its key — are proposed as one source reading a glob (`path = "responses_*.xlsx"`),
as a team migrating years of sheets keeps them, never as one source per file."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxbridge.detection.inspector import source_name_for
from cxbridge.detection.mapping_file import source_entry

if TYPE_CHECKING:
    from cxbridge.detection.inspector import Inspection
    from cxbridge.detection.question_matches import QuestionMatch

_VARYING_END = re.compile(r"\d+$")  # a year or a number ending the names' common start: the part that varies
_VARYING_START = re.compile(r"^\d+")


@dataclass
class SharedSource:
    """One source proposed for several inspected files: `pattern`, a glob in their folder that
    finds them all and no other file there."""

    name: str
    pattern: str
    members: list[Inspection]
    keys: dict[str, str]  # column → question_key, of the columns matched as one question reworded

    @property
    def files(self) -> list[str]:
        return [item.path.name for item in self.members]

    def describe(self) -> str:
        keyed = f" (after question keys: {', '.join(sorted(set(self.keys.values())))})" if self.keys else ""
        return (f"{self.name} — path = {self.pattern!r} reads the {len(self.members)} files whose headers and mapping "
                f"match{keyed}: {', '.join(self.files)}; `--write-mapping` writes them as one [sources.{self.name}]")  # fmt: skip

    def entry(self, *, path: str) -> dict[str, Any]:
        """The `[sources.NAME]` entry reading every member: the first one's, with the metrics of
        columns only the others hold and each matched column's `question_key`."""
        first, *others = self.members
        entry = source_entry(first, path=path)
        if any(item.left_out for item in self.members):
            entry["sheets"] = list(first.sheets)
        mapped = {metric["column"] for metric in entry["metrics"]}
        for item in others:
            for metric in source_entry(item, path=path)["metrics"]:
                if metric["column"] not in mapped:
                    mapped.add(metric["column"])
                    entry["metrics"].append(metric)
        for metric in entry["metrics"]:
            if metric["column"] in self.keys:
                metric["question_key"] = self.keys[metric["column"]]
        return entry


def propose_shared_sources(inspections: list[Inspection], matches: list[QuestionMatch]) -> list[SharedSource]:
    """One source for each set of two or more files of one folder and one layout, where a glob
    finds them and nothing else in the folder."""
    keys = {column: match.key for match in matches for column in (match.first[1], match.second[1])}
    groups: dict[Any, list[Inspection]] = {}
    for item in inspections:
        groups.setdefault((item.path.parent, _layout(item, keys)), []).append(item)
    proposed = []
    for (folder, _), members in groups.items():
        pattern = _pattern(folder, [item.path.name for item in members])
        if len(members) > 1 and pattern is not None and _settings_agree(members):
            used = {column: key for item in members for column, key in keys.items() if column in _columns(item)}
            proposed.append(SharedSource(_name(pattern), pattern, members, used))
    return proposed


def _columns(item: Inspection) -> list[str]:
    return [column.key for column in item.table.columns]


def _layout(item: Inspection, keys: dict[str, str]) -> tuple[Any, ...]:
    """What two files of one source share: how they are read, their headers and their mapping, a
    column matched as one question reworded named by its key."""
    entry = source_entry(item, path="")
    entry.pop("sheets", None)
    for setting in item.settings:
        entry.pop(setting, None)
    metrics = [{**metric, "column": keys.get(metric["column"], metric["column"])} for metric in entry.pop("metrics")]
    headers = frozenset(keys.get(column, column) for column in _columns(item))
    return tuple(item.sheets), headers, repr(sorted(entry.items())), repr(sorted(map(repr, metrics)))


def _settings_agree(members: list[Inspection]) -> bool:
    """No two files decide a setting (date order, time zone …) two ways; one assuming it agrees."""
    decided: dict[str, Any] = {}
    for item in members:
        for key, value in item.settings.items():
            if key not in item.assumed and decided.setdefault(key, value) != value:
                return False
    return True


def _pattern(folder: Path, names: list[str]) -> str | None:
    """A glob of the names' common start and end — the digits either side left to `*`
    (`responses_*.xlsx`, not `responses_202*.xlsx`) — that finds exactly them in the folder; never
    a glob of their extension alone."""
    start, end = os.path.commonprefix(names), os.path.commonprefix([name[::-1] for name in names])[::-1]
    shortest = min(len(name) for name in names)
    for head, tail in dict.fromkeys(((_VARYING_END.sub("", start), _VARYING_START.sub("", end)), (start, end))):
        if not head:  # `*.xlsx` would read any workbook dropped in the folder later
            continue
        tail = tail[max(len(tail) - shortest + len(head), 0) :]  # never overlapping the start
        pattern = glob.escape(head) + "*" + glob.escape(tail)
        if sorted(glob.glob(pattern, root_dir=folder)) == sorted(names):
            return pattern
    return None


def _name(pattern: str) -> str:
    """`responses_*.xlsx` → `responses`."""
    return source_name_for(Path(pattern.replace("*", "")))
