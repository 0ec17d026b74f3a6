"""A detected mapping as a `[sources.NAME]` entry: a dict for the API, and an editable TOML file
whose comments give each decision's confidence and evidence. The file is a valid cxbridge.toml
(for `cxbridge sync --config`), an entry to paste into one, and `cxbridge import --mapping`'s input."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import tomlkit

from cxbridge.addresses import in_file_name
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.proposals import METRICS
from cxbridge.errors import ConfigError
from cxbridge.masking import redact
from cxbridge.normalize import PRIMARY_COLUMN_OF
from cxbridge.record_comment import explaining_in_order

LIST_TARGETS = {"comment": "comments", "question": "questions", "multi_choice": "multi_choice",
                "timestamp": "timestamps", "ignore": "ignore"}  # fmt: skip


def source_entry(inspection: Any, *, path: str) -> dict[str, Any]:
    """The entry that reads the inspected file (its path as given)."""
    entry: dict[str, Any] = {"connector": inspection.connector, "path": path, "format": inspection.recognition.format}
    reading = inspection.reading
    if inspection.connector == "csv":
        entry["encoding"] = reading.get("encoding", "auto")
        entry["delimiter"] = reading.get("delimiter", ",")
    if inspection.sheets and inspection.left_out:  # else every sheet, those added later too
        entry["sheets"] = list(inspection.sheets)
    entry |= inspection.settings
    columns, lists, metrics = _mapped(inspection.chosen, order=[column.key for column in inspection.table.columns])
    entry["columns"] = columns
    entry["metrics"] = metrics
    entry |= {key: values for key, values in lists.items() if values}
    return entry


def _mapped(
    chosen: list[Proposal], *, order: list[str]
) -> tuple[dict[str, str], dict[str, list[str]], list[dict[str, Any]]]:
    """The columns, lists and metrics of the mapping; `order`, the file's columns, says which
    free-text column comes right after a score (`_explaining_column`)."""
    columns: dict[str, str] = {}
    lists: dict[str, list[str]] = {name: [] for name in LIST_TARGETS.values()}
    metrics: list[dict[str, Any]] = []
    seen_metric: set[str] = set()
    for proposal in chosen:
        if proposal.target in METRICS:
            metric = {"column": proposal.column, "metric": proposal.target, **proposal.spec}
            several = sum(p.target == proposal.target for p in chosen) > 1
            if proposal.target in PRIMARY_COLUMN_OF and proposal.target not in seen_metric and several:
                metric["primary"] = True
            seen_metric.add(proposal.target)
            metrics.append(metric)
        elif proposal.target in LIST_TARGETS:
            lists[LIST_TARGETS[proposal.target]].append(proposal.column)
        else:
            columns[proposal.target] = proposal.column
    comments = lists["comments"]
    if comments and "comment" not in columns:
        columns["comment"] = _explaining_column(chosen, order) or comments[0]
        comments.remove(columns["comment"])
    return columns, lists, metrics


def _explaining_column(chosen: list[Proposal], order: list[str]) -> str | None:
    """The free-text column that explains the score (`record_comment.explaining`, the file's
    columns in order, the header their wording): never a company or a town asked first."""
    at = {column: index for index, column in enumerate(order)}
    in_order = sorted(chosen, key=lambda p: at.get(p.column, len(at)))
    found = explaining_in_order((p.column, p.column, p.target == "comment", p.target in METRICS, False) for p in in_order)
    return found[0] if found else None


def mapping_text(inspections: list[Any], target: Path) -> str:
    """The TOML of one `[sources.NAME]` per inspected file, paths relative to `target`'s folder;
    every name in it as messages show it (`cxbridge.masking.redact`: a sheet or column holding an
    address as the sync names it, which a mapping may name it by)."""
    document = tomlkit.document()
    document.add(tomlkit.comment("cxbridge mapping written by `cxbridge inspect --write-mapping`. Edit it freely:"))
    document.add(tomlkit.comment("use it with `cxbridge import FILE --mapping` or as [sources.*] of cxbridge.toml."))
    document.add(tomlkit.comment("Comments give each choice's confidence (0–1) and evidence."))
    sources = tomlkit.table(is_super_table=True)
    for inspection in inspections:
        if (shared := inspection.shared_source) is None:
            sources.add(inspection.source_name, _source_table(inspection, target.parent))
        elif inspection is shared.members[0]:
            sources.add(shared.name, _source_table(inspection, target.parent, shared=shared))
    document.add("sources", sources)
    return redact(tomlkit.dumps(document))


def read_mapping(path: Path) -> tuple[str, dict[str, Any], Path]:
    """The one `[sources.NAME]` of a mapping file (the first, when it holds several), and the
    file, whose folder its relative paths start from and which its errors name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the mapping ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    sources = data.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise ConfigError(f"{path}: no [sources.NAME] entry; write one with `cxbridge inspect --write-mapping`")
    name, entry = next(iter(sources.items()))
    return name, entry, path.resolve()


