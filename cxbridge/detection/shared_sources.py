"""Files of one layout as one source: yearly files (`responses_2021.xlsx` … `responses_2025.xlsx`)
whose reading and mapping match — a column matched as one question reworded (`QuestionMatch`)
counting as its key, and a column under that question's renamed group title as its key's — are
proposed as one source reading a glob (`path = "responses_*.xlsx"`), as a team migrating years
of sheets keeps them, never as one source per file. A question added or dropped in a year leaves
them one source: its metric, and the lists (comments, questions …) of every file, go in the
entry. Files of one yearly name that cannot be one source are told why (`apart`).
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxbridge.detection.inspector import source_name_for
from cxbridge.detection.mapping_file import LIST_TARGETS, source_entry
from cxbridge.detection.question_matches import METRICS
from cxbridge.exports.plain import JOINED
from cxbridge.normalize import PRIMARY_COLUMN_OF
from cxbridge.tabular.cells import DateOrder
from cxbridge.tabular.source_dates import dotted, read_day_first, undecided
from cxbridge.detection.keywords import YEAR
from cxbridge.tabular.undated_files import undated

if TYPE_CHECKING:
    from cxbridge.detection.inspector import Inspection
    from cxbridge.detection.question_matches import QuestionMatch

_YEARS = re.compile(r"\d+")  # what varies between a yearly name's files
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
    date_order_by: str = ""  # the member whose dates decide the day/month order, and how (`settle_date_order`)

    @property
    def files(self) -> list[str]:
        return [item.path.name for item in self.members]

    def describe(self) -> str:
        keyed = f" (after question keys: {', '.join(sorted(set(self.keys.values())))})" if self.keys else ""
        return (f"{self.name} — path = {self.pattern!r} reads the {len(self.members)} files whose headers and mapping "
                f"match{keyed}: {', '.join(self.files)}{self._some_only()}; `--write-mapping` writes them as one "
                f"[sources.{self.name}]")  # fmt: skip

    def _some_only(self) -> str:
        """The scored columns (but those matched as one question) some members lack: a question added or dropped."""
        held = {item.path.name: set(_columns(item)) for item in self.members}
        scored = dict.fromkeys(proposal.column for item in self.members for proposal in item.chosen
                               if proposal.target in METRICS and proposal.column not in self.keys)  # fmt: skip
        some = {column: [name for name in self.files if column in held[name]] for column in scored}
        some = {column: names for column, names in some.items() if len(names) < len(self.members)}
        listed = "; ".join(f"{column!r} only in {', '.join(names)}" for column, names in some.items())
        return f" (scored in some of them only: {listed})" if listed else ""

    def primaries_kept(self) -> dict[str, str]:
        """Per later member (by name) whose own mapping takes another question as a metric's primary
        (`nps`, `csat`, `ces`): that the first member's stays the primary in every file, and why —
        a source's record column follows one question over the years — and what to set instead."""
        first, *others = [(item.path.name, _primaries(item)) for item in self.members]
        told: dict[str, str] = {}
        for name, primaries in others:
            for metric, column in primaries.items():
                kept = first[1].get(metric)
                if kept is not None and self.keys.get(kept, kept) != self.keys.get(column, column):
                    field = PRIMARY_COLUMN_OF[metric]
                    told[name] = (f"{name} takes {column!r} as its primary {metric}, {first[0]} {kept!r}: the one "
                                  f"source keeps {kept!r} the primary in every file, so the record's {field} (and "
                                  f"{field}_by_month) follows one question over the years, {column!r} kept as another "
                                  f"question of it (feedback_scores); if {column!r} is the survey's {metric}, mark its "
                                  "[[metrics]] entry primary = true instead (every year's "
                                  f"{metric} then reads it), or keep a source each (docs/files.md#yearly-files-as-one-source)")  # fmt: skip
        return told

    def settle_date_order(self) -> None:
        """Members whose dates cannot show their day/month order (all day and month ≤ 12) read in the
        order another member's dates decide, and are told which — the files of one source read in one
        order, the sync's as the mapping's, whichever file comes first by name."""
        decided = next((item for item in self.members if _decided_date_order(item)), None)
        assumed = [item for item in self.members if "date_order" in item.assumed]
        if decided is None or not assumed:
            return
        order = decided.settings["date_order"]
        shown = next((guess.evidence for guess in (decided.date_evidence or {}).values() if guess.decided), "")
        shown_by = decided.path.name + (f": {shown}" if shown else "")
        for item in assumed if order == DateOrder.MDY.value else []:  # dotted dates stay day first, as a sync reads them
            evidence = (item.date_evidence or {}).items()
            item.notes.extend(read_day_first(column, guess, shown_by) for (_, column), guess in evidence if dotted(guess))
        if not all(map(_undecided, assumed)):
            return
        self.date_order_by = f"decided by {shown_by}"
        for item in assumed:
            del item.assumed["date_order"]
            item.settings["date_order"], item.date_warning = order, None
            submitted = next(p for p in item.chosen if p.target == "submitted_at")
            submitted.evidence = [note for note in submitted.evidence if not note.startswith("date order ")]
            submitted.evidence.append(f"date order {order}: {self.date_order_by}")
            item.notes.append(f"date order {order}, {self.date_order_by}; {item.path.name}'s dates, their day and "
                              "month all 12 or less, cannot show it, and the files of one source read in one order "
                              "(docs/files.md#yearly-files-as-one-source)")  # fmt: skip

    def entry(self, *, path: str) -> dict[str, Any]:
        """The `[sources.NAME]` entry reading every member: the first one's, with the metrics of
        columns only the others hold, the lists (comments, questions …) of all, and each matched
        column's `question_key`. Comment columns the members map under other headers (under a
        renamed group title) all go first in `comments`, none as `columns.comment`: each file's
        rows take theirs, the first answered, as the record's comment."""
        entries = [source_entry(item, path=path) for item in self.members]
        entry = entries[0]
        if any(item.left_out for item in self.members):
            entry["sheets"] = list(self.members[0].sheets)
        mapped = {metric["column"] for metric in entry["metrics"]}
        for other in entries[1:]:
            for metric in other["metrics"]:
                if metric["column"] not in mapped:
                    mapped.add(metric["column"])
                    entry["metrics"].append({key: value for key, value in metric.items() if key != "primary"})
        for metric in entry["metrics"]:
            if metric["column"] in self.keys:
                metric["question_key"] = self.keys[metric["column"]]
        comments = list(dict.fromkeys(other["columns"]["comment"] for other in entries if "comment" in other["columns"]))
        if len(comments) > 1:
            del entry["columns"]["comment"]
        for name in LIST_TARGETS.values():
            first = comments if name == "comments" and len(comments) > 1 else []
            if values := list(dict.fromkeys([*first, *(value for other in entries for value in other.get(name, []))])):
                entry[name] = values
        return entry


