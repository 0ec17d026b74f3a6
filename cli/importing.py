"""`cxbridge inspect` and `cxbridge import`: each calls the function of the same name in
`cxbridge.api` (`inspect`, `import_`) and prints what it did, one file at a time."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cxbridge.masking import redact, redact_data

from . import output
from .options import (
    config_option, db_option, destination_option, format_option, handles_errors, hints_wanted, rehash_option,
    same_data, summary_format, summary_format_option, wait_option,
)  # fmt: skip
from .summaries import cases_opened, flat_row, kept_before_failure, left_out, print_quarantine_reasons, print_warnings

if TYPE_CHECKING:
    from cxbridge.detection.inspector import Hints, Inspection
    from cxbridge.importing import FileImport, ImportResult

files_argument = click.argument("files", nargs=-1, required=True, type=click.Path())
hint_options = [
    click.option("--definition", type=click.Path(dir_okay=False, exists=True),
                 help="Survey definition: Qualtrics .qsf or API survey JSON, SurveyMonkey details JSON."),
    click.option("--timezone", metavar="ZONE", help="Time zone of timestamps without one (e.g. Europe/Warsaw)."),
    click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]), help="Read 01/02/2024 as d/m or m/d."),
    click.option("--sheet", "sheets", multiple=True, metavar="NAME", help="Only this sheet of a workbook (repeatable)."),
    click.option("--program", type=click.Choice(["voc", "mystery_shop", "audit", "employee"], case_sensitive=False),
                 help="Program of the imported records (default: detected for mystery-shop and audit files, "
                      "else voc)."),
    click.option("--values", type=click.Choice(["recodes", "choice_text"]),
                 help="What the cells hold of the definition's choices: their recodes (numeric values) or "
                      "their text as shown (default: what the file shows)."),
    click.option("--include-test-responses", is_flag=True,
                 help="Keep Qualtrics previews, test responses and spam (left out by default)."),
]  # fmt: skip


def with_hints(command):
    for option in reversed(hint_options):
        command = option(command)
    return command


def hints_of(definition, timezone, date_order, sheets, program, values, include_test_responses) -> Hints:
    from cxbridge.detection.inspector import Hints

    return Hints(Path(definition) if definition else None, timezone, date_order, tuple(sheets), program, values,
                 include_test_responses)  # fmt: skip


@click.command("inspect")
@files_argument
@with_hints
@click.option("--write-mapping", type=click.Path(dir_okay=False), help="Save the proposed mapping as editable TOML.")
@format_option
@handles_errors
def inspect_command(files, definition, timezone, date_order, sheets, program, values, include_test_responses,
                    write_mapping, fmt) -> None:  # fmt: skip
    """Detect each file's format and propose a mapping, with confidence and evidence."""
    from cxbridge import api
    from cxbridge.detection.inspector import Inspection

    hints = hints_of(definition, timezone, date_order, sheets, program, values, include_test_responses)
    found = api.inspect(files, hints=hints, write_mapping_to=write_mapping)
    if fmt == "json":  # each name as `_echo` prints it
        click.echo(json.dumps(redact_data([_as_dict(item) for item in found]), indent=2, ensure_ascii=False,
                              default=str))  # fmt: skip
    else:
        for item in found:
            _print_inspection(item, fmt=fmt)
    if write_mapping and any(isinstance(item, Inspection) for item in found):
        click.echo(f"mapping written to {write_mapping}: edit it, then cxbridge import FILE --mapping {write_mapping}")
    sys.exit(0 if all(isinstance(item, Inspection) for item in found) else 1)


@click.command("import")
@files_argument
@click.option("--mapping", type=click.Path(dir_okay=False, exists=True), help="A mapping saved by inspect.")
@click.option("--source", "-s", metavar="NAME", help="Source name of the records (default: from the file name).")
@with_hints
@db_option
@destination_option
@click.option("--dry-run", is_flag=True, help="Read and normalize, write nothing.")
@config_option
@wait_option()
@click.option("--progress/--no-progress", default=True, help="Live progress on a terminal.")
@rehash_option
@summary_format_option
@click.pass_context
@handles_errors
def import_command(ctx, files, mapping, source, definition, timezone, date_order, sheets, program, values,
                   include_test_responses, db, destination, dry_run, config, wait, progress, rehash,
                   fmt) -> None:  # fmt: skip
    """Import files, folders or globs of exports in one step (auto-detected mapping when none is given)."""
    from cxbridge import api

    from .progress import sync_progress

    fmt = summary_format(ctx, fmt)
    with sync_progress(enabled=progress and hints_wanted(ctx, fmt)) as on_progress:
        result = api.import_(
            files, mapping=mapping, source=source,
            hints=hints_of(definition, timezone, date_order, sheets, program, values, include_test_responses),
            destination=api.destination_url_for(db, destination), dry_run=dry_run, config=config, wait=wait,
            rehash=rehash, on_progress=on_progress,
        )  # fmt: skip
    if fmt == "csv":
        output.rows([flat_row(_file_summary(item, result)) for item in result.files], fmt="csv")
    else:
        same = None if dry_run else same_data(config, db, destination)  # a dry run's quarantine is not listed
        for item in result.files:
            _print_import(item, result, machine=fmt == "json", same=same)
    sys.exit(result.exit_code)