def write_mapping(inspections: list[Any], target: Path) -> Path:
    target.write_text(mapping_text(inspections, target), encoding="utf-8")
    return target


def _source_table(inspection: Any, folder: Path, *, shared: Any = None) -> Any:
    """The TOML table of one file's source, or of the `SharedSource` of files like it."""
    # each address in the path as `*@*` (no salt here to key it): a glob that finds the file, and others so named
    path = inspection.path if shared is None else inspection.path.parent / shared.pattern
    path = in_file_name(_relative(path, folder), lambda address: "*@*")
    entry = source_entry(inspection, path=path) if shared is None else shared.entry(path=path)
    if "definition" in entry:
        entry["definition"] = _relative(Path(entry["definition"]), folder)
    members = [inspection] if shared is None else shared.members
    why = {p.column + "\x1f" + p.target: p for item in reversed(members) for p in item.chosen}
    table = tomlkit.table()
    if shared is not None:
        table.add(tomlkit.comment(f"one source for {len(members)} files of one layout: {', '.join(shared.files)}"))
    format_note = f"{inspection.recognition.confidence:.2f}: " + "; ".join(inspection.recognition.evidence)
    for key, value in entry.items():
        if key in ("columns", "metrics"):
            continue
        if key in inspection.assumed:  # a saved mapping would pin it for files that show otherwise
            table.add(tomlkit.comment(f"{key} left out: {inspection.assumed[key]}; a sync decides it from the dates "
                                      f"of every file the source reads (docs/files.md)"))  # fmt: skip
            continue
        table.add(key, _array(value) if isinstance(value, list) else value)
        if key == "format":
            table[key].comment(format_note)
        elif key in ("encoding", "delimiter") and (note := inspection.reading.get(f"{key}_evidence")):
            table[key].comment(note)
        elif key == "date_order" and shared is not None and shared.date_order_by:
            table[key].comment(shared.date_order_by)
    for note in inspection.notes:
        table.add(tomlkit.comment(note))
    columns = tomlkit.table()
    for name, column in entry["columns"].items():
        columns.add(name, column)
        if proposal := why.get(column + "\x1f" + name) or why.get(column + "\x1fcomment"):
            columns[name].comment(f"{proposal.confidence:.2f}: {proposal.describe()}")
    table.add("columns", columns)
    if entry["metrics"]:
        metrics = tomlkit.aot()
        for metric in entry["metrics"]:
            item = tomlkit.table()
            proposal = why[metric["column"] + "\x1f" + metric["metric"]]
            item.add(tomlkit.comment(f"{proposal.confidence:.2f}: {proposal.describe()}"))
            for key, value in metric.items():
                item.add(key, _inline(value) if isinstance(value, dict) else value)
            metrics.append(item)
        table.add("metrics", metrics)
    return table


def _array(values: list[Any]) -> Any:
    array = tomlkit.array()
    array.extend(values)
    return array.multiline(len(values) > 3)


def _inline(values: dict[str, Any]) -> Any:
    table = tomlkit.inline_table()
    table.update(values)
    return table


def _relative(path: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return path.resolve().as_posix()