def propose_shared_sources(inspections: list[Inspection], matches: list[QuestionMatch]) -> list[SharedSource]:
    """One source for each set of two or more files of one folder and one layout, where a glob
    finds them and nothing else in the folder."""
    keys, same = _question_keys(matches), _same(inspections, matches)
    proposed = []
    for (folder, _), members in _groups(inspections, same).items():
        pattern = _pattern(folder, [item.path.name for item in members])
        if len(members) > 1 and pattern is not None and _settings_agree(members) and not _scores_apart(members, same):
            used = {column: key for item in members for column, key in keys.items() if column in _columns(item)}
            proposed.append(SharedSource(_name(pattern), pattern, members, used))
    return proposed


def one_layout_notes(inspections: list[Inspection], matches: list[QuestionMatch]) -> dict[str, str]:
    """Per file (by name), the last of a folder's files of one layout whose dates start in other
    years: what an operator needs to know of them that their names do not say — one source though
    the names carry no year, or a source each as no glob finds them alone, or as their dates read
    in two orders."""
    same = _same(inspections, matches)
    told = {}
    for (folder, _), members in _groups(inspections, same).items():
        years = [year for item in members if (year := _first_year(item))]
        if len(members) > 1 and len(set(years)) == len(members) and not _scores_apart(members, same):
            if note := _yearly_note(folder, members, years):
                told[members[-1].path.name] = note
    return told


def _yearly_note(folder: Path, members: list[Inspection], years: list[str]) -> str | None:
    names = [item.path.name for item in members]
    held = ", ".join(f"{name} from {year}" for name, year in zip(names, years, strict=True))
    if (pattern := _pattern(folder, names)) is None:
        renamed = " and ".join(f"{_name(names[0])}_{year}{Path(name).suffix}" for name, year in zip(names, years, strict=True))
        why = (f"no glob finds them and no other file in their folder (never '*{Path(names[0]).suffix}', which would "
               "read any file saved there later) — to read them as one source, give them one name carrying the year "
               f"(from the dates inside: {held}), e.g. {renamed}, and inspect them again")  # fmt: skip
    elif orders := _orders_apart(members):
        why = (f"their dates read in two orders (date_order {orders}), and a source reads its files in one — keep a "
               "source each, or save the file whose dates are the odd ones out with the others' and inspect them again")  # fmt: skip
    elif not all(YEAR.search(name) for name in names):
        by_id = "id" in _reading(members[0], {})["columns"]
        return undated(names, years, pattern, _name(pattern), by_id=by_id) + " and inspect them again"
    else:
        return None
    return f"{_listed(names)} are one layout (their headers and mapping match) but are proposed as a source each: {why}"