def _file_summary(item: FileImport, result: ImportResult) -> dict[str, Any]:
    summary = item.result.__dict__ if item.result else {}
    return {"event": "file_summary", "file": item.file, "source": item.source, "format": item.format,
            "error": item.error, "dry_run": result.dry_run, "sheets_left_out": item.left_out, **summary,
            "warnings": item.all_warnings}  # fmt: skip


def _print_import(item: FileImport, result: ImportResult, *, machine: bool, same: str | None = None) -> None:
    if machine:
        click.echo(json.dumps(_file_summary(item, result), default=str))
        return
    where = f"{result.name_of(item)} → {item.source}" + (f" ({item.format})" if item.format else "")
    if item.result is None or not item.result.ok:
        kept = kept_before_failure(item.result, dry_run=result.dry_run) if item.result else ""
        click.echo(f"✘ {where}: {_named_once(item.error or item.result.error, item)}{kept}")
    else:
        r = item.result
        verb = "would write" if result.dry_run else "written"
        click.echo(f"✔ {where}: {r.read:,} read · {r.written:,} {verb} · {r.unchanged:,} unchanged · "
                   f"{r.quarantined:,} quarantined{left_out(r)}{cases_opened(r, dry_run=result.dry_run)}")  # fmt: skip
    if item.result is not None:
        listed = f"cxbridge quarantine list --source {shlex.quote(item.source)}{same}" if same is not None else None
        print_quarantine_reasons(item.result, listed=listed)
    for sheet, reason in item.left_out.items():
        click.echo(f"  sheet {sheet!r} left out: {reason}")
    print_warnings(item.all_warnings)


def _named_once(error: str | None, item: FileImport) -> str | None:
    """A file's error without the file's name in front, which the line gives already (`✘ b.csv →
    b: b.csv: not a text file` named it twice)."""
    return error.removeprefix(f"{item.path.name}: ") if error else error


def _print_inspection(item: Inspection | FileImport, *, fmt: str) -> None:
    from cxbridge.importing import FileImport

    if isinstance(item, FileImport):
        output.stderr().print(redact(f"✘ {item.path.name}: {_named_once(item.error, item)}"), highlight=False, markup=False)
        return
    found = item.recognition
    _echo(f"\n{item.path.name}: {found.format} ({found.confidence:.2f}) — {'; '.join(found.evidence)}")
    reading = {k: v for k, v in item.reading.items() if not k.endswith("_evidence")}
    if reading:
        _echo("read with " + ", ".join(f"{k} {v!r}" for k, v in reading.items()))
    rows = [_proposal_row(p, p in item.chosen) for p in sorted(item.proposals, key=lambda p: -p.confidence)]
    title = redact(f"proposed mapping of {item.path.name} (source {item.source_name})")
    output.rows(redact_data(rows), fmt=fmt, title=title)
    for note in item.notes:
        _echo(f"note: {note}")
    for warning in item.warnings:
        _echo(f"warning: {warning}")
    for match in item.question_matches:
        if match.second[0] == item.path.name:  # once, under the later of its two files
            _echo(f"question match proposed: {match.describe()}")
    if (shared := item.shared_source) is not None and item is shared.members[-1]:
        _echo(f"\none source proposed: {shared.describe()}")


def _echo(text: str) -> None:
    """Print a line of `inspect`, each file, sheet and column named as the sync names it (an
    address in it as its key, registered by `api.inspect`: docs/security.md)."""
    click.echo(redact(text))


def _proposal_row(proposal, chosen: bool) -> dict[str, Any]:
    return {
        "field": proposal.target if chosen else f"({proposal.target})",
        "column": proposal.column,
        "confidence": f"{proposal.confidence:.2f}",
        "evidence": proposal.describe(),
    }


def _as_dict(item: Inspection | FileImport) -> dict[str, Any]:
    from cxbridge.importing import FileImport

    if isinstance(item, FileImport):
        return {"file": str(item.path), "error": item.error}
    return {
        "file": str(item.path),
        "format": item.recognition.format,
        "confidence": item.recognition.confidence,
        "evidence": item.recognition.evidence,
        "reading": item.reading,
        "proposals": [_proposal_row(p, p in item.chosen) | {"spec": p.spec} for p in item.proposals],
        "notes": item.notes,
        "warnings": item.warnings,
        "question_matches": [
            {"question_key": m.key, "metric": m.metric, "columns": [m.first, m.second], "evidence": m.evidence}
            for m in item.question_matches
        ],
        "mapping": item.source_config(),
        "shared_source": item.shared_source and {
            "name": item.shared_source.name, "path": item.shared_source.pattern, "files": item.shared_source.files,
        },
    }