def _groups(inspections: list[Inspection], same: dict[str, str]) -> dict[Any, list[Inspection]]:
    """The files of one folder and one layout (`_layout`), in the order given."""
    groups: dict[Any, list[Inspection]] = {}
    for item in inspections:
        groups.setdefault((item.path.parent, _layout(item, same)), []).append(item)
    return groups


def _listed(names: list[str]) -> str:
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _orders_apart(members: list[Inspection]) -> str:
    """`'mdy' in a.xlsx, 'dmy' in b.xlsx` where the files' dates decide two orders; else empty."""
    decided = {item.path.name: item.settings["date_order"] for item in members if _decided_date_order(item)}
    return ", ".join(f"{order!r} in {name}" for name, order in decided.items()) if len(set(decided.values())) > 1 else ""


def _decided_date_order(item: Inspection) -> bool:
    """Whether the file's dates (or the user) say its day/month order, not assumed by custom."""
    return "date_order" in item.settings and "date_order" not in item.assumed


def _undecided(item: Inspection) -> bool:
    """Whether each of the file's date columns takes its order from the source's other files (no
    day above 12, not dotted: `source_dates.undecided`)."""
    return bool(item.date_evidence) and all(map(undecided, (item.date_evidence or {}).values()))


def _first_year(item: Inspection) -> str | None:
    """The year of the first dated row the file shows (its submitted time), of its first rows."""
    column = next((p.column for p in item.chosen if p.target == "submitted_at"), None)
    if column is None:
        return None
    return next((found[0] for row in item.table.preview() if (found := YEAR.search(str(row.values.get(column))))), None)


def apart(inspections: list[Inspection], proposed: list[SharedSource], matches: list[QuestionMatch]) -> dict[str, str]:
    """Per file (by name): why it and the first file of its yearly name (its digits left to `*`)
    in its folder are not one source, where nothing proposed reads both — what differs and what to set."""
    same = _same(inspections, matches)
    together = {id(item): id(shared) for shared in proposed for item in shared.members}
    families: dict[Any, list[Inspection]] = {}
    for item in inspections:
        families.setdefault((item.path.parent, _YEARS.sub("*", item.path.name)), []).append(item)
    told = {}
    for (_, pattern), (first, *others) in families.items():
        for item in others:
            if together.get(id(item), -1) == together.get(id(first), -2):
                continue
            why = _differences(first, item, same) or _scores_apart([first, item], same)
            if why:
                told[item.path.name] = (f"{first.path.name} and {item.path.name} share a yearly name ({pattern}) but are "
                                        f"not proposed as one source: {'; '.join(why)}")  # fmt: skip
    return told


def _primaries(item: Inspection) -> dict[str, str]:
    """Of each metric filling a record column (nps, csat, ces), the column the file's own mapping
    takes as its primary: the one marked so, else the first listed."""
    primaries: dict[str, str] = {}
    for metric in source_entry(item, path="")["metrics"]:
        if PRIMARY_COLUMN_OF.get(metric["metric"]) is not None and (metric.get("primary") or metric["metric"] not in primaries):
            primaries[metric["metric"]] = metric["column"]
    return primaries


def _question_keys(matches: list[QuestionMatch]) -> dict[str, str]:
    return {column: match.key for match in matches for column in (match.first[1], match.second[1])}


def _same(inspections: list[Inspection], matches: list[QuestionMatch]) -> dict[str, str]:
    """Column → the name files are compared by: a column matched as one question reworded, its key;
    one under its group title renamed with it, its key's (`_under_renamed_groups`)."""
    return _question_keys(matches) | _under_renamed_groups(inspections, matches)


def _columns(item: Inspection) -> list[str]:
    return [column.key for column in item.table.columns]


def _layout(item: Inspection, same: dict[str, str]) -> tuple[Any, ...]:
    """What files of one source share: how they are read, the sheets, the survey definition (a
    file read with another survey's, or with none beside one read with it, is another survey's
    export), and the mapping but its metrics and lists (`_scores_apart` compares the metrics), a
    column matched as one question reworded, or under its group title, named by its key."""
    entry = _reading(item, same)
    return tuple(item.sheets), item.settings.get("definition"), repr(sorted(entry.items()))


def _reading(item: Inspection, same: dict[str, str]) -> dict[str, Any]:
    entry = source_entry(item, path="")
    for key in ("sheets", "metrics", *LIST_TARGETS.values(), *item.settings):
        entry.pop(key, None)
    entry["columns"] = {field: same.get(column, column) for field, column in entry["columns"].items()}
    return entry


def _differences(first: Inspection, other: Inspection, same: dict[str, str]) -> list[str]:
    """What of the reading and non-scored mapping of two files differs, and what to set."""
    if first.sheets != other.sheets:
        return [f"they are read from other sheets ({list(first.sheets)}, {list(other.sheets)}): set `sheets` "
                "to the sheets both hold"]  # fmt: skip
    mine, theirs = _reading(first, same), _reading(other, same)
    fields = sorted(field for field in {*mine["columns"], *theirs["columns"]}
                    if mine["columns"].get(field) != theirs["columns"].get(field))  # fmt: skip
    columns = [f"columns.{field} is {_mapped_as(mine['columns'].get(field))} in {first.path.name} and "
               f"{_mapped_as(theirs['columns'].get(field))} in {other.path.name}" for field in fields]  # fmt: skip
    settings = [f"{key} is {mine.get(key)!r} in {first.path.name} and {theirs.get(key)!r} in {other.path.name}"
                for key in sorted({*mine, *theirs} - {"columns"}) if mine.get(key) != theirs.get(key)]  # fmt: skip
    told = []
    if columns:
        told.append(", ".join(columns) + ": every file of a source holds its mapped columns under one header — "
                    "give the column one header in every year's file (add it, empty, to a file without it) and "
                    "inspect them again, or keep a source each")  # fmt: skip
    if settings:
        told.append(", ".join(settings) + ": set it in one source's entry for both")
    return told


def _mapped_as(column: str | None) -> str:
    return repr(column) if column is not None else "not mapped"


def _scores_apart(members: list[Inspection], same: dict[str, str]) -> list[str]:
    """Why the files' scored columns cannot be one mapping: a column (or question key) scored
    two ways, or a metric a file holds under another question than the one that fills the
    record's column (nps, csat, ces) once their metrics are one entry's."""
    specs: dict[str, tuple[str, dict[str, Any]]] = {}
    told = []
    for item in members:
        for metric in source_entry(item, path="")["metrics"]:
            key, spec = same.get(metric["column"], metric["column"]), _spec(metric)
            seen = specs.setdefault(key, (item.path.name, spec))
            if seen[1] != spec:
                told.append(f"{metric['column']!r} is scored {_shown(seen[1])} in {seen[0]} and {_shown(spec)} in "
                            f"{item.path.name}: give it one scale and labels in both files, or keep a source each")  # fmt: skip
    if told:
        return told
    fills: dict[str, tuple[str, str, str]] = {}  # per record column: the first key of its metric, its file, column
    for item in members:
        for metric in source_entry(item, path="")["metrics"]:
            if (column := PRIMARY_COLUMN_OF.get(metric["metric"])) is not None:
                fills.setdefault(column, (same.get(metric["column"], metric["column"]), item.path.name, metric["column"]))
    for item in members:
        mine = {column: [] for column in fills}
        for metric in source_entry(item, path="")["metrics"]:
            if (column := PRIMARY_COLUMN_OF.get(metric["metric"])) is not None:
                mine[column].append(same.get(metric["column"], metric["column"]))
        for column, keys in mine.items():
            key, file, header = fills[column]
            if keys and key not in keys:
                told.append(f"{header!r} ({file}) and {_header(item, keys[0], same)!r} ({item.path.name}) are both "
                            f"{column} but not matched as one question: if they are one, give both [[metrics]] "
                            "entries one question_key; else keep a source each")  # fmt: skip
    return told


def _spec(metric: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in metric.items() if key not in ("column", "primary")}


def _shown(spec: dict[str, Any]) -> str:
    return " ".join(f"{key} {value}" for key, value in spec.items())


def _header(item: Inspection, key: str, same: dict[str, str]) -> str:
    return next((column for column in _columns(item) if same.get(column, column) == key), key)


def _under_renamed_groups(inspections: list[Inspection], matches: list[QuestionMatch]) -> dict[str, str]:
    """The columns under a group title renamed with its question (`Weiterempfehlung (0-10) -
    Kommentar` in 2023, `Empfehlung (0-10) - Kommentar` in 2024, the `- Wert` under each matched
    as one question): each pair keyed as its question's `- Kommentar`, so the comment follows the score."""
    columns = {item.path.name: set(_columns(item)) for item in inspections}
    same: dict[str, str] = {}
    for match in matches:
        (file_a, column_a), (file_b, column_b) = match.first, match.second
        group_a, joined_a, own_a = column_a.rpartition(JOINED)
        group_b, joined_b, own_b = column_b.rpartition(JOINED)
        if not (joined_a and joined_b) or group_a == group_b:
            continue
        for column in columns.get(file_a, ()):
            group, joined, own = column.rpartition(JOINED)
            mate = f"{group_b}{JOINED}{own}"
            if joined and group == group_a and own not in (own_a, own_b) and mate in columns.get(file_b, ()):
                same[column] = same[mate] = f"{match.key}{JOINED}{own}"
    return same


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
